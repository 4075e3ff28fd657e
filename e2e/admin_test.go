package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/stretchr/testify/require"
)

func TestRetention(t *testing.T) {
	ts := startServer(t, "")
	ts.createStream(t, "ret", 1)
	c := ts.client
	hours := func() int32 {
		out, err := c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("ret")})
		require.NoError(t, err)
		return *out.StreamDescriptionSummary.RetentionPeriodHours
	}
	_, err := c.IncreaseStreamRetentionPeriod(ctx(t), &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("ret"), RetentionPeriodHours: aws.Int32(48)})
	require.NoError(t, err)
	require.Equal(t, int32(48), hours())

	_, err = c.IncreaseStreamRetentionPeriod(ctx(t), &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("ret"), RetentionPeriodHours: aws.Int32(36)})
	requireAPIError(t, err, "InvalidArgumentException",
		"Requested retention period (36 hours) for stream ret can not be shorter than existing retention period (48 hours). Use DecreaseRetentionPeriod API.")
	_, err = c.IncreaseStreamRetentionPeriod(ctx(t), &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("ret"), RetentionPeriodHours: aws.Int32(9000)})
	requireAPIError(t, err, "InvalidArgumentException", "Maximum allowed retention period is 8760 hours. Requested retention period (9000 hours) is too long.")

	_, err = c.DecreaseStreamRetentionPeriod(ctx(t), &kinesis.DecreaseStreamRetentionPeriodInput{StreamName: aws.String("ret"), RetentionPeriodHours: aws.Int32(72)})
	requireAPIError(t, err, "InvalidArgumentException",
		"Requested retention period (72 hours) for stream ret can not be longer than existing retention period (48 hours). Use IncreaseRetentionPeriod API.")
	_, err = c.DecreaseStreamRetentionPeriod(ctx(t), &kinesis.DecreaseStreamRetentionPeriodInput{StreamName: aws.String("ret"), RetentionPeriodHours: aws.Int32(12)})
	requireAPIError(t, err, "InvalidArgumentException", "Minimum allowed retention period is 24 hours. Requested retention period (12 hours) is too short.")
	_, err = c.DecreaseStreamRetentionPeriod(ctx(t), &kinesis.DecreaseStreamRetentionPeriodInput{
		StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/ret"), RetentionPeriodHours: aws.Int32(24)})
	require.NoError(t, err)
	require.Equal(t, int32(24), hours())

	_, err = c.IncreaseStreamRetentionPeriod(ctx(t), &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("gone"), RetentionPeriodHours: aws.Int32(48)})
	requireAPIError(t, err, "ResourceNotFoundException", "Stream gone under account 000000000000 not found.")
	_, err = c.IncreaseStreamRetentionPeriod(ctx(t), &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("ret"), RetentionPeriodHours: aws.Int32(0)})
	requireAPIError(t, err, "ValidationException", "Value '0' at 'retentionPeriodHours' failed to satisfy constraint")
}

func TestTags(t *testing.T) {
	ts := startServer(t, "")
	ts.createStream(t, "tagged", 1)
	c := ts.client
	arn := aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/tagged")

	_, err := c.AddTagsToStream(ctx(t), &kinesis.AddTagsToStreamInput{StreamName: aws.String("tagged"), Tags: map[string]string{"b": "2", "a": "1", "c": ""}})
	require.NoError(t, err)
	lt, err := c.ListTagsForStream(ctx(t), &kinesis.ListTagsForStreamInput{StreamName: aws.String("tagged"), Limit: aws.Int32(2)})
	require.NoError(t, err)
	require.Len(t, lt.Tags, 2)
	require.Equal(t, "a", *lt.Tags[0].Key)
	require.Equal(t, "1", *lt.Tags[0].Value)
	require.True(t, *lt.HasMoreTags)
	lt, err = c.ListTagsForStream(ctx(t), &kinesis.ListTagsForStreamInput{StreamName: aws.String("tagged"), ExclusiveStartTagKey: aws.String("b")})
	require.NoError(t, err)
	require.Len(t, lt.Tags, 1)
	require.Equal(t, "c", *lt.Tags[0].Key)
	require.False(t, *lt.HasMoreTags)

	_, err = c.RemoveTagsFromStream(ctx(t), &kinesis.RemoveTagsFromStreamInput{StreamName: aws.String("tagged"), TagKeys: []string{"a", "zz"}})
	require.NoError(t, err)

	_, err = c.TagResource(ctx(t), &kinesis.TagResourceInput{ResourceARN: arn, Tags: map[string]string{"env": "test"}})
	require.NoError(t, err)
	_, err = c.UntagResource(ctx(t), &kinesis.UntagResourceInput{ResourceARN: arn, TagKeys: []string{"c"}})
	require.NoError(t, err)
	lr, err := c.ListTagsForResource(ctx(t), &kinesis.ListTagsForResourceInput{ResourceARN: arn})
	require.NoError(t, err)
	var keys []string
	for _, tg := range lr.Tags {
		keys = append(keys, *tg.Key)
	}
	require.Equal(t, []string{"b", "env"}, keys)

	many := map[string]string{}
	for i := range 50 {
		many[string(rune('A'+i%26))+string(rune('a'+i/26))] = "v"
	}
	_, err = c.AddTagsToStream(ctx(t), &kinesis.AddTagsToStreamInput{StreamName: aws.String("tagged"), Tags: many})
	requireAPIError(t, err, "InvalidArgumentException", "because a given stream cannot have more than 50 tags associated with it.")
	_, err = c.AddTagsToStream(ctx(t), &kinesis.AddTagsToStreamInput{StreamName: aws.String("tagged"), Tags: map[string]string{"bad!": "x"}})
	requireAPIError(t, err, "InvalidArgumentException", "Some tags contain invalid characters.")
	_, err = c.AddTagsToStream(ctx(t), &kinesis.AddTagsToStreamInput{StreamName: aws.String("tagged"), Tags: map[string]string{}})
	requireAPIError(t, err, "ValidationException", "at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1")
	_, err = c.ListTagsForResource(ctx(t), &kinesis.ListTagsForResourceInput{ResourceARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/none")})
	requireAPIError(t, err, "ResourceNotFoundException", "Stream none under account 000000000000 not found.")
	_, err = c.ListTagsForStream(ctx(t), &kinesis.ListTagsForStreamInput{StreamName: aws.String("none")})
	requireAPIError(t, err, "ResourceNotFoundException", "Stream none under account 000000000000 not found.")
}
