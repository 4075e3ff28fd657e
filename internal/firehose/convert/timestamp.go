package convert

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/eddy-streaming/eddy/internal/firehose/process"
)

// timestampParser reads timestamps the way the OpenX JSON SerDe does for
// Firehose: the formats of TimestampFormats first ("millis" is epoch
// milliseconds; others are Java patterns), then the default forms:
// epoch seconds (integer or fractional), epoch milliseconds (integers
// above 1e11), ISO-8601 (yyyy-MM-dd'T'HH:mm:ss[.S][Z|±hh:mm]),
// yyyy-MM-dd HH:mm:ss[.S] and yyyy-MM-dd. Zone-less times are UTC.
type timestampParser struct {
	millis  bool
	layouts []string
}

func newTimestampParser(formats []string) (*timestampParser, error) {
	p := &timestampParser{}
	for _, f := range formats {
		if f == "millis" {
			p.millis = true
			continue
		}
		pat, err := process.CompilePattern(f)
		if err != nil {
			return nil, fmt.Errorf("timestamp format %q: %w", f, err)
		}
		layout, err := pat.GoLayout()
		if err != nil {
			return nil, fmt.Errorf("timestamp format %q: %w", f, err)
		}
		p.layouts = append(p.layouts, layout)
	}
	return p, nil
}

var defaultLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseNumber reads an epoch number given as JSON number text.
func (p *timestampParser) parseNumber(s string) (time.Time, error) {
	if !hasFraction(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			if p.millis || n > 1e11 || n < -1e11 {
				return time.UnixMilli(n).UTC(), nil
			}
			return time.Unix(n, 0).UTC(), nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return time.Time{}, fmt.Errorf("invalid epoch timestamp %q", s)
	}
	if p.millis {
		return time.UnixMilli(int64(f)).UTC(), nil
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6).UTC(), nil
}

// parseString reads a timestamp given as a JSON string.
func (p *timestampParser) parseString(s string) (time.Time, error) {
	if len(p.layouts) == 0 {
		if t, ok := parseISOFast(s); ok {
			return t, nil
		}
	}
	for _, l := range p.layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	if s != "" && (s[0] >= '0' && s[0] <= '9' || s[0] == '-') && strings.Trim(s, "0123456789.-") == "" && strings.Count(s, "-") <= 1 {
		return p.parseNumber(s)
	}
	for _, l := range defaultLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid timestamp %q", s)
}

func hasFraction(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '.' || c == 'e' || c == 'E' {
			return true
		}
	}
	return false
}

// parseISOFast reads the common yyyy-MM-ddTHH:mm:ss[.fraction]Z form (or
// with a space instead of T) without time.Parse.
func parseISOFast(s string) (time.Time, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	num := func(a, b int) (int, bool) {
		n := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 7)
	day, ok3 := num(8, 10)
	hour, ok4 := num(11, 13)
	minute, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	i, nanos := 19, 0
	if i < len(s) && s[i] == '.' {
		i++
		scale := 100000000
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			nanos += int(s[i]-'0') * scale
			scale /= 10
		}
	}
	if i == len(s) || (i == len(s)-1 && s[i] == 'Z') {
		t := time.Date(year, time.Month(month), day, hour, minute, sec, nanos, time.UTC)
		if t.Day() != day {
			return time.Time{}, false
		}
		return t, true
	}
	return time.Time{}, false
}
