package parser

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TokenKind classifies a token.
type TokenKind int

// Token kinds.
const (
	EOF          TokenKind = iota
	Word                   // unquoted identifier or keyword, folded to upper case
	QuotedIdent            // "double quoted", case kept
	String                 // 'single quoted', quotes removed, '' unescaped
	Number                 // 123, 1.5, 1e3
	BinaryString           // X'0AFF'
	Op                     // punctuation and operators
)

func (k TokenKind) String() string {
	switch k {
	case EOF:
		return "end of input"
	case Word:
		return "identifier"
	case QuotedIdent:
		return "quoted identifier"
	case String:
		return "string"
	case Number:
		return "number"
	case BinaryString:
		return "binary string"
	case Op:
		return "operator"
	}
	return fmt.Sprintf("TokenKind(%d)", int(k))
}

// Pos is a position in the source text, 1-based.
type Pos struct {
	Line, Col int
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Token is one lexical token.
type Token struct {
	Kind TokenKind
	Text string // identifier (upper-cased if unquoted), string contents, number or operator
	Pos  Pos
}

func (t Token) String() string {
	switch t.Kind {
	case EOF:
		return "end of input"
	case String:
		return "'" + t.Text + "'"
	case QuotedIdent:
		return `"` + t.Text + `"`
	}
	return t.Text
}

// Error is a syntax error with its position.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
}

// Lex splits src into tokens. The last token is always EOF.
func Lex(src string) ([]Token, error) {
	l := lexer{src: src, line: 1, col: 1}
	var toks []Token
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		if t.Kind == EOF {
			return toks, nil
		}
	}
}

type lexer struct {
	src       string
	off       int
	line, col int
}

func (l *lexer) pos() Pos { return Pos{l.line, l.col} }

func (l *lexer) advance(n int) {
	for i := 0; i < n && l.off < len(l.src); i++ {
		if l.src[l.off] == '\n' {
			l.line++
			l.col = 1
		} else if l.src[l.off]&0xC0 != 0x80 {
			l.col++
		}
		l.off++
	}
}

func (l *lexer) errorf(p Pos, format string, args ...any) error {
	return &Error{Pos: p, Msg: fmt.Sprintf(format, args...)}
}

func (l *lexer) skipSpaceAndComments() error {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			l.advance(1)
		case c == '-' && strings.HasPrefix(l.src[l.off:], "--"):
			for l.off < len(l.src) && l.src[l.off] != '\n' {
				l.advance(1)
			}
		case c == '/' && strings.HasPrefix(l.src[l.off:], "/*"):
			p := l.pos()
			end := strings.Index(l.src[l.off+2:], "*/")
			if end < 0 {
				return l.errorf(p, "unterminated comment")
			}
			l.advance(end + 4)
		default:
			return nil
		}
	}
	return nil
}

var twoCharOps = []string{"<>", "<=", ">=", "!=", "||", "::"}

func (l *lexer) next() (Token, error) {
	if err := l.skipSpaceAndComments(); err != nil {
		return Token{}, err
	}
	p := l.pos()
	if l.off >= len(l.src) {
		return Token{Kind: EOF, Pos: p}, nil
	}
	c := l.src[l.off]
	switch {
	case (c == 'X' || c == 'x') && l.off+1 < len(l.src) && l.src[l.off+1] == '\'':
		l.advance(1)
		s, err := l.quoted('\'')
		if err != nil {
			return Token{}, err
		}
		for _, r := range s {
			if !strings.ContainsRune("0123456789abcdefABCDEF ", r) {
				return Token{}, l.errorf(p, "invalid binary string X'%s'", s)
			}
		}
		return Token{Kind: BinaryString, Text: strings.ReplaceAll(s, " ", ""), Pos: p}, nil
	case c == '\'':
		s, err := l.quoted('\'')
		if err != nil {
			return Token{}, err
		}
		return Token{Kind: String, Text: s, Pos: p}, nil
	case c == '"':
		s, err := l.quoted('"')
		if err != nil {
			return Token{}, err
		}
		if s == "" {
			return Token{}, l.errorf(p, "empty quoted identifier")
		}
		return Token{Kind: QuotedIdent, Text: s, Pos: p}, nil
	case c >= '0' && c <= '9' || c == '.' && l.off+1 < len(l.src) && isDigit(l.src[l.off+1]):
		return l.number(p)
	case c == '_' || c == '$' || c < utf8.RuneSelf && unicode.IsLetter(rune(c)):
		return l.ident(p), nil
	case c >= utf8.RuneSelf:
		r, _ := utf8.DecodeRuneInString(l.src[l.off:])
		if unicode.IsLetter(r) {
			return l.ident(p), nil
		}
		return Token{}, l.errorf(p, "unexpected character %q", r)
	}
	for _, op := range twoCharOps {
		if strings.HasPrefix(l.src[l.off:], op) {
			l.advance(2)
			return Token{Kind: Op, Text: op, Pos: p}, nil
		}
	}
	if strings.IndexByte("+-*/%=<>(),.;[]:?", c) >= 0 {
		l.advance(1)
		return Token{Kind: Op, Text: string(c), Pos: p}, nil
	}
	return Token{}, l.errorf(p, "unexpected character %q", c)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (l *lexer) quoted(q byte) (string, error) {
	p := l.pos()
	l.advance(1)
	var b strings.Builder
	for {
		if l.off >= len(l.src) {
			if q == '"' {
				return "", l.errorf(p, "unterminated quoted identifier")
			}
			return "", l.errorf(p, "unterminated string")
		}
		c := l.src[l.off]
		if c == q {
			if l.off+1 < len(l.src) && l.src[l.off+1] == q {
				b.WriteByte(q)
				l.advance(2)
				continue
			}
			l.advance(1)
			return b.String(), nil
		}
		b.WriteByte(c)
		l.advance(1)
	}
}

func (l *lexer) number(p Pos) (Token, error) {
	start := l.off
	for l.off < len(l.src) && isDigit(l.src[l.off]) {
		l.advance(1)
	}
	if l.off < len(l.src) && l.src[l.off] == '.' {
		l.advance(1)
		for l.off < len(l.src) && isDigit(l.src[l.off]) {
			l.advance(1)
		}
	}
	if l.off < len(l.src) && (l.src[l.off] == 'e' || l.src[l.off] == 'E') {
		save, line, col := l.off, l.line, l.col
		l.advance(1)
		if l.off < len(l.src) && (l.src[l.off] == '+' || l.src[l.off] == '-') {
			l.advance(1)
		}
		if l.off < len(l.src) && isDigit(l.src[l.off]) {
			for l.off < len(l.src) && isDigit(l.src[l.off]) {
				l.advance(1)
			}
		} else {
			l.off, l.line, l.col = save, line, col
		}
	}
	if l.off < len(l.src) {
		c := l.src[l.off]
		if c == '_' || c < utf8.RuneSelf && unicode.IsLetter(rune(c)) {
			return Token{}, l.errorf(p, "invalid number %q", l.src[start:l.off+1])
		}
	}
	return Token{Kind: Number, Text: l.src[start:l.off], Pos: p}, nil
}

func (l *lexer) ident(p Pos) Token {
	start := l.off
	for l.off < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[l.off:])
		if r == '_' || r == '$' || r == '#' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			l.advance(n)
			continue
		}
		break
	}
	return Token{Kind: Word, Text: strings.ToUpper(l.src[start:l.off]), Pos: p}
}
