// Command diskprobe measures the raw disk the storage benchmarks run on, as
// their peer in the same run: sequential writes of a given size, each
// followed by fdatasync (throughput), and small fdatasync'd writes (latency).
//
//	go run ./bench/diskprobe -dir /path -mb 512
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"
)

func main() {
	dir := flag.String("dir", os.TempDir(), "directory to write in (same filesystem as the data dir)")
	totalMB := flag.Int("mb", 512, "megabytes to write for the throughput test")
	flag.Parse()
	path := filepath.Join(*dir, fmt.Sprintf("diskprobe-%d", os.Getpid()))
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer os.Remove(path)
	defer f.Close()
	for _, size := range []int{256 << 10, 1 << 20, 4 << 20} {
		buf := make([]byte, size)
		n := (*totalMB << 20) / size
		start := time.Now()
		for range n {
			if _, err := f.Write(buf); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			if err := syscall.Fdatasync(int(f.Fd())); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		secs := time.Since(start).Seconds()
		fmt.Printf("write+fdatasync %7d B: %7.1f MB/s\n", size, float64(n*size)/secs/1e6)
	}
	small := make([]byte, 1024)
	var lat []time.Duration
	for range 500 {
		t := time.Now()
		f.Write(small)
		syscall.Fdatasync(int(f.Fd()))
		lat = append(lat, time.Since(t))
	}
	slices.Sort(lat)
	fmt.Printf("small write+fdatasync latency: p50 %v p99 %v\n",
		lat[len(lat)/2].Round(time.Microsecond), lat[len(lat)*99/100].Round(time.Microsecond))
}
