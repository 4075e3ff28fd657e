package process

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var when = time.Date(2026, 3, 7, 9, 5, 4, 123456789, time.UTC)

func TestPattern(t *testing.T) {
	for _, tc := range []struct{ pattern, want string }{
		{"yyyy/MM/dd/HH/", "2026/03/07/09/"},
		{"yyyy-MM-dd HH:mm:ss.SSS", "2026-03-07 09:05:04.123"},
		{"'year='yyyy'/month='MM", "year=2026/month=03"},
		{"yy M d H", "26 3 7 9"},
		{"MMM MMMM EEE EEEE", "Mar March Sat Saturday"},
		{"hh a D", "09 AM 66"},
		{"''yyyy''", "'2026'"},
	} {
		p, err := CompilePattern(tc.pattern)
		require.NoError(t, err, tc.pattern)
		require.Equal(t, tc.want, p.Format(when.In(time.FixedZone("x", 3600))), tc.pattern)
	}
	_, err := CompilePattern("yyyy'")
	require.Error(t, err)
	_, err = CompilePattern("yyyy-qq")
	require.Error(t, err)
}

func TestTemplate(t *testing.T) {
	v := &Values{Time: when, QueryKeys: map[string]string{"customer": "c1"}, LambdaKeys: map[string]string{"k": "l"},
		Random: "rnd", ErrorType: ErrorProcessingFailed}
	for _, tc := range []struct {
		src   string
		hours bool
		want  string
	}{
		{"", true, "2026/03/07/09/"},
		{"logs/", true, "logs/2026/03/07/09/"},
		{"logs/", false, "logs/"},
		{"c=!{partitionKeyFromQuery:customer}/d=!{timestamp:yyyy-MM-dd}/", true, "c=c1/d=2026-03-07/"},
		{"!{partitionKeyFromLambda:k}/!{firehose:random-string}/", false, "l/rnd/"},
		{"err/!{firehose:error-output-type}/!{timestamp:yyyy}/", true, "err/processing-failed/2026/"},
	} {
		tpl, err := CompileTemplate(tc.src, tc.hours)
		require.NoError(t, err, tc.src)
		got, err := tpl.Eval(v)
		require.NoError(t, err)
		require.Equal(t, tc.want, got, tc.src)
	}
	for _, bad := range []string{"!{nope:x}", "!{timestamp}", "!{firehose:other}", "!{timestamp:yyyy"} {
		_, err := CompileTemplate(bad, false)
		require.Error(t, err, bad)
	}
	tpl, err := CompileTemplate("!{partitionKeyFromQuery:missing}/", false)
	require.NoError(t, err)
	_, err = tpl.Eval(v)
	require.ErrorIs(t, err, ErrMissingPartitionKey)
}

func TestNamesAreDeterministic(t *testing.T) {
	s := Seed{StreamID: 7, Key: "a/b/", Start: Position{Shard: 0, Offset: 42, Sub: 1}}
	require.Equal(t, s.ID(), s.ID())
	require.Len(t, s.ID(), 36)
	require.Len(t, s.RandomString(), 11)
	other := s
	other.Start.Offset++
	require.NotEqual(t, s.ID(), other.ID())
	other = s
	other.Kind = "error"
	require.NotEqual(t, s.ID(), other.ID())
	name := ObjectName("2026/03/07/09/", "orders", 1, when, s.ID(), ".parquet")
	require.Equal(t, "2026/03/07/09/orders-1-2026-03-07-09-05-04-"+s.ID()+".parquet", name)
}

func TestExtractor(t *testing.T) {
	e, err := CompileQuery(`{customer: .customer_id, year: .ts | strftime("%Y"), n: .n, ok: .ok}`)
	require.NoError(t, err)
	require.Equal(t, []string{"customer", "n", "ok", "year"}, e.Keys)
	keys, err := e.Extract([]byte(`{"customer_id":"c-9","ts":1700000000,"n":12,"ok":true}`))
	require.NoError(t, err)
	require.Equal(t, map[string]string{"customer": "c-9", "year": "2023", "n": "12", "ok": "true"}, keys)

	_, err = e.Extract([]byte(`not json`))
	require.Error(t, err)
	_, err = e.Extract([]byte(`{"ts":1}`))
	require.ErrorContains(t, err, "null")
	arr, err := CompileQuery(`[.a]`)
	require.NoError(t, err)
	_, err = arr.Extract([]byte(`{"a":1}`))
	require.ErrorContains(t, err, "object")
	_, err = CompileQuery(`{a: .b`)
	require.Error(t, err)
}

func TestDeaggregation(t *testing.T) {
	parts, err := SplitJSON([]byte(`{"a":1}{"a":2}` + "\n" + ` {"a":3}`))
	require.NoError(t, err)
	require.Equal(t, []string{`{"a":1}`, `{"a":2}`, `{"a":3}`}, strs(parts))
	_, err = SplitJSON([]byte(`{"a":1}{"a"`))
	require.Error(t, err)
	require.Equal(t, []string{"a", "b", "" + "c"}, strs(SplitDelimited([]byte("a\nb\nc\n"), []byte("\n"))))
	require.Equal(t, []string{"a", "", "b"}, strs(SplitDelimited([]byte("a||||b"), []byte("||"))))
}

func strs(b [][]byte) []string {
	out := make([]string, len(b))
	for i := range b {
		out[i] = string(b[i])
	}
	return out
}

func TestTransformer(t *testing.T) {
	var reply func(ev transformEvent) any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev transformEvent
		require.NoError(t, json.NewDecoder(r.Body).Decode(&ev))
		_ = json.NewEncoder(w).Encode(reply(ev))
	}))
	defer srv.Close()
	tr := &Transformer{URL: srv.URL, DeliveryStreamARN: "arn", Region: "us-east-1"}
	in := []TransformRecord{{RecordID: "1", Arrival: when, Data: []byte("a")}, {RecordID: "2", Arrival: when, Data: []byte("b")}}

	reply = func(ev transformEvent) any {
		require.Equal(t, "inv", ev.InvocationID)
		require.Equal(t, when.UnixMilli(), ev.Records[0].ApproximateArrivalTimestamp)
		return map[string]any{"records": []any{
			map[string]any{"recordId": "2", "result": "Dropped"},
			map[string]any{"recordId": "1", "result": "Ok", "data": []byte("A"), "metadata": map[string]any{"partitionKeys": map[string]string{"k": "v"}}},
		}}
	}
	out, err := tr.Invoke(t.Context(), "inv", in)
	require.NoError(t, err)
	require.Equal(t, "A", string(out[0].Data))
	require.Equal(t, "v", out[0].PartitionKeys["k"])
	require.Equal(t, ResultDropped, out[1].Result)

	reply = func(transformEvent) any {
		return map[string]any{"records": []any{map[string]any{"recordId": "1", "result": "Ok"}}}
	}
	_, err = tr.Invoke(t.Context(), "inv", in)
	require.ErrorContains(t, err, "Lambda.MissingRecordId")
	reply = func(transformEvent) any {
		return map[string]any{"records": []any{map[string]any{"recordId": "1", "result": "Maybe"}, map[string]any{"recordId": "2", "result": "Ok"}}}
	}
	_, err = tr.Invoke(t.Context(), "inv", in)
	require.ErrorContains(t, err, "Lambda.InvalidResultValue")
}
