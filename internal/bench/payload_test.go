package bench

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPayloadRoundTrip(t *testing.T) {
	for _, size := range []int{MinRecordSize, 100, 1024} {
		p := newPayload(size)
		require.Len(t, p, size)
		for _, nanos := range []int64{0, 1, time.Now().UnixNano(), math.MaxInt64} {
			stampPayload(p, nanos)
			got, err := payloadTime(p)
			require.NoError(t, err)
			require.Equal(t, nanos, got)
		}
	}
	p := newPayload(40)
	stampPayload(p, 0x1234abcd)
	require.Equal(t, "eb1:000000001234abcd....................", string(p), "printable layout")
}

func TestPayloadTimeRejectsOtherData(t *testing.T) {
	for _, data := range []string{
		"",
		"eb1:",
		"hello world, this is not a benchmark record",
		"eb1:00000000zzzzzzzz....",
		"EB1:0000000000000001....",
	} {
		_, err := payloadTime([]byte(data))
		require.ErrorIs(t, err, errNotBenchPayload, data)
	}
}

func TestConfigValidate(t *testing.T) {
	require.NoError(t, Config{}.Validate(), "defaults are valid")
	err := Config{Producers: -1, RecordSize: 5, BatchSize: 501, Duration: -time.Second}.Validate()
	require.Error(t, err)
	for _, want := range []string{"producers", "record size", "batch size", "duration"} {
		require.ErrorContains(t, err, want, "all problems are reported at once")
	}
	c := Config{UsePutRecord: true, BatchSize: 500}.withDefaults()
	require.Equal(t, 1, c.BatchSize, "PutRecord sends one record per call")
}

func TestResultText(t *testing.T) {
	r := &Result{
		Endpoint: "http://127.0.0.1:4567", Stream: "s", Shards: 4, StreamCreated: true, StreamDeleted: true,
		API: "PutRecords", Producers: 8, RecordSize: 1024, BatchSize: 500, Duration: 10 * time.Second,
		ElapsedSeconds: 10, PutRecords: 1_234_567, PutBytes: 1_264_196_608, PutCalls: 2470,
		RecordsPerSecond: 123_456.7, MBPerSecond: 126.4, ReadEnabled: true, ReadRecords: 1_234_567,
	}
	r.putLatency.RecordDuration(30 * time.Millisecond)
	r.readLatency.RecordDuration(1500 * time.Microsecond)
	r.PutLatency, r.PutToReadLatency = r.putLatency.Summary(), r.readLatency.Summary()
	var b strings.Builder
	require.NoError(t, r.WriteText(&b))
	out := b.String()
	for _, want := range []string{
		"stream      s (4 shards, created and deleted)",
		"8 producers, PutRecords of 500 × 1024 B records",
		"1,234,567 records, 1264.2 MB in 10.00 s: 123,456 records/s, 126.40 MB/s (2,470 calls)",
		"put call    p50 30.0 ms",
		"put→read    p50 1.50 ms",
		"(read 1,234,567 of 1,234,567 records)",
		"0 errors, 0 throttles",
	} {
		require.Contains(t, out, want)
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		require.Equal(t, want, thousands(in))
	}
}
