package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ka "github.com/aws/aws-sdk-go-v2/service/kinesisanalytics"
	katypes "github.com/aws/aws-sdk-go-v2/service/kinesisanalytics/types"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/auth"
)

// TestSecurityOtherAPIs checks Firehose and Kinesis Analytics under
// authentication: the account's principals may use them, other accounts
// may not, and neither opens a Kinesis stream its policy closes to the
// caller (a delivery stream or an application reads and writes streams
// on its creator's behalf).
func TestSecurityOtherAPIs(t *testing.T) {
	ts := startServer(t, "", withAuth(keyAlice, keyBob, keyRoot, keyPartner))
	root := keyClient(ts.url, keyRoot)
	ts.client = root
	ts.createStream(t, "private", 1)
	ts.createStream(t, "open", 1)
	privateARN := "arn:aws:kinesis:us-east-1:" + secAccount + ":stream/private"
	openARN := "arn:aws:kinesis:us-east-1:" + secAccount + ":stream/open"
	_, err := root.PutResourcePolicy(ctx(t), &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(privateARN), Policy: aws.String(
		`{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"AWS": "` + aliceARN + `"}, "Action": "kinesis:*", "Resource": "*"}}`)})
	require.NoError(t, err)

	firehoseOf := func(k auth.Key) *fh.Client {
		return fh.New(fh.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.url), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, ""),
			HTTPClient:  &http.Client{Timeout: 30 * time.Second}})
	}
	createDelivery := func(k auth.Key, name, source string) error {
		role := aws.String("arn:aws:iam::" + secAccount + ":role/firehose")
		_, err := firehoseOf(k).CreateDeliveryStream(ctx(t), &fh.CreateDeliveryStreamInput{
			DeliveryStreamName:               aws.String(name),
			DeliveryStreamType:               fhtypes.DeliveryStreamTypeKinesisStreamAsSource,
			KinesisStreamSourceConfiguration: &fhtypes.KinesisStreamSourceConfiguration{KinesisStreamARN: aws.String(source), RoleARN: role},
			ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
				BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: role},
		})
		return err
	}
	err = createDelivery(keyBob, "from-private", privateARN)
	requireAPIError(t, err, "AccessDeniedException",
		"User: "+bobARN+" is not authorized to perform: kinesis:GetRecords on resource: "+privateARN+" because no resource-based policy allows")
	require.NoError(t, createDelivery(keyAlice, "from-private", privateARN))
	require.NoError(t, createDelivery(keyBob, "from-open", openARN))
	_, err = firehoseOf(keyPartner).ListDeliveryStreams(ctx(t), &fh.ListDeliveryStreamsInput{})
	requireAPIError(t, err, "AccessDeniedException", "firehose:ListDeliveryStreams on resource: * because the caller does not belong to the account")
	_, err = firehoseOf(keyPartner).DescribeDeliveryStream(ctx(t), &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("from-open")})
	requireAPIError(t, err, "AccessDeniedException", "is not authorized to perform: firehose:DescribeDeliveryStream on resource: arn:aws:firehose:us-east-1:"+
		secAccount+":deliverystream/from-open")

	analyticsOf := func(k auth.Key) *ka.Client {
		return ka.New(ka.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.url), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, ""),
			HTTPClient:  &http.Client{Timeout: 30 * time.Second}})
	}
	createApp := func(k auth.Key, name, in, out string) error {
		role := aws.String("arn:aws:iam::" + secAccount + ":role/analytics")
		_, err := analyticsOf(k).CreateApplication(ctx(t), &ka.CreateApplicationInput{
			ApplicationName: aws.String(name),
			Inputs: []katypes.Input{{NamePrefix: aws.String("SOURCE_SQL_STREAM"),
				InputSchema: &katypes.SourceSchema{
					RecordFormat: &katypes.RecordFormat{RecordFormatType: katypes.RecordFormatTypeJson,
						MappingParameters: &katypes.MappingParameters{JSONMappingParameters: &katypes.JSONMappingParameters{RecordRowPath: aws.String("$")}}},
					RecordColumns: []katypes.RecordColumn{{Name: aws.String("A"), SqlType: aws.String("INTEGER"), Mapping: aws.String("$.a")}},
				},
				KinesisStreamsInput: &katypes.KinesisStreamsInput{ResourceARN: aws.String(in), RoleARN: role}}},
			Outputs: []katypes.Output{{Name: aws.String("DESTINATION_SQL_STREAM"),
				DestinationSchema:    &katypes.DestinationSchema{RecordFormatType: katypes.RecordFormatTypeJson},
				KinesisStreamsOutput: &katypes.KinesisStreamsOutput{ResourceARN: aws.String(out), RoleARN: role}}},
		})
		return err
	}
	err = createApp(keyBob, "reads-private", privateARN, openARN)
	requireAPIError(t, err, "AccessDeniedException", "kinesis:GetRecords on resource: "+privateARN)
	err = createApp(keyBob, "writes-private", openARN, privateARN)
	requireAPIError(t, err, "AccessDeniedException", "kinesis:PutRecords on resource: "+privateARN)
	require.NoError(t, createApp(keyAlice, "alice-app", privateARN, openARN))
	_, err = analyticsOf(keyPartner).ListApplications(ctx(t), &ka.ListApplicationsInput{})
	requireAPIError(t, err, "AccessDeniedException", "kinesisanalytics:ListApplications")
}
