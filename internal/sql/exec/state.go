package exec

import (
	"fmt"

	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// Save appends the graph's state: its time, every stream's ROWTIME and
// watermarks, and every stateful operator's state, in plan order.
func (g *Graph) Save(e *value.Encoder) {
	e.Varint(g.now)
	e.Uvarint(uint64(len(g.order)))
	for _, s := range g.order {
		e.String(s.Name)
		e.Varint(s.Rowtime)
		e.Varint(s.Watermark)
		e.Uvarint(uint64(len(s.writerMarks)))
		for _, m := range s.writerMarks {
			e.Varint(m)
		}
	}
	e.Uvarint(uint64(len(g.stateful)))
	var sub value.Encoder
	for _, op := range g.stateful {
		sub.Buf = sub.Buf[:0]
		op.save(&sub)
		e.String(string(sub.Buf))
	}
}

// Load restores state written by Save for the same program.
func (g *Graph) Load(d *value.Decoder) error {
	g.now = d.Varint()
	g.fctx.Now = g.now
	n := d.Len()
	if d.Err() == nil && n != len(g.order) {
		return fmt.Errorf("checkpoint has %d streams, the program %d", n, len(g.order))
	}
	for _, s := range g.order {
		name := d.String()
		if d.Err() == nil && name != s.Name {
			return fmt.Errorf("checkpoint has stream %q where the program has %q", name, s.Name)
		}
		s.Rowtime, s.Watermark = d.Varint(), d.Varint()
		m := d.Len()
		if d.Err() == nil && m != len(s.writerMarks) {
			return fmt.Errorf("checkpoint has %d writers for stream %s, the program %d", m, s.Name, len(s.writerMarks))
		}
		for i := range s.writerMarks {
			s.writerMarks[i] = d.Varint()
		}
	}
	n = d.Len()
	if d.Err() == nil && n != len(g.stateful) {
		return fmt.Errorf("checkpoint has %d operators, the program %d", n, len(g.stateful))
	}
	for _, op := range g.stateful {
		sub := value.Decoder{Buf: []byte(d.String())}
		if d.Err() != nil {
			break
		}
		op.load(&sub)
		if sub.Err() == nil && len(sub.Buf) != 0 {
			sub.Fail(value.ErrCorruptState)
		}
		if err := sub.Err(); err != nil {
			return fmt.Errorf("operator state: %w", err)
		}
	}
	return d.Err()
}
