package streamio

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/sql"
	"github.com/eddy-streaming/eddy/internal/storage"
)

// TestSourceFollowsResharding reads a stream whose two shards are merged
// while the source runs: the child is read from its start, after its
// parents, and every record arrives exactly once, in arrival order. A
// source with a filter (one of two inputs) takes only its shards.
func TestSourceFollowsResharding(t *testing.T) {
	clk := &clock{}
	s := openStore(t, clk)
	_, err := s.CreateStream("in", 2, 0, "PROVISIONED", nil)
	require.NoError(t, err)
	putRecords(t, s, clk, 0, 20)
	clk.Set(clk.Now().Add(5 * time.Second))

	all := NewSource(SourceOptions{Log: s, Stream: "in", Start: storage.Position{Type: storage.TrimHorizon},
		Now: clk.Now, IdleInterval: time.Millisecond})
	odd := NewSource(SourceOptions{Log: s, Stream: "in", Start: storage.Position{Type: storage.TrimHorizon},
		Now: clk.Now, IdleInterval: time.Millisecond, Filter: func(i uint32) bool { return i%2 == 1 }})
	ctx := context.Background()
	require.NoError(t, all.Open(ctx, nil))
	require.NoError(t, odd.Open(ctx, nil))
	defer all.Close()
	defer odd.Close()

	read := func(src *Source, n int) []sql.Record {
		var got []sql.Record
		for range 1000 {
			if len(got) >= n {
				break
			}
			b, err := src.Next(ctx)
			require.NoError(t, err)
			got = append(got, b.Records...)
		}
		return got
	}
	first := read(all, 20)
	require.Len(t, first, 20)

	st, err := s.Stream("in")
	require.NoError(t, err)
	_, err = s.Reshard(ctx, "in", []uint32{0, 1}, []storage.NewShard{{ParentIndex: 0, AdjacentParentIndex: 1,
		HashKeyStart: st.Shards[0].HashKeyStart, HashKeyEnd: st.Shards[1].HashKeyEnd}})
	require.NoError(t, err)
	putRecords(t, s, clk, 20, 10)
	clk.Set(clk.Now().Add(5 * time.Second))

	second := read(all, 10)
	require.Len(t, second, 10)
	for i, r := range append(first, second...) {
		require.Equal(t, fmt.Sprintf(`{"ticker":"T%d","price":%d}`, i%3, i), string(r.Data))
	}
	require.Equal(t, "shardId-000000000002", second[0].Shard)

	// The filtered source reads shard 1 only: the child (index 2) is
	// another input's.
	for _, r := range read(odd, 1000) {
		require.Equal(t, "shardId-000000000001", r.Shard)
	}
}
