package convert

import (
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time (user and system) this process has used: on a
// shared machine, rows per CPU-second is the per-core rate whatever else
// runs.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchRecords returns n JSON records of 10 fields, about 300 bytes each.
func benchRecords(n int) [][]byte {
	recs := make([][]byte, n)
	for i := range recs {
		recs[i] = fmt.Appendf(nil, `{"event_id":"evt-%012d","customer_id":"customer-%06d","event_type":"page_view","url":"https://example.com/products/item-%d?ref=home","amount":%d.%02d,"quantity":%d,"success":%t,"event_time":"2026-03-07T09:%02d:%02d.123Z","country":"NO","user_agent":"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/124.0"}`,
			i, i%5000, i%997, i%1000, i%100, i%10, i%2 == 0, (i/60)%60, i%60)
	}
	return recs
}

var benchColumns = []Column{
	{"event_id", "string"}, {"customer_id", "string"}, {"event_type", "string"}, {"url", "string"},
	{"amount", "double"}, {"quantity", "int"}, {"success", "boolean"}, {"event_time", "timestamp"},
	{"country", "string"}, {"user_agent", "string"},
}

// BenchmarkJSONToParquet measures the conversion alone (JSON records of 10
// fields, ~300 B, into one Parquet file per 100k rows), per codec.
func BenchmarkJSONToParquet(b *testing.B) {
	recs := benchRecords(100_000)
	var size int
	for _, r := range recs {
		size += len(r)
	}
	for _, codec := range []string{"UNCOMPRESSED", "SNAPPY", "ZSTD", "GZIP"} {
		b.Run(codec, func(b *testing.B) {
			c, err := New(Options{Columns: benchColumns, CaseInsensitive: true, Compression: codec})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			rows := 0
			cpu0 := cpuTime()
			for b.Loop() {
				n, err := c.Write(io.Discard, recs, nil)
				if err != nil || n != len(recs) {
					b.Fatal(n, err)
				}
				rows += n
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(rows)/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
			b.ReportMetric(0, "ns/op")
		})
	}
}
