package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"github.com/aws/smithy-go/middleware"
	"github.com/eddy-streaming/eddy/internal/awsclient"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"sync"
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

// fanOutConfig shortens the enhanced fan-out timers for tests.
func fanOutConfig(cfg *config.Config) {
	cfg.FanOut.Heartbeat = 200 * time.Millisecond
	cfg.FanOut.TakeoverAfter = 300 * time.Millisecond
	cfg.FanOut.Session = 20 * time.Second
}

// protoRecorder records the protocol of every response.
type protoRecorder struct {
	rt     http.RoundTripper
	mu     sync.Mutex
	protos map[string]int
}

func (p *protoRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := p.rt.RoundTrip(r)
	if err == nil {
		p.mu.Lock()
		p.protos[resp.Proto]++
		p.mu.Unlock()
	}
	return resp, err
}

func (p *protoRecorder) only(t *testing.T, proto string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	require.Len(t, p.protos, 1, "protocols seen: %v", p.protos)
	require.Positive(t, p.protos[proto], "protocols seen: %v", p.protos)
}

// subscriberClient returns a client with its own transport for one
// subscription.
func subscriberClient(url string) *kinesis.Client {
	return clientWith(url, http.DefaultTransport.(*http.Transport).Clone())
}

func clientWith(url string, rt http.RoundTripper) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Transport: rt, Timeout: time.Minute},
		APIOptions:       []func(*middleware.Stack) error{awsclient.RequestBodyWithoutWriteTo},
	})
}

// tlsFiles writes a self-signed certificate for 127.0.0.1 and returns
// the files and a pool trusting it.
func tlsFiles(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	certPEM, keyPEM, err := server.SelfSignedCert([]string{"127.0.0.1", "localhost"}, time.Hour, time.Now())
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, certPEM, 0o644))
	require.NoError(t, os.WriteFile(keyFile, keyPEM, 0o600))
	pool = x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(certPEM))
	return certFile, keyFile, pool
}

// loadPool returns a pool trusting the certificate in certFile.
func loadPool(t *testing.T, certFile string) (string, string, *x509.CertPool) {
	t.Helper()
	pem, err := os.ReadFile(certFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem))
	return certFile, "", pool
}

// tlsTransport returns a transport trusting pool.
func tlsTransport(pool *x509.CertPool) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	return tr
}

// registerConsumer registers a consumer and waits until it is ACTIVE.
func registerConsumer(t *testing.T, c *kinesis.Client, stream, name string) string {
	t.Helper()
	arn := aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/" + stream)
	out, err := c.RegisterStreamConsumer(ctx(t), &kinesis.RegisterStreamConsumerInput{StreamARN: arn, ConsumerName: aws.String(name)})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		d, err := c.DescribeStreamConsumer(ctx(t), &kinesis.DescribeStreamConsumerInput{ConsumerARN: out.Consumer.ConsumerARN})
		return err == nil && d.ConsumerDescription.ConsumerStatus == types.ConsumerStatusActive
	}, 5*time.Second, 5*time.Millisecond)
	return *out.Consumer.ConsumerARN
}

// subscribe starts a subscription. Concurrent subscriptions need their
// own clients: the SDK (smithy-go v1.28) shares one event-stream decoder
// per client, so two streams read through one client race.
func subscribe(t *testing.T, c *kinesis.Client, consumerARN, shard string, pos types.StartingPosition) *kinesis.SubscribeToShardEventStream {
	t.Helper()
	out, err := c.SubscribeToShard(ctx(t), &kinesis.SubscribeToShardInput{ConsumerARN: aws.String(consumerARN),
		ShardId: aws.String(shard), StartingPosition: &pos})
	require.NoError(t, err)
	t.Cleanup(func() { _ = out.GetStream().Close() })
	return out.GetStream()
}

// nextEvent returns the next SubscribeToShardEvent, or nil when the
// stream has ended.
func nextEvent(t *testing.T, s *kinesis.SubscribeToShardEventStream, timeout time.Duration) *types.SubscribeToShardEvent {
	t.Helper()
	select {
	case ev, ok := <-s.Events():
		if !ok {
			return nil
		}
		e, ok := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
		require.True(t, ok, "unexpected event %T", ev)
		return &e.Value
	case <-time.After(timeout):
		t.Fatalf("no event within %v", timeout)
		return nil
	}
}

// TestSubscribeToShardTransports pushes records to a subscriber over
// HTTP/1.1 (chunked), HTTP/2 over TLS and h2c.
func TestSubscribeToShardTransports(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tls   bool
		proto string
	}{
		{"http1", false, "HTTP/1.1"},
		{"h2c", false, "HTTP/2.0"},
		{"h2-tls", true, "HTTP/2.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pool *x509.CertPool
			ts := startServer(t, "", fanOutConfig, func(cfg *config.Config) {
				if tc.tls {
					cfg.TLSCert, cfg.TLSKey, pool = tlsFiles(t)
				}
			})
			tr := &http.Transport{Protocols: new(http.Protocols)}
			switch tc.name {
			case "http1":
				tr.Protocols.SetHTTP1(true)
			case "h2c":
				tr.Protocols.SetUnencryptedHTTP2(true)
			case "h2-tls":
				tr.Protocols.SetHTTP2(true)
				tr.TLSClientConfig = &tls.Config{RootCAs: pool}
			}
			rec := &protoRecorder{rt: tr, protos: map[string]int{}}
			c := clientWith(ts.URL(), rec)
			ts.client = c
			ts.createStream(t, "push", 1)
			arn := registerConsumer(t, c, "push", "app")

			stream := subscribe(t, c, arn, shardID(0), types.StartingPosition{Type: types.ShardIteratorTypeLatest})
			var seqs []string
			for i := range 20 {
				out, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("push"),
					PartitionKey: aws.String("k"), Data: []byte(fmt.Sprint(i))})
				require.NoError(t, err)
				seqs = append(seqs, *out.SequenceNumber)
			}
			var got []types.Record
			var last *types.SubscribeToShardEvent
			for len(got) < 20 {
				ev := nextEvent(t, stream, 5*time.Second)
				require.NotNil(t, ev, "stream ended early: %v", stream.Err())
				got = append(got, ev.Records...)
				if len(ev.Records) > 0 {
					last = ev
				}
			}
			for i, r := range got {
				require.Equal(t, fmt.Sprint(i), string(r.Data))
				require.Equal(t, seqs[i], *r.SequenceNumber)
			}
			require.Equal(t, seqs[19], *last.ContinuationSequenceNumber)
			require.Zero(t, *last.MillisBehindLatest)

			// Idle: an empty event at least every heartbeat.
			start := time.Now()
			ev := nextEvent(t, stream, 2*time.Second)
			require.Empty(t, ev.Records)
			require.Equal(t, seqs[19], *ev.ContinuationSequenceNumber)
			require.Less(t, time.Since(start), 3*time.Second)
			rec.only(t, tc.proto)
		})
	}
}

// TestSubscribeToShardLifecycle covers takeover, session expiry, the end
// of a closed shard, and consumer management.
func TestSubscribeToShardLifecycle(t *testing.T) {
	ts := startServer(t, "", fanOutConfig, func(cfg *config.Config) {
		cfg.FanOut.TakeoverAfter = time.Second
		cfg.FanOut.Session = 2500 * time.Millisecond
		cfg.FanOut.MaxConsumersPerStream = 3
	})
	c := ts.client
	ts.createStream(t, "life", 1)
	arn := registerConsumer(t, c, "life", "app")
	pos := types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon}

	// Takeover: refused while the first subscription is young, then the
	// second replaces the first, which ends with ResourceInUseException.
	first := subscribe(t, subscriberClient(ts.url), arn, shardID(0), pos)
	_, err := c.SubscribeToShard(ctx(t), &kinesis.SubscribeToShardInput{ConsumerARN: aws.String(arn), ShardId: aws.String(shardID(0)), StartingPosition: &pos})
	requireAPIError(t, err, "ResourceInUseException", "Another active subscription exists for this consumer")
	time.Sleep(1100 * time.Millisecond)
	started := time.Now()
	second := subscribe(t, subscriberClient(ts.url), arn, shardID(0), pos)
	for nextEvent(t, first, 2*time.Second) != nil {
	}
	requireAPIError(t, first.Err(), "ResourceInUseException", "Another active subscription exists")

	// Session expiry: the stream ends by itself after the session.
	for nextEvent(t, second, 5*time.Second) != nil {
	}
	require.NoError(t, second.Err())
	elapsed := time.Since(started)
	require.GreaterOrEqual(t, elapsed, 2400*time.Millisecond)
	require.Less(t, elapsed, 8*time.Second)

	// The end of a closed shard: remaining records, then ChildShards and
	// a null ContinuationSequenceNumber, then the end of the stream.
	_, err = c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("life"), PartitionKey: aws.String("k"), Data: []byte("before")})
	require.NoError(t, err)
	sub := subscribe(t, subscriberClient(ts.url), arn, shardID(0), pos)
	ev := nextEvent(t, sub, 2*time.Second)
	require.Len(t, ev.Records, 1)
	mid := new(big.Int).Lsh(big.NewInt(1), 127)
	_, err = c.SplitShard(ctx(t), &kinesis.SplitShardInput{StreamName: aws.String("life"), ShardToSplit: aws.String(shardID(0)), NewStartingHashKey: aws.String(mid.String())})
	require.NoError(t, err)
	var end *types.SubscribeToShardEvent
	for ev := nextEvent(t, sub, 2*time.Second); ev != nil; ev = nextEvent(t, sub, 2*time.Second) {
		end = ev
	}
	require.NoError(t, sub.Err())
	require.Nil(t, end.ContinuationSequenceNumber)
	require.Len(t, end.ChildShards, 2)
	require.Equal(t, []string{shardID(0)}, end.ChildShards[0].ParentShards)

	// Consumers: duplicates, the limit, listing, describing by name,
	// deregistering, and DeleteStream's EnforceConsumerDeletion.
	streamARN := aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/life")
	_, err = c.RegisterStreamConsumer(ctx(t), &kinesis.RegisterStreamConsumerInput{StreamARN: streamARN, ConsumerName: aws.String("app")})
	requireAPIError(t, err, "ResourceInUseException", "Consumer app under stream life already exists")
	registerConsumer(t, c, "life", "b")
	registerConsumer(t, c, "life", "c")
	_, err = c.RegisterStreamConsumer(ctx(t), &kinesis.RegisterStreamConsumerInput{StreamARN: streamARN, ConsumerName: aws.String("d")})
	requireAPIError(t, err, "LimitExceededException", "Consumer limit of 3")
	list, err := c.ListStreamConsumers(ctx(t), &kinesis.ListStreamConsumersInput{StreamARN: streamARN, MaxResults: aws.Int32(2)})
	require.NoError(t, err)
	require.Len(t, list.Consumers, 2)
	require.NotNil(t, list.NextToken)
	list, err = c.ListStreamConsumers(ctx(t), &kinesis.ListStreamConsumersInput{StreamARN: streamARN, NextToken: list.NextToken})
	require.NoError(t, err)
	require.Len(t, list.Consumers, 1)
	require.Equal(t, "c", *list.Consumers[0].ConsumerName)
	desc, err := c.DescribeStreamConsumer(ctx(t), &kinesis.DescribeStreamConsumerInput{StreamARN: streamARN, ConsumerName: aws.String("app")})
	require.NoError(t, err)
	require.Equal(t, arn, *desc.ConsumerDescription.ConsumerARN)
	require.Equal(t, *streamARN, *desc.ConsumerDescription.StreamARN)
	sum, err := c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("life")})
	require.NoError(t, err)
	require.Equal(t, int32(3), *sum.StreamDescriptionSummary.ConsumerCount)

	live := subscribe(t, subscriberClient(ts.url), arn, shardID(1), types.StartingPosition{Type: types.ShardIteratorTypeLatest})
	_, err = c.DeregisterStreamConsumer(ctx(t), &kinesis.DeregisterStreamConsumerInput{ConsumerARN: aws.String(arn)})
	require.NoError(t, err)
	for nextEvent(t, live, 2*time.Second) != nil {
	}
	requireAPIError(t, live.Err(), "ResourceNotFoundException", "Consumer app")
	require.Eventually(t, func() bool {
		_, err := c.DescribeStreamConsumer(ctx(t), &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(arn)})
		return err != nil
	}, 5*time.Second, 10*time.Millisecond)

	_, err = c.DeleteStream(ctx(t), &kinesis.DeleteStreamInput{StreamName: aws.String("life")})
	requireAPIError(t, err, "ResourceInUseException", "has registered consumers")
	_, err = c.DeleteStream(ctx(t), &kinesis.DeleteStreamInput{StreamName: aws.String("life"), EnforceConsumerDeletion: aws.Bool(true)})
	require.NoError(t, err)
}
