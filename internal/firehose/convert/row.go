package convert

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/parquet-go/parquet-go"
)

// rowState holds the per-Write scratch memory of the flat path.
type rowState struct {
	key   []byte
	arena []byte // unescaped strings of the current batch
	// hints[k] is the column the k-th member of the previous record
	// matched (-1 for none): records of one stream mostly share their key
	// order, so a byte comparison usually replaces a map lookup.
	hints []int
	// set marks the columns the current record has set.
	set []bool
}

// flatRow fills row (one slot per column, in schema order) from rec.
//
// The values go to cols[leaf][n]; columns the record does not set get a
// null. On error, slot n holds garbage, to be overwritten by the next row.
func (c *Converter) flatRow(rec []byte, cols [][]parquet.Value, n int, st *rowState) error {
	set := st.set[:len(cols)]
	clear(set)
	sc := scanner{b: rec}
	if err := sc.begin(); err != nil {
		return err
	}
	for member := 0; ; member++ {
		key, keyEsc, kind, val, valEsc, done, err := sc.next(member == 0)
		if err != nil {
			return err
		}
		if done {
			for j, ok := range set {
				if !ok {
					cols[j][n] = c.nullRow[j]
				}
			}
			return nil
		}
		if keyEsc {
			key = unescape(key, &st.key)
		}
		idx, ok := -1, false
		if member < len(st.hints) {
			if h := st.hints[member]; h >= 0 && string(c.columns[h].key) == string(key) {
				idx, ok = h, true
			}
		}
		if !ok {
			idx, ok = c.lookup(key, &st.key)
			for len(st.hints) <= member {
				st.hints = append(st.hints, -1)
			}
			if ok {
				st.hints[member] = idx
			}
		}
		if !ok || kind == vNull {
			continue
		}
		col := &c.columns[idx]
		var v parquet.Value
		if kind == vString && !valEsc && col.typ.Kind == String {
			v = parquet.ByteArrayValue(val) // the common case, without the call
		} else if v, err = c.scalar(col.typ, kind, val, valEsc, st); err != nil {
			return fmt.Errorf("column %q: %w", col.name, err)
		}
		cols[col.leaf][n] = v.Level(0, 1, col.leaf)
		set[col.leaf] = true
	}
}

// unescape decodes the JSON escapes of a string's content.
func unescape(raw []byte, scratch *[]byte) []byte {
	b := append((*scratch)[:0], '"')
	b = append(b, raw...)
	b = append(b, '"')
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return raw
	}
	*scratch = b
	return []byte(s)
}

func text(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// scalar converts one JSON value to a Parquet value of type t.
func (c *Converter) scalar(t *Type, kind byte, raw []byte, esc bool, st *rowState) (parquet.Value, error) {
	if kind == vString && esc {
		start := len(st.arena)
		var tmp []byte
		st.arena = append(st.arena, unescape(raw, &tmp)...)
		raw = st.arena[start:len(st.arena):len(st.arena)]
	}
	switch t.Kind {
	case Boolean:
		switch {
		case kind == vTrue:
			return parquet.BooleanValue(true), nil
		case kind == vFalse:
			return parquet.BooleanValue(false), nil
		case kind == vString && strings.EqualFold(text(raw), "true"):
			return parquet.BooleanValue(true), nil
		case kind == vString && strings.EqualFold(text(raw), "false"):
			return parquet.BooleanValue(false), nil
		}
		return parquet.Value{}, fmt.Errorf("cannot read %s as boolean", describe(kind, raw))
	case TinyInt, SmallInt, Int, BigInt:
		if kind != vNumber && kind != vString {
			return parquet.Value{}, fmt.Errorf("cannot read %s as an integer", describe(kind, raw))
		}
		n, err := parseInt(text(raw), t.Kind)
		if err != nil {
			return parquet.Value{}, err
		}
		if t.Kind == BigInt {
			return parquet.Int64Value(n), nil
		}
		return parquet.Int32Value(int32(n)), nil
	case Float, Double:
		if kind != vNumber && kind != vString {
			return parquet.Value{}, fmt.Errorf("cannot read %s as a number", describe(kind, raw))
		}
		f, err := strconv.ParseFloat(text(raw), 64)
		if err != nil {
			return parquet.Value{}, fmt.Errorf("invalid number %q", raw)
		}
		if t.Kind == Float {
			return parquet.FloatValue(float32(f)), nil
		}
		return parquet.DoubleValue(f), nil
	case Decimal:
		if kind != vNumber && kind != vString {
			return parquet.Value{}, fmt.Errorf("cannot read %s as a decimal", describe(kind, raw))
		}
		n, err := parseDecimal(text(raw), t.Precision, t.Scale)
		if err != nil {
			return parquet.Value{}, err
		}
		if t.Precision <= 9 {
			return parquet.Int32Value(int32(n)), nil
		}
		return parquet.Int64Value(n), nil
	case String, Binary:
		return parquet.ByteArrayValue(raw), nil
	case Date:
		d, err := c.parseDate(kind, raw)
		if err != nil {
			return parquet.Value{}, err
		}
		return parquet.Int32Value(d), nil
	case Timestamp:
		ms, err := c.parseTimestamp(kind, raw)
		if err != nil {
			return parquet.Value{}, err
		}
		return parquet.Int64Value(ms), nil
	}
	return parquet.Value{}, fmt.Errorf("unsupported type")
}

func describe(kind byte, raw []byte) string {
	switch kind {
	case vString:
		return strconv.Quote(string(raw))
	case vTrue:
		return "true"
	case vFalse:
		return "false"
	case vObject:
		return "an object"
	case vArray:
		return "an array"
	}
	return string(raw)
}

func parseInt(s string, k Kind) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<63 {
			return 0, fmt.Errorf("invalid integer %q", s)
		}
		n = int64(f)
	}
	var lo, hi int64
	switch k {
	case TinyInt:
		lo, hi = math.MinInt8, math.MaxInt8
	case SmallInt:
		lo, hi = math.MinInt16, math.MaxInt16
	case Int:
		lo, hi = math.MinInt32, math.MaxInt32
	default:
		return n, nil
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("integer %d out of range", n)
	}
	return n, nil
}

// parseDecimal returns s scaled by 10^scale, rounding half up.
func parseDecimal(s string, precision, scale int) (int64, error) {
	bad := fmt.Errorf("invalid decimal %q", s)
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, bad
		}
		s = strconv.FormatFloat(f, 'f', -1, 64)
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return 0, bad
	}
	var n int64
	digits := 0
	for _, ch := range intPart {
		if ch < '0' || ch > '9' {
			return 0, bad
		}
		n = n*10 + int64(ch-'0')
		if n != 0 {
			digits++
		}
	}
	for i := 0; i < scale; i++ {
		d := int64(0)
		if i < len(frac) {
			if frac[i] < '0' || frac[i] > '9' {
				return 0, bad
			}
			d = int64(frac[i] - '0')
		}
		n = n*10 + d
	}
	if len(frac) > scale && frac[scale] >= '5' {
		n++
	}
	if digits > precision-scale || n >= pow10(precision) {
		return 0, fmt.Errorf("decimal %q does not fit decimal(%d,%d)", s, precision, scale)
	}
	if neg {
		n = -n
	}
	return n, nil
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

var epochDay = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

func (c *Converter) parseDate(kind byte, raw []byte) (int32, error) {
	switch kind {
	case vNumber:
		n, err := strconv.ParseInt(text(raw), 10, 32)
		if err != nil {
			return 0, fmt.Errorf("invalid date %q", raw)
		}
		return int32(n), nil
	case vString:
		s := text(raw)
		if len(s) > 10 {
			if t, err := c.ts.parseString(s); err == nil {
				return int32(t.Sub(epochDay).Hours() / 24), nil
			}
		}
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return 0, fmt.Errorf("invalid date %q", s)
		}
		return int32(t.Sub(epochDay).Hours() / 24), nil
	}
	return 0, fmt.Errorf("cannot read %s as a date", describe(kind, raw))
}

func (c *Converter) parseTimestamp(kind byte, raw []byte) (int64, error) {
	var t time.Time
	var err error
	switch kind {
	case vNumber:
		t, err = c.ts.parseNumber(text(raw))
	case vString:
		t, err = c.ts.parseString(text(raw))
	default:
		return 0, fmt.Errorf("cannot read %s as a timestamp", describe(kind, raw))
	}
	if err != nil {
		return 0, err
	}
	return t.UnixMilli(), nil
}
