package parser

import (
	"fmt"
	"strconv"
	"strings"
)

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

func (p *parser) program() (*Program, error) {
	prog := &Program{}
	for {
		for p.acceptOp(";") {
		}
		if p.peek().Kind == EOF {
			return prog, nil
		}
		s, err := p.stmt()
		if err != nil {
			return nil, err
		}
		prog.Stmts = append(prog.Stmts, s)
		if p.peek().Kind != EOF && !p.isOp(";") {
			return nil, p.unexpected("';' or end of input")
		}
	}
}

func (p *parser) stmt() (Stmt, error) {
	t := p.peek()
	switch {
	case p.isKw("CREATE"):
		p.next()
		orReplace := p.acceptKw("OR", "REPLACE")
		switch {
		case p.acceptKw("STREAM"):
			return p.createStream(t.Pos, orReplace)
		case p.acceptKw("PUMP"):
			return p.createPump(t.Pos, orReplace)
		}
		kind := p.peek()
		if kind.Kind == Word {
			return nil, p.errorf(kind.Pos, "CREATE %s is not supported", kind.Text)
		}
		return nil, p.unexpected("STREAM or PUMP")
	case p.isKw("INSERT"):
		return p.insert()
	case p.isKw("SELECT") || p.isOp("("):
		q, err := p.query()
		if err != nil {
			return nil, err
		}
		return &SelectStmt{Query: q}, nil
	case t.Kind == Word:
		return nil, p.errorf(t.Pos, "%s statements are not supported", t.Text)
	}
	return nil, p.unexpected("a statement")
}

func (p *parser) createStream(at Pos, orReplace bool) (Stmt, error) {
	name, err := p.ident("stream name")
	if err != nil {
		return nil, err
	}
	cs := &CreateStream{At: at, OrReplace: orReplace, Name: name}
	if err := p.expectOp("("); err != nil {
		return nil, err
	}
	for {
		col, err := p.ident("column name")
		if err != nil {
			return nil, err
		}
		typ, err := p.typeName()
		if err != nil {
			return nil, err
		}
		def := ColumnDef{Name: col, Type: typ}
		if p.acceptKw("NOT", "NULL") {
			def.NotNull = true
		} else {
			p.acceptKw("NULL")
		}
		cs.Columns = append(cs.Columns, def)
		if !p.acceptOp(",") {
			break
		}
	}
	if err := p.expectOp(")"); err != nil {
		return nil, err
	}
	if p.acceptKw("DESCRIPTION") {
		if p.peek().Kind != String {
			return nil, p.unexpected("description string")
		}
		p.next()
	}
	return cs, nil
}

var intervalUnits = map[string]bool{"YEAR": true, "MONTH": true, "DAY": true, "HOUR": true, "MINUTE": true, "SECOND": true}

func (p *parser) typeName() (TypeName, error) {
	t := p.peek()
	if t.Kind != Word {
		return TypeName{}, p.unexpected("a type")
	}
	p.next()
	name := t.Text
	switch name {
	case "INT":
		name = "INTEGER"
	case "CHARACTER":
		name = "CHAR"
		if p.acceptKw("VARYING") {
			name = "VARCHAR"
		}
	case "DOUBLE":
		p.acceptKw("PRECISION")
	case "NUMERIC", "DEC":
		name = "DECIMAL"
	case "INTERVAL":
		u := p.peek()
		if u.Kind != Word || !intervalUnits[u.Text] {
			return TypeName{}, p.unexpected("an interval unit")
		}
		p.next()
		name += " " + u.Text
		if p.acceptKw("TO") {
			u := p.peek()
			if u.Kind != Word || !intervalUnits[u.Text] {
				return TypeName{}, p.unexpected("an interval unit")
			}
			p.next()
			name += " TO " + u.Text
		}
		return TypeName{Name: name}, nil
	}
	switch name {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "DECIMAL", "REAL", "FLOAT", "DOUBLE",
		"BOOLEAN", "CHAR", "VARCHAR", "BINARY", "VARBINARY", "DATE", "TIME", "TIMESTAMP":
	default:
		return TypeName{}, p.errorf(t.Pos, "unknown type %s", t.Text)
	}
	tn := TypeName{Name: name}
	if p.acceptOp("(") {
		for {
			n := p.peek()
			if n.Kind != Number {
				return TypeName{}, p.unexpected("a type length")
			}
			p.next()
			v, err := strconv.Atoi(n.Text)
			if err != nil || v < 0 {
				return TypeName{}, p.errorf(n.Pos, "invalid type length %s", n.Text)
			}
			tn.Args = append(tn.Args, v)
			if !p.acceptOp(",") {
				break
			}
		}
		if err := p.expectOp(")"); err != nil {
			return TypeName{}, err
		}
	}
	if name == "TIMESTAMP" || name == "TIME" {
		if p.acceptKw("WITH", "LOCAL", "TIME", "ZONE") || p.acceptKw("WITHOUT", "TIME", "ZONE") {
		}
	}
	return tn, nil
}

func (p *parser) createPump(at Pos, orReplace bool) (Stmt, error) {
	name, err := p.ident("pump name")
	if err != nil {
		return nil, err
	}
	if err := p.expectKw("AS"); err != nil {
		return nil, err
	}
	if !p.isKw("INSERT") {
		return nil, p.unexpected("INSERT INTO")
	}
	ins, err := p.insert()
	if err != nil {
		return nil, err
	}
	return &CreatePump{At: at, OrReplace: orReplace, Name: name, Insert: ins}, nil
}

func (p *parser) insert() (*Insert, error) {
	at := p.next().Pos // INSERT
	if err := p.expectKw("INTO"); err != nil {
		return nil, err
	}
	target, err := p.ident("stream name")
	if err != nil {
		return nil, err
	}
	ins := &Insert{At: at, Target: target}
	if p.isOp("(") && !p.isKwN(1, "SELECT") {
		p.next()
		for {
			c, err := p.ident("column name")
			if err != nil {
				return nil, err
			}
			ins.Columns = append(ins.Columns, c)
			if !p.acceptOp(",") {
				break
			}
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
	}
	q, err := p.query()
	if err != nil {
		return nil, err
	}
	ins.Query = q
	return ins, nil
}

// query parses SELECT ... [UNION ALL SELECT ...] [ORDER BY ...], possibly
// parenthesised.
func (p *parser) query() (*Select, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	var q *Select
	var err error
	if p.isOp("(") {
		p.next()
		q, err = p.query()
		if err != nil {
			return nil, err
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
	} else {
		q, err = p.selectCore()
		if err != nil {
			return nil, err
		}
	}
	for p.isKw("UNION") {
		t := p.next()
		if !p.acceptKw("ALL") {
			return nil, p.errorf(t.Pos, "UNION without ALL is not supported on streams; use UNION ALL")
		}
		var other *Select
		if p.isOp("(") {
			p.next()
			other, err = p.query()
			if err == nil {
				err = p.expectOp(")")
			}
		} else {
			other, err = p.selectCore()
		}
		if err != nil {
			return nil, err
		}
		q.UnionAll = append(q.UnionAll, other)
	}
	if p.acceptKw("ORDER", "BY") {
		items, err := p.orderItems()
		if err != nil {
			return nil, err
		}
		q.OrderBy = items
	}
	return q, nil
}

func (p *parser) selectCore() (*Select, error) {
	if !p.isKw("SELECT") {
		return nil, p.unexpected("SELECT")
	}
	q := &Select{At: p.next().Pos}
	q.Stream = p.acceptKw("STREAM")
	if p.acceptKw("DISTINCT") {
		q.Distinct = true
	} else {
		p.acceptKw("ALL")
	}
	for {
		item, err := p.selectItem()
		if err != nil {
			return nil, err
		}
		q.Items = append(q.Items, item)
		if !p.acceptOp(",") {
			break
		}
	}
	if err := p.expectKw("FROM"); err != nil {
		return nil, err
	}
	from, err := p.fromList()
	if err != nil {
		return nil, err
	}
	q.From = from
	if p.acceptKw("WHERE") {
		if q.Where, err = p.expr(); err != nil {
			return nil, err
		}
	}
	if p.acceptKw("GROUP", "BY") {
		if q.GroupBy, err = p.exprList(); err != nil {
			return nil, err
		}
	}
	if p.isKw("WINDOWED") {
		if q.Stagger, err = p.stagger(); err != nil {
			return nil, err
		}
	}
	if p.acceptKw("HAVING") {
		if q.Having, err = p.expr(); err != nil {
			return nil, err
		}
	}
	if p.acceptKw("WINDOW") {
		for {
			name, err := p.ident("window name")
			if err != nil {
				return nil, err
			}
			if err := p.expectKw("AS"); err != nil {
				return nil, err
			}
			spec, err := p.windowSpec()
			if err != nil {
				return nil, err
			}
			q.Windows = append(q.Windows, NamedWindow{Name: name, Spec: spec})
			if !p.acceptOp(",") {
				break
			}
		}
	}
	return q, nil
}

func (p *parser) stagger() (*Stagger, error) {
	at := p.next().Pos // WINDOWED
	if err := p.expectKw("BY", "STAGGER"); err != nil {
		return nil, err
	}
	if err := p.expectOp("("); err != nil {
		return nil, err
	}
	st := &Stagger{At: at}
	if err := p.expectKw("PARTITION", "BY"); err != nil {
		return nil, err
	}
	var err error
	if st.PartitionBy, err = p.exprList(); err != nil {
		return nil, err
	}
	if err := p.expectKw("RANGE"); err != nil {
		return nil, err
	}
	if !p.isKw("INTERVAL") {
		return nil, p.unexpected("INTERVAL")
	}
	iv, err := p.interval()
	if err != nil {
		return nil, err
	}
	st.Range = iv
	if err := p.expectOp(")"); err != nil {
		return nil, err
	}
	return st, nil
}

func (p *parser) selectItem() (SelectItem, error) {
	if p.acceptOp("*") {
		return SelectItem{Star: true}, nil
	}
	if (p.peek().Kind == Word || p.peek().Kind == QuotedIdent) && p.peekN(1).Kind == Op && p.peekN(1).Text == "." &&
		p.peekN(2).Kind == Op && p.peekN(2).Text == "*" {
		q, err := p.ident("qualifier")
		if err != nil {
			return SelectItem{}, err
		}
		p.next()
		p.next()
		return SelectItem{Star: true, Qualifier: &q}, nil
	}
	e, err := p.expr()
	if err != nil {
		return SelectItem{}, err
	}
	item := SelectItem{Expr: e}
	if p.acceptKw("AS") {
		t := p.peek()
		if t.Kind == Word && (t.Text == "ROWTIME" || !reserved[t.Text]) || t.Kind == QuotedIdent {
			p.next()
			item.Alias = &Ident{Name: t.Text, Quoted: t.Kind == QuotedIdent, Pos: t.Pos}
		} else {
			return SelectItem{}, p.unexpected("alias")
		}
	} else if t := p.peek(); t.Kind == QuotedIdent || t.Kind == Word && !reserved[t.Text] {
		p.next()
		item.Alias = &Ident{Name: t.Text, Quoted: t.Kind == QuotedIdent, Pos: t.Pos}
	}
	return item, nil
}

func (p *parser) optAlias() (*Ident, error) {
	if p.acceptKw("AS") {
		id, err := p.ident("alias")
		if err != nil {
			return nil, err
		}
		return &id, nil
	}
	if t := p.peek(); t.Kind == QuotedIdent || t.Kind == Word && !reserved[t.Text] {
		p.next()
		return &Ident{Name: t.Text, Quoted: t.Kind == QuotedIdent, Pos: t.Pos}, nil
	}
	return nil, nil
}

func (p *parser) fromList() (FromItem, error) {
	left, err := p.joinExpr()
	if err != nil {
		return nil, err
	}
	for p.isOp(",") {
		at := p.next().Pos
		right, err := p.joinExpr()
		if err != nil {
			return nil, err
		}
		left = &Join{At: at, Kind: CrossJoin, Left: left, Right: right}
	}
	return left, nil
}

func (p *parser) joinExpr() (FromItem, error) {
	left, err := p.fromPrimary()
	if err != nil {
		return nil, err
	}
	for {
		at := p.peek().Pos
		kind := InnerJoin
		switch {
		case p.acceptKw("JOIN"), p.acceptKw("INNER", "JOIN"):
		case p.acceptKw("LEFT", "OUTER", "JOIN"), p.acceptKw("LEFT", "JOIN"):
			kind = LeftJoin
		case p.acceptKw("RIGHT", "OUTER", "JOIN"), p.acceptKw("RIGHT", "JOIN"):
			kind = RightJoin
		case p.acceptKw("FULL", "OUTER", "JOIN"), p.acceptKw("FULL", "JOIN"):
			kind = FullJoin
		case p.acceptKw("CROSS", "JOIN"):
			kind = CrossJoin
		case p.isKw("NATURAL"):
			return nil, p.errorf(at, "NATURAL JOIN is not supported")
		default:
			return left, nil
		}
		right, err := p.fromPrimary()
		if err != nil {
			return nil, err
		}
		j := &Join{At: at, Kind: kind, Left: left, Right: right}
		if kind != CrossJoin {
			if p.isKw("USING") {
				return nil, p.errorf(p.peek().Pos, "JOIN ... USING is not supported; use ON")
			}
			if err := p.expectKw("ON"); err != nil {
				return nil, err
			}
			if j.On, err = p.expr(); err != nil {
				return nil, err
			}
		}
		left = j
	}
}

func (p *parser) fromPrimary() (FromItem, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if p.isOp("(") {
		if p.isKwN(1, "SELECT") || p.peekN(1).Kind == Op && p.peekN(1).Text == "(" {
			p.next()
			q, err := p.query()
			if err != nil {
				return nil, err
			}
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			alias, err := p.optAlias()
			if err != nil {
				return nil, err
			}
			return &SubqueryRef{Query: q, Alias: alias}, nil
		}
		p.next()
		f, err := p.fromList()
		if err != nil {
			return nil, err
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		return f, nil
	}
	if p.isKw("TABLE") && p.peekN(1).Kind == Op && p.peekN(1).Text == "(" {
		at := p.next().Pos
		p.next()
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		call, ok := e.(*FuncCall)
		if !ok {
			return nil, p.errorf(at, "TABLE(...) needs a function call")
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		alias, err := p.optAlias()
		if err != nil {
			return nil, err
		}
		return &TableFunctionRef{Call: call, Alias: alias}, nil
	}
	name, err := p.ident("stream or table name")
	if err != nil {
		return nil, err
	}
	ref := &TableRef{Name: name}
	if p.acceptKw("OVER") {
		if ref.Over, err = p.windowSpec(); err != nil {
			return nil, err
		}
	}
	if ref.Alias, err = p.optAlias(); err != nil {
		return nil, err
	}
	return ref, nil
}

func (p *parser) windowSpec() (*WindowSpec, error) {
	ws := &WindowSpec{At: p.peek().Pos}
	if !p.isOp("(") {
		base, err := p.ident("window name or '('")
		if err != nil {
			return nil, err
		}
		ws.Base = &base
		return ws, nil
	}
	p.next()
	if t := p.peek(); t.Kind == QuotedIdent || t.Kind == Word && !reserved[t.Text] {
		base, _ := p.ident("window name")
		ws.Base = &base
	}
	var err error
	if p.acceptKw("PARTITION", "BY") {
		if ws.PartitionBy, err = p.exprList(); err != nil {
			return nil, err
		}
	}
	if p.acceptKw("ORDER", "BY") {
		if ws.OrderBy, err = p.orderItems(); err != nil {
			return nil, err
		}
	}
	if p.isKw("ROWS") || p.isKw("RANGE") {
		if ws.Frame, err = p.frame(); err != nil {
			return nil, err
		}
	}
	if err := p.expectOp(")"); err != nil {
		return nil, err
	}
	return ws, nil
}

func (p *parser) frame() (*Frame, error) {
	f := &Frame{Kind: FrameRows}
	if p.next().Text == "RANGE" {
		f.Kind = FrameRange
	}
	if p.acceptKw("BETWEEN") {
		start, err := p.frameBound()
		if err != nil {
			return nil, err
		}
		if err := p.expectKw("AND"); err != nil {
			return nil, err
		}
		end, err := p.frameBound()
		if err != nil {
			return nil, err
		}
		f.Start, f.End = start, &end
		return f, nil
	}
	start, err := p.frameBound()
	if err != nil {
		return nil, err
	}
	f.Start = start
	return f, nil
}

func (p *parser) frameBound() (FrameBound, error) {
	switch {
	case p.acceptKw("UNBOUNDED"):
		b := FrameBound{Unbounded: true}
		switch {
		case p.acceptKw("PRECEDING"):
		case p.acceptKw("FOLLOWING"):
			b.Following = true
		default:
			return b, p.unexpected("PRECEDING or FOLLOWING")
		}
		return b, nil
	case p.acceptKw("CURRENT", "ROW"):
		return FrameBound{CurrentRow: true}, nil
	}
	e, err := p.additive()
	if err != nil {
		return FrameBound{}, err
	}
	b := FrameBound{Offset: e}
	switch {
	case p.acceptKw("PRECEDING"):
	case p.acceptKw("FOLLOWING"):
		b.Following = true
	default:
		return b, p.unexpected("PRECEDING or FOLLOWING")
	}
	return b, nil
}

func (p *parser) orderItems() ([]OrderItem, error) {
	var items []OrderItem
	for {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		it := OrderItem{Expr: e}
		if p.acceptKw("DESC") {
			it.Desc = true
		} else {
			p.acceptKw("ASC")
		}
		items = append(items, it)
		if !p.acceptOp(",") {
			return items, nil
		}
	}
}

func (p *parser) exprList() ([]Expr, error) {
	var list []Expr
	for {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		list = append(list, e)
		if !p.acceptOp(",") {
			return list, nil
		}
	}
}

// Expressions, lowest precedence first.

func (p *parser) expr() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	return p.or()
}

func (p *parser) or() (Expr, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.acceptKw("OR") {
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: "OR", L: l, R: r}
	}
	return l, nil
}

func (p *parser) and() (Expr, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.acceptKw("AND") {
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: "AND", L: l, R: r}
	}
	return l, nil
}

func (p *parser) not() (Expr, error) {
	if p.isKw("NOT") {
		at := p.next().Pos
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &Unary{At: at, Op: "NOT", X: x}, nil
	}
	return p.comparison()
}

var comparisonOps = map[string]string{"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

func (p *parser) comparison() (Expr, error) {
	l, err := p.additive()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.Kind == Op {
			if op, ok := comparisonOps[t.Text]; ok {
				p.next()
				r, err := p.additive()
				if err != nil {
					return nil, err
				}
				l = &Binary{Op: op, L: l, R: r}
				continue
			}
			return l, nil
		}
		if t.Kind != Word {
			return l, nil
		}
		switch {
		case p.acceptKw("IS"):
			not := p.acceptKw("NOT")
			w := p.peek()
			if w.Kind != Word || (w.Text != "NULL" && w.Text != "TRUE" && w.Text != "FALSE" && w.Text != "UNKNOWN") {
				return nil, p.unexpected("NULL, TRUE, FALSE or UNKNOWN")
			}
			p.next()
			l = &Is{X: l, Not: not, What: w.Text}
		case p.isKw("NOT") && (p.isKwN(1, "BETWEEN") || p.isKwN(1, "IN") || p.isKwN(1, "LIKE") || p.isKwN(1, "SIMILAR")):
			p.next()
			if l, err = p.predicate(l, true); err != nil {
				return nil, err
			}
		case p.isKw("BETWEEN") || p.isKw("IN") || p.isKw("LIKE") || p.isKw("SIMILAR"):
			if l, err = p.predicate(l, false); err != nil {
				return nil, err
			}
		default:
			return l, nil
		}
	}
}

func (p *parser) predicate(x Expr, not bool) (Expr, error) {
	switch {
	case p.acceptKw("BETWEEN"):
		p.acceptKw("ASYMMETRIC")
		lo, err := p.additive()
		if err != nil {
			return nil, err
		}
		if err := p.expectKw("AND"); err != nil {
			return nil, err
		}
		hi, err := p.additive()
		if err != nil {
			return nil, err
		}
		return &Between{X: x, Lo: lo, Hi: hi, Not: not}, nil
	case p.acceptKw("IN"):
		if err := p.expectOp("("); err != nil {
			return nil, err
		}
		if p.isKw("SELECT") {
			return nil, p.errorf(p.peek().Pos, "IN (subquery) is not supported")
		}
		list, err := p.exprList()
		if err != nil {
			return nil, err
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		return &InList{X: x, List: list, Not: not}, nil
	}
	similar := false
	if p.acceptKw("SIMILAR") {
		if err := p.expectKw("TO"); err != nil {
			return nil, err
		}
		similar = true
	} else {
		p.next() // LIKE
	}
	pat, err := p.additive()
	if err != nil {
		return nil, err
	}
	lk := &Like{X: x, Pattern: pat, Not: not, Similar: similar}
	if p.acceptKw("ESCAPE") {
		if lk.Escape, err = p.additive(); err != nil {
			return nil, err
		}
	}
	return lk, nil
}

func (p *parser) additive() (Expr, error) {
	l, err := p.multiplicative()
	if err != nil {
		return nil, err
	}
	for p.isOp("+") || p.isOp("-") || p.isOp("||") {
		op := p.next().Text
		r, err := p.multiplicative()
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: op, L: l, R: r}
	}
	return l, nil
}

func (p *parser) multiplicative() (Expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.isOp("*") || p.isOp("/") || p.isOp("%") {
		op := p.next().Text
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: op, L: l, R: r}
	}
	return l, nil
}

func (p *parser) unary() (Expr, error) {
	if p.isOp("-") || p.isOp("+") {
		t := p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		if lit, ok := x.(*Literal); ok && lit.Kind == LitNumber && t.Text == "-" && !strings.HasPrefix(lit.Text, "-") {
			return &Literal{At: t.Pos, Kind: LitNumber, Text: "-" + lit.Text}, nil
		}
		return &Unary{At: t.Pos, Op: t.Text, X: x}, nil
	}
	return p.postfix()
}

// postfix handles the SQL-standard interval qualifier after a parenthesised
// difference, e.g. (t1 - t2) SECOND, and x::type casts.
func (p *parser) postfix() (Expr, error) {
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	for p.isOp("::") {
		at := p.next().Pos
		tn, err := p.typeName()
		if err != nil {
			return nil, err
		}
		x = &Cast{At: at, X: x, Type: tn}
	}
	if paren, ok := x.(*Paren); ok {
		if t := p.peek(); t.Kind == Word && intervalUnits[t.Text] {
			p.next()
			q := &IntervalQualifier{X: paren, Unit: t.Text}
			if err := p.skipPrecision(); err != nil {
				return nil, err
			}
			if p.acceptKw("TO") {
				u := p.peek()
				if u.Kind != Word || !intervalUnits[u.Text] {
					return nil, p.unexpected("an interval unit")
				}
				p.next()
				q.ToUnit = u.Text
				if err := p.skipPrecision(); err != nil {
					return nil, err
				}
			}
			return q, nil
		}
	}
	return x, nil
}

var niladic = map[string]bool{
	"CURRENT_ROW_TIMESTAMP": true, "CURRENT_TIMESTAMP": true, "LOCALTIMESTAMP": true,
	"CURRENT_DATE": true, "CURRENT_TIME": true, "LOCALTIME": true,
}

func (p *parser) primary() (Expr, error) {
	t := p.peek()
	switch t.Kind {
	case Number:
		p.next()
		return &Literal{At: t.Pos, Kind: LitNumber, Text: t.Text}, nil
	case String:
		p.next()
		return &Literal{At: t.Pos, Kind: LitString, Text: t.Text}, nil
	case BinaryString:
		p.next()
		return &Literal{At: t.Pos, Kind: LitBinary, Text: t.Text}, nil
	case QuotedIdent:
		return p.columnOrCall()
	case Op:
		if t.Text == "(" {
			p.next()
			if p.isKw("SELECT") {
				return nil, p.errorf(t.Pos, "scalar subqueries are not supported")
			}
			x, err := p.expr()
			if err != nil {
				return nil, err
			}
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			return &Paren{At: t.Pos, X: x}, nil
		}
		return nil, p.unexpected("an expression")
	case Word:
	default:
		return nil, p.unexpected("an expression")
	}
	switch t.Text {
	case "NULL":
		p.next()
		return &Literal{At: t.Pos, Kind: LitNull, Text: "NULL"}, nil
	case "TRUE", "FALSE":
		p.next()
		return &Literal{At: t.Pos, Kind: LitBool, Text: t.Text}, nil
	case "UNKNOWN":
		if p.peekN(1).Kind != Op || p.peekN(1).Text != "(" {
			p.next()
			return &Literal{At: t.Pos, Kind: LitNull, Text: "NULL"}, nil
		}
	case "TIMESTAMP", "DATE", "TIME":
		if p.peekN(1).Kind == String {
			p.next()
			s := p.next()
			kind := map[string]LitKind{"TIMESTAMP": LitTimestamp, "DATE": LitDate, "TIME": LitTime}[t.Text]
			return &Literal{At: t.Pos, Kind: kind, Text: s.Text}, nil
		}
	case "INTERVAL":
		return p.interval()
	case "CASE":
		return p.caseExpr()
	case "CAST":
		return p.cast()
	case "CURSOR":
		p.next()
		if err := p.expectOp("("); err != nil {
			return nil, err
		}
		q, err := p.query()
		if err != nil {
			return nil, err
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		return &Cursor{At: t.Pos, Query: q}, nil
	}
	if niladic[t.Text] && !(p.peekN(1).Kind == Op && p.peekN(1).Text == "(") {
		p.next()
		return &FuncCall{At: t.Pos, Name: t.Text}, nil
	}
	if p.peekN(1).Kind == Op && p.peekN(1).Text == "(" {
		switch t.Text {
		case "FLOOR", "CEIL", "CEILING", "STEP", "EXTRACT", "POSITION", "SUBSTRING", "TRIM", "OVERLAY":
			return p.specialCall()
		}
	}
	if reserved[t.Text] {
		return nil, p.unexpected("an expression")
	}
	return p.columnOrCall()
}

func (p *parser) interval() (*IntervalLit, error) {
	at := p.next().Pos // INTERVAL
	iv := &IntervalLit{At: at}
	if p.acceptOp("-") {
		iv.Negative = true
	} else {
		p.acceptOp("+")
	}
	s := p.peek()
	if s.Kind != String {
		return nil, p.unexpected("interval value string")
	}
	p.next()
	iv.Value = s.Text
	u := p.peek()
	if u.Kind != Word || !intervalUnits[u.Text] {
		return nil, p.unexpected("an interval unit")
	}
	p.next()
	iv.Unit = u.Text
	if err := p.skipPrecision(); err != nil {
		return nil, err
	}
	if p.acceptKw("TO") {
		u := p.peek()
		if u.Kind != Word || !intervalUnits[u.Text] {
			return nil, p.unexpected("an interval unit")
		}
		p.next()
		iv.ToUnit = u.Text
		if err := p.skipPrecision(); err != nil {
			return nil, err
		}
	}
	return iv, nil
}

func (p *parser) skipPrecision() error {
	if !p.isOp("(") {
		return nil
	}
	p.next()
	for {
		if p.peek().Kind != Number {
			return p.unexpected("a precision")
		}
		p.next()
		if !p.acceptOp(",") {
			break
		}
	}
	return p.expectOp(")")
}

func (p *parser) caseExpr() (Expr, error) {
	at := p.next().Pos
	c := &Case{At: at}
	var err error
	if !p.isKw("WHEN") {
		if c.Operand, err = p.expr(); err != nil {
			return nil, err
		}
	}
	for p.acceptKw("WHEN") {
		cond, err := p.expr()
		if err != nil {
			return nil, err
		}
		if err := p.expectKw("THEN"); err != nil {
			return nil, err
		}
		then, err := p.expr()
		if err != nil {
			return nil, err
		}
		c.Whens = append(c.Whens, When{Cond: cond, Then: then})
	}
	if len(c.Whens) == 0 {
		return nil, p.unexpected("WHEN")
	}
	if p.acceptKw("ELSE") {
		if c.Else, err = p.expr(); err != nil {
			return nil, err
		}
	}
	if err := p.expectKw("END"); err != nil {
		return nil, err
	}
	return c, nil
}

func (p *parser) cast() (Expr, error) {
	at := p.next().Pos
	if err := p.expectOp("("); err != nil {
		return nil, err
	}
	x, err := p.expr()
	if err != nil {
		return nil, err
	}
	if err := p.expectKw("AS"); err != nil {
		return nil, err
	}
	tn, err := p.typeName()
	if err != nil {
		return nil, err
	}
	if err := p.expectOp(")"); err != nil {
		return nil, err
	}
	return &Cast{At: at, X: x, Type: tn}, nil
}

var timeUnits = map[string]bool{"YEAR": true, "QUARTER": true, "MONTH": true, "WEEK": true, "DAY": true,
	"HOUR": true, "MINUTE": true, "SECOND": true, "MILLISECOND": true, "DOW": true, "DOY": true, "EPOCH": true}

func (p *parser) unit() (string, error) {
	t := p.peek()
	if t.Kind != Word || !timeUnits[t.Text] {
		return "", p.unexpected("a time unit")
	}
	p.next()
	return t.Text, nil
}

// specialCall parses the functions with keyword-separated arguments, and
// falls back to an ordinary call when they are used with commas.
func (p *parser) specialCall() (Expr, error) {
	save := p.i
	t := p.next()
	p.next() // (
	name := t.Text
	if name == "CEILING" {
		name = "CEIL"
	}
	switch name {
	case "EXTRACT":
		u, err := p.unit()
		if err != nil {
			return nil, err
		}
		if err := p.expectKw("FROM"); err != nil {
			return nil, err
		}
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		return &Extract{At: t.Pos, Unit: u, X: x}, p.expectOp(")")
	case "TRIM":
		tr := &Trim{At: t.Pos, Where: "BOTH"}
		for _, w := range []string{"BOTH", "LEADING", "TRAILING"} {
			if p.acceptKw(w) {
				tr.Where = w
			}
		}
		if !p.isKw("FROM") {
			x, err := p.expr()
			if err != nil {
				return nil, err
			}
			if !p.acceptKw("FROM") {
				tr.S = x
				return tr, p.expectOp(")")
			}
			tr.Chars = x
		} else {
			p.next()
		}
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		tr.S = x
		return tr, p.expectOp(")")
	}
	var x Expr
	var err error
	if name == "POSITION" {
		x, err = p.additive() // POSITION(a IN b): IN is not a predicate here
	} else {
		x, err = p.expr()
	}
	if err != nil {
		return nil, err
	}
	switch {
	case (name == "FLOOR" || name == "CEIL") && p.acceptKw("TO"):
		u, err := p.unit()
		if err != nil {
			return nil, err
		}
		return &TimeUnitCall{At: t.Pos, Name: name, X: x, Unit: u}, p.expectOp(")")
	case name == "STEP" && p.acceptKw("BY"):
		iv, err := p.expr()
		if err != nil {
			return nil, err
		}
		return &Step{At: t.Pos, X: x, Interval: iv}, p.expectOp(")")
	case name == "POSITION" && p.acceptKw("IN"):
		s, err := p.expr()
		if err != nil {
			return nil, err
		}
		return &PositionExpr{At: t.Pos, Sub: x, S: s}, p.expectOp(")")
	case name == "SUBSTRING" && p.acceptKw("FROM"):
		ss := &Substring{At: t.Pos, S: x}
		if ss.From, err = p.expr(); err != nil {
			return nil, err
		}
		if p.acceptKw("FOR") {
			if ss.For, err = p.expr(); err != nil {
				return nil, err
			}
		}
		return ss, p.expectOp(")")
	case name == "OVERLAY" && p.acceptKw("PLACING"):
		ov := &Overlay{At: t.Pos, S: x}
		if ov.Placing, err = p.expr(); err != nil {
			return nil, err
		}
		if err := p.expectKw("FROM"); err != nil {
			return nil, err
		}
		if ov.From, err = p.expr(); err != nil {
			return nil, err
		}
		if p.acceptKw("FOR") {
			if ov.For, err = p.expr(); err != nil {
				return nil, err
			}
		}
		return ov, p.expectOp(")")
	}
	p.i = save
	return p.columnOrCall()
}

func (p *parser) columnOrCall() (Expr, error) {
	first, err := p.ident("a column or function name")
	if err != nil {
		// ROWTIME and a few keywords are valid column names.
		return nil, err
	}
	if p.isOp("(") {
		return p.call(first)
	}
	if p.isOp(".") {
		p.next()
		t := p.peek()
		if t.Kind != Word && t.Kind != QuotedIdent {
			return nil, p.unexpected("column name")
		}
		p.next()
		second := Ident{Name: t.Text, Quoted: t.Kind == QuotedIdent, Pos: t.Pos}
		if p.isOp(".") {
			return nil, p.errorf(p.peek().Pos, "names with more than two parts are not supported")
		}
		return &ColumnRef{Qualifier: &first, Name: second}, nil
	}
	return &ColumnRef{Name: first}, nil
}

func (p *parser) call(name Ident) (Expr, error) {
	p.next() // (
	fc := &FuncCall{At: name.Pos, Name: name.Name}
	switch {
	case p.acceptOp("*"):
		fc.Star = true
	case p.isOp(")"):
	default:
		if p.acceptKw("DISTINCT") {
			fc.Distinct = true
		} else {
			p.acceptKw("ALL")
		}
		args, err := p.exprList()
		if err != nil {
			return nil, err
		}
		fc.Args = args
	}
	if err := p.expectOp(")"); err != nil {
		return nil, err
	}
	if p.acceptKw("FROM", "FIRST") {
	} else if p.acceptKw("FROM", "LAST") {
		fc.FromLast = true
	}
	if p.acceptKw("IGNORE", "NULLS") {
		fc.IgnoreNulls = true
	} else {
		p.acceptKw("RESPECT", "NULLS")
	}
	if p.acceptKw("OVER") {
		ws, err := p.windowSpec()
		if err != nil {
			return nil, err
		}
		fc.Over = ws
	}
	return fc, nil
}
