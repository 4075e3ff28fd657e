package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReadableTimestamps(t *testing.T) {
	in := `{"DeliveryStreamName":"a","CreateTimestamp":1.795654357224e+09,"LastUpdateTimestamp": 1795654357,"X":1.5}`
	require.Equal(t,
		`{"DeliveryStreamName":"a","CreateTimestamp":"2026-11-26T00:52:37.224Z","LastUpdateTimestamp":"2026-11-26T00:52:37.000Z","X":1.5}`,
		string(readableTimestamps([]byte(in))))
}

func TestDecodeFirehoseError(t *testing.T) {
	for _, tt := range []struct {
		body, header  string
		status        int
		code, message string
		retryable     bool
	}{
		{`{"__type":"ResourceNotFoundException","message":"gone"}`, "", 400, "ResourceNotFoundException", "gone", false},
		{`{"__type":"com.amazonaws.firehose#ServiceUnavailableException","Message":"busy"}`, "", 400, "ServiceUnavailableException", "busy", true},
		{`oops`, "", 502, "Bad Gateway", "oops", true},
		{``, "InvalidArgumentException:http://x", 400, "InvalidArgumentException", "", false},
	} {
		resp := &http.Response{StatusCode: tt.status, Header: http.Header{}}
		if tt.header != "" {
			resp.Header.Set("X-Amzn-Errortype", tt.header)
		}
		err := decodeFirehoseError(resp, []byte(tt.body)).(*firehoseError)
		require.Equal(t, tt.code, err.ErrorCode(), tt.body)
		require.Equal(t, tt.message, err.ErrorMessage(), tt.body)
		require.Equal(t, tt.retryable, err.retryable(), tt.body)
	}
}
