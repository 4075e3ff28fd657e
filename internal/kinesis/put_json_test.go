package kinesis

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/awsproto"
)

var putRecordsSeeds = []string{
	`{"StreamName":"s","Records":[{"Data":"aGk=","PartitionKey":"k"},{"Data":"","PartitionKey":"k2","ExplicitHashKey":"12"}]}`,
	`{"Records":[{"Data":"aGk=","PartitionKey":"k","Extra":1.5e3}],"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s"}`,
	` { "Records" : [ null , {"Data":null,"PartitionKey":null} ] , "StreamName" : null } `,
	`{"Records":null}`,
	`{"Records":[]}`,
	`{"records":[{"Data":"aGk=","PartitionKey":"k"}]}`,
	`{"Records":[{"Data":"aGk","PartitionKey":"k"}]}`,
	`{"Records":[{"Data":"aGk=\n","PartitionKey":"k\u00e9"}]}`,
	`{"Records":[{"Data":"aGk=","PartitionKey":"k"}]} x`,
	`{"StreamName":"s","StreamName":"t"}`,
	`{"Records":[{"Data":1}]}`,
	`[]`,
	``,
}

// requireSameAsGeneric checks that the fast PutRecords decoder gives the
// generic decoder's result for body.
func requireSameAsGeneric(t *testing.T, body []byte) {
	var fast, generic putRecordsInput
	fastErr := decodePutRecordsJSON(body, &fast)
	genericErr := awsproto.Decode(awsproto.JSON, body, &generic)
	require.Equal(t, genericErr, fastErr, "%q", body)
	if genericErr != nil {
		return
	}
	require.Equal(t, generic.StreamName, fast.StreamName)
	require.Equal(t, generic.StreamARN, fast.StreamARN)
	require.Equal(t, generic.Records == nil, fast.Records == nil, "%q", body)
	require.Equal(t, len(generic.Records), len(fast.Records))
	for i, g := range generic.Records {
		f := fast.Records[i]
		if g == nil || f == nil {
			require.Equal(t, g == nil, f == nil)
			continue
		}
		require.Equal(t, g.Data == nil, f.Data == nil, "%q record %d", body, i)
		require.Equal(t, string(g.Data), string(f.Data))
		require.Equal(t, g.PartitionKey, f.PartitionKey)
		require.Equal(t, g.ExplicitHashKey, f.ExplicitHashKey)
	}
}

func TestDecodePutRecordsJSON(t *testing.T) {
	for _, s := range putRecordsSeeds {
		requireSameAsGeneric(t, []byte(s))
	}
	// The fast path takes the common shape itself.
	var in putRecordsInput
	s := putScanner{buf: []byte(putRecordsSeeds[0])}
	require.True(t, s.decode(&in))
	require.Len(t, in.Records, 2)
	require.Equal(t, "hi", string(in.Records[0].Data))
	require.NotNil(t, in.Records[1].Data)
	require.Empty(t, in.Records[1].Data)
}

func FuzzDecodePutRecordsJSON(f *testing.F) {
	for _, s := range putRecordsSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		requireSameAsGeneric(t, body)
	})
}

func TestSpecialMatchesBytewise(t *testing.T) {
	check := func(b [8]byte) {
		want := false
		for _, c := range b {
			if c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
				want = true
			}
		}
		w := uint64(0)
		for i := 7; i >= 0; i-- {
			w = w<<8 | uint64(b[i])
		}
		require.Equal(t, want, special(w), "%q", b[:])
	}
	for c := range 256 {
		for pos := range 8 {
			b := [8]byte{'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'}
			b[pos] = byte(c)
			check(b)
			b = [8]byte{0x21, 0x7f, 0x23, 0x5b, 0x5d, 0x21, 0x7f, 0x21}
			b[pos] = byte(c)
			check(b)
		}
	}
}

func BenchmarkDecodePutRecordsJSON(b *testing.B) {
	records := make([]map[string]string, 500)
	data := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("x"), 1024))
	for i := range records {
		records[i] = map[string]string{"Data": data, "PartitionKey": fmt.Sprintf("key-%d", i)}
	}
	body, _ := json.Marshal(map[string]any{"StreamName": "bench", "Records": records})
	b.SetBytes(500 * 1024)
	for b.Loop() {
		var in putRecordsInput
		if err := decodePutRecordsJSON(body, &in); err != nil {
			b.Fatal(err)
		}
	}
}
