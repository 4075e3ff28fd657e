package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/config"
)

const fakeAuth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcdef"

// rawCall posts body to the server as the given operation and content
// type, returning status, headers and body.
func rawCall(t *testing.T, url, op, contentType string, body []byte, header map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if op != "" {
		req.Header.Set("X-Amz-Target", "Kinesis_20131202."+op)
	}
	req.Header.Set("Authorization", fakeAuth)
	req.Header.Set("X-Amz-Date", "20260101T000000Z")
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, b
}

func cborCall(t *testing.T, url, op string, in any, out any) (int, map[string]any) {
	t.Helper()
	body, err := cbor.Marshal(in)
	require.NoError(t, err)
	status, h, b := rawCall(t, url, op, "application/x-amz-cbor-1.1", body, nil)
	require.Equal(t, "application/x-amz-cbor-1.1", h.Get("Content-Type"))
	if status != http.StatusOK {
		var e map[string]any
		require.NoError(t, cbor.Unmarshal(b, &e))
		return status, e
	}
	if out != nil && len(b) > 0 {
		require.NoError(t, cbor.Unmarshal(b, out))
	}
	return status, nil
}

func TestCBOR(t *testing.T) {
	ts := startServer(t, "", func(c *config.Config) { c.StatusDelay = 0 })
	status, _ := cborCall(t, ts.url, "CreateStream", map[string]any{"StreamName": "cb", "ShardCount": 1}, nil)
	require.Equal(t, http.StatusOK, status)

	payload := []byte{0, 1, 2, 0xff, 'h', 'i'}
	var put struct {
		ShardId        string
		SequenceNumber string
	}
	status, _ = cborCall(t, ts.url, "PutRecord", map[string]any{"StreamName": "cb", "PartitionKey": "k", "Data": payload}, &put)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "shardId-000000000000", put.ShardId)

	// Timestamps as epoch milliseconds, plain and under tag 1.
	before := time.Now().Add(-time.Minute).UnixMilli()
	for _, ts0 := range []any{before, cbor.Tag{Number: 1, Content: before}, cbor.Tag{Number: 1, Content: float64(before) / 1000}} {
		var it struct{ ShardIterator string }
		status, e := cborCall(t, ts.url, "GetShardIterator", map[string]any{
			"StreamName": "cb", "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": ts0,
		}, &it)
		require.Equal(t, http.StatusOK, status, "%v", e)

		var recs struct {
			Records []struct {
				Data                        []byte
				PartitionKey                string
				SequenceNumber              string
				ApproximateArrivalTimestamp int64
			}
			NextShardIterator  string
			MillisBehindLatest int64
		}
		status, _ = cborCall(t, ts.url, "GetRecords", map[string]any{"ShardIterator": it.ShardIterator}, &recs)
		require.Equal(t, http.StatusOK, status)
		require.Len(t, recs.Records, 1)
		require.Equal(t, payload, recs.Records[0].Data)
		require.Equal(t, put.SequenceNumber, recs.Records[0].SequenceNumber)
		require.InDelta(t, time.Now().UnixMilli(), recs.Records[0].ApproximateArrivalTimestamp, 60_000)
		require.NotEmpty(t, recs.NextShardIterator)
	}

	var batch struct {
		FailedRecordCount int
		Records           []map[string]any
	}
	status, _ = cborCall(t, ts.url, "PutRecords", map[string]any{"StreamName": "cb", "Records": []map[string]any{
		{"PartitionKey": "a", "Data": []byte("one")}, {"PartitionKey": "b", "Data": []byte("two")},
	}}, &batch)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 0, batch.FailedRecordCount)
	require.Len(t, batch.Records, 2)

	// Errors come back as CBOR maps.
	status, e := cborCall(t, ts.url, "DescribeStream", map[string]any{"StreamName": "missing"}, nil)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "ResourceNotFoundException", e["__type"])
	require.Equal(t, "Stream missing under account 000000000000 not found.", e["message"])

	status, e = cborCall(t, ts.url, "DescribeStream", map[string]any{"StreamName": 12}, nil)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "SerializationException", e["__type"])
}

func TestProtocolErrors(t *testing.T) {
	ts := startServer(t, "")
	const jsonType = "application/x-amz-json-1.1"
	errorOf := func(b []byte) map[string]string {
		var m map[string]string
		require.NoError(t, json.Unmarshal(b, &m), string(b))
		return m
	}
	tests := []struct {
		name        string
		op          string
		contentType string
		body        string
		header      map[string]string
		status      int
		typ         string
		msg         string
	}{
		{"missing auth", "ListStreams", jsonType, "{}", map[string]string{"Authorization": ""}, 400,
			"MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"malformed auth", "ListStreams", jsonType, "{}", map[string]string{"Authorization": "X", "X-Amz-Date": ""}, 400,
			"IncompleteSignatureException", "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=X"},
		{"unknown operation", "MakeCoffee", jsonType, "{}", nil, 400, "UnknownOperationException", ""},
		{"empty body", "ListStreams", jsonType, "", nil, 400, "SerializationException", ""},
		{"not json", "ListStreams", jsonType, "hello", nil, 400, "SerializationException", ""},
		{"wrong type", "ListStreams", jsonType, `{"Limit":"ten"}`, nil, 400, "SerializationException",
			"class java.lang.String can not be converted to an Long"},
		{"list for string", "DescribeStream", jsonType, `{"StreamName":["a"]}`, nil, 400, "SerializationException",
			"Start of list found where not expected"},
		{"bad base64", "PutRecord", jsonType, `{"StreamName":"s","PartitionKey":"k","Data":"!!!"}`, nil, 400, "SerializationException", ""},
		{"neither name nor arn", "DescribeStreamSummary", jsonType, `{}`, nil, 400, "InvalidArgumentException", "Either StreamName or StreamARN must be provided."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, b := rawCall(t, ts.url, tt.op, tt.contentType, []byte(tt.body), tt.header)
			require.Equal(t, tt.status, status, string(b))
			require.Equal(t, tt.typ, h.Get("X-Amzn-ErrorType"))
			require.NotEmpty(t, h.Get("X-Amzn-RequestId"))
			e := errorOf(b)
			require.Equal(t, tt.typ, e["__type"])
			require.Contains(t, e["message"], tt.msg)
		})
	}

	// Without a known content type AWS answers in XML, with 403.
	status, _, b := rawCall(t, ts.url, "ListStreams", "", []byte("{}"), map[string]string{"Authorization": ""})
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, string(b), "<MissingAuthenticationTokenException>")
	status, _, b = rawCall(t, ts.url, "ListStreams", "text/plain", []byte("{}"), nil)
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, string(b), "<AccessDeniedException>")

	resp, err := http.Get(ts.url + "/health")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var health map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&health))
	require.Equal(t, "ok", health["status"])
}
