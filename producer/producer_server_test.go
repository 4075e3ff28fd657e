package producer

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
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

// resultChecker counts results and remembers the first error.
type resultChecker struct {
	ok, failed atomic.Int64
	mu         sync.Mutex
	firstErr   error
}

func (c *resultChecker) onResult(r Result) {
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
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, aggregate := range []bool{false, true} {
		t.Run(fmt.Sprintf("aggregate=%v", aggregate), func(t *testing.T) {
			ts := startServer(t)
			ts.createStream(t, "s", 4)
			var rc resultChecker
			p, err := New(ts.client, "s", Options{Aggregate: aggregate, OnResult: rc.onResult, Linger: 5 * time.Millisecond})
			require.NoError(t, err)
			perKey := map[string]int{}
			for i := range 50 {
				perKey[fmt.Sprintf("key-%d", i)] = 200
			}
			putAll(t, p, perKey)
			require.NoError(t, p.Close(testContext(t)))
			require.Equal(t, int64(10000), rc.ok.Load())
			require.Zero(t, rc.failed.Load(), "first error: %v", rc.firstErr)
			records := ts.readUserRecords(t, "s")
			require.Len(t, records, 10000)
			checkOrder(t, records, perKey)
			st := p.Stats()
			t.Logf("stats %+v", st)
			require.Equal(t, int64(10000), st.Records)
			require.Equal(t, 4, st.Shards)
			require.Zero(t, st.BufferedRecords)
		})
	}
}

func TestOrderPerKeyUnderRetries(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, aggregate := range []bool{false, true} {
		t.Run(fmt.Sprintf("aggregate=%v", aggregate), func(t *testing.T) {
			ts := startServer(t)
			ts.createStream(t, "s", 4)
			faults := newFaultyTransport(ts.transport, 1, 0.05, 0.05, 0.2)
			var rc resultChecker
			var maxAttempts atomic.Int64
			p, err := New(newClient(ts.url, faults), "s", Options{
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
				perKey[fmt.Sprintf("key-%d", i)] = 100
			}
			putAll(t, p, perKey)
			require.NoError(t, p.Close(testContext(t)))
			require.Zero(t, rc.failed.Load(), "first error: %v", rc.firstErr)
			require.Equal(t, int64(4000), rc.ok.Load())

			records := ts.readUserRecords(t, "s")
			checkOrder(t, records, perKey)
			st := p.Stats()
			t.Logf("stats %+v; injected: %d throttled calls, %d lost responses, %d failed entries; most attempts %d",
				st, faults.throttledCalls.Load(), faults.lostResponses.Load(), faults.failedEntries.Load(), maxAttempts.Load())
			require.Positive(t, faults.throttledCalls.Load())
			require.Positive(t, faults.lostResponses.Load())
			require.Positive(t, faults.failedEntries.Load())
			require.Positive(t, st.Retries)
			require.GreaterOrEqual(t, len(records), 4000) // lost responses write twice
		})
	}
}
