package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/stretchr/testify/require"
)

// TestCLIStats runs eddy stats against `eddy serve` while records are
// written to and read from a stream.
func TestCLIStats(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the eddy binary")
	}
	bin := cliBuild(t)
	endpoint := cliServe(t, bin)
	cli := &cliRunner{t: t, bin: bin, endpoint: endpoint, home: t.TempDir()}
	cli.ok("stream", "create", "--stream", "busy", "--shards", "2", "--wait")

	res := cli.run("", "stats", "--stream", "busy", "--read-only", "-n", "1")
	require.Equal(t, 1, res.code, res.stderr)
	require.Contains(t, res.stderr, "enable them with: eddy stream monitoring --stream busy --enable ALL")

	// Write and read until the stats are taken.
	client := cliSDKClient(endpoint)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() {
		for ctx.Err() == nil {
			var entries []types.PutRecordsRequestEntry
			for i := range 20 {
				entries = append(entries, types.PutRecordsRequestEntry{Data: []byte("0123456789"), PartitionKey: aws.String(string(rune('a' + i)))})
			}
			_, _ = client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("busy"), Records: entries})
			time.Sleep(10 * time.Millisecond)
		}
	})
	wg.Go(func() {
		it, err := client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("busy"),
			ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err != nil {
			return
		}
		next := it.ShardIterator
		for ctx.Err() == nil && next != nil {
			out, err := client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: next})
			if err != nil {
				return
			}
			next = out.NextShardIterator
			time.Sleep(20 * time.Millisecond)
		}
	})

	res = cli.run("", "stats", "--stream", "busy", "--interval", "300ms", "-n", "3", "-o", "json")
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stderr, "eddy stats: enabled enhanced monitoring (shard-level metrics) of stream busy")
	reports := strings.Split(strings.TrimSpace(res.stdout), "\n")
	require.Len(t, reports, 3)
	var in, out, bytesIn float64
	for _, line := range reports {
		var r struct {
			Stream   string  `json:"stream"`
			Interval float64 `json:"interval_s"`
			Shards   []struct {
				Shard string `json:"shard"`
				Open  bool   `json:"open"`
			} `json:"shards"`
			Total struct {
				IncomingRecords float64 `json:"incoming_records_per_s"`
				IncomingBytes   float64 `json:"incoming_bytes_per_s"`
				OutgoingRecords float64 `json:"outgoing_records_per_s"`
			} `json:"total"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &r), line)
		require.Equal(t, "busy", r.Stream)
		require.InDelta(t, 0.3, r.Interval, 0.25)
		require.Len(t, r.Shards, 2)
		require.True(t, r.Shards[0].Open)
		in, out, bytesIn = in+r.Total.IncomingRecords, out+r.Total.OutgoingRecords, bytesIn+r.Total.IncomingBytes
	}
	require.Positive(t, in, "records written")
	require.Positive(t, out, "records read")
	require.InDelta(t, 11*in, bytesIn, 1, "bytes count data and partition key")
	require.Equal(t, strings.Join([]string{"IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
		"WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds"}, "\n")+"\n",
		cli.ok("stream", "monitoring", "--stream", "busy"))

	var described struct{ ARN string }
	require.NoError(t, json.Unmarshal([]byte(cli.ok("stream", "describe", "--stream", "busy", "-o", "json")), &described))
	table := cli.ok("stats", "--stream", described.ARN, "--interval", "200ms", "-n", "2")
	require.Regexp(t, `(?m)^stream busy  \S+  rates per second over \S+s$`, table)
	require.Regexp(t, `(?m)^\s+SHARD\s+IN RECORDS\s+IN BYTES\s+OUT RECORDS\s+OUT BYTES\s+THROTTLED W/R\s+ITERATOR AGE\s*$`, table)
	require.Regexp(t, `(?m)^\s+shardId-000000000001\s+open\s+`, table)
	require.Regexp(t, `(?m)^\s+TOTAL\s+`, table)
	require.Equal(t, 2, strings.Count(table, "TOTAL"))
	cancel()

	res = cli.run("", "stats", "--stream", "nope", "-n", "1")
	require.Equal(t, 3, res.code, res.stderr)
	res = (&cliRunner{t: t, bin: bin, endpoint: "aws", home: t.TempDir()}).run("", "stats", "--stream", "busy")
	require.Equal(t, 2, res.code, res.stderr)
	require.Contains(t, res.stderr, "CloudWatch")
	res = cli.run("", "stats", "--stream", "busy", "-n", "1", "--metrics-url", endpoint+"/nothing-here")
	require.Equal(t, 1, res.code, res.stderr)
	require.Contains(t, res.stderr, "is this an Eddy server?")
}
