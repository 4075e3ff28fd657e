package exec

import "github.com/eddy-streaming/eddy/internal/sql/value"

// unionOp merges the rows of UNION ALL branches. Rows pass through in the
// order they arrive (the engine's global arrival order); time advances to
// the minimum over the branches, as for a stream with several writers.
type unionOp struct {
	marks   []int64
	emitted int64
	next    node
}

type unionPort struct {
	op *unionOp
	i  int
}

func (p unionPort) push(rt int64, row []value.Value) { p.op.next.push(rt, row) }

func (p unionPort) advance(t int64) {
	o := p.op
	if t <= o.marks[p.i] {
		return
	}
	o.marks[p.i] = t
	low := t
	for _, m := range o.marks {
		low = min(low, m)
	}
	if low > o.emitted {
		o.emitted = low
		o.next.advance(low)
	}
}

func (o *unionOp) setNext(n node) { o.next = n }

func (o *unionOp) save(e *value.Encoder) {
	for _, m := range o.marks {
		e.Varint(m)
	}
	e.Varint(o.emitted)
}

func (o *unionOp) load(d *value.Decoder) {
	for i := range o.marks {
		o.marks[i] = d.Varint()
	}
	o.emitted = d.Varint()
}
