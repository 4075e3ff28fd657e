package parser

import "fmt"

// maxDepth bounds expression and query nesting so hostile input cannot
// exhaust the stack.
const maxDepth = 200

// reserved words cannot be used as unquoted identifiers or aliases.
var reserved = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "GROUP": true, "HAVING": true, "WINDOW": true,
	"WINDOWED": true, "ORDER": true, "UNION": true, "JOIN": true, "LEFT": true, "RIGHT": true,
	"FULL": true, "INNER": true, "OUTER": true, "CROSS": true, "ON": true, "AS": true, "AND": true,
	"OR": true, "NOT": true, "IS": true, "NULL": true, "BETWEEN": true, "IN": true, "LIKE": true,
	"SIMILAR": true, "CASE": true, "WHEN": true, "THEN": true, "ELSE": true, "END": true,
	"OVER": true, "PARTITION": true, "BY": true, "CREATE": true, "INSERT": true, "INTO": true,
	"STREAM": true, "PUMP": true, "DISTINCT": true, "ALL": true, "TRUE": true, "FALSE": true,
	"INTERVAL": true, "CAST": true, "ESCAPE": true, "ROWS": true, "RANGE": true, "PRECEDING": true,
	"FOLLOWING": true, "UNBOUNDED": true, "CURRENT": true, "TABLE": true, "CURSOR": true,
	"IGNORE": true, "RESPECT": true, "VALUES": true, "USING": true, "NATURAL": true, "TO": true,
}

// IsReserved reports whether word (upper case) is a reserved word.
func IsReserved(word string) bool { return reserved[word] }

// Parse parses a whole application program: statements separated by ';'.
func Parse(src string) (*Program, error) {
	toks, err := Lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	prog, err := p.program()
	if err != nil {
		return nil, err
	}
	return prog, nil
}

// ParseExpr parses a single expression (used by tests and tools).
func ParseExpr(src string) (Expr, error) {
	toks, err := Lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.peek().Kind != EOF {
		return nil, p.unexpected("end of expression")
	}
	return e, nil
}

type parser struct {
	toks  []Token
	i     int
	depth int
}

func (p *parser) peek() Token { return p.toks[p.i] }

func (p *parser) peekN(n int) Token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() Token {
	t := p.toks[p.i]
	if t.Kind != EOF {
		p.i++
	}
	return t
}

func (p *parser) errorf(pos Pos, format string, args ...any) error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) unexpected(want string) error {
	t := p.peek()
	return p.errorf(t.Pos, "expected %s, found %s", want, t)
}

// isKw reports whether the next token is the unquoted keyword kw.
func (p *parser) isKw(kw string) bool {
	t := p.peek()
	return t.Kind == Word && t.Text == kw
}

func (p *parser) isKwN(n int, kw string) bool {
	t := p.peekN(n)
	return t.Kind == Word && t.Text == kw
}

func (p *parser) acceptKw(kws ...string) bool {
	for i, kw := range kws {
		if !p.isKwN(i, kw) {
			return false
		}
	}
	p.i += len(kws)
	return true
}

func (p *parser) expectKw(kws ...string) error {
	for _, kw := range kws {
		if !p.isKw(kw) {
			return p.unexpected(kw)
		}
		p.next()
	}
	return nil
}

func (p *parser) isOp(op string) bool {
	t := p.peek()
	return t.Kind == Op && t.Text == op
}

func (p *parser) acceptOp(op string) bool {
	if p.isOp(op) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expectOp(op string) error {
	if !p.acceptOp(op) {
		return p.unexpected("'" + op + "'")
	}
	return nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf(p.peek().Pos, "nesting too deep")
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// ident parses an identifier (quoted, or unquoted and not reserved).
func (p *parser) ident(what string) (Ident, error) {
	t := p.peek()
	switch {
	case t.Kind == QuotedIdent:
		p.next()
		return Ident{Name: t.Text, Quoted: true, Pos: t.Pos}, nil
	case t.Kind == Word && !reserved[t.Text]:
		p.next()
		return Ident{Name: t.Text, Pos: t.Pos}, nil
	}
	return Ident{}, p.unexpected(what)
}
