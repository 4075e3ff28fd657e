package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/producer"
)

var testArrival = time.Date(2026, 11, 25, 10, 11, 12, 345_000_000, time.UTC)

func record(data, seq string) producer.UserRecord {
	return producer.UserRecord{
		Data:                        []byte(data),
		SequenceNumber:              seq,
		PartitionKey:                "pk",
		ApproximateArrivalTimestamp: testArrival,
	}
}

func TestNewTailRecord(t *testing.T) {
	r := newTailRecord("shardId-000000000001", record(`{"a":1}`, "42"))
	require.Equal(t, tailRecord{
		Shard:          "shardId-000000000001",
		SequenceNumber: "42",
		PartitionKey:   "pk",
		ArrivalTime:    "2026-11-25T10:11:12.345Z",
		Data:           `{"a":1}`,
	}, r)

	bin := newTailRecord("s", record("\xff\x00ab", "1"))
	require.Equal(t, "/wBhYg==", bin.Data)
	require.Equal(t, "base64", bin.Encoding)

	arrival, err := time.Parse(time.RFC3339, r.ArrivalTime)
	require.NoError(t, err, "arrival_time is RFC 3339")
	require.Equal(t, 345*time.Millisecond, time.Duration(arrival.Nanosecond()))

	var buf bytes.Buffer
	require.NoError(t, writeJSONRecord(&buf, "s", record("<a&b>", "9")))
	require.Contains(t, buf.String(), `"data":"<a&b>"`, "no HTML escapes")

	agg := record("x", "7")
	agg.Aggregated, agg.SubSequenceNumber, agg.ExplicitHashKey = true, 0, "12"
	line, err := json.Marshal(newTailRecord("s", agg))
	require.NoError(t, err)
	require.Contains(t, string(line), `"sub_sequence_number":0`, "present for the first user record too")
	require.Contains(t, string(line), `"explicit_hash_key":"12"`)
	line, err = json.Marshal(newTailRecord("s", record("x", "7")))
	require.NoError(t, err)
	require.NotContains(t, string(line), "sub_sequence_number")
}

func TestPrintRecordsFormats(t *testing.T) {
	batch := func() <-chan shardBatch {
		batches := make(chan shardBatch, 2)
		batches <- shardBatch{shard: "s0", records: []producer.UserRecord{record("one", "1"), record("two\n", "2")}}
		batches <- shardBatch{shard: "s1", records: []producer.UserRecord{record("three", "3")}}
		close(batches)
		return batches
	}
	for format, want := range map[outputFormat]string{
		outputText: "one\ntwo\nthree\n", // a record ending in a newline gets no second one
		outputRaw:  "onetwo\nthree",
	} {
		var buf bytes.Buffer
		done := 0
		n, err := printRecords(bufio.NewWriter(&buf), batch(), format, 0, func() { done++ })
		require.NoError(t, err)
		require.Equal(t, 3, n)
		require.Equal(t, want, buf.String())
		require.Zero(t, done)
	}
}

func TestPrintRecordsCount(t *testing.T) {
	var buf bytes.Buffer
	batches := make(chan shardBatch, 3)
	batches <- shardBatch{shard: "s0", records: []producer.UserRecord{record("a", "1"), record("b", "2")}}
	batches <- shardBatch{shard: "s1", records: []producer.UserRecord{record("c", "3"), record("d", "4")}}
	batches <- shardBatch{shard: "s0", records: []producer.UserRecord{record("e", "5")}}
	close(batches)
	done := 0
	n, err := printRecords(bufio.NewWriter(&buf), batches, outputJSON, 3, func() { done++ })
	require.NoError(t, err)
	require.Equal(t, 3, n)
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	require.Len(t, lines, 3, "stops at --count")
	var last tailRecord
	require.NoError(t, json.Unmarshal(lines[2], &last))
	require.Equal(t, "s1", last.Shard)
	require.Equal(t, "c", last.Data)
	require.Equal(t, 1, done, "signals the readers to stop once")
}

func TestParsePosition(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want position
	}{
		{"latest", position{typ: types.ShardIteratorTypeLatest}},
		{"LATEST", position{typ: types.ShardIteratorTypeLatest}},
		{"trim-horizon", position{typ: types.ShardIteratorTypeTrimHorizon}},
		{"TRIM_HORIZON", position{typ: types.ShardIteratorTypeTrimHorizon}},
		{"2026-11-25T10:00:00Z", position{typ: types.ShardIteratorTypeAtTimestamp, at: now.Add(-2 * time.Hour)}},
		{"2026-11-25T11:30:00.5+01:00", position{typ: types.ShardIteratorTypeAtTimestamp,
			at: time.Date(2026, 11, 25, 10, 30, 0, 500_000_000, time.UTC)}},
		{"-15m", position{typ: types.ShardIteratorTypeAtTimestamp, at: now.Add(-15 * time.Minute)}},
		{"49658830918206128404377213727302453213577335337010102274", position{
			typ: types.ShardIteratorTypeAtSequenceNumber, sequence: "49658830918206128404377213727302453213577335337010102274"}},
	}
	for _, tt := range tests {
		got, err := parsePosition(tt.in, now)
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want.typ, got.typ, tt.in)
		require.Equal(t, tt.want.sequence, got.sequence, tt.in)
		require.True(t, tt.want.at.Equal(got.at), "%s: %s", tt.in, got.at)
	}
	for _, bad := range []string{"yesterday", "2026-11-25", "-5", "--5m", "2026-11-25T13:00:00Z", "12a"} {
		_, err := parsePosition(bad, now)
		require.Equal(t, exitUsage, exitCode(err), bad)
	}
}

func TestParseUntil(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	got, err := parseUntil("30s", now)
	require.NoError(t, err)
	require.Equal(t, now.Add(30*time.Second), got)
	got, err = parseUntil("2026-11-25T10:00:00Z", now)
	require.NoError(t, err, "a time in the past ends a replay")
	require.Equal(t, now.Add(-2*time.Hour), got)
	for _, bad := range []string{"-1s", "0s", "tomorrow"} {
		_, err := parseUntil(bad, now)
		require.Equal(t, exitUsage, exitCode(err), bad)
	}
}

func TestTailerCut(t *testing.T) {
	at := func(d time.Duration) producer.UserRecord {
		r := record("x", "1")
		r.ApproximateArrivalTimestamp = testArrival.Add(d)
		return r
	}
	records := []producer.UserRecord{at(-time.Second), at(-time.Millisecond), at(0), at(time.Second)}
	tl := newTailer(nil, streamRef{}, time.Second)
	got, reached := tl.cut(records)
	require.Len(t, got, 4)
	require.False(t, reached, "no --until")

	tl.until = testArrival
	got, reached = tl.cut(records)
	require.Len(t, got, 2, "records that arrived at --until or later are dropped")
	require.True(t, reached)
	got, reached = tl.cut(records[:2])
	require.Len(t, got, 2)
	require.False(t, reached)
}

func TestShardMayHold(t *testing.T) {
	shard := func(start, end string) types.Shard {
		r := &types.SequenceNumberRange{StartingSequenceNumber: aws.String(start)}
		if end != "" {
			r.EndingSequenceNumber = aws.String(end)
		}
		return types.Shard{SequenceNumberRange: r}
	}
	require.True(t, shardMayHold(shard("100", ""), "100"))
	require.True(t, shardMayHold(shard("100", ""), "99999999999999999999999"))
	require.False(t, shardMayHold(shard("100", ""), "99"), "numeric, not lexical, order")
	require.True(t, shardMayHold(shard("100", "200"), "200"))
	require.False(t, shardMayHold(shard("100", "200"), "1000"))
}

func TestSelectShards(t *testing.T) {
	shards := []types.Shard{{ShardId: aws.String("shardId-000000000000")}, {ShardId: aws.String("shardId-000000000001")}}
	got, err := selectShards(shards, parseStreamRef("s"), []string{"shardId-000000000001", "shardId-000000000001"})
	require.NoError(t, err)
	require.Equal(t, []string{"shardId-000000000001"}, got)
	_, err = selectShards(shards, parseStreamRef("s"), []string{"shardId-000000000007"})
	require.Equal(t, exitNotFound, exitCode(err))
}
