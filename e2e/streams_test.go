package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/config"
)

func TestStreamLifecycle(t *testing.T) {
	ts := startServer(t, "", func(c *config.Config) { c.StatusDelay = 200 * time.Millisecond })
	c := ts.client

	_, err := c.CreateStream(ctx(t), &kinesis.CreateStreamInput{
		StreamName: aws.String("orders"), ShardCount: aws.Int32(3), Tags: map[string]string{"team": "data"},
	})
	require.NoError(t, err)

	d, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String("orders")})
	require.NoError(t, err)
	require.Equal(t, types.StreamStatusCreating, d.StreamDescription.StreamStatus)

	// A stream still CREATING takes no records.
	_, err = c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("orders"), PartitionKey: aws.String("k"), Data: []byte("x")})
	requireAPIError(t, err, "ResourceNotFoundException", "Stream orders under account 000000000000 not found.")

	// Creating it again is a conflict.
	_, err = c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String("orders"), ShardCount: aws.Int32(1)})
	requireAPIError(t, err, "ResourceInUseException", "Stream orders under account 000000000000 already exists.")

	ts.waitActive(t, "orders")
	d, err = c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String("orders")})
	require.NoError(t, err)
	sd := d.StreamDescription
	require.Equal(t, "arn:aws:kinesis:us-east-1:000000000000:stream/orders", *sd.StreamARN)
	require.Equal(t, types.StreamStatusActive, sd.StreamStatus)
	require.Len(t, sd.Shards, 3)
	require.False(t, *sd.HasMoreShards)
	require.Equal(t, int32(24), *sd.RetentionPeriodHours)
	require.Equal(t, types.StreamModeProvisioned, sd.StreamModeDetails.StreamMode)
	require.Equal(t, "0", *sd.Shards[0].HashKeyRange.StartingHashKey)
	require.Equal(t, "340282366920938463463374607431768211455", *sd.Shards[2].HashKeyRange.EndingHashKey)
	require.NotEmpty(t, *sd.Shards[1].SequenceNumberRange.StartingSequenceNumber)
	require.WithinDuration(t, time.Now(), *sd.StreamCreationTimestamp, time.Minute)

	// By ARN.
	sum, err := c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamARN: sd.StreamARN})
	require.NoError(t, err)
	require.Equal(t, int32(3), *sum.StreamDescriptionSummary.OpenShardCount)
	require.Equal(t, "orders", *sum.StreamDescriptionSummary.StreamName)

	_, err = c.DeleteStream(ctx(t), &kinesis.DeleteStreamInput{StreamARN: sd.StreamARN, EnforceConsumerDeletion: aws.Bool(true)})
	require.NoError(t, err)
	d, err = c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String("orders")})
	require.NoError(t, err)
	require.Equal(t, types.StreamStatusDeleting, d.StreamDescription.StreamStatus)
	require.Eventually(t, func() bool {
		_, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String("orders")})
		return err != nil
	}, 5*time.Second, 5*time.Millisecond)
	_, err = c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String("orders")})
	requireAPIError(t, err, "ResourceNotFoundException", "Stream orders under account 000000000000 not found.")
	_, err = c.DeleteStream(ctx(t), &kinesis.DeleteStreamInput{StreamName: aws.String("orders")})
	requireAPIError(t, err, "ResourceNotFoundException", "not found")
}

func TestCreateStreamValidation(t *testing.T) {
	ts := startServer(t, "")
	tests := []struct {
		name string
		in   *kinesis.CreateStreamInput
		code string
		msg  string
	}{
		{"bad name", &kinesis.CreateStreamInput{StreamName: aws.String("a b"), ShardCount: aws.Int32(1)}, "ValidationException",
			"1 validation error detected: Value 'a b' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
		{"zero shards", &kinesis.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(0)}, "ValidationException",
			"Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"two errors", &kinesis.CreateStreamInput{StreamName: aws.String("a/b"), ShardCount: aws.Int32(-1)}, "ValidationException",
			"2 validation errors detected"},
		{"over shard limit", &kinesis.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(5000)}, "LimitExceededException",
			"This request would exceed the shard limit for the account 000000000000 in us-east-1."},
		{"bad mode", &kinesis.CreateStreamInput{StreamName: aws.String("s"), StreamModeDetails: &types.StreamModeDetails{StreamMode: "FAST"}}, "ValidationException",
			"Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ts.client.CreateStream(ctx(t), tt.in)
			requireAPIError(t, err, tt.code, tt.msg)
		})
	}
}

func TestOnDemandStream(t *testing.T) {
	ts := startServer(t, "")
	_, err := ts.client.CreateStream(ctx(t), &kinesis.CreateStreamInput{
		StreamName: aws.String("od"), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand},
	})
	require.NoError(t, err)
	ts.waitActive(t, "od")
	out, err := ts.client.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String("od")})
	require.NoError(t, err)
	require.Len(t, out.Shards, 4)
	sum, err := ts.client.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("od")})
	require.NoError(t, err)
	require.Equal(t, types.StreamModeOnDemand, sum.StreamDescriptionSummary.StreamModeDetails.StreamMode)

	lim, err := ts.client.DescribeLimits(ctx(t), &kinesis.DescribeLimitsInput{})
	require.NoError(t, err)
	require.Equal(t, int32(4), *lim.OpenShardCount)
	require.Equal(t, int32(1), *lim.OnDemandStreamCount)
	require.Equal(t, int32(1000), *lim.ShardLimit)
	require.Equal(t, int32(50), *lim.OnDemandStreamCountLimit)
}

func TestListStreams(t *testing.T) {
	ts := startServer(t, "", func(c *config.Config) { c.StatusDelay = 0 })
	for i := range 5 {
		_, err := ts.client.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String(fmt.Sprintf("s%d", i)), ShardCount: aws.Int32(1)})
		require.NoError(t, err)
	}
	out, err := ts.client.ListStreams(ctx(t), &kinesis.ListStreamsInput{Limit: aws.Int32(2)})
	require.NoError(t, err)
	require.Equal(t, []string{"s0", "s1"}, out.StreamNames)
	require.True(t, *out.HasMoreStreams)
	require.Len(t, out.StreamSummaries, 2)
	require.Equal(t, "arn:aws:kinesis:us-east-1:000000000000:stream/s0", *out.StreamSummaries[0].StreamARN)
	require.Equal(t, types.StreamStatusActive, out.StreamSummaries[0].StreamStatus)

	out, err = ts.client.ListStreams(ctx(t), &kinesis.ListStreamsInput{NextToken: out.NextToken, Limit: aws.Int32(2)})
	require.NoError(t, err)
	require.Equal(t, []string{"s2", "s3"}, out.StreamNames)

	out, err = ts.client.ListStreams(ctx(t), &kinesis.ListStreamsInput{ExclusiveStartStreamName: aws.String("s3")})
	require.NoError(t, err)
	require.Equal(t, []string{"s4"}, out.StreamNames)
	require.False(t, *out.HasMoreStreams)
	require.Nil(t, out.NextToken)

	// The SDK paginator walks every page.
	var names []string
	p := kinesis.NewListStreamsPaginator(ts.client, &kinesis.ListStreamsInput{Limit: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		require.NoError(t, err)
		names = append(names, page.StreamNames...)
	}
	require.Equal(t, []string{"s0", "s1", "s2", "s3", "s4"}, names)

	_, err = ts.client.ListStreams(ctx(t), &kinesis.ListStreamsInput{NextToken: aws.String("bogus")})
	requireAPIError(t, err, "InvalidArgumentException", "Invalid NextToken.")
}

func TestDescribeStreamPagination(t *testing.T) {
	ts := startServer(t, "")
	ts.createStream(t, "wide", 5)
	d, err := ts.client.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String("wide"), Limit: aws.Int32(2)})
	require.NoError(t, err)
	require.Len(t, d.StreamDescription.Shards, 2)
	require.True(t, *d.StreamDescription.HasMoreShards)
	d, err = ts.client.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{
		StreamName: aws.String("wide"), Limit: aws.Int32(10), ExclusiveStartShardId: aws.String(shardID(1)),
	})
	require.NoError(t, err)
	require.Len(t, d.StreamDescription.Shards, 3)
	require.Equal(t, shardID(2), *d.StreamDescription.Shards[0].ShardId)
	require.False(t, *d.StreamDescription.HasMoreShards)

	_, err = ts.client.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String("wide"), Limit: aws.Int32(0)})
	requireAPIError(t, err, "ValidationException", "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
}

func TestListShards(t *testing.T) {
	ts := startServer(t, "")
	ts.createStream(t, "ls", 5)
	c := ts.client
	out, err := c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String("ls"), MaxResults: aws.Int32(2)})
	require.NoError(t, err)
	require.Len(t, out.Shards, 2)
	require.NotNil(t, out.NextToken)

	var ids []string
	for _, s := range out.Shards {
		ids = append(ids, *s.ShardId)
	}
	for out.NextToken != nil {
		out, err = c.ListShards(ctx(t), &kinesis.ListShardsInput{NextToken: out.NextToken, MaxResults: aws.Int32(2)})
		require.NoError(t, err)
		for _, s := range out.Shards {
			ids = append(ids, *s.ShardId)
		}
	}
	require.Equal(t, []string{shardID(0), shardID(1), shardID(2), shardID(3), shardID(4)}, ids)

	_, err = c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String("ls"), NextToken: aws.String("x")})
	requireAPIError(t, err, "InvalidArgumentException", "NextToken and StreamName cannot be provided together.")

	out, err = c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String("ls"), ExclusiveStartShardId: aws.String(shardID(2))})
	require.NoError(t, err)
	require.Len(t, out.Shards, 2)

	out, err = c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/ls"),
		ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAfterShardId, ShardId: aws.String(shardID(3))}})
	require.NoError(t, err)
	require.Len(t, out.Shards, 1)
	require.Equal(t, shardID(4), *out.Shards[0].ShardId)

	for _, f := range []types.ShardFilterType{types.ShardFilterTypeAtLatest, types.ShardFilterTypeAtTrimHorizon, types.ShardFilterTypeFromTrimHorizon} {
		out, err = c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String("ls"), ShardFilter: &types.ShardFilter{Type: f}})
		require.NoError(t, err)
		require.Len(t, out.Shards, 5, f)
	}
	out, err = c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String("ls"),
		ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtTimestamp, Timestamp: aws.Time(time.Now())}})
	require.NoError(t, err)
	require.Len(t, out.Shards, 5)

	_, err = c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String("missing")})
	requireAPIError(t, err, "ResourceNotFoundException", "Stream missing under account 000000000000 not found.")
	_, err = c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String("ls"), MaxResults: aws.Int32(10001)})
	requireAPIError(t, err, "ValidationException", "Member must have value less than or equal to 10000")
}
