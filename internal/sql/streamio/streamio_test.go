package streamio

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/eddy-streaming/eddy/internal/sql"
	"github.com/eddy-streaming/eddy/internal/sql/input"
	"github.com/eddy-streaming/eddy/internal/sql/value"
	"github.com/eddy-streaming/eddy/internal/storage"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// clock is a settable clock shared by the store (arrival times) and the
// source (watermarks).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func openStore(t *testing.T, clk *clock) *storage.Store {
	opts := storage.DefaultOptions(t.TempDir())
	opts.Fsync = storage.FsyncNever
	opts.Now = clk.Now
	s, err := storage.Open(opts)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func appConfig() sql.Config {
	typ := func(s string) value.Type { t, _ := value.ParseType(s); return t }
	return sql.Config{
		Code: `
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(8), n BIGINT, total DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM ticker, COUNT(*), SUM(price) FROM "SOURCE_SQL_STREAM_001"
  GROUP BY ticker, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '10' SECOND);`,
		Inputs: []sql.InputConfig{{Name: "SOURCE_SQL_STREAM_001", Schema: input.Schema{Format: input.JSON, Columns: []input.Column{
			{Name: "TICKER", Type: typ("VARCHAR(8)"), Mapping: "$.ticker"},
			{Name: "PRICE", Type: typ("DOUBLE"), Mapping: "$.price"},
		}}}},
		Outputs: []sql.OutputConfig{{Name: "DESTINATION_SQL_STREAM", Format: input.JSON}},
	}
}

// putRecords writes n records, one per 100ms of the clock, over 3 shards.
func putRecords(t *testing.T, s *storage.Store, clk *clock, from, n int) {
	for i := from; i < from+n; i++ {
		clk.Set(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 100 * time.Millisecond))
		res, err := s.Put(context.Background(), "in", []storage.Record{{PartitionKey: fmt.Sprint("k", i),
			Data: []byte(fmt.Sprintf(`{"ticker":"T%d","price":%d}`, i%3, i))}})
		require.NoError(t, err)
		require.NoError(t, res[0].Err)
	}
}

func readAll(t *testing.T, s *storage.Store, stream string) []string {
	st, err := s.Stream(stream)
	require.NoError(t, err)
	var out []string
	for _, sh := range st.Shards {
		res, err := s.Read(stream, sh.Index, 0, 10000, 1<<30)
		require.NoError(t, err)
		for _, r := range res.Records {
			out = append(out, string(r.Data))
		}
	}
	sort.Strings(out)
	return out
}

// droppingStore forgets saves once frozen: a crash after the last
// checkpoint it kept.
type droppingStore struct {
	FileCheckpoints
	mu     sync.Mutex
	frozen bool
}

func (d *droppingStore) Save(ctx context.Context, b []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.frozen {
		return nil
	}
	return d.FileCheckpoints.Save(ctx, b)
}

func run(t *testing.T, s *storage.Store, clk *clock, cps sql.CheckpointStore, until func() bool) {
	t.Helper()
	r, err := sql.NewRunner(context.Background(), appConfig(), sql.RunnerOptions{
		Sources:     []sql.Source{NewSource(SourceOptions{Log: s, Stream: "in", Start: storage.Position{Type: storage.TrimHorizon}, Now: clk.Now, IdleInterval: 5 * time.Millisecond})},
		Sinks:       []sql.Sink{NewSink(s, "out")},
		Checkpoints: cps, CheckpointInterval: time.Nanosecond,
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	require.Eventually(t, until, 10*time.Second, 2*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
}

// TestEndToEnd runs an application over an Eddy stream, stops it, adds
// records and resumes from the last stopped point, then crashes it after a
// checkpoint and restarts: the windows it writes are those of one
// uninterrupted run (the crash only repeats some of them).
func TestEndToEnd(t *testing.T) {
	clk := &clock{}
	s := openStore(t, clk)
	for _, name := range []string{"in", "out"} {
		_, err := s.CreateStream(name, 3, 0, "PROVISIONED", nil)
		require.NoError(t, err)
	}
	cps := &droppingStore{FileCheckpoints: FileCheckpoints{Path: filepath.Join(t.TempDir(), "app.ckpt")}}

	putRecords(t, s, clk, 0, 250) // 0s .. 24.9s
	clk.Set(clk.Now().Add(2 * time.Second))
	run(t, s, clk, cps, func() bool { return len(readAll(t, s, "out")) >= 6 }) // windows [0,10) and [10,20)

	putRecords(t, s, clk, 250, 100) // 25s .. 34.9s
	clk.Set(clk.Now().Add(2 * time.Second))
	run(t, s, clk, cps, func() bool { return len(readAll(t, s, "out")) >= 9 }) // + [20,30)
	afterResume := readAll(t, s, "out")

	// Crash: checkpoints after this point are lost.
	cps.mu.Lock()
	cps.frozen = true
	cps.mu.Unlock()
	putRecords(t, s, clk, 350, 100) // 35s .. 44.9s
	clk.Set(clk.Now().Add(2 * time.Second))
	run(t, s, clk, cps, func() bool { return len(readAll(t, s, "out")) >= 12 }) // + [30,40)
	cps.mu.Lock()
	cps.frozen = false
	cps.mu.Unlock()
	run(t, s, clk, cps, func() bool { return len(readAll(t, s, "out")) >= 15 }) // [30,40) again

	got := readAll(t, s, "out")
	// Every window result exactly as an uninterrupted run computes it.
	e, err := sql.NewEngine(appConfig())
	require.NoError(t, err)
	var want []string
	for i := 0; i < 450; i++ {
		at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 100 * time.Millisecond)
		for _, o := range e.Process(0, sql.Record{Data: []byte(fmt.Sprintf(`{"ticker":"T%d","price":%d}`, i%3, i)), ArrivalTime: at}) {
			want = append(want, string(o.Data))
		}
	}
	for _, o := range e.Advance(0, time.Date(2020, 1, 1, 0, 0, 40, 0, time.UTC)) {
		want = append(want, string(o.Data))
	}
	sort.Strings(want)
	require.Len(t, want, 12)
	require.Subset(t, want, afterResume)
	require.Len(t, afterResume, 9, "stop and resume repeat nothing")
	dedup := map[string]bool{}
	for _, g := range got {
		dedup[g] = true
	}
	require.Len(t, dedup, 12)
	for _, w := range want {
		require.True(t, dedup[w], "missing window %s", w)
	}
	require.Len(t, got, 15, "the crash repeats the three windows after the last kept checkpoint")
}
