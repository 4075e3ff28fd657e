package sql

import (
	"encoding/json"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/eddy-streaming/eddy/internal/sql/exec"
	"github.com/eddy-streaming/eddy/internal/sql/input"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// encoder turns rows of an in-application stream into output records:
// JSON objects keyed by column name, or CSV lines, as KDA writes them.
type encoder struct {
	format  input.Format
	columns []exec.Column
	buf     []byte
}

func (c *encoder) encode(output int, row []value.Value) OutputRecord {
	b := c.buf[:0]
	if c.format == input.CSV {
		for i := range c.columns {
			if i > 0 {
				b = append(b, ',')
			}
			v := row[i+1]
			if v.IsNull() {
				continue
			}
			s := formatValue(v, c.columns[i].Type)
			if strings.ContainsAny(s, ",\"\n\r") {
				s = `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
			}
			b = append(b, s...)
		}
		b = append(b, '\n')
	} else {
		b = append(b, '{')
		for i, col := range c.columns {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, col.Name)
			b = append(b, ':')
			b = appendJSON(b, row[i+1], col.Type)
		}
		b = append(b, '}')
	}
	c.buf = b
	data := append([]byte(nil), b...)
	h := fnv.New64a()
	h.Write(data)
	return OutputRecord{Output: output, PartitionKey: strconv.FormatUint(h.Sum64(), 16), Data: data,
		Rowtime: time.UnixMilli(row[0].I).UTC()}
}

// formatValue renders a value as text for output; DECIMAL keeps its scale.
func formatValue(v value.Value, t value.Type) string {
	switch {
	case v.K == value.Decimal && t.Kind == value.Decimal:
		return strconv.FormatFloat(v.F, 'f', t.Scale, 64)
	case v.K == value.Float && t.Name == "REAL":
		return value.FormatReal(v.F)
	}
	return v.String()
}

func appendJSON(b []byte, v value.Value, t value.Type) []byte {
	switch v.K {
	case value.Null:
		return append(b, "null"...)
	case value.Bool:
		return strconv.AppendBool(b, v.I != 0)
	case value.Int:
		return strconv.AppendInt(b, v.I, 10)
	case value.Float, value.Decimal:
		if v.F != v.F || v.F > 1.7976931348623157e308 || v.F < -1.7976931348623157e308 {
			return strconv.AppendQuote(b, v.String())
		}
		return append(b, formatValue(v, t)...)
	case value.String:
		s, _ := json.Marshal(v.S)
		return append(b, s...)
	}
	s, _ := json.Marshal(v.String())
	return append(b, s...)
}
