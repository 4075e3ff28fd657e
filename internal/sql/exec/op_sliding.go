package exec

import (
	"github.com/eddy-streaming/eddy/internal/sql/functions"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// analyticKind says how an OVER call is computed from its window's rows.
type analyticKind int

const (
	analyticAgg analyticKind = iota
	analyticLag
	analyticNth
	analyticFirst
	analyticLast
)

// analyticCall is one `f(...) OVER w` of a query.
type analyticCall struct {
	kind        analyticKind
	agg         aggSpec // for analyticAgg
	arg         expr    // the value argument (nil for COUNT(*))
	offset      int64   // LAG offset, NTH_VALUE n
	dflt        expr    // LAG default
	ignoreNulls bool
	fromLast    bool
	out         int // index into the query's analytic results
}

// slidingWindow is one window specification and the calls that use it.
type slidingWindow struct {
	partition []expr
	rows      int64 // ROWS n PRECEDING: keep n+1 rows; 0 when ranged
	rangeMs   int64 // RANGE INTERVAL: keep rows with ROWTIME >= now - range; -1 when by rows
	calls     []*analyticCall
	parts     map[string]*partition
	keyBuf    []byte
	swept     int64 // time of the last sweep of expired partitions
}

type entry struct {
	rt   int64
	key  string        // join key (joins with an equality only)
	seq  int64         // position in the partition, for the MIN/MAX deques
	vals []value.Value // per call: the argument value
}

type partition struct {
	entries []entry // oldest first
	accs    []functions.Accumulator
	// deques hold, for MIN and MAX calls, the entries that can still be
	// the extreme (a monotonic deque: O(1) amortised per row).
	deques  [][]dqItem
	nextSeq int64
}

type dqItem struct {
	seq int64
	v   value.Value
}

// extremeSign is 1 for MAX, -1 for MIN, 0 for other calls.
func extremeSign(c *analyticCall) int {
	if c.kind != analyticAgg || c.agg.distinct {
		return 0
	}
	switch c.agg.def.Name {
	case "MAX":
		return 1
	case "MIN":
		return -1
	}
	return 0
}

func (p *partition) pushDeques(w *slidingWindow, e entry) {
	for ci, c := range w.calls {
		sign := extremeSign(c)
		if sign == 0 || e.vals[ci].IsNull() {
			continue
		}
		v := e.vals[ci]
		dq := p.deques[ci]
		for len(dq) > 0 {
			cmp, err := value.Compare(dq[len(dq)-1].v, v)
			if err != nil || cmp*sign > 0 {
				break
			}
			dq = dq[:len(dq)-1]
		}
		p.deques[ci] = append(dq, dqItem{seq: e.seq, v: v})
	}
}

// slidingOp computes analytic functions over sliding windows (one output
// row per input row: the input row followed by the analytic results).
type slidingOp struct {
	g       *Graph
	pump    string
	windows []*slidingWindow
	nOut    int
	next    node
}

func (o *slidingOp) newPartition(w *slidingWindow) *partition {
	p := &partition{accs: make([]functions.Accumulator, len(w.calls)), deques: make([][]dqItem, len(w.calls))}
	for i, c := range w.calls {
		if extremeSign(c) != 0 {
			continue
		}
		if c.kind == analyticAgg {
			acc := c.agg.newAcc()
			if functions.CanRemove(acc) {
				p.accs[i] = acc
			}
		}
	}
	return p
}

func (o *slidingOp) push(rt int64, row []value.Value) {
	// Evaluate everything first, so an error leaves the state untouched.
	type pending struct {
		key  string
		vals []value.Value
	}
	pend := make([]pending, len(o.windows))
	for wi, w := range o.windows {
		w.keyBuf = w.keyBuf[:0]
		for _, p := range w.partition {
			v, err := p.eval(o.g, rt, row)
			if err != nil {
				o.g.evalError(o.pump, err, rt, row)
				return
			}
			w.keyBuf = value.AppendKey(w.keyBuf, v)
		}
		vals := make([]value.Value, len(w.calls))
		for ci, c := range w.calls {
			if c.arg == nil {
				vals[ci] = countStarMarker
				continue
			}
			v, err := c.arg.eval(o.g, rt, row)
			if err != nil {
				o.g.evalError(o.pump, err, rt, row)
				return
			}
			vals[ci] = v
		}
		pend[wi] = pending{string(w.keyBuf), vals}
	}
	out := make([]value.Value, len(row)+o.nOut)
	copy(out, row)
	for wi, w := range o.windows {
		p, ok := w.parts[pend[wi].key]
		if !ok {
			p = o.newPartition(w)
			w.parts[pend[wi].key] = p
		}
		o.evict(w, p, rt)
		e := entry{rt: rt, seq: p.nextSeq, vals: pend[wi].vals}
		p.nextSeq++
		p.entries = append(p.entries, e)
		p.pushDeques(w, e)
		for ci, acc := range p.accs {
			if acc != nil {
				acc.Add(pend[wi].vals[ci], rt)
			}
		}
		if w.rangeMs < 0 {
			for int64(len(p.entries)) > w.rows {
				o.dropOldest(w, p)
			}
		}
		for ci, c := range w.calls {
			v, err := o.result(c, ci, p, rt, row)
			if err != nil {
				o.g.evalError(o.pump, err, rt, row)
				return
			}
			out[len(row)+c.out] = v
		}
	}
	o.next.push(rt, out)
}

// evict drops the rows that fall out of a RANGE frame ending at now.
func (o *slidingOp) evict(w *slidingWindow, p *partition, now int64) {
	if w.rangeMs < 0 {
		return
	}
	for len(p.entries) > 0 && p.entries[0].rt < now-w.rangeMs {
		o.dropOldest(w, p)
	}
}

func (o *slidingOp) dropOldest(w *slidingWindow, p *partition) {
	e := p.entries[0]
	p.entries[0] = entry{}
	p.entries = p.entries[1:]
	for ci, dq := range p.deques {
		if len(dq) > 0 && dq[0].seq == e.seq {
			p.deques[ci] = dq[1:]
		}
	}
	for ci, acc := range p.accs {
		if acc != nil {
			acc.(functions.Remover).Remove(e.vals[ci], e.rt)
		}
	}
	if len(p.entries) == 0 {
		// Start from fresh accumulators: floating-point sums do not come
		// back to exactly zero, and a fresh partition must equal an emptied one.
		for ci, acc := range p.accs {
			if acc != nil {
				p.accs[ci] = w.calls[ci].agg.newAcc()
			}
		}
	}
}

func (o *slidingOp) result(c *analyticCall, ci int, p *partition, rt int64, row []value.Value) (value.Value, error) {
	switch c.kind {
	case analyticAgg:
		if extremeSign(c) != 0 {
			if dq := p.deques[ci]; len(dq) > 0 {
				return dq[0].v, nil
			}
			return value.Value{}, nil
		}
		if acc := p.accs[ci]; acc != nil {
			return acc.Result(), nil
		}
		acc := c.agg.newAcc()
		for _, e := range p.entries {
			acc.Add(e.vals[ci], e.rt)
		}
		return acc.Result(), nil
	case analyticLag:
		n := c.offset
		for i := len(p.entries) - 2; i >= 0; i-- {
			v := p.entries[i].vals[ci]
			if c.ignoreNulls && v.IsNull() {
				continue
			}
			n--
			if n == 0 {
				return v, nil
			}
		}
		if c.offset == 0 {
			return p.entries[len(p.entries)-1].vals[ci], nil
		}
		if c.dflt != nil {
			return c.dflt.eval(o.g, rt, row)
		}
		return value.Value{}, nil
	case analyticNth, analyticFirst, analyticLast:
		n := c.offset
		fromLast := c.fromLast
		switch c.kind {
		case analyticFirst:
			n, fromLast = 1, false
		case analyticLast:
			n, fromLast = 1, true
		}
		count := int64(0)
		for k := range p.entries {
			i := k
			if fromLast {
				i = len(p.entries) - 1 - k
			}
			v := p.entries[i].vals[ci]
			if c.ignoreNulls && v.IsNull() {
				continue
			}
			count++
			if count == n {
				return v, nil
			}
		}
		return value.Value{}, nil
	}
	return value.Value{}, nil
}

func (o *slidingOp) advance(t int64) {
	for _, w := range o.windows {
		// Sweep partitions whose rows have all left the window, at most
		// once per window length so the cost per row stays constant.
		if w.rangeMs < 0 || t-w.swept < max(w.rangeMs, 1000) {
			continue
		}
		w.swept = t
		for k, p := range w.parts {
			if p.entries[len(p.entries)-1].rt < t-w.rangeMs {
				delete(w.parts, k)
			}
		}
	}
	o.next.advance(t)
}

func (o *slidingOp) save(e *value.Encoder) {
	for _, w := range o.windows {
		keys := make([]string, 0, len(w.parts))
		for k := range w.parts {
			keys = append(keys, k)
		}
		sortStrings(keys)
		e.Uvarint(uint64(len(keys)))
		for _, k := range keys {
			p := w.parts[k]
			e.String(k)
			e.Uvarint(uint64(len(p.entries)))
			for _, en := range p.entries {
				e.Varint(en.rt)
				e.Values(en.vals)
			}
			for _, acc := range p.accs {
				if acc != nil {
					acc.Save(e)
				}
			}
		}
	}
}

func (o *slidingOp) load(d *value.Decoder) {
	for _, w := range o.windows {
		n := d.Len()
		w.parts = make(map[string]*partition, n)
		for range n {
			k := d.String()
			p := o.newPartition(w)
			m := d.Len()
			for range m {
				rt := d.Varint()
				e := entry{rt: rt, seq: p.nextSeq, vals: d.Values()}
				p.nextSeq++
				p.entries = append(p.entries, e)
				p.pushDeques(w, e)
			}
			for _, acc := range p.accs {
				if acc != nil {
					acc.Load(d)
				}
			}
			if d.Err() != nil {
				return
			}
			w.parts[k] = p
		}
	}
}
