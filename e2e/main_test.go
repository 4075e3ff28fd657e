// Package e2e holds end-to-end tests: they start the real server (in
// process, or the eddy binary) on 127.0.0.1:0 with a temporary data
// directory and drive it with the AWS SDK for Go v2 and hand-built CBOR
// requests.
package e2e

import (
	"context"
	"errors"
	"fmt"
	"github.com/aws/smithy-go/middleware"
	"github.com/eddy-streaming/eddy/internal/awsclient"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/config"
	"github.com/eddy-streaming/eddy/internal/server"
)

// testServer is a server running in this process.
type testServer struct {
	*server.Server
	cfg    config.Config
	client *kinesis.Client
	url    string
}

// startServer starts a server on 127.0.0.1:0 in dir (a new temporary
// directory when empty), closed at the end of the test.
func startServer(t *testing.T, dir string, adjust ...func(*config.Config)) *testServer {
	t.Helper()
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = dir
	if dir == "" {
		cfg.DataDir = t.TempDir()
	}
	cfg.StatusDelay = 20 * time.Millisecond
	cfg.Fsync = "never"
	for _, fn := range adjust {
		fn(&cfg)
	}
	srv, err := server.New(cfg, nil)
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	ts := &testServer{Server: srv, cfg: cfg, url: "http://" + srv.Addr()}
	ts.client = newClient(ts.url)
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	return ts
}

func newClient(url string) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Timeout: 30 * time.Second},
		// Without it, one attempt per call meets an SDK/net/http race
		// that closes connections under large responses (see awsclient).
		APIOptions: []func(*middleware.Stack) error{awsclient.RequestBodyWithoutWriteTo},
	})
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// requireAPIError checks that err is an AWS error of the given code whose
// message contains msg.
func requireAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	require.Error(t, err)
	var apiErr smithy.APIError
	require.True(t, errors.As(err, &apiErr), "not an API error: %v", err)
	require.Equal(t, code, apiErr.ErrorCode(), "message: %s", apiErr.ErrorMessage())
	require.Contains(t, apiErr.ErrorMessage(), msg)
}

// createStream creates a stream and waits until it is ACTIVE.
func (ts *testServer) createStream(t *testing.T, name string, shards int32) {
	t.Helper()
	_, err := ts.client.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)})
	require.NoError(t, err)
	ts.waitActive(t, name)
}

func (ts *testServer) waitActive(t *testing.T, name string) {
	t.Helper()
	require.Eventually(t, func() bool {
		out, err := ts.client.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		return err == nil && out.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive
	}, 5*time.Second, 5*time.Millisecond)
}

// iterator returns a shard iterator of the given type.
func (ts *testServer) iterator(t *testing.T, stream, shard string, typ types.ShardIteratorType, seq *string) string {
	t.Helper()
	out, err := ts.client.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{
		StreamName: aws.String(stream), ShardId: aws.String(shard), ShardIteratorType: typ, StartingSequenceNumber: seq,
	})
	require.NoError(t, err)
	return *out.ShardIterator
}

// readAll reads a shard from an iterator until a read returns no records.
func (ts *testServer) readAll(t *testing.T, it string) []types.Record {
	t.Helper()
	var recs []types.Record
	for range 100 {
		out, err := ts.client.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: aws.String(it)})
		require.NoError(t, err)
		recs = append(recs, out.Records...)
		if len(out.Records) == 0 || out.NextShardIterator == nil {
			return recs
		}
		it = *out.NextShardIterator
	}
	t.Fatal("shard did not end")
	return nil
}

func shardID(i int) string { return fmt.Sprintf("shardId-%012d", i) }

// newServer starts a server from cfg; the caller closes it.
func newServer(cfg config.Config) (*server.Server, error) {
	srv, err := server.New(cfg, nil)
	if err != nil {
		return nil, err
	}
	if err := srv.Start(); err != nil {
		_ = srv.Close(context.Background())
		return nil, err
	}
	return srv, nil
}
