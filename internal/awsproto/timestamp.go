package awsproto

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// Timestamp is a point in time on the wire.
//
// In JSON it is a number of seconds since the Unix epoch, with a fraction
// for milliseconds (1700000000.123). In CBOR it is written as an integer
// number of milliseconds since the epoch, which is what the AWS SDK for
// Java expects; on input CBOR integers are read as milliseconds, floats as
// seconds, and a value under tag 1 as seconds when it is a float or a small
// integer and as milliseconds when it is an integer above 1e11 (the Java
// SDK writes tag 1 with milliseconds).
type Timestamp struct {
	time.Time
}

// NewTimestamp returns the Timestamp of t, or nil when t is zero.
func NewTimestamp(t time.Time) *Timestamp {
	if t.IsZero() {
		return nil
	}
	return &Timestamp{Time: t}
}

// millisThreshold separates tag-1 integers read as seconds from those read
// as milliseconds: 1e11 seconds is the year 5138, 1e11 ms is 1973.
const millisThreshold = 1e11

// MarshalJSON writes epoch seconds with millisecond precision.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return t.AppendJSON(nil), nil
}

// AppendJSON appends the JSON form of t to b.
func (t Timestamp) AppendJSON(b []byte) []byte {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return strconv.AppendInt(b, ms/1000, 10)
	}
	return strconv.AppendFloat(b, float64(ms)/1000, 'f', 3, 64)
}

var errBadTimestamp = errors.New("timestamp must be a number")

// UnmarshalJSON reads epoch seconds, integer or fractional.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) == 0 || b[0] == '"' || b[0] == '{' || b[0] == '[' || b[0] == 't' || b[0] == 'f' {
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: timestampType}
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return errBadTimestamp
	}
	t.Time = secondsToTime(f)
	return nil
}

// MarshalCBOR writes epoch milliseconds as an integer.
func (t Timestamp) MarshalCBOR() ([]byte, error) {
	return cbor.Marshal(t.UnixMilli())
}

// UnmarshalCBOR reads epoch milliseconds (integer), epoch seconds (float),
// or either under tag 1 (see Timestamp).
func (t *Timestamp) UnmarshalCBOR(b []byte) error {
	tagged := false
	if len(b) > 0 && b[0] == 0xc1 { // tag 1 (epoch-based date/time)
		tagged, b = true, b[1:]
	}
	var raw any
	if err := decMode.Unmarshal(b, &raw); err != nil {
		return err
	}
	switch v := raw.(type) {
	case nil:
		return nil
	case uint64:
		if v > math.MaxInt64 {
			return errBadTimestamp
		}
		t.Time = intToTime(int64(v), tagged)
	case int64:
		t.Time = intToTime(v, tagged)
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return errBadTimestamp
		}
		t.Time = secondsToTime(v)
	case float32:
		t.Time = secondsToTime(float64(v))
	default:
		return errBadTimestamp
	}
	return nil
}

func intToTime(v int64, tagged bool) time.Time {
	if tagged && v < millisThreshold && v > -millisThreshold {
		return time.Unix(v, 0)
	}
	return time.UnixMilli(v)
}

func secondsToTime(f float64) time.Time {
	if f > math.MaxInt64/1e6 || f < math.MinInt64/1e6 {
		// Out of range: clamp rather than overflow.
		if f > 0 {
			return time.UnixMilli(math.MaxInt64 / 1000)
		}
		return time.UnixMilli(math.MinInt64 / 1000)
	}
	ms := math.Round(f * 1000)
	return time.UnixMilli(int64(ms))
}
