package awsproto

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/require"
)

func TestFormatOf(t *testing.T) {
	tests := []struct {
		contentType string
		want        Format
		ok          bool
	}{
		{"application/x-amz-json-1.1", JSON, true},
		{"application/x-amz-cbor-1.1", CBOR, true},
		{"application/x-amz-json-1.1; charset=utf-8", JSON, true},
		{"Application/X-Amz-Cbor-1.1", CBOR, true},
		{"application/x-amz-json-1.0", JSON, false},
		{"application/json", JSON, false},
		{"", JSON, false},
	}
	for _, tt := range tests {
		got, ok := FormatOf(tt.contentType)
		require.Equal(t, tt.ok, ok, tt.contentType)
		if ok {
			require.Equal(t, tt.want, got, tt.contentType)
		}
	}
}

type sample struct {
	Name  *string    `json:"Name"`
	Count *int64     `json:"Count"`
	Data  []byte     `json:"Data"`
	When  *Timestamp `json:"When"`
	List  []string   `json:"List"`
	Flag  *bool      `json:"Flag"`
}

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		check   func(t *testing.T, s sample)
		wantMsg string
		wantErr bool
	}{
		{name: "fields", body: `{"Name":"n","Count":3,"Data":"aGk=","When":1700000000.5,"List":["a"],"Flag":true}`, check: func(t *testing.T, s sample) {
			require.Equal(t, "n", *s.Name)
			require.Equal(t, int64(3), *s.Count)
			require.Equal(t, []byte("hi"), s.Data)
			require.Equal(t, time.UnixMilli(1700000000500), s.When.Time)
			require.True(t, *s.Flag)
		}},
		{name: "nulls and unknown fields", body: `{"Name":null,"Other":{"x":1}}`, check: func(t *testing.T, s sample) {
			require.Nil(t, s.Name)
		}},
		{name: "integer timestamp", body: `{"When":1700000000}`, check: func(t *testing.T, s sample) {
			require.Equal(t, time.Unix(1700000000, 0), s.When.Time)
		}},
		{name: "empty", body: ``, wantErr: true},
		{name: "array", body: `[]`, wantErr: true},
		{name: "string for int", body: `{"Count":"x"}`, wantErr: true, wantMsg: "class java.lang.String can not be converted to an Long"},
		{name: "number for string", body: `{"Name":1}`, wantErr: true, wantMsg: "class java.math.BigDecimal can not be converted to an String"},
		{name: "bool for string", body: `{"Name":true}`, wantErr: true, wantMsg: "class java.lang.Boolean can not be converted to an String"},
		{name: "object for list", body: `{"List":{}}`, wantErr: true, wantMsg: "Start of structure or map found where not expected."},
		{name: "string timestamp", body: `{"When":"2020-01-01"}`, wantErr: true, wantMsg: "milliseconds since epoch"},
		{name: "truncated", body: `{"Name":"x"`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s sample
			err := Decode(JSON, []byte(tt.body), &s)
			if tt.wantErr {
				require.NotNil(t, err)
				require.Equal(t, TypeSerialization, err.Type)
				require.Contains(t, err.Message, tt.wantMsg)
				return
			}
			require.Nil(t, err)
			tt.check(t, s)
		})
	}
}

func TestDecodeCBOR(t *testing.T) {
	ms := int64(1700000000123)
	tests := []struct {
		name string
		in   any
		want time.Time
	}{
		{"millis", map[string]any{"When": ms}, time.UnixMilli(ms)},
		{"tag 1 millis", map[string]any{"When": cbor.Tag{Number: 1, Content: ms}}, time.UnixMilli(ms)},
		{"tag 1 seconds", map[string]any{"When": cbor.Tag{Number: 1, Content: int64(1700000000)}}, time.Unix(1700000000, 0)},
		{"tag 1 float seconds", map[string]any{"When": cbor.Tag{Number: 1, Content: 1700000000.123}}, time.UnixMilli(ms)},
		{"float seconds", map[string]any{"When": 1700000000.123}, time.UnixMilli(ms)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := cbor.Marshal(tt.in)
			require.NoError(t, err)
			var s sample
			require.Nil(t, Decode(CBOR, b, &s))
			require.Equal(t, tt.want, s.When.Time)
		})
	}
	b, _ := cbor.Marshal(map[string]any{"Name": "n", "Data": []byte{1, 2}, "Count": 7})
	var s sample
	require.Nil(t, Decode(CBOR, b, &s))
	require.Equal(t, []byte{1, 2}, s.Data)
	require.Equal(t, int64(7), *s.Count)

	b, _ = cbor.Marshal([]int{1})
	require.NotNil(t, Decode(CBOR, b, &s))
	b, _ = cbor.Marshal(map[string]any{"Count": "seven"})
	e := Decode(CBOR, b, &s)
	require.NotNil(t, e)
	require.Equal(t, TypeSerialization, e.Type)
}

func TestEncodeTimestamps(t *testing.T) {
	v := struct {
		When Timestamp `json:"When"`
	}{When: Timestamp{Time: time.UnixMilli(1700000000123)}}
	b, err := Encode(JSON, v)
	require.NoError(t, err)
	require.JSONEq(t, `{"When":1700000000.123}`, string(b))

	b, err = Encode(CBOR, v)
	require.NoError(t, err)
	var m map[string]int64
	require.NoError(t, cbor.Unmarshal(b, &m))
	require.Equal(t, int64(1700000000123), m["When"])
}

func TestCheckAuth(t *testing.T) {
	tests := []struct {
		name   string
		url    string
		header map[string]string
		typ    string
		msg    string
	}{
		{"valid header", "/", map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host, Signature=c", "X-Amz-Date": "x"}, "", ""},
		{"valid presigned", "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=host&X-Amz-Date=d", nil, "", ""},
		{"missing", "/", nil, TypeMissingAuthToken, "Missing Authentication Token"},
		{"no date", "/", map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host, Signature=c"}, TypeIncompleteSignature,
			"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host, Signature=c"},
		{"missing signed headers", "/", map[string]string{"Authorization": "AWS4- Signature=b, Credential=a", "Date": "a"}, TypeIncompleteSignature,
			"Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4- Signature=b, Credential=a"},
		{"both", "/?X-Amz-Algorithm", map[string]string{"Authorization": "X"}, TypeInvalidSignature, "Found both 'X-Amz-Algorithm'"},
		{"incomplete query", "/?X-Amz-Algorithm", nil, TypeIncompleteSignature, "AWS query-string parameters must include 'X-Amz-Algorithm'. "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, tt.url, nil)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			e := CheckAuth(r)
			if tt.typ == "" {
				require.Nil(t, e)
				return
			}
			require.NotNil(t, e)
			require.Equal(t, tt.typ, e.Type)
			require.Contains(t, e.Message, tt.msg)
			require.Equal(t, http.StatusBadRequest, e.HTTPStatus())
		})
	}
}

func TestWriteError(t *testing.T) {
	w := httptest.NewRecorder()
	WriteError(w, JSON, NewError("ResourceNotFoundException", "gone"))
	require.Equal(t, http.StatusBadRequest, w.Code)
	require.Equal(t, "ResourceNotFoundException", w.Header().Get("X-Amzn-ErrorType"))
	require.JSONEq(t, `{"__type":"ResourceNotFoundException","message":"gone"}`, w.Body.String())

	w = httptest.NewRecorder()
	WriteError(w, CBOR, InternalFailure())
	require.Equal(t, http.StatusInternalServerError, w.Code)
	var m map[string]string
	require.NoError(t, cbor.Unmarshal(w.Body.Bytes(), &m))
	require.Equal(t, "InternalFailure", m["__type"])
}
