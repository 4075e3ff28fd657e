package functions

import (
	"fmt"
	"sync"
	"time"

	"github.com/eddy-streaming/eddy/internal/sql/value"
)

var (
	patternMu    sync.Mutex
	patternCache = map[string]*value.Pattern{}
)

// CompilePattern compiles (and caches) a Java-style date-time pattern.
func CompilePattern(p string) (*value.Pattern, error) {
	patternMu.Lock()
	defer patternMu.Unlock()
	if c, ok := patternCache[p]; ok {
		return c, nil
	}
	c, err := value.CompilePattern(p)
	if err != nil {
		return nil, err
	}
	if len(patternCache) > 1000 {
		clear(patternCache)
	}
	patternCache[p] = c
	return c, nil
}

func toMillis(name string, v value.Value) (int64, error) {
	switch v.K {
	case value.Timestamp, value.Date:
		return v.I, nil
	case value.String:
		ms, err := value.ParseTimestamp(v.S)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		return ms, nil
	}
	return 0, argError(name, v, "a timestamp")
}

func init() {
	register(&Scalar{Name: "CURRENT_ROW_TIMESTAMP", Fn: func(c *Context, _ []value.Value) (value.Value, error) {
		return value.TimestampValue(c.Rowtime), nil
	}})
	now := func(c *Context, _ []value.Value) (value.Value, error) { return value.TimestampValue(c.Now), nil }
	register(&Scalar{Name: "CURRENT_TIMESTAMP", Fn: now})
	register(&Scalar{Name: "LOCALTIMESTAMP", Fn: now})
	register(&Scalar{Name: "CURRENT_DATE", Fn: func(c *Context, _ []value.Value) (value.Value, error) {
		return value.DateValue(value.FloorDiv(c.Now, 86400000) * 86400000), nil
	}})
	timeOfDay := func(c *Context, _ []value.Value) (value.Value, error) {
		return value.TimeValue(c.Now - value.FloorDiv(c.Now, 86400000)*86400000), nil
	}
	register(&Scalar{Name: "CURRENT_TIME", Fn: timeOfDay})
	register(&Scalar{Name: "LOCALTIME", Fn: timeOfDay})
	register(&Scalar{Name: "TSDIFF", MinArgs: 2, MaxArgs: 2, NullIn: true, Fn: func(_ *Context, a []value.Value) (value.Value, error) {
		x, err := toMillis("TSDIFF", a[0])
		if err != nil {
			return value.Value{}, err
		}
		y, err := toMillis("TSDIFF", a[1])
		if err != nil {
			return value.Value{}, err
		}
		return value.IntValue(x - y), nil
	}})
	register(&Scalar{Name: "UNIX_TIMESTAMP", MinArgs: 1, MaxArgs: 1, NullIn: true, Fn: func(_ *Context, a []value.Value) (value.Value, error) {
		ms, err := toMillis("UNIX_TIMESTAMP", a[0])
		if err != nil {
			return value.Value{}, err
		}
		return value.IntValue(ms), nil
	}})
	register(&Scalar{Name: "TO_TIMESTAMP", MinArgs: 1, MaxArgs: 1, NullIn: true, Fn: func(_ *Context, a []value.Value) (value.Value, error) {
		ms, err := toInt("TO_TIMESTAMP", a[0])
		if err != nil {
			return value.Value{}, err
		}
		return value.TimestampValue(ms), nil
	}})
	register(&Scalar{Name: "TIMESTAMP_TO_CHAR", MinArgs: 2, MaxArgs: 2, NullIn: true, Fn: func(_ *Context, a []value.Value) (value.Value, error) {
		f, err := toString("TIMESTAMP_TO_CHAR", a[0])
		if err != nil {
			return value.Value{}, err
		}
		ms, err := toMillis("TIMESTAMP_TO_CHAR", a[1])
		if err != nil {
			return value.Value{}, err
		}
		p, err := CompilePattern(f)
		if err != nil {
			return value.Value{}, fmt.Errorf("TIMESTAMP_TO_CHAR: %w", err)
		}
		return value.StringValue(p.Format(ms)), nil
	}})
	toChar := func(name string) *Scalar {
		return &Scalar{Name: name, MinArgs: 2, MaxArgs: 2, NullIn: true, Fn: func(c *Context, a []value.Value) (value.Value, error) {
			if a[1].K == value.Time {
				a = []value.Value{a[0], value.TimestampValue(a[1].I)}
			}
			return scalars["TIMESTAMP_TO_CHAR"].Fn(c, a)
		}}
	}
	register(toChar("DATE_TO_CHAR"))
	register(toChar("TIME_TO_CHAR"))
	charTo := func(name string, kind value.Kind) *Scalar {
		return &Scalar{Name: name, MinArgs: 2, MaxArgs: 2, NullIn: true, Fn: func(_ *Context, a []value.Value) (value.Value, error) {
			f, err := toString(name, a[0])
			if err != nil {
				return value.Value{}, err
			}
			s, err := toString(name, a[1])
			if err != nil {
				return value.Value{}, err
			}
			p, err := CompilePattern(f)
			if err != nil {
				return value.Value{}, fmt.Errorf("%s: %w", name, err)
			}
			ms, err := p.Parse(s)
			if err != nil {
				return value.Value{}, fmt.Errorf("%s: %w", name, err)
			}
			switch kind {
			case value.Date:
				return value.DateValue(value.FloorDiv(ms, 86400000) * 86400000), nil
			case value.Time:
				return value.TimeValue(ms - value.FloorDiv(ms, 86400000)*86400000), nil
			}
			return value.TimestampValue(ms), nil
		}}
	}
	register(charTo("CHAR_TO_TIMESTAMP", value.Timestamp))
	register(charTo("CHAR_TO_DATE", value.Date))
	register(charTo("CHAR_TO_TIME", value.Time))
}

// FloorTo truncates a time value to a unit (FLOOR(x TO unit)); ceil rounds
// up instead (CEIL(x TO unit)).
func FloorTo(v value.Value, unit string, ceil bool) (value.Value, error) {
	if v.IsNull() {
		return v, nil
	}
	if v.K == value.IntervalDT {
		step, ok := map[string]int64{"MILLISECOND": 1, "SECOND": 1000, "MINUTE": 60000, "HOUR": 3600000, "DAY": 86400000}[unit]
		if !ok {
			return value.Value{}, fmt.Errorf("FLOOR: cannot round a day-time interval to %s", unit)
		}
		f := value.FloorDiv(v.I, step) * step
		if ceil && f != v.I {
			f += step
		}
		v.I = f
		return v, nil
	}
	if v.K != value.Timestamp && v.K != value.Date && v.K != value.Time {
		return value.Value{}, argError("FLOOR", v, "a date-time or interval")
	}
	ms := v.I
	var step int64
	switch unit {
	case "SECOND":
		step = 1000
	case "MINUTE":
		step = 60000
	case "HOUR":
		step = 3600000
	case "DAY":
		step = 86400000
	case "MILLISECOND":
		return v, nil
	case "WEEK", "MONTH", "QUARTER", "YEAR":
		t := value.ToTime(ms)
		var f time.Time
		switch unit {
		case "WEEK":
			d := t.Truncate(24 * time.Hour)
			f = d.AddDate(0, 0, -int(d.Weekday()))
		case "MONTH":
			f = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		case "QUARTER":
			f = time.Date(t.Year(), t.Month()-(t.Month()-1)%3, 1, 0, 0, 0, 0, time.UTC)
		default:
			f = time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		}
		if ceil && !f.Equal(t) {
			switch unit {
			case "WEEK":
				f = f.AddDate(0, 0, 7)
			case "MONTH":
				f = f.AddDate(0, 1, 0)
			case "QUARTER":
				f = f.AddDate(0, 3, 0)
			default:
				f = f.AddDate(1, 0, 0)
			}
		}
		v.I = f.UnixMilli()
		return v, nil
	default:
		return value.Value{}, fmt.Errorf("FLOOR: unsupported unit %s", unit)
	}
	f := value.FloorDiv(ms, step) * step
	if ceil && f != ms {
		f += step
	}
	v.I = f
	return v, nil
}

// Step rounds x down to a multiple of the interval: STEP(x BY interval).
// For time values the multiples count from the epoch; for numbers from 0.
func Step(x, interval value.Value) (value.Value, error) {
	if x.IsNull() || interval.IsNull() {
		return value.Value{}, nil
	}
	switch x.K {
	case value.Timestamp, value.Date, value.Time:
		if interval.K != value.IntervalDT || interval.I <= 0 {
			return value.Value{}, fmt.Errorf("STEP: %s needs a positive day-time interval, got %s", x.K, interval.String())
		}
		x.I = value.FloorDiv(x.I, interval.I) * interval.I
		return x, nil
	case value.Int:
		n, err := toInt("STEP", interval)
		if err != nil || n <= 0 {
			return value.Value{}, fmt.Errorf("STEP: integer step needs a positive integer")
		}
		x.I = value.FloorDiv(x.I, n) * n
		return x, nil
	}
	return value.Value{}, argError("STEP", x, "a date-time or integer")
}

// Extract implements EXTRACT(unit FROM x).
func Extract(unit string, v value.Value) (value.Value, error) {
	if v.IsNull() {
		return v, nil
	}
	switch v.K {
	case value.IntervalDT:
		ms := v.I
		switch unit {
		case "DAY":
			return value.IntValue(ms / 86400000), nil
		case "HOUR":
			return value.IntValue(ms / 3600000 % 24), nil
		case "MINUTE":
			return value.IntValue(ms / 60000 % 60), nil
		case "SECOND":
			return value.IntValue(ms / 1000 % 60), nil
		case "MILLISECOND":
			return value.IntValue(ms % 1000), nil
		}
		return value.Value{}, fmt.Errorf("EXTRACT: cannot extract %s from an interval", unit)
	case value.Timestamp, value.Date, value.Time:
	default:
		return value.Value{}, argError("EXTRACT", v, "a date-time")
	}
	t := value.ToTime(v.I)
	switch unit {
	case "YEAR":
		return value.IntValue(int64(t.Year())), nil
	case "QUARTER":
		return value.IntValue(int64((t.Month()-1)/3 + 1)), nil
	case "MONTH":
		return value.IntValue(int64(t.Month())), nil
	case "WEEK":
		_, w := t.ISOWeek()
		return value.IntValue(int64(w)), nil
	case "DAY":
		return value.IntValue(int64(t.Day())), nil
	case "DOW":
		return value.IntValue(int64(t.Weekday()) + 1), nil
	case "DOY":
		return value.IntValue(int64(t.YearDay())), nil
	case "HOUR":
		return value.IntValue(int64(t.Hour())), nil
	case "MINUTE":
		return value.IntValue(int64(t.Minute())), nil
	case "SECOND":
		return value.IntValue(int64(t.Second())), nil
	case "MILLISECOND":
		return value.IntValue(int64(t.Nanosecond() / 1e6)), nil
	case "EPOCH":
		return value.IntValue(value.FloorDiv(v.I, 1000)), nil
	}
	return value.Value{}, fmt.Errorf("EXTRACT: unknown unit %s", unit)
}
