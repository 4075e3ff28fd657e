package exec

import (
	"github.com/eddy-streaming/eddy/internal/sql/parser"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// joinSide is one input of a stream-to-stream join.
type joinSide struct {
	width   int   // columns of this side's rows
	rangeMs int64 // window length; -1: the side keeps no rows
	rows    []entry
	mark    int64 // time the side has advanced to
	// key, when the ON condition has an equality between the two sides,
	// is this side's expression of it; rows are then also indexed by key
	// (per key in arrival order, so matches come out in the same order as
	// a scan would give them).
	key    expr
	index  map[string][]entry
	keyBuf []byte
}

// keyOf evaluates the side's join key; ok is false for NULL (which matches
// nothing).
func (s *joinSide) keyOf(g *Graph, rt int64, row []value.Value) (string, bool, error) {
	v, err := s.key.eval(g, rt, row)
	if err != nil || v.IsNull() {
		return "", false, err
	}
	s.keyBuf = value.AppendKey(s.keyBuf[:0], v)
	return string(s.keyBuf), true, nil
}

func (s *joinSide) add(e entry) {
	s.rows = append(s.rows, e)
	if s.index != nil {
		s.index[e.key] = append(s.index[e.key], e)
	}
}

func (s *joinSide) dropOldest() {
	e := s.rows[0]
	s.rows[0] = entry{}
	s.rows = s.rows[1:]
	if s.index != nil {
		if l := s.index[e.key]; len(l) <= 1 {
			delete(s.index, e.key)
		} else {
			l[0] = entry{}
			s.index[e.key] = l[1:]
		}
	}
}

// joinOp joins two streams. A row arriving on one side is matched against
// the rows the other side keeps in its window [rt - range, rt]; the output
// row is [left..., right...] at the arriving row's ROWTIME. Outer joins pad
// an unmatched arriving row with NULLs at once.
type joinOp struct {
	g           *Graph
	pump        string
	kind        parser.JoinKind
	on          expr
	left, right joinSide
	next        node
	emitted     int64
}

type joinPort struct {
	op    *joinOp
	right bool
}

func (p joinPort) push(rt int64, row []value.Value) { p.op.arrive(p.right, rt, row) }
func (p joinPort) advance(t int64)                  { p.op.advanceSide(p.right, t) }

func (o *joinOp) arrive(fromRight bool, rt int64, row []value.Value) {
	own, other := &o.left, &o.right
	if fromRight {
		own, other = &o.right, &o.left
	}
	if other.rangeMs >= 0 {
		for len(other.rows) > 0 && other.rows[0].rt < rt-other.rangeMs {
			other.dropOldest()
		}
	}
	candidates := other.rows
	key, hasKey := "", true
	if own.key != nil {
		var err error
		if key, hasKey, err = own.keyOf(o.g, rt, row); err != nil {
			o.g.evalError(o.pump, err, rt, row)
			return
		}
		candidates = other.index[key]
		if !hasKey {
			candidates = nil
		}
	}
	matched := false
	combined := make([]value.Value, o.left.width+o.right.width)
	for _, e := range candidates {
		if fromRight {
			copy(combined, e.vals)
			copy(combined[o.left.width:], row)
		} else {
			copy(combined, row)
			copy(combined[o.left.width:], e.vals)
		}
		ok, err := o.matches(rt, combined)
		if err != nil {
			o.g.evalError(o.pump, err, rt, row)
			return
		}
		if ok {
			matched = true
			o.next.push(rt, combined)
			combined = make([]value.Value, o.left.width+o.right.width)
		}
	}
	pad := o.kind == parser.FullJoin || (o.kind == parser.LeftJoin && !fromRight) || (o.kind == parser.RightJoin && fromRight)
	if !matched && pad {
		clear(combined)
		if fromRight {
			copy(combined[o.left.width:], row)
		} else {
			copy(combined, row)
		}
		o.next.push(rt, combined)
	}
	if own.rangeMs >= 0 && hasKey {
		own.add(entry{rt: rt, key: key, vals: row})
	}
}

func (o *joinOp) matches(rt int64, combined []value.Value) (bool, error) {
	if o.on == nil {
		return true, nil
	}
	v, err := o.on.eval(o.g, rt, combined)
	return v.Truthy(), err
}

func (o *joinOp) advanceSide(right bool, t int64) {
	if right {
		o.right.mark = max(o.right.mark, t)
	} else {
		o.left.mark = max(o.left.mark, t)
	}
	// Rows that no future row of the other side can reach are dropped, so a
	// side that stops receiving rows does not hold the other side's forever.
	for _, p := range [][2]*joinSide{{&o.left, &o.right}, {&o.right, &o.left}} {
		own, other := p[0], p[1]
		if own.rangeMs < 0 || other.mark == minTime {
			continue
		}
		for len(own.rows) > 0 && own.rows[0].rt < other.mark-own.rangeMs {
			own.dropOldest()
		}
	}
	low := min(o.left.mark, o.right.mark)
	if low > o.emitted {
		o.emitted = low
		o.next.advance(low)
	}
}

func (o *joinOp) save(e *value.Encoder) {
	for _, s := range []*joinSide{&o.left, &o.right} {
		e.Varint(s.mark)
		e.Uvarint(uint64(len(s.rows)))
		for _, r := range s.rows {
			e.Varint(r.rt)
			e.String(r.key)
			e.Values(r.vals)
		}
	}
	e.Varint(o.emitted)
}

func (o *joinOp) load(d *value.Decoder) {
	for _, s := range []*joinSide{&o.left, &o.right} {
		s.mark = d.Varint()
		n := d.Len()
		s.rows = nil
		if s.index != nil {
			s.index = map[string][]entry{}
		}
		for range n {
			rt := d.Varint()
			key := d.String()
			s.add(entry{rt: rt, key: key, vals: d.Values()})
		}
	}
	o.emitted = d.Varint()
}

// tableJoinOp joins a stream with a reference table. Rows of the table are
// found through a hash index on an equality of the ON condition when there
// is one, else by scanning.
type tableJoinOp struct {
	g      *Graph
	pump   string
	left   bool // LEFT OUTER
	on     expr
	table  *Table
	width  int // left row width
	probe  expr
	index  map[string][]int
	keyBuf []byte
	next   node
}

func (o *tableJoinOp) push(rt int64, row []value.Value) {
	candidates := o.table.Rows
	var idx []int
	useIndex := o.index != nil
	if useIndex {
		k, err := o.probe.eval(o.g, rt, row)
		if err != nil {
			o.g.evalError(o.pump, err, rt, row)
			return
		}
		if !k.IsNull() {
			o.keyBuf = value.AppendKey(o.keyBuf[:0], k)
			idx = o.index[string(o.keyBuf)]
		}
	}
	matched := false
	try := func(tr []value.Value) bool {
		combined := make([]value.Value, o.width+len(tr))
		copy(combined, row)
		copy(combined[o.width:], tr)
		v, err := o.on.eval(o.g, rt, combined)
		if err != nil {
			o.g.evalError(o.pump, err, rt, row)
			return false
		}
		if v.Truthy() {
			matched = true
			o.next.push(rt, combined)
		}
		return true
	}
	if useIndex {
		for _, i := range idx {
			if !try(candidates[i]) {
				return
			}
		}
	} else {
		for _, tr := range candidates {
			if !try(tr) {
				return
			}
		}
	}
	if !matched && o.left {
		combined := make([]value.Value, o.width+1+len(o.table.Columns))
		copy(combined, row)
		o.next.push(rt, combined)
	}
}

func (o *tableJoinOp) advance(t int64) { o.next.advance(t) }
