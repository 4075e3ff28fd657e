package kinesis

import (
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/seqnum"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// requireLayout checks the invariants of a stream's shards: the open
// shards cover the hash space exactly once, every shard has at most two
// parents, all closed, and every child starts above its parents.
func requireLayout(t *testing.T, s catalog.Stream) []catalog.Shard {
	t.Helper()
	var open []catalog.Shard
	for _, sh := range s.Shards {
		if sh.Open() {
			open = append(open, sh)
		}
		for _, p := range []int64{sh.ParentIndex, sh.AdjacentParentIndex} {
			if p < 0 {
				continue
			}
			parent := s.Shards[p]
			require.True(t, parent.Closed, "parent %d of %d is closed", p, sh.Index)
			require.GreaterOrEqual(t, sh.SeqBase, parent.SeqBase+parent.EndOffset, "child %d starts above parent %d", sh.Index, p)
		}
		if sh.AdjacentParentIndex >= 0 {
			require.GreaterOrEqual(t, sh.ParentIndex, int64(0))
		}
	}
	next := big.NewInt(0)
	for i := range open {
		// Open shards in hash order.
		var found *catalog.Shard
		for j := range open {
			if bigKey(open[j].HashKeyStart).Cmp(next) == 0 {
				found = &open[j]
			}
		}
		require.NotNil(t, found, "an open shard starts at %s (%d of %d)", next, i, len(open))
		next = new(big.Int).Add(bigKey(found.HashKeyEnd), one)
	}
	require.Equal(t, 0, next.Cmp(new(big.Int).Lsh(one, 128)), "open shards end at 2^128-1")
	return open
}

func TestUpdateShardCountShapes(t *testing.T) {
	for _, tc := range []struct{ from, to []int }{
		{[]int{1}, []int{2, 4, 3, 2, 1}},
		{[]int{5}, []int{3, 5, 10, 7, 4}},
		{[]int{3}, []int{5, 9, 6}},
		{[]int{8}, []int{16, 9, 5, 3, 2}},
	} {
		t.Run(fmt.Sprint(tc.from[0], tc.to), func(t *testing.T) {
			clk := &clock{now: time.Now()}
			h, store := newTestHandler(t, clk)
			code, out := call(t, h, "CreateStream", map[string]any{"StreamName": "s", "ShardCount": tc.from[0]})
			require.Equal(t, 200, code, out)
			for _, n := range tc.to {
				// A record in every shard, so that lineage spans offsets.
				for k := range 16 {
					code, out = call(t, h, "PutRecord", map[string]any{"StreamName": "s", "PartitionKey": fmt.Sprint(k), "Data": "eA=="})
					require.Equal(t, 200, code, out)
				}
				code, out = call(t, h, "UpdateShardCount", map[string]any{"StreamName": "s", "TargetShardCount": n, "ScalingType": "UNIFORM_SCALING"})
				require.Equal(t, 200, code, out)
				s, err := store.Stream("s")
				require.NoError(t, err)
				require.Equal(t, catalog.StatusActive, s.Status)
				open := requireLayout(t, s)
				require.Len(t, open, n)
				for i, r := range seqnum.SplitHashRange(n) {
					found := false
					for _, sh := range open {
						found = found || (sh.HashKeyStart == r.Start.String() && sh.HashKeyEnd == r.End.String())
					}
					require.True(t, found, "range %d of %d is a shard", i, n)
				}
			}
		})
	}
}

func TestOnDemandScaler(t *testing.T) {
	clk := &clock{now: time.Unix(1_000_000, 0)}
	h, store := newTestHandler(t, clk, func(o *Options) {
		o.OnDemand = OnDemand{SplitRecordsPerSecond: 100, Sustain: 2 * time.Second, CheckInterval: time.Hour}
	})
	code, out := call(t, h, "CreateStream", map[string]any{"StreamName": "od", "StreamModeDetails": map[string]any{"StreamMode": "ON_DEMAND"}})
	require.Equal(t, 200, code, out)
	// 150 records/s for 4 s to the shard of hash key 0 only.
	for range 40 {
		recs := make([]map[string]any, 15)
		for i := range recs {
			recs[i] = map[string]any{"PartitionKey": "k", "ExplicitHashKey": "0", "Data": "eA=="}
		}
		code, out = call(t, h, "PutRecords", map[string]any{"StreamName": "od", "Records": recs})
		require.Equal(t, 200, code, out)
		clk.Advance(100 * time.Millisecond)
	}
	h.scaleOnDemand()
	s, err := store.Stream("od")
	require.NoError(t, err)
	open := requireLayout(t, s)
	require.Len(t, open, 5, "the hot shard split in two")
	require.True(t, s.Shards[0].Closed)
	require.Equal(t, int64(0), s.Shards[4].ParentIndex)

	// The children are too young to split again; cold shards never do.
	h.scaleOnDemand()
	s, err = store.Stream("od")
	require.NoError(t, err)
	require.Len(t, requireLayout(t, s), 5)
}
