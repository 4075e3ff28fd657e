package firehose

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/firehose/sink"
	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

func requireAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var apiErr smithy.APIError
	require.True(t, errors.As(err, &apiErr), "not an API error: %v", err)
	require.Equal(t, code, apiErr.ErrorCode())
	require.Contains(t, apiErr.ErrorMessage(), msg)
}

func s3Dest(bucket string) *types.ExtendedS3DestinationConfiguration {
	return &types.ExtendedS3DestinationConfiguration{
		BucketARN:      aws.String("arn:aws:s3:::" + bucket),
		RoleARN:        aws.String("arn:aws:iam::000000000000:role/r"),
		BufferingHints: &types.BufferingHints{IntervalInSeconds: aws.Int32(0), SizeInMBs: aws.Int32(1)},
	}
}

func TestLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	for _, name := range []string{"b", "a", "c"} {
		out, err := e.client.CreateDeliveryStream(ctx, &fh.CreateDeliveryStreamInput{
			DeliveryStreamName: aws.String(name), ExtendedS3DestinationConfiguration: s3Dest("lake"),
			Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("data")}},
		})
		require.NoError(t, err)
		require.Equal(t, "arn:aws:firehose:us-east-1:000000000000:deliverystream/"+name, aws.ToString(out.DeliveryStreamARN))
	}
	_, err := e.client.CreateDeliveryStream(ctx, &fh.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("a"), ExtendedS3DestinationConfiguration: s3Dest("lake")})
	requireAPIError(t, err, "ResourceInUseException", "already exists")

	list, err := e.client.ListDeliveryStreams(ctx, &fh.ListDeliveryStreamsInput{Limit: aws.Int32(2)})
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, list.DeliveryStreamNames)
	require.True(t, aws.ToBool(list.HasMoreDeliveryStreams))
	list, err = e.client.ListDeliveryStreams(ctx, &fh.ListDeliveryStreamsInput{ExclusiveStartDeliveryStreamName: aws.String("b")})
	require.NoError(t, err)
	require.Equal(t, []string{"c"}, list.DeliveryStreamNames)
	require.False(t, aws.ToBool(list.HasMoreDeliveryStreams))

	desc, err := e.client.DescribeDeliveryStream(ctx, &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("a")})
	require.NoError(t, err)
	d := desc.DeliveryStreamDescription
	require.Equal(t, types.DeliveryStreamStatusActive, d.DeliveryStreamStatus)
	require.Equal(t, types.DeliveryStreamTypeDirectPut, d.DeliveryStreamType)
	require.Equal(t, "1", aws.ToString(d.VersionId))
	require.NotNil(t, d.CreateTimestamp)
	x := d.Destinations[0].ExtendedS3DestinationDescription
	require.Equal(t, int32(1), aws.ToInt32(x.BufferingHints.SizeInMBs))
	require.Equal(t, types.CompressionFormatUncompressed, x.CompressionFormat)
	require.Equal(t, types.DeliveryStreamEncryptionStatusDisabled, d.DeliveryStreamEncryptionConfiguration.Status)

	// UpdateDestination bumps the version and checks the current one.
	_, err = e.client.UpdateDestination(ctx, &fh.UpdateDestinationInput{
		DeliveryStreamName: aws.String("a"), CurrentDeliveryStreamVersionId: aws.String("1"),
		DestinationId:               d.Destinations[0].DestinationId,
		ExtendedS3DestinationUpdate: &types.ExtendedS3DestinationUpdate{Prefix: aws.String("v2/"), CompressionFormat: types.CompressionFormatGzip},
	})
	require.NoError(t, err)
	_, err = e.client.UpdateDestination(ctx, &fh.UpdateDestinationInput{
		DeliveryStreamName: aws.String("a"), CurrentDeliveryStreamVersionId: aws.String("1"),
		DestinationId:               d.Destinations[0].DestinationId,
		ExtendedS3DestinationUpdate: &types.ExtendedS3DestinationUpdate{Prefix: aws.String("v3/")},
	})
	requireAPIError(t, err, "ConcurrentModificationException", "does not match")
	desc, err = e.client.DescribeDeliveryStream(ctx, &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("a")})
	require.NoError(t, err)
	x = desc.DeliveryStreamDescription.Destinations[0].ExtendedS3DestinationDescription
	require.Equal(t, "2", aws.ToString(desc.DeliveryStreamDescription.VersionId))
	require.Equal(t, "v2/", aws.ToString(x.Prefix))
	require.Equal(t, types.CompressionFormatGzip, x.CompressionFormat)
	require.Equal(t, int32(1), aws.ToInt32(x.BufferingHints.SizeInMBs), "fields not in the update are kept")

	// The new configuration applies: objects under v2/, gzip, version 2.
	_, err = e.client.PutRecord(ctx, &fh.PutRecordInput{DeliveryStreamName: aws.String("a"), Record: &types.Record{Data: []byte("hello\n")}})
	require.NoError(t, err)
	waitFor(t, "v2 object", func() bool {
		for _, f := range e.files("lake") {
			if strings.HasPrefix(f, "v2/") && strings.Contains(f, "/a-2-") && strings.HasSuffix(f, ".gz") {
				return true
			}
		}
		return false
	})

	// Tags.
	_, err = e.client.TagDeliveryStream(ctx, &fh.TagDeliveryStreamInput{DeliveryStreamName: aws.String("a"),
		Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("x")}}})
	require.NoError(t, err)
	tags, err := e.client.ListTagsForDeliveryStream(ctx, &fh.ListTagsForDeliveryStreamInput{DeliveryStreamName: aws.String("a"), Limit: aws.Int32(2)})
	require.NoError(t, err)
	require.Len(t, tags.Tags, 2)
	require.Equal(t, "env", aws.ToString(tags.Tags[0].Key))
	require.True(t, aws.ToBool(tags.HasMoreTags))
	_, err = e.client.UntagDeliveryStream(ctx, &fh.UntagDeliveryStreamInput{DeliveryStreamName: aws.String("a"), TagKeys: []string{"env", "x"}})
	require.NoError(t, err)
	tags, err = e.client.ListTagsForDeliveryStream(ctx, &fh.ListTagsForDeliveryStreamInput{DeliveryStreamName: aws.String("a")})
	require.NoError(t, err)
	require.Len(t, tags.Tags, 1)
	require.Equal(t, "team", aws.ToString(tags.Tags[0].Key))

	// Encryption.
	_, err = e.client.StartDeliveryStreamEncryption(ctx, &fh.StartDeliveryStreamEncryptionInput{DeliveryStreamName: aws.String("a"),
		DeliveryStreamEncryptionConfigurationInput: &types.DeliveryStreamEncryptionConfigurationInput{KeyType: types.KeyTypeAwsOwnedCmk}})
	require.NoError(t, err)
	put, err := e.client.PutRecord(ctx, &fh.PutRecordInput{DeliveryStreamName: aws.String("a"), Record: &types.Record{Data: []byte("x\n")}})
	require.NoError(t, err)
	require.True(t, aws.ToBool(put.Encrypted))
	require.Len(t, aws.ToString(put.RecordId), 39)
	_, err = e.client.StartDeliveryStreamEncryption(ctx, &fh.StartDeliveryStreamEncryptionInput{DeliveryStreamName: aws.String("a"),
		DeliveryStreamEncryptionConfigurationInput: &types.DeliveryStreamEncryptionConfigurationInput{KeyType: types.KeyTypeCustomerManagedCmk}})
	requireAPIError(t, err, "InvalidArgumentException", "KeyARN is required")
	_, err = e.client.StopDeliveryStreamEncryption(ctx, &fh.StopDeliveryStreamEncryptionInput{DeliveryStreamName: aws.String("a")})
	require.NoError(t, err)

	// Restart: delivery streams, versions and tags survive.
	e.restart()
	desc, err = e.client.DescribeDeliveryStream(ctx, &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("a")})
	require.NoError(t, err)
	require.Equal(t, "2", aws.ToString(desc.DeliveryStreamDescription.VersionId))

	_, err = e.client.DeleteDeliveryStream(ctx, &fh.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("a")})
	require.NoError(t, err)
	_, err = e.client.DescribeDeliveryStream(ctx, &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("a")})
	requireAPIError(t, err, "ResourceNotFoundException", "Firehose a under account 000000000000 not found.")
	_, err = e.client.PutRecord(ctx, &fh.PutRecordInput{DeliveryStreamName: aws.String("a"), Record: &types.Record{Data: []byte("x")}})
	requireAPIError(t, err, "ResourceNotFoundException", "not found")
	_, err = e.client.DeleteDeliveryStream(ctx, &fh.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("a")})
	requireAPIError(t, err, "ResourceNotFoundException", "not found")
	e.restart()
	list, err = e.client.ListDeliveryStreams(ctx, &fh.ListDeliveryStreamsInput{})
	require.NoError(t, err)
	require.Equal(t, []string{"b", "c"}, list.DeliveryStreamNames)
}

func TestValidation(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	create := func(name string, dest *types.ExtendedS3DestinationConfiguration) error {
		_, err := e.client.CreateDeliveryStream(ctx, &fh.CreateDeliveryStreamInput{DeliveryStreamName: aws.String(name), ExtendedS3DestinationConfiguration: dest})
		return err
	}
	requireAPIError(t, create("bad name!", s3Dest("lake")), "ValidationException", "regular expression pattern: [a-zA-Z0-9_.-]+")
	requireAPIError(t, create(strings.Repeat("n", 65), s3Dest("lake")), "ValidationException", "length less than or equal to 64")
	_, err := e.client.CreateDeliveryStream(ctx, &fh.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("none")})
	requireAPIError(t, err, "InvalidArgumentException", "Exactly one destination")

	d := s3Dest("lake")
	d.BucketARN = aws.String("lake")
	requireAPIError(t, create("x", d), "InvalidArgumentException", "BucketARN")
	d = s3Dest("lake")
	d.BufferingHints.SizeInMBs = aws.Int32(200)
	requireAPIError(t, create("x", d), "ValidationException", "between 1 and 128")
	d = s3Dest("lake")
	d.BufferingHints.IntervalInSeconds = aws.Int32(901)
	requireAPIError(t, create("x", d), "ValidationException", "between 0 and 900")
	d = s3Dest("lake")
	d.Prefix = aws.String("!{partitionKeyFromQuery:k}/")
	d.ErrorOutputPrefix = aws.String("err/")
	requireAPIError(t, create("x", d), "InvalidArgumentException", "dynamic partitioning is enabled")
	d = s3Dest("lake")
	d.Prefix = aws.String("!{timestamp:yyyy}/")
	requireAPIError(t, create("x", d), "InvalidArgumentException", "ErrorOutputPrefix cannot be null")
	d = s3Dest("lake")
	d.Prefix = aws.String("!{nope:x}/")
	d.ErrorOutputPrefix = aws.String("err/")
	requireAPIError(t, create("x", d), "InvalidArgumentException", "unsupported namespace")
	d = s3Dest("lake")
	d.ProcessingConfiguration = &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{{
		Type: types.ProcessorTypeMetadataExtraction, Parameters: []types.ProcessorParameter{
			{ParameterName: types.ProcessorParameterNameMetadataExtractionQuery, ParameterValue: aws.String("{a: .b")}}}}}
	requireAPIError(t, create("x", d), "InvalidArgumentException", "jq")
	d = parquetDest("lake")
	requireAPIError(t, create("x", d), "InvalidArgumentException", "no schema")
	d.DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer = &types.Serializer{OrcSerDe: &types.OrcSerDe{}}
	requireAPIError(t, create("x", d), "InvalidArgumentException", "ORC")

	require.NoError(t, create("ok", s3Dest("lake")))
	var recs []types.Record
	for range 501 {
		recs = append(recs, types.Record{Data: []byte("x")})
	}
	_, err = e.client.PutRecordBatch(ctx, &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("ok"), Records: recs})
	requireAPIError(t, err, "ValidationException", "less than or equal to 500")
	_, err = e.client.PutRecord(ctx, &fh.PutRecordInput{DeliveryStreamName: aws.String("ok"), Record: &types.Record{Data: make([]byte, 1_024_001)}})
	requireAPIError(t, err, "ValidationException", "1024000")
	recs = nil
	for range 5 {
		recs = append(recs, types.Record{Data: make([]byte, 1_000_000)})
	}
	_, err = e.client.PutRecordBatch(ctx, &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("ok"), Records: recs})
	requireAPIError(t, err, "InvalidArgumentException", "Records size exceeds 4 MB limit")
	_, err = e.client.ListDeliveryStreams(ctx, &fh.ListDeliveryStreamsInput{Limit: aws.Int32(0)})
	requireAPIError(t, err, "ValidationException", "between 1 and 10000")
	_, err = e.client.TagDeliveryStream(ctx, &fh.TagDeliveryStreamInput{DeliveryStreamName: aws.String("ok"),
		Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("v")}}})
	requireAPIError(t, err, "InvalidArgumentException", "aws:")

	// Protocol: unknown operation, wrong target.
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL, strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Firehose_20150804.Nope")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/firehose/aws4_request, SignedHeaders=host, Signature=abc")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 400, resp.StatusCode)
	require.Contains(t, string(body), "UnknownOperationException")
}

// TestS3CompatibleBucket delivers to an S3-compatible server (gofakes3
// embedded on loopback) through the AWS SDK's S3 client.
func TestS3CompatibleBucket(t *testing.T) {
	faker := gofakes3.New(s3mem.New())
	srv := httptest.NewServer(faker.Server())
	defer srv.Close()
	client := sink.NewS3Client(sink.S3Config{Endpoint: srv.URL, AccessKeyID: "k", SecretAccessKey: "s", PathStyle: true})
	_, err := client.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("remote")})
	require.NoError(t, err)
	e := newEnv(t, func(o *Options) {
		o.Buckets = map[string]sink.Bucket{"remote": &sink.S3Bucket{Client: client, Bucket: "remote"}}
	})
	ctx := ctxT(t)
	d := s3Dest("remote")
	d.CompressionFormat = types.CompressionFormatSnappy
	d.Prefix = aws.String("raw/")
	_, err = e.client.CreateDeliveryStream(ctx, &fh.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("s3"), ExtendedS3DestinationConfiguration: d})
	require.NoError(t, err)
	putN(t, e, "s3", 20, func(i int) string { return fmt.Sprintf("line %d\n", i) })
	var keys []string
	waitFor(t, "objects in S3", func() bool {
		out, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("remote")})
		require.NoError(t, err)
		keys = nil
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		return len(keys) > 0
	})
	require.Regexp(t, `^raw/\d{4}/\d\d/\d\d/\d\d/s3-1-.*\.snappy$`, keys[0])
}

// TestRecoverIncompleteCreation: a hidden stream without metadata (a
// creation cut short) is removed on start; one whose metadata does not
// decode is kept, with its records, and not served.
func TestRecoverIncompleteCreation(t *testing.T) {
	e := newEnv(t)
	_, err := e.store.CreateStream(HiddenPrefix+"half", 1, time.Hour, "PROVISIONED", nil)
	require.NoError(t, err)
	_, err = e.store.CreateStream(HiddenPrefix+"garbled", 1, time.Hour, "PROVISIONED", nil)
	require.NoError(t, err)
	_, err = e.store.UpdateStream(HiddenPrefix+"garbled", func(s *catalog.Stream) error {
		s.Attrs = map[string]string{attrMeta: "{not json"}
		return nil
	})
	require.NoError(t, err)
	e.restart()
	_, err = e.store.Stream(HiddenPrefix + "half")
	require.ErrorIs(t, err, storage.ErrStreamNotFound)
	_, err = e.store.Stream(HiddenPrefix + "garbled")
	require.NoError(t, err)
	list, err := e.client.ListDeliveryStreams(ctxT(t), &fh.ListDeliveryStreamsInput{})
	require.NoError(t, err)
	require.Empty(t, list.DeliveryStreamNames)
}
