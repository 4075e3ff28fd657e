package convert

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"
)

// readRows reads a Parquet file back as one map per row, keyed by column.
func readRows(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	r := parquet.NewReader(f)
	defer r.Close()
	var out []map[string]any
	for {
		m := map[string]any{}
		if err := r.Read(&m); err != nil {
			break
		}
		out = append(out, m)
	}
	return out
}

func TestParseType(t *testing.T) {
	for _, s := range []string{"boolean", "TINYINT", "smallint", "int", "integer", "bigint", "float", "double",
		"decimal(10,2)", "string", "varchar(20)", "char(3)", "date", "timestamp", "binary",
		"array<string>", "map<string,int>", "struct<a:int, b:array<struct<c:string>>>"} {
		_, err := ParseType(s)
		require.NoError(t, err, s)
	}
	for _, s := range []string{"", "uuid", "array<", "map<array<int>,int>", "decimal(40,2)", "int extra", "struct<:int>"} {
		_, err := ParseType(s)
		require.Error(t, err, s)
	}
}

func TestFlatConversion(t *testing.T) {
	c, err := New(Options{
		Columns: []Column{{"id", "bigint"}, {"name", "string"}, {"price", "decimal(10,2)"}, {"ok", "boolean"},
			{"ts", "timestamp"}, {"day", "date"}, {"ratio", "double"}, {"small", "tinyint"}, {"user_id", "int"}, {"other", "string"}, {"small_price", "decimal(5,2)"}},
		CaseInsensitive:                    true,
		ConvertDotsInJSONKeysToUnderscores: true,
		ColumnToJSONKeyMappings:            map[string]string{"other": "Renamed"},
	})
	require.NoError(t, err)
	recs := [][]byte{
		[]byte(`{"ID":1,"Name":"a\"b","price":"12.345","small_price":12.345,"ok":true,"ts":1700000000,"day":"2026-03-07","ratio":0.5,"small":7,"user.id":42,"renamed":{"x":1},"extra":[1,2]}`),
		[]byte(`{"id":2,"name":null,"ts":"2026-03-07T09:05:04.5Z","ok":"FALSE"}`),
		[]byte(`{"id":"x"}`),    // bad integer
		[]byte(`[1]`),           // not an object
		[]byte(`{"small":300}`), // out of range
		[]byte(`{"id":3,"ts":1700000000123}`),
	}
	var failed []int
	var buf bytes.Buffer
	n, err := c.Write(&buf, recs, func(i int, err error) {
		require.ErrorIs(t, err, ErrConversion)
		failed = append(failed, i)
	})
	require.NoError(t, err)
	require.Equal(t, 3, n)
	require.Equal(t, []int{2, 3, 4}, failed)
	rows := readRows(t, buf.Bytes())
	require.Len(t, rows, 3)
	require.EqualValues(t, 1, rows[0]["id"])
	require.Equal(t, `a"b`, rows[0]["name"])
	require.InDelta(t, 12.35, rows[0]["price"], 1e-9)
	require.InDelta(t, 12.35, rows[0]["small_price"], 1e-5)
	require.Equal(t, true, rows[0]["ok"])
	require.Equal(t, time.Unix(1700000000, 0).UTC(), asTime(rows[0]["ts"]))
	require.EqualValues(t, 7, rows[0]["small"])
	require.EqualValues(t, 42, rows[0]["user_id"])
	require.Equal(t, `{"x":1}`, rows[0]["other"])
	require.Nil(t, rows[1]["name"])
	require.Equal(t, false, rows[1]["ok"])
	require.Equal(t, time.Date(2026, 3, 7, 9, 5, 4, 500e6, time.UTC), asTime(rows[1]["ts"]))
	require.Equal(t, time.UnixMilli(1700000000123).UTC(), asTime(rows[2]["ts"]))
}

func asTime(v any) time.Time {
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case int64:
		return time.UnixMilli(x).UTC()
	}
	panic(fmt.Sprintf("%T", v))
}

func TestTimestampForms(t *testing.T) {
	p, err := newTimestampParser([]string{"dd/MM/yyyy HH:mm:ss"})
	require.NoError(t, err)
	want := time.Date(2026, 3, 7, 9, 5, 4, 0, time.UTC)
	for _, s := range []string{"07/03/2026 09:05:04", "2026-03-07T09:05:04Z", "2026-03-07 09:05:04", "2026-03-07T10:05:04+01:00", "1772874304"} {
		got, err := p.parseString(s)
		require.NoError(t, err, s)
		require.Equal(t, want, got, s)
	}
	got, err := p.parseNumber("1772874304.25")
	require.NoError(t, err)
	require.Equal(t, want.Add(250*time.Millisecond), got)
	m, err := newTimestampParser([]string{"millis"})
	require.NoError(t, err)
	got, err = m.parseNumber("1772874304000")
	require.NoError(t, err)
	require.Equal(t, want, got)
	_, err = p.parseString("yesterday")
	require.Error(t, err)
}

func TestCodecs(t *testing.T) {
	for _, codec := range []string{"UNCOMPRESSED", "SNAPPY", "GZIP", "ZSTD"} {
		c, err := New(Options{Columns: []Column{{"a", "string"}}, Compression: codec})
		require.NoError(t, err)
		var buf bytes.Buffer
		n, err := c.Write(&buf, [][]byte{[]byte(`{"a":"x"}`)}, nil)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.Equal(t, "x", readRows(t, buf.Bytes())[0]["a"])
	}
	_, err := New(Options{Columns: []Column{{"a", "string"}, {"b", "nope"}}, Compression: "LZO"})
	require.ErrorContains(t, err, "nope")
	require.ErrorContains(t, err, "LZO")
}

func TestNestedConversion(t *testing.T) {
	c, err := New(Options{
		Columns:         []Column{{"id", "int"}, {"tags", "array<string>"}, {"attrs", "map<string,bigint>"}, {"addr", "struct<city:string,zip:int>"}},
		CaseInsensitive: true,
	})
	require.NoError(t, err)
	var buf bytes.Buffer
	n, err := c.Write(&buf, [][]byte{
		[]byte(`{"id":1,"tags":["a","b"],"attrs":{"x":5},"addr":{"City":"Oslo","zip":150}}`),
		[]byte(`{"id":2}`),
		[]byte(`{"id":3,"tags":"no"}`),
	}, func(int, error) {})
	require.NoError(t, err)
	require.Equal(t, 2, n)
	rows := readRows(t, buf.Bytes())
	require.Len(t, rows, 2)
	require.EqualValues(t, 1, rows[0]["id"])
	require.Equal(t, []any{"a", "b"}, rows[0]["tags"])
	require.EqualValues(t, map[string]any{"city": "Oslo", "zip": int32(150)}, rows[0]["addr"])
}

// TestWriterReuse writes several files with one converter (its Parquet
// writers are pooled): each file holds exactly its own rows.
func TestWriterReuse(t *testing.T) {
	c, err := New(Options{Columns: benchColumns, CaseInsensitive: true})
	require.NoError(t, err)
	recs := benchRecords(3000)
	for _, n := range []int{3000, 10, 1500, 1} {
		var buf bytes.Buffer
		rows, err := c.Write(&buf, recs[:n], nil)
		require.NoError(t, err)
		require.Equal(t, n, rows)
		got := readRows(t, buf.Bytes())
		require.Len(t, got, n)
		require.Equal(t, fmt.Sprintf("evt-%012d", n-1), got[n-1]["event_id"])
	}
}
