package producer

import (
	"context"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// fakeKinesis is an in-memory Kinesis for the tests of timing, which run
// under testing/synctest where a real server cannot: it routes records to
// its shards by hash key and remembers every call. (The tests of behaviour
// run against a real server.)
type fakeKinesis struct {
	mu     sync.Mutex
	ranges []shardRange
	seq    int
	calls  []fakeCall
	// failCall, if set, makes call n (from 0) fail with its error.
	failCall func(n int) error
	// failEntry, if set, gives an error code for entry i of call n.
	failEntry func(n, i int) string
	// latency is how long each PutRecords call takes; with block, calls
	// wait for their context to end instead.
	latency time.Duration
	block   bool
	listErr error
}

// fakeCall is one PutRecords call.
type fakeCall struct {
	at      time.Time
	entries []types.PutRecordsRequestEntry
}

// newFakeKinesis returns a fake with n shards of equal hash ranges.
func newFakeKinesis(n int) *fakeKinesis {
	f := &fakeKinesis{}
	space := new(big.Int).Lsh(big.NewInt(1), 128)
	for i := range n {
		start := new(big.Int).Div(new(big.Int).Mul(space, big.NewInt(int64(i))), big.NewInt(int64(n)))
		end := new(big.Int).Sub(new(big.Int).Div(new(big.Int).Mul(space, big.NewInt(int64(i+1))), big.NewInt(int64(n))), big.NewInt(1))
		s, _ := parseHashKey(start.String())
		e, _ := parseHashKey(end.String())
		f.ranges = append(f.ranges, shardRange{id: fmt.Sprintf("shardId-%012d", i), start: s, end: e})
	}
	return f
}

func (f *fakeKinesis) ListShards(ctx context.Context, in *kinesis.ListShardsInput, _ ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listErr != nil {
		return nil, f.listErr
	}
	out := &kinesis.ListShardsOutput{}
	for _, r := range f.ranges {
		out.Shards = append(out.Shards, types.Shard{
			ShardId: aws.String(r.id),
			HashKeyRange: &types.HashKeyRange{
				StartingHashKey: aws.String(r.start.big().String()), EndingHashKey: aws.String(r.end.big().String()),
			},
			SequenceNumberRange: &types.SequenceNumberRange{StartingSequenceNumber: aws.String("0")},
		})
	}
	return out, nil
}

func (f *fakeKinesis) PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error) {
	f.mu.Lock()
	n := len(f.calls)
	f.calls = append(f.calls, fakeCall{at: time.Now(), entries: in.Records})
	latency, block, failCall := f.latency, f.block, f.failCall
	f.mu.Unlock()
	if block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if latency > 0 {
		time.Sleep(latency)
	}
	if failCall != nil {
		if err := failCall(n); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &kinesis.PutRecordsOutput{}
	for i, e := range in.Records {
		if f.failEntry != nil {
			if code := f.failEntry(n, i); code != "" {
				out.Records = append(out.Records, types.PutRecordsResultEntry{ErrorCode: aws.String(code), ErrorMessage: aws.String("fake")})
				out.FailedRecordCount = aws.Int32(aws.ToInt32(out.FailedRecordCount) + 1)
				continue
			}
		}
		h := hashOf(*e.PartitionKey)
		if e.ExplicitHashKey != nil {
			h, _ = parseHashKey(*e.ExplicitHashKey)
		}
		f.seq++
		out.Records = append(out.Records, types.PutRecordsResultEntry{
			ShardId: aws.String(f.ranges[lookupShard(f.ranges, h)].id), SequenceNumber: aws.String(fmt.Sprint(f.seq)),
		})
	}
	return out, nil
}

// callSizes returns the number of entries of each call so far.
func (f *fakeKinesis) callSizes() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var sizes []int
	for _, c := range f.calls {
		sizes = append(sizes, len(c.entries))
	}
	return sizes
}

func (f *fakeKinesis) callTimes() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	var times []time.Time
	for _, c := range f.calls {
		times = append(times, c.at)
	}
	return times
}
