package parser

import (
	"strconv"
	"strings"
	"unicode"
)

// String prints the program as canonical SQL, one statement per line.
// Parsing the output gives an equal program; golden tests rely on it.
func (prog *Program) String() string {
	var b strings.Builder
	for _, s := range prog.Stmts {
		b.WriteString(StmtString(s))
		b.WriteString(";\n")
	}
	return b.String()
}

// StmtString prints one statement as canonical SQL.
func StmtString(s Stmt) string {
	var p printer
	p.stmt(s)
	return p.String()
}

// ExprString prints an expression as canonical SQL. Two expressions that
// print alike are treated as the same expression (GROUP BY matching).
func ExprString(e Expr) string {
	var p printer
	p.expr(e)
	return p.String()
}

// QuerySQL prints a query as canonical SQL.
func QuerySQL(q *Select) string {
	var p printer
	p.query(q)
	return p.String()
}

// IdentString prints an identifier, quoting it when needed.
func IdentString(id Ident) string { return quoteName(id.Name, id.Quoted) }

func quoteName(name string, quoted bool) string {
	if !quoted && plainName(name) {
		return name
	}
	if plainName(name) && !reserved[name] {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// plainName reports whether name reads back unchanged when unquoted.
func plainName(name string) bool {
	if name == "" || reserved[name] {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_':
		case r == '$' || r == '#' || unicode.IsDigit(r):
			if i == 0 {
				return false
			}
		case unicode.IsLetter(r):
			if unicode.ToUpper(r) != r || strings.ToUpper(string(r)) != string(r) {
				return false
			}
		default:
			return false
		}
	}
	return name[0] != '$'
}

type printer struct {
	strings.Builder
}

func (p *printer) ident(id Ident) { p.WriteString(IdentString(id)) }

func (p *printer) stmt(s Stmt) {
	switch s := s.(type) {
	case *CreateStream:
		p.WriteString("CREATE ")
		if s.OrReplace {
			p.WriteString("OR REPLACE ")
		}
		p.WriteString("STREAM ")
		p.ident(s.Name)
		p.WriteString(" (")
		for i, c := range s.Columns {
			if i > 0 {
				p.WriteString(", ")
			}
			p.ident(c.Name)
			p.WriteByte(' ')
			p.WriteString(TypeString(c.Type))
			if c.NotNull {
				p.WriteString(" NOT NULL")
			}
		}
		p.WriteString(")")
	case *CreatePump:
		p.WriteString("CREATE ")
		if s.OrReplace {
			p.WriteString("OR REPLACE ")
		}
		p.WriteString("PUMP ")
		p.ident(s.Name)
		p.WriteString(" AS ")
		p.insert(s.Insert)
	case *Insert:
		p.insert(s)
	case *SelectStmt:
		p.query(s.Query)
	case *Unsupported:
		p.WriteString("-- unsupported " + s.Kind)
	}
}

// TypeString prints a type name: VARCHAR(4), DECIMAL(5,2).
func TypeString(t TypeName) string {
	if len(t.Args) == 0 {
		return t.Name
	}
	parts := make([]string, len(t.Args))
	for i, a := range t.Args {
		parts[i] = strconv.Itoa(a)
	}
	return t.Name + "(" + strings.Join(parts, ",") + ")"
}

func (p *printer) insert(s *Insert) {
	p.WriteString("INSERT INTO ")
	p.ident(s.Target)
	if len(s.Columns) > 0 {
		p.WriteString(" (")
		for i, c := range s.Columns {
			if i > 0 {
				p.WriteString(", ")
			}
			p.ident(c)
		}
		p.WriteString(")")
	}
	p.WriteByte(' ')
	p.query(s.Query)
}

func (p *printer) query(q *Select) {
	p.selectCore(q)
	for _, u := range q.UnionAll {
		p.WriteString(" UNION ALL ")
		p.selectCore(u)
	}
	if len(q.OrderBy) > 0 {
		p.WriteString(" ORDER BY ")
		p.orderItems(q.OrderBy)
	}
}

func (p *printer) selectCore(q *Select) {
	p.WriteString("SELECT ")
	if q.Stream {
		p.WriteString("STREAM ")
	}
	if q.Distinct {
		p.WriteString("DISTINCT ")
	}
	for i, it := range q.Items {
		if i > 0 {
			p.WriteString(", ")
		}
		switch {
		case it.Star && it.Qualifier != nil:
			p.ident(*it.Qualifier)
			p.WriteString(".*")
		case it.Star:
			p.WriteString("*")
		default:
			p.expr(it.Expr)
			if it.Alias != nil {
				p.WriteString(" AS ")
				if it.Alias.Name == "ROWTIME" && !it.Alias.Quoted {
					p.WriteString("ROWTIME")
				} else {
					p.ident(*it.Alias)
				}
			}
		}
	}
	p.WriteString(" FROM ")
	p.from(q.From)
	if q.Where != nil {
		p.WriteString(" WHERE ")
		p.expr(q.Where)
	}
	if len(q.GroupBy) > 0 {
		p.WriteString(" GROUP BY ")
		p.exprs(q.GroupBy)
	}
	if q.Stagger != nil {
		p.WriteString(" WINDOWED BY STAGGER (PARTITION BY ")
		p.exprs(q.Stagger.PartitionBy)
		p.WriteString(" RANGE ")
		p.expr(q.Stagger.Range)
		p.WriteString(")")
	}
	if q.Having != nil {
		p.WriteString(" HAVING ")
		p.expr(q.Having)
	}
	if len(q.Windows) > 0 {
		p.WriteString(" WINDOW ")
		for i, w := range q.Windows {
			if i > 0 {
				p.WriteString(", ")
			}
			p.ident(w.Name)
			p.WriteString(" AS ")
			p.windowSpec(w.Spec)
		}
	}
}

func (p *printer) orderItems(items []OrderItem) {
	for i, o := range items {
		if i > 0 {
			p.WriteString(", ")
		}
		p.expr(o.Expr)
		if o.Desc {
			p.WriteString(" DESC")
		}
	}
}

func (p *printer) exprs(list []Expr) {
	for i, e := range list {
		if i > 0 {
			p.WriteString(", ")
		}
		p.expr(e)
	}
}

func (p *printer) alias(a *Ident) {
	if a != nil {
		p.WriteString(" AS ")
		p.ident(*a)
	}
}

func (p *printer) from(f FromItem) {
	switch f := f.(type) {
	case *TableRef:
		p.ident(f.Name)
		if f.Over != nil {
			p.WriteString(" OVER ")
			p.windowSpec(f.Over)
		}
		p.alias(f.Alias)
	case *SubqueryRef:
		p.WriteString("(")
		p.query(f.Query)
		p.WriteString(")")
		p.alias(f.Alias)
	case *TableFunctionRef:
		p.WriteString("TABLE(")
		p.expr(f.Call)
		p.WriteString(")")
		p.alias(f.Alias)
	case *Join:
		p.from(f.Left)
		if f.Kind == CrossJoin {
			p.WriteString(" CROSS JOIN ")
			if _, nested := f.Right.(*Join); nested {
				p.WriteString("(")
				p.from(f.Right)
				p.WriteString(")")
			} else {
				p.from(f.Right)
			}
			return
		}
		p.WriteString(" " + f.Kind.String() + " ")
		if _, nested := f.Right.(*Join); nested {
			p.WriteString("(")
			p.from(f.Right)
			p.WriteString(")")
		} else {
			p.from(f.Right)
		}
		p.WriteString(" ON ")
		p.expr(f.On)
	}
}

func (p *printer) windowSpec(w *WindowSpec) {
	if w.Base != nil && len(w.PartitionBy) == 0 && len(w.OrderBy) == 0 && w.Frame == nil {
		p.ident(*w.Base)
		return
	}
	p.WriteString("(")
	sep := ""
	if w.Base != nil {
		p.ident(*w.Base)
		sep = " "
	}
	if len(w.PartitionBy) > 0 {
		p.WriteString(sep + "PARTITION BY ")
		p.exprs(w.PartitionBy)
		sep = " "
	}
	if len(w.OrderBy) > 0 {
		p.WriteString(sep + "ORDER BY ")
		p.orderItems(w.OrderBy)
		sep = " "
	}
	if f := w.Frame; f != nil {
		p.WriteString(sep)
		if f.Kind == FrameRows {
			p.WriteString("ROWS ")
		} else {
			p.WriteString("RANGE ")
		}
		if f.End != nil {
			p.WriteString("BETWEEN ")
			p.bound(f.Start)
			p.WriteString(" AND ")
			p.bound(*f.End)
		} else {
			p.bound(f.Start)
		}
	}
	p.WriteString(")")
}

func (p *printer) bound(b FrameBound) {
	switch {
	case b.CurrentRow:
		p.WriteString("CURRENT ROW")
		return
	case b.Unbounded:
		p.WriteString("UNBOUNDED")
	default:
		p.expr(b.Offset)
	}
	if b.Following {
		p.WriteString(" FOLLOWING")
	} else {
		p.WriteString(" PRECEDING")
	}
}

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (p *printer) expr(e Expr) {
	switch e := e.(type) {
	case *Literal:
		switch e.Kind {
		case LitNull, LitBool, LitNumber:
			p.WriteString(e.Text)
		case LitString:
			p.WriteString(quoteString(e.Text))
		case LitBinary:
			p.WriteString("X'" + e.Text + "'")
		case LitTimestamp:
			p.WriteString("TIMESTAMP " + quoteString(e.Text))
		case LitDate:
			p.WriteString("DATE " + quoteString(e.Text))
		case LitTime:
			p.WriteString("TIME " + quoteString(e.Text))
		}
	case *IntervalLit:
		p.WriteString("INTERVAL ")
		if e.Negative {
			p.WriteString("-")
		}
		p.WriteString(quoteString(e.Value) + " " + e.Unit)
		if e.ToUnit != "" {
			p.WriteString(" TO " + e.ToUnit)
		}
	case *ColumnRef:
		if e.Qualifier != nil {
			p.ident(*e.Qualifier)
			p.WriteByte('.')
		}
		if e.Name.Name == "ROWTIME" && !e.Name.Quoted {
			p.WriteString("ROWTIME")
		} else {
			p.ident(e.Name)
		}
	case *Unary:
		if e.Op == "NOT" {
			p.WriteString("NOT ")
		} else {
			p.WriteString(e.Op)
		}
		p.operand(e.X)
	case *Binary:
		p.operand(e.L)
		p.WriteString(" " + e.Op + " ")
		p.operand(e.R)
	case *Paren:
		p.WriteString("(")
		p.expr(e.X)
		p.WriteString(")")
	case *FuncCall:
		p.funcCall(e)
	case *Cast:
		p.WriteString("CAST(")
		p.expr(e.X)
		p.WriteString(" AS " + TypeString(e.Type) + ")")
	case *Case:
		p.WriteString("CASE")
		if e.Operand != nil {
			p.WriteString(" ")
			p.expr(e.Operand)
		}
		for _, w := range e.Whens {
			p.WriteString(" WHEN ")
			p.expr(w.Cond)
			p.WriteString(" THEN ")
			p.expr(w.Then)
		}
		if e.Else != nil {
			p.WriteString(" ELSE ")
			p.expr(e.Else)
		}
		p.WriteString(" END")
	case *TimeUnitCall:
		p.WriteString(e.Name + "(")
		p.expr(e.X)
		p.WriteString(" TO " + e.Unit + ")")
	case *Step:
		p.WriteString("STEP(")
		p.expr(e.X)
		p.WriteString(" BY ")
		p.expr(e.Interval)
		p.WriteString(")")
	case *Extract:
		p.WriteString("EXTRACT(" + e.Unit + " FROM ")
		p.expr(e.X)
		p.WriteString(")")
	case *PositionExpr:
		p.WriteString("POSITION(")
		p.expr(e.Sub)
		p.WriteString(" IN ")
		p.expr(e.S)
		p.WriteString(")")
	case *Substring:
		p.WriteString("SUBSTRING(")
		p.expr(e.S)
		p.WriteString(" FROM ")
		p.expr(e.From)
		if e.For != nil {
			p.WriteString(" FOR ")
			p.expr(e.For)
		}
		p.WriteString(")")
	case *Trim:
		p.WriteString("TRIM(" + e.Where + " ")
		if e.Chars != nil {
			p.expr(e.Chars)
			p.WriteString(" ")
		}
		p.WriteString("FROM ")
		p.expr(e.S)
		p.WriteString(")")
	case *Overlay:
		p.WriteString("OVERLAY(")
		p.expr(e.S)
		p.WriteString(" PLACING ")
		p.expr(e.Placing)
		p.WriteString(" FROM ")
		p.expr(e.From)
		if e.For != nil {
			p.WriteString(" FOR ")
			p.expr(e.For)
		}
		p.WriteString(")")
	case *Between:
		p.operand(e.X)
		if e.Not {
			p.WriteString(" NOT")
		}
		p.WriteString(" BETWEEN ")
		p.operand(e.Lo)
		p.WriteString(" AND ")
		p.operand(e.Hi)
	case *InList:
		p.operand(e.X)
		if e.Not {
			p.WriteString(" NOT")
		}
		p.WriteString(" IN (")
		p.exprs(e.List)
		p.WriteString(")")
	case *Like:
		p.operand(e.X)
		if e.Not {
			p.WriteString(" NOT")
		}
		if e.Similar {
			p.WriteString(" SIMILAR TO ")
		} else {
			p.WriteString(" LIKE ")
		}
		p.operand(e.Pattern)
		if e.Escape != nil {
			p.WriteString(" ESCAPE ")
			p.operand(e.Escape)
		}
	case *Is:
		p.operand(e.X)
		p.WriteString(" IS ")
		if e.Not {
			p.WriteString("NOT ")
		}
		p.WriteString(e.What)
	case *IntervalQualifier:
		p.expr(e.X)
		p.WriteString(" " + e.Unit)
		if e.ToUnit != "" {
			p.WriteString(" TO " + e.ToUnit)
		}
	case *Cursor:
		p.WriteString("CURSOR(")
		p.query(e.Query)
		p.WriteString(")")
	}
}

// operand prints a sub-expression, parenthesising compound ones so the
// printed text parses back to the same tree whatever the precedence.
func (p *printer) operand(e Expr) {
	switch e.(type) {
	case *Binary, *Between, *InList, *Like, *Is, *Unary:
		p.WriteString("(")
		p.expr(e)
		p.WriteString(")")
	default:
		p.expr(e)
	}
}

func (p *printer) funcCall(f *FuncCall) {
	if niladic[f.Name] && len(f.Args) == 0 && !f.Star && f.Over == nil {
		p.WriteString(f.Name)
		return
	}
	p.WriteString(quoteName(f.Name, false))
	p.WriteString("(")
	if f.Distinct {
		p.WriteString("DISTINCT ")
	}
	if f.Star {
		p.WriteString("*")
	}
	p.exprs(f.Args)
	p.WriteString(")")
	if f.FromLast {
		p.WriteString(" FROM LAST")
	}
	if f.IgnoreNulls {
		p.WriteString(" IGNORE NULLS")
	}
	if f.Over != nil {
		p.WriteString(" OVER ")
		p.windowSpec(f.Over)
	}
}
