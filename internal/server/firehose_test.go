package server

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/config"
)

// TestFirehoseMounted drives delivery streams through the server: the
// Firehose API shares the port with Kinesis, a bucket mapped in the
// configuration receives the objects, metrics are on /metrics, the
// hidden storage stream stays out of the Kinesis API and its limits, and
// the delivery stream survives a restart.
func TestFirehoseMounted(t *testing.T) {
	dir, side := t.TempDir(), t.TempDir()
	cfg := testConfig(t, dir)
	cfg.Limits.ShardLimit = 1
	cfg.Firehose.Buckets = map[string]config.FirehoseBucket{"side": {Dir: side}}
	srv, err := New(cfg, nil)
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	defer func() { require.NoError(t, srv.Close(context.Background())) }()
	ctx := t.Context()
	url := "http://" + srv.Addr()
	creds := credentials.NewStaticCredentialsProvider("AKID", "secret", "")
	fc := fh.New(fh.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: creds})
	kc := kinesis.New(kinesis.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: creds})

	for _, name := range []string{"local", "mapped"} {
		_, err = fc.CreateDeliveryStream(ctx, &fh.CreateDeliveryStreamInput{
			DeliveryStreamName: aws.String(name),
			ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
				BucketARN: aws.String(map[string]string{"local": "arn:aws:s3:::lake", "mapped": "arn:aws:s3:::side"}[name]),
				RoleARN:   aws.String("arn:aws:iam::000000000000:role/r"), Prefix: aws.String("p/"),
				BufferingHints: &fhtypes.BufferingHints{IntervalInSeconds: aws.Int32(0), SizeInMBs: aws.Int32(1)},
			},
		})
		require.NoError(t, err)
		out, err := fc.PutRecordBatch(ctx, &fh.PutRecordBatchInput{DeliveryStreamName: aws.String(name),
			Records: []fhtypes.Record{{Data: []byte("a\n")}, {Data: []byte("b\n")}}})
		require.NoError(t, err)
		require.Zero(t, aws.ToInt32(out.FailedPutCount))
	}
	for _, root := range []string{filepath.Join(dir, "firehose", "buckets", "lake"), side} {
		require.Eventually(t, func() bool {
			var n int
			_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && filepath.Ext(path) == "" {
					b, _ := os.ReadFile(path)
					n += len(b)
				}
				return nil
			})
			return n == 4
		}, 10*time.Second, 10*time.Millisecond, root)
	}

	// The hidden streams count for nothing on the Kinesis side.
	_, err = kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("k"), ShardCount: aws.Int32(1)})
	require.NoError(t, err, "hidden streams are outside the shard limit")
	list, err := kc.ListStreams(ctx, &kinesis.ListStreamsInput{})
	require.NoError(t, err)
	require.Equal(t, []string{"k"}, list.StreamNames)
	_, err = kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{
		StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/$firehose/local")})
	require.Error(t, err)

	resp, err := http.Get(url + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(body), `eddy_firehose_incoming_records_total{delivery_stream="mapped"} 2`)

	require.NoError(t, srv.Close(context.Background()))
	srv, err = New(cfg, nil)
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	fc = fh.New(fh.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + srv.Addr()), Credentials: creds})
	names, err := fc.ListDeliveryStreams(ctx, &fh.ListDeliveryStreamsInput{})
	require.NoError(t, err)
	require.Equal(t, []string{"local", "mapped"}, names.DeliveryStreamNames)
}

func TestFirehoseInvalidTable(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Firehose.Tables = map[string][]config.FirehoseColumn{"shop.orders": {{Name: "id", Type: "bigintt"}}}
	_, err := New(cfg, nil)
	require.ErrorContains(t, err, "firehose.tables.shop.orders.id")
}
