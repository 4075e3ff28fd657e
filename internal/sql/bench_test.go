package sql

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-streaming/eddy/internal/sql/input"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// benchRecords are ~100-byte JSON records like the KDA demo stream's.
func benchRecords(n, keys int) []Record {
	sectors := []string{"TECHNOLOGY", "ENERGY", "HEALTHCARE", "RETAIL", "FINANCIAL"}
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = Record{Data: []byte(fmt.Sprintf(`{"ticker":"T%05d","sector":"%s","change":%d.%02d,"price":%d.%02d,"id":%d}`,
			i%keys, sectors[i%len(sectors)], i%7-3, i%100, 10+i%90, i%100, i))}
	}
	return recs
}

func benchConfig(code string, outputs ...string) Config {
	typ := func(s string) value.Type { t, _ := value.ParseType(s); return t }
	cfg := Config{
		Code: code,
		Inputs: []InputConfig{{Name: "SOURCE_SQL_STREAM_001", Schema: input.Schema{Format: input.JSON, Columns: []input.Column{
			{Name: "TICKER", Type: typ("VARCHAR(8)"), Mapping: "$.ticker"},
			{Name: "SECTOR", Type: typ("VARCHAR(16)"), Mapping: "$.sector"},
			{Name: "CHANGE", Type: typ("DOUBLE"), Mapping: "$.change"},
			{Name: "PRICE", Type: typ("DOUBLE"), Mapping: "$.price"},
		}}}},
	}
	for _, o := range outputs {
		cfg.Outputs = append(cfg.Outputs, OutputConfig{Name: o, Format: input.JSON})
	}
	return cfg
}

func runBench(b *testing.B, cfg Config, recs []Record, step time.Duration) {
	e, err := NewEngine(cfg)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	cpu0 := cpuTime()
	var bytes int64
	out := 0
	n := 0
	b.ResetTimer()
	for b.Loop() {
		rec := recs[n%len(recs)]
		rec.ArrivalTime = start.Add(time.Duration(n) * step)
		out += len(e.Process(0, rec))
		bytes += int64(len(rec.Data))
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	// Per core: events over the CPU time the process used (user + system,
	// GC included), so other load on the machine does not count.
	b.ReportMetric(float64(n)/(cpuTime()-cpu0).Seconds(), "events/cpu-s")
	b.ReportMetric(float64(out)/float64(n), "out/event")
	b.SetBytes(bytes / int64(max(n, 1)))
}

const filterProjection = `
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(8), price DOUBLE, pct DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM ticker, price, change / price * 100 FROM "SOURCE_SQL_STREAM_001" WHERE price > 50 AND sector <> 'ENERGY';`

// BenchmarkFilterProjection: decode a 100-byte JSON record, filter,
// project, and encode the surviving rows as JSON output records.
func BenchmarkFilterProjection(b *testing.B) {
	runBench(b, benchConfig(filterProjection, "DESTINATION_SQL_STREAM"), benchRecords(10000, 1000), time.Millisecond)
}

const tumbling = `
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(8), n BIGINT, total DOUBLE, top DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM ticker, COUNT(*), SUM(price), MAX(price) FROM "SOURCE_SQL_STREAM_001"
  GROUP BY ticker, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '10' SECOND);`

// BenchmarkTumblingAggregate: a 10-second tumbling COUNT/SUM/MAX per key
// over 100k distinct keys (500k events per window, each key 5 times), with
// the window results encoded as JSON output records.
func BenchmarkTumblingAggregate(b *testing.B) {
	runBench(b, benchConfig(tumbling, "DESTINATION_SQL_STREAM"), benchRecords(100000, 100000), 20*time.Microsecond)
}

// BenchmarkTumblingAggregateNewKeys: the same with every key once per
// window (100k events per window), so group creation and emission dominate.
func BenchmarkTumblingAggregateNewKeys(b *testing.B) {
	runBench(b, benchConfig(tumbling, "DESTINATION_SQL_STREAM"), benchRecords(100000, 100000), 100*time.Microsecond)
}

// BenchmarkJSONDecode is the input mapping alone, for the profile split.
func BenchmarkJSONDecode(b *testing.B) {
	cfg := benchConfig("")
	m, err := input.NewMapper(cfg.Inputs[0].Schema)
	if err != nil {
		b.Fatal(err)
	}
	recs := benchRecords(10000, 1000)
	n := 0
	for b.Loop() {
		m.Map(recs[n%len(recs)].Data, func([]value.Value) {}, func(error, []byte) {})
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

const sliding = `
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(8), avg_price DOUBLE, max_price DOUBLE, min_all DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM ticker, AVG(price) OVER w, MAX(price) OVER w, MIN(price) OVER (RANGE INTERVAL '10' SECOND PRECEDING)
  FROM "SOURCE_SQL_STREAM_001"
  WINDOW w AS (PARTITION BY ticker RANGE INTERVAL '1' MINUTE PRECEDING);`

// BenchmarkSlidingWindow: per-row AVG and MAX over a 1-minute window per
// key (1000 keys) and a MIN over an unpartitioned 10-second window (10k
// rows at 1000 events/s of ROWTIME).
func BenchmarkSlidingWindow(b *testing.B) {
	runBench(b, benchConfig(sliding, "DESTINATION_SQL_STREAM"), benchRecords(10000, 1000), time.Millisecond)
}
