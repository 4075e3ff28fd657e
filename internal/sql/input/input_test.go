package input

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/sql/value"
)

func mustType(t *testing.T, s string) value.Type {
	typ, err := value.ParseType(s)
	require.NoError(t, err)
	return typ
}

func mapAll(t *testing.T, m *Mapper, rec string) (rows []string, errs []string) {
	m.Map([]byte(rec), func(row []value.Value) {
		parts := make([]string, len(row))
		for i, v := range row {
			parts[i] = v.String()
		}
		rows = append(rows, strings.Join(parts, "|"))
	}, func(err error, raw []byte) {
		errs = append(errs, err.Error())
	})
	return rows, errs
}

// The record from the AWS "Working with JSONPath" page.
const customer = `{"customerName":"John Doe","address":{"streetAddress":{"number":"123","street":"AnyStreet"},"city":"Anytown"},
 "orders":[{"orderId":"23284","itemName":"Widget","itemPrice":"33.99"},{"orderId":"63122","itemName":"Gadget","itemPrice":"22.50"},{"orderId":"77284","itemName":"Sprocket","itemPrice":"12.00"}]}`

func TestJSONPathExplode(t *testing.T) {
	m, err := NewMapper(Schema{Format: JSON, Columns: []Column{
		{Name: "name", Type: mustType(t, "VARCHAR(16)"), Mapping: "$.customerName"},
		{Name: "city", Type: mustType(t, "VARCHAR(16)"), Mapping: "$.address.city"},
		{Name: "street", Type: mustType(t, "VARCHAR(16)"), Mapping: "$.address.streetAddress.street"},
		{Name: "orderId", Type: mustType(t, "INTEGER"), Mapping: "$.orders[0:].orderId"},
		{Name: "price", Type: mustType(t, "DECIMAL(5,2)"), Mapping: "$.orders[0:].itemPrice"},
		{Name: "missing", Type: mustType(t, "VARCHAR(4)"), Mapping: "$.customerId"},
	}})
	require.NoError(t, err)
	rows, errs := mapAll(t, m, customer)
	require.Empty(t, errs)
	require.Equal(t, []string{
		"John Doe|Anytown|AnyStreet|23284|33.99|NULL",
		"John Doe|Anytown|AnyStreet|63122|22.5|NULL",
		"John Doe|Anytown|AnyStreet|77284|12|NULL",
	}, rows)

	// An empty array still gives one row, with nulls for the element columns.
	rows, errs = mapAll(t, m, `{"customerName":"x","orders":[]}`)
	require.Empty(t, errs)
	require.Equal(t, []string{"x|NULL|NULL|NULL|NULL|NULL"}, rows)
}

func TestJSONWholeArrayAndCoercion(t *testing.T) {
	m, err := NewMapper(Schema{Format: JSON, Columns: []Column{
		{Name: "orders", Type: mustType(t, "VARCHAR(200)"), Mapping: "$.orders[0:]"},
		{Name: "flag", Type: mustType(t, "BOOLEAN"), Mapping: "$.flag"},
		{Name: "n", Type: mustType(t, "INTEGER"), Mapping: "$.n"},
		{Name: "s", Type: mustType(t, "VARCHAR(3)"), Mapping: "$.s"},
		{Name: "ts", Type: mustType(t, "TIMESTAMP"), Mapping: "$.ts"},
	}})
	require.NoError(t, err)
	rows, errs := mapAll(t, m, `{"orders":[1, 2],"flag":"TRUE","n":true,"s":"a\"bcd","ts":"1992-02-14 18:35:44.0"}`)
	require.Empty(t, errs)
	require.Equal(t, []string{`[1, 2]|TRUE|1|a"b|1992-02-14 18:35:44.000`}, rows)

	_, errs = mapAll(t, m, `{"n":123.4}`)
	require.Equal(t, []string{"column n: 123.4 does not fit INTEGER"}, errs)
	_, errs = mapAll(t, m, `{"ts":true}`)
	require.Equal(t, []string{"column ts: cannot convert boolean to TIMESTAMP"}, errs)
	_, errs = mapAll(t, m, `{"n":1`)
	require.Len(t, errs, 1)
	_, errs = mapAll(t, m, `[1]`)
	require.Equal(t, []string{"record is not a JSON object"}, errs)
}

func TestJSONSchemaErrors(t *testing.T) {
	_, err := NewMapper(Schema{Format: JSON, Columns: []Column{
		{Name: "a", Type: mustType(t, "INTEGER"), Mapping: "$.x[0:].a"},
		{Name: "b", Type: mustType(t, "INTEGER"), Mapping: "$.y[0:].b"},
	}})
	require.ErrorContains(t, err, "only one array can be flattened")
	_, err = NewMapper(Schema{Format: JSON, Columns: []Column{
		{Name: "a", Type: mustType(t, "INTEGER"), Mapping: "$.x[0:].a[0:].b"},
	}})
	require.ErrorContains(t, err, "only one level of array dereferencing")
	_, err = NewMapper(Schema{Format: JSON, Columns: []Column{{Name: "a", Type: mustType(t, "INTEGER"), Mapping: "$.x[1]"}}})
	require.ErrorContains(t, err, "only the array index expression [0:] is supported")
}

func TestCSV(t *testing.T) {
	m, err := NewMapper(Schema{Format: CSV, Columns: []Column{
		{Name: "Ticker", Type: mustType(t, "VARCHAR(4)")},
		{Name: "Price", Type: mustType(t, "DOUBLE")},
		{Name: "Qty", Type: mustType(t, "INTEGER")},
	}})
	require.NoError(t, err)
	rows, errs := mapAll(t, m, "AMZN,12.5,3\nASD,x,1\r\nMMB,1\n")
	require.Equal(t, []string{"AMZN|12.5|3", "MMB|1.0|NULL"}, rows)
	require.Equal(t, []string{`column Price: cannot cast VARCHAR "x" to DOUBLE: not a number`}, errs)
}

func FuzzJSON(f *testing.F) {
	f.Add(customer)
	f.Add(`{"a":[{"b":1},{"b":"x"}],"c":null}`)
	f.Fuzz(func(t *testing.T, rec string) {
		m, err := NewMapper(Schema{Format: JSON, Columns: []Column{
			{Name: "a", Type: value.Type{Name: "VARCHAR", Kind: value.String}, Mapping: "$.a[0:].b"},
			{Name: "c", Type: value.Type{Name: "DOUBLE", Kind: value.Float}, Mapping: "$.c"},
			{Name: "n", Type: value.Type{Name: "VARCHAR", Kind: value.String}, Mapping: "$.customerName"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		m.Map([]byte(rec), func([]value.Value) {}, func(error, []byte) {})
	})
}

func TestDiscover(t *testing.T) {
	s, err := Discover([][]byte{
		[]byte(`{"TICKER_SYMBOL":"AMZN","SECTOR":"TECHNOLOGY","CHANGE":-0.72,"PRICE":84.51,"ID":7,"ok":true,"at":"2020-01-01 00:00:00","nested":{"a.b":1,"n":null},"tags":[1,2]}`),
		[]byte(`{"TICKER_SYMBOL":"QXZ","SECTOR":"HEALTHCARE","CHANGE":1,"PRICE":12,"ID":9000000000,"ok":false,"at":"2020-01-02T03:04:05Z","nested":{"a.b":2.5}}`),
	})
	require.NoError(t, err)
	var got []string
	for _, c := range s.Columns {
		got = append(got, c.Name+" "+c.Type.String()+" "+c.Mapping)
	}
	require.Equal(t, []string{
		"CHANGE REAL $.CHANGE", "ID BIGINT $.ID", "PRICE REAL $.PRICE", "SECTOR VARCHAR(16) $.SECTOR",
		"TICKER_SYMBOL VARCHAR(4) $.TICKER_SYMBOL", "at TIMESTAMP $.at", "a.b REAL $.nested['a.b']",
		"n VARCHAR(4) $.nested.n", "ok BOOLEAN $.ok", "tags VARCHAR(8) $.tags",
	}, got)
	// The discovered schema maps the samples.
	m, err := NewMapper(s)
	require.NoError(t, err)
	rows, errs := mapAll(t, m, `{"TICKER_SYMBOL":"AMZN","SECTOR":"TECHNOLOGY","CHANGE":-0.72,"PRICE":84.51,"ID":7,"ok":true,"at":"2020-01-01 00:00:00","nested":{"a.b":1},"tags":[1,2]}`)
	require.Empty(t, errs)
	require.Len(t, rows, 1)

	s, err = Discover([][]byte{[]byte("AMZN,1.5,3\nASD,2,x\n")})
	require.NoError(t, err)
	require.Equal(t, CSV, s.Format)
	require.Equal(t, "VARCHAR(4) REAL VARCHAR(4)", s.Columns[0].Type.String()+" "+s.Columns[1].Type.String()+" "+s.Columns[2].Type.String())

	_, err = Discover(nil)
	require.Error(t, err)
}

func FuzzDiscover(f *testing.F) {
	f.Add([]byte(`{"a":{"b c":[1],"d'e":"x"},"n":1e400}`))
	f.Add([]byte("a,b\n1,2"))
	f.Fuzz(func(t *testing.T, rec []byte) {
		s, err := Discover([][]byte{rec})
		if err != nil {
			return
		}
		m, err := NewMapper(s)
		if err != nil {
			t.Fatalf("discovered schema does not compile: %v", err)
		}
		m.Map(rec, func([]value.Value) {}, func(error, []byte) {})
	})
}
