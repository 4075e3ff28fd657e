package exec

import (
	"fmt"
	"strings"

	"github.com/eddy-streaming/eddy/internal/sql/parser"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// planQuery plans one SELECT STREAM. Its rows ([ROWTIME, items...]) come
// out of the returned relay; cols name the items.
func (g *Graph) planQuery(q *parser.Select, pump string) (*relay, []Column, error) {
	switch {
	case !q.Stream:
		return nil, nil, planErrorf(q.At, "SELECT without STREAM is not supported: continuous queries read streams with SELECT STREAM")
	case len(q.UnionAll) > 0:
		return g.planUnion(q, pump)
	case q.Distinct:
		return nil, nil, planErrorf(q.At, "SELECT STREAM DISTINCT is not supported yet")
	}
	for _, o := range q.OrderBy {
		if ref, ok := o.Expr.(*parser.ColumnRef); !ok || !isRowtime(ref) || o.Desc {
			return nil, nil, planErrorf(o.Expr.Position(), "ORDER BY on a stream is only supported on ROWTIME (ascending)")
		}
	}
	in, sc, err := g.planFrom(q.From, pump)
	if err != nil {
		return nil, nil, err
	}
	var chain []node
	base := &compiler{g: g, sc: sc, pump: pump}
	if q.Where != nil {
		var scan callScan
		scan.walk(q.Where, false)
		if len(scan.aggs)+len(scan.analytic) > 0 {
			f := append(scan.aggs, scan.analytic...)[0]
			return nil, nil, planErrorf(f.At, "%s is not allowed in WHERE", f.Name)
		}
		cond, err := base.compile(q.Where)
		if err != nil {
			return nil, nil, err
		}
		f := &filterOp{g: g, pump: pump, cond: cond}
		g.label(f, "filter "+parser.ExprString(q.Where))
		chain = append(chain, f)
	}
	var scan callScan
	for _, it := range q.Items {
		scan.walk(it.Expr, false)
	}
	scan.walk(q.Having, false)
	if scan.err != nil {
		return nil, nil, scan.err
	}
	proj := base
	switch {
	case len(q.GroupBy) > 0 || q.Stagger != nil:
		if len(scan.analytic) > 0 {
			return nil, nil, planErrorf(scan.analytic[0].At, "OVER windows cannot be combined with GROUP BY or WINDOWED BY")
		}
		if len(q.GroupBy) > 0 && q.Stagger != nil {
			return nil, nil, planErrorf(q.Stagger.At, "GROUP BY and WINDOWED BY STAGGER cannot be combined")
		}
		op, post, err := g.planAggregate(q, base, scan.aggs, pump)
		if err != nil {
			return nil, nil, err
		}
		chain = append(chain, op)
		g.stateful = append(g.stateful, op.(stateful))
		if q.Having != nil {
			cond, err := post.compile(q.Having)
			if err != nil {
				return nil, nil, err
			}
			f := &filterOp{g: g, pump: pump, cond: cond}
			g.label(f, "having "+parser.ExprString(q.Having))
			chain = append(chain, f)
		}
		proj = post
	case len(scan.aggs) > 0:
		return nil, nil, planErrorf(scan.aggs[0].At, "aggregate %s on a stream needs GROUP BY with a ROWTIME window (STEP(ROWTIME BY ...) or FLOOR(ROWTIME TO ...)), WINDOWED BY STAGGER, or an OVER window", scan.aggs[0].Name)
	case q.Having != nil:
		return nil, nil, planErrorf(q.Having.Position(), "HAVING needs GROUP BY")
	case len(scan.analytic) > 0:
		op, err := g.planSliding(q, base, scan.analytic, pump)
		if err != nil {
			return nil, nil, err
		}
		chain = append(chain, op)
		g.stateful = append(g.stateful, op)
	case len(q.Windows) > 0:
		return nil, nil, planErrorf(q.Windows[0].Name.Pos, "window %s is defined but not used", parser.IdentString(q.Windows[0].Name))
	}
	items, cols, rowtimeItem, err := g.planItems(q, proj, sc)
	if err != nil {
		return nil, nil, err
	}
	p := &projectOp{g: g, pump: pump, items: items, rowtimeItem: rowtimeItem, lastOut: minTime}
	if rowtimeItem >= 0 {
		g.stateful = append(g.stateful, p)
	}
	var names []string
	for i, it := range q.Items {
		switch {
		case it.Star && it.Qualifier != nil:
			names = append(names, parser.IdentString(*it.Qualifier)+".*")
		case it.Star:
			names = append(names, "*")
		default:
			n := parser.ExprString(it.Expr)
			if it.Alias != nil {
				n += " AS " + parser.IdentString(*it.Alias)
			}
			names = append(names, n)
		}
		_ = i
	}
	g.label(p, "project "+strings.Join(names, ", "))
	chain = append(chain, p)
	var prev interface{ setNext(node) } = relaySetter{in}
	for _, n := range chain {
		prev.setNext(n)
		prev = n.(interface{ setNext(node) })
	}
	out := &relay{}
	prev.setNext(out)
	return out, cols, nil
}

type relaySetter struct{ r *relay }

func (r relaySetter) setNext(n node) { r.r.next = n }

func (o *filterOp) setNext(n node)    { o.next = n }
func (o *projectOp) setNext(n node)   { o.next = n }
func (o *tumblingOp) setNext(n node)  { o.next = n }
func (o *staggerOp) setNext(n node)   { o.next = n }
func (o *slidingOp) setNext(n node)   { o.next = n }
func (o *tableFuncOp) setNext(n node) { o.next = n }
func (o *tableJoinOp) setNext(n node) { o.next = n }
func (o *joinOp) setNext(n node)      { o.next = n }
func (r *relay) setNext(n node)       { r.next = n }

// planItems compiles the select list.
func (g *Graph) planItems(q *parser.Select, c *compiler, sc *scope) ([]expr, []Column, int, error) {
	var items []expr
	var cols []Column
	rowtimeItem := -1
	for i, it := range q.Items {
		if it.Star {
			if c.post {
				return nil, nil, 0, planErrorf(q.At, "SELECT * is not allowed with GROUP BY")
			}
			matched := false
			for _, col := range sc.cols {
				if col.rowtime || it.Qualifier != nil && col.qual != it.Qualifier.Name {
					continue
				}
				matched = true
				items = append(items, colExpr{col.idx})
				cols = append(cols, Column{Name: col.name, Type: col.typ})
			}
			if !matched && it.Qualifier != nil {
				return nil, nil, 0, planErrorf(it.Qualifier.Pos, "unknown stream or alias %s", parser.IdentString(*it.Qualifier))
			}
			continue
		}
		x, err := c.compile(it.Expr)
		if err != nil {
			return nil, nil, 0, err
		}
		if it.Alias != nil && it.Alias.Name == "ROWTIME" && !it.Alias.Quoted {
			if rowtimeItem >= 0 {
				return nil, nil, 0, planErrorf(it.Alias.Pos, "two select items are aliased AS ROWTIME")
			}
			rowtimeItem = len(items)
			items = append(items, x)
			continue
		}
		name := fmt.Sprintf("EXPR$%d", i)
		typ := value.Type{}
		switch {
		case it.Alias != nil:
			name = it.Alias.Name
		default:
			if ref, ok := it.Expr.(*parser.ColumnRef); ok {
				name = ref.Name.Name
				if col, err := sc.resolve(ref); err == nil {
					typ = col.typ
				}
			}
		}
		items = append(items, x)
		cols = append(cols, Column{Name: name, Type: typ})
	}
	return items, cols, rowtimeItem, nil
}

// windowOf recognises a GROUP BY expression that defines a tumbling window
// on ROWTIME: STEP(ROWTIME BY interval), FLOOR(ROWTIME TO unit) or
// MONOTONIC(x).
func windowOf(e parser.Expr) (windowFn, bool, error) {
	for {
		p, ok := e.(*parser.Paren)
		if !ok {
			break
		}
		e = p.X
	}
	switch e := e.(type) {
	case *parser.Step:
		if ref, ok := e.X.(*parser.ColumnRef); ok && isRowtime(ref) {
			iv, ok := e.Interval.(*parser.IntervalLit)
			if !ok {
				return windowFn{}, false, planErrorf(e.At, "STEP(ROWTIME BY ...) needs an INTERVAL literal")
			}
			v, err := intervalValue(iv)
			if err != nil {
				return windowFn{}, false, err
			}
			if v.K != value.IntervalDT || v.I <= 0 {
				return windowFn{}, false, planErrorf(e.At, "STEP(ROWTIME BY ...) needs a positive day-time interval")
			}
			return windowFn{step: v.I}, true, nil
		}
	case *parser.TimeUnitCall:
		if ref, ok := e.X.(*parser.ColumnRef); ok && isRowtime(ref) && e.Name == "FLOOR" {
			switch e.Unit {
			case "SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR":
				return windowFn{unit: e.Unit}, true, nil
			}
			return windowFn{}, false, planErrorf(e.At, "FLOOR(ROWTIME TO %s) is not a supported window", e.Unit)
		}
	}
	if containsCall(e, "MONOTONIC") {
		return windowFn{monotonic: true}, true, nil
	}
	if refersToRowtime(e) {
		return windowFn{generic: true}, true, nil
	}
	return windowFn{}, false, nil
}

func containsCall(e parser.Expr, name string) bool {
	if f, ok := e.(*parser.FuncCall); ok && f.Name == name {
		return true
	}
	for _, c := range children(e) {
		if c != nil && containsCall(c, name) {
			return true
		}
	}
	return false
}

func refersToRowtime(e parser.Expr) bool {
	if r, ok := e.(*parser.ColumnRef); ok && isRowtime(r) {
		return true
	}
	if f, ok := e.(*parser.FuncCall); ok && f.Name == "CURRENT_ROW_TIMESTAMP" {
		return true
	}
	for _, c := range children(e) {
		if c != nil && refersToRowtime(c) {
			return true
		}
	}
	return false
}

// planAggregate plans GROUP BY (tumbling) and WINDOWED BY STAGGER. It
// returns the operator and a compiler for expressions over its output
// rows [ROWTIME, keys..., aggregates...].
func (g *Graph) planAggregate(q *parser.Select, base *compiler, calls []*parser.FuncCall, pump string) (node, *compiler, error) {
	keysAST := q.GroupBy
	if q.Stagger != nil {
		keysAST = q.Stagger.PartitionBy
	}
	keys := make([]expr, len(keysAST))
	post := &compiler{g: g, sc: base.sc, post: true, rowtimeOut: colExpr{0}, replace: map[parser.Expr]expr{}, pump: pump}
	windowIdx := -1
	var win windowFn
	for i, k := range keysAST {
		x, err := base.compile(k)
		if err != nil {
			return nil, nil, err
		}
		keys[i] = x
		gm := groupMatch{text: groupText(k), col: -1, out: 1 + i}
		if ref, ok := k.(*parser.ColumnRef); ok && !isRowtime(ref) {
			if col, err := base.sc.resolve(ref); err == nil {
				gm.col = col.idx
			}
		}
		post.groups = append(post.groups, gm)
		if f, ok := k.(*parser.FuncCall); ok && f.Name == "MONOTONIC" && len(f.Args) == 1 {
			// The value of MONOTONIC(x) is x's: select x directly.
			inner := groupMatch{text: groupText(f.Args[0]), col: -1, out: 1 + i}
			if ref, ok := f.Args[0].(*parser.ColumnRef); ok && !isRowtime(ref) {
				if col, err := base.sc.resolve(ref); err == nil {
					inner.col = col.idx
				}
			}
			post.groups = append(post.groups, inner)
		}
		if q.Stagger != nil {
			continue
		}
		w, ok, err := windowOf(k)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			if windowIdx >= 0 {
				return nil, nil, planErrorf(k.Position(), "GROUP BY has more than one ROWTIME window expression")
			}
			windowIdx, win = i, w
			win.x = x
			if win.generic {
				win.width = base.sc.width
				for _, col := range base.sc.cols {
					if col.rowtime {
						win.rowtimeCols = append(win.rowtimeCols, col.idx)
					}
				}
			}
		}
	}
	// Identical calls (COUNT(*) in the select list and in HAVING) share
	// one accumulator.
	var aggs []aggSpec
	var unique []*parser.FuncCall
	byText := map[string]int{}
	for _, f := range calls {
		text := groupText(f)
		j, seen := byText[text]
		if !seen {
			spec, err := aggSpecFor(base, f)
			if err != nil {
				return nil, nil, err
			}
			j = len(aggs)
			byText[text] = j
			aggs = append(aggs, spec)
			unique = append(unique, f)
		}
		post.replace[f] = colExpr{1 + len(keys) + j}
	}
	calls = unique
	if q.Stagger != nil {
		v, err := intervalValue(q.Stagger.Range)
		if err != nil {
			return nil, nil, err
		}
		if v.K != value.IntervalDT || v.I <= 0 {
			return nil, nil, planErrorf(q.Stagger.At, "WINDOWED BY STAGGER needs a positive day-time interval")
		}
		op := newStaggerOp(g, pump, keys, v.I, aggs)
		g.label(op, fmt.Sprintf("stagger window %s partition by %s aggregates %s", parser.ExprString(q.Stagger.Range), exprList(keysAST), callList(calls)))
		return op, post, nil
	}
	if windowIdx < 0 {
		return nil, nil, planErrorf(q.GroupBy[0].Position(),
			"GROUP BY on a stream needs a ROWTIME window: STEP(ROWTIME BY INTERVAL 'n' unit), FLOOR(ROWTIME TO unit) or MONOTONIC(expr)")
	}
	op := newTumblingOp(g, pump, keys, windowIdx, win, aggs)
	g.label(op, fmt.Sprintf("tumbling window %s group by %s aggregates %s", parser.ExprString(keysAST[windowIdx]), exprList(keysAST), callList(calls)))
	return op, post, nil
}

// resolveWindow merges a call's OVER with the named window it refines.
func resolveWindow(q *parser.Select, spec *parser.WindowSpec) (*parser.WindowSpec, error) {
	if spec.Base == nil {
		return spec, nil
	}
	var base *parser.WindowSpec
	for _, w := range q.Windows {
		if w.Name.Name == spec.Base.Name {
			base = w.Spec
		}
	}
	if base == nil {
		return nil, planErrorf(spec.Base.Pos, "unknown window %s", parser.IdentString(*spec.Base))
	}
	base, err := resolveWindow(q, base)
	if err != nil {
		return nil, err
	}
	merged := *base
	if len(spec.PartitionBy) > 0 {
		if len(base.PartitionBy) > 0 {
			return nil, planErrorf(spec.At, "window %s is already partitioned", parser.IdentString(*spec.Base))
		}
		merged.PartitionBy = spec.PartitionBy
	}
	if len(spec.OrderBy) > 0 {
		merged.OrderBy = spec.OrderBy
	}
	if spec.Frame != nil {
		merged.Frame = spec.Frame
	}
	merged.Base = nil
	return &merged, nil
}

func (g *Graph) planSliding(q *parser.Select, base *compiler, calls []*parser.FuncCall, pump string) (*slidingOp, error) {
	op := &slidingOp{g: g, pump: pump, nOut: len(calls)}
	byText := map[string]*slidingWindow{}
	base.replace = map[parser.Expr]expr{}
	for k, f := range calls {
		spec, err := resolveWindow(q, f.Over)
		if err != nil {
			return nil, err
		}
		key := parser.ExprString(&parser.FuncCall{Name: "W", Over: spec})
		w := byText[key]
		if w == nil {
			if w, err = g.newSlidingWindow(spec, base); err != nil {
				return nil, err
			}
			byText[key] = w
			op.windows = append(op.windows, w)
		}
		call, err := analyticCallFor(base, f)
		if err != nil {
			return nil, err
		}
		call.out = k
		w.calls = append(w.calls, call)
		base.replace[f] = colExpr{base.sc.width + k}
	}
	var parts []string
	for _, w := range op.windows {
		frame := fmt.Sprintf("ROWS %d PRECEDING", w.rows-1)
		if w.rangeMs >= 0 {
			frame = "RANGE " + rangeText(w.rangeMs) + " PRECEDING"
		}
		var names []string
		for _, c := range w.calls {
			names = append(names, parser.ExprString(&parser.FuncCall{Name: calls[c.out].Name, Args: calls[c.out].Args, Star: calls[c.out].Star}))
		}
		parts = append(parts, fmt.Sprintf("[%d partition keys, %s: %s]", len(w.partition), frame, strings.Join(names, ", ")))
	}
	g.label(op, "sliding windows "+strings.Join(parts, " "))
	return op, nil
}

func (g *Graph) newSlidingWindow(spec *parser.WindowSpec, c *compiler) (*slidingWindow, error) {
	w := &slidingWindow{parts: map[string]*partition{}}
	for _, o := range spec.OrderBy {
		if ref, ok := o.Expr.(*parser.ColumnRef); !ok || !isRowtime(ref) {
			return nil, planErrorf(o.Expr.Position(), "a window can only be ordered by ROWTIME")
		}
	}
	for _, p := range spec.PartitionBy {
		x, err := c.compile(p)
		if err != nil {
			return nil, err
		}
		w.partition = append(w.partition, x)
	}
	f := spec.Frame
	if f == nil {
		return nil, planErrorf(spec.At, "a window needs a frame: RANGE INTERVAL '...' unit PRECEDING or ROWS n PRECEDING")
	}
	if f.End != nil && !f.End.CurrentRow {
		return nil, planErrorf(spec.At, "windows must end at CURRENT ROW (offset windows are not supported)")
	}
	switch {
	case f.Start.Unbounded:
		return nil, planErrorf(spec.At, "unbounded windows are not supported: a window must be bounded by ROWS or RANGE")
	case f.Start.Following:
		return nil, planErrorf(spec.At, "FOLLOWING is not supported in a streaming window")
	case f.Start.CurrentRow:
		if f.Kind == parser.FrameRows {
			w.rows, w.rangeMs = 1, -1
		}
		return w, nil
	}
	if f.Kind == parser.FrameRows {
		lit, ok := f.Start.Offset.(*parser.Literal)
		if !ok || lit.Kind != parser.LitNumber {
			return nil, planErrorf(spec.At, "ROWS needs a non-negative integer")
		}
		v, err := literalValue(lit)
		if err != nil || v.K != value.Int || v.I < 0 {
			return nil, planErrorf(spec.At, "ROWS needs a non-negative integer")
		}
		w.rows, w.rangeMs = v.I+1, -1
		return w, nil
	}
	iv, ok := f.Start.Offset.(*parser.IntervalLit)
	if !ok {
		return nil, planErrorf(spec.At, "RANGE on a stream needs an INTERVAL (ROWTIME range)")
	}
	v, err := intervalValue(iv)
	if err != nil {
		return nil, err
	}
	if v.K != value.IntervalDT || v.I < 0 {
		return nil, planErrorf(spec.At, "RANGE needs a non-negative day-time interval")
	}
	w.rangeMs = v.I
	return w, nil
}

func analyticCallFor(c *compiler, f *parser.FuncCall) (*analyticCall, error) {
	call := &analyticCall{ignoreNulls: f.IgnoreNulls, fromLast: f.FromLast}
	constInt := func(e parser.Expr, what string) (int64, error) {
		lit, ok := e.(*parser.Literal)
		if ok {
			if v, err := literalValue(lit); err == nil && v.K == value.Int && v.I >= 0 {
				return v.I, nil
			}
		}
		return 0, planErrorf(e.Position(), "%s of %s must be a non-negative integer", what, f.Name)
	}
	var err error
	switch f.Name {
	case "LAG":
		if len(f.Args) < 1 || len(f.Args) > 3 {
			return nil, planErrorf(f.At, "LAG takes 1 to 3 arguments")
		}
		call.kind, call.offset = analyticLag, 1
		if len(f.Args) > 1 {
			if call.offset, err = constInt(f.Args[1], "the offset"); err != nil {
				return nil, err
			}
		}
		if len(f.Args) > 2 {
			if call.dflt, err = c.compile(f.Args[2]); err != nil {
				return nil, err
			}
		}
	case "NTH_VALUE":
		if len(f.Args) != 2 {
			return nil, planErrorf(f.At, "NTH_VALUE takes 2 arguments")
		}
		call.kind = analyticNth
		if call.offset, err = constInt(f.Args[1], "n"); err != nil {
			return nil, err
		}
		if call.offset == 0 {
			return nil, planErrorf(f.At, "n of NTH_VALUE starts at 1")
		}
	case "FIRST_VALUE", "LAST_VALUE":
		if len(f.Args) != 1 {
			return nil, planErrorf(f.At, "%s takes 1 argument", f.Name)
		}
		call.kind = analyticFirst
		if f.Name == "LAST_VALUE" {
			call.kind = analyticLast
		}
	default:
		if !isAggregate(f.Name) {
			if notYet[f.Name] {
				return nil, planErrorf(f.At, "function %s is not supported yet", f.Name)
			}
			return nil, planErrorf(f.At, "%s is not an analytic function", f.Name)
		}
		spec, err := aggSpecFor(c, f)
		if err != nil {
			return nil, err
		}
		call.kind, call.agg, call.arg = analyticAgg, spec, spec.arg
		return call, nil
	}
	if call.arg, err = c.compile(f.Args[0]); err != nil {
		return nil, err
	}
	if f.Distinct || f.Star {
		return nil, planErrorf(f.At, "%s does not take DISTINCT or *", f.Name)
	}
	return call, nil
}

// planUnion plans SELECT ... UNION ALL SELECT ...: every branch feeds one
// union operator; the branches must have the same number of columns.
func (g *Graph) planUnion(q *parser.Select, pump string) (*relay, []Column, error) {
	first := *q
	first.UnionAll, first.OrderBy = nil, nil
	branches := append([]*parser.Select{&first}, q.UnionAll...)
	op := &unionOp{marks: make([]int64, len(branches)), emitted: minTime}
	for i := range op.marks {
		op.marks[i] = minTime
	}
	var cols []Column
	for i, b := range branches {
		for _, o := range q.OrderBy {
			b.OrderBy = append(b.OrderBy, o)
		}
		r, bcols, err := g.planQuery(b, pump)
		if err != nil {
			return nil, nil, err
		}
		if i == 0 {
			cols = bcols
		} else if len(bcols) != len(cols) {
			return nil, nil, planErrorf(b.At, "UNION ALL branches have %d and %d columns", len(cols), len(bcols))
		}
		r.next = unionPort{op: op, i: i}
	}
	g.stateful = append(g.stateful, op)
	for i := range branches {
		g.label(unionPort{op: op, i: i}, fmt.Sprintf("union all [branch %d of %d]", i+1, len(branches)))
	}
	out := &relay{}
	op.next = out
	return out, cols, nil
}
