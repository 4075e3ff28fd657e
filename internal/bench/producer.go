package bench

import (
	"context"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// partitionKeyCount is the number of distinct partition keys each producer
// cycles through: enough to spread records evenly over any shard count.
const partitionKeyCount = 4096

// producer runs one closed loop of put calls and records their latency.
type producer struct {
	api   API
	cfg   Config
	state *state
	// putLatency holds the latency of successful calls, in nanoseconds.
	putLatency Histogram
}

// partitionKeys returns n distinct pseudo-random partition keys.
func partitionKeys(seed uint64, n int) []string {
	rng := rand.New(rand.NewPCG(seed, uint64(time.Now().UnixNano())))
	keys := make([]string, n)
	for i := range keys {
		keys[i] = strconv.FormatUint(rng.Uint64(), 36)
	}
	return keys
}

// run puts records until deadline or until ctx is done.
func (p *producer) run(ctx context.Context, id int, deadline time.Time) {
	payload := newPayload(p.cfg.RecordSize)
	keys := partitionKeys(uint64(id), partitionKeyCount)
	next := 0
	nextKey := func() *string {
		k := &keys[next]
		next = (next + 1) % len(keys)
		return k
	}
	entries := make([]types.PutRecordsRequestEntry, p.cfg.BatchSize)
	for i := range entries {
		// All entries share the payload: the SDK encodes it when the call
		// is sent, and every record of a call has the same send time.
		entries[i].Data = payload
	}
	putRecords := &kinesis.PutRecordsInput{StreamName: &p.cfg.Stream, Records: entries}
	putRecord := &kinesis.PutRecordInput{StreamName: &p.cfg.Stream, Data: payload}
	var backoff time.Duration
	for ctx.Err() == nil && time.Now().Before(deadline) {
		var (
			acked   int
			start   = time.Now()
			callErr error
		)
		stampPayload(payload, start.UnixNano())
		if p.cfg.UsePutRecord {
			putRecord.PartitionKey = nextKey()
			_, callErr = p.api.PutRecord(ctx, putRecord)
			if callErr == nil {
				acked = 1
			}
		} else {
			for i := range entries {
				entries[i].PartitionKey = nextKey()
			}
			var out *kinesis.PutRecordsOutput
			out, callErr = p.api.PutRecords(ctx, putRecords)
			if callErr == nil {
				acked = len(entries) - p.countFailures(out)
			}
		}
		elapsed := time.Since(start)
		if callErr != nil {
			if ctx.Err() != nil {
				return // interrupted, not an endpoint error
			}
			p.state.noteError(callErr, isThrottle(errorCode(callErr)), false)
			backoff = min(max(2*backoff, 10*time.Millisecond), 500*time.Millisecond)
			wake := time.Now().Add(backoff)
			if wake.After(deadline) {
				wake = deadline
			}
			sleepUntil(ctx, wake)
			continue
		}
		backoff = 0
		p.putLatency.RecordDuration(elapsed)
		p.state.putCalls.Add(1)
		p.state.putRecords.Add(int64(acked))
		p.state.putBytes.Add(int64(acked) * int64(len(payload)))
	}
}

// countFailures counts the failed entries of a PutRecords response.
func (p *producer) countFailures(out *kinesis.PutRecordsOutput) int {
	if aws.ToInt32(out.FailedRecordCount) == 0 {
		return 0
	}
	failed := 0
	for _, r := range out.Records {
		if r.ErrorCode == nil {
			continue
		}
		failed++
		p.state.noteEntryError(*r.ErrorCode, aws.ToString(r.ErrorMessage))
	}
	return failed
}

// sleepUntil sleeps until t or until ctx is done.
func sleepUntil(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}
