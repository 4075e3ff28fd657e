package producer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"
)

// putKeys puts one record for each of n keys prefix0, prefix1, ...
func putKeys(t *testing.T, p *Producer, prefix string, n int) {
	t.Helper()
	for i := range n {
		require.NoError(t, p.Put(t.Context(), fmt.Sprintf("%s%d", prefix, i), []byte("data")))
	}
}

func TestLingerAndFullBatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fk := newFakeKinesis(1)
		p, err := New(fk, "s", Options{Linger: 100 * time.Millisecond, MaxBatchRecords: 10})
		require.NoError(t, err)
		putKeys(t, p, "a", 5)
		time.Sleep(99 * time.Millisecond)
		synctest.Wait()
		require.Empty(t, fk.callSizes(), "sent before the linger time")
		time.Sleep(2 * time.Millisecond)
		synctest.Wait()
		require.Equal(t, []int{5}, fk.callSizes())

		// Full batches go at once; the rest after the linger time.
		putKeys(t, p, "b", 25)
		synctest.Wait()
		require.Equal(t, []int{5, 10, 10}, fk.callSizes())
		time.Sleep(101 * time.Millisecond)
		synctest.Wait()
		require.Equal(t, []int{5, 10, 10, 5}, fk.callSizes())
		require.NoError(t, p.Close(t.Context()))
	})
}

func TestBackpressure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fk := newFakeKinesis(1)
		fk.latency = time.Second
		p, err := New(fk, "s", Options{Linger: time.Nanosecond, MaxBufferedRecords: 3})
		require.NoError(t, err)
		putKeys(t, p, "a", 3)
		start := time.Now()

		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
		defer cancel()
		require.ErrorIs(t, p.Put(ctx, "late", nil), context.DeadlineExceeded)

		// A Put waits until a call ends and frees room.
		require.NoError(t, p.Put(t.Context(), "waits", nil))
		require.InDelta(t, time.Second, time.Since(start), float64(time.Millisecond))

		full, err := New(fk, "s", Options{Linger: time.Hour, MaxBufferedBytes: 10, FailWhenFull: true})
		require.NoError(t, err)
		require.NoError(t, full.Put(t.Context(), "k", []byte("12345678"))) // 9 bytes
		require.ErrorIs(t, full.Put(t.Context(), "k", []byte("1")), ErrBufferFull)
		require.NoError(t, full.Close(t.Context()))
		require.NoError(t, p.Close(t.Context()))
		require.ErrorIs(t, p.Put(t.Context(), "k", nil), ErrClosed)
	})
}

func TestBlockedPutReturnsOnClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fk := newFakeKinesis(1)
		fk.latency = time.Second
		p, err := New(fk, "s", Options{Linger: time.Hour, MaxBufferedRecords: 1})
		require.NoError(t, err)
		require.NoError(t, p.Put(t.Context(), "k", nil))
		done := make(chan error)
		go func() { done <- p.Put(t.Context(), "k", nil) }()
		synctest.Wait()
		closed := make(chan error)
		go func() { closed <- p.Close(context.Background()) }()
		require.ErrorIs(t, <-done, ErrClosed)
		require.NoError(t, <-closed)
	})
}

func TestRetryBackoffAndMaxAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fk := newFakeKinesis(2)
		fk.failEntry = func(n, i int) string { return "ProvisionedThroughputExceededException" }
		var results []Result
		p, err := New(fk, "s", Options{
			Linger: time.Nanosecond, MaxAttempts: 4, RetryBaseDelay: 100 * time.Millisecond, RetryMaxDelay: 250 * time.Millisecond,
			OnResult: func(r Result) { results = append(results, r) },
		})
		require.NoError(t, err)
		require.NoError(t, p.Put(t.Context(), "k", []byte("v")))
		require.NoError(t, p.Close(t.Context()))

		require.Len(t, results, 1)
		res := results[0]
		require.Equal(t, 4, res.Attempts)
		var recErr *RecordError
		require.ErrorAs(t, res.Err, &recErr)
		require.Equal(t, "ProvisionedThroughputExceededException", recErr.Code)
		require.Equal(t, "v", string(res.Record.Data))

		times := fk.callTimes()
		require.Len(t, times, 4)
		for i, d := range []time.Duration{100, 200, 250} { // the full delays, in ms
			gap := times[i+1].Sub(times[i])
			d *= time.Millisecond
			require.True(t, gap >= d/2 && gap <= d, "gap %d: %v not in [%v, %v]", i, gap, d/2, d)
		}
		st := p.Stats()
		require.Equal(t, int64(3), st.Retries)
		require.Equal(t, int64(1), st.Errors)
		require.Equal(t, int64(4), st.Requests)
	})
}

func TestPermanentErrorFailsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fk := newFakeKinesis(1)
		notFound := &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "Stream s not found."}
		fk.listErr = notFound
		fk.failCall = func(int) error { return notFound }
		var results []Result
		p, err := New(fk, "s", Options{OnResult: func(r Result) { results = append(results, r) }})
		require.NoError(t, err)
		putKeys(t, p, "k", 3)
		require.NoError(t, p.Close(t.Context()))
		require.Len(t, results, 3)
		for _, r := range results {
			require.Equal(t, 1, r.Attempts)
			var apiErr smithy.APIError
			require.ErrorAs(t, r.Err, &apiErr)
			require.Equal(t, "ResourceNotFoundException", apiErr.ErrorCode())
		}
		require.Equal(t, []int{3}, fk.callSizes(), "sent on the pseudo-shard when shards cannot be listed")
	})
}

func TestCloseTimeoutDropsRecords(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fk := newFakeKinesis(2)
		fk.block = true
		var mu sync.Mutex
		var errs []error
		p, err := New(fk, "s", Options{Linger: time.Hour, OnResult: func(r Result) {
			mu.Lock()
			errs = append(errs, r.Err)
			mu.Unlock()
		}})
		require.NoError(t, err)
		putKeys(t, p, "k", 100)

		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		require.ErrorIs(t, p.Flush(ctx), context.DeadlineExceeded)

		ctx, cancel = context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		require.ErrorIs(t, p.Close(ctx), context.DeadlineExceeded)
		require.Len(t, errs, 100)
		for _, err := range errs {
			require.ErrorIs(t, err, ErrClosed)
		}
		require.ErrorIs(t, p.Close(t.Context()), context.DeadlineExceeded, "a second Close returns the first's result")
		require.Zero(t, p.Stats().BufferedRecords)
		synctest.Wait() // every goroutine ended: synctest would report a deadlock otherwise
	})
}

func TestFlush(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fk := newFakeKinesis(4)
		fk.latency = 10 * time.Millisecond
		var mu sync.Mutex
		done := 0
		p, err := New(fk, "s", Options{Linger: time.Hour, OnResult: func(r Result) {
			mu.Lock()
			done++
			mu.Unlock()
		}})
		require.NoError(t, err)
		require.NoError(t, p.Flush(t.Context()), "nothing to flush")
		putKeys(t, p, "k", 50)
		start := time.Now()
		require.NoError(t, p.Flush(t.Context()))
		require.Equal(t, 10*time.Millisecond, time.Since(start), "one round of calls, no linger")
		mu.Lock()
		require.Equal(t, 50, done, "callbacks ran before Flush returned")
		mu.Unlock()
		require.Zero(t, p.Stats().BufferedRecords)
		require.NoError(t, p.Close(t.Context()))
	})
}

// recordingMetrics sums what a producer reports.
type recordingMetrics struct {
	mu                                              sync.Mutex
	records, bytes, kinesisRecords, retried, failed int
	requests, requestErrors, bufferedCalls          int
	lastBuffered                                    [2]int
}

func (m *recordingMetrics) Written(records, bytes, kinesisRecords int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.records += records
	m.bytes += bytes
	m.kinesisRecords += kinesisRecords
}

func (m *recordingMetrics) Retried(records int) { m.mu.Lock(); m.retried += records; m.mu.Unlock() }
func (m *recordingMetrics) Failed(records int)  { m.mu.Lock(); m.failed += records; m.mu.Unlock() }

func (m *recordingMetrics) Request(latency time.Duration, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests++
	if err != nil {
		m.requestErrors++
	}
}

func (m *recordingMetrics) Buffered(records, bytes int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bufferedCalls++
	m.lastBuffered = [2]int{records, bytes}
}

func TestMetrics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fk := newFakeKinesis(1)
		fk.failCall = func(n int) error {
			if n == 0 {
				return errors.New("connection reset")
			}
			return nil
		}
		fk.failEntry = func(n, i int) string {
			if n == 1 && i == 0 {
				return "InternalFailure"
			}
			return ""
		}
		m := &recordingMetrics{}
		p, err := New(fk, "s", Options{Aggregate: true, Linger: time.Millisecond, RetryBaseDelay: time.Millisecond, Metrics: m, MaxAttempts: 2})
		require.NoError(t, err)
		putKeys(t, p, "k", 10)
		synctest.Wait()
		// The loop reports the buffer when it wakes, which may be before
		// every Put: a gauge, not a counter.
		n := m.lastBuffered[0]
		require.True(t, n >= 1 && n <= 10, "buffered records %d", n)
		require.Equal(t, n*len("k0data"), m.lastBuffered[1])
		require.NoError(t, p.Close(t.Context()))
		// Call 0 fails (10 retried); call 1 fails its only (aggregated)
		// record (10 failed for good at their second attempt).
		require.Equal(t, 0, m.records)
		require.Equal(t, 10, m.retried)
		require.Equal(t, 10, m.failed)
		require.Equal(t, 2, m.requests)
		require.Equal(t, 1, m.requestErrors)

		p, err = New(fk, "s", Options{Aggregate: true, Linger: time.Millisecond, Metrics: m})
		require.NoError(t, err)
		putKeys(t, p, "k", 10)
		require.NoError(t, p.Close(t.Context()))
		require.Equal(t, 10, m.records)
		require.Equal(t, 40, m.bytes)
		require.Equal(t, 1, m.kinesisRecords)
		require.Equal(t, [2]int{0, 0}, m.lastBuffered)
		st := p.Stats()
		require.Equal(t, Stats{Records: 10, Bytes: 40, KinesisRecords: 1, Requests: 1, Shards: 1}, st)
	})
}

// TestAggregateWithoutShardMap checks that, when the shards cannot be
// listed, aggregated records only hold records of one hash key: they go to
// the shard of their first record.
func TestAggregateWithoutShardMap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fk := newFakeKinesis(4)
		fk.listErr = errors.New("access denied")
		p, err := New(fk, "s", Options{Aggregate: true, Linger: time.Hour})
		require.NoError(t, err)
		for i := range 40 {
			require.NoError(t, p.Put(t.Context(), fmt.Sprint("k", i%4), []byte("v")))
		}
		require.NoError(t, p.Close(t.Context()))
		total := 0
		for _, c := range fk.calls {
			for _, e := range c.entries {
				users, err := Deaggregate(e.Data)
				if errors.Is(err, ErrNotAggregated) {
					total++
					continue
				}
				require.NoError(t, err)
				for _, u := range users {
					require.Equal(t, *e.PartitionKey, u.PartitionKey)
				}
				total += len(users)
			}
		}
		require.Equal(t, 40, total)
	})
}

func TestPutValidation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, err := New(newFakeKinesis(1), "s", Options{MaxRecordSize: 1000})
		require.NoError(t, err)
		defer p.Close(t.Context())
		for _, r := range []Record{
			{PartitionKey: ""},
			{PartitionKey: strings.Repeat("k", 257)},
			{PartitionKey: "k", Data: make([]byte, 1000)},
			{PartitionKey: "k", ExplicitHashKey: "340282366920938463463374607431768211456"},
			{PartitionKey: "k", ExplicitHashKey: "0x10"},
		} {
			require.ErrorIs(t, p.PutRecord(t.Context(), r), ErrInvalidRecord)
		}
		for _, r := range []Record{
			{PartitionKey: strings.Repeat("ü", 256)}, // 256 characters, 512 bytes
			{PartitionKey: "k", Data: make([]byte, 999)},
			{PartitionKey: "k", ExplicitHashKey: "340282366920938463463374607431768211455"},
		} {
			require.NoError(t, p.PutRecord(t.Context(), r))
		}
	})
}

func TestNewValidation(t *testing.T) {
	_, err := New(nil, "s", Options{})
	require.ErrorContains(t, err, "nil client")
	_, err = New(newFakeKinesis(1), "", Options{})
	require.ErrorContains(t, err, "empty stream")
	_, err = New(newFakeKinesis(1), "s", Options{Linger: -1, MaxBatchRecords: 20000, MaxAggregatedBytes: 2 << 20, MaxAttempts: -1})
	for _, want := range []string{"Linger", "MaxBatchRecords", "MaxAggregatedBytes", "MaxAttempts"} {
		require.ErrorContains(t, err, want)
	}
}
