package firehose

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/awsproto"
)

func TestDecodePutBatchJSON(t *testing.T) {
	for _, body := range []string{
		`{"DeliveryStreamName":"s","Records":[{"Data":"aGVsbG8="},{"Data":""},{"Data":"eA=="}]}`,
		` { "Records" : [ { "Data" : "aGk=" } ] , "DeliveryStreamName" : "s" } `,
		`{"DeliveryStreamName":"s","Records":[]}`,
		`{"DeliveryStreamName":"s\u0041","Records":[{"Data":"aGk="}]}`,
		`{"DeliveryStreamName":"s","Records":[{"Data":"!!"}]}`,
		`{"DeliveryStreamName":"s","Records":[{}]}`,
		`{"DeliveryStreamName":"s","Records":[{"Data":"aGk=","Extra":1}]}`,
		`{"DeliveryStreamName":null}`,
		`{"DeliveryStreamName":"s"} x`,
		`[]`,
		`{}`,
	} {
		var fast, slow PutRecordBatchInput
		fe := decodePutBatchJSON([]byte(body), &fast)
		se := awsproto.Decode(awsproto.JSON, []byte(body), &slow)
		require.Equal(t, se, fe, body)
		fj, _ := json.Marshal(fast)
		sj, _ := json.Marshal(slow)
		require.JSONEq(t, string(sj), string(fj), body)
	}
}

func FuzzDecodePutBatchJSON(f *testing.F) {
	f.Add([]byte(`{"DeliveryStreamName":"s","Records":[{"Data":"aGVsbG8="}]}`))
	f.Add([]byte(`{"Records":[{"Data":""},{"Data":"eA=="}],"DeliveryStreamName":"x"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast, slow PutRecordBatchInput
		fe := decodePutBatchJSON(body, &fast)
		se := awsproto.Decode(awsproto.JSON, body, &slow)
		if (fe == nil) != (se == nil) {
			t.Fatalf("fast error %v, generic error %v", fe, se)
		}
		if fe == nil {
			fj, _ := json.Marshal(fast)
			sj, _ := json.Marshal(slow)
			if string(fj) != string(sj) {
				t.Fatalf("fast %s, generic %s", fj, sj)
			}
		}
	})
}
