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
)

func record(data, seq string) types.Record {
	at := time.Date(2026, 11, 25, 10, 11, 12, 345_000_000, time.UTC)
	return types.Record{
		Data:                        []byte(data),
		SequenceNumber:              aws.String(seq),
		PartitionKey:                aws.String("pk"),
		ApproximateArrivalTimestamp: &at,
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
}

func TestPrintRecordsText(t *testing.T) {
	var buf bytes.Buffer
	batches := make(chan shardBatch, 3)
	batches <- shardBatch{shard: "s0", records: []types.Record{record("one", "1"), record("two\n", "2")}}
	batches <- shardBatch{shard: "s1", records: []types.Record{record("three", "3")}}
	close(batches)
	done := 0
	require.NoError(t, printRecords(bufio.NewWriter(&buf), batches, false, 0, func() { done++ }))
	require.Equal(t, "one\ntwo\nthree\n", buf.String(), "a record ending in a newline gets no second one")
	require.Zero(t, done)
}

func TestPrintRecordsCount(t *testing.T) {
	var buf bytes.Buffer
	batches := make(chan shardBatch, 3)
	batches <- shardBatch{shard: "s0", records: []types.Record{record("a", "1"), record("b", "2")}}
	batches <- shardBatch{shard: "s1", records: []types.Record{record("c", "3"), record("d", "4")}}
	batches <- shardBatch{shard: "s0", records: []types.Record{record("e", "5")}}
	close(batches)
	done := 0
	require.NoError(t, printRecords(bufio.NewWriter(&buf), batches, true, 3, func() { done++ }))
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	require.Len(t, lines, 3, "stops at --count")
	var last tailRecord
	require.NoError(t, json.Unmarshal(lines[2], &last))
	require.Equal(t, "s1", last.Shard)
	require.Equal(t, "c", last.Data)
	require.Equal(t, 1, done, "signals the readers to stop once")
}

func TestParseFrom(t *testing.T) {
	for in, want := range map[string]types.ShardIteratorType{
		"latest":       types.ShardIteratorTypeLatest,
		"LATEST":       types.ShardIteratorTypeLatest,
		"trim-horizon": types.ShardIteratorTypeTrimHorizon,
		"TRIM_HORIZON": types.ShardIteratorTypeTrimHorizon,
	} {
		got, err := parseFrom(in)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	_, err := parseFrom("yesterday")
	require.Equal(t, 2, exitCode(err))
}

func TestClientFlagsEndpoint(t *testing.T) {
	tests := []struct {
		endpoint string
		aws      bool
		url      string
		usage    bool
	}{
		{"http://127.0.0.1:4567", false, "http://127.0.0.1:4567", false},
		{"https://kinesis.eu-west-1.amazonaws.com", true, "https://kinesis.eu-west-1.amazonaws.com", false},
		{"", true, "", false},
		{"aws", true, "", false},
		{"127.0.0.1:4567", false, "", true},
		{"ftp://x", false, "", true},
	}
	for _, tt := range tests {
		f := clientFlags{endpoint: tt.endpoint}
		require.Equal(t, tt.aws, f.awsEndpoint(), tt.endpoint)
		got, err := f.endpointURL()
		if tt.usage {
			require.Equal(t, 2, exitCode(err), tt.endpoint)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tt.url, got)
	}
}
