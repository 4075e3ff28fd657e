package producer

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/eddy-streaming/eddy/internal/config"
)

// putAll puts perKey[k] records of each key k, "k i" for i = 0.., from
// one goroutine per key, and checks every result.
func putAll(t *testing.T, p *Producer, perKey map[string]int) {
	t.Helper()
	var wg sync.WaitGroup
	for _, key := range sortedKeys(perKey) {
		wg.Go(func() {
			for i := range perKey[key] {
				require.NoError(t, p.Put(context.Background(), key, fmt.Appendf(nil, "%s %d", key, i)))
			}
		})
	}
	wg.Wait()
}

// resultChecker counts results, remembers the first error, and checks
// that the results of each key come in order (data is "key i").
type resultChecker struct {
	ok, failed atomic.Int64
	mu         sync.Mutex
	firstErr   error
	next       map[string]int
}

func (c *resultChecker) onResult(r Result) {
	c.mu.Lock()
	var key string
	var v int
	if _, err := fmt.Sscanf(string(r.Record.Data), "%s %d", &key, &v); err == nil {
		if c.next == nil {
			c.next = map[string]int{}
		}
		if v != c.next[key] && c.firstErr == nil {
			c.firstErr = fmt.Errorf("key %s: result of record %d before that of %d", key, v, c.next[key])
			c.failed.Add(1)
		}
		c.next[key] = v + 1
	}
	c.mu.Unlock()
	if r.Err != nil {
		c.failed.Add(1)
		c.mu.Lock()
		if c.firstErr == nil {
			c.firstErr = r.Err
		}
		c.mu.Unlock()
		return
	}
	c.ok.Add(1)
}

func TestNoLossAcrossClose(t *testing.T) {
	checkLeaks(t)
	for _, aggregate := range []bool{false, true} {
		t.Run(fmt.Sprintf("aggregate=%v", aggregate), func(t *testing.T) {
			ts := startServer(t)
			ts.createStream(t, "s", 4)
			var rc resultChecker
			p, err := New(ts.producerClient(nil), "s", Options{Aggregate: aggregate, OnResult: rc.onResult, Linger: 5 * time.Millisecond})
			require.NoError(t, err)
			perKey := map[string]int{}
			for i := range 40 {
				perKey[fmt.Sprintf("key-%d", i)] = 100
			}
			putAll(t, p, perKey)
			require.NoError(t, p.Close(testContext(t)))
			require.Equal(t, int64(4000), rc.ok.Load())
			require.Zero(t, rc.failed.Load(), "first error: %v", rc.firstErr)
			// At least once: a call whose response is lost is retried.
			records := ts.readUserRecords(t, "s")
			require.GreaterOrEqual(t, len(records), 4000)
			checkOrder(t, records, perKey)
			st := p.Stats()
			t.Logf("stats %+v", st)
			require.Equal(t, int64(4000), st.Records)
			require.Equal(t, 4, st.Shards)
			require.Zero(t, st.BufferedRecords)
		})
	}
}

func TestOrderPerKeyUnderRetries(t *testing.T) {
	checkLeaks(t)
	for _, aggregate := range []bool{false, true} {
		t.Run(fmt.Sprintf("aggregate=%v", aggregate), func(t *testing.T) {
			ts := startServer(t)
			ts.createStream(t, "s", 4)
			var faults *faultyTransport
			client := ts.producerClient(func(next http.RoundTripper) http.RoundTripper {
				faults = newFaultyTransport(next, 1, 0.05, 0.05, 0.2)
				return faults
			})
			var rc resultChecker
			var maxAttempts atomic.Int64
			p, err := New(client, "s", Options{
				Aggregate: aggregate, Linger: time.Millisecond, MaxAggregatedBytes: 2000,
				RetryBaseDelay: time.Millisecond, RetryMaxDelay: 10 * time.Millisecond, MaxAttempts: 50,
				OnResult: func(r Result) {
					rc.onResult(r)
					for a := maxAttempts.Load(); int64(r.Attempts) > a && !maxAttempts.CompareAndSwap(a, int64(r.Attempts)); a = maxAttempts.Load() {
					}
				},
			})
			require.NoError(t, err)
			perKey := map[string]int{}
			for i := range 40 {
				perKey[fmt.Sprintf("key-%d", i)] = 50
			}
			putAll(t, p, perKey)
			require.NoError(t, p.Close(testContext(t)))
			require.Zero(t, rc.failed.Load(), "first error: %v", rc.firstErr)
			require.Equal(t, int64(2000), rc.ok.Load())

			records := ts.readUserRecords(t, "s")
			checkOrder(t, records, perKey)
			st := p.Stats()
			t.Logf("stats %+v; injected: %d throttled calls, %d lost responses, %d failed entries; most attempts %d",
				st, faults.throttledCalls.Load(), faults.lostResponses.Load(), faults.failedEntries.Load(), maxAttempts.Load())
			require.Positive(t, faults.throttledCalls.Load())
			require.Positive(t, faults.lostResponses.Load())
			require.Positive(t, faults.failedEntries.Load())
			require.Positive(t, st.Retries)
			require.GreaterOrEqual(t, len(records), 2000) // lost responses write twice
		})
	}
}

// TestOrderPerKeyUnderThrottling writes faster than the server's
// per-shard throughput limits allow, so that calls have throttled records.
func TestOrderPerKeyUnderThrottling(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, func(c *config.Config) {
		c.Throughput.Enforce = true
		c.Throughput.WriteRecordsPerSecond = 1000
	})
	ts.createStream(t, "s", 2)
	var rc resultChecker
	p, err := New(ts.producerClient(nil), "s", Options{
		Linger: time.Millisecond, RetryBaseDelay: 20 * time.Millisecond, RetryMaxDelay: 200 * time.Millisecond,
		MaxAttempts: 100, OnResult: rc.onResult, Logger: warnLogger(t),
	})
	require.NoError(t, err)
	perKey := map[string]int{}
	for i := range 200 {
		perKey[fmt.Sprintf("key-%d", i)] = 17 // 3400 records: 1.7 s at 2 x 1000/s
	}
	putAll(t, p, perKey)
	require.NoError(t, p.Close(testContext(t)))
	require.Zero(t, rc.failed.Load(), "first error: %v", rc.firstErr)
	require.Equal(t, int64(3400), rc.ok.Load())
	st := p.Stats()
	t.Logf("stats %+v", st)
	require.Positive(t, st.Retries, "the server throttled nothing")
	records := ts.readUserRecords(t, "s")
	require.GreaterOrEqual(t, len(records), 3400) // a call whose response is lost writes twice
	checkOrder(t, records, perKey)
}

// TestReshardingMidStream splits and merges shards while records flow: no
// record is lost, every key stays in order (reading parents before
// children), and the producer follows the new shards.
func TestReshardingMidStream(t *testing.T) {
	checkLeaks(t)
	for _, aggregate := range []bool{false, true} {
		t.Run(fmt.Sprintf("aggregate=%v", aggregate), func(t *testing.T) {
			ts := startServer(t)
			ts.createStream(t, "s", 2)
			var rc resultChecker
			shardsSeen := sync.Map{}
			p, err := New(ts.producerClient(nil), "s", Options{
				Aggregate: aggregate, Linger: time.Millisecond, MaxAggregatedBytes: 1000,
				OnResult: func(r Result) {
					rc.onResult(r)
					shardsSeen.Store(r.ShardID, true)
				},
			})
			require.NoError(t, err)
			perKey := map[string]int{}
			for i := range 32 {
				perKey[fmt.Sprintf("key-%d", i)] = 200
			}
			var wg sync.WaitGroup
			for _, key := range sortedKeys(perKey) {
				wg.Go(func() {
					for i := range perKey[key] {
						require.NoError(t, p.Put(context.Background(), key, fmt.Appendf(nil, "%s %d", key, i)))
						time.Sleep(200 * time.Microsecond)
					}
				})
			}
			ctx := testContext(t)
			// waitFor waits until n records are written and the producer
			// has shards in its map.
			waitFor := func(n int64, shards int) {
				require.Eventually(t, func() bool { return rc.ok.Load() >= n && p.Stats().Shards == shards },
					20*time.Second, time.Millisecond, "written %d, shards %d", rc.ok.Load(), p.Stats().Shards)
			}
			waitActive := func() {
				require.Eventually(t, func() bool {
					out, err := ts.client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("s")})
					return err == nil && out.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive
				}, 5*time.Second, time.Millisecond)
			}
			// Split shard 0 (the lower half of the hash space) at 2^126,
			// then merge its children back.
			waitFor(1500, 2)
			_, err = ts.client.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: aws.String("s"),
				ShardToSplit: aws.String(shardID(0)), NewStartingHashKey: aws.String("85070591730234615865843651857942052864")})
			require.NoError(t, err)
			waitActive()
			written := rc.ok.Load()
			waitFor(written+1500, 3)
			_, err = ts.client.MergeShards(ctx, &kinesis.MergeShardsInput{StreamName: aws.String("s"),
				ShardToMerge: aws.String(shardID(2)), AdjacentShardToMerge: aws.String(shardID(3))})
			require.NoError(t, err)
			waitActive()
			written = rc.ok.Load()
			waitFor(written+500, 2)
			wg.Wait()
			require.NoError(t, p.Close(testContext(t)))

			require.Zero(t, rc.failed.Load(), "first error: %v", rc.firstErr)
			require.Equal(t, int64(32*200), rc.ok.Load())
			for _, id := range []int{0, 1, 2, 3, 4} {
				_, ok := shardsSeen.Load(shardID(id))
				require.True(t, ok, "no record was written to %s", shardID(id))
			}
			st := p.Stats()
			t.Logf("stats %+v", st)
			require.Equal(t, 2, st.Shards, "the producer follows the merge")
			// Records an aggregated record put into a sibling shard are put
			// again: the copies in their own shard keep their key in order.
			records := ts.readUserRecords(t, "s")
			require.GreaterOrEqual(t, len(records), 32*200)
			checkOrder(t, records, perKey)
		})
	}
}

// checkLeaks checks, after the test and its cleanups, that it left no
// goroutine running.
func checkLeaks(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

func shardID(i int) string { return fmt.Sprintf("shardId-%012d", i) }
