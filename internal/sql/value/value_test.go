package value

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func ts(t *testing.T, s string) int64 {
	ms, err := ParseTimestamp(s)
	require.NoError(t, err)
	return ms
}

func TestJavaPatterns(t *testing.T) {
	at := ts(t, "2020-03-05 07:08:09.045")
	for _, tc := range []struct{ pattern, want string }{
		{"yyyy-MM-dd HH:mm:ss.SSS", "2020-03-05 07:08:09.045"},
		{"yy/M/d h:m:s a", "20/3/5 7:8:9 AM"},
		{"EEEE, MMMM dd yyyy", "Thursday, March 05 2020"},
		{"EEE MMM", "Thu Mar"},
		{"yyyy-MM-dd'T'HH:mm:ss'Z'", "2020-03-05T07:08:09Z"},
		{"'It''s' HH 'o''clock'", "It's 07 o'clock"},
		{"D", "65"},
		{"kk KK", "07 07"},
	} {
		p, err := CompilePattern(tc.pattern)
		require.NoError(t, err, tc.pattern)
		require.Equal(t, tc.want, p.Format(at), tc.pattern)
	}
	_, err := CompilePattern("yyyy-bb")
	require.ErrorContains(t, err, "illegal pattern character 'b'")
	_, err = CompilePattern("'open")
	require.ErrorContains(t, err, "unterminated quote")
}

func TestJavaPatternParse(t *testing.T) {
	for _, tc := range []struct{ pattern, in, want string }{
		{"yyyy-MM-dd HH:mm:ss", "2020-03-05 07:08:09", "2020-03-05 07:08:09.000"},
		{"dd/MMM/yyyy:HH:mm:ss Z", "10/Oct/2000:13:55:36 -0700", "2000-10-10 20:55:36.000"},
		{"yyyyMMddHHmmss", "20200305070809", "2020-03-05 07:08:09.000"},
		{"yyyy-MM-dd'T'HH:mm:ss.SSSX", "2020-03-05T07:08:09.123Z", "2020-03-05 07:08:09.123"},
		{"hh:mm a yyyy-MM-dd", "12:30 PM 2020-01-01", "2020-01-01 12:30:00.000"},
		{"hh:mm a yyyy-MM-dd", "12:30 AM 2020-01-01", "2020-01-01 00:30:00.000"},
	} {
		p, err := CompilePattern(tc.pattern)
		require.NoError(t, err)
		ms, err := p.Parse(tc.in)
		require.NoError(t, err, "%s %s", tc.pattern, tc.in)
		require.Equal(t, tc.want, FormatTimestamp(ms), "%s %s", tc.pattern, tc.in)
	}
	p, _ := CompilePattern("yyyy-MM-dd")
	for _, bad := range []string{"2020-13-01", "2020-02-30", "2020-02-01x", "20-02"} {
		_, err := p.Parse(bad)
		require.Error(t, err, bad)
	}
}

func TestCast(t *testing.T) {
	typ := func(s string) Type {
		tt, err := ParseType(s)
		require.NoError(t, err)
		return tt
	}
	for _, tc := range []struct {
		v    Value
		to   string
		want string
		err  string
	}{
		{StringValue(" 42 "), "INTEGER", "42", ""},
		{StringValue("4.0"), "INTEGER", "4", ""},
		{StringValue("4.5"), "INTEGER", "", "not an integer"},
		{IntValue(300), "TINYINT", "", "out of range"},
		{FloatValue(12.345), "DECIMAL(5,2)", "12.35", ""},
		{FloatValue(1234.5), "DECIMAL(5,2)", "", "out of range"},
		{StringValue("abcdef"), "VARCHAR(3)", "abc", ""},
		{StringValue("ab"), "CHAR(4)", "ab  ", ""},
		{StringValue("TRUE"), "BOOLEAN", "TRUE", ""},
		{StringValue("yes"), "BOOLEAN", "", "not a boolean"},
		{StringValue("2020-01-02T03:04:05.678912Z"), "TIMESTAMP", "2020-01-02 03:04:05.678", ""},
		{TimestampValue(ts(t, "2020-01-02 03:04:05")), "DATE", "2020-01-02", ""},
		{TimestampValue(ts(t, "2020-01-02 03:04:05")), "TIME", "03:04:05", ""},
		{FloatValue(3), "VARCHAR(10)", "3.0", ""},
		{FloatValue(1e20), "VARCHAR(10)", "1.0E20", ""},
		{IntValue(7), "DOUBLE", "7.0", ""},
		{Value{}, "INTEGER", "NULL", ""},
	} {
		got, err := Cast(tc.v, typ(tc.to))
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, "%v to %s", tc.v, tc.to)
			continue
		}
		require.NoError(t, err, "%v to %s", tc.v, tc.to)
		require.Equal(t, tc.want, got.String(), "%v to %s", tc.v, tc.to)
	}
}

func TestCompareAndKeys(t *testing.T) {
	c, err := Compare(IntValue(2), FloatValue(2.5))
	require.NoError(t, err)
	require.Equal(t, -1, c)
	c, err = Compare(StringValue("10"), IntValue(9))
	require.NoError(t, err)
	require.Equal(t, 1, c)
	_, err = Compare(BoolValue(true), IntValue(1))
	require.Error(t, err)
	require.Equal(t, AppendKey(nil, IntValue(3)), AppendKey(nil, FloatValue(3)))
	require.NotEqual(t, AppendKey(nil, IntValue(1<<60)), AppendKey(nil, IntValue(1<<60+1)))
	require.NotEqual(t, AppendKey(nil, StringValue("ab")), AppendKey(AppendKey(nil, StringValue("a")), StringValue("b")))
}

func TestEncoderRoundTrip(t *testing.T) {
	vals := []Value{{}, BoolValue(true), IntValue(-5), FloatValue(0.1), DecimalValue(2.5), StringValue("x"),
		BytesValue([]byte{0, 1}), TimestampValue(123), DateValue(86400000), TimeValue(5), IntervalValue(-7), MonthsValue(14)}
	var e Encoder
	e.Values(vals)
	e.String("tail")
	d := Decoder{Buf: e.Buf}
	require.Equal(t, vals, d.Values())
	require.Equal(t, "tail", d.String())
	require.NoError(t, d.Err())
	d = Decoder{Buf: e.Buf[:5]}
	d.Values()
	require.ErrorIs(t, d.Err(), ErrCorruptState)
}

func FuzzPattern(f *testing.F) {
	f.Add("yyyy-MM-dd HH:mm:ss.SSS a EEE MMM Z", "2020-03-05 07:08:09.045 AM Thu Mar +0100")
	f.Add("dd/MMM/yyyy:HH:mm:ss Z", "10/Oct/2000:13:55:36 -0700")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		p, err := CompilePattern(pattern)
		if err != nil {
			return
		}
		_ = p.Format(0)
		_, _ = p.Parse(s)
	})
}

func FuzzParseTypeAndTimestamp(f *testing.F) {
	f.Add("DECIMAL(5,2)", "2020-01-01 00:00:00")
	f.Fuzz(func(t *testing.T, typ, s string) {
		tt, err := ParseType(typ)
		if err == nil {
			_, _ = Cast(StringValue(s), tt)
		}
		_, _ = ParseTimestamp(s)
		_, _ = ParseTime(s)
	})
}
