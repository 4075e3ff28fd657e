package value

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CastError is a value that cannot be converted to a type.
type CastError struct {
	From Value
	To   Type
	Why  string
}

func (e *CastError) Error() string {
	if e.Why != "" {
		return fmt.Sprintf("cannot cast %s %q to %s: %s", e.From.K, e.From.String(), e.To, e.Why)
	}
	return fmt.Sprintf("cannot cast %s %q to %s", e.From.K, e.From.String(), e.To)
}

// Cast converts v to type t with SQL CAST semantics. Strings longer than a
// CHAR/VARCHAR length are truncated (KDA truncates silently); numbers out of
// the target's range are an error.
func Cast(v Value, t Type) (Value, error) {
	if v.K == Null {
		return v, nil
	}
	fail := func(why string) (Value, error) { return Value{}, &CastError{From: v, To: t, Why: why} }
	switch t.Kind {
	case Int:
		var n int64
		switch v.K {
		case Int:
			n = v.I
		case Bool:
			n = v.I
		case Float, Decimal:
			if math.IsNaN(v.F) || v.F >= 9.223372036854776e18 || v.F < -9.223372036854776e18 {
				return fail("out of range")
			}
			n = int64(v.F)
		case String:
			s := strings.TrimSpace(v.S)
			i, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				f, ferr := strconv.ParseFloat(s, 64)
				if ferr != nil || f != math.Trunc(f) || math.Abs(f) >= 9.223372036854776e18 {
					return fail("not an integer")
				}
				i = int64(f)
			}
			n = i
		default:
			return fail("")
		}
		if r, ok := intRanges[t.Name]; ok && (n < r[0] || n > r[1]) {
			return fail("out of range")
		}
		return IntValue(n), nil
	case Float, Decimal:
		var f float64
		switch v.K {
		case Int, Bool:
			f = float64(v.I)
		case Float, Decimal:
			f = v.F
		case String:
			x, err := strconv.ParseFloat(strings.TrimSpace(v.S), 64)
			if err != nil {
				return fail("not a number")
			}
			f = x
		default:
			return fail("")
		}
		if t.Kind == Float {
			if t.Name == "REAL" {
				f = float64(float32(f))
			}
			return FloatValue(f), nil
		}
		scale := math.Pow10(t.Scale)
		f = math.Round(f*scale) / scale
		if t.Precision > 0 && t.Precision < 19 && math.Abs(f) >= math.Pow10(t.Precision-t.Scale) {
			return fail("out of range")
		}
		return DecimalValue(f), nil
	case String:
		var s string
		if v.K == String {
			s = v.S
		} else {
			s = v.String()
		}
		if t.Length > 0 && utf8.RuneCountInString(s) > t.Length {
			s = truncateRunes(s, t.Length)
		}
		if t.Name == "CHAR" && t.Length > 0 {
			if n := utf8.RuneCountInString(s); n < t.Length {
				s += strings.Repeat(" ", t.Length-n)
			}
		}
		return StringValue(s), nil
	case Bool:
		switch v.K {
		case Bool:
			return v, nil
		case Int:
			return BoolValue(v.I != 0), nil
		case Float, Decimal:
			return BoolValue(v.F != 0), nil
		case String:
			switch strings.ToUpper(strings.TrimSpace(v.S)) {
			case "TRUE":
				return BoolValue(true), nil
			case "FALSE":
				return BoolValue(false), nil
			case "UNKNOWN":
				return Value{}, nil
			}
			return fail("not a boolean")
		}
		return fail("")
	case Timestamp:
		switch v.K {
		case Timestamp, Date:
			return TimestampValue(v.I), nil
		case String:
			ms, err := ParseTimestamp(v.S)
			if err != nil {
				return fail("not a timestamp")
			}
			return TimestampValue(ms), nil
		}
		return fail("")
	case Date:
		switch v.K {
		case Timestamp, Date:
			return DateValue(floorDiv(v.I, msPerDay) * msPerDay), nil
		case String:
			ms, err := ParseDate(v.S)
			if err != nil {
				return fail("not a date")
			}
			return DateValue(ms), nil
		}
		return fail("")
	case Time:
		switch v.K {
		case Timestamp:
			return TimeValue(v.I - floorDiv(v.I, msPerDay)*msPerDay), nil
		case Time:
			return v, nil
		case String:
			ms, err := ParseTime(v.S)
			if err != nil {
				return fail("not a time")
			}
			return TimeValue(ms), nil
		}
		return fail("")
	case Bytes:
		switch v.K {
		case Bytes, String:
			s := v.S
			if t.Length > 0 && len(s) > t.Length {
				s = s[:t.Length]
			}
			return Value{K: Bytes, S: s}, nil
		case Bool:
			return Value{K: Bytes, S: string([]byte{byte(v.I)})}, nil
		}
		return fail("")
	case IntervalDT, IntervalYM:
		if v.K == t.Kind {
			return v, nil
		}
		if v.K == Int {
			return Value{K: t.Kind, I: v.I}, nil
		}
		return fail("")
	}
	return fail("")
}

func truncateRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// CompareError reports values of kinds that do not compare.
type CompareError struct{ A, B Kind }

func (e *CompareError) Error() string { return fmt.Sprintf("cannot compare %s with %s", e.A, e.B) }

func numericKind(k Kind) bool { return k == Int || k == Float || k == Decimal }

func timeKind(k Kind) bool { return k == Timestamp || k == Date }

// Compare orders two non-NULL values: -1, 0 or 1.
func Compare(a, b Value) (int, error) {
	switch {
	case a.K == Int && b.K == Int, a.K == Bool && b.K == Bool, a.K == b.K && (a.K == Timestamp || a.K == Date || a.K == Time || a.K == IntervalDT || a.K == IntervalYM),
		timeKind(a.K) && timeKind(b.K):
		return cmpInt(a.I, b.I), nil
	case numericKind(a.K) && numericKind(b.K):
		x, y := a.AsFloat(), b.AsFloat()
		switch {
		case x < y:
			return -1, nil
		case x > y:
			return 1, nil
		}
		return 0, nil
	case (a.K == String || a.K == Bytes) && a.K == b.K:
		return strings.Compare(a.S, b.S), nil
	case a.K == String && b.K != String:
		if c, err := Cast(a, Type{Name: b.K.String(), Kind: b.K}); err == nil && b.K != Bytes {
			return Compare(c, b)
		}
	case b.K == String && a.K != String:
		if c, err := Cast(b, Type{Name: a.K.String(), Kind: a.K}); err == nil && a.K != Bytes {
			return Compare(a, c)
		}
	}
	return 0, &CompareError{a.K, b.K}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// AppendKey appends an encoding of v that is equal for equal values (numbers
// of different kinds that are equal encode alike), for hashing group keys.
func AppendKey(buf []byte, v Value) []byte {
	switch v.K {
	case Null:
		return append(buf, 0)
	case Int:
		if v.I > 1<<53 || v.I < -(1<<53) {
			buf = append(buf, 3)
			return binary.LittleEndian.AppendUint64(buf, uint64(v.I))
		}
		buf = append(buf, 1)
		return binary.LittleEndian.AppendUint64(buf, math.Float64bits(float64(v.I)))
	case Float, Decimal:
		f := v.F
		if f == 0 {
			f = 0 // -0 == 0
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			buf = append(buf, 1)
		} else {
			buf = append(buf, 2)
		}
		return binary.LittleEndian.AppendUint64(buf, math.Float64bits(f))
	case String, Bytes:
		buf = append(buf, byte(v.K))
		buf = binary.AppendUvarint(buf, uint64(len(v.S)))
		return append(buf, v.S...)
	default:
		buf = append(buf, byte(v.K))
		return binary.LittleEndian.AppendUint64(buf, uint64(v.I))
	}
}
