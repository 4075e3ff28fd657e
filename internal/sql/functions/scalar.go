// Package functions implements the KDA SQL scalar functions and the
// aggregate accumulators used by tumbling, stagger and sliding windows.
//
// Scalar functions are pure: they get their arguments (already evaluated)
// and a Context with the row's ROWTIME and the engine's current time, and
// return a value or an error (which the engine routes to error_stream).
// Special syntax forms (CAST, EXTRACT, FLOOR ... TO, STEP, SUBSTRING ...
// FROM, TRIM, POSITION, OVERLAY) are compiled by the planner into calls of
// the functions here.
package functions

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// Context is what a scalar function may read besides its arguments.
type Context struct {
	Rowtime int64 // ROWTIME of the row being evaluated (CURRENT_ROW_TIMESTAMP)
	Now     int64 // the engine's current time (watermark) for CURRENT_TIMESTAMP
}

// Scalar describes a scalar function.
type Scalar struct {
	Name    string
	MinArgs int
	MaxArgs int // -1: variadic
	// NullIn: the result is NULL when any argument is NULL (checked before Fn).
	NullIn bool
	Fn     func(ctx *Context, args []value.Value) (value.Value, error)
}

var scalars = map[string]*Scalar{}

func register(s *Scalar) { scalars[s.Name] = s }

// LookupScalar finds a scalar function by upper-case name.
func LookupScalar(name string) (*Scalar, bool) {
	s, ok := scalars[name]
	return s, ok
}

// ScalarNames lists the registered scalar functions (for docs tests).
func ScalarNames() []string {
	names := make([]string, 0, len(scalars))
	for n := range scalars {
		names = append(names, n)
	}
	return names
}

// ErrDivisionByZero is returned by / and MOD with a zero divisor.
var ErrDivisionByZero = errors.New("division by zero")

func argError(name string, v value.Value, want string) error {
	return fmt.Errorf("%s: argument %s %q is not %s", name, v.K, v.String(), want)
}

func num1(name string, f func(float64) float64) *Scalar {
	return &Scalar{Name: name, MinArgs: 1, MaxArgs: 1, NullIn: true, Fn: func(_ *Context, a []value.Value) (value.Value, error) {
		if !a[0].IsNumeric() {
			return value.Value{}, argError(name, a[0], "numeric")
		}
		r := f(a[0].AsFloat())
		if math.IsNaN(r) {
			return value.Value{}, fmt.Errorf("%s: invalid argument %s", name, a[0].String())
		}
		return value.FloatValue(r), nil
	}}
}

func toString(name string, v value.Value) (string, error) {
	switch v.K {
	case value.String:
		return v.S, nil
	case value.Int, value.Float, value.Decimal, value.Bool, value.Timestamp, value.Date, value.Time:
		return v.String(), nil
	}
	return "", argError(name, v, "a string")
}

func toInt(name string, v value.Value) (int64, error) {
	switch v.K {
	case value.Int:
		return v.I, nil
	case value.Float, value.Decimal:
		if v.F == math.Trunc(v.F) {
			return int64(v.F), nil
		}
	}
	return 0, argError(name, v, "an integer")
}

func init() {
	register(&Scalar{Name: "ABS", MinArgs: 1, MaxArgs: 1, NullIn: true, Fn: func(_ *Context, a []value.Value) (value.Value, error) {
		v := a[0]
		switch v.K {
		case value.Int:
			if v.I < 0 {
				v.I = -v.I
			}
			return v, nil
		case value.Float, value.Decimal:
			v.F = math.Abs(v.F)
			return v, nil
		case value.IntervalDT, value.IntervalYM:
			if v.I < 0 {
				v.I = -v.I
			}
			return v, nil
		}
		return value.Value{}, argError("ABS", v, "numeric")
	}})
	register(num1("EXP", math.Exp))
	register(num1("LN", func(x float64) float64 {
		if x <= 0 {
			return math.NaN()
		}
		return math.Log(x)
	}))
	register(num1("LOG10", func(x float64) float64 {
		if x <= 0 {
			return math.NaN()
		}
		return math.Log10(x)
	}))
	register(num1("SQRT", func(x float64) float64 {
		if x < 0 {
			return math.NaN()
		}
		return math.Sqrt(x)
	}))
	register(&Scalar{Name: "POWER", MinArgs: 2, MaxArgs: 2, NullIn: true, Fn: func(_ *Context, a []value.Value) (value.Value, error) {
		if !a[0].IsNumeric() || !a[1].IsNumeric() {
			return value.Value{}, argError("POWER", a[0], "numeric")
		}
		r := math.Pow(a[0].AsFloat(), a[1].AsFloat())
		if math.IsNaN(r) {
			return value.Value{}, fmt.Errorf("POWER: invalid arguments")
		}
		return value.FloatValue(r), nil
	}})
	register(&Scalar{Name: "MOD", MinArgs: 2, MaxArgs: 2, NullIn: true, Fn: func(_ *Context, a []value.Value) (value.Value, error) {
		x, err := toInt("MOD", a[0])
		if err != nil {
			return value.Value{}, err
		}
		y, err := toInt("MOD", a[1])
		if err != nil {
			return value.Value{}, err
		}
		if y == 0 {
			return value.Value{}, ErrDivisionByZero
		}
		return value.IntValue(x % y), nil
	}})
	roundLike := func(name string, f func(float64) float64) *Scalar {
		return &Scalar{Name: name, MinArgs: 1, MaxArgs: 2, NullIn: true, Fn: func(_ *Context, a []value.Value) (value.Value, error) {
			v := a[0]
			digits := int64(0)
			if len(a) == 2 {
				d, err := toInt(name, a[1])
				if err != nil {
					return value.Value{}, err
				}
				digits = d
			}
			switch v.K {
			case value.Int:
				if digits >= 0 {
					return v, nil
				}
				p := math.Pow10(int(-digits))
				return value.IntValue(int64(f(float64(v.I)/p) * p)), nil
			case value.Float, value.Decimal:
				p := math.Pow10(int(digits))
				v.F = f(v.F*p) / p
				return v, nil
			}
			return value.Value{}, argError(name, v, "numeric")
		}}
	}
	register(roundLike("ROUND", func(x float64) float64 { return math.Round(x) }))
	register(roundLike("TRUNCATE", math.Trunc))
	register(&Scalar{Name: "SIGN", MinArgs: 1, MaxArgs: 1, NullIn: true, Fn: func(_ *Context, a []value.Value) (value.Value, error) {
		if !a[0].IsNumeric() {
			return value.Value{}, argError("SIGN", a[0], "numeric")
		}
		f := a[0].AsFloat()
		switch {
		case f > 0:
			return value.IntValue(1), nil
		case f < 0:
			return value.IntValue(-1), nil
		}
		return value.IntValue(0), nil
	}})

	// Strings.
	register(&Scalar{Name: "CHAR_LENGTH", MinArgs: 1, MaxArgs: 1, NullIn: true, Fn: func(_ *Context, a []value.Value) (value.Value, error) {
		s, err := toString("CHAR_LENGTH", a[0])
		if err != nil {
			return value.Value{}, err
		}
		return value.IntValue(int64(utf8.RuneCountInString(s))), nil
	}})
	scalars["CHARACTER_LENGTH"] = scalars["CHAR_LENGTH"]
	register(&Scalar{Name: "UPPER", MinArgs: 1, MaxArgs: 1, NullIn: true, Fn: strFn("UPPER", strings.ToUpper)})
	register(&Scalar{Name: "LOWER", MinArgs: 1, MaxArgs: 1, NullIn: true, Fn: strFn("LOWER", strings.ToLower)})
	register(&Scalar{Name: "INITCAP", MinArgs: 1, MaxArgs: 1, NullIn: true, Fn: strFn("INITCAP", initcap)})
	register(&Scalar{Name: "LTRIM", MinArgs: 1, MaxArgs: 1, NullIn: true, Fn: strFn("LTRIM", func(s string) string { return strings.TrimLeft(s, " ") })})
	register(&Scalar{Name: "RTRIM", MinArgs: 1, MaxArgs: 1, NullIn: true, Fn: strFn("RTRIM", func(s string) string { return strings.TrimRight(s, " ") })})
	register(&Scalar{Name: "TRIM", MinArgs: 3, MaxArgs: 3, NullIn: true, Fn: trim})
	register(&Scalar{Name: "SUBSTRING", MinArgs: 2, MaxArgs: 3, NullIn: true, Fn: substring})
	register(&Scalar{Name: "POSITION", MinArgs: 2, MaxArgs: 2, NullIn: true, Fn: func(_ *Context, a []value.Value) (value.Value, error) {
		sub, err := toString("POSITION", a[0])
		if err != nil {
			return value.Value{}, err
		}
		s, err := toString("POSITION", a[1])
		if err != nil {
			return value.Value{}, err
		}
		i := strings.Index(s, sub)
		if i < 0 {
			return value.IntValue(0), nil
		}
		return value.IntValue(int64(utf8.RuneCountInString(s[:i]) + 1)), nil
	}})
	register(&Scalar{Name: "OVERLAY", MinArgs: 3, MaxArgs: 4, NullIn: true, Fn: overlay})
	register(&Scalar{Name: "REGEX_REPLACE", MinArgs: 5, MaxArgs: 5, NullIn: true, Fn: regexReplace})
	register(&Scalar{Name: "||", MinArgs: 2, MaxArgs: 2, NullIn: true, Fn: func(_ *Context, a []value.Value) (value.Value, error) {
		if a[0].K == value.Bytes && a[1].K == value.Bytes {
			return value.Value{K: value.Bytes, S: a[0].S + a[1].S}, nil
		}
		x, err := toString("||", a[0])
		if err != nil {
			return value.Value{}, err
		}
		y, err := toString("||", a[1])
		if err != nil {
			return value.Value{}, err
		}
		return value.StringValue(x + y), nil
	}})

	// Null functions.
	register(&Scalar{Name: "COALESCE", MinArgs: 1, MaxArgs: -1, Fn: func(_ *Context, a []value.Value) (value.Value, error) {
		for _, v := range a {
			if !v.IsNull() {
				return v, nil
			}
		}
		return value.Value{}, nil
	}})
	register(&Scalar{Name: "NULLIF", MinArgs: 2, MaxArgs: 2, Fn: func(_ *Context, a []value.Value) (value.Value, error) {
		if a[0].IsNull() || a[1].IsNull() {
			return a[0], nil
		}
		c, err := value.Compare(a[0], a[1])
		if err != nil {
			return value.Value{}, err
		}
		if c == 0 {
			return value.Value{}, nil
		}
		return a[0], nil
	}})
}

func strFn(name string, f func(string) string) func(*Context, []value.Value) (value.Value, error) {
	return func(_ *Context, a []value.Value) (value.Value, error) {
		s, err := toString(name, a[0])
		if err != nil {
			return value.Value{}, err
		}
		return value.StringValue(f(s)), nil
	}
}

func initcap(s string) string {
	var b strings.Builder
	start := true
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start {
				b.WriteRune(unicode.ToUpper(r))
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
			start = false
		} else {
			b.WriteRune(r)
			start = true
		}
	}
	return b.String()
}

// trim(where, chars, s): where is 'BOTH', 'LEADING' or 'TRAILING'.
func trim(_ *Context, a []value.Value) (value.Value, error) {
	chars, err := toString("TRIM", a[1])
	if err != nil {
		return value.Value{}, err
	}
	if utf8.RuneCountInString(chars) != 1 {
		return value.Value{}, fmt.Errorf("TRIM: the trim character must be a single character, got %q", chars)
	}
	s, err := toString("TRIM", a[2])
	if err != nil {
		return value.Value{}, err
	}
	switch a[0].S {
	case "LEADING":
		s = strings.TrimLeft(s, chars)
	case "TRAILING":
		s = strings.TrimRight(s, chars)
	default:
		s = strings.Trim(s, chars)
	}
	return value.StringValue(s), nil
}

func substring(_ *Context, a []value.Value) (value.Value, error) {
	s, err := toString("SUBSTRING", a[0])
	if err != nil {
		return value.Value{}, err
	}
	start, err := toInt("SUBSTRING", a[1])
	if err != nil {
		return value.Value{}, err
	}
	runes := []rune(s)
	end := int64(len(runes)) + 1
	if len(a) == 3 {
		n, err := toInt("SUBSTRING", a[2])
		if err != nil {
			return value.Value{}, err
		}
		if n < 0 {
			return value.Value{}, fmt.Errorf("SUBSTRING: negative length %d", n)
		}
		end = start + n
	}
	if start < 1 {
		start = 1
	}
	if end > int64(len(runes))+1 {
		end = int64(len(runes)) + 1
	}
	if start >= end {
		return value.StringValue(""), nil
	}
	return value.StringValue(string(runes[start-1 : end-1])), nil
}

func overlay(_ *Context, a []value.Value) (value.Value, error) {
	s, err := toString("OVERLAY", a[0])
	if err != nil {
		return value.Value{}, err
	}
	r, err := toString("OVERLAY", a[1])
	if err != nil {
		return value.Value{}, err
	}
	start, err := toInt("OVERLAY", a[2])
	if err != nil {
		return value.Value{}, err
	}
	runes := []rune(s)
	n := int64(utf8.RuneCountInString(r))
	if len(a) == 4 {
		if n, err = toInt("OVERLAY", a[3]); err != nil {
			return value.Value{}, err
		}
	}
	if start < 1 || n < 0 {
		return value.Value{}, fmt.Errorf("OVERLAY: invalid position %d or length %d", start, n)
	}
	from := min(start-1, int64(len(runes)))
	to := min(from+n, int64(len(runes)))
	return value.StringValue(string(runes[:from]) + r + string(runes[to:])), nil
}

var (
	regexMu    sync.Mutex
	regexCache = map[string]*regexp.Regexp{}
)

// CompileRegex compiles (and caches) a Java-style regular expression.
func CompileRegex(pattern string) (*regexp.Regexp, error) {
	regexMu.Lock()
	defer regexMu.Unlock()
	if re, ok := regexCache[pattern]; ok {
		return re, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %w", pattern, err)
	}
	if len(regexCache) > 1000 {
		clear(regexCache)
	}
	regexCache[pattern] = re
	return re, nil
}

// REGEX_REPLACE(original, regex, replacement, startPosition, occurrence):
// occurrence 0 replaces every match from startPosition (1-based).
func regexReplace(_ *Context, a []value.Value) (value.Value, error) {
	s, err := toString("REGEX_REPLACE", a[0])
	if err != nil {
		return value.Value{}, err
	}
	pat, err := toString("REGEX_REPLACE", a[1])
	if err != nil {
		return value.Value{}, err
	}
	repl, err := toString("REGEX_REPLACE", a[2])
	if err != nil {
		return value.Value{}, err
	}
	start, err := toInt("REGEX_REPLACE", a[3])
	if err != nil {
		return value.Value{}, err
	}
	occ, err := toInt("REGEX_REPLACE", a[4])
	if err != nil {
		return value.Value{}, err
	}
	if start < 1 || occ < 0 {
		return value.Value{}, fmt.Errorf("REGEX_REPLACE: invalid start position %d or occurrence %d", start, occ)
	}
	re, err := CompileRegex(pat)
	if err != nil {
		return value.Value{}, err
	}
	runes := []rune(s)
	if start > int64(len(runes))+1 {
		return value.StringValue(s), nil
	}
	head, tail := string(runes[:start-1]), string(runes[start-1:])
	// Java replacement syntax uses $1 like Go's; \$ escapes.
	repl = strings.ReplaceAll(repl, `\$`, `$$`)
	if occ == 0 {
		return value.StringValue(head + re.ReplaceAllString(tail, repl)), nil
	}
	matches := re.FindAllStringSubmatchIndex(tail, -1)
	if int64(len(matches)) < occ {
		return value.StringValue(s), nil
	}
	m := matches[occ-1]
	var out []byte
	out = re.ExpandString(out, repl, tail, m)
	return value.StringValue(head + tail[:m[0]] + string(out) + tail[m[1]:]), nil
}

// LookupScalarMust returns a registered function; it panics if the name is
// unknown (only for names this package registers).
func LookupScalarMust(name string) *Scalar {
	s, ok := scalars[name]
	if !ok {
		panic("functions: no scalar " + name)
	}
	return s
}

func init() {
	register(num1Int("FLOOR", math.Floor))
	register(num1Int("CEIL", math.Ceil))
	scalars["CEILING"] = scalars["CEIL"]
}

// num1Int is FLOOR/CEIL on numbers: integers stay integers.
func num1Int(name string, f func(float64) float64) *Scalar {
	return &Scalar{Name: name, MinArgs: 1, MaxArgs: 1, NullIn: true, Fn: func(_ *Context, a []value.Value) (value.Value, error) {
		v := a[0]
		switch v.K {
		case value.Int:
			return v, nil
		case value.Float, value.Decimal:
			v.F = f(v.F)
			return v, nil
		}
		return value.Value{}, argError(name, v, "numeric")
	}}
}
