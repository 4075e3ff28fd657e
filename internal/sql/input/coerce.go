package input

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// coerceText converts a text value (a JSON string or a CSV field) with
// KDA's string rules. For CSV, an empty field is NULL except for
// character columns.
func coerceText(s string, t value.Type, csv bool) (value.Value, error) {
	if csv && s == "" && t.Kind != value.String {
		return value.Value{}, nil
	}
	switch t.Kind {
	case value.String:
		v, _ := value.Cast(value.StringValue(s), t)
		return v, nil
	case value.Bool:
		return value.BoolValue(strings.EqualFold(strings.TrimSpace(s), "true")), nil
	case value.Bytes:
		hx, ok := strings.CutPrefix(s, "X'")
		if !ok {
			hx, ok = strings.CutPrefix(s, "x'")
		}
		if ok {
			if hx, ok = strings.CutSuffix(hx, "'"); ok && len(hx)%2 == 0 {
				if b, err := hex.DecodeString(hx); err == nil {
					return value.Cast(value.BytesValue(b), t)
				}
			}
		}
		return value.Value{}, fmt.Errorf("%q is not a binary literal X'..'", s)
	}
	return value.Cast(value.StringValue(s), t)
}

// coerceNumber converts a JSON number with KDA's number rules.
func coerceNumber(text string, t value.Type) (value.Value, error) {
	switch t.Kind {
	case value.Float:
		if f, err := strconv.ParseFloat(text, 64); err == nil {
			if t.Name == "REAL" {
				f = float64(float32(f))
			}
			return value.FloatValue(f), nil
		}
		return value.Value{}, fmt.Errorf("%s is not a number", text)
	case value.String:
		v, _ := value.Cast(value.StringValue(strings.Clone(text)), t)
		return v, nil
	case value.Bool:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return value.Value{}, err
		}
		return value.BoolValue(f != 0), nil
	case value.Int:
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			return value.Cast(value.IntValue(i), t)
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || f != math.Trunc(f) {
			return value.Value{}, fmt.Errorf("%s does not fit %s", strings.Clone(text), t)
		}
		return value.Cast(value.FloatValue(f), t)
	case value.Decimal:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return value.Value{}, fmt.Errorf("%s is not a number", strings.Clone(text))
		}
		if t.Kind == value.Decimal {
			scale := math.Pow10(t.Scale)
			if math.Round(f*scale)/scale != f {
				return value.Value{}, fmt.Errorf("%s does not fit %s", strings.Clone(text), t)
			}
		}
		return value.Cast(value.FloatValue(f), t)
	}
	return value.Value{}, fmt.Errorf("cannot convert number %s to %s", strings.Clone(text), t)
}

// coerceBool converts a JSON boolean with KDA's boolean rules.
func coerceBool(b bool, t value.Type) (value.Value, error) {
	n := int64(0)
	if b {
		n = 1
	}
	switch t.Kind {
	case value.Bool:
		return value.BoolValue(b), nil
	case value.Int, value.Float, value.Decimal:
		return value.Cast(value.IntValue(n), t)
	case value.Bytes:
		return value.Value{K: value.Bytes, S: string([]byte{byte(n)})}, nil
	case value.String:
		return value.Cast(value.StringValue(strconv.FormatBool(b)), t)
	}
	return value.Value{}, fmt.Errorf("cannot convert boolean to %s", t)
}
