package e2e

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/config"
)

// TestOnDemandAutoSplit writes to an ON_DEMAND stream above the (lowered)
// split threshold: hot shards split, and a reader following the lineage
// still gets every record once, in order per key.
func TestOnDemandAutoSplit(t *testing.T) {
	ts := startServer(t, "", func(cfg *config.Config) {
		cfg.OnDemand.SplitRecordsPerSecond = 150
		cfg.OnDemand.Sustain = time.Second
		cfg.OnDemand.CheckInterval = 100 * time.Millisecond
	})
	c := ts.client
	_, err := c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String("od"),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}})
	require.NoError(t, err)
	ts.waitActive(t, "od")

	writersDone := make(chan struct{})
	reader := newLineageReader(t, ts, "od", writersDone)
	reader.start([]string{shardID(0), shardID(1), shardID(2), shardID(3)})
	writers := startKeyedWriters(t, c, "od", 2, 32, 10*time.Millisecond)
	require.Eventually(t, func() bool {
		out, err := c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("od")})
		return err == nil && *out.StreamDescriptionSummary.OpenShardCount > 4
	}, 20*time.Second, 50*time.Millisecond, "a hot shard splits")
	ts.waitActive(t, "od")
	time.Sleep(200 * time.Millisecond) // writes into the children
	acked := writers.stop()
	close(writersDone)
	requireEveryRecordInOrder(t, acked, reader.wait(), 500)

	desc, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String("od")})
	require.NoError(t, err)
	require.Greater(t, len(desc.StreamDescription.Shards), 4)
	require.NotNil(t, desc.StreamDescription.Shards[4].ParentShardId)
}

// TestThroughputLimits turns AWS's per-shard limits on: writes over 1000
// records/s and reads over 5 calls/s fail with
// ProvisionedThroughputExceededException.
func TestThroughputLimits(t *testing.T) {
	ts := startServer(t, "", func(cfg *config.Config) { cfg.Throughput.Enforce = true })
	ts.createStream(t, "limited", 1)
	c := ts.client

	entries := make([]types.PutRecordsRequestEntry, 500)
	for i := range entries {
		entries[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: []byte("x")}
	}
	failed := 0
	start := time.Now()
	for range 3 {
		out, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("limited"), Records: entries})
		require.NoError(t, err)
		failed += int(*out.FailedRecordCount)
		for _, r := range out.Records {
			if r.ErrorCode != nil {
				require.Equal(t, "ProvisionedThroughputExceededException", *r.ErrorCode)
				require.Equal(t, "Rate exceeded for shard shardId-000000000000 in stream limited under account 000000000000.", *r.ErrorMessage)
			}
		}
	}
	// 1500 records in well under a second: about 500 over the limit.
	if time.Since(start) < 300*time.Millisecond {
		require.Greater(t, failed, 150)
	}

	// 1 MiB/s of bytes: 300 KiB puts back to back soon fail, and then a
	// 900 KiB PutRecord (which needs 0.9 s of refill) fails as a whole.
	time.Sleep(1100 * time.Millisecond)
	big := bytes.Repeat([]byte("b"), 300<<10)
	var bytesFailed int
	var err error
	for range 10 {
		for range 30 {
			out, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("limited"),
				Records: []types.PutRecordsRequestEntry{{PartitionKey: aws.String("k"), Data: big}}})
			require.NoError(t, err)
			if bytesFailed += int(*out.FailedRecordCount); bytesFailed > 0 {
				break
			}
		}
		_, err = c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("limited"), PartitionKey: aws.String("k"),
			Data: bytes.Repeat([]byte("b"), 900<<10)})
		if err != nil {
			break
		}
	}
	require.Positive(t, bytesFailed, "300 KiB puts back to back go over 1 MiB/s")
	requireAPIError(t, err, "ProvisionedThroughputExceededException", "Rate exceeded for shard shardId-000000000000")

	// Five GetRecords calls per second.
	it := ts.iterator(t, "limited", shardID(0), types.ShardIteratorTypeLatest, nil)
	var throttled error
	for range 50 {
		out, err := c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: aws.String(it)})
		if err != nil {
			throttled = err
			break
		}
		it = *out.NextShardIterator
	}
	requireAPIError(t, throttled, "ProvisionedThroughputExceededException", "Rate exceeded for shard shardId-000000000000 in stream limited")
	time.Sleep(300 * time.Millisecond)
	_, err = c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: aws.String(it)})
	require.NoError(t, err, "the call rate refills")
}

func TestStreamSettings(t *testing.T) {
	ts := startServer(t, "", func(cfg *config.Config) { cfg.StatusDelay = 0 })
	ts.createStream(t, "s", 1)
	c := ts.client
	arn := aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/s")

	// Enhanced monitoring.
	en, err := c.EnableEnhancedMonitoring(ctx(t), &kinesis.EnableEnhancedMonitoringInput{StreamName: aws.String("s"),
		ShardLevelMetrics: []types.MetricsName{types.MetricsNameIncomingBytes, types.MetricsNameOutgoingRecords}})
	require.NoError(t, err)
	require.Empty(t, en.CurrentShardLevelMetrics)
	require.Equal(t, []types.MetricsName{"IncomingBytes", "OutgoingRecords"}, en.DesiredShardLevelMetrics)
	dis, err := c.DisableEnhancedMonitoring(ctx(t), &kinesis.DisableEnhancedMonitoringInput{StreamName: aws.String("s"),
		ShardLevelMetrics: []types.MetricsName{types.MetricsNameIncomingBytes}})
	require.NoError(t, err)
	require.Equal(t, []types.MetricsName{"OutgoingRecords"}, dis.DesiredShardLevelMetrics)
	sum, err := c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("s")})
	require.NoError(t, err)
	require.Equal(t, []types.MetricsName{"OutgoingRecords"}, sum.StreamDescriptionSummary.EnhancedMonitoring[0].ShardLevelMetrics)
	_, err = c.EnableEnhancedMonitoring(ctx(t), &kinesis.EnableEnhancedMonitoringInput{StreamName: aws.String("s"),
		ShardLevelMetrics: []types.MetricsName{"Bogus"}})
	requireAPIError(t, err, "ValidationException", "Member must satisfy enum value set")

	// Record size: 1 MiB by default, up to 10 MiB per stream.
	big := make([]byte, 2<<20)
	_, err = c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: big})
	requireAPIError(t, err, "InvalidArgumentException", "exceeds the maximum record size of 1048576 bytes")
	_, err = c.UpdateMaxRecordSize(ctx(t), &kinesis.UpdateMaxRecordSizeInput{StreamARN: arn, MaxRecordSizeInKiB: aws.Int32(4096)})
	require.NoError(t, err)
	_, err = c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: big})
	require.NoError(t, err)
	sum, err = c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("s")})
	require.NoError(t, err)
	require.Equal(t, int32(4096), *sum.StreamDescriptionSummary.MaxRecordSizeInKiB)
	_, err = c.UpdateMaxRecordSize(ctx(t), &kinesis.UpdateMaxRecordSizeInput{StreamARN: arn, MaxRecordSizeInKiB: aws.Int32(20000)})
	requireAPIError(t, err, "ValidationException", "Member must have value less than or equal to 10240")

	// Shard-level metrics on /metrics: only the enabled ones.
	ts.readAll(t, ts.iterator(t, "s", shardID(0), types.ShardIteratorTypeTrimHorizon, nil))
	resp, err := http.Get(ts.url + "/metrics")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Contains(t, string(body), `eddy_kinesis_shard_outgoing_records_total{shard="shardId-000000000000",stream="s"} 1`)
	require.NotContains(t, string(body), "eddy_kinesis_shard_incoming_bytes_total")

	// Capacity mode and warm throughput.
	_, err = c.UpdateStreamWarmThroughput(ctx(t), &kinesis.UpdateStreamWarmThroughputInput{StreamName: aws.String("s"), WarmThroughputMiBps: aws.Int32(10)})
	requireAPIError(t, err, "InvalidArgumentException", "ON_DEMAND")
	_, err = c.UpdateStreamMode(ctx(t), &kinesis.UpdateStreamModeInput{StreamARN: arn,
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}})
	require.NoError(t, err)
	wt, err := c.UpdateStreamWarmThroughput(ctx(t), &kinesis.UpdateStreamWarmThroughputInput{StreamName: aws.String("s"), WarmThroughputMiBps: aws.Int32(10)})
	require.NoError(t, err)
	require.Equal(t, int32(10), *wt.WarmThroughput.TargetMiBps)
	sum, err = c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("s")})
	require.NoError(t, err)
	require.Equal(t, types.StreamModeOnDemand, sum.StreamDescriptionSummary.StreamModeDetails.StreamMode)
	require.Equal(t, int32(10), *sum.StreamDescriptionSummary.WarmThroughput.CurrentMiBps)
	lim, err := c.DescribeLimits(ctx(t), &kinesis.DescribeLimitsInput{})
	require.NoError(t, err)
	require.Equal(t, int32(1), *lim.OnDemandStreamCount)

	// Record distribution: AUTO spreads one partition key over shards.
	_, err = c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String("auto"),
		StreamModeDetails:          &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand},
		RecordDistributionStrategy: types.RecordDistributionStrategyAuto})
	require.NoError(t, err)
	ts.waitActive(t, "auto")
	shardsOf := func() map[string]bool {
		seen := map[string]bool{}
		for range 40 {
			out, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("auto"), PartitionKey: aws.String("same"), Data: []byte("x")})
			require.NoError(t, err)
			seen[*out.ShardId] = true
		}
		return seen
	}
	require.Greater(t, len(shardsOf()), 1)
	_, err = c.UpdateStreamRecordDistributionStrategy(ctx(t), &kinesis.UpdateStreamRecordDistributionStrategyInput{
		StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/auto"), RecordDistributionStrategy: types.RecordDistributionStrategyUserPartitionKey})
	require.NoError(t, err)
	require.Len(t, shardsOf(), 1)
	sum, err = c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("auto")})
	require.NoError(t, err)
	require.Equal(t, types.RecordDistributionStrategyUserPartitionKey, sum.StreamDescriptionSummary.RecordDistributionStrategy)
	_, err = c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String("auto2"), ShardCount: aws.Int32(1),
		RecordDistributionStrategy: types.RecordDistributionStrategyAuto})
	requireAPIError(t, err, "InvalidArgumentException", "ON_DEMAND")

	// Account settings.
	acc, err := c.DescribeAccountSettings(ctx(t), &kinesis.DescribeAccountSettingsInput{})
	require.NoError(t, err)
	require.Equal(t, types.MinimumThroughputBillingCommitmentOutputStatusDisabled, acc.MinimumThroughputBillingCommitment.Status)
	up, err := c.UpdateAccountSettings(ctx(t), &kinesis.UpdateAccountSettingsInput{MinimumThroughputBillingCommitment: &types.MinimumThroughputBillingCommitmentInput{
		Status: types.MinimumThroughputBillingCommitmentInputStatusEnabled}})
	require.NoError(t, err)
	require.Equal(t, types.MinimumThroughputBillingCommitmentOutputStatusEnabled, up.MinimumThroughputBillingCommitment.Status)
	require.WithinDuration(t, time.Now().Add(24*time.Hour), *up.MinimumThroughputBillingCommitment.EarliestAllowedEndAt, time.Minute)
	up, err = c.UpdateAccountSettings(ctx(t), &kinesis.UpdateAccountSettingsInput{MinimumThroughputBillingCommitment: &types.MinimumThroughputBillingCommitmentInput{
		Status: types.MinimumThroughputBillingCommitmentInputStatusDisabled}})
	require.NoError(t, err)
	require.Equal(t, types.MinimumThroughputBillingCommitmentOutputStatusEnabledUntilEarliestAllowedEnd, up.MinimumThroughputBillingCommitment.Status)
}
