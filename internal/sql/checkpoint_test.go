package sql

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/sql/input"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// checkpointPrograms exercise every stateful operator.
var checkpointPrograms = map[string]string{
	"tumbling": `
CREATE OR REPLACE STREAM "OUT" (k VARCHAR(4), n BIGINT, s DOUBLE, mx DOUBLE, d BIGINT);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"
  SELECT STREAM k, COUNT(*), SUM(v), MAX(v), COUNT(DISTINCT v) FROM "IN"
  GROUP BY k, STEP(ROWTIME BY INTERVAL '10' SECOND);`,
	"template-window": `
CREATE OR REPLACE STREAM "OUT" (k VARCHAR(4), n BIGINT, s DOUBLE, w TIMESTAMP);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"
  SELECT STREAM k, COUNT(*), SUM(v), FLOOR(("IN".ROWTIME - TIMESTAMP '1970-01-01 00:00:00') SECOND / 7 TO SECOND) * 7 + TIMESTAMP '1970-01-01 00:00:00'
  FROM "IN" GROUP BY k, FLOOR(("IN".ROWTIME - TIMESTAMP '1970-01-01 00:00:00') SECOND / 7 TO SECOND);`,
	"stagger": `
CREATE OR REPLACE STREAM "OUT" (k VARCHAR(4), n BIGINT, a DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"
  SELECT STREAM k, COUNT(*), AVG(v) FROM "IN"
  WINDOWED BY STAGGER (PARTITION BY k RANGE INTERVAL '7' SECOND);`,
	"sliding": `
CREATE OR REPLACE STREAM "OUT" (k VARCHAR(4), s DOUBLE, mn DOUBLE, l DOUBLE, v DOUBLE, n BIGINT);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"
  SELECT STREAM k, SUM(v) OVER w, MIN(v) OVER w, LAG(v) OVER r, STDDEV_POP(v) OVER w, COUNT(*) OVER r FROM "IN"
  WINDOW w AS (PARTITION BY k RANGE INTERVAL '5' SECOND PRECEDING), r AS (ROWS 3 PRECEDING);`,
	"join-chain": `
CREATE OR REPLACE STREAM "MID" (k VARCHAR(4), v DOUBLE);
CREATE OR REPLACE STREAM "OUT" (k VARCHAR(4), v DOUBLE, w DOUBLE);
CREATE OR REPLACE PUMP "P1" AS INSERT INTO "MID" SELECT STREAM k, v * 2 FROM "IN" WHERE v > 3;
CREATE OR REPLACE PUMP "P2" AS INSERT INTO "OUT"
  SELECT STREAM a.k, a.v, b.v FROM "IN" AS a LEFT JOIN "MID" OVER (RANGE INTERVAL '3' SECOND PRECEDING) AS b ON a.k = b.k;`,
}

func checkpointConfig(code string) Config {
	typ := func(s string) value.Type { t, _ := value.ParseType(s); return t }
	return Config{
		Code: code,
		Inputs: []InputConfig{{Name: "IN", Schema: input.Schema{Format: input.JSON, Columns: []input.Column{
			{Name: "K", Type: typ("VARCHAR(4)"), Mapping: "$.k"},
			{Name: "V", Type: typ("DOUBLE"), Mapping: "$.v"},
		}}}},
		Outputs: []OutputConfig{{Name: "OUT", Format: input.JSON}},
	}
}

type step struct {
	rec     *Record
	advance time.Time
}

func randomSteps(r *rand.Rand, n int) []step {
	t := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	var steps []step
	for i := range n {
		t = t.Add(time.Duration(r.IntN(1500)) * time.Millisecond)
		if r.IntN(10) == 0 {
			// A heartbeat: the source promises nothing earlier will come.
			t = t.Add(time.Duration(r.IntN(3000)) * time.Millisecond)
			steps = append(steps, step{advance: t})
			continue
		}
		data := fmt.Sprintf(`{"k":"%c","v":%d.%d}`, 'a'+r.IntN(4), r.IntN(10), r.IntN(10))
		if r.IntN(50) == 0 {
			data = `{"k": broken`
		}
		steps = append(steps, step{rec: &Record{Shard: "s", Position: fmt.Sprint(i), Data: []byte(data), ArrivalTime: t}})
	}
	return steps
}

func runSteps(e *Engine, steps []step) []string {
	var out []string
	for _, s := range steps {
		var recs []OutputRecord
		if s.rec != nil {
			recs = e.Process(0, *s.rec)
		} else {
			recs = e.Advance(0, s.advance)
		}
		for _, r := range recs {
			out = append(out, r.Rowtime.Format(time.StampMilli)+" "+string(r.Data))
		}
	}
	return out
}

// TestCheckpointReplay checks at-least-once with deterministic windows: an
// application that checkpoints at step c, "crashes" later and restarts from
// the checkpoint — replaying the records after it (and heartbeats at other
// times) — produces exactly the output of an uninterrupted run from the
// checkpoint on.
func TestCheckpointReplay(t *testing.T) {
	for name, code := range checkpointPrograms {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(len(name))))
			for trial := range 20 {
				steps := randomSteps(r, 200)
				straight, err := NewEngine(checkpointConfig(code))
				require.NoError(t, err)
				c := r.IntN(len(steps))
				before := runSteps(straight, steps[:c])
				snap := straight.Snapshot()
				after := runSteps(straight, steps[c:])
				require.NotEmpty(t, append(before, after...))

				restored, err := NewEngine(checkpointConfig(code))
				require.NoError(t, err)
				require.NoError(t, restored.Restore(snap))
				// The replay sees the same records but heartbeats at other
				// moments: windows must not depend on them.
				var replay []step
				for _, s := range steps[c:] {
					if s.rec != nil {
						replay = append(replay, s)
					}
				}
				if len(steps) > 0 {
					replay = append(replay, step{advance: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)})
				}
				got := runSteps(restored, replay)
				want := append([]string(nil), after...)
				// The uninterrupted run, flushed the same way.
				want = append(want, runSteps(straight, []step{{advance: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}})...)
				requireSameLines(t, want, got, "trial %d, checkpoint at step %d", trial, c)
				require.Equal(t, straight.Positions(0), restored.Positions(0))
			}
		})
	}
}

func TestRestoreRejects(t *testing.T) {
	e, err := NewEngine(checkpointConfig(checkpointPrograms["tumbling"]))
	require.NoError(t, err)
	e.Process(0, Record{Data: []byte(`{"k":"a","v":1}`), ArrivalTime: time.Unix(10, 0)})
	snap := e.Snapshot()

	other, err := NewEngine(checkpointConfig(checkpointPrograms["stagger"]))
	require.NoError(t, err)
	require.ErrorIs(t, other.Restore(snap), ErrCheckpointMismatch)
	// An updated application keeps the positions only.
	e.Process(0, Record{Shard: "s1", Position: "42", Data: []byte(`{}`), ArrivalTime: time.Unix(11, 0)})
	require.NoError(t, other.RestorePositions(e.Snapshot()))
	require.Equal(t, map[string]string{"s1": "42"}, other.Positions(0))

	fresh, err := NewEngine(checkpointConfig(checkpointPrograms["tumbling"]))
	require.NoError(t, err)
	bad := append([]byte(nil), snap...)
	bad[len(bad)/2] ^= 0xFF
	require.ErrorIs(t, fresh.Restore(bad), ErrCorruptCheckpoint)
	require.ErrorIs(t, fresh.Restore(snap[:10]), ErrCorruptCheckpoint)
	require.NoError(t, fresh.Restore(snap))
}

func FuzzRestore(f *testing.F) {
	e, _ := NewEngine(checkpointConfig(checkpointPrograms["sliding"]))
	e.Process(0, Record{Data: []byte(`{"k":"a","v":1}`), ArrivalTime: time.Unix(10, 0)})
	f.Add(e.Snapshot())
	f.Fuzz(func(t *testing.T, snap []byte) {
		fresh, err := NewEngine(checkpointConfig(checkpointPrograms["sliding"]))
		require.NoError(t, err)
		_ = fresh.Restore(snap)
	})
}

// requireSameLines compares outputs and reports the first difference only.
func requireSameLines(t *testing.T, want, got []string, msg string, args ...any) {
	t.Helper()
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			t.Fatalf("%s: line %d differs:\nwant %s\ngot  %s", fmt.Sprintf(msg, args...), i, want[i], got[i])
		}
	}
	if len(want) != len(got) {
		t.Fatalf("%s: %d lines, want %d", fmt.Sprintf(msg, args...), len(got), len(want))
	}
}
