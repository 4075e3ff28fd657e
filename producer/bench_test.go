//go:build linux

package producer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// BenchmarkProducer puts 100 B records with random partition keys from one
// goroutine into a new 4-shard stream, with aggregation off and on. The
// server is EDDY_BENCH_ENDPOINT if set (with EDDY_BENCH_SERVER_PID, the
// process id whose CPU time to report), else an `eddy serve` (default
// flags: fsync always) that it builds from ./cmd/eddy and starts in a
// temporary directory. Besides ns/op (per Put) it reports records/s (from
// the first Put to the end of Flush), the CPU time of this process per
// million records (getrusage before and after), that of the server (from
// /proc), user records per Kinesis record and PutRecords calls per million
// records.
//
//	go test ./producer -run '^$' -bench Producer -benchtime 2000000x
func BenchmarkProducer(b *testing.B) {
	endpoint, serverPID := benchServer(b)
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64
	client := newClient(endpoint, transport)
	keys := make([]string, 100_000)
	for i := range keys {
		keys[i] = hex.EncodeToString(randomBytes(8))
	}
	data := randomBytes(100)

	for _, aggregate := range []bool{false, true} {
		b.Run(fmt.Sprintf("aggregate=%v", aggregate), func(b *testing.B) {
			ctx := context.Background()
			stream := fmt.Sprintf("bench-%d", time.Now().UnixNano())
			benchCreateStream(b, client, stream)
			defer client.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String(stream)})
			p, err := New(client, stream, Options{Aggregate: aggregate})
			if err != nil {
				b.Fatal(err)
			}
			// Wait for the shard map and a first call.
			if err := p.Put(ctx, "warm-up", data); err != nil {
				b.Fatal(err)
			}
			if err := p.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			before := p.Stats()
			cpu, serverCPU := processCPU(), procCPU(serverPID)
			start := time.Now()
			n := 0
			for b.Loop() {
				if err := p.Put(ctx, keys[n%len(keys)], data); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if err := p.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			elapsed := time.Since(start)
			cpu, serverCPU = processCPU()-cpu, procCPU(serverPID)-serverCPU
			st := p.Stats()
			if err := p.Close(ctx); err != nil {
				b.Fatal(err)
			}
			if st.Errors > 0 || st.Records-before.Records != int64(n) {
				b.Fatalf("%d records put, %d written, %d failed", n, st.Records-before.Records, st.Errors)
			}
			perMillion := 1e6 / float64(n)
			b.ReportMetric(float64(n)/elapsed.Seconds(), "records/s")
			b.ReportMetric(cpu.Seconds()*perMillion, "cpu-s/Mrec")
			if serverPID != 0 {
				b.ReportMetric(serverCPU.Seconds()*perMillion, "server-cpu-s/Mrec")
			}
			b.ReportMetric(float64(n)/float64(st.KinesisRecords-before.KinesisRecords), "records/kinesis-record")
			b.ReportMetric(float64(st.Requests-before.Requests)*perMillion, "calls/Mrec")
		})
	}
}

// benchServer returns the endpoint of the server to benchmark against, and
// its process id when it started it.
func benchServer(b *testing.B) (string, int) {
	if endpoint := os.Getenv("EDDY_BENCH_ENDPOINT"); endpoint != "" {
		pid, _ := strconv.Atoi(os.Getenv("EDDY_BENCH_SERVER_PID"))
		return endpoint, pid
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "eddy")
	build := exec.Command("go", "build", "-o", bin, "github.com/eddy-streaming/eddy/cmd/eddy")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build eddy: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data-dir", filepath.Join(dir, "data"), "--log-level", "warn")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	endpoint := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(endpoint + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("eddy serve did not start: %v", err)
		}
	}
	return endpoint, cmd.Process.Pid
}

func benchCreateStream(b *testing.B, client *kinesis.Client, name string) {
	ctx := context.Background()
	if _, err := client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(4)}); err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		out, err := client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		if err == nil && out.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive {
			return
		}
	}
	b.Fatalf("stream %s did not become active", name)
}

func randomBytes(n int) []byte {
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	return buf
}

// processCPU is the user and system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is the user and system CPU time of process pid so far, from
// /proc/pid/stat (0 if pid is 0 or unreadable).
func procCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces): utime and
	// stime are fields 14 and 15, in clock ticks (100 per second).
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
