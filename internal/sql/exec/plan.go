package exec

import (
	"fmt"
	"regexp"

	"github.com/eddy-streaming/eddy/internal/sql/functions"
	"github.com/eddy-streaming/eddy/internal/sql/parser"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// StreamDef describes an application input stream.
type StreamDef struct {
	Name    string
	Columns []Column
}

// PlanConfig is what a program is planned against.
type PlanConfig struct {
	Inputs []StreamDef
	Tables []*Table
}

// ResultStreamName names the stream that receives the rows of the n-th
// (1-based) top-level SELECT STREAM of a program.
func ResultStreamName(n int) string { return fmt.Sprintf("RESULT_%03d", n) }

// Plan builds the graph of a program.
func Plan(prog *parser.Program, cfg PlanConfig) (*Graph, error) {
	g := &Graph{streams: map[string]*Stream{}, tables: map[string]*Table{}, inputs: map[string]int{}}
	g.now = minTime
	taken := func(name string) bool {
		_, s := g.streams[name]
		_, t := g.tables[name]
		return s || t
	}
	for _, in := range cfg.Inputs {
		if taken(in.Name) {
			return nil, planErrorf(parser.Pos{}, "input stream %s is defined twice", in.Name)
		}
		s := g.newStream(in.Name, in.Columns)
		s.input = true
		s.addWriter()
	}
	g.errors = g.newStream(ErrorStreamName, ErrorColumns)
	for _, t := range cfg.Tables {
		if taken(t.Name) {
			return nil, planErrorf(parser.Pos{}, "reference table %s has the name of another stream or table", t.Name)
		}
		g.tables[t.Name] = t
	}
	for _, st := range prog.Stmts {
		cs, ok := st.(*parser.CreateStream)
		if !ok {
			continue
		}
		if taken(cs.Name.Name) {
			return nil, planErrorf(cs.At, "stream %s already exists", parser.IdentString(cs.Name))
		}
		cols := make([]Column, len(cs.Columns))
		seen := map[string]bool{}
		for i, c := range cs.Columns {
			t, err := value.NewType(c.Type.Name, c.Type.Args)
			if err != nil {
				return nil, planErrorf(c.Name.Pos, "column %s: %v", parser.IdentString(c.Name), err)
			}
			if seen[c.Name.Name] {
				return nil, planErrorf(c.Name.Pos, "column %s is defined twice", parser.IdentString(c.Name))
			}
			seen[c.Name.Name] = true
			t.NotNull = c.NotNull
			cols[i] = Column{Name: c.Name.Name, Type: t}
		}
		g.newStream(cs.Name.Name, cols)
	}
	results := 0
	pumps := map[string]bool{}
	for _, st := range prog.Stmts {
		switch st := st.(type) {
		case *parser.CreatePump:
			if pumps[st.Name.Name] {
				return nil, planErrorf(st.At, "pump %s is defined twice", parser.IdentString(st.Name))
			}
			pumps[st.Name.Name] = true
			g.pumps = append(g.pumps, st.Name.Name)
			if err := g.planPump(st.Name.Name, st.Insert); err != nil {
				return nil, err
			}
		case *parser.SelectStmt:
			results++
			if err := g.planResult(ResultStreamName(results), st.Query); err != nil {
				return nil, err
			}
		case *parser.Insert:
			return nil, planErrorf(st.At, "INSERT outside of CREATE PUMP is not supported; wrap it in CREATE OR REPLACE PUMP")
		case *parser.Unsupported:
			return nil, planErrorf(st.At, "%s is not supported", st.Kind)
		}
	}
	return g, nil
}

func (g *Graph) newStream(name string, cols []Column) *Stream {
	s := &Stream{Name: name, Columns: cols, graph: g, Rowtime: minTime, Watermark: minTime}
	g.streams[name] = s
	g.order = append(g.order, s)
	return s
}

func (g *Graph) planPump(pump string, ins *parser.Insert) error {
	target, ok := g.streams[ins.Target.Name]
	if !ok {
		if _, isTable := g.tables[ins.Target.Name]; isTable {
			return planErrorf(ins.Target.Pos, "cannot insert into reference table %s", parser.IdentString(ins.Target))
		}
		return planErrorf(ins.Target.Pos, "unknown stream %s", parser.IdentString(ins.Target))
	}
	if target.input || target == g.errors {
		return planErrorf(ins.Target.Pos, "cannot insert into %s: it is written by the system", parser.IdentString(ins.Target))
	}
	out, cols, err := g.planQuery(ins.Query, pump)
	if err != nil {
		return err
	}
	colMap := make([]int, len(cols))
	if len(ins.Columns) > 0 {
		if len(ins.Columns) != len(cols) {
			return planErrorf(ins.At, "INSERT names %d columns but the query has %d", len(ins.Columns), len(cols))
		}
		for i, c := range ins.Columns {
			colMap[i] = -1
			for j, tc := range target.Columns {
				if tc.Name == c.Name {
					colMap[i] = j
				}
			}
			if colMap[i] < 0 {
				return planErrorf(c.Pos, "stream %s has no column %s", target.Name, parser.IdentString(c))
			}
		}
	} else {
		if len(cols) != len(target.Columns) {
			return planErrorf(ins.At, "stream %s has %d columns but the query has %d", parser.IdentString(ins.Target), len(target.Columns), len(cols))
		}
		for i := range colMap {
			colMap[i] = i
		}
	}
	op := &insertOp{g: g, pump: pump, target: target, writer: target.addWriter(), colMap: colMap}
	g.inserts = append(g.inserts, op)
	out.next = op
	return nil
}

func (g *Graph) planResult(name string, q *parser.Select) error {
	out, cols, err := g.planQuery(q, "")
	if err != nil {
		return err
	}
	s := g.newStream(name, cols)
	colMap := make([]int, len(cols))
	for i := range colMap {
		colMap[i] = i
	}
	out.next = &insertOp{g: g, target: s, writer: s.addWriter(), colMap: colMap}
	return nil
}

// planFrom plans a FROM item; rows come out of the returned relay.
func (g *Graph) planFrom(f parser.FromItem, pump string) (*relay, *scope, error) {
	switch f := f.(type) {
	case *parser.TableRef:
		if f.Over != nil {
			return nil, nil, planErrorf(f.Over.At, "OVER on a FROM item is only allowed in a stream-to-stream join")
		}
		s, ok := g.streams[f.Name.Name]
		if !ok {
			if _, isTable := g.tables[f.Name.Name]; isTable {
				return nil, nil, planErrorf(f.Name.Pos, "reference table %s can only be joined to a stream", parser.IdentString(f.Name))
			}
			return nil, nil, planErrorf(f.Name.Pos, "unknown stream %s", parser.IdentString(f.Name))
		}
		if s == g.errors {
			return nil, nil, planErrorf(f.Name.Pos, "error_stream cannot be read by a query; make it an application output")
		}
		r := &relay{count: g.rowsIn(pump)}
		s.subscribers = append(s.subscribers, r)
		sc := &scope{}
		qual := qualifier(f.Alias, f.Name.Name)
		sc.addSource(qual, s.Columns)
		if s.input {
			// KDA's input streams also carry the Kinesis arrival time; an
			// input row's ROWTIME is that time (raised to stay monotonic).
			sc.cols = append(sc.cols, scopeCol{qual: qual, name: "APPROXIMATE_ARRIVAL_TIME", idx: sc.cols[0].idx,
				rowtime: true, typ: sc.cols[0].typ})
		}
		return r, sc, nil
	case *parser.SubqueryRef:
		r, cols, err := g.planQuery(f.Query, pump)
		if err != nil {
			return nil, nil, err
		}
		sc := &scope{}
		sc.addSource(qualifier(f.Alias, ""), cols)
		return r, sc, nil
	case *parser.TableFunctionRef:
		return g.planTableFunction(f, pump)
	case *parser.Join:
		return g.planJoin(f, pump)
	}
	return nil, nil, planErrorf(parser.Pos{}, "unsupported FROM item")
}

func qualifier(alias *parser.Ident, name string) string {
	if alias != nil {
		return alias.Name
	}
	return name
}

func (g *Graph) planTableFunction(f *parser.TableFunctionRef, pump string) (*relay, *scope, error) {
	call := f.Call
	if notYet[call.Name] {
		return nil, nil, planErrorf(call.At, "function %s is not supported yet", call.Name)
	}
	factory, ok := lookupTableFunction(call.Name)
	if !ok {
		return nil, nil, planErrorf(call.At, "unknown table function %s", call.Name)
	}
	var cursor *parser.Cursor
	var args []value.Value
	empty := &compiler{g: g, sc: &scope{}}
	for _, a := range call.Args {
		if c, ok := a.(*parser.Cursor); ok {
			if cursor != nil {
				return nil, nil, planErrorf(c.At, "%s takes one CURSOR", call.Name)
			}
			cursor = c
			continue
		}
		x, err := empty.compile(a)
		if err != nil {
			return nil, nil, err
		}
		v, err := x.eval(g, 0, nil)
		if err != nil {
			return nil, nil, planErrorf(a.Position(), "argument of %s: %v", call.Name, err)
		}
		args = append(args, v)
	}
	if cursor == nil {
		return nil, nil, planErrorf(call.At, "%s needs a CURSOR(SELECT STREAM ...) argument", call.Name)
	}
	in, cols, err := g.planQuery(cursor.Query, pump)
	if err != nil {
		return nil, nil, err
	}
	fn, err := factory(cols, args)
	if err != nil {
		return nil, nil, planErrorf(call.At, "%s: %v", call.Name, err)
	}
	op := newTableFuncOp(g, pump, fn)
	g.label(op, "table function "+parser.ExprString(call))
	in.next = op
	g.stateful = append(g.stateful, op)
	out := &relay{}
	op.next = out
	sc := &scope{}
	sc.addSource(qualifier(f.Alias, call.Name), fn.Columns())
	return out, sc, nil
}

func joinRange(ref parser.FromItem) (int64, error) {
	t, ok := ref.(*parser.TableRef)
	if !ok || t.Over == nil {
		return -1, nil
	}
	w := t.Over
	if w.Base != nil || len(w.PartitionBy) > 0 {
		return 0, planErrorf(w.At, "a join window cannot be named or partitioned")
	}
	if w.Frame == nil || w.Frame.Kind != parser.FrameRange || w.Frame.End != nil && !w.Frame.End.CurrentRow {
		return 0, planErrorf(w.At, "a join window must be RANGE INTERVAL '...' unit PRECEDING")
	}
	iv, ok := w.Frame.Start.Offset.(*parser.IntervalLit)
	if !ok || w.Frame.Start.Following {
		return 0, planErrorf(w.At, "a join window must be RANGE INTERVAL '...' unit PRECEDING")
	}
	v, err := intervalValue(iv)
	if err != nil {
		return 0, err
	}
	if v.K != value.IntervalDT || v.I < 0 {
		return 0, planErrorf(w.At, "a join window needs a non-negative day-time interval")
	}
	return v.I, nil
}

func (g *Graph) planJoin(j *parser.Join, pump string) (*relay, *scope, error) {
	if t, ok := j.Left.(*parser.TableRef); ok {
		if _, isTable := g.tables[t.Name.Name]; isTable {
			return nil, nil, planErrorf(t.Name.Pos, "put the stream on the left of a join with reference table %s", parser.IdentString(t.Name))
		}
	}
	if t, ok := j.Right.(*parser.TableRef); ok {
		if tbl, isTable := g.tables[t.Name.Name]; isTable {
			return g.planTableJoin(j, tbl, qualifier(t.Alias, t.Name.Name), pump)
		}
	}
	leftRange, err := joinRange(j.Left)
	if err != nil {
		return nil, nil, err
	}
	rightRange, err := joinRange(j.Right)
	if err != nil {
		return nil, nil, err
	}
	if leftRange < 0 && rightRange < 0 {
		return nil, nil, planErrorf(j.At, "a join of two streams needs a window on at least one side: s OVER (RANGE INTERVAL '1' MINUTE PRECEDING)")
	}
	lr, lsc, err := g.planFrom(stripOver(j.Left), pump)
	if err != nil {
		return nil, nil, err
	}
	rr, rsc, err := g.planFrom(stripOver(j.Right), pump)
	if err != nil {
		return nil, nil, err
	}
	sc := mergeScopes(lsc, rsc)
	op := &joinOp{g: g, pump: pump, kind: j.Kind,
		left:  joinSide{width: lsc.width, rangeMs: leftRange, mark: minTime},
		right: joinSide{width: rsc.width, rangeMs: rightRange, mark: minTime}, emitted: minTime}
	desc := fmt.Sprintf("%s (left window %s, right window %s)", j.Kind, rangeText(leftRange), rangeText(rightRange))
	if j.On != nil {
		desc += " ON " + parser.ExprString(j.On)
	}
	defer func() {
		g.label(joinPort{op: op}, desc+" [left input]")
		g.label(joinPort{op: op, right: true}, desc+" [right input]")
	}()
	if j.On != nil {
		c := &compiler{g: g, sc: sc, pump: pump}
		if op.on, err = c.compile(j.On); err != nil {
			return nil, nil, err
		}
		// Index both sides on the first equality between an expression of
		// the left side alone and one of the right side alone.
	conj:
		for _, cj := range conjuncts(j.On) {
			b, ok := cj.(*parser.Binary)
			if !ok || b.Op != "=" {
				continue
			}
			for _, pair := range [][2]parser.Expr{{b.L, b.R}, {b.R, b.L}} {
				lk, err1 := (&compiler{g: g, sc: lsc, pump: pump}).compile(pair[0])
				rk, err2 := (&compiler{g: g, sc: rsc, pump: pump}).compile(pair[1])
				if err1 != nil || err2 != nil || usesRowtime(pair[0]) || usesRowtime(pair[1]) {
					continue
				}
				op.left.key, op.left.index = lk, map[string][]entry{}
				op.right.key, op.right.index = rk, map[string][]entry{}
				desc += " (hash index)"
				break conj
			}
		}
	}
	lr.next = joinPort{op: op}
	rr.next = joinPort{op: op, right: true}
	g.stateful = append(g.stateful, op)
	out := &relay{}
	op.next = out
	return out, sc, nil
}

// usesRowtime reports whether e reads an unqualified ROWTIME, which in a
// join is the arriving row's time, not a column of either side.
func usesRowtime(e parser.Expr) bool {
	if r, ok := e.(*parser.ColumnRef); ok && isRowtime(r) && r.Qualifier == nil {
		return true
	}
	if f, ok := e.(*parser.FuncCall); ok && f.Name == "CURRENT_ROW_TIMESTAMP" {
		return true
	}
	for _, c := range children(e) {
		if c != nil && usesRowtime(c) {
			return true
		}
	}
	return false
}

func stripOver(f parser.FromItem) parser.FromItem {
	if t, ok := f.(*parser.TableRef); ok && t.Over != nil {
		c := *t
		c.Over = nil
		return &c
	}
	return f
}

func mergeScopes(l, r *scope) *scope {
	sc := &scope{width: l.width + r.width}
	sc.cols = append(sc.cols, l.cols...)
	for _, c := range r.cols {
		c.idx += l.width
		sc.cols = append(sc.cols, c)
	}
	return sc
}

func (g *Graph) planTableJoin(j *parser.Join, tbl *Table, qual, pump string) (*relay, *scope, error) {
	switch j.Kind {
	case parser.InnerJoin, parser.LeftJoin:
	default:
		return nil, nil, planErrorf(j.At, "%s with a reference table is not supported (use JOIN or LEFT JOIN)", j.Kind)
	}
	lr, lsc, err := g.planFrom(j.Left, pump)
	if err != nil {
		return nil, nil, err
	}
	tsc := &scope{}
	tsc.addSource(qual, tbl.Columns)
	sc := mergeScopes(lsc, tsc)
	c := &compiler{g: g, sc: sc, pump: pump}
	on, err := c.compile(j.On)
	if err != nil {
		return nil, nil, err
	}
	op := &tableJoinOp{g: g, pump: pump, left: j.Kind == parser.LeftJoin, on: on, table: tbl, width: lsc.width}
	defer func() {
		how := "scan"
		if op.index != nil {
			how = "hash index"
		}
		g.label(op, fmt.Sprintf("%s reference table %s (%s) ON %s", j.Kind, tbl.Name, how, parser.ExprString(j.On)))
	}()
	// Index the table on the first equality between a table column and an
	// expression of the stream alone.
	for _, conj := range conjuncts(j.On) {
		b, ok := conj.(*parser.Binary)
		if !ok || b.Op != "=" {
			continue
		}
		for _, pair := range [][2]parser.Expr{{b.L, b.R}, {b.R, b.L}} {
			ref, ok := pair[0].(*parser.ColumnRef)
			if !ok {
				continue
			}
			col, err := sc.resolve(ref)
			if err != nil || col.idx < lsc.width || col.rowtime {
				continue
			}
			probe, err := (&compiler{g: g, sc: lsc, pump: pump}).compile(pair[1])
			if err != nil {
				continue
			}
			op.probe = probe
			op.index = map[string][]int{}
			var buf []byte
			for i, row := range tbl.Rows {
				v := row[col.idx-lsc.width]
				if v.IsNull() {
					continue
				}
				buf = value.AppendKey(buf[:0], v)
				op.index[string(buf)] = append(op.index[string(buf)], i)
			}
			break
		}
		if op.index != nil {
			break
		}
	}
	lr.next = op
	out := &relay{}
	op.next = out
	return out, sc, nil
}

func conjuncts(e parser.Expr) []parser.Expr {
	if p, ok := e.(*parser.Paren); ok {
		return conjuncts(p.X)
	}
	if b, ok := e.(*parser.Binary); ok && b.Op == "AND" {
		return append(conjuncts(b.L), conjuncts(b.R)...)
	}
	return []parser.Expr{e}
}

var qualifiedRowtime = regexp.MustCompile(`("(?:[^"]|"")+"|[A-Z_][A-Z0-9_$#]*)\.ROWTIME\b`)

// groupText is the text GROUP BY expressions are matched by; qualifiers of
// ROWTIME are dropped so STEP(s.ROWTIME BY ...) matches STEP(ROWTIME BY ...).
func groupText(e parser.Expr) string {
	return qualifiedRowtime.ReplaceAllString(parser.ExprString(e), "ROWTIME")
}

// aggregate and analytic calls of a query's select list and HAVING.
type callScan struct {
	aggs     []*parser.FuncCall
	analytic []*parser.FuncCall
	err      error
}

func (s *callScan) walk(e parser.Expr, inAgg bool) {
	if e == nil || s.err != nil {
		return
	}
	if f, ok := e.(*parser.FuncCall); ok {
		switch {
		case f.Over != nil:
			if inAgg {
				s.err = planErrorf(f.At, "%s OVER ... cannot be nested in an aggregate", f.Name)
				return
			}
			s.analytic = append(s.analytic, f)
			for _, a := range f.Args {
				s.walk(a, true)
			}
			return
		case isAggregate(f.Name):
			if inAgg {
				s.err = planErrorf(f.At, "aggregate %s cannot be nested in another aggregate", f.Name)
				return
			}
			s.aggs = append(s.aggs, f)
			for _, a := range f.Args {
				s.walk(a, true)
			}
			return
		}
	}
	for _, c := range children(e) {
		s.walk(c, inAgg)
	}
}

func children(e parser.Expr) []parser.Expr {
	switch e := e.(type) {
	case *parser.Paren:
		return []parser.Expr{e.X}
	case *parser.Unary:
		return []parser.Expr{e.X}
	case *parser.Binary:
		return []parser.Expr{e.L, e.R}
	case *parser.FuncCall:
		return e.Args
	case *parser.Cast:
		return []parser.Expr{e.X}
	case *parser.Case:
		out := []parser.Expr{e.Operand, e.Else}
		for _, w := range e.Whens {
			out = append(out, w.Cond, w.Then)
		}
		return out
	case *parser.TimeUnitCall:
		return []parser.Expr{e.X}
	case *parser.Step:
		return []parser.Expr{e.X, e.Interval}
	case *parser.Extract:
		return []parser.Expr{e.X}
	case *parser.PositionExpr:
		return []parser.Expr{e.Sub, e.S}
	case *parser.Substring:
		return []parser.Expr{e.S, e.From, e.For}
	case *parser.Trim:
		return []parser.Expr{e.Chars, e.S}
	case *parser.Overlay:
		return []parser.Expr{e.S, e.Placing, e.From, e.For}
	case *parser.Between:
		return []parser.Expr{e.X, e.Lo, e.Hi}
	case *parser.InList:
		return append([]parser.Expr{e.X}, e.List...)
	case *parser.Like:
		return []parser.Expr{e.X, e.Pattern, e.Escape}
	case *parser.Is:
		return []parser.Expr{e.X}
	case *parser.IntervalQualifier:
		return []parser.Expr{e.X}
	}
	return nil
}

// aggSpecFor compiles an aggregate call's argument and parameters.
func aggSpecFor(c *compiler, f *parser.FuncCall) (aggSpec, error) {
	def, _ := functions.LookupAggregate(f.Name)
	spec := aggSpec{def: def, distinct: f.Distinct}
	if f.IgnoreNulls || f.FromLast {
		return spec, planErrorf(f.At, "%s does not take IGNORE NULLS or FROM LAST", f.Name)
	}
	if f.Star {
		if f.Name != "COUNT" {
			return spec, planErrorf(f.At, "only COUNT takes *")
		}
		return spec, nil
	}
	if len(f.Args) < def.MinArgs || len(f.Args) > def.MaxArgs {
		return spec, planErrorf(f.At, "%s takes %d argument(s), got %d", f.Name, def.MinArgs, len(f.Args))
	}
	x, err := c.compile(f.Args[0])
	if err != nil {
		return spec, err
	}
	spec.arg = x
	for _, p := range f.Args[1:] {
		px, err := (&compiler{g: c.g, sc: &scope{}}).compile(p)
		if err != nil {
			return spec, planErrorf(p.Position(), "parameter of %s must be a constant: %v", f.Name, err)
		}
		v, err := px.eval(c.g, 0, nil)
		if err != nil {
			return spec, planErrorf(p.Position(), "parameter of %s: %v", f.Name, err)
		}
		spec.params = append(spec.params, v)
	}
	if _, err := def.New(spec.params); err != nil {
		return spec, planErrorf(f.At, "%v", err)
	}
	return spec, nil
}
