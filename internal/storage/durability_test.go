package storage

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/storage/catalog"
	"github.com/eddy-streaming/eddy/internal/storage/vfs"
)

// ack is one acknowledged record.
type ack struct {
	shard uint32
	seq   string
	data  []byte
}

// ackLog collects acknowledged records from concurrent appenders.
type ackLog struct {
	mu   sync.Mutex
	acks []ack
}

// snapshot returns the records acknowledged so far.
func (l *ackLog) snapshot() []ack {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]ack(nil), l.acks...)
}

// appendLoad runs appenders against s until stop is closed or an append
// fails, recording acknowledgements in log.
func appendLoad(s *Store, stream string, shards, appenders, batch int, stop <-chan struct{}, log *ackLog) {
	mu := &log.mu
	var wg sync.WaitGroup
	for a := range appenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(a), 7))
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				recs := make([]Record, batch)
				for i := range recs {
					data := make([]byte, 8+rng.IntN(300))
					binary.LittleEndian.PutUint64(data, rng.Uint64())
					for j := 8; j < len(data); j++ {
						data[j] = byte(rng.Uint32())
					}
					recs[i] = Record{PartitionKey: fmt.Sprintf("a%d-%d", a, i), Data: data}
				}
				shard := uint32(rng.IntN(shards))
				res, err := s.Append(context.Background(), stream, shard, recs)
				if err != nil {
					return
				}
				ok := 0
				mu.Lock()
				for i, r := range res {
					if r.Err == nil {
						log.acks = append(log.acks, ack{shard: shard, seq: r.SequenceNumber, data: recs[i].Data})
						ok++
					}
				}
				mu.Unlock()
				if ok < len(res) {
					return
				}
			}
		}()
	}
	wg.Wait()
}

// checkAcked asserts that every acknowledged record is present exactly once,
// in sequence order, byte-identical, and that shards hold nothing else that
// breaks ordering.
func checkAcked(t testing.TB, s *Store, stream string, shards int, acks []ack) {
	t.Helper()
	want := map[string][]byte{}
	for _, a := range acks {
		want[a.seq] = a.data
	}
	found := 0
	for shard := range uint32(shards) {
		got := readAll(t, s, stream, shard)
		seen := map[string]bool{}
		for i, r := range got {
			require.False(t, seen[r.SequenceNumber], "duplicate %s", r.SequenceNumber)
			seen[r.SequenceNumber] = true
			if i > 0 {
				require.Greater(t, r.SequenceNumber, got[i-1].SequenceNumber)
				require.Equal(t, got[i-1].Offset+1, r.Offset, "offsets must be contiguous")
			}
			if data, ok := want[r.SequenceNumber]; ok {
				require.Equal(t, data, r.Data, "record %s", r.SequenceNumber)
				found++
			}
		}
	}
	require.Equal(t, len(want), found, "acknowledged records missing after recovery")
}

func TestCrashKeepsEveryAcknowledgedRecord(t *testing.T) {
	for round := range 12 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			dir := t.TempDir()
			mem := vfs.NewMem()
			opts := Options{Dir: dir, FS: mem, SegmentSize: 64 << 10}
			s, err := Open(opts)
			require.NoError(t, err)
			_, err = s.CreateStream("s", 4, 0, "", nil)
			require.NoError(t, err)

			stop := make(chan struct{})
			var log ackLog
			done := make(chan struct{})
			go func() { appendLoad(s, "s", 4, 8, 1+round%5, stop, &log); close(done) }()
			time.Sleep(time.Duration(5+rand.IntN(40)) * time.Millisecond)
			// Power loss while appends are in flight: only synced bytes and
			// synced directory entries survive. Every record acknowledged
			// before the snapshot must be in it.
			ackedAtCrash := log.snapshot()
			var crashed *vfs.MemFS
			if round%2 == 0 {
				crashed = mem.Crash()
			} else {
				crashed = mem.CrashKeepRandomPrefix(rand.New(rand.NewPCG(uint64(round), 1)))
			}
			close(stop)
			<-done
			require.NotEmpty(t, ackedAtCrash)
			require.NoError(t, s.Close())

			opts.FS = crashed
			s2, err := Open(opts)
			require.NoError(t, err)
			defer s2.Close()
			checkAcked(t, s2, "s", 4, ackedAtCrash)
			// The reopened store takes writes after the recovered tail.
			res, err := s2.Put(context.Background(), "s", []Record{rec("k", "after")})
			require.NoError(t, err)
			require.NoError(t, res[0].Err)
		})
	}
}

func TestGroupCommitSharesFsyncs(t *testing.T) {
	for _, shards := range []int{4, 64} {
		t.Run(fmt.Sprint(shards), func(t *testing.T) {
			efs := vfs.NewErrorFS(vfs.Default)
			s := openStore(t, Options{FS: efs})
			_, err := s.CreateStream("s", shards, 0, "", nil)
			require.NoError(t, err)
			efs.ResetCounts()
			const appenders, each = 16, 50
			var wg sync.WaitGroup
			for a := range appenders {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						res, err := s.Append(context.Background(), "s", uint32((a*each+i)%shards), []Record{rec("k", "v")})
						require.NoError(t, err)
						require.NoError(t, res[0].Err)
					}
				}()
			}
			wg.Wait()
			syncs := efs.Count(vfs.OpSync)
			t.Logf("%d shards: %d appends, %d fsyncs", shards, appenders*each, syncs)
			// One fsync per commit, never one per shard written.
			require.LessOrEqual(t, syncs, s.Stats().Commits+2)
			require.Less(t, syncs, int64(appenders*each))
		})
	}
}

func TestWriteErrorsAreStickyAndReadsContinue(t *testing.T) {
	cases := []struct {
		name string
		rule vfs.Rule
	}{
		{"fsync", vfs.Rule{Op: vfs.OpSync}},
		{"write", vfs.Rule{Op: vfs.OpWrite}},
		{"short write", vfs.Rule{Op: vfs.OpWrite, PartialWrite: 20}},
		{"disk full", vfs.Rule{Op: vfs.OpWrite, Repeat: true, Err: syscall.ENOSPC}},
		{"rename on roll", vfs.Rule{Op: vfs.OpRename}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			efs := vfs.NewErrorFS(vfs.Default)
			opts := Options{Dir: dir, FS: efs, SegmentSize: 4096}
			s, err := Open(opts)
			require.NoError(t, err)
			_, err = s.CreateStream("s", 2, 0, "", nil)
			require.NoError(t, err)
			ctx := context.Background()
			res, err := s.Put(ctx, "s", []Record{rec("a", "before")})
			require.NoError(t, err)
			require.NoError(t, res[0].Err)
			good := res[0]

			efs.Inject(tc.rule)
			var failed error
			for i := 0; i < 200 && failed == nil; i++ {
				res, err = s.Put(ctx, "s", []Record{rec("a", string(bytes.Repeat([]byte("x"), 500)))})
				require.NoError(t, err)
				failed = res[0].Err
			}
			require.ErrorIs(t, failed, ErrWriteRefused)
			require.ErrorIs(t, s.WriteErr(), ErrWriteRefused)
			efs.Reset()
			// Sticky: even with the fault gone, writes are refused.
			res, err = s.Put(ctx, "s", []Record{rec("a", "after")})
			require.NoError(t, err)
			require.ErrorIs(t, res[0].Err, ErrWriteRefused)
			// Reads keep working.
			got := readAll(t, s, "s", good.ShardIndex)
			require.Equal(t, good.SequenceNumber, got[0].SequenceNumber)
			require.NoError(t, s.Close())

			// Reopened, the store takes writes again and kept the
			// acknowledged record.
			opts.FS = vfs.Default
			s2, err := Open(opts)
			require.NoError(t, err)
			defer s2.Close()
			got = readAll(t, s2, "s", good.ShardIndex)
			require.Equal(t, "before", string(got[0].Data))
			res, err = s2.Put(ctx, "s", []Record{rec("a", "again")})
			require.NoError(t, err)
			require.NoError(t, res[0].Err)
		})
	}
}

func TestTornTailIsTruncatedAndCorruptionDetected(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir})
	require.NoError(t, err)
	_, err = s.CreateStream("s", 1, 0, "", nil)
	require.NoError(t, err)
	for i := range 10 {
		_, err := s.Append(context.Background(), "s", 0, []Record{rec("k", fmt.Sprintf("record-%d", i))})
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())
	seg := filepath.Join(logDir(dir), segmentName(1))
	info, err := os.Stat(seg)
	require.NoError(t, err)

	// A torn write: half a frame of garbage at the end.
	f, err := os.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.Write([]byte{200, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7})
	require.NoError(t, err)
	require.NoError(t, f.Close())
	s, err = Open(Options{Dir: dir})
	require.NoError(t, err)
	require.Len(t, readAll(t, s, "s", 0), 10)
	require.NoError(t, s.Close())
	info2, err := os.Stat(seg)
	require.NoError(t, err)
	require.Equal(t, info.Size(), info2.Size(), "torn tail truncated")

	// Corrupt a byte inside the first record of a sealed segment: roll by
	// reopening with a tiny segment size and appending more.
	s, err = Open(Options{Dir: dir, SegmentSize: 64})
	require.NoError(t, err)
	_, err = s.Append(context.Background(), "s", 0, []Record{rec("k", "next")})
	require.NoError(t, err)
	_, err = s.Append(context.Background(), "s", 0, []Record{rec("k", "next2")})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	data, err := os.ReadFile(seg)
	require.NoError(t, err)
	i := bytes.Index(data, []byte("record-3"))
	require.Positive(t, i)
	data[i] ^= 0x20
	require.NoError(t, os.WriteFile(seg, data, 0o644))
	s, err = Open(Options{Dir: dir})
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Read("s", 0, 3, 10, 1<<20)
	require.ErrorIs(t, err, ErrCorrupt)
	res, err := s.Read("s", 0, 0, 3, 1<<20)
	require.NoError(t, err)
	require.Len(t, res.Records, 3)
}

func TestRetention(t *testing.T) {
	clock := newFakeClock()
	dir := t.TempDir()
	opts := Options{Dir: dir, Now: clock.Now, SegmentSize: 1024}
	s, err := Open(opts)
	require.NoError(t, err)
	_, err = s.CreateStream("short", 1, time.Hour, "", nil)
	require.NoError(t, err)
	_, err = s.CreateStream("long", 1, 48*time.Hour, "", nil)
	require.NoError(t, err)
	ctx := context.Background()
	put := func(stream string, n int) {
		for i := range n {
			_, err := s.Append(ctx, stream, 0, []Record{rec("k", fmt.Sprintf("%s-%d-%s", stream, i, strings.Repeat("p", 100)))})
			require.NoError(t, err)
		}
	}
	put("short", 50)
	clock.Advance(30 * time.Minute)
	put("short", 10)
	put("long", 10)
	require.Len(t, readAll(t, s, "short", 0), 60)

	// 40 minutes later the first 50 records of "short" are past retention:
	// invisible at once, whatever segment they share.
	clock.Advance(40 * time.Minute)
	got := readAll(t, s, "short", 0)
	require.Len(t, got, 10)
	require.Equal(t, uint64(50), got[0].Offset)
	off, err := s.Seek("short", 0, Position{Type: AtSequence, Sequence: SequenceOf(mustShard(t, s, "short"), 3)})
	require.NoError(t, err)
	require.Equal(t, uint64(50), off, "reading below the trim point starts at the oldest retained record")

	segsBefore := countSegments(t, dir)
	n, err := s.EnforceRetention()
	require.NoError(t, err)
	require.Positive(t, n)
	require.Less(t, countSegments(t, dir), segsBefore)
	require.Len(t, readAll(t, s, "long", 0), 10)

	// Everything of "short" expires; its segments go once "long" expires too.
	clock.Advance(49 * time.Hour)
	_, err = s.EnforceRetention()
	require.NoError(t, err)
	require.Empty(t, readAll(t, s, "short", 0))
	require.Empty(t, readAll(t, s, "long", 0))
	require.NoError(t, s.Close())

	// Offsets are not reused after every record expired and a restart.
	s, err = Open(opts)
	require.NoError(t, err)
	defer s.Close()
	res, err := s.Append(ctx, "short", 0, []Record{rec("k", "new")})
	require.NoError(t, err)
	require.Equal(t, uint64(60), res[0].Offset)
}

func mustShard(t testing.TB, s *Store, stream string) catalog.Shard {
	st, err := s.Stream(stream)
	require.NoError(t, err)
	return st.Shards[0]
}

func countSegments(t testing.TB, dir string) int {
	names, err := os.ReadDir(logDir(dir))
	require.NoError(t, err)
	n := 0
	for _, e := range names {
		if strings.HasSuffix(e.Name(), ".seg") {
			n++
		}
	}
	return n
}

// The real-process crash test: a child appends at full speed and prints
// each acknowledged sequence number; the parent SIGKILLs it and checks.

const crashChildEnv = "EDDY_STORAGE_CRASH_CHILD_DIR"

func crashChild() {
	dir := os.Getenv(crashChildEnv)
	s, err := Open(Options{Dir: dir, SegmentSize: 1 << 20})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if _, err := s.Stream("s"); err != nil {
		if _, err := s.CreateStream("s", 4, 0, "", nil); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for a := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				recs := make([]Record, 50)
				for j := range recs {
					recs[j] = Record{PartitionKey: fmt.Sprintf("%d-%d-%d", a, i, j), Data: []byte(fmt.Sprintf("data %d %d %d", a, i, j))}
				}
				res, err := s.Put(context.Background(), "s", recs)
				if err != nil {
					return
				}
				mu.Lock()
				for j, r := range res {
					if r.Err == nil {
						fmt.Fprintf(out, "%d %s %s\n", r.ShardIndex, r.SequenceNumber, recs[j].Data)
					}
				}
				out.Flush()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func TestProcessKillKeepsAcknowledgedRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	for round := range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		var acks []ack
		sc := bufio.NewScanner(stdout)
		deadline := time.Now().Add(time.Duration(500+300*round) * time.Millisecond)
		for sc.Scan() {
			f := strings.SplitN(sc.Text(), " ", 3)
			if len(f) == 3 {
				shard, _ := strconv.Atoi(f[0])
				acks = append(acks, ack{shard: uint32(shard), seq: f[1], data: []byte(f[2])})
			}
			if time.Now().After(deadline) {
				break
			}
		}
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()
		require.NotEmpty(t, acks)
		t.Logf("round %d: %d records acknowledged before SIGKILL", round, len(acks))

		s, err := Open(Options{Dir: dir})
		require.NoError(t, err)
		checkAcked(t, s, "s", 4, acks)
		require.NoError(t, s.Close())
	}
}
