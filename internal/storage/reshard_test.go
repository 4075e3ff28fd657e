package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/seqnum"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
	"github.com/eddy-streaming/eddy/internal/storage/vfs"
)

// splitHalf returns the NewShards that split shard idx of st in two.
func splitHalf(t testing.TB, st catalog.Stream, idx uint32) []NewShard {
	sh := st.Shards[idx]
	start, err := seqnum.ParseUint128(sh.HashKeyStart)
	require.NoError(t, err)
	end, err := seqnum.ParseUint128(sh.HashKeyEnd)
	require.NoError(t, err)
	// mid = start + (end-start)/2, computed on the high word for brevity:
	// the ranges used in tests are wide.
	mid := seqnum.Uint128{Hi: start.Hi + (end.Hi-start.Hi)/2}
	require.True(t, start.Cmp(mid) < 0 && mid.Cmp(end) < 0)
	return []NewShard{
		{ParentIndex: int64(idx), AdjacentParentIndex: -1, HashKeyStart: start.String(), HashKeyEnd: mid.Sub64(1).String()},
		{ParentIndex: int64(idx), AdjacentParentIndex: -1, HashKeyStart: mid.String(), HashKeyEnd: end.String()},
	}
}

// readLineage reads every shard of the stream in lineage order (parents
// before children) and returns the records per partition key.
func readLineage(t testing.TB, s *Store, stream string) map[string][]string {
	st, err := s.Stream(stream)
	require.NoError(t, err)
	byKey := map[string][]string{}
	for _, sh := range st.Shards { // parents have lower indexes
		recs := readAll(t, s, stream, sh.Index)
		if sh.Closed {
			res, err := s.Read(stream, sh.Index, sh.EndOffset, 10, 1<<20)
			require.NoError(t, err)
			require.True(t, res.EndOfShard)
			require.Empty(t, res.Records)
		}
		for _, r := range recs {
			byKey[r.PartitionKey] = append(byKey[r.PartitionKey], string(r.Data))
		}
	}
	return byKey
}

func TestSplitAndMergeUnderConcurrentWrites(t *testing.T) {
	s := openStore(t, Options{})
	_, err := s.CreateStream("s", 2, 0, "", nil)
	require.NoError(t, err)
	ctx := context.Background()

	const writers, perWriter = 4, 300
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				key := fmt.Sprintf("key-%d-%d", w, i%7)
				res, err := s.Put(ctx, "s", []Record{rec(key, fmt.Sprintf("%06d", i))})
				require.NoError(t, err)
				require.NoError(t, res[0].Err)
			}
		}()
	}
	// Split shard 0, then shard 1, then merge the two children of shard 1.
	time.Sleep(5 * time.Millisecond)
	st, err := s.Stream("s")
	require.NoError(t, err)
	st, err = s.Reshard(ctx, "s", []uint32{0}, splitHalf(t, st, 0))
	require.NoError(t, err)
	require.Len(t, st.Shards, 4)
	require.True(t, st.Shards[0].Closed)
	time.Sleep(5 * time.Millisecond)
	st, err = s.Reshard(ctx, "s", []uint32{1}, splitHalf(t, st, 1))
	require.NoError(t, err)
	time.Sleep(5 * time.Millisecond)
	st, err = s.Reshard(ctx, "s", []uint32{4, 5}, []NewShard{{
		ParentIndex: 4, AdjacentParentIndex: 5,
		HashKeyStart: st.Shards[4].HashKeyStart, HashKeyEnd: st.Shards[5].HashKeyEnd,
	}})
	require.NoError(t, err)
	require.Len(t, st.Shards, 7)
	wg.Wait()

	// Children's numbers are above their parents'.
	for _, sh := range st.Shards {
		for _, p := range []int64{sh.ParentIndex, sh.AdjacentParentIndex} {
			if p < 0 {
				continue
			}
			parent := st.Shards[p]
			require.True(t, parent.Closed)
			if parent.EndOffset > 0 {
				require.Greater(t, SequenceOf(sh, 0), SequenceOf(parent, parent.EndOffset-1))
			}
		}
	}
	// Every record once, in order per partition key.
	byKey := readLineage(t, s, "s")
	total := 0
	for key, data := range byKey {
		total += len(data)
		for i := 1; i < len(data); i++ {
			require.Less(t, data[i-1], data[i], "order of key %s", key)
		}
	}
	require.Equal(t, writers*perWriter, total)

	// Writes to a closed shard are refused; the catalog rules hold.
	_, err = s.Append(ctx, "s", 0, []Record{rec("k", "v")})
	require.NoError(t, err)
	res, _ := s.Append(ctx, "s", 0, []Record{rec("k", "v")})
	require.ErrorIs(t, res[0].Err, ErrShardClosed)
	_, err = s.Reshard(ctx, "s", []uint32{0}, splitHalf(t, st, 0))
	require.ErrorIs(t, err, ErrInvalidReshard)
	_, err = s.Reshard(ctx, "s", []uint32{2}, []NewShard{{ParentIndex: 2, AdjacentParentIndex: -1, HashKeyStart: "0", HashKeyEnd: "5"}})
	require.ErrorIs(t, err, ErrInvalidReshard, "must cover the parent's range")
}

func TestReshardSurvivesCrash(t *testing.T) {
	for round := range 6 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			mem := vfs.NewMem()
			opts := Options{Dir: t.TempDir(), FS: mem, SegmentSize: 32 << 10}
			s, err := Open(opts)
			require.NoError(t, err)
			_, err = s.CreateStream("s", 2, 0, "", nil)
			require.NoError(t, err)
			ctx := context.Background()
			stop := make(chan struct{})
			var log ackLog
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						recs := []Record{rec(fmt.Sprintf("k%d-%d", w, i%5), fmt.Sprintf("%d-%08d", w, i))}
						res, err := s.Put(ctx, "s", recs)
						if err != nil || res[0].Err != nil {
							return
						}
						log.mu.Lock()
						log.acks = append(log.acks, ack{shard: res[0].ShardIndex, seq: res[0].SequenceNumber, data: recs[0].Data})
						log.mu.Unlock()
					}
				}()
			}
			time.Sleep(time.Duration(2+rand.IntN(10)) * time.Millisecond)
			st, err := s.Stream("s")
			require.NoError(t, err)
			_, err = s.Reshard(ctx, "s", []uint32{0}, splitHalf(t, st, 0))
			require.NoError(t, err)
			time.Sleep(time.Duration(rand.IntN(10)) * time.Millisecond)
			acked := log.snapshot()
			crashed := mem.Crash()
			close(stop)
			wg.Wait()
			require.NoError(t, s.Close())

			opts.FS = crashed
			s2, err := Open(opts)
			require.NoError(t, err)
			defer s2.Close()
			st, err = s2.Stream("s")
			require.NoError(t, err)
			require.Len(t, st.Shards, 4, "the catalog holds the new layout")
			want := map[string]bool{}
			for _, a := range acked {
				want[string(a.data)] = true
			}
			byKey := readLineage(t, s2, "s")
			found := 0
			for _, data := range byKey {
				for i, d := range data {
					if want[d] {
						found++
					}
					if i > 0 {
						require.Less(t, data[i-1], d)
					}
				}
			}
			require.Equal(t, len(want), found)
		})
	}
}
