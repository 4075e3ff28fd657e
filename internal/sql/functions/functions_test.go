package functions

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/sql/value"
)

func call(t *testing.T, name string, args ...value.Value) value.Value {
	t.Helper()
	fn, ok := LookupScalar(name)
	require.True(t, ok, name)
	v, err := fn.Fn(&Context{}, args)
	require.NoError(t, err, name)
	return v
}

func TestStringFunctions(t *testing.T) {
	s := value.StringValue
	require.Equal(t, "Hello World-Again", call(t, "INITCAP", s("hELLO wORLD-again")).S)
	require.Equal(t, "", call(t, "SUBSTRING", s("abc"), value.IntValue(5)).S)
	require.Equal(t, "ab", call(t, "SUBSTRING", s("abc"), value.IntValue(0), value.IntValue(3)).S)
	require.Equal(t, "aXYd", call(t, "OVERLAY", s("abcd"), s("XY"), value.IntValue(2)).S)
	require.Equal(t, int64(0), call(t, "POSITION", s("z"), s("abc")).I)
	require.Equal(t, "a-b-c", call(t, "REGEX_REPLACE", s("a b c"), s(" "), s("-"), value.IntValue(1), value.IntValue(0)).S)
	require.Equal(t, "a b-c", call(t, "REGEX_REPLACE", s("a b c"), s(" "), s("-"), value.IntValue(3), value.IntValue(0)).S)
	_, err := LookupScalarMust("REGEX_REPLACE").Fn(&Context{}, []value.Value{s("a"), s("("), s(""), value.IntValue(1), value.IntValue(0)})
	require.ErrorContains(t, err, "invalid regular expression")
}

func TestAggregatesRemove(t *testing.T) {
	for _, name := range []string{"COUNT", "SUM", "AVG", "VAR_POP", "STDDEV_SAMP", "EVERY"} {
		def, _ := LookupAggregate(name)
		acc, err := def.New(nil)
		require.NoError(t, err)
		require.True(t, CanRemove(acc), name)
	}
	def, _ := LookupAggregate("MAX")
	acc, _ := def.New(nil)
	require.False(t, CanRemove(acc))

	sum, _ := LookupAggregate("SUM")
	a, _ := sum.New(nil)
	for _, v := range []int64{1, 2, 3} {
		a.Add(value.IntValue(v), 0)
	}
	a.(Remover).Remove(value.IntValue(1), 0)
	require.Equal(t, value.IntValue(5), a.Result())

	d := NewDistinct(func() Accumulator { c, _ := LookupAggregate("COUNT"); x, _ := c.New(nil); return x }())
	for _, v := range []string{"a", "b", "a"} {
		d.Add(value.StringValue(v), 0)
	}
	require.Equal(t, value.IntValue(2), d.Result())
	d.(Remover).Remove(value.StringValue("a"), 0)
	require.Equal(t, value.IntValue(2), d.Result())
	d.(Remover).Remove(value.StringValue("a"), 0)
	require.Equal(t, value.IntValue(1), d.Result())

	var e value.Encoder
	d.Save(&e)
	c, _ := LookupAggregate("COUNT")
	inner, _ := c.New(nil)
	d2 := NewDistinct(inner)
	d2.Load(&value.Decoder{Buf: e.Buf})
	require.Equal(t, value.IntValue(1), d2.Result())
}

func TestFloorStepExtract(t *testing.T) {
	at, err := value.ParseTimestamp("2020-05-17 13:47:21.500")
	require.NoError(t, err)
	v := value.TimestampValue(at)
	for unit, want := range map[string]string{"SECOND": "2020-05-17 13:47:21.000", "HOUR": "2020-05-17 13:00:00.000",
		"WEEK": "2020-05-17 00:00:00.000", "QUARTER": "2020-04-01 00:00:00.000", "YEAR": "2020-01-01 00:00:00.000"} {
		f, err := FloorTo(v, unit, false)
		require.NoError(t, err)
		require.Equal(t, want, f.String(), unit)
	}
	s, err := Step(v, value.IntervalValue(15*60000))
	require.NoError(t, err)
	require.Equal(t, "2020-05-17 13:45:00.000", s.String())
	_, err = Step(v, value.IntValue(3))
	require.Error(t, err)
	q, err := Extract("QUARTER", v)
	require.NoError(t, err)
	require.Equal(t, int64(2), q.I)
}
