package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ka "github.com/aws/aws-sdk-go-v2/service/kinesisanalytics"
	katypes "github.com/aws/aws-sdk-go-v2/service/kinesisanalytics/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/auth"
	"github.com/eddy-streaming/eddy/internal/config"
	"github.com/eddy-streaming/eddy/internal/firehose/sink"
)

// TestAnalyticsMounted runs a SQL application through the server: the
// Kinesis Analytics API shares the port, the application reads a Kinesis
// stream and writes to a Firehose delivery stream, its metrics are on
// /metrics, and it runs again after a restart.
func TestAnalyticsMounted(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	srv, err := New(cfg, nil)
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	ctx := t.Context()
	url := "http://" + srv.Addr()
	creds := credentials.NewStaticCredentialsProvider("AKID", "secret", "")
	kc := kinesis.New(kinesis.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: creds})
	fc := fh.New(fh.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: creds})
	ac := ka.New(ka.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: creds})

	_, err = kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("in"), ShardCount: aws.Int32(1)})
	require.NoError(t, err)
	_, err = fc.CreateDeliveryStream(ctx, &fh.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("lake"),
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
			BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String("arn:aws:iam::000000000000:role/r"),
			BufferingHints: &fhtypes.BufferingHints{IntervalInSeconds: aws.Int32(0), SizeInMBs: aws.Int32(1)}}})
	require.NoError(t, err)
	role := aws.String("arn:aws:iam::000000000000:role/r")
	_, err = ac.CreateApplication(ctx, &ka.CreateApplicationInput{ApplicationName: aws.String("app"),
		ApplicationCode: aws.String(`CREATE OR REPLACE STREAM "OUT" (v INTEGER);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM v * 2 FROM "SOURCE_SQL_STREAM_001";`),
		Inputs: []katypes.Input{{NamePrefix: aws.String("SOURCE_SQL_STREAM"),
			KinesisStreamsInput: &katypes.KinesisStreamsInput{ResourceARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/in"), RoleARN: role},
			InputSchema: &katypes.SourceSchema{RecordFormat: &katypes.RecordFormat{RecordFormatType: katypes.RecordFormatTypeCsv},
				RecordColumns: []katypes.RecordColumn{{Name: aws.String("V"), SqlType: aws.String("INTEGER")}}}}},
		Outputs: []katypes.Output{{Name: aws.String("OUT"), DestinationSchema: &katypes.DestinationSchema{RecordFormatType: katypes.RecordFormatTypeCsv},
			KinesisFirehoseOutput: &katypes.KinesisFirehoseOutput{ResourceARN: aws.String("arn:aws:firehose:us-east-1:000000000000:deliverystream/lake"), RoleARN: role}}},
	})
	require.NoError(t, err)
	_, err = ac.StartApplication(ctx, &ka.StartApplicationInput{ApplicationName: aws.String("app"),
		InputConfigurations: []katypes.InputConfiguration{{Id: aws.String("1.1"),
			InputStartingPositionConfiguration: &katypes.InputStartingPositionConfiguration{InputStartingPosition: katypes.InputStartingPositionTrimHorizon}}}})
	require.NoError(t, err)
	_, err = kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("in"), PartitionKey: aws.String("k"), Data: []byte("21")})
	require.NoError(t, err)

	bucket := filepath.Join(dir, "firehose", "buckets", "lake")
	require.Eventually(t, func() bool {
		var data string
		_ = filepath.WalkDir(bucket, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(path)
				data += string(b)
			}
			return nil
		})
		return data == "42\n"
	}, 10*time.Second, 20*time.Millisecond)

	resp, err := http.Get(url + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(body), `eddy_sql_pump_rows_total{application="app",direction="out",pump="P"} 1`)
	require.Contains(t, string(body), `eddy_sql_application_running{application="app"} 1`)

	require.NoError(t, srv.Close(context.Background()))
	srv, err = New(cfg, nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, srv.Close(context.Background())) }()
	out, err := srv.analytics.Call(ctx, "DescribeApplication", []byte(`{"ApplicationName":"app"}`))
	require.NoError(t, err)
	require.True(t, strings.Contains(toJSON(t, out), `"ApplicationStatus":"RUNNING"`) ||
		strings.Contains(toJSON(t, out), `"ApplicationStatus":"STARTING"`))
}

func toJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// TestAnalyticsAuthenticated checks that with authentication on, the
// Kinesis Analytics API takes signed requests of a configured key and
// refuses others.
func TestAnalyticsAuthenticated(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Auth.Enabled = true
	cfg.Auth.Keys = []auth.Key{{AccessKeyID: "AKIAANALYTICS0000001", SecretAccessKey: "analytics-secret-0123456789ab", Principal: "alice"}}
	srv, err := New(cfg, nil)
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	defer func() { require.NoError(t, srv.Close(context.Background())) }()
	client := func(id, secret string) *ka.Client {
		return ka.New(ka.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + srv.Addr()), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(id, secret, "")})
	}
	_, err = client("AKIAANALYTICS0000001", "analytics-secret-0123456789ab").ListApplications(t.Context(), &ka.ListApplicationsInput{})
	require.NoError(t, err)
	_, err = client("AKIAANALYTICS0000001", "wrong").ListApplications(t.Context(), &ka.ListApplicationsInput{})
	require.ErrorContains(t, err, "InvalidSignatureException")
}

// TestAnalyticsS3Reference reads reference data and discovers a schema
// from an object of an S3-compatible server (gofakes3 on loopback) set in
// the analytics section of the configuration.
func TestAnalyticsS3Reference(t *testing.T) {
	faker := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	defer faker.Close()
	s3c := sink.NewS3Client(sink.S3Config{Endpoint: faker.URL, AccessKeyID: "k", SecretAccessKey: "s", PathStyle: true})
	_, err := s3c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("refs")})
	require.NoError(t, err)
	_, err = s3c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("refs"), Key: aws.String("ref/names.json"),
		Body: strings.NewReader("{\"ticker\":\"A\",\"name\":\"Alpha\"}\n{\"ticker\":\"B\",\"name\":\"Beta\"}\n")})
	require.NoError(t, err)

	cfg := testConfig(t, t.TempDir())
	cfg.Analytics.S3 = config.AnalyticsS3{Endpoint: faker.URL, AccessKeyID: "k", SecretAccessKey: "s"}
	srv, err := New(cfg, nil)
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	defer func() { require.NoError(t, srv.Close(context.Background())) }()
	ac := ka.New(ka.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + srv.Addr()), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")})
	role := aws.String("arn:aws:iam::000000000000:role/r")

	disc, err := ac.DiscoverInputSchema(t.Context(), &ka.DiscoverInputSchemaInput{S3Configuration: &katypes.S3Configuration{
		BucketARN: aws.String("arn:aws:s3:::refs"), FileKey: aws.String("ref/names.json"), RoleARN: role}})
	require.NoError(t, err)
	require.Len(t, disc.InputSchema.RecordColumns, 2)

	_, err = ac.CreateApplication(t.Context(), &ka.CreateApplicationInput{ApplicationName: aws.String("app")})
	require.NoError(t, err)
	ref := func(key string) *katypes.ReferenceDataSource {
		return &katypes.ReferenceDataSource{TableName: aws.String("NAMES"), ReferenceSchema: disc.InputSchema,
			S3ReferenceDataSource: &katypes.S3ReferenceDataSource{BucketARN: aws.String("arn:aws:s3:::refs"), FileKey: aws.String(key), ReferenceRoleARN: role}}
	}
	_, err = ac.AddApplicationReferenceDataSource(t.Context(), &ka.AddApplicationReferenceDataSourceInput{ApplicationName: aws.String("app"),
		CurrentApplicationVersionId: aws.Int64(1), ReferenceDataSource: ref("missing.json")})
	var bad *katypes.InvalidArgumentException
	require.ErrorAs(t, err, &bad)
	_, err = ac.AddApplicationReferenceDataSource(t.Context(), &ka.AddApplicationReferenceDataSourceInput{ApplicationName: aws.String("app"),
		CurrentApplicationVersionId: aws.Int64(1), ReferenceDataSource: ref("ref/names.json")})
	require.NoError(t, err)
}
