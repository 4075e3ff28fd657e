// Package value holds the engine's runtime values and SQL types: a small,
// allocation-free Value struct, type descriptions parsed from SQL type
// names, casts with KDA's coercion rules, comparison, and date-time
// formatting including Java SimpleDateFormat-style patterns.
//
// Time values are UTC milliseconds: TIMESTAMP is milliseconds since the
// Unix epoch, DATE is the timestamp of its midnight, TIME is milliseconds
// since midnight, day-time intervals are milliseconds and year-month
// intervals are months. DECIMAL is carried as a float64 rounded to its
// scale on cast.
package value

import (
	"encoding/hex"
	"math"
	"strconv"
	"strings"
)

// Kind is the runtime kind of a value.
type Kind uint8

// Kinds.
const (
	Null Kind = iota
	Bool
	Int
	Float
	Decimal
	String
	Bytes
	Timestamp
	Date
	Time
	IntervalDT // milliseconds
	IntervalYM // months
)

var kindNames = [...]string{"NULL", "BOOLEAN", "BIGINT", "DOUBLE", "DECIMAL", "VARCHAR", "VARBINARY",
	"TIMESTAMP", "DATE", "TIME", "INTERVAL DAY TO SECOND", "INTERVAL YEAR TO MONTH"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one SQL value. The zero Value is NULL. Which field holds the
// payload depends on K: I for Bool (0/1), Int, time kinds and intervals;
// F for Float and Decimal; S for String and Bytes.
type Value struct {
	K Kind
	I int64
	F float64
	S string
}

// Constructors.
func NullValue() Value { return Value{} }
func BoolValue(b bool) Value {
	if b {
		return Value{K: Bool, I: 1}
	}
	return Value{K: Bool}
}
func IntValue(i int64) Value        { return Value{K: Int, I: i} }
func FloatValue(f float64) Value    { return Value{K: Float, F: f} }
func DecimalValue(f float64) Value  { return Value{K: Decimal, F: f} }
func StringValue(s string) Value    { return Value{K: String, S: s} }
func BytesValue(b []byte) Value     { return Value{K: Bytes, S: string(b)} }
func TimestampValue(ms int64) Value { return Value{K: Timestamp, I: ms} }
func DateValue(ms int64) Value      { return Value{K: Date, I: ms} }
func TimeValue(ms int64) Value      { return Value{K: Time, I: ms} }
func IntervalValue(ms int64) Value  { return Value{K: IntervalDT, I: ms} }
func MonthsValue(m int64) Value     { return Value{K: IntervalYM, I: m} }

// IsNull reports whether v is NULL.
func (v Value) IsNull() bool { return v.K == Null }

// Bool returns the boolean payload (false for NULL).
func (v Value) Bool() bool { return v.K == Bool && v.I != 0 }

// IsNumeric reports whether v is an integer, float or decimal.
func (v Value) IsNumeric() bool { return v.K == Int || v.K == Float || v.K == Decimal }

// AsFloat returns a numeric value as float64.
func (v Value) AsFloat() float64 {
	switch v.K {
	case Int, Bool, Timestamp, Date, Time, IntervalDT, IntervalYM:
		return float64(v.I)
	case Float, Decimal:
		return v.F
	}
	return 0
}

// String renders v as text, the way CAST(v AS VARCHAR) does. NULL renders
// as "NULL".
func (v Value) String() string {
	switch v.K {
	case Null:
		return "NULL"
	case Bool:
		if v.I != 0 {
			return "TRUE"
		}
		return "FALSE"
	case Int:
		return strconv.FormatInt(v.I, 10)
	case Float:
		return FormatDouble(v.F)
	case Decimal:
		return strconv.FormatFloat(v.F, 'f', -1, 64)
	case String:
		return v.S
	case Bytes:
		return strings.ToUpper(hex.EncodeToString([]byte(v.S)))
	case Timestamp:
		return FormatTimestamp(v.I)
	case Date:
		return FormatDate(v.I)
	case Time:
		return FormatTime(v.I)
	case IntervalDT:
		return FormatIntervalDT(v.I)
	case IntervalYM:
		sign := ""
		m := v.I
		if m < 0 {
			sign, m = "-", -m
		}
		return sign + strconv.FormatInt(m/12, 10) + "-" + strconv.FormatInt(m%12, 10)
	}
	return "?"
}

// FormatDouble prints a double like Java's Double.toString for the common
// range: integral values keep a ".0", others use the shortest exact form.
func FormatDouble(f float64) string { return formatFloat(f, 64) }

// FormatReal prints a REAL (single precision) value with the shortest form
// that reads back to the same float32, as Java's Float.toString does.
func FormatReal(f float64) string { return formatFloat(f, 32) }

func formatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	a := math.Abs(f)
	if a != 0 && (a < 1e-3 || a >= 1e7) {
		s := strconv.FormatFloat(f, 'E', -1, bits)
		mant, exp, _ := strings.Cut(s, "E")
		if !strings.Contains(mant, ".") {
			mant += ".0"
		}
		return mant + "E" + strings.TrimPrefix(exp, "+")
	}
	s := strconv.FormatFloat(f, 'f', -1, bits)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// Truthy reports whether a WHERE/HAVING/CASE condition holds: TRUE only
// (NULL and FALSE do not).
func (v Value) Truthy() bool { return v.K == Bool && v.I != 0 }
