package e2e

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/config"
)

const channelRole = "arn:aws:iam::000000000000:role/channel"

func (ts *testServer) createOnDemandStream(t *testing.T, name string) {
	t.Helper()
	_, err := ts.client.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String(name),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}})
	require.NoError(t, err)
	ts.waitActive(t, name)
}

func channelInput(name, stream string, freshness int32) *kinesis.CreateChannelInput {
	return &kinesis.CreateChannelInput{
		ChannelName:             aws.String(name),
		ServiceExecutionRoleARN: aws.String(channelRole),
		StreamConfigurationList: []types.ChannelStreamConfiguration{{
			StreamARN:           aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/" + stream),
			RecordConfiguration: &types.RecordConfiguration{RecordFormatType: types.RecordFormatTypeJson},
		}},
		S3DestinationConfiguration: &types.S3DestinationConfiguration{
			DataFreshnessInSeconds: aws.Int32(freshness),
			StorageConfiguration: &types.S3StorageConfiguration{
				BucketARN:           aws.String("arn:aws:s3:::lake"),
				CompressionType:     types.S3CompressionTypeNone,
				ExpectedBucketOwner: aws.String("000000000000"),
			},
		},
		Tags: map[string]string{"team": "data"},
	}
}

// bucketLines returns the lines of every object under dir.
func bucketLines(dir string) []string {
	var lines []string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
			b, _ := os.ReadFile(path)
			for l := range strings.SplitSeq(strings.TrimSuffix(string(b), "\n"), "\n") {
				if l != "" {
					lines = append(lines, l)
				}
			}
		}
		return nil
	})
	sort.Strings(lines)
	return lines
}

func (ts *testServer) putJSON(t *testing.T, stream string, recs ...string) {
	t.Helper()
	var entries []types.PutRecordsRequestEntry
	for _, r := range recs {
		entries = append(entries, types.PutRecordsRequestEntry{PartitionKey: aws.String(r), Data: []byte(r)})
	}
	out, err := ts.client.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
	require.NoError(t, err)
	require.Zero(t, aws.ToInt32(out.FailedRecordCount))
}

// TestChannelDeliversToBucket runs a channel's whole life with the SDK:
// CREATING then ACTIVE, records put after it land in the local bucket,
// list/describe/update, the restart keeps it delivering, delete removes
// it.
func TestChannelDeliversToBucket(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, dir)
	ts.createOnDemandStream(t, "orders")
	c := ts.client

	out, err := c.CreateChannel(ctx(t), channelInput("orders-to-lake", "orders", 0))
	require.NoError(t, err)
	d := out.ChannelDescription
	arn := "arn:aws:kinesis:us-east-1:000000000000:channel/orders-to-lake"
	require.Equal(t, arn, aws.ToString(d.ChannelARN))
	require.Equal(t, types.ChannelStatusCreating, d.ChannelStatus)
	require.NotEmpty(t, aws.ToString(d.ChannelId))
	require.Equal(t, channelRole, aws.ToString(d.ServiceExecutionRoleARN))
	require.Equal(t, "arn:aws:kinesis:us-east-1:000000000000:stream/orders", aws.ToString(d.StreamConfigurationList[0].StreamARN))
	require.NotNil(t, d.StreamConfigurationList[0].StreamCreationTimestamp)
	require.Equal(t, int32(0), aws.ToInt32(d.S3DestinationConfiguration.DataFreshnessInSeconds))
	require.Equal(t, "arn:aws:s3:::lake", aws.ToString(d.S3DestinationConfiguration.DeadLetterQueueS3Configuration.BucketARN))

	require.Eventually(t, func() bool {
		o, err := c.DescribeChannel(ctx(t), &kinesis.DescribeChannelInput{ChannelARN: aws.String(arn)})
		return err == nil && o.ChannelDescription.ChannelStatus == types.ChannelStatusActive
	}, 5*time.Second, 5*time.Millisecond)

	_, err = c.CreateChannel(ctx(t), channelInput("orders-to-lake", "orders", 0))
	requireAPIError(t, err, "ResourceInUseException", "Channel orders-to-lake under account 000000000000 already exists")

	ts.putJSON(t, "orders", `{"id":1}`, `{"id":2}`, `{"id":3}`)
	lake := filepath.Join(dir, "firehose", "buckets", "lake", "channels", "orders-to-lake")
	require.Eventually(t, func() bool { return len(bucketLines(lake)) == 3 }, 30*time.Second, 20*time.Millisecond)
	require.Equal(t, []string{`{"id":1}`, `{"id":2}`, `{"id":3}`}, bucketLines(lake))

	list, err := c.ListChannels(ctx(t), &kinesis.ListChannelsInput{})
	require.NoError(t, err)
	require.Len(t, list.ChannelSummaries, 1)
	s := list.ChannelSummaries[0]
	require.Equal(t, "orders-to-lake", aws.ToString(s.ChannelName))
	require.Equal(t, types.ChannelDestinationTypeS3, s.ChannelDestinationType)
	require.Equal(t, types.ChannelStatusActive, s.ChannelStatus)
	require.Equal(t, "arn:aws:kinesis:us-east-1:000000000000:stream/orders", aws.ToString(s.Streams[0].StreamARN))
	require.Nil(t, list.NextToken)

	// The delivery stream behind the channel is not a Firehose delivery
	// stream of the account.
	fhList, err := firehoseClient(ts.url).ListDeliveryStreams(ctx(t), nil)
	require.NoError(t, err)
	require.Empty(t, fhList.DeliveryStreamNames)

	up, err := c.UpdateChannel(ctx(t), &kinesis.UpdateChannelInput{ChannelARN: aws.String(arn),
		S3DestinationConfiguration: &types.S3DestinationUpdateInput{DataFreshnessInSeconds: aws.Int32(1)}})
	require.NoError(t, err)
	require.Equal(t, types.ChannelStatusUpdating, up.ChannelDescription.ChannelStatus)
	require.Equal(t, int32(1), aws.ToInt32(up.ChannelDescription.S3DestinationConfiguration.DataFreshnessInSeconds))
	require.Eventually(t, func() bool {
		o, err := c.DescribeChannel(ctx(t), &kinesis.DescribeChannelInput{ChannelARN: aws.String(arn)})
		return err == nil && o.ChannelDescription.ChannelStatus == types.ChannelStatusActive
	}, 5*time.Second, 5*time.Millisecond)

	// Restart: the channel and its delivery survive.
	require.NoError(t, ts.Close(ctx(t)))
	ts = startServer(t, dir)
	c = ts.client
	o, err := c.DescribeChannel(ctx(t), &kinesis.DescribeChannelInput{ChannelARN: aws.String(arn)})
	require.NoError(t, err)
	require.Equal(t, types.ChannelStatusActive, o.ChannelDescription.ChannelStatus)
	require.Equal(t, int32(1), aws.ToInt32(o.ChannelDescription.S3DestinationConfiguration.DataFreshnessInSeconds))
	ts.putJSON(t, "orders", `{"id":4}`)
	require.Eventually(t, func() bool { return len(bucketLines(lake)) == 4 }, 30*time.Second, 20*time.Millisecond)

	_, err = c.DeleteChannel(ctx(t), &kinesis.DeleteChannelInput{ChannelARN: aws.String(arn)})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, err := c.DescribeChannel(ctx(t), &kinesis.DescribeChannelInput{ChannelARN: aws.String(arn)})
		return err != nil
	}, 5*time.Second, 5*time.Millisecond)
	_, err = c.DescribeChannel(ctx(t), &kinesis.DescribeChannelInput{ChannelARN: aws.String(arn)})
	requireAPIError(t, err, "ResourceNotFoundException", "Channel orders-to-lake under account 000000000000 not found.")
	list, err = c.ListChannels(ctx(t), &kinesis.ListChannelsInput{})
	require.NoError(t, err)
	require.Empty(t, list.ChannelSummaries)
	// No longer delivered.
	ts.putJSON(t, "orders", `{"id":5}`)
	time.Sleep(300 * time.Millisecond)
	require.Len(t, bucketLines(lake), 4)
}

// TestChannelErrors covers the refusals: Iceberg destinations, provisioned
// streams, unknown streams and channels, bad arguments.
func TestChannelErrors(t *testing.T) {
	ts := startServer(t, "")
	ts.createOnDemandStream(t, "od")
	ts.createStream(t, "prov", 1)
	c := ts.client

	in := channelInput("ice", "od", 60)
	in.S3DestinationConfiguration = nil
	in.S3TablesDestinationConfiguration = &types.S3TablesDestinationConfiguration{
		DeadLetterQueueS3Configuration: &types.DeadLetterQueueS3Configuration{
			BucketARN: aws.String("arn:aws:s3:::dlq"), ExpectedBucketOwner: aws.String("000000000000")},
		S3TablesConfigurationList: []types.S3TablesConfiguration{{
			TableBucketARN: aws.String("arn:aws:s3tables:us-east-1:000000000000:bucket/tables"),
			Namespace:      aws.String("ns"), TableName: aws.String("t"), CompressionType: types.S3TablesCompressionTypeZstd,
		}},
	}
	_, err := c.CreateChannel(ctx(t), in)
	requireAPIError(t, err, "InvalidArgumentException", "S3 Tables (Iceberg) destinations are not supported by Eddy; use S3DestinationConfiguration")

	_, err = c.CreateChannel(ctx(t), channelInput("p", "prov", 60))
	requireAPIError(t, err, "InvalidArgumentException", "ON_DEMAND")

	_, err = c.CreateChannel(ctx(t), channelInput("m", "missing", 60))
	requireAPIError(t, err, "ResourceNotFoundException", "Stream missing under account 000000000000 not found.")

	_, err = c.CreateChannel(ctx(t), channelInput("bad name!", "od", 60))
	requireAPIError(t, err, "ValidationException", "channelName")

	in = channelInput("z", "od", 60)
	in.S3DestinationConfiguration.StorageConfiguration.CompressionType = types.S3CompressionTypeZstd
	_, err = c.CreateChannel(ctx(t), in)
	requireAPIError(t, err, "InvalidArgumentException", "ZSTD")

	_, err = c.CreateChannel(ctx(t), channelInput("f", "od", 5000))
	requireAPIError(t, err, "InvalidArgumentException", "DataFreshnessInSeconds")

	in = channelInput("g", "od", 60)
	in.StreamConfigurationList[0].RecordConfiguration.RecordFormatType = types.RecordFormatTypeGsrJson
	_, err = c.CreateChannel(ctx(t), in)
	requireAPIError(t, err, "InvalidArgumentException", "GSR_JSON")

	_, err = c.DescribeChannel(ctx(t), &kinesis.DescribeChannelInput{ChannelARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:channel/nope")})
	requireAPIError(t, err, "ResourceNotFoundException", "Channel nope under account 000000000000 not found.")
	_, err = c.DeleteChannel(ctx(t), &kinesis.DeleteChannelInput{ChannelARN: aws.String("not-an-arn")})
	requireAPIError(t, err, "InvalidArgumentException", "ChannelARN not-an-arn is invalid.")
	_, err = c.UpdateChannel(ctx(t), &kinesis.UpdateChannelInput{ChannelARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:channel/nope"),
		S3DestinationConfiguration: &types.S3DestinationUpdateInput{DataFreshnessInSeconds: aws.Int32(60)}})
	requireAPIError(t, err, "ResourceNotFoundException", "Channel nope")

	// A channel still CREATING cannot be updated (slow status changes).
	ts2 := startServer(t, "", func(cfg *config.Config) { cfg.StatusDelay = 2 * time.Second })
	ts2.createOnDemandStream(t, "od")
	_, err = ts2.client.CreateChannel(ctx(t), channelInput("slow", "od", 60))
	require.NoError(t, err)
	_, err = ts2.client.UpdateChannel(ctx(t), &kinesis.UpdateChannelInput{ChannelARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:channel/slow"),
		S3DestinationConfiguration: &types.S3DestinationUpdateInput{DataFreshnessInSeconds: aws.Int32(30)}})
	requireAPIError(t, err, "ResourceInUseException", "not ACTIVE, instead in state CREATING")

	// Paging.
	for _, n := range []string{"a", "b", "c"} {
		_, err := c.CreateChannel(ctx(t), channelInput(n, "od", 60))
		require.NoError(t, err)
	}
	var names []string
	var token *string
	for {
		out, err := c.ListChannels(ctx(t), &kinesis.ListChannelsInput{MaxResults: aws.Int32(2), NextToken: token,
			StreamFilter: []types.StreamFilter{{StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/od")}}})
		require.NoError(t, err)
		for _, s := range out.ChannelSummaries {
			names = append(names, aws.ToString(s.ChannelName))
		}
		if out.NextToken == nil {
			break
		}
		token = out.NextToken
	}
	require.Equal(t, []string{"a", "b", "c"}, names)
	out, err := c.ListChannels(ctx(t), &kinesis.ListChannelsInput{
		StreamFilter: []types.StreamFilter{{StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/prov")}}})
	require.NoError(t, err)
	require.Empty(t, out.ChannelSummaries)
}
