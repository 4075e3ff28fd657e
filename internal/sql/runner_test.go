package sql

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/eddy-streaming/eddy/internal/sql/exec"
	"github.com/eddy-streaming/eddy/internal/sql/input"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sliceSource serves records after a position, then reports ErrSourceDone.
type sliceSource struct {
	records  []Record
	next     int
	opened   map[string]string
	idleSent bool
}

func (s *sliceSource) Open(_ context.Context, after map[string]string) error {
	s.opened = after
	s.next = 0
	s.idleSent = false
	if p, ok := after["shard-0"]; ok {
		for i, r := range s.records {
			if r.Position == p {
				s.next = i + 1
			}
		}
	}
	return nil
}

func (s *sliceSource) Next(ctx context.Context) (Batch, error) {
	if s.next >= len(s.records) {
		if s.idleSent {
			<-ctx.Done()
			return Batch{}, ctx.Err()
		}
		// Idle: promise nothing before the last arrival + 12 s.
		s.idleSent = true
		return Batch{Watermark: s.records[len(s.records)-1].ArrivalTime.Add(12 * time.Second)}, nil
	}
	end := min(s.next+3, len(s.records))
	b := Batch{Records: s.records[s.next:end], Watermark: s.records[end-1].ArrivalTime}
	s.next = end
	return b, nil
}

func (s *sliceSource) Close() error { return nil }

type memSink struct {
	mu    sync.Mutex
	lines []string
	fail  int // fail this many writes first
}

func (s *memSink) Write(_ context.Context, recs []OutputRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail > 0 {
		s.fail--
		return fmt.Errorf("sink unavailable")
	}
	for _, r := range recs {
		s.lines = append(s.lines, r.Rowtime.Format("15:04:05")+" "+string(r.Data))
	}
	return nil
}

type memCheckpoints struct {
	mu   sync.Mutex
	snap []byte
}

func (m *memCheckpoints) Load(context.Context) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.snap, nil
}

func (m *memCheckpoints) Save(_ context.Context, b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.snap = append([]byte(nil), b...)
	return nil
}

func joinConfig() Config {
	typ := func(s string) value.Type { t, _ := value.ParseType(s); return t }
	schema := input.Schema{Format: input.JSON, Columns: []input.Column{
		{Name: "K", Type: typ("VARCHAR(4)"), Mapping: "$.k"},
		{Name: "V", Type: typ("INTEGER"), Mapping: "$.v"},
	}}
	return Config{
		Code: `
CREATE OR REPLACE STREAM "OUT" (k VARCHAR(4), n BIGINT, total BIGINT);
CREATE OR REPLACE STREAM "BOTH" (k VARCHAR(4), v INTEGER);
CREATE OR REPLACE PUMP "A" AS INSERT INTO "BOTH" SELECT STREAM k, v FROM "IN_A";
CREATE OR REPLACE PUMP "B" AS INSERT INTO "BOTH" SELECT STREAM k, v FROM "IN_B";
CREATE OR REPLACE PUMP "AGG" AS INSERT INTO "OUT"
  SELECT STREAM k, COUNT(*), SUM(v) FROM "BOTH" GROUP BY k, STEP(ROWTIME BY INTERVAL '10' SECOND);`,
		Inputs:  []InputConfig{{Name: "IN_A", Schema: schema}, {Name: "IN_B", Schema: schema}},
		Outputs: []OutputConfig{{Name: "OUT", Format: input.JSON}, {Name: "BOTH", Format: input.CSV}},
	}
}

func records(start time.Time, step time.Duration, n int, key string) []Record {
	var recs []Record
	for i := range n {
		recs = append(recs, Record{Shard: "shard-0", Position: fmt.Sprint(i), ArrivalTime: start.Add(time.Duration(i) * step),
			Data: []byte(fmt.Sprintf(`{"k":%q,"v":%d}`, key, i))})
	}
	return recs
}

func runUntilIdle(t *testing.T, r *Runner, sinks []*memSink, want, wantWindows int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	require.Eventually(t, func() bool {
		sinks[0].mu.Lock()
		defer sinks[0].mu.Unlock()
		sinks[1].mu.Lock()
		defer sinks[1].mu.Unlock()
		return len(sinks[1].lines) >= want && len(sinks[0].lines) >= wantWindows
	}, 5*time.Second, time.Millisecond)
	cancel()
	require.NoError(t, <-done)
}

// TestRunnerMergesInputsAndResumes runs two inputs that fan in to one
// stream: rows interleave by arrival time, windows close when both inputs
// have passed them, a failing sink is retried, and a second runner resumes
// from the final checkpoint without repeating or losing output.
func TestRunnerMergesInputsAndResumes(t *testing.T) {
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	a := &sliceSource{records: records(base, 3*time.Second, 10, "a")}
	b := &sliceSource{records: records(base.Add(time.Second), 4*time.Second, 5, "b")}
	sinks := []*memSink{{fail: 2}, {}}
	store := &memCheckpoints{}
	cfg := joinConfig()
	r, err := NewRunner(context.Background(), cfg, RunnerOptions{
		Sources: []Source{a, b}, Sinks: []Sink{sinks[0], sinks[1]}, Checkpoints: store,
		RetryInterval: time.Millisecond,
	})
	require.NoError(t, err)
	runUntilIdle(t, r, sinks, 15, 4)

	// Rows of both inputs interleave by arrival time.
	var order []string
	for _, l := range sinks[1].lines {
		order = append(order, l[:8]+" "+strings.Split(l, ",")[0][9:])
	}
	require.Equal(t, []string{"00:00:00 a", "00:00:01 b", "00:00:03 a", "00:00:05 b", "00:00:06 a", "00:00:09 a",
		"00:00:09 b", "00:00:12 a", "00:00:13 b", "00:00:15 a", "00:00:17 b", "00:00:18 a", "00:00:21 a", "00:00:24 a",
		"00:00:27 a"}, order)
	// The windows that end before both inputs' watermarks (a: 00:00:39,
	// b: 00:00:29) are closed; [20, 30) waits for input b.
	require.Equal(t, []string{
		`00:00:10 {"K":"a","N":4,"TOTAL":6}`, `00:00:10 {"K":"b","N":3,"TOTAL":3}`,
		`00:00:20 {"K":"a","N":3,"TOTAL":15}`, `00:00:20 {"K":"b","N":2,"TOTAL":7}`,
	}, sinks[0].lines)
	require.Equal(t, int64(15), r.Stats().RecordsIn)
	require.Equal(t, []exec.PumpStats{{Name: "A", RowsIn: 10, RowsOut: 10}, {Name: "B", RowsIn: 5, RowsOut: 5},
		{Name: "AGG", RowsIn: 15, RowsOut: 4}, {}}, r.Stats().Pumps)
	require.NotNil(t, store.snap)

	// A restart resumes after the saved positions: nothing is read twice.
	a.records = append(a.records, records(base.Add(40*time.Second), time.Second, 12, "a")[10:]...)
	b.records = append(b.records, records(base.Add(25*time.Second), 4*time.Second, 6, "b")[5:]...)
	sinks2 := []*memSink{{}, {}}
	r2, err := NewRunner(context.Background(), cfg, RunnerOptions{Sources: []Source{a, b}, Sinks: []Sink{sinks2[0], sinks2[1]}, Checkpoints: store})
	require.NoError(t, err)
	runUntilIdle(t, r2, sinks2, 3, 2)
	require.Equal(t, map[string]string{"shard-0": "9"}, a.opened)
	require.Equal(t, map[string]string{"shard-0": "4"}, b.opened)
	require.Len(t, sinks2[1].lines, 3)
	require.Equal(t, []string{`00:00:30 {"K":"a","N":3,"TOTAL":24}`, `00:00:50 {"K":"b","N":1,"TOTAL":5}`}, sinks2[0].lines)
}

func TestRunnerValidates(t *testing.T) {
	_, err := NewRunner(context.Background(), joinConfig(), RunnerOptions{})
	require.ErrorContains(t, err, "2 inputs but 0 sources")
}
