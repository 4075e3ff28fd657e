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
	for _, name := range []string{"od", "onekey"} {
		code, out := call(t, h, "CreateStream", map[string]any{"StreamName": name, "StreamModeDetails": map[string]any{"StreamMode": "ON_DEMAND"}})
		require.Equal(t, 200, code, out)
	}
	// 150 records/s for 4 s to shard 0 of both streams: over keys 0..1499
	// in "od", all to key 7 in "onekey".
	for i := range 40 {
		recs := make([]map[string]any, 15)
		one := make([]map[string]any, 15)
		for j := range recs {
			recs[j] = map[string]any{"PartitionKey": "k", "ExplicitHashKey": fmt.Sprint(i*15 + j), "Data": "eA=="}
			one[j] = map[string]any{"PartitionKey": "k", "ExplicitHashKey": "7", "Data": "eA=="}
		}
		code, out := call(t, h, "PutRecords", map[string]any{"StreamName": "od", "Records": recs})
		require.Equal(t, 200, code, out)
		code, out = call(t, h, "PutRecords", map[string]any{"StreamName": "onekey", "Records": one})
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
	// At the median of the keys written, not the middle of the range.
	split, _ := new(big.Int).SetString(s.Shards[5].HashKeyStart, 10)
	require.True(t, split.Cmp(big.NewInt(200)) > 0 && split.Cmp(big.NewInt(1400)) < 0, "split at %s", split)

	s, err = store.Stream("onekey")
	require.NoError(t, err)
	require.Len(t, requireLayout(t, s), 4, "one hot key: a split would not help")

	// The children are too young to split again; cold shards never do.
	h.scaleOnDemand()
	s, err = store.Stream("od")
	require.NoError(t, err)
	require.Len(t, requireLayout(t, s), 5)
}

func TestSplitPoint(t *testing.T) {
	sh := catalog.Shard{HashKeyStart: "100", HashKeyEnd: "200"}
	keys := func(ks ...uint64) []seqnum.Uint128 {
		var out []seqnum.Uint128
		for _, k := range ks {
			out = append(out, seqnum.Uint128{Lo: k})
		}
		return out
	}
	for _, tc := range []struct {
		samples []seqnum.Uint128
		want    string // "" for no split
	}{
		{nil, "151"},
		{keys(110, 120, 130, 190), "130"},
		{keys(150, 150, 150), ""},
		{keys(100, 100, 100, 180), "180"},
		{keys(5, 120, 130, 900), "130"}, // keys outside the range are ignored
	} {
		split, ok := splitPoint(sh, tc.samples)
		if tc.want == "" {
			require.False(t, ok)
			continue
		}
		require.True(t, ok)
		require.Equal(t, tc.want, split.String())
	}
}
