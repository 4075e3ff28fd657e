package e2e

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/config"
	"github.com/eddy-streaming/eddy/internal/firehose/sink"
)

// versitygwBinary returns the versitygw S3 gateway (go install
// github.com/versity/versitygw/cmd/versitygw; .ci/run installs it), or
// skips the test, or fails it when EDDY_TEST_VERSITYGW_REQUIRED is set.
func versitygwBinary(t *testing.T) string {
	if path, err := exec.LookPath("versitygw"); err == nil {
		return path
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		path := filepath.Join(strings.TrimSpace(string(out)), "bin", "versitygw")
		if _, err := os.Stat(path); err == nil {
			return path
		}
	}
	if os.Getenv("EDDY_TEST_VERSITYGW_REQUIRED") != "" {
		t.Fatal("versitygw is not installed (EDDY_TEST_VERSITYGW_REQUIRED is set)")
	}
	t.Skip("versitygw is not installed: go install github.com/versity/versitygw/cmd/versitygw@v1.8.0")
	return ""
}

// versitygw is an S3-compatible server (posix backend) on 127.0.0.1.
type versitygw struct {
	t         *testing.T
	bin, root string
	addr, url string
	cmd       *exec.Cmd
	accessKey string
	secretKey string
}

func startVersitygw(t *testing.T) *versitygw {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	g := &versitygw{t: t, bin: versitygwBinary(t), root: t.TempDir(), addr: addr, url: "http://" + addr,
		accessKey: "eddytest", secretKey: "eddytestsecret"}
	g.start()
	t.Cleanup(g.stop)
	return g
}

// start runs the gateway and waits until it accepts connections.
func (g *versitygw) start() {
	g.cmd = exec.Command(g.bin, "--access", g.accessKey, "--secret", g.secretKey, "--port", g.addr, "--quiet", "posix", g.root)
	g.cmd.Stdout, g.cmd.Stderr = io.Discard, os.Stderr
	require.NoError(g.t, g.cmd.Start())
	require.Eventually(g.t, func() bool {
		c, err := net.Dial("tcp", g.addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 30*time.Second, 20*time.Millisecond, "versitygw did not start")
}

// stop kills the gateway (its data stays in root).
func (g *versitygw) stop() {
	if g.cmd != nil {
		_ = g.cmd.Process.Kill()
		_ = g.cmd.Wait()
		g.cmd = nil
	}
}

func (g *versitygw) client() *s3.Client {
	return sink.NewS3Client(sink.S3Config{Endpoint: g.url, AccessKeyID: g.accessKey, SecretAccessKey: g.secretKey, PathStyle: true})
}

// TestFirehoseS3CompatibleServer delivers through eddy serve into a bucket
// of a real S3-compatible server mapped in the configuration (as "lake",
// named "remote" on the server), GZIP-compressed; then the server is down
// for a while: records are accepted and wait, DescribeDeliveryStream
// reports the failure, and once the server is back every record arrives
// exactly once.
func TestFirehoseS3CompatibleServer(t *testing.T) {
	gw := startVersitygw(t)
	s3c := gw.client()
	_, err := s3c.CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String("remote")})
	require.NoError(t, err)

	ts := startServer(t, "", func(c *config.Config) {
		c.Firehose.Buckets = map[string]config.FirehoseBucket{"lake": {
			Endpoint: gw.url, Bucket: "remote", PathStyle: true, AccessKeyID: gw.accessKey, SecretAccessKey: gw.secretKey}}
		c.Firehose.RetryBase = 20 * time.Millisecond
		c.Firehose.RetryMax = 100 * time.Millisecond
	})
	c := firehoseClient(ts.url)
	_, err = c.CreateDeliveryStream(ctx(t), &fh.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("logs"),
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
			BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String("arn:aws:iam::000000000000:role/firehose"),
			Prefix:            aws.String("logs/"),
			CompressionFormat: fhtypes.CompressionFormatGzip,
			BufferingHints:    &fhtypes.BufferingHints{IntervalInSeconds: aws.Int32(0), SizeInMBs: aws.Int32(1)},
		},
	})
	require.NoError(t, err)
	put := func(from, to int) {
		var recs []fhtypes.Record
		for i := from; i < to; i++ {
			recs = append(recs, fhtypes.Record{Data: fmt.Appendf(nil, "line %d\n", i)})
		}
		out, err := c.PutRecordBatch(ctx(t), &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("logs"), Records: recs})
		require.NoError(t, err)
		require.Zero(t, aws.ToInt32(out.FailedPutCount))
	}
	// lines reads every object of the bucket, gunzipped, and counts
	// each line.
	lines := func() (map[string]int, error) {
		got := map[string]int{}
		list, err := s3c.ListObjectsV2(ctx(t), &s3.ListObjectsV2Input{Bucket: aws.String("remote")})
		if err != nil {
			return nil, err
		}
		for _, o := range list.Contents {
			require.True(t, strings.HasPrefix(*o.Key, "logs/2"), *o.Key)
			require.True(t, strings.HasSuffix(*o.Key, ".gz"), *o.Key)
			obj, err := s3c.GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String("remote"), Key: o.Key})
			require.NoError(t, err)
			zr, err := gzip.NewReader(obj.Body)
			require.NoError(t, err)
			b, err := io.ReadAll(zr)
			obj.Body.Close()
			require.NoError(t, err)
			for l := range bytes.Lines(b) {
				got[string(l)]++
			}
		}
		return got, nil
	}
	waitLines := func(n int) {
		t.Helper()
		var got map[string]int
		require.Eventually(t, func() bool {
			var err error
			got, err = lines()
			return err == nil && len(got) == n
		}, 30*time.Second, 20*time.Millisecond)
		for i := range n {
			require.Equal(t, 1, got[fmt.Sprintf("line %d\n", i)], "line %d", i)
		}
	}
	failure := func() *fhtypes.FailureDescription {
		d, err := c.DescribeDeliveryStream(ctx(t), &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("logs")})
		require.NoError(t, err)
		return d.DeliveryStreamDescription.FailureDescription
	}

	put(0, 100)
	waitLines(100)

	gw.stop()
	put(100, 200)
	require.Eventually(t, func() bool { return failure() != nil }, 10*time.Second, 10*time.Millisecond,
		"DescribeDeliveryStream reports the failing deliveries")
	gw.start()
	waitLines(200)
	require.Eventually(t, func() bool { return failure() == nil }, 10*time.Second, 10*time.Millisecond)
}
