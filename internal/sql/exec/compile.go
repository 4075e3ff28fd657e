package exec

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/eddy-streaming/eddy/internal/sql/functions"
	"github.com/eddy-streaming/eddy/internal/sql/parser"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// scopeCol is a column visible to expressions: where it sits in the row.
type scopeCol struct {
	qual    string
	name    string
	idx     int
	typ     value.Type
	rowtime bool
}

// scope is the row layout an operator's expressions are compiled against.
type scope struct {
	cols  []scopeCol
	width int
}

// add appends columns of a source (ROWTIME first) under a qualifier.
func (s *scope) addSource(qual string, cols []Column) {
	base := s.width
	s.cols = append(s.cols, scopeCol{qual: qual, name: "ROWTIME", idx: base, rowtime: true,
		typ: value.Type{Name: "TIMESTAMP", Kind: value.Timestamp}})
	for i, c := range cols {
		s.cols = append(s.cols, scopeCol{qual: qual, name: c.Name, idx: base + 1 + i, typ: c.Type})
	}
	s.width = base + 1 + len(cols)
}

func (s *scope) resolve(ref *parser.ColumnRef) (scopeCol, error) {
	var found []scopeCol
	for _, c := range s.cols {
		if c.name != ref.Name.Name {
			continue
		}
		if ref.Qualifier != nil && c.qual != ref.Qualifier.Name {
			continue
		}
		found = append(found, c)
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		if found[0].rowtime && ref.Qualifier == nil {
			return found[0], nil
		}
		return scopeCol{}, planErrorf(ref.Position(), "column %s is ambiguous", parser.ExprString(ref))
	}
	if ref.Qualifier != nil {
		known := false
		for _, c := range s.cols {
			known = known || c.qual == ref.Qualifier.Name
		}
		if !known {
			return scopeCol{}, planErrorf(ref.Position(), "unknown stream or alias %s", parser.IdentString(*ref.Qualifier))
		}
	}
	return scopeCol{}, planErrorf(ref.Position(), "unknown column %s", parser.ExprString(ref))
}

// groupMatch is a GROUP BY (or PARTITION BY) expression and where its value
// sits in the post-aggregation row.
type groupMatch struct {
	text string
	col  int // resolved input column for a plain column reference, or -1
	out  int
}

// compiler compiles AST expressions against a scope.
type compiler struct {
	g       *Graph
	sc      *scope
	replace map[parser.Expr]expr
	// Post-aggregation mode: column references must be grouped.
	post       bool
	groups     []groupMatch
	rowtimeOut expr
	pump       string
}

var notYet = map[string]bool{
	"RANDOM_CUT_FOREST": true, "RANDOM_CUT_FOREST_WITH_EXPLANATION": true, "HOTSPOTS": true,
	"TOP_K_ITEMS_TUMBLING": true, "COUNT_DISTINCT_ITEMS_TUMBLING": true,
	"FAST_REGEX_LOG_PARSER": true, "FIXED_COLUMN_LOG_PARSE": true, "REGEX_LOG_PARSE": true,
	"SQL_LOG_PARSE": true, "SYS_LOG_PARSE": true, "VARIABLE_COLUMN_LOG_PARSE": true, "W3C_LOG_PARSE": true,
}

// analyticOnly are functions that need an OVER clause.
var analyticOnly = map[string]bool{"LAG": true, "NTH_VALUE": true}

func isAggregate(name string) bool {
	_, ok := functions.LookupAggregate(name)
	return ok
}

func (c *compiler) compile(e parser.Expr) (expr, error) {
	if r, ok := c.replace[e]; ok {
		return r, nil
	}
	if c.post {
		if x, ok, err := c.matchGroup(e); err != nil || ok {
			return x, err
		}
	}
	switch e := e.(type) {
	case *parser.Paren:
		return c.compile(e.X)
	case *parser.Literal:
		v, err := literalValue(e)
		if err != nil {
			return nil, err
		}
		return constExpr{v}, nil
	case *parser.IntervalLit:
		v, err := intervalValue(e)
		if err != nil {
			return nil, err
		}
		return constExpr{v}, nil
	case *parser.ColumnRef:
		if c.post {
			if isRowtime(e) {
				return c.rowtimeOut, nil
			}
			return nil, planErrorf(e.Position(), "column %s must appear in GROUP BY or in an aggregate", parser.ExprString(e))
		}
		if isRowtime(e) && e.Qualifier == nil {
			return rowtimeExpr{}, nil
		}
		col, err := c.sc.resolve(e)
		if err != nil {
			return nil, err
		}
		return colExpr{col.idx}, nil
	case *parser.Unary:
		x, err := c.compile(e.X)
		if err != nil {
			return nil, err
		}
		switch e.Op {
		case "NOT":
			return notExpr{x}, nil
		case "-":
			return negExpr{x}, nil
		}
		return x, nil
	case *parser.Binary:
		l, err := c.compile(e.L)
		if err != nil {
			return nil, err
		}
		r, err := c.compile(e.R)
		if err != nil {
			return nil, err
		}
		switch e.Op {
		case "AND":
			return andExpr{l, r}, nil
		case "OR":
			return orExpr{l, r}, nil
		case "=", "<>", "<", "<=", ">", ">=":
			return cmpExpr{e.Op, l, r}, nil
		case "||":
			return callExpr{fn: functions.LookupScalarMust("||"), args: []expr{l, r}}, nil
		}
		return arithExpr{e.Op, l, r}, nil
	case *parser.Is:
		x, err := c.compile(e.X)
		if err != nil {
			return nil, err
		}
		return isExpr{x: x, not: e.Not, what: e.What}, nil
	case *parser.Between:
		xs, err := c.compileAll(e.X, e.Lo, e.Hi)
		if err != nil {
			return nil, err
		}
		return betweenExpr{xs[0], xs[1], xs[2], e.Not}, nil
	case *parser.InList:
		x, err := c.compile(e.X)
		if err != nil {
			return nil, err
		}
		list, err := c.compileAll(e.List...)
		if err != nil {
			return nil, err
		}
		return inExpr{x: x, list: list, not: e.Not}, nil
	case *parser.Like:
		return c.compileLike(e)
	case *parser.Case:
		ce := caseExpr{}
		var err error
		if e.Operand != nil {
			if ce.operand, err = c.compile(e.Operand); err != nil {
				return nil, err
			}
		}
		for _, w := range e.Whens {
			cond, err := c.compile(w.Cond)
			if err != nil {
				return nil, err
			}
			then, err := c.compile(w.Then)
			if err != nil {
				return nil, err
			}
			ce.conds = append(ce.conds, cond)
			ce.thens = append(ce.thens, then)
		}
		if e.Else != nil {
			if ce.els, err = c.compile(e.Else); err != nil {
				return nil, err
			}
		}
		return ce, nil
	case *parser.Cast:
		x, err := c.compile(e.X)
		if err != nil {
			return nil, err
		}
		t, err := value.NewType(e.Type.Name, e.Type.Args)
		if err != nil {
			return nil, planErrorf(e.At, "%v", err)
		}
		return castExpr{x, t}, nil
	case *parser.TimeUnitCall:
		x, err := c.compile(e.X)
		if err != nil {
			return nil, err
		}
		return floorToExpr{x: x, unit: e.Unit, ceil: e.Name == "CEIL"}, nil
	case *parser.Step:
		xs, err := c.compileAll(e.X, e.Interval)
		if err != nil {
			return nil, err
		}
		return stepExpr{xs[0], xs[1]}, nil
	case *parser.Extract:
		x, err := c.compile(e.X)
		if err != nil {
			return nil, err
		}
		return extractExpr{e.Unit, x}, nil
	case *parser.PositionExpr:
		return c.call(e.At, "POSITION", e.Sub, e.S)
	case *parser.Substring:
		if e.For != nil {
			return c.call(e.At, "SUBSTRING", e.S, e.From, e.For)
		}
		return c.call(e.At, "SUBSTRING", e.S, e.From)
	case *parser.Overlay:
		if e.For != nil {
			return c.call(e.At, "OVERLAY", e.S, e.Placing, e.From, e.For)
		}
		return c.call(e.At, "OVERLAY", e.S, e.Placing, e.From)
	case *parser.Trim:
		chars := parser.Expr(&parser.Literal{Kind: parser.LitString, Text: " "})
		if e.Chars != nil {
			chars = e.Chars
		}
		return c.call(e.At, "TRIM", &parser.Literal{Kind: parser.LitString, Text: e.Where}, chars, e.S)
	case *parser.IntervalQualifier:
		if e.Unit == "YEAR" || e.Unit == "MONTH" {
			return nil, planErrorf(e.Position(), "year-month interval qualifiers ((a - b) %s) are not supported yet", e.Unit)
		}
		x, err := c.compile(e.X)
		if err != nil {
			return nil, err
		}
		return qualifyExpr{x}, nil
	case *parser.Cursor:
		return nil, planErrorf(e.At, "CURSOR is only allowed as an argument of a table function in FROM TABLE(...)")
	case *parser.FuncCall:
		return c.funcCall(e)
	}
	return nil, planErrorf(e.Position(), "unsupported expression %s", parser.ExprString(e))
}

func isRowtime(e *parser.ColumnRef) bool { return e.Name.Name == "ROWTIME" && !e.Name.Quoted }

func (c *compiler) compileAll(es ...parser.Expr) ([]expr, error) {
	out := make([]expr, len(es))
	for i, e := range es {
		x, err := c.compile(e)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

func (c *compiler) matchGroup(e parser.Expr) (expr, bool, error) {
	text := groupText(e)
	for _, gm := range c.groups {
		if gm.text == text {
			return colExpr{gm.out}, true, nil
		}
	}
	if ref, ok := e.(*parser.ColumnRef); ok && !isRowtime(ref) {
		col, err := c.sc.resolve(ref)
		if err != nil {
			return nil, false, err
		}
		for _, gm := range c.groups {
			if gm.col == col.idx {
				return colExpr{gm.out}, true, nil
			}
		}
	}
	return nil, false, nil
}

func (c *compiler) call(at parser.Pos, name string, args ...parser.Expr) (expr, error) {
	fn := functions.LookupScalarMust(name)
	xs, err := c.compileAll(args...)
	if err != nil {
		return nil, err
	}
	return callExpr{fn: fn, args: xs}, nil
}

func (c *compiler) funcCall(f *parser.FuncCall) (expr, error) {
	switch {
	case notYet[f.Name]:
		return nil, planErrorf(f.At, "function %s is not supported yet", f.Name)
	case f.Over != nil:
		return nil, planErrorf(f.At, "%s OVER ... is not allowed here", f.Name)
	case isAggregate(f.Name) || analyticOnly[f.Name]:
		if analyticOnly[f.Name] {
			return nil, planErrorf(f.At, "%s needs an OVER clause", f.Name)
		}
		return nil, planErrorf(f.At, "aggregate %s needs GROUP BY on a ROWTIME window, WINDOWED BY STAGGER, or an OVER clause", f.Name)
	case f.Name == "MONOTONIC":
		if len(f.Args) != 1 {
			return nil, planErrorf(f.At, "MONOTONIC takes one argument")
		}
		return c.compile(f.Args[0])
	case f.Name == "CURRENT_ROW_TIMESTAMP" && len(f.Args) == 0:
		return rowtimeExpr{}, nil
	}
	fn, ok := functions.LookupScalar(f.Name)
	if !ok {
		if _, isTF := lookupTableFunction(f.Name); isTF {
			return nil, planErrorf(f.At, "table function %s must be used in FROM TABLE(...)", f.Name)
		}
		return nil, planErrorf(f.At, "unknown function %s", f.Name)
	}
	if f.Star || f.Distinct || f.IgnoreNulls || f.FromLast {
		return nil, planErrorf(f.At, "%s does not take *, DISTINCT, FROM LAST or IGNORE NULLS", f.Name)
	}
	if len(f.Args) < fn.MinArgs || fn.MaxArgs >= 0 && len(f.Args) > fn.MaxArgs {
		return nil, planErrorf(f.At, "%s takes %s, got %d", f.Name, arity(fn), len(f.Args))
	}
	xs, err := c.compileAll(f.Args...)
	if err != nil {
		return nil, err
	}
	return callExpr{fn: fn, args: xs}, nil
}

func arity(fn *functions.Scalar) string {
	switch {
	case fn.MaxArgs < 0:
		return fmt.Sprintf("at least %d arguments", fn.MinArgs)
	case fn.MinArgs == fn.MaxArgs:
		return fmt.Sprintf("%d arguments", fn.MinArgs)
	}
	return fmt.Sprintf("%d to %d arguments", fn.MinArgs, fn.MaxArgs)
}

func (c *compiler) compileLike(e *parser.Like) (expr, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	le := likeExpr{x: x, not: e.Not, similar: e.Similar}
	if le.pattern, err = c.compile(e.Pattern); err != nil {
		return nil, err
	}
	if e.Escape != nil {
		if le.escape, err = c.compile(e.Escape); err != nil {
			return nil, err
		}
	}
	// Compile constant patterns once, and report bad ones at plan time.
	if p, ok := le.pattern.(constExpr); ok && !p.v.IsNull() {
		esc := value.Value{}
		if le.escape != nil {
			ce, ok := le.escape.(constExpr)
			if !ok {
				return le, nil
			}
			esc = ce.v
		}
		re, err := compileLike(p.v.String(), esc, e.Similar)
		if err != nil {
			return nil, planErrorf(e.Position(), "%v", err)
		}
		le.re = re
	}
	return le, nil
}

func literalValue(e *parser.Literal) (value.Value, error) {
	switch e.Kind {
	case parser.LitNull:
		return value.Value{}, nil
	case parser.LitBool:
		return value.BoolValue(e.Text == "TRUE"), nil
	case parser.LitString:
		return value.StringValue(e.Text), nil
	case parser.LitBinary:
		b := make([]byte, 0, len(e.Text)/2)
		if len(e.Text)%2 != 0 {
			return value.Value{}, planErrorf(e.At, "binary literal X'%s' has an odd number of digits", e.Text)
		}
		for i := 0; i < len(e.Text); i += 2 {
			n, _ := strconv.ParseUint(e.Text[i:i+2], 16, 8)
			b = append(b, byte(n))
		}
		return value.BytesValue(b), nil
	case parser.LitNumber:
		if !strings.ContainsAny(e.Text, ".eE") {
			if i, err := strconv.ParseInt(e.Text, 10, 64); err == nil {
				return value.IntValue(i), nil
			}
		}
		f, err := strconv.ParseFloat(e.Text, 64)
		if err != nil {
			return value.Value{}, planErrorf(e.At, "invalid number %s", e.Text)
		}
		if strings.ContainsAny(e.Text, "eE") {
			return value.FloatValue(f), nil
		}
		return value.DecimalValue(f), nil
	case parser.LitTimestamp:
		ms, err := value.ParseTimestamp(e.Text)
		if err != nil {
			return value.Value{}, planErrorf(e.At, "%v", err)
		}
		return value.TimestampValue(ms), nil
	case parser.LitDate:
		ms, err := value.ParseDate(e.Text)
		if err != nil {
			return value.Value{}, planErrorf(e.At, "%v", err)
		}
		return value.DateValue(ms), nil
	case parser.LitTime:
		ms, err := value.ParseTime(e.Text)
		if err != nil {
			return value.Value{}, planErrorf(e.At, "%v", err)
		}
		return value.TimeValue(ms), nil
	}
	return value.Value{}, planErrorf(e.At, "unsupported literal")
}

var unitMillis = map[string]int64{"DAY": 86400000, "HOUR": 3600000, "MINUTE": 60000, "SECOND": 1000}

// intervalValue evaluates an interval literal: '10' SECOND, '1:30' MINUTE
// TO SECOND, '2 03:04:05.5' DAY TO SECOND, '1-6' YEAR TO MONTH.
func intervalValue(e *parser.IntervalLit) (value.Value, error) {
	bad := func() (value.Value, error) {
		return value.Value{}, planErrorf(e.At, "invalid interval literal %s", parser.ExprString(e))
	}
	sign := int64(1)
	if e.Negative {
		sign = -1
	}
	s := strings.TrimSpace(e.Value)
	if strings.HasPrefix(s, "-") {
		sign, s = -sign, s[1:]
	}
	if e.Unit == "YEAR" || e.Unit == "MONTH" {
		var months int64
		switch {
		case e.Unit == "YEAR" && e.ToUnit == "MONTH":
			y, m, ok := strings.Cut(s, "-")
			yi, err1 := strconv.ParseInt(y, 10, 64)
			mi, err2 := strconv.ParseInt(m, 10, 64)
			if !ok || err1 != nil || err2 != nil {
				return bad()
			}
			months = yi*12 + mi
		case e.ToUnit == "":
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return bad()
			}
			months = n
			if e.Unit == "YEAR" {
				months *= 12
			}
		default:
			return bad()
		}
		return value.MonthsValue(sign * months), nil
	}
	// Day-time: split the value into fields from the leading unit down.
	units := []string{"DAY", "HOUR", "MINUTE", "SECOND"}
	first := -1
	last := -1
	for i, u := range units {
		if u == e.Unit {
			first = i
		}
		if u == e.ToUnit {
			last = i
		}
	}
	if first < 0 {
		return bad()
	}
	if e.ToUnit == "" {
		last = first
	}
	if last < first {
		return bad()
	}
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ':' })
	if len(fields) != last-first+1 {
		return bad()
	}
	var ms float64
	for i, f := range fields {
		x, err := strconv.ParseFloat(f, 64)
		if err != nil || x < 0 || (i < len(fields)-1 || units[first+i] != "SECOND") && strings.Contains(f, ".") {
			return bad()
		}
		ms += x * float64(unitMillis[units[first+i]])
	}
	return value.IntervalValue(sign * int64(ms+0.5)), nil
}
