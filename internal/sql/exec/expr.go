package exec

import (
	"fmt"
	"math"
	"regexp"
	"time"

	"github.com/eddy-streaming/eddy/internal/sql/functions"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// expr is a compiled expression evaluated against a row layout.
type expr interface {
	eval(g *Graph, rt int64, row []value.Value) (value.Value, error)
}

type colExpr struct{ idx int }

func (e colExpr) eval(_ *Graph, _ int64, row []value.Value) (value.Value, error) {
	return row[e.idx], nil
}

// rowtimeExpr is the current row's ROWTIME.
type rowtimeExpr struct{}

func (rowtimeExpr) eval(_ *Graph, rt int64, _ []value.Value) (value.Value, error) {
	return value.TimestampValue(rt), nil
}

type constExpr struct{ v value.Value }

func (e constExpr) eval(*Graph, int64, []value.Value) (value.Value, error) { return e.v, nil }

type notExpr struct{ x expr }

func (e notExpr) eval(g *Graph, rt int64, row []value.Value) (value.Value, error) {
	v, err := e.x.eval(g, rt, row)
	if err != nil || v.IsNull() {
		return value.Value{}, err
	}
	if v.K != value.Bool {
		return value.Value{}, fmt.Errorf("NOT of a %s", v.K)
	}
	return value.BoolValue(v.I == 0), nil
}

type negExpr struct{ x expr }

func (e negExpr) eval(g *Graph, rt int64, row []value.Value) (value.Value, error) {
	v, err := e.x.eval(g, rt, row)
	if err != nil || v.IsNull() {
		return value.Value{}, err
	}
	switch v.K {
	case value.Int, value.IntervalDT, value.IntervalYM:
		v.I = -v.I
	case value.Float, value.Decimal:
		v.F = -v.F
	default:
		return value.Value{}, fmt.Errorf("cannot negate a %s", v.K)
	}
	return v, nil
}

// andExpr and orExpr use SQL's three-valued logic.
type andExpr struct{ l, r expr }

func (e andExpr) eval(g *Graph, rt int64, row []value.Value) (value.Value, error) {
	l, err := e.l.eval(g, rt, row)
	if err != nil {
		return l, err
	}
	if l.K == value.Bool && l.I == 0 {
		return l, nil
	}
	r, err := e.r.eval(g, rt, row)
	if err != nil {
		return r, err
	}
	if r.K == value.Bool && r.I == 0 {
		return r, nil
	}
	if l.IsNull() || r.IsNull() {
		return value.Value{}, nil
	}
	return value.BoolValue(true), nil
}

type orExpr struct{ l, r expr }

func (e orExpr) eval(g *Graph, rt int64, row []value.Value) (value.Value, error) {
	l, err := e.l.eval(g, rt, row)
	if err != nil {
		return l, err
	}
	if l.Truthy() {
		return l, nil
	}
	r, err := e.r.eval(g, rt, row)
	if err != nil {
		return r, err
	}
	if r.Truthy() {
		return r, nil
	}
	if l.IsNull() || r.IsNull() {
		return value.Value{}, nil
	}
	return value.BoolValue(false), nil
}

type cmpExpr struct {
	op   string
	l, r expr
}

func (e cmpExpr) eval(g *Graph, rt int64, row []value.Value) (value.Value, error) {
	l, err := e.l.eval(g, rt, row)
	if err != nil {
		return l, err
	}
	r, err := e.r.eval(g, rt, row)
	if err != nil {
		return r, err
	}
	if l.IsNull() || r.IsNull() {
		return value.Value{}, nil
	}
	c, err := value.Compare(l, r)
	if err != nil {
		return value.Value{}, err
	}
	return value.BoolValue(cmpHolds(e.op, c)), nil
}

func cmpHolds(op string, c int) bool {
	switch op {
	case "=":
		return c == 0
	case "<>":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}

type arithExpr struct {
	op   string
	l, r expr
}

func (e arithExpr) eval(g *Graph, rt int64, row []value.Value) (value.Value, error) {
	l, err := e.l.eval(g, rt, row)
	if err != nil {
		return l, err
	}
	r, err := e.r.eval(g, rt, row)
	if err != nil {
		return r, err
	}
	if l.IsNull() || r.IsNull() {
		return value.Value{}, nil
	}
	return arith(e.op, l, r)
}

func arith(op string, l, r value.Value) (value.Value, error) {
	switch {
	case l.K == value.Int && r.K == value.Int:
		switch op {
		case "+":
			return value.IntValue(l.I + r.I), nil
		case "-":
			return value.IntValue(l.I - r.I), nil
		case "*":
			return value.IntValue(l.I * r.I), nil
		case "/", "%":
			if r.I == 0 {
				return value.Value{}, functions.ErrDivisionByZero
			}
			if op == "%" {
				return value.IntValue(l.I % r.I), nil
			}
			return value.IntValue(l.I / r.I), nil
		}
	case l.IsNumeric() && r.IsNumeric():
		x, y := l.AsFloat(), r.AsFloat()
		var f float64
		switch op {
		case "+":
			f = x + y
		case "-":
			f = x - y
		case "*":
			f = x * y
		case "/":
			if y == 0 {
				return value.Value{}, functions.ErrDivisionByZero
			}
			f = x / y
		case "%":
			if y == 0 {
				return value.Value{}, functions.ErrDivisionByZero
			}
			f = math.Mod(x, y)
		}
		if l.K == value.Float || r.K == value.Float {
			return value.FloatValue(f), nil
		}
		return value.DecimalValue(f), nil
	case (l.K == value.Timestamp || l.K == value.Date) && (r.K == value.IntervalDT || r.K == value.IntervalYM) && (op == "+" || op == "-"):
		return addInterval(l, r, op == "-"), nil
	case (l.K == value.IntervalDT || l.K == value.IntervalYM) && (r.K == value.Timestamp || r.K == value.Date) && op == "+":
		return addInterval(r, l, false), nil
	case l.K == value.Timestamp && r.K == value.Timestamp && op == "-",
		l.K == value.Date && r.K == value.Date && op == "-":
		return value.IntervalValue(l.I - r.I), nil
	case l.K == r.K && (l.K == value.IntervalDT || l.K == value.IntervalYM) && (op == "+" || op == "-"):
		if op == "-" {
			r.I = -r.I
		}
		return value.Value{K: l.K, I: l.I + r.I}, nil
	case (l.K == value.IntervalDT || l.K == value.IntervalYM) && r.IsNumeric() && (op == "*" || op == "/"):
		f := r.AsFloat()
		if op == "/" {
			if f == 0 {
				return value.Value{}, functions.ErrDivisionByZero
			}
			if r.K == value.Int {
				return value.Value{K: l.K, I: value.FloorDiv(l.I, r.I)}, nil
			}
			// Dividing rounds down to the millisecond, so FLOOR(i / n TO u)
			// never moves a value across a boundary.
			return value.Value{K: l.K, I: int64(math.Floor(float64(l.I) / f))}, nil
		}
		return value.Value{K: l.K, I: int64(math.Round(float64(l.I) * f))}, nil
	case l.IsNumeric() && (r.K == value.IntervalDT || r.K == value.IntervalYM) && op == "*":
		return value.Value{K: r.K, I: int64(math.Round(float64(r.I) * l.AsFloat()))}, nil
	}
	return value.Value{}, fmt.Errorf("cannot compute %s %s %s", l.K, op, r.K)
}

func addInterval(t, iv value.Value, negate bool) value.Value {
	n := iv.I
	if negate {
		n = -n
	}
	if iv.K == value.IntervalYM {
		tt := value.ToTime(t.I).AddDate(0, int(n), 0)
		return value.TimestampValue(tt.UnixMilli())
	}
	return value.TimestampValue(t.I + n)
}

// qualifyExpr is (x) unit: the difference of two datetimes as a day-time
// interval (intervals pass through).
type qualifyExpr struct{ x expr }

func (e qualifyExpr) eval(g *Graph, rt int64, row []value.Value) (value.Value, error) {
	v, err := e.x.eval(g, rt, row)
	if err != nil || v.IsNull() {
		return value.Value{}, err
	}
	if v.K != value.IntervalDT {
		return value.Value{}, fmt.Errorf("an interval qualifier needs a datetime difference, got %s", v.K)
	}
	return v, nil
}

type isExpr struct {
	x    expr
	not  bool
	what string
}

func (e isExpr) eval(g *Graph, rt int64, row []value.Value) (value.Value, error) {
	v, err := e.x.eval(g, rt, row)
	if err != nil {
		return v, err
	}
	var holds bool
	switch e.what {
	case "NULL", "UNKNOWN":
		holds = v.IsNull()
	case "TRUE":
		holds = v.K == value.Bool && v.I != 0
	case "FALSE":
		holds = v.K == value.Bool && v.I == 0
	}
	return value.BoolValue(holds != e.not), nil
}

type betweenExpr struct {
	x, lo, hi expr
	not       bool
}

func (e betweenExpr) eval(g *Graph, rt int64, row []value.Value) (value.Value, error) {
	ge, err := cmpExpr{op: ">=", l: e.x, r: e.lo}.eval(g, rt, row)
	if err != nil {
		return ge, err
	}
	le, err := cmpExpr{op: "<=", l: e.x, r: e.hi}.eval(g, rt, row)
	if err != nil {
		return le, err
	}
	v, err := andExpr{l: constExpr{ge}, r: constExpr{le}}.eval(g, rt, row)
	if err != nil || !e.not {
		return v, err
	}
	return notExpr{constExpr{v}}.eval(g, rt, row)
}

type inExpr struct {
	x    expr
	list []expr
	not  bool
}

func (e inExpr) eval(g *Graph, rt int64, row []value.Value) (value.Value, error) {
	x, err := e.x.eval(g, rt, row)
	if err != nil || x.IsNull() {
		return value.Value{}, err
	}
	sawNull := false
	for _, it := range e.list {
		v, err := it.eval(g, rt, row)
		if err != nil {
			return v, err
		}
		if v.IsNull() {
			sawNull = true
			continue
		}
		c, err := value.Compare(x, v)
		if err != nil {
			return value.Value{}, err
		}
		if c == 0 {
			return value.BoolValue(!e.not), nil
		}
	}
	if sawNull {
		return value.Value{}, nil
	}
	return value.BoolValue(e.not), nil
}

type caseExpr struct {
	operand expr
	conds   []expr
	thens   []expr
	els     expr
}

func (e caseExpr) eval(g *Graph, rt int64, row []value.Value) (value.Value, error) {
	var op value.Value
	if e.operand != nil {
		var err error
		if op, err = e.operand.eval(g, rt, row); err != nil {
			return op, err
		}
	}
	for i, c := range e.conds {
		v, err := c.eval(g, rt, row)
		if err != nil {
			return v, err
		}
		hit := false
		if e.operand != nil {
			if !op.IsNull() && !v.IsNull() {
				cmp, err := value.Compare(op, v)
				if err != nil {
					return value.Value{}, err
				}
				hit = cmp == 0
			}
		} else {
			hit = v.Truthy()
		}
		if hit {
			return e.thens[i].eval(g, rt, row)
		}
	}
	if e.els != nil {
		return e.els.eval(g, rt, row)
	}
	return value.Value{}, nil
}

type castExpr struct {
	x   expr
	typ value.Type
}

func (e castExpr) eval(g *Graph, rt int64, row []value.Value) (value.Value, error) {
	v, err := e.x.eval(g, rt, row)
	if err != nil {
		return v, err
	}
	return value.Cast(v, e.typ)
}

type callExpr struct {
	fn   *functions.Scalar
	args []expr
}

func (e callExpr) eval(g *Graph, rt int64, row []value.Value) (value.Value, error) {
	var buf [4]value.Value
	args := buf[:0]
	for _, a := range e.args {
		v, err := a.eval(g, rt, row)
		if err != nil {
			return v, err
		}
		if v.IsNull() && e.fn.NullIn {
			return value.Value{}, nil
		}
		args = append(args, v)
	}
	g.fctx.Rowtime = rt
	return e.fn.Fn(&g.fctx, args)
}

type floorToExpr struct {
	x    expr
	unit string
	ceil bool
}

func (e floorToExpr) eval(g *Graph, rt int64, row []value.Value) (value.Value, error) {
	v, err := e.x.eval(g, rt, row)
	if err != nil {
		return v, err
	}
	if v.IsNumeric() {
		if e.ceil {
			return functions.LookupScalarMust("CEIL").Fn(&g.fctx, []value.Value{v})
		}
		return functions.LookupScalarMust("FLOOR").Fn(&g.fctx, []value.Value{v})
	}
	return functions.FloorTo(v, e.unit, e.ceil)
}

type stepExpr struct{ x, iv expr }

func (e stepExpr) eval(g *Graph, rt int64, row []value.Value) (value.Value, error) {
	x, err := e.x.eval(g, rt, row)
	if err != nil {
		return x, err
	}
	iv, err := e.iv.eval(g, rt, row)
	if err != nil {
		return iv, err
	}
	return functions.Step(x, iv)
}

type extractExpr struct {
	unit string
	x    expr
}

func (e extractExpr) eval(g *Graph, rt int64, row []value.Value) (value.Value, error) {
	v, err := e.x.eval(g, rt, row)
	if err != nil {
		return v, err
	}
	return functions.Extract(e.unit, v)
}

// likeExpr matches LIKE and SIMILAR TO patterns. A constant pattern is
// compiled once; others are compiled per row (through a small cache).
type likeExpr struct {
	x, pattern, escape expr
	not, similar       bool
	re                 *regexp.Regexp
}

func (e likeExpr) eval(g *Graph, rt int64, row []value.Value) (value.Value, error) {
	x, err := e.x.eval(g, rt, row)
	if err != nil || x.IsNull() {
		return value.Value{}, err
	}
	re := e.re
	if re == nil {
		p, err := e.pattern.eval(g, rt, row)
		if err != nil || p.IsNull() {
			return value.Value{}, err
		}
		esc := value.Value{}
		if e.escape != nil {
			if esc, err = e.escape.eval(g, rt, row); err != nil {
				return esc, err
			}
		}
		if re, err = compileLike(p.String(), esc, e.similar); err != nil {
			return value.Value{}, err
		}
	}
	s := x.S
	if x.K != value.String {
		s = x.String()
	}
	return value.BoolValue(re.MatchString(s) != e.not), nil
}

var _ = time.Millisecond
