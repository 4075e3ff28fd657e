package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/eddy-streaming/eddy/internal/seqnum"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
	"github.com/eddy-streaming/eddy/internal/storage/vfs"
)

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		crashChild()
		return
	}
	goleak.VerifyTestMain(m)
}

// fakeClock is an injectable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func openStore(t testing.TB, opts Options) *Store {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	s, err := Open(opts)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func rec(key, data string) Record { return Record{PartitionKey: key, Data: []byte(data)} }

func readAll(t testing.TB, s *Store, stream string, shard uint32) []StoredRecord {
	t.Helper()
	off, err := s.Seek(stream, shard, Position{Type: TrimHorizon})
	require.NoError(t, err)
	var out []StoredRecord
	for {
		res, err := s.Read(stream, shard, off, 1000, 1<<20)
		require.NoError(t, err)
		if len(res.Records) == 0 {
			return out
		}
		for _, r := range res.Records {
			r.Data = bytes.Clone(r.Data)
			out = append(out, r)
		}
		off = res.Next
	}
}

func TestPutRoutesAndReadsBack(t *testing.T) {
	s := openStore(t, Options{})
	st, err := s.CreateStream("clicks", 4, 0, "PROVISIONED", map[string]string{"team": "web"})
	require.NoError(t, err)
	require.Len(t, st.Shards, 4)
	require.Equal(t, catalog.DefaultRetention, st.Retention)

	var recs []Record
	for i := range 200 {
		recs = append(recs, rec(fmt.Sprintf("user-%d", i%17), fmt.Sprintf("event-%d", i)))
	}
	res, err := s.Put(context.Background(), "clicks", recs)
	require.NoError(t, err)
	perShard := map[uint32][]int{}
	for i, r := range res {
		require.NoError(t, r.Err)
		// The record went to the shard whose range holds its key's MD5.
		shard := st.Shards[r.ShardIndex]
		start, _ := seqnum.ParseUint128(shard.HashKeyStart)
		end, _ := seqnum.ParseUint128(shard.HashKeyEnd)
		key := seqnum.HashKey(recs[i].PartitionKey)
		require.True(t, start.Cmp(key) <= 0 && key.Cmp(end) <= 0)
		require.Len(t, r.SequenceNumber, 39)
		perShard[r.ShardIndex] = append(perShard[r.ShardIndex], i)
	}
	for shard, idx := range perShard {
		got := readAll(t, s, "clicks", shard)
		require.Len(t, got, len(idx))
		for k, i := range idx {
			require.Equal(t, res[i].SequenceNumber, got[k].SequenceNumber)
			require.Equal(t, recs[i].PartitionKey, got[k].PartitionKey)
			require.Equal(t, recs[i].Data, got[k].Data)
			if k > 0 {
				require.Greater(t, got[k].SequenceNumber, got[k-1].SequenceNumber)
			}
		}
	}
}

func TestExplicitHashKeyAndBadInput(t *testing.T) {
	s := openStore(t, Options{MaxRecordSize: 100})
	_, err := s.CreateStream("s", 2, 0, "", nil)
	require.NoError(t, err)
	res, err := s.Put(context.Background(), "s", []Record{
		{PartitionKey: "a", ExplicitHashKey: "0", Data: []byte("low")},
		{PartitionKey: "a", ExplicitHashKey: "340282366920938463463374607431768211455", Data: []byte("high")},
		{PartitionKey: "a", ExplicitHashKey: "340282366920938463463374607431768211456", Data: []byte("overflow")},
		{PartitionKey: "a", ExplicitHashKey: "12x", Data: []byte("syntax")},
		{PartitionKey: "a", Data: make([]byte, 101)},
		{PartitionKey: "a", Data: make([]byte, 100)},
	})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	require.Equal(t, uint32(0), res[0].ShardIndex)
	require.NoError(t, res[1].Err)
	require.Equal(t, uint32(1), res[1].ShardIndex)
	require.ErrorIs(t, res[2].Err, ErrBadHashKey)
	require.ErrorIs(t, res[3].Err, ErrBadHashKey)
	require.ErrorIs(t, res[4].Err, ErrRecordTooLarge)
	require.NoError(t, res[5].Err)

	_, err = s.Put(context.Background(), "nope", []Record{rec("a", "b")})
	require.ErrorIs(t, err, ErrStreamNotFound)
	_, err = s.Append(context.Background(), "s", 9, []Record{rec("a", "b")})
	require.ErrorIs(t, err, ErrShardNotFound)
	_, err = s.Read("s", 7, 0, 10, 100)
	require.ErrorIs(t, err, ErrShardNotFound)
	_, err = s.CreateStream("s", 1, 0, "", nil)
	require.ErrorIs(t, err, ErrStreamExists)
	require.ErrorIs(t, s.DeleteStream("nope"), ErrStreamNotFound)
}

func TestSeekPositions(t *testing.T) {
	clock := newFakeClock()
	s := openStore(t, Options{Now: clock.Now})
	_, err := s.CreateStream("s", 2, 0, "", nil)
	require.NoError(t, err)
	ctx := context.Background()
	var seqs []string
	var times []time.Time
	for i := range 5 {
		res, err := s.Append(ctx, "s", 0, []Record{rec("k", fmt.Sprint(i))})
		require.NoError(t, err)
		require.NoError(t, res[0].Err)
		seqs = append(seqs, res[0].SequenceNumber)
		times = append(times, clock.Now())
		clock.Advance(time.Second)
	}
	other, err := s.Append(ctx, "s", 1, []Record{rec("k", "x")})
	require.NoError(t, err)

	seek := func(p Position) (uint64, error) { return s.Seek("s", 0, p) }
	off, err := seek(Position{Type: TrimHorizon})
	require.NoError(t, err)
	require.Equal(t, uint64(0), off)
	off, err = seek(Position{Type: Latest})
	require.NoError(t, err)
	require.Equal(t, uint64(5), off)
	off, err = seek(Position{Type: AtSequence, Sequence: seqs[2]})
	require.NoError(t, err)
	require.Equal(t, uint64(2), off)
	off, err = seek(Position{Type: AfterSequence, Sequence: seqs[2]})
	require.NoError(t, err)
	require.Equal(t, uint64(3), off)
	off, err = seek(Position{Type: AfterSequence, Sequence: seqs[4]})
	require.NoError(t, err)
	require.Equal(t, uint64(5), off)
	off, err = seek(Position{Type: AtTimestamp, Timestamp: times[3]})
	require.NoError(t, err)
	require.Equal(t, uint64(3), off)
	off, err = seek(Position{Type: AtTimestamp, Timestamp: times[3].Add(-time.Millisecond)})
	require.NoError(t, err)
	require.Equal(t, uint64(3), off)
	off, err = seek(Position{Type: AtTimestamp, Timestamp: times[0].Add(-time.Hour)})
	require.NoError(t, err)
	require.Equal(t, uint64(0), off)
	off, err = seek(Position{Type: AtTimestamp, Timestamp: clock.Now().Add(time.Hour)})
	require.NoError(t, err)
	require.Equal(t, uint64(5), off)

	for _, bad := range []string{"", "abc", "1", other[0].SequenceNumber, seqnum.FormatSequence(100, 0), "340282366920938463463374607431768211456"} {
		_, err = seek(Position{Type: AtSequence, Sequence: bad})
		require.ErrorIs(t, err, ErrBadSequence, bad)
	}

	res, err := s.Read("s", 0, 3, 10, 1<<20)
	require.NoError(t, err)
	require.Len(t, res.Records, 2)
	require.Equal(t, "3", string(res.Records[0].Data))
	require.Equal(t, uint64(5), res.Next)
	require.Zero(t, res.MillisBehindLatest)
	res, err = s.Read("s", 0, 0, 2, 1<<20)
	require.NoError(t, err)
	require.Len(t, res.Records, 2)
	require.Equal(t, uint64(2), res.Next)
	require.Equal(t, int64(3000), res.MillisBehindLatest) // record 2 arrived 3 s before "now"
}

func TestReadByteLimitReturnsAtLeastOneRecord(t *testing.T) {
	s := openStore(t, Options{})
	_, err := s.CreateStream("s", 1, 0, "", nil)
	require.NoError(t, err)
	_, err = s.Append(context.Background(), "s", 0, []Record{
		rec("k", string(make([]byte, 1000))), rec("k", string(make([]byte, 1000))), rec("k", "small"),
	})
	require.NoError(t, err)
	res, err := s.Read("s", 0, 0, 100, 10)
	require.NoError(t, err)
	require.Len(t, res.Records, 1)
	res, err = s.Read("s", 0, 0, 100, 2005)
	require.NoError(t, err)
	require.Len(t, res.Records, 2)
	require.Equal(t, uint64(2), res.Next)
}

func TestReopenKeepsDataAndNeverReusesSequenceNumbers(t *testing.T) {
	dir := t.TempDir()
	for _, segSize := range []int64{0, 2048} { // default, and many small segments
		t.Run(fmt.Sprint(segSize), func(t *testing.T) {
			dir := filepath.Join(dir, fmt.Sprint(segSize))
			s, err := Open(Options{Dir: dir, SegmentSize: segSize})
			require.NoError(t, err)
			_, err = s.CreateStream("s", 3, 0, "", nil)
			require.NoError(t, err)
			var want [3][]string
			put := func(s *Store, n int) {
				for i := range n {
					res, err := s.Put(context.Background(), "s", []Record{rec(fmt.Sprint(i), fmt.Sprintf("payload-%d-%s", i, bytes.Repeat([]byte("x"), i%50)))})
					require.NoError(t, err)
					require.NoError(t, res[0].Err)
					want[res[0].ShardIndex] = append(want[res[0].ShardIndex], res[0].SequenceNumber)
				}
			}
			put(s, 300)
			require.NoError(t, s.Close())
			s, err = Open(Options{Dir: dir, SegmentSize: segSize})
			require.NoError(t, err)
			put(s, 100)
			require.NoError(t, s.Close())
			s, err = Open(Options{Dir: dir, SegmentSize: segSize})
			require.NoError(t, err)
			defer s.Close()
			for shard := range uint32(3) {
				got := readAll(t, s, "s", shard)
				require.Len(t, got, len(want[shard]))
				for i, r := range got {
					require.Equal(t, want[shard][i], r.SequenceNumber)
				}
			}
			if segSize > 0 {
				names, err := vfs.Default.List(logDir(dir))
				require.NoError(t, err)
				require.Greater(t, len(names), 10, "expected many segments")
			}
		})
	}
}

func TestWaitWakesOnCommit(t *testing.T) {
	s := openStore(t, Options{})
	_, err := s.CreateStream("s", 1, 0, "", nil)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, s.Wait(ctx, "s", 0, 0), context.DeadlineExceeded)

	done := make(chan error, 1)
	go func() { done <- s.Wait(context.Background(), "s", 0, 0) }()
	time.Sleep(10 * time.Millisecond)
	_, err = s.Append(context.Background(), "s", 0, []Record{rec("k", "v")})
	require.NoError(t, err)
	require.NoError(t, <-done)

	// Deleting the stream wakes waiters with ErrStreamNotFound.
	go func() { done <- s.Wait(context.Background(), "s", 0, 1) }()
	time.Sleep(10 * time.Millisecond)
	require.NoError(t, s.DeleteStream("s"))
	require.ErrorIs(t, <-done, ErrStreamNotFound)
}

func TestUpdateStreamAndDelete(t *testing.T) {
	s := openStore(t, Options{})
	_, err := s.CreateStream("s", 1, 0, "", nil)
	require.NoError(t, err)
	st, err := s.UpdateStream("s", func(m *catalog.Stream) error {
		m.Status = catalog.StatusActive
		m.Retention = 48 * time.Hour
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, 48*time.Hour, st.Retention)
	_, err = s.UpdateStream("s", func(m *catalog.Stream) error {
		m.Shards = append(m.Shards, m.Shards[0])
		return nil
	})
	require.Error(t, err)
	boom := errors.New("boom")
	_, err = s.UpdateStream("s", func(m *catalog.Stream) error { m.Retention = time.Hour; return boom })
	require.ErrorIs(t, err, boom)
	got, err := s.Stream("s")
	require.NoError(t, err)
	require.Equal(t, 48*time.Hour, got.Retention)

	_, err = s.Append(context.Background(), "s", 0, []Record{rec("k", "old")})
	require.NoError(t, err)
	require.NoError(t, s.DeleteStream("s"))
	_, err = s.Stream("s")
	require.ErrorIs(t, err, ErrStreamNotFound)
	// A new stream of the same name starts empty.
	_, err = s.CreateStream("s", 1, 0, "", nil)
	require.NoError(t, err)
	require.Empty(t, readAll(t, s, "s", 0))
}

func TestFsyncPolicies(t *testing.T) {
	for _, policy := range []FsyncPolicy{FsyncAlways, FsyncInterval, FsyncNever} {
		t.Run(policy.String(), func(t *testing.T) {
			efs := vfs.NewErrorFS(vfs.Default)
			dir := t.TempDir()
			opts := Options{Dir: dir, FS: efs, Fsync: policy, FsyncInterval: 5 * time.Millisecond}
			s, err := Open(opts)
			require.NoError(t, err)
			_, err = s.CreateStream("s", 2, 0, "", nil)
			require.NoError(t, err)
			efs.ResetCounts()
			for i := range 50 {
				res, err := s.Put(context.Background(), "s", []Record{rec(fmt.Sprint(i), "v")})
				require.NoError(t, err)
				require.NoError(t, res[0].Err)
			}
			syncs := efs.Count(vfs.OpSync)
			switch policy {
			case FsyncAlways:
				require.GreaterOrEqual(t, syncs, int64(1))
			case FsyncNever:
				require.Zero(t, syncs, "never: no fsync while appending")
			case FsyncInterval:
				require.Eventually(t, func() bool { return efs.Count(vfs.OpSync) >= 1 }, time.Second, time.Millisecond,
					"interval: a background fsync follows the appends")
			}
			require.NoError(t, s.Close()) // Close makes everything durable
			s, err = Open(opts)
			require.NoError(t, err)
			defer s.Close()
			n := len(readAll(t, s, "s", 0)) + len(readAll(t, s, "s", 1))
			require.Equal(t, 50, n)
		})
	}
}

func TestParseFsyncPolicy(t *testing.T) {
	for in, want := range map[string]FsyncPolicy{"": FsyncAlways, "always": FsyncAlways, "interval": FsyncInterval, "never": FsyncNever} {
		got, err := ParseFsyncPolicy(in)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	_, err := ParseFsyncPolicy("sometimes")
	require.ErrorContains(t, err, "sometimes")
}
