package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/stretchr/testify/require"
)

const metricsText = `# HELP eddy_kinesis_shard_incoming_records_total Records written to the shard.
# TYPE eddy_kinesis_shard_incoming_records_total counter
eddy_kinesis_shard_incoming_records_total{shard="shardId-000000000000",stream="orders"} 100
eddy_kinesis_shard_incoming_records_total{shard="shardId-000000000001",stream="orders"} 50
eddy_kinesis_shard_incoming_records_total{shard="shardId-000000000000",stream="other"} 7
# TYPE eddy_kinesis_shard_incoming_bytes_total counter
eddy_kinesis_shard_incoming_bytes_total{shard="shardId-000000000000",stream="orders"} 10000
# TYPE eddy_kinesis_shard_outgoing_records_total counter
eddy_kinesis_shard_outgoing_records_total{shard="shardId-000000000000",stream="orders"} 80
# TYPE eddy_kinesis_shard_read_throughput_exceeded_total counter
eddy_kinesis_shard_read_throughput_exceeded_total{shard="shardId-000000000001",stream="orders"} 3
# TYPE eddy_kinesis_shard_iterator_age_milliseconds gauge
eddy_kinesis_shard_iterator_age_milliseconds{shard="shardId-000000000000",stream="orders"} 1500
# TYPE go_goroutines gauge
go_goroutines 12
`

func TestParseMetrics(t *testing.T) {
	s, err := parseMetrics(strings.NewReader(metricsText), "orders")
	require.NoError(t, err)
	require.Equal(t, map[string]shardCounters{
		"shardId-000000000000": {incomingRecords: 100, incomingBytes: 10000, outgoingRecords: 80, iteratorAgeMillis: 1500},
		"shardId-000000000001": {incomingRecords: 50, readThrottled: 3},
	}, s.shards)

	s, err = parseMetrics(strings.NewReader("go_goroutines 3\n"), "orders")
	require.NoError(t, err)
	require.Empty(t, s.shards)

	_, err = parseMetrics(strings.NewReader("not { metrics"), "orders")
	require.Error(t, err)
}

func TestComputeRates(t *testing.T) {
	start := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	prev := metricsSample{at: start, shards: map[string]shardCounters{
		"shardId-000000000000": {incomingRecords: 100, incomingBytes: 10000, outgoingRecords: 80},
		"shardId-000000000001": {incomingRecords: 50},
		"shardId-000000000002": {incomingRecords: 9},
	}}
	cur := metricsSample{at: start.Add(2 * time.Second), shards: map[string]shardCounters{
		"shardId-000000000000": {incomingRecords: 300, incomingBytes: 30000, outgoingRecords: 81, iteratorAgeMillis: 20},
		"shardId-000000000001": {incomingRecords: 10, writeThrottled: 4}, // the server restarted
		"shardId-000000000002": {incomingRecords: 9},
	}}
	shards := []types.Shard{
		{ShardId: aws.String("shardId-000000000000"), SequenceNumberRange: &types.SequenceNumberRange{StartingSequenceNumber: aws.String("1")}},
		{ShardId: aws.String("shardId-000000000001"), SequenceNumberRange: &types.SequenceNumberRange{StartingSequenceNumber: aws.String("1")}},
		{ShardId: aws.String("shardId-000000000002"), SequenceNumberRange: &types.SequenceNumberRange{
			StartingSequenceNumber: aws.String("1"), EndingSequenceNumber: aws.String("5")}},
		{ShardId: aws.String("shardId-000000000003"), SequenceNumberRange: &types.SequenceNumberRange{StartingSequenceNumber: aws.String("1")}},
	}
	r := computeRates("orders", prev, cur, shards)
	require.Equal(t, 2.0, r.Interval)
	require.Equal(t, []shardRates{
		{Shard: "shardId-000000000000", Open: true, IncomingRecords: 100, IncomingBytes: 10000, OutgoingRecords: 0.5, IteratorAgeMillis: 20},
		{Shard: "shardId-000000000001", Open: true, IncomingRecords: 5, WriteThrottled: 2},
		// shardId-000000000002 is closed and idle: left out.
		{Shard: "shardId-000000000003", Open: true}, // open, no traffic yet
	}, r.Shards)
	require.Equal(t, shardRates{Shard: "TOTAL", Open: true, IncomingRecords: 105, IncomingBytes: 10000, OutgoingRecords: 0.5,
		WriteThrottled: 2, IteratorAgeMillis: 20}, r.Total)

	var buf bytes.Buffer
	require.NoError(t, writeStatsTable(&buf, r))
	require.Regexp(t, `(?m)^\s+shardId-000000000000\s+open\s+100\s+9\.8 KiB\s+1\s+0 B\s+0/0\s+20 ms\s*$`, buf.String())
	require.Regexp(t, `(?m)^\s+TOTAL\s+105\s+9\.8 KiB\s+1\s+0 B\s+2/0\s+20 ms\s*$`, buf.String())
	require.Equal(t, "1.5s", formatAge(1520))
}

func TestMetricsURL(t *testing.T) {
	got, err := metricsURL("http://127.0.0.1:4567")
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:4567/metrics", got)
	got, err = metricsURL("https://eddy.example:8443/kinesis?x=1")
	require.NoError(t, err)
	require.Equal(t, "https://eddy.example:8443/metrics", got)
}
