package functions

import (
	"fmt"
	"math"

	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// Accumulator folds the values of one group (or one window frame).
type Accumulator interface {
	// Add folds in the value of one row (NULL for COUNT(*) rows is passed
	// as a non-null marker by the caller).
	Add(v value.Value, rowtime int64)
	// Result returns the aggregate of the values folded in so far.
	Result() value.Value
	// Save and Load write and read the accumulator's state for checkpoints.
	Save(e *value.Encoder)
	Load(d *value.Decoder)
}

// Remover is implemented by accumulators that can take a value back out
// (sliding windows then update in O(1) instead of recomputing).
type Remover interface {
	Remove(v value.Value, rowtime int64)
}

// AggregateDef describes an aggregate function.
type AggregateDef struct {
	Name    string
	MinArgs int
	MaxArgs int
	// New makes an empty accumulator. params are the constant arguments
	// after the first (EXP_AVG's half-life interval).
	New func(params []value.Value) (Accumulator, error)
}

var aggregates = map[string]*AggregateDef{}

// LookupAggregate finds an aggregate by upper-case name.
func LookupAggregate(name string) (*AggregateDef, bool) {
	a, ok := aggregates[name]
	return a, ok
}

// AggregateNames lists the registered aggregates.
func AggregateNames() []string {
	names := make([]string, 0, len(aggregates))
	for n := range aggregates {
		names = append(names, n)
	}
	return names
}

func simple(name string, mk func() Accumulator) {
	aggregates[name] = &AggregateDef{Name: name, MinArgs: 1, MaxArgs: 1, New: func([]value.Value) (Accumulator, error) { return mk(), nil }}
}

func init() {
	simple("COUNT", func() Accumulator { return &countAcc{} })
	simple("SUM", func() Accumulator { return &sumAcc{} })
	simple("AVG", func() Accumulator { return &sumAcc{avg: true} })
	simple("MIN", func() Accumulator { return &extremeAcc{sign: -1} })
	simple("MAX", func() Accumulator { return &extremeAcc{sign: 1} })
	simple("FIRST_VALUE", func() Accumulator { return &edgeAcc{} })
	simple("LAST_VALUE", func() Accumulator { return &edgeAcc{last: true} })
	simple("VAR_POP", func() Accumulator { return &varAcc{kind: varPop} })
	simple("VAR_SAMP", func() Accumulator { return &varAcc{kind: varSamp} })
	simple("STDDEV_POP", func() Accumulator { return &varAcc{kind: stddevPop} })
	simple("STDDEV_SAMP", func() Accumulator { return &varAcc{kind: stddevSamp} })
	simple("STDDEV", func() Accumulator { return &varAcc{kind: stddevSamp} })
	simple("VARIANCE", func() Accumulator { return &varAcc{kind: varSamp} })
	simple("ANY", func() Accumulator { return &boolAcc{} })
	simple("SOME", func() Accumulator { return &boolAcc{} })
	simple("EVERY", func() Accumulator { return &boolAcc{every: true} })
	aggregates["EXP_AVG"] = &AggregateDef{Name: "EXP_AVG", MinArgs: 2, MaxArgs: 2, New: func(p []value.Value) (Accumulator, error) {
		if len(p) != 1 || p[0].K != value.IntervalDT || p[0].I <= 0 {
			return nil, fmt.Errorf("EXP_AVG needs a positive day-time interval as its half-life")
		}
		return &expAvgAcc{halfLife: float64(p[0].I)}, nil
	}}
}

// NewDistinct wraps an accumulator so each distinct value is folded once
// (COUNT(DISTINCT x), SUM(DISTINCT x) ...). Values are reference-counted so
// sliding windows can remove them.
func NewDistinct(inner Accumulator) Accumulator {
	return &distinctAcc{inner: inner, counts: map[string]int{}}
}

type countAcc struct{ n int64 }

func (a *countAcc) Add(v value.Value, _ int64) {
	if !v.IsNull() {
		a.n++
	}
}
func (a *countAcc) Remove(v value.Value, _ int64) {
	if !v.IsNull() {
		a.n--
	}
}
func (a *countAcc) Result() value.Value   { return value.IntValue(a.n) }
func (a *countAcc) Save(e *value.Encoder) { e.Varint(a.n) }
func (a *countAcc) Load(d *value.Decoder) { a.n = d.Varint() }

// sumAcc keeps an exact integer sum while every input is an integer, and
// a float sum otherwise. AVG of integers is an integer (truncated), as in
// KDA, whose AVG returns the type of its argument.
type sumAcc struct {
	avg      bool
	n        int64
	isum     int64
	fsum     float64
	floating bool
	decimal  bool
}

func (a *sumAcc) Add(v value.Value, _ int64) {
	switch v.K {
	case value.Null:
		return
	case value.Int:
		a.isum += v.I
	case value.Float:
		a.floating = true
		a.fsum += v.F
	case value.Decimal:
		a.decimal = true
		a.fsum += v.F
	default:
		a.floating = true
		a.fsum += v.AsFloat()
	}
	a.n++
}

func (a *sumAcc) Remove(v value.Value, _ int64) {
	switch v.K {
	case value.Null:
		return
	case value.Int:
		a.isum -= v.I
	default:
		a.fsum -= v.AsFloat()
	}
	a.n--
}

func (a *sumAcc) Result() value.Value {
	if a.n == 0 {
		return value.Value{}
	}
	if !a.floating && !a.decimal {
		if a.avg {
			return value.IntValue(a.isum / a.n)
		}
		return value.IntValue(a.isum)
	}
	s := a.fsum + float64(a.isum)
	if a.avg {
		s /= float64(a.n)
	}
	if a.floating {
		return value.FloatValue(s)
	}
	return value.DecimalValue(s)
}

func (a *sumAcc) Save(e *value.Encoder) {
	e.Varint(a.n)
	e.Varint(a.isum)
	e.Float(a.fsum)
	e.Bool(a.floating)
	e.Bool(a.decimal)
}

func (a *sumAcc) Load(d *value.Decoder) {
	a.n, a.isum, a.fsum = d.Varint(), d.Varint(), d.Float()
	a.floating, a.decimal = d.Bool(), d.Bool()
}

type extremeAcc struct {
	sign int
	best value.Value
}

func (a *extremeAcc) Add(v value.Value, _ int64) {
	if v.IsNull() {
		return
	}
	if a.best.IsNull() {
		a.best = v
		return
	}
	if c, err := value.Compare(v, a.best); err == nil && c*a.sign > 0 {
		a.best = v
	}
}
func (a *extremeAcc) Result() value.Value   { return a.best }
func (a *extremeAcc) Save(e *value.Encoder) { e.Value(a.best) }
func (a *extremeAcc) Load(d *value.Decoder) { a.best = d.Value() }

type edgeAcc struct {
	last bool
	seen bool
	v    value.Value
}

func (a *edgeAcc) Add(v value.Value, _ int64) {
	if !a.seen || a.last {
		a.v, a.seen = v, true
	}
}
func (a *edgeAcc) Result() value.Value { return a.v }
func (a *edgeAcc) Save(e *value.Encoder) {
	e.Bool(a.seen)
	e.Value(a.v)
}
func (a *edgeAcc) Load(d *value.Decoder) { a.seen, a.v = d.Bool(), d.Value() }

const (
	varPop = iota
	varSamp
	stddevPop
	stddevSamp
)

type varAcc struct {
	kind       int
	n          int64
	sum, sumSq float64
}

func (a *varAcc) Add(v value.Value, _ int64) {
	if v.IsNull() {
		return
	}
	x := v.AsFloat()
	a.n++
	a.sum += x
	a.sumSq += x * x
}

func (a *varAcc) Remove(v value.Value, _ int64) {
	if v.IsNull() {
		return
	}
	x := v.AsFloat()
	a.n--
	a.sum -= x
	a.sumSq -= x * x
}

func (a *varAcc) Result() value.Value {
	n := float64(a.n)
	div := n
	if a.kind == varSamp || a.kind == stddevSamp {
		div = n - 1
	}
	if a.n == 0 || div <= 0 {
		return value.Value{}
	}
	variance := (a.sumSq - a.sum*a.sum/n) / div
	if variance < 0 {
		variance = 0
	}
	if a.kind == stddevPop || a.kind == stddevSamp {
		return value.FloatValue(math.Sqrt(variance))
	}
	return value.FloatValue(variance)
}

func (a *varAcc) Save(e *value.Encoder) {
	e.Varint(a.n)
	e.Float(a.sum)
	e.Float(a.sumSq)
}
func (a *varAcc) Load(d *value.Decoder) { a.n, a.sum, a.sumSq = d.Varint(), d.Float(), d.Float() }

type boolAcc struct {
	every         bool
	trues, falses int64
}

func (a *boolAcc) Add(v value.Value, _ int64) {
	if v.K != value.Bool {
		return
	}
	if v.I != 0 {
		a.trues++
	} else {
		a.falses++
	}
}

func (a *boolAcc) Remove(v value.Value, _ int64) {
	if v.K != value.Bool {
		return
	}
	if v.I != 0 {
		a.trues--
	} else {
		a.falses--
	}
}

func (a *boolAcc) Result() value.Value {
	if a.trues+a.falses == 0 {
		return value.Value{}
	}
	if a.every {
		return value.BoolValue(a.falses == 0)
	}
	return value.BoolValue(a.trues > 0)
}
func (a *boolAcc) Save(e *value.Encoder) {
	e.Varint(a.trues)
	e.Varint(a.falses)
}
func (a *boolAcc) Load(d *value.Decoder) { a.trues, a.falses = d.Varint(), d.Varint() }

// expAvgAcc is an exponentially weighted average whose weights halve every
// halfLife milliseconds of ROWTIME.
type expAvgAcc struct {
	halfLife float64
	num, den float64
	last     int64
	seen     bool
}

func (a *expAvgAcc) Add(v value.Value, rowtime int64) {
	if v.IsNull() {
		return
	}
	if a.seen {
		decay := math.Exp2(-float64(rowtime-a.last) / a.halfLife)
		a.num *= decay
		a.den *= decay
	}
	a.num += v.AsFloat()
	a.den++
	a.last, a.seen = rowtime, true
}

func (a *expAvgAcc) Result() value.Value {
	if a.den == 0 {
		return value.Value{}
	}
	return value.FloatValue(a.num / a.den)
}

func (a *expAvgAcc) Save(e *value.Encoder) {
	e.Float(a.num)
	e.Float(a.den)
	e.Varint(a.last)
	e.Bool(a.seen)
}
func (a *expAvgAcc) Load(d *value.Decoder) {
	a.num, a.den, a.last, a.seen = d.Float(), d.Float(), d.Varint(), d.Bool()
}

type distinctAcc struct {
	inner  Accumulator
	counts map[string]int
	key    []byte
}

func (a *distinctAcc) Add(v value.Value, rowtime int64) {
	if v.IsNull() {
		return
	}
	a.key = value.AppendKey(a.key[:0], v)
	a.counts[string(a.key)]++
	if a.counts[string(a.key)] == 1 {
		a.inner.Add(v, rowtime)
	}
}

func (a *distinctAcc) Remove(v value.Value, rowtime int64) {
	if v.IsNull() {
		return
	}
	a.key = value.AppendKey(a.key[:0], v)
	k := string(a.key)
	a.counts[k]--
	if a.counts[k] <= 0 {
		delete(a.counts, k)
		if r, ok := a.inner.(Remover); ok {
			r.Remove(v, rowtime)
		}
	}
}

func (a *distinctAcc) Result() value.Value { return a.inner.Result() }

// Save writes the inner state and the distinct keys (sorted, so equal
// states encode alike).
func (a *distinctAcc) Save(e *value.Encoder) {
	a.inner.Save(e)
	keys := sortedKeys(a.counts)
	e.Uvarint(uint64(len(keys)))
	for _, k := range keys {
		e.String(k)
		e.Uvarint(uint64(a.counts[k]))
	}
}

func (a *distinctAcc) Load(d *value.Decoder) {
	a.inner.Load(d)
	n := d.Len()
	a.counts = make(map[string]int, n)
	for range n {
		k := d.String()
		a.counts[k] = int(d.Uvarint())
	}
}
