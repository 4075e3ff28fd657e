package e2e

import (
	"context"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/config"
)

// TestReshardUnderLoad splits, merges and rescales a stream while writers
// put records, and reads it with a reader that follows the lineage (a
// child is read only once all its parents are read to their end): every
// acknowledged record is received exactly once, in order per partition
// key.
func TestReshardUnderLoad(t *testing.T) {
	ts := startServer(t, "")
	ts.createStream(t, "reshard", 2)
	c := ts.client
	writers := startKeyedWriters(t, c, "reshard", 4, 8, 0)
	writersDone := make(chan struct{})
	reader := newLineageReader(t, ts, "reshard", writersDone)
	reader.start([]string{shardID(0), shardID(1)})

	time.Sleep(100 * time.Millisecond)
	mid := new(big.Int).Rsh(new(big.Int).Lsh(big.NewInt(1), 128), 2) // 2^126: inside shard 0
	_, err := c.SplitShard(ctx(t), &kinesis.SplitShardInput{StreamName: aws.String("reshard"),
		ShardToSplit: aws.String(shardID(0)), NewStartingHashKey: aws.String(mid.String())})
	require.NoError(t, err)
	ts.waitActive(t, "reshard")
	time.Sleep(100 * time.Millisecond)
	// shard 3 = [2^126, 2^127-1] and shard 1 = [2^127, 2^128-1] are adjacent.
	_, err = c.MergeShards(ctx(t), &kinesis.MergeShardsInput{StreamName: aws.String("reshard"),
		ShardToMerge: aws.String(shardID(3)), AdjacentShardToMerge: aws.String(shardID(1))})
	require.NoError(t, err)
	ts.waitActive(t, "reshard")
	time.Sleep(100 * time.Millisecond)
	up, err := c.UpdateShardCount(ctx(t), &kinesis.UpdateShardCountInput{StreamName: aws.String("reshard"),
		TargetShardCount: aws.Int32(3), ScalingType: types.ScalingTypeUniformScaling})
	require.NoError(t, err)
	require.Equal(t, int32(2), *up.CurrentShardCount)
	require.Equal(t, int32(3), *up.TargetShardCount)
	ts.waitActive(t, "reshard")
	time.Sleep(100 * time.Millisecond)
	acked := writers.stop()
	close(writersDone)
	requireEveryRecordInOrder(t, acked, reader.wait(), 200)

	// The final layout: three open shards of equal ranges, with lineage.
	shards, err := c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String("reshard"),
		ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}})
	require.NoError(t, err)
	require.Len(t, shards.Shards, 3)
	for _, sh := range shards.Shards {
		require.NotNil(t, sh.ParentShardId, "%s has a parent", *sh.ShardId)
		require.Nil(t, sh.SequenceNumberRange.EndingSequenceNumber)
	}
	desc, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String("reshard")})
	require.NoError(t, err)
	all := desc.StreamDescription.Shards
	require.Equal(t, shardID(0), *all[2].ParentShardId)
	require.Equal(t, shardID(3), *all[4].ParentShardId)
	require.Equal(t, shardID(1), *all[4].AdjacentParentShardId)
	for _, sh := range all[:2] {
		require.NotNil(t, sh.SequenceNumberRange.EndingSequenceNumber, "%s is closed", *sh.ShardId)
		require.Less(t, seqInt(*sh.SequenceNumberRange.EndingSequenceNumber).Cmp(seqInt(*all[len(all)-1].SequenceNumberRange.StartingSequenceNumber)), 0,
			"children start above their parents")
	}
	// Writes go only to open shards.
	for range 20 {
		out, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("reshard"),
			PartitionKey: aws.String(strconv.Itoa(time.Now().Nanosecond())), Data: []byte("x")})
		require.NoError(t, err)
		open := false
		for _, sh := range shards.Shards {
			open = open || *sh.ShardId == *out.ShardId
		}
		require.True(t, open, "%s is open", *out.ShardId)
	}
}

// keyedWriters put records concurrently; each key belongs to one writer,
// whose records for it carry a counter: "key:counter".
type keyedWriters struct {
	done  chan struct{}
	wg    sync.WaitGroup
	acked [][]int // per key: counters acknowledged, in order
}

// startKeyedWriters starts writers goroutines putting batches of one
// record per key (keysPerWriter keys each), pausing pause between batches.
func startKeyedWriters(t *testing.T, c *kinesis.Client, stream string, writers, keysPerWriter int, pause time.Duration) *keyedWriters {
	return startWriters(t, c, stream, writers, keysPerWriter, pause, false)
}

// startWriters is startKeyedWriters; with allowErrors, a writer whose put
// fails stops quietly (the server may be killed under it).
func startWriters(t *testing.T, c *kinesis.Client, stream string, writers, keysPerWriter int, pause time.Duration, allowErrors bool) *keyedWriters {
	kw := &keyedWriters{done: make(chan struct{}), acked: make([][]int, writers*keysPerWriter)}
	for w := range writers {
		kw.wg.Add(1)
		go func() {
			defer kw.wg.Done()
			next := make([]int, keysPerWriter)
			for {
				select {
				case <-kw.done:
					return
				default:
				}
				var entries []types.PutRecordsRequestEntry
				for k := range keysPerWriter {
					key := w*keysPerWriter + k
					entries = append(entries, types.PutRecordsRequestEntry{
						PartitionKey: aws.String("key-" + strconv.Itoa(key)),
						Data:         []byte(strconv.Itoa(key) + ":" + strconv.Itoa(next[k])),
					})
				}
				out, err := c.PutRecords(context.Background(), &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
				if err != nil {
					if !allowErrors {
						t.Errorf("put: %v", err)
					}
					return
				}
				for k, r := range out.Records {
					if r.ErrorCode == nil {
						kw.acked[w*keysPerWriter+k] = append(kw.acked[w*keysPerWriter+k], next[k])
						next[k]++
					}
				}
				if pause > 0 {
					time.Sleep(pause)
				}
			}
		}()
	}
	return kw
}

// stop stops the writers and returns what they had acknowledged.
func (kw *keyedWriters) stop() [][]int {
	close(kw.done)
	kw.wg.Wait()
	return kw.acked
}

// requireEveryRecordInOrder checks that got holds, per key, exactly the
// acknowledged counters in order, and that there were at least min.
func requireEveryRecordInOrder(t *testing.T, acked [][]int, got map[int][]int, min int) {
	t.Helper()
	total := 0
	for key, want := range acked {
		total += len(want)
		require.Equal(t, want, got[key], "key %d: every record once, in order", key)
	}
	require.Greater(t, total, min, "writers made progress")
}

func seqInt(s string) *big.Int {
	n, _ := new(big.Int).SetString(s, 10)
	return n
}

// lineageReader reads a stream as a KCL-style consumer: one goroutine per
// shard; a child starts once all its parents have been read to the end.
type lineageReader struct {
	t           *testing.T
	ts          *testServer
	stream      string
	writersDone chan struct{}

	mu       sync.Mutex
	started  map[string]bool
	finished map[string]bool
	parents  map[string][]string
	got      map[int][]int
	wg       sync.WaitGroup
}

func newLineageReader(t *testing.T, ts *testServer, stream string, writersDone chan struct{}) *lineageReader {
	return &lineageReader{t: t, ts: ts, stream: stream, writersDone: writersDone,
		started: map[string]bool{}, finished: map[string]bool{}, parents: map[string][]string{}, got: map[int][]int{}}
}

func (r *lineageReader) start(shards []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range shards {
		r.startLocked(s)
	}
}

func (r *lineageReader) startLocked(shard string) {
	if r.started[shard] {
		return
	}
	r.started[shard] = true
	r.wg.Add(1)
	go r.read(shard)
}

func (r *lineageReader) read(shard string) {
	defer r.wg.Done()
	c := r.ts.client
	it, err := c.GetShardIterator(context.Background(), &kinesis.GetShardIteratorInput{StreamName: aws.String(r.stream),
		ShardId: aws.String(shard), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		r.t.Errorf("iterator %s: %v", shard, err)
		return
	}
	iter := it.ShardIterator
	for {
		// An open shard is done once a read that started after the
		// writers stopped finds nothing more.
		writersStopped := false
		select {
		case <-r.writersDone:
			writersStopped = true
		default:
		}
		out, err := c.GetRecords(context.Background(), &kinesis.GetRecordsInput{ShardIterator: iter})
		if err != nil {
			r.t.Errorf("read %s: %v", shard, err)
			return
		}
		r.mu.Lock()
		for _, rec := range out.Records {
			key, n, _ := strings.Cut(string(rec.Data), ":")
			k, _ := strconv.Atoi(key)
			v, _ := strconv.Atoi(n)
			r.got[k] = append(r.got[k], v)
		}
		r.mu.Unlock()
		if out.NextShardIterator == nil {
			if len(out.ChildShards) == 0 {
				r.t.Errorf("%s ended without child shards", shard)
			}
			r.mu.Lock()
			r.finished[shard] = true
			for _, child := range out.ChildShards {
				r.parents[*child.ShardId] = child.ParentShards
				ready := true
				for _, p := range child.ParentShards {
					ready = ready && r.finished[p]
				}
				if ready {
					r.startLocked(*child.ShardId)
				}
			}
			r.mu.Unlock()
			return
		}
		iter = out.NextShardIterator
		if len(out.Records) == 0 {
			if writersStopped && *out.MillisBehindLatest == 0 {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// wait waits for every shard reader and returns the counters read per key.
func (r *lineageReader) wait() map[int][]int {
	r.wg.Wait()
	return r.got
}

func TestReshardValidation(t *testing.T) {
	ts := startServer(t, "", func(cfg *config.Config) { cfg.StatusDelay = 0 })
	ts.createStream(t, "v", 3)
	c := ts.client
	name := aws.String("v")

	_, err := c.SplitShard(ctx(t), &kinesis.SplitShardInput{StreamName: name, ShardToSplit: aws.String(shardID(9)), NewStartingHashKey: aws.String("5")})
	requireAPIError(t, err, "ResourceNotFoundException", "Could not find shard shardId-000000000009 in stream v under account 000000000000.")
	_, err = c.SplitShard(ctx(t), &kinesis.SplitShardInput{StreamName: name, ShardToSplit: aws.String(shardID(0)), NewStartingHashKey: aws.String("1")})
	requireAPIError(t, err, "InvalidArgumentException", "NewStartingHashKey 1 used in SplitShard() on shard shardId-000000000000 in stream v under account 000000000000 is not both greater than one plus the shard's StartingHashKey 0 and less than the shard's EndingHashKey")
	_, err = c.SplitShard(ctx(t), &kinesis.SplitShardInput{StreamName: name, ShardToSplit: aws.String(shardID(0)), NewStartingHashKey: aws.String("x")})
	requireAPIError(t, err, "ValidationException", "Value 'x' at 'newStartingHashKey' failed to satisfy constraint")
	_, err = c.MergeShards(ctx(t), &kinesis.MergeShardsInput{StreamName: name, ShardToMerge: aws.String(shardID(0)), AdjacentShardToMerge: aws.String(shardID(2))})
	requireAPIError(t, err, "InvalidArgumentException", "Shards shardId-000000000000 and shardId-000000000002 in stream v under account 000000000000 are not an adjacent pair of shards eligible for merging")
	_, err = c.MergeShards(ctx(t), &kinesis.MergeShardsInput{StreamName: name, ShardToMerge: aws.String(shardID(1)), AdjacentShardToMerge: aws.String(shardID(0))})
	requireAPIError(t, err, "InvalidArgumentException", "are not an adjacent pair")

	_, err = c.MergeShards(ctx(t), &kinesis.MergeShardsInput{StreamName: name, ShardToMerge: aws.String(shardID(0)), AdjacentShardToMerge: aws.String(shardID(1))})
	require.NoError(t, err)
	_, err = c.SplitShard(ctx(t), &kinesis.SplitShardInput{StreamName: name, ShardToSplit: aws.String(shardID(0)), NewStartingHashKey: aws.String("5")})
	requireAPIError(t, err, "InvalidArgumentException", "Shard shardId-000000000000 in stream v under account 000000000000 has already been merged or split, and thus is not eligible for merging or splitting.")

	// Two open shards now: 2 and 3.
	_, err = c.UpdateShardCount(ctx(t), &kinesis.UpdateShardCountInput{StreamName: name, TargetShardCount: aws.Int32(5), ScalingType: types.ScalingTypeUniformScaling})
	requireAPIError(t, err, "LimitExceededException", "UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: 2, Target shard count: 5")
	_, err = c.UpdateShardCount(ctx(t), &kinesis.UpdateShardCountInput{StreamName: name, TargetShardCount: aws.Int32(4), ScalingType: types.ScalingTypeUniformScaling})
	require.NoError(t, err)
	_, err = c.UpdateShardCount(ctx(t), &kinesis.UpdateShardCountInput{StreamName: name, TargetShardCount: aws.Int32(1), ScalingType: types.ScalingTypeUniformScaling})
	requireAPIError(t, err, "LimitExceededException", "UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: 4, Target shard count: 1")

	// Scaling 4 → 3 keeps at most two parents per shard, and ends uniform.
	_, err = c.UpdateShardCount(ctx(t), &kinesis.UpdateShardCountInput{StreamName: name, TargetShardCount: aws.Int32(3), ScalingType: types.ScalingTypeUniformScaling})
	require.NoError(t, err)
	ls, err := c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: name, ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}})
	require.NoError(t, err)
	require.Len(t, ls.Shards, 3)
	want := []string{"0", "113427455640312821154458202477256070485", "226854911280625642308916404954512140970"}
	for i, sh := range ls.Shards {
		require.Equal(t, want[i], *sh.HashKeyRange.StartingHashKey)
	}
	// AFTER_SHARD_ID and the trim-horizon filters list closed shards too.
	ls, err = c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: name, ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeFromTrimHorizon}})
	require.NoError(t, err)
	require.Greater(t, len(ls.Shards), 3)
	ls, err = c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: name,
		ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtTimestamp, Timestamp: aws.Time(time.Now().Add(-time.Hour))}})
	require.NoError(t, err)
	require.Len(t, ls.Shards, 3, "the shards open at creation")
	require.Equal(t, shardID(0), *ls.Shards[0].ShardId)
	ls, err = c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: name, ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtTrimHorizon}})
	require.NoError(t, err)
	require.Len(t, ls.Shards, 3, "the shards open at the trim horizon (before any reshard)")
	ls, err = c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: name,
		ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeFromTimestamp, Timestamp: aws.Time(time.Now().Add(-time.Hour))}})
	require.NoError(t, err)
	all, err := c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: name})
	require.NoError(t, err)
	require.Equal(t, len(all.Shards), len(ls.Shards), "every shard was open at or created after an hour ago")
	ls, err = c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: name,
		ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeFromTimestamp, Timestamp: aws.Time(time.Now().Add(time.Minute))}})
	require.NoError(t, err)
	require.Len(t, ls.Shards, 3, "only the open shards are open from now on")
	ls, err = c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: name,
		ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAfterShardId, ShardId: aws.String(shardID(len(all.Shards) - 3))}})
	require.NoError(t, err)
	require.Len(t, ls.Shards, 2)

	// On-demand streams are scaled by the service.
	_, err = c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String("od"),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}})
	require.NoError(t, err)
	ts.waitActive(t, "od")
	_, err = c.SplitShard(ctx(t), &kinesis.SplitShardInput{StreamName: aws.String("od"), ShardToSplit: aws.String(shardID(0)), NewStartingHashKey: aws.String("5")})
	requireAPIError(t, err, "InvalidArgumentException", "ON_DEMAND")
}
