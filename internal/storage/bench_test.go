package storage

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Benchmarks of docs/benchmarks.md. Run with e.g.
//
//	go test -run '^$' -bench . -benchtime 5s ./internal/storage/
//
// Environment knobs (for the long ones):
//
//	EDDY_BENCH_DIR          where to put data (default: the test temp dir)
//	EDDY_BENCH_RATE_MBPS    target rate of BenchmarkAppendLatency (default 200)
//	EDDY_BENCH_REOPEN_GB    data retained for BenchmarkReopen (default 1)

func benchDir(b *testing.B) string {
	if d := os.Getenv("EDDY_BENCH_DIR"); d != "" {
		dir, err := os.MkdirTemp(d, "bench")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(dir) })
		return dir
	}
	return b.TempDir()
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func benchRecords(n, size int) []Record {
	recs := make([]Record, n)
	for i := range recs {
		data := make([]byte, size)
		for j := range data {
			data[j] = byte(i + j)
		}
		recs[i] = Record{PartitionKey: fmt.Sprintf("partition-%d", i), Data: data}
	}
	return recs
}

// BenchmarkAppend: fsync=always, 1 KiB records in batches of 500, 8
// concurrent appenders spread over the shards.
func BenchmarkAppend(b *testing.B) {
	for _, shards := range []int{4, 256} {
		b.Run(fmt.Sprintf("shards=%d", shards), func(b *testing.B) {
			s, err := Open(Options{Dir: benchDir(b)})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if _, err := s.CreateStream("bench", shards, 0, "", nil); err != nil {
				b.Fatal(err)
			}
			recs := benchRecords(500, 1024)
			var next atomic.Uint32
			b.SetBytes(500 * 1024)
			b.SetParallelism(4) // 8 appenders on 2 cores
			b.ResetTimer()
			start := s.Stats()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					shard := next.Add(1) % uint32(shards)
					res, err := s.Append(context.Background(), "bench", shard, recs)
					if err != nil || res[0].Err != nil {
						b.Error(err, res[0].Err)
						return
					}
				}
			})
			end := s.Stats()
			b.ReportMetric(float64(end.Syncs-start.Syncs)/b.Elapsed().Seconds(), "fsyncs/s")
		})
	}
}

// BenchmarkAppendLatency: 8 appenders at a fixed total rate (default 200
// MB/s, about half the maximum measured by BenchmarkAppend), 4 shards;
// reports append latency percentiles.
func BenchmarkAppendLatency(b *testing.B) {
	rate := envInt("EDDY_BENCH_RATE_MBPS", 200)
	s, err := Open(Options{Dir: benchDir(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CreateStream("bench", 4, 0, "", nil); err != nil {
		b.Fatal(err)
	}
	recs := benchRecords(500, 1024)
	batchBytes := 500 * 1024
	const appenders = 8
	interval := time.Duration(float64(time.Second) * float64(batchBytes) * appenders / (float64(rate) * 1e6))
	var mu sync.Mutex
	var lat []time.Duration
	b.SetBytes(int64(batchBytes))
	b.ResetTimer()
	var wg sync.WaitGroup
	var left atomic.Int64
	left.Store(int64(b.N))
	for a := range appenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := time.Now().Add(time.Duration(a) * interval / appenders)
			for left.Add(-1) >= 0 {
				time.Sleep(time.Until(next))
				next = next.Add(interval)
				t0 := time.Now()
				if _, err := s.Append(context.Background(), "bench", uint32(a%4), recs); err != nil {
					b.Error(err)
					return
				}
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(rate), "target-MB/s")
}

// BenchmarkCatchUpRead reads one shard from the start, from page cache, in
// GetRecords-sized reads (10,000 records / 10 MiB).
func BenchmarkCatchUpRead(b *testing.B) {
	s, err := Open(Options{Dir: benchDir(b), Fsync: FsyncNever})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CreateStream("bench", 1, 0, "", nil); err != nil {
		b.Fatal(err)
	}
	recs := benchRecords(500, 1024)
	const batches = 512 // 256 MiB of data
	for range batches {
		if _, err := s.Append(context.Background(), "bench", 0, recs); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(batches * 500 * 1024)
	b.ResetTimer()
	for b.Loop() {
		off, n := uint64(0), 0
		for {
			res, err := s.Read("bench", 0, off, 10000, 10<<20)
			if err != nil {
				b.Fatal(err)
			}
			if len(res.Records) == 0 {
				break
			}
			n += len(res.Records)
			off = res.Next
		}
		if n != batches*500 {
			b.Fatalf("read %d records", n)
		}
	}
}

// BenchmarkReopen measures Open of a store retaining EDDY_BENCH_REOPEN_GB
// GiB (default 1) in 4 shards.
func BenchmarkReopen(b *testing.B) {
	gb := envInt("EDDY_BENCH_REOPEN_GB", 1)
	dir := benchDir(b)
	s, err := Open(Options{Dir: dir, Fsync: FsyncNever})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.CreateStream("bench", 4, 0, "", nil); err != nil {
		b.Fatal(err)
	}
	recs := benchRecords(500, 1024)
	batches := gb << 30 / (500 * 1024)
	for i := range batches {
		if _, err := s.Append(context.Background(), "bench", uint32(i%4), recs); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		s, err := Open(Options{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(gb), "GiB-retained")
}
