package parser

import "strconv"

// Statements and queries: CREATE STREAM, CREATE PUMP, INSERT, SELECT with
// its FROM, WINDOW and GROUP BY clauses.

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
