package main

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/eddy-streaming/eddy/producer"
)

// tailAPI is the part of the Kinesis client `eddy tail` reads with.
type tailAPI interface {
	GetShardIterator(ctx context.Context, in *kinesis.GetShardIteratorInput, opts ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *kinesis.GetRecordsInput, opts ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error)
	ListShards(ctx context.Context, in *kinesis.ListShardsInput, opts ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error)
}

// shardBatch is the (user) records of one GetRecords call.
type shardBatch struct {
	shard   string
	records []producer.UserRecord
}

// tailer reads shards concurrently, one goroutine each, and follows the
// children of a closed shard once all of its parents are read to the end.
// Batches go to the batches channel, in order within each shard.
type tailer struct {
	api  tailAPI
	ref  streamRef
	poll time.Duration
	// deaggregate splits KPL aggregated records into their user records.
	deaggregate bool
	// until, if set, ends each shard at its first record that arrived at
	// or after it, or once the shard is caught up after it.
	until   time.Time
	now     func() time.Time
	batches chan shardBatch

	// reachedUntil is set once a shard stopped at until.
	reachedUntil atomic.Bool

	mu       sync.Mutex
	started  map[string]bool
	finished map[string]bool
	// known are the shards that will be read, at the start or once their
	// parents are read: a child waits for those of its parents.
	known map[string]bool
	// ranges are the hash key ranges of the shards, for deaggregation.
	ranges map[string]types.HashKeyRange
	// childFrom is where the children of a finished shard are read from.
	childFrom position
	wg        sync.WaitGroup
	errOnce   sync.Once
	err       error
	cancel    context.CancelFunc
}

func newTailer(api tailAPI, ref streamRef, poll time.Duration) *tailer {
	return &tailer{
		api:         api,
		ref:         ref,
		poll:        poll,
		deaggregate: true,
		now:         time.Now,
		batches:     make(chan shardBatch, 16),
		started:     map[string]bool{},
		finished:    map[string]bool{},
		known:       map[string]bool{},
		ranges:      map[string]types.HashKeyRange{},
	}
}

// run reads the stream until ctx is done, every shard is read (to its end,
// or to t.until), or a read fails.
//
// Without only, from LATEST it starts at the open shards; from anywhere
// else at the shards whose parents are gone (expired), and their children
// follow. With only, it starts at those shards. Children are read from the
// same time for AT_TIMESTAMP, else from TRIM_HORIZON.
func (t *tailer) run(ctx context.Context, shards []types.Shard, from position, only []string) error {
	ctx, t.cancel = context.WithCancel(ctx)
	defer t.cancel()
	t.childFrom = position{typ: types.ShardIteratorTypeTrimHorizon}
	if from.typ == types.ShardIteratorTypeAtTimestamp {
		t.childFrom = from
	}
	for _, s := range shards {
		if s.HashKeyRange != nil {
			t.ranges[aws.ToString(s.ShardId)] = *s.HashKeyRange
		}
	}
	var starts []string
	if len(only) > 0 {
		for _, id := range only {
			t.known[id] = true
		}
		starts = only
	} else {
		for _, s := range shards {
			t.known[aws.ToString(s.ShardId)] = true
		}
		for _, s := range shards {
			if from.typ == types.ShardIteratorTypeLatest {
				if s.SequenceNumberRange != nil && s.SequenceNumberRange.EndingSequenceNumber != nil {
					continue // closed: nothing new will arrive
				}
			} else if t.known[aws.ToString(s.ParentShardId)] || t.known[aws.ToString(s.AdjacentParentShardId)] {
				continue // started when its parents are read
			}
			starts = append(starts, aws.ToString(s.ShardId))
		}
	}
	t.mu.Lock()
	for _, id := range starts {
		t.startLocked(ctx, id, from)
	}
	t.mu.Unlock()
	t.wg.Wait()
	return t.err
}

// startLocked starts reading shard from position from; t.mu is held.
func (t *tailer) startLocked(ctx context.Context, shard string, from position) {
	if t.started[shard] {
		return
	}
	t.started[shard] = true
	t.wg.Go(func() {
		children, err := t.readShard(ctx, shard, from)
		if err != nil {
			if ctx.Err() == nil {
				t.errOnce.Do(func() { t.err = err; t.cancel() })
			}
			return
		}
		t.shardDone(ctx, shard, children)
	})
}

// shardDone records that shard is read to its end and starts each child
// whose parents are all done.
func (t *tailer) shardDone(ctx context.Context, shard string, children []types.ChildShard) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.finished[shard] = true
	for _, c := range children {
		ready := true
		for _, p := range c.ParentShards {
			if (t.known[p] || t.started[p]) && !t.finished[p] {
				ready = false
			}
		}
		id := aws.ToString(c.ShardId)
		if c.HashKeyRange != nil {
			t.ranges[id] = *c.HashKeyRange
		}
		if ready {
			t.startLocked(ctx, id, t.childFrom)
		}
	}
}

// readShard reads one shard until it is closed and read to the end, and
// returns its children; or until t.until, and returns none.
func (t *tailer) readShard(ctx context.Context, shard string, from position) ([]types.ChildShard, error) {
	iterator, err := t.iterator(ctx, shard, from)
	if err != nil {
		return nil, err
	}
	var (
		lastSequence string
		backoff      time.Duration
	)
	for {
		out, err := t.api.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: &iterator, StreamARN: t.ref.arn})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var expired *types.ExpiredIteratorException
			var throttled *types.ProvisionedThroughputExceededException
			switch {
			case errors.As(err, &expired):
				next := from
				if lastSequence != "" {
					next = position{typ: types.ShardIteratorTypeAfterSequenceNumber, sequence: lastSequence}
				}
				if iterator, err = t.iterator(ctx, shard, next); err != nil {
					return nil, err
				}
				continue
			case errors.As(err, &throttled):
				backoff = min(max(2*backoff, t.poll), 5*time.Second)
				if !sleepCtx(ctx, backoff) {
					return nil, ctx.Err()
				}
				continue
			}
			return nil, apiError("get records from "+shard, err)
		}
		backoff = 0
		records, reached := t.cut(t.userRecords(shard, out.Records))
		if n := len(out.Records); n > 0 {
			lastSequence = aws.ToString(out.Records[n-1].SequenceNumber)
		}
		if len(records) > 0 {
			select {
			case t.batches <- shardBatch{shard: shard, records: records}:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if reached {
			t.reachedUntil.Store(true)
			return nil, nil
		}
		if out.NextShardIterator == nil {
			if len(out.ChildShards) > 0 {
				return out.ChildShards, nil
			}
			return t.childrenOf(ctx, shard)
		}
		iterator = *out.NextShardIterator
		caughtUp := len(out.Records) == 0 || aws.ToInt64(out.MillisBehindLatest) == 0
		if !t.until.IsZero() && caughtUp && !t.now().Before(t.until) {
			t.reachedUntil.Store(true)
			return nil, nil
		}
		if len(out.Records) == 0 {
			wait := t.poll
			if !t.until.IsZero() {
				wait = max(min(wait, time.Until(t.until)), time.Millisecond)
			}
			if !sleepCtx(ctx, wait) {
				return nil, ctx.Err()
			}
		}
	}
}

// userRecords returns the records of a GetRecords call, deaggregated
// unless t.deaggregate is off.
func (t *tailer) userRecords(shard string, records []types.Record) []producer.UserRecord {
	if len(records) == 0 {
		return nil
	}
	if !t.deaggregate {
		out := make([]producer.UserRecord, len(records))
		for i, r := range records {
			out[i] = producer.UserRecord{
				PartitionKey:                aws.ToString(r.PartitionKey),
				Data:                        r.Data,
				SequenceNumber:              aws.ToString(r.SequenceNumber),
				ApproximateArrivalTimestamp: aws.ToTime(r.ApproximateArrivalTimestamp),
			}
		}
		return out
	}
	t.mu.Lock()
	r, ok := t.ranges[shard]
	t.mu.Unlock()
	if ok {
		if users, err := producer.DeaggregateShardRecords(records, r); err == nil {
			return users
		}
	}
	return producer.DeaggregateRecords(records)
}

// cut drops the records that arrived at or after t.until, and reports
// whether there were any.
func (t *tailer) cut(records []producer.UserRecord) ([]producer.UserRecord, bool) {
	if t.until.IsZero() {
		return records, false
	}
	for i, r := range records {
		if !r.ApproximateArrivalTimestamp.Before(t.until) {
			return records[:i], true
		}
	}
	return records, false
}

// iterator gets a shard iterator at position p.
func (t *tailer) iterator(ctx context.Context, shard string, p position) (string, error) {
	return shardIterator(ctx, t.api, t.ref, shard, p)
}

// shardIterator gets an iterator of a shard at position p.
func shardIterator(ctx context.Context, api tailAPI, ref streamRef, shard string, p position) (string, error) {
	in := &kinesis.GetShardIteratorInput{
		StreamName:        ref.name,
		StreamARN:         ref.arn,
		ShardId:           aws.String(shard),
		ShardIteratorType: p.typ,
	}
	if p.sequence != "" {
		in.StartingSequenceNumber = aws.String(p.sequence)
	}
	if p.typ == types.ShardIteratorTypeAtTimestamp {
		in.Timestamp = aws.Time(p.at)
	}
	out, err := api.GetShardIterator(ctx, in)
	if err != nil {
		return "", apiError("get an iterator for "+shard+" at "+p.String(), err)
	}
	return aws.ToString(out.ShardIterator), nil
}

// sequenceShard finds the shard that holds a sequence number: the first of
// the shards whose range holds it that accepts an iterator at it.
func sequenceShard(ctx context.Context, api tailAPI, ref streamRef, shards []types.Shard, sequence string) (string, error) {
	p := position{typ: types.ShardIteratorTypeAtSequenceNumber, sequence: sequence}
	for _, s := range shards {
		if !shardMayHold(s, sequence) {
			continue
		}
		id := aws.ToString(s.ShardId)
		_, err := shardIterator(ctx, api, ref, id, p)
		if err == nil {
			return id, nil
		}
		var invalid *types.InvalidArgumentException
		if !errors.As(err, &invalid) {
			return "", err
		}
	}
	return "", exitErrorf(exitNotFound, "no shard of stream %s holds sequence number %s", ref, sequence)
}

// childrenOf finds a closed shard's children with ListShards, for endpoints
// whose GetRecords does not return ChildShards.
func (t *tailer) childrenOf(ctx context.Context, shard string) ([]types.ChildShard, error) {
	shards, err := listShards(ctx, t.api, t.ref)
	if err != nil {
		return nil, err
	}
	var children []types.ChildShard
	for _, s := range shards {
		parent, adjacent := aws.ToString(s.ParentShardId), aws.ToString(s.AdjacentParentShardId)
		if parent != shard && adjacent != shard {
			continue
		}
		c := types.ChildShard{ShardId: s.ShardId, HashKeyRange: s.HashKeyRange}
		for _, p := range []string{parent, adjacent} {
			if p != "" {
				c.ParentShards = append(c.ParentShards, p)
			}
		}
		children = append(children, c)
	}
	return children, nil
}

// sleepCtx sleeps for d and reports whether ctx is still live.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// shardNotFound is the error for a --shard the stream does not have.
func shardNotFound(ref streamRef, shard string) error {
	return exitErrorf(exitNotFound, "stream %s has no shard %s", ref, shard)
}
