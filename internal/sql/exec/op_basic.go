package exec

import (
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// relay forwards rows and time to next, which is set after planning the
// consumer (subqueries are planned before the query that reads them).
type relay struct {
	next  node
	count *int64 // rows read from a stream by a pump, when counted
}

func (r *relay) push(rt int64, row []value.Value) {
	if r.count != nil {
		*r.count++
	}
	r.next.push(rt, row)
}
func (r *relay) advance(t int64) { r.next.advance(t) }

// filterOp drops rows whose condition is not TRUE.
type filterOp struct {
	g    *Graph
	pump string
	cond expr
	next node
}

func (f *filterOp) push(rt int64, row []value.Value) {
	v, err := f.cond.eval(f.g, rt, row)
	if err != nil {
		f.g.evalError(f.pump, err, rt, row)
		return
	}
	if v.Truthy() {
		f.next.push(rt, row)
	}
}

func (f *filterOp) advance(t int64) { f.next.advance(t) }

// projectOp computes the select list into a new row [ROWTIME, items...].
// rowtimeItem >= 0 names an item aliased AS ROWTIME that sets the output
// ROWTIME (and is not an output column).
type projectOp struct {
	g           *Graph
	pump        string
	items       []expr
	rowtimeItem int
	next        node
	// lastOut is the last output ROWTIME when an item sets it: the output
	// then runs on its own clock, so time advances to lastOut, not to the
	// input's time (rows before lastOut are errors downstream anyway).
	lastOut int64
}

func (p *projectOp) push(rt int64, row []value.Value) {
	width := len(p.items) + 1
	if p.rowtimeItem >= 0 {
		width--
	}
	out := make([]value.Value, width)
	outRt := rt
	j := 1
	for i, it := range p.items {
		v, err := it.eval(p.g, rt, row)
		if err != nil {
			p.g.evalError(p.pump, err, rt, row)
			return
		}
		if i == p.rowtimeItem {
			ts, err := value.Cast(v, value.Type{Name: "TIMESTAMP", Kind: value.Timestamp})
			if err != nil || ts.IsNull() {
				if err == nil {
					err = errNullRowtime
				}
				p.g.evalError(p.pump, err, rt, row)
				return
			}
			outRt = ts.I
			continue
		}
		out[j] = v
		j++
	}
	out[0] = value.TimestampValue(outRt)
	if p.rowtimeItem >= 0 {
		p.lastOut = max(p.lastOut, outRt)
	}
	p.next.push(outRt, out)
}

func (p *projectOp) advance(t int64) {
	if p.rowtimeItem >= 0 {
		if p.lastOut == minTime {
			return
		}
		t = p.lastOut
	}
	p.next.advance(t)
}

func (p *projectOp) save(e *value.Encoder) { e.Varint(p.lastOut) }
func (p *projectOp) load(d *value.Decoder) { p.lastOut = d.Varint() }

type constError string

func (e constError) Error() string { return string(e) }

const errNullRowtime = constError("ROWTIME cannot be NULL")

// insertOp casts a projected row to the target stream's columns and
// inserts it. colMap[i] is the target column of projected item i.
type insertOp struct {
	g      *Graph
	pump   string
	target *Stream
	writer int
	colMap []int
	rows   int64
}

func (o *insertOp) push(rt int64, row []value.Value) {
	out := make([]value.Value, len(o.target.Columns)+1)
	out[0] = row[0]
	for i, ci := range o.colMap {
		v := row[i+1]
		typ := o.target.Columns[ci].Type
		if typ.Kind != value.Null {
			cv, err := value.Cast(v, typ)
			if err != nil {
				o.g.evalError(o.pump, err, rt, row)
				return
			}
			v = cv
		}
		out[ci+1] = v
	}
	for i, c := range o.target.Columns {
		if c.Type.NotNull && out[i+1].IsNull() {
			o.g.evalError(o.pump, constError("column "+c.Name+" of "+o.target.Name+" cannot be NULL"), rt, row)
			return
		}
	}
	o.rows++
	o.target.insert(out, o.pump)
}

func (o *insertOp) advance(t int64) { o.target.advanceFrom(o.writer, t) }
