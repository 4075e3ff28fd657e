package producer

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// shardRange is an open shard and the hash keys it owns.
type shardRange struct {
	id         string
	start, end hashKey
}

// wholeRange is the shard map before the stream's shards are known: one
// pseudo-shard owning every hash key. Batches built on it still reach the
// right shards, since Kinesis routes each record by its hash key.
var wholeRange = []shardRange{{id: "", start: hashKey{}, end: maxHashKey}}

// lookupShard returns the index of the range in ranges (sorted by start,
// not overlapping) that owns h. Hash keys in a gap go to the range below.
func lookupShard(ranges []shardRange, h hashKey) int {
	// The first range that starts above h, minus one.
	i, _ := slices.BinarySearchFunc(ranges, h, func(r shardRange, h hashKey) int {
		if h.less(r.start) {
			return 1
		}
		return -1
	})
	return max(i-1, 0)
}

// streamInput sets the stream of a request: an ARN when stream starts with
// "arn:", else a name.
func streamInput(stream string) (name, arn *string) {
	if strings.HasPrefix(stream, "arn:") {
		return nil, aws.String(stream)
	}
	return aws.String(stream), nil
}

// listOpenShards returns the open shards of stream sorted by starting hash
// key. It pages through ListShards without a ShardFilter, so it works on
// every Kinesis implementation, and skips closed shards (those with an
// ending sequence number).
func listOpenShards(ctx context.Context, client Client, stream string) ([]shardRange, error) {
	in := &kinesis.ListShardsInput{}
	in.StreamName, in.StreamARN = streamInput(stream)
	var ranges []shardRange
	for {
		out, err := client.ListShards(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list shards: %w", err)
		}
		for _, sh := range out.Shards {
			if sh.SequenceNumberRange != nil && sh.SequenceNumberRange.EndingSequenceNumber != nil {
				continue
			}
			if sh.ShardId == nil || sh.HashKeyRange == nil {
				return nil, fmt.Errorf("list shards: shard without id or hash key range")
			}
			start, ok1 := parseHashKey(aws.ToString(sh.HashKeyRange.StartingHashKey))
			end, ok2 := parseHashKey(aws.ToString(sh.HashKeyRange.EndingHashKey))
			if !ok1 || !ok2 || end.less(start) {
				return nil, fmt.Errorf("list shards: shard %s has a bad hash key range", *sh.ShardId)
			}
			ranges = append(ranges, shardRange{id: *sh.ShardId, start: start, end: end})
		}
		if out.NextToken == nil || *out.NextToken == "" {
			break
		}
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
	if len(ranges) == 0 {
		return nil, fmt.Errorf("list shards: stream %s has no open shards", stream)
	}
	slices.SortFunc(ranges, func(a, b shardRange) int {
		switch {
		case a.start.less(b.start):
			return -1
		case b.start.less(a.start):
			return 1
		}
		return 0
	})
	return ranges, nil
}
