package parser

import "strings"

// Expressions, lowest precedence first.

func (p *parser) expr() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	return p.or()
}

func (p *parser) or() (Expr, error)  { return p.leftAssoc(p.and, p.keyword("OR")) }
func (p *parser) and() (Expr, error) { return p.leftAssoc(p.not, p.keyword("AND")) }

// leftAssoc parses operand (operator operand)*, folding to the left;
// operator consumes and returns the operator at the cursor, or "".
func (p *parser) leftAssoc(operand func() (Expr, error), operator func() string) (Expr, error) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for op := operator(); op != ""; op = operator() {
		r, err := operand()
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: op, L: l, R: r}
	}
	return l, nil
}

// keyword returns an operator matcher for a keyword operator.
func (p *parser) keyword(kw string) func() string {
	return func() string {
		if p.acceptKw(kw) {
			return kw
		}
		return ""
	}
}

// symbol returns an operator matcher for symbolic operators.
func (p *parser) symbol(ops ...string) func() string {
	return func() string {
		for _, op := range ops {
			if p.isOp(op) {
				return p.next().Text
			}
		}
		return ""
	}
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
	return p.leftAssoc(p.multiplicative, p.symbol("+", "-", "||"))
}
func (p *parser) multiplicative() (Expr, error) {
	return p.leftAssoc(p.unary, p.symbol("*", "/", "%"))
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
