package streamio

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-streaming/eddy/internal/sql"
	"github.com/eddy-streaming/eddy/internal/sql/input"
	"github.com/eddy-streaming/eddy/internal/sql/value"
	"github.com/eddy-streaming/eddy/internal/storage"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchEndToEnd fills a 4-shard stream with n ~100-byte JSON records, then
// times an application reading it from TRIM_HORIZON and writing its output
// to another stream, until every record is processed.
func benchEndToEnd(b *testing.B, code string, n, keys int, step time.Duration) {
	clk := &clock{}
	opts := storage.DefaultOptions(b.TempDir())
	opts.Fsync = storage.FsyncNever
	opts.Now = clk.Now
	s, err := storage.Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for _, name := range []string{"in", "out"} {
		if _, err := s.CreateStream(name, 4, 0, "PROVISIONED", nil); err != nil {
			b.Fatal(err)
		}
	}
	sectors := []string{"TECHNOLOGY", "ENERGY", "HEALTHCARE", "RETAIL", "FINANCIAL"}
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i += 500 {
		clk.Set(start.Add(time.Duration(i) * step))
		var recs []storage.Record
		for j := i; j < min(i+500, n); j++ {
			recs = append(recs, storage.Record{PartitionKey: fmt.Sprint(j), Data: []byte(fmt.Sprintf(
				`{"ticker":"T%05d","sector":"%s","change":%d.%02d,"price":%d.%02d,"id":%d}`,
				j%keys, sectors[j%5], j%7-3, j%100, 10+j%90, j%100, j))})
		}
		if _, err := s.Put(context.Background(), "in", recs); err != nil {
			b.Fatal(err)
		}
	}
	clk.Set(start.Add(time.Duration(n)*step + time.Minute))
	typ := func(s string) value.Type { t, _ := value.ParseType(s); return t }
	cfg := sql.Config{Code: code,
		Inputs: []sql.InputConfig{{Name: "SOURCE_SQL_STREAM_001", Schema: input.Schema{Format: input.JSON, Columns: []input.Column{
			{Name: "TICKER", Type: typ("VARCHAR(8)"), Mapping: "$.ticker"},
			{Name: "SECTOR", Type: typ("VARCHAR(16)"), Mapping: "$.sector"},
			{Name: "CHANGE", Type: typ("DOUBLE"), Mapping: "$.change"},
			{Name: "PRICE", Type: typ("DOUBLE"), Mapping: "$.price"},
		}}}},
		Outputs: []sql.OutputConfig{{Name: "DESTINATION_SQL_STREAM", Format: input.JSON}},
	}
	var events int64
	cpu0 := cpuTime()
	for b.Loop() {
		r, err := sql.NewRunner(context.Background(), cfg, sql.RunnerOptions{
			Sources: []sql.Source{NewSource(SourceOptions{Log: s, Stream: "in", Start: storage.Position{Type: storage.TrimHorizon},
				Now: clk.Now, IdleInterval: time.Millisecond})},
			Sinks: []sql.Sink{NewSink(s, "out")},
		})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		for r.Stats().RecordsIn < int64(n) {
			time.Sleep(time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		events += int64(n)
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(events)/(cpuTime()-cpu0).Seconds(), "events/cpu-s")
}

// BenchmarkEndToEndFilterProjection: the filter-projection query over
// 200k records already in a stream, outputs put to another stream.
func BenchmarkEndToEndFilterProjection(b *testing.B) {
	benchEndToEnd(b, `
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(8), price DOUBLE, pct DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM ticker, price, change / price * 100 FROM "SOURCE_SQL_STREAM_001" WHERE price > 50 AND sector <> 'ENERGY';`,
		200000, 1000, 50*time.Microsecond)
}

// BenchmarkEndToEndTumbling: 10-second tumbling COUNT/SUM/MAX per key over
// 100k distinct keys, 500k records already in a stream.
func BenchmarkEndToEndTumbling(b *testing.B) {
	benchEndToEnd(b, `
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(8), n BIGINT, total DOUBLE, top DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM ticker, COUNT(*), SUM(price), MAX(price) FROM "SOURCE_SQL_STREAM_001"
  GROUP BY ticker, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '10' SECOND);`,
		500000, 100000, 20*time.Microsecond)
}
