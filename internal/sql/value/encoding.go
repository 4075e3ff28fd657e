package value

import (
	"encoding/binary"
	"errors"
	"math"
)

// Encoder appends checkpoint state to a byte slice. It never fails.
type Encoder struct {
	Buf []byte
}

// Uvarint appends an unsigned varint.
func (e *Encoder) Uvarint(x uint64) { e.Buf = binary.AppendUvarint(e.Buf, x) }

// Varint appends a signed varint.
func (e *Encoder) Varint(x int64) { e.Buf = binary.AppendVarint(e.Buf, x) }

// Float appends the IEEE bits of f, so replays keep every bit.
func (e *Encoder) Float(f float64) {
	e.Buf = binary.LittleEndian.AppendUint64(e.Buf, math.Float64bits(f))
}

// String appends a length-prefixed string.
func (e *Encoder) String(s string) {
	e.Uvarint(uint64(len(s)))
	e.Buf = append(e.Buf, s...)
}

// Bool appends one byte.
func (e *Encoder) Bool(b bool) {
	if b {
		e.Buf = append(e.Buf, 1)
	} else {
		e.Buf = append(e.Buf, 0)
	}
}

// Value appends a value.
func (e *Encoder) Value(v Value) {
	e.Buf = append(e.Buf, byte(v.K))
	switch v.K {
	case Null:
	case Float, Decimal:
		e.Float(v.F)
	case String, Bytes:
		e.String(v.S)
	default:
		e.Varint(v.I)
	}
}

// Values appends a length-prefixed slice of values.
func (e *Encoder) Values(vs []Value) {
	e.Uvarint(uint64(len(vs)))
	for _, v := range vs {
		e.Value(v)
	}
}

// ErrCorruptState is returned for state bytes that do not decode.
var ErrCorruptState = errors.New("corrupt checkpoint state")

// Decoder reads what an Encoder wrote. The first error latches: later reads
// return zero values and Err reports it.
type Decoder struct {
	Buf []byte
	err error
}

// Err returns the first decoding error.
func (d *Decoder) Err() error { return d.err }

// Fail latches err (if none yet).
func (d *Decoder) Fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// Uvarint reads an unsigned varint.
func (d *Decoder) Uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.Buf)
	if n <= 0 {
		d.Fail(ErrCorruptState)
		return 0
	}
	d.Buf = d.Buf[n:]
	return x
}

// Len reads a length and checks it against the remaining bytes (each
// element takes at least one byte), so corrupt input cannot allocate much.
func (d *Decoder) Len() int {
	n := d.Uvarint()
	if n > uint64(len(d.Buf)) {
		d.Fail(ErrCorruptState)
		return 0
	}
	return int(n)
}

// Varint reads a signed varint.
func (d *Decoder) Varint() int64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Varint(d.Buf)
	if n <= 0 {
		d.Fail(ErrCorruptState)
		return 0
	}
	d.Buf = d.Buf[n:]
	return x
}

// Float reads IEEE bits.
func (d *Decoder) Float() float64 {
	if d.err != nil {
		return 0
	}
	if len(d.Buf) < 8 {
		d.Fail(ErrCorruptState)
		return 0
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(d.Buf))
	d.Buf = d.Buf[8:]
	return f
}

// String reads a length-prefixed string.
func (d *Decoder) String() string {
	n := d.Len()
	if d.err != nil {
		return ""
	}
	s := string(d.Buf[:n])
	d.Buf = d.Buf[n:]
	return s
}

// Bool reads one byte.
func (d *Decoder) Bool() bool {
	if d.err != nil {
		return false
	}
	if len(d.Buf) < 1 {
		d.Fail(ErrCorruptState)
		return false
	}
	b := d.Buf[0] != 0
	d.Buf = d.Buf[1:]
	return b
}

// Value reads a value.
func (d *Decoder) Value() Value {
	if d.err != nil {
		return Value{}
	}
	if len(d.Buf) < 1 {
		d.Fail(ErrCorruptState)
		return Value{}
	}
	k := Kind(d.Buf[0])
	d.Buf = d.Buf[1:]
	switch k {
	case Null:
		return Value{}
	case Float, Decimal:
		return Value{K: k, F: d.Float()}
	case String, Bytes:
		return Value{K: k, S: d.String()}
	case Bool, Int, Timestamp, Date, Time, IntervalDT, IntervalYM:
		return Value{K: k, I: d.Varint()}
	}
	d.Fail(ErrCorruptState)
	return Value{}
}

// Values reads a length-prefixed slice of values.
func (d *Decoder) Values() []Value {
	n := d.Len()
	if n == 0 {
		return nil
	}
	vs := make([]Value, n)
	for i := range vs {
		vs[i] = d.Value()
	}
	return vs
}
