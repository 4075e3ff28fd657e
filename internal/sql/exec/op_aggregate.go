package exec

import (
	"github.com/eddy-streaming/eddy/internal/sql/functions"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// aggSpec is one aggregate call of a query.
type aggSpec struct {
	def      *functions.AggregateDef
	arg      expr // nil for COUNT(*)
	distinct bool
	params   []value.Value
}

func (a *aggSpec) newAcc() functions.Accumulator {
	acc, _ := a.def.New(a.params) // params were validated at plan time
	if a.distinct {
		acc = functions.NewDistinct(acc)
	}
	return acc
}

var countStarMarker = value.BoolValue(true)

// evalAggArgs evaluates every aggregate's argument for one row.
func evalAggArgs(g *Graph, aggs []aggSpec, rt int64, row []value.Value, out []value.Value) error {
	for i, a := range aggs {
		if a.arg == nil {
			out[i] = countStarMarker
			continue
		}
		v, err := a.arg.eval(g, rt, row)
		if err != nil {
			return err
		}
		out[i] = v
	}
	return nil
}

// group is the state of one group key within a window.
type group struct {
	key  []value.Value
	accs []functions.Accumulator
}

func saveGroup(e *value.Encoder, gr *group) {
	e.Values(gr.key)
	for _, a := range gr.accs {
		a.Save(e)
	}
}

func loadGroup(d *value.Decoder, aggs []aggSpec) *group {
	gr := &group{key: d.Values(), accs: make([]functions.Accumulator, len(aggs))}
	for i := range aggs {
		gr.accs[i] = aggs[i].newAcc()
		gr.accs[i].Load(d)
	}
	return gr
}

// windowFn maps a row to its tumbling window [start, end).
type windowFn struct {
	x    expr   // the GROUP BY expression (its value is the window start)
	step int64  // STEP interval in ms, or 0
	unit string // FLOOR unit, or ""
	// monotonic: MONOTONIC(x) groups rows while x keeps its value.
	monotonic bool
	// generic: another expression of ROWTIME, such as the KDA templates'
	// FLOOR((ROWTIME - TIMESTAMP '1970-01-01 00:00:00') SECOND / 10 TO SECOND).
	// It is assumed non-decreasing in ROWTIME; a window ends at the first
	// millisecond where its value changes, found by evaluating it on a row
	// whose ROWTIME columns hold that time.
	generic     bool
	rowtimeCols []int
	width       int
}

func (w *windowFn) bounds(start value.Value) (int64, int64) {
	if w.step > 0 {
		return start.I, start.I + w.step
	}
	end, _ := functions.FloorTo(value.TimestampValue(start.I+1), w.unit, true)
	return start.I, end.I
}

// tumblingOp is GROUP BY with a ROWTIME window: it keeps the groups of the
// open window and emits them, in order of first appearance, when time
// reaches the window's end. Output rows are [end, keys..., aggregates...].
type tumblingOp struct {
	g         *Graph
	pump      string
	keys      []expr // every GROUP BY expression; keys[windowIdx] is the window
	windowIdx int
	win       windowFn
	aggs      []aggSpec
	next      node

	open       bool
	start, end int64
	startVal   value.Value
	lastRt     int64 // ROWTIME of the open window's last row (generic windows)
	groups     map[string]*group
	order      []*group
	keyBuf     []byte
	keyVals    []value.Value
	argVals    []value.Value
}

func newTumblingOp(g *Graph, pump string, keys []expr, windowIdx int, win windowFn, aggs []aggSpec) *tumblingOp {
	return &tumblingOp{g: g, pump: pump, keys: keys, windowIdx: windowIdx, win: win, aggs: aggs,
		groups: map[string]*group{}, keyVals: make([]value.Value, len(keys)), argVals: make([]value.Value, len(aggs))}
}

func (o *tumblingOp) push(rt int64, row []value.Value) {
	for i, k := range o.keys {
		v, err := k.eval(o.g, rt, row)
		if err != nil {
			o.g.evalError(o.pump, err, rt, row)
			return
		}
		o.keyVals[i] = v
	}
	if err := evalAggArgs(o.g, o.aggs, rt, row, o.argVals); err != nil {
		o.g.evalError(o.pump, err, rt, row)
		return
	}
	wv := o.keyVals[o.windowIdx]
	if wv.IsNull() {
		o.g.evalError(o.pump, constError("the GROUP BY window expression is NULL"), rt, row)
		return
	}
	if o.win.generic {
		if o.open {
			c, err := value.Compare(wv, o.startVal)
			if err != nil {
				o.g.evalError(o.pump, err, rt, row)
				return
			}
			if c < 0 {
				o.g.evalError(o.pump, constError("row belongs to a window that has closed (the GROUP BY window expression went back)"), rt, row)
				return
			}
			if c != 0 {
				o.emit(o.boundary(o.lastRt, rt))
			}
		}
		if !o.open {
			o.open, o.startVal = true, wv
		}
		o.lastRt = rt
	} else if o.win.monotonic {
		if o.open {
			c, err := value.Compare(wv, o.startVal)
			if err != nil {
				o.g.evalError(o.pump, err, rt, row)
				return
			}
			if c != 0 {
				o.emit(rt)
			}
		}
		if !o.open {
			o.open, o.startVal = true, wv
		}
	} else {
		start, end := o.win.bounds(wv)
		if o.open && start != o.start {
			if start < o.start {
				o.g.evalError(o.pump, constError("row belongs to a window that has closed"), rt, row)
				return
			}
			o.emit(o.end)
		}
		if !o.open {
			o.open, o.start, o.end, o.startVal = true, start, end, wv
		}
	}
	o.keyBuf = o.keyBuf[:0]
	for i, v := range o.keyVals {
		if i != o.windowIdx {
			o.keyBuf = value.AppendKey(o.keyBuf, v)
		}
	}
	gr, ok := o.groups[string(o.keyBuf)]
	if !ok {
		gr = &group{key: append([]value.Value(nil), o.keyVals...), accs: make([]functions.Accumulator, len(o.aggs))}
		for i := range o.aggs {
			gr.accs[i] = o.aggs[i].newAcc()
		}
		o.groups[string(o.keyBuf)] = gr
		o.order = append(o.order, gr)
	}
	for i, a := range gr.accs {
		a.Add(o.argVals[i], rt)
	}
}

// emit closes the open window; its rows get ROWTIME at.
func (o *tumblingOp) emit(at int64) {
	for _, gr := range o.order {
		out := make([]value.Value, 1+len(gr.key)+len(gr.accs))
		out[0] = value.TimestampValue(at)
		copy(out[1:], gr.key)
		for i, a := range gr.accs {
			out[1+len(gr.key)+i] = a.Result()
		}
		o.next.push(at, out)
	}
	o.open = false
	clear(o.groups)
	o.order = o.order[:0]
}

func (o *tumblingOp) advance(t int64) {
	switch {
	case !o.open || o.win.monotonic:
	case o.win.generic:
		if t > o.lastRt {
			if v, ok := o.valueAt(t); ok {
				if c, err := value.Compare(v, o.startVal); err == nil && c > 0 {
					o.emit(o.boundary(o.lastRt, t))
				}
			}
		}
	case t >= o.end:
		o.emit(o.end)
	}
	o.next.advance(t)
}

// valueAt evaluates a generic window expression at time t.
func (o *tumblingOp) valueAt(t int64) (value.Value, bool) {
	row := make([]value.Value, o.win.width)
	for _, c := range o.win.rowtimeCols {
		row[c] = value.TimestampValue(t)
	}
	v, err := o.win.x.eval(o.g, t, row)
	if err != nil || v.IsNull() {
		return value.Value{}, false
	}
	return v, true
}

// boundary finds the first millisecond in (lo, hi] where the window
// expression leaves the open window's value: the window's end, the same
// whichever row or watermark revealed it.
func (o *tumblingOp) boundary(lo, hi int64) int64 {
	if v, ok := o.valueAt(hi); !ok {
		return hi
	} else if c, err := value.Compare(v, o.startVal); err != nil || c == 0 {
		return hi
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		v, ok := o.valueAt(mid)
		if !ok {
			return hi
		}
		if c, err := value.Compare(v, o.startVal); err == nil && c == 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

func (o *tumblingOp) save(e *value.Encoder) {
	e.Bool(o.open)
	e.Varint(o.start)
	e.Varint(o.end)
	e.Value(o.startVal)
	e.Varint(o.lastRt)
	e.Uvarint(uint64(len(o.order)))
	for _, gr := range o.order {
		saveGroup(e, gr)
	}
}

func (o *tumblingOp) load(d *value.Decoder) {
	o.open, o.start, o.end, o.startVal = d.Bool(), d.Varint(), d.Varint(), d.Value()
	o.lastRt = d.Varint()
	n := d.Len()
	clear(o.groups)
	o.order = o.order[:0]
	for range n {
		gr := loadGroup(d, o.aggs)
		if d.Err() != nil {
			return
		}
		o.keyBuf = o.keyBuf[:0]
		for i, v := range gr.key {
			if i != o.windowIdx {
				o.keyBuf = value.AppendKey(o.keyBuf, v)
			}
		}
		o.groups[string(o.keyBuf)] = gr
		o.order = append(o.order, gr)
	}
}

// staggerOp is WINDOWED BY STAGGER: a window per partition key opens at the
// key's first row and closes length later; output rows are
// [open+length, keys..., aggregates...].
type staggerOp struct {
	g      *Graph
	pump   string
	keys   []expr
	length int64
	aggs   []aggSpec
	next   node

	windows map[string]*staggerWin
	queue   []*staggerWin // in opening order, hence in closing order
	keyBuf  []byte
	keyVals []value.Value
	argVals []value.Value
}

type staggerWin struct {
	group
	end    int64
	closed bool
	id     string
}

func newStaggerOp(g *Graph, pump string, keys []expr, length int64, aggs []aggSpec) *staggerOp {
	return &staggerOp{g: g, pump: pump, keys: keys, length: length, aggs: aggs, windows: map[string]*staggerWin{},
		keyVals: make([]value.Value, len(keys)), argVals: make([]value.Value, len(aggs))}
}

func (o *staggerOp) closeUpTo(t int64) {
	for len(o.queue) > 0 && o.queue[0].end <= t {
		w := o.queue[0]
		o.queue[0] = nil
		o.queue = o.queue[1:]
		delete(o.windows, w.id)
		out := make([]value.Value, 1+len(w.key)+len(w.accs))
		out[0] = value.TimestampValue(w.end)
		copy(out[1:], w.key)
		for i, a := range w.accs {
			out[1+len(w.key)+i] = a.Result()
		}
		o.next.push(w.end, out)
	}
}

func (o *staggerOp) push(rt int64, row []value.Value) {
	for i, k := range o.keys {
		v, err := k.eval(o.g, rt, row)
		if err != nil {
			o.g.evalError(o.pump, err, rt, row)
			return
		}
		o.keyVals[i] = v
	}
	if err := evalAggArgs(o.g, o.aggs, rt, row, o.argVals); err != nil {
		o.g.evalError(o.pump, err, rt, row)
		return
	}
	o.closeUpTo(rt)
	o.keyBuf = o.keyBuf[:0]
	for _, v := range o.keyVals {
		o.keyBuf = value.AppendKey(o.keyBuf, v)
	}
	w, ok := o.windows[string(o.keyBuf)]
	if !ok {
		w = &staggerWin{group: group{key: append([]value.Value(nil), o.keyVals...), accs: make([]functions.Accumulator, len(o.aggs))},
			end: rt + o.length, id: string(o.keyBuf)}
		for i := range o.aggs {
			w.accs[i] = o.aggs[i].newAcc()
		}
		o.windows[w.id] = w
		o.queue = append(o.queue, w)
	}
	for i, a := range w.accs {
		a.Add(o.argVals[i], rt)
	}
}

func (o *staggerOp) advance(t int64) {
	o.closeUpTo(t)
	o.next.advance(t)
}

func (o *staggerOp) save(e *value.Encoder) {
	e.Uvarint(uint64(len(o.queue)))
	for _, w := range o.queue {
		e.Varint(w.end)
		saveGroup(e, &w.group)
	}
}

func (o *staggerOp) load(d *value.Decoder) {
	n := d.Len()
	clear(o.windows)
	o.queue = nil
	for range n {
		end := d.Varint()
		gr := loadGroup(d, o.aggs)
		if d.Err() != nil {
			return
		}
		o.keyBuf = o.keyBuf[:0]
		for _, v := range gr.key {
			o.keyBuf = value.AppendKey(o.keyBuf, v)
		}
		w := &staggerWin{group: *gr, end: end, id: string(o.keyBuf)}
		o.windows[w.id] = w
		o.queue = append(o.queue, w)
	}
}
