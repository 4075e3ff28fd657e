package producer

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/config"
	"github.com/eddy-streaming/eddy/internal/server"
)

// testServer is an eddy server running in this process.
type testServer struct {
	t   testing.TB
	url string
	// client reads and administers streams, on its own transport, with
	// the SDK's retries.
	client *kinesis.Client
}

// newTransport returns an HTTP transport whose idle connections are closed
// at the end of the test, before the server: its Shutdown would otherwise
// wait 5 s for connections that never carried a request.
func (ts *testServer) newTransport() *http.Transport {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	ts.t.Cleanup(transport.CloseIdleConnections)
	return transport
}

// producerClient returns a client for a producer, on a transport of its
// own (wrapped by wrap, if set), apart from the one that checks its work.
func (ts *testServer) producerClient(wrap func(http.RoundTripper) http.RoundTripper) *kinesis.Client {
	var transport http.RoundTripper = ts.newTransport()
	if wrap != nil {
		transport = wrap(transport)
	}
	return newClient(ts.url, transport)
}

// startServer starts a server on 127.0.0.1:0 with a temporary data
// directory, adjusted by adjust, closed at the end of the test.
func startServer(t testing.TB, adjust ...func(*config.Config)) *testServer {
	t.Helper()
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.StatusDelay = 0
	cfg.Fsync = "never"
	for _, fn := range adjust {
		fn(&cfg)
	}
	srv, err := server.New(cfg, nil)
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	ts := &testServer{t: t, url: "http://" + srv.Addr()}
	ts.client = newClient(ts.url, ts.newTransport())
	ts.client = kinesis.New(ts.client.Options(), func(o *kinesis.Options) { o.RetryMaxAttempts = 3 })
	return ts
}

// newClient returns an SDK client of url whose HTTP requests go through
// transport, without the SDK's retries (the producer retries).
func newClient(url string, transport http.RoundTripper) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Transport: transport, Timeout: 30 * time.Second},
	})
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// createStream creates a stream and waits until it is ACTIVE.
func (ts *testServer) createStream(t testing.TB, name string, shards int32) {
	t.Helper()
	ctx := testContext(t)
	_, err := ts.client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		out, err := ts.client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		return err == nil && out.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive
	}, 5*time.Second, 5*time.Millisecond)
}

// shardRecords are the records of one shard, in order.
type shardRecords struct {
	shardID      string
	hashKeyRange types.HashKeyRange
	records      []types.Record
}

// readStream reads every shard of a stream, closed ones too, from its
// trim horizon to its end, in shard id order (parents before children).
func (ts *testServer) readStream(t testing.TB, name string) []shardRecords {
	t.Helper()
	ctx := testContext(t)
	var ids []string
	ranges := map[string]types.HashKeyRange{}
	in := &kinesis.ListShardsInput{StreamName: aws.String(name)}
	for {
		out, err := ts.client.ListShards(ctx, in)
		require.NoError(t, err)
		for _, sh := range out.Shards {
			ids = append(ids, *sh.ShardId)
			ranges[*sh.ShardId] = *sh.HashKeyRange
		}
		if out.NextToken == nil {
			break
		}
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
	slices.Sort(ids)
	var out []shardRecords
	for _, id := range ids {
		it, err := ts.client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
			StreamName: aws.String(name), ShardId: aws.String(id), ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
		})
		require.NoError(t, err)
		sr := shardRecords{shardID: id, hashKeyRange: ranges[id]}
		iter := it.ShardIterator
		for iter != nil {
			res, err := ts.client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
			require.NoError(t, err)
			sr.records = append(sr.records, res.Records...)
			if len(res.Records) == 0 {
				break
			}
			iter = res.NextShardIterator
		}
		out = append(out, sr)
	}
	return out
}

// userRecord is a deaggregated record with the shard it was read from.
type readRecord struct {
	UserRecord
	shardID string
}

// readUserRecords reads a stream and deaggregates its records, dropping
// those outside their shard's hash key range, as consumers do.
func (ts *testServer) readUserRecords(t testing.TB, name string) []readRecord {
	t.Helper()
	var out []readRecord
	for _, sr := range ts.readStream(t, name) {
		users, err := DeaggregateShardRecords(sr.records, sr.hashKeyRange)
		require.NoError(t, err)
		for _, u := range users {
			out = append(out, readRecord{UserRecord: u, shardID: sr.shardID})
		}
	}
	return out
}

// checkOrder checks that, per partition key, the records read hold the
// values 0, 1, 2, ... n-1 (data is "key/value") in order, each at least
// once: a duplicate (a retry of a record whose write was not acknowledged)
// may follow a record's first copy, but no record comes before an earlier
// one.
func checkOrder(t testing.TB, records []readRecord, perKey map[string]int) {
	t.Helper()
	next := map[string]int{}
	for _, r := range records {
		var key string
		var v int
		_, err := fmt.Sscanf(string(r.Data), "%s %d", &key, &v)
		require.NoError(t, err, "data %q", r.Data)
		require.Equal(t, r.PartitionKey, key)
		switch {
		case v == next[key]:
			next[key]++
		case v < next[key]: // a duplicate of a record already seen
		default:
			t.Fatalf("key %s: record %d came before record %d", key, v, next[key])
		}
	}
	for key, n := range perKey {
		require.Equal(t, n, next[key], "records of key %s", key)
	}
	require.Len(t, next, len(perKey))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// testLogger logs to the test's output at debug level.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

// warnLogger logs warnings other than throttling to the test's output.
func warnLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(filterWriter{tWriter{t}, "ProvisionedThroughputExceeded"}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// filterWriter drops lines that contain skip.
type filterWriter struct {
	w    tWriter
	skip string
}

func (f filterWriter) Write(b []byte) (int, error) {
	if strings.Contains(string(b), f.skip) {
		return len(b), nil
	}
	return f.w.Write(b)
}
