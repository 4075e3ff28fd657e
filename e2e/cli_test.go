package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/eddy-streaming/eddy/internal/bench"
	"github.com/stretchr/testify/require"
)

// TestCLI builds the eddy binary, starts `eddy serve` on a free port with a
// temporary data directory, and drives it with the eddy CLI the way a user
// would: stream create, put from stdin, tail, describe, delete, and a short
// bench. The CLI runs with no AWS configuration at all, as on a fresh
// machine. The cli_*_test.go files test each command family in depth.
func TestCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the eddy binary")
	}
	bin := cliBuild(t)
	endpoint := cliServe(t, bin)
	cli := &cliRunner{t: t, bin: bin, endpoint: endpoint, home: t.TempDir()}

	t.Run("stream lifecycle", func(t *testing.T) {
		cli.t = t
		cli.ok("stream", "create", "--stream", "cli", "--shards", "2", "--wait")
		require.Equal(t, "cli\n", cli.ok("stream", "list"))

		var input []string
		users := map[string]string{}
		for i := range 20 {
			user := fmt.Sprintf("user-%d", i%5)
			line := fmt.Sprintf(`{"user":%q,"n":%d}`, user, i)
			input = append(input, line)
			users[line] = user
		}
		res := cli.run(strings.Join(input, "\n")+"\n", "put", "--stream", "cli", "--key-field", "user")
		require.Equal(t, 0, res.code, res.stderr)
		require.Contains(t, res.stderr, "20 records")

		out := cli.ok("tail", "--stream", "cli", "--from", "trim-horizon", "--count", "20", "--output", "json")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		require.Len(t, lines, 20)
		var got []string
		perShard := map[string][]string{}
		for _, l := range lines {
			var r struct {
				Shard          string `json:"shard"`
				SequenceNumber string `json:"sequence_number"`
				PartitionKey   string `json:"partition_key"`
				ArrivalTime    string `json:"arrival_time"`
				Data           string `json:"data"`
			}
			require.NoError(t, json.Unmarshal([]byte(l), &r), l)
			require.NotEmpty(t, r.Shard)
			require.NotEmpty(t, r.SequenceNumber)
			require.Equal(t, users[r.Data], r.PartitionKey, "partition key comes from the user field")
			_, err := time.Parse(time.RFC3339, r.ArrivalTime)
			require.NoError(t, err)
			got = append(got, r.Data)
			perShard[r.Shard] = append(perShard[r.Shard], r.Data)
		}
		require.ElementsMatch(t, input, got)
		for shard, data := range perShard {
			// Within a shard, records come in put order.
			require.True(t, slices.IsSortedFunc(data, func(a, b string) int {
				return slices.Index(input, a) - slices.Index(input, b)
			}), "shard %s out of order: %v", shard, data)
		}

		text := cli.ok("tail", "--stream", "cli", "--from", "trim-horizon", "-n", "20")
		require.ElementsMatch(t, input, strings.Split(strings.TrimSpace(text), "\n"))

		var d struct {
			Name       string `json:"name"`
			Status     string `json:"status"`
			OpenShards int    `json:"open_shard_count"`
			Shards     []struct {
				ID string `json:"shard_id"`
			} `json:"shards"`
		}
		require.NoError(t, json.Unmarshal([]byte(cli.ok("stream", "describe", "--stream", "cli", "--output", "json")), &d))
		require.Equal(t, "cli", d.Name)
		require.Equal(t, "ACTIVE", d.Status)
		require.Equal(t, 2, d.OpenShards)
		require.Len(t, d.Shards, 2)
		table := cli.ok("stream", "describe", "--stream", "cli")
		require.Regexp(t, `(?m)^Status\s+ACTIVE$`, table)
		require.Contains(t, table, d.Shards[0].ID)

		cli.ok("stream", "delete", "--stream", "cli", "--wait")
		res = cli.run("", "stream", "describe", "--stream", "cli")
		require.Equal(t, 3, res.code, "ResourceNotFoundException exits 3")
		require.Contains(t, res.stderr, "ResourceNotFoundException")
		require.Empty(t, cli.ok("stream", "list"))
	})

	t.Run("usage errors exit 2", func(t *testing.T) {
		cli.t = t
		for _, args := range [][]string{
			{"put"},
			{"tail", "--stream", "x", "--from", "yesterday"},
			{"stream", "create", "--stream", "x", "--shards", "2", "--on-demand"},
			{"bench", "--batch-size", "501"},
			{"stream", "list", "--no-such-flag"},
		} {
			res := cli.run("", args...)
			require.Equal(t, 2, res.code, "%v: %s", args, res.stderr)
			require.NotEmpty(t, res.stderr)
		}
	})

	t.Run("bench", func(t *testing.T) {
		cli.t = t
		out := cli.ok("bench", "--duration", "2s", "--shards", "2", "--producers", "2", "--batch-size", "10", "--json")
		var r struct {
			Stream           string  `json:"stream"`
			Shards           int     `json:"shards"`
			StreamDeleted    bool    `json:"stream_deleted"`
			PutRecords       int64   `json:"put_records"`
			PutBytes         int64   `json:"put_bytes"`
			RecordsPerSecond float64 `json:"records_per_s"`
			ReadRecords      int64   `json:"read_records"`
			Errors           int64   `json:"errors"`
			PutLatency       struct {
				Count uint64  `json:"count"`
				P50   float64 `json:"p50_ms"`
				P99   float64 `json:"p99_ms"`
				Max   float64 `json:"max_ms"`
			} `json:"put_latency"`
			PutToRead struct {
				Count uint64  `json:"count"`
				P50   float64 `json:"p50_ms"`
			} `json:"put_to_read_latency"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &r), out)
		require.Equal(t, 2, r.Shards)
		require.True(t, r.StreamDeleted)
		require.Positive(t, r.PutRecords)
		require.Equal(t, r.PutRecords*100, r.PutBytes, "100-byte records by default")
		require.Positive(t, r.RecordsPerSecond)
		require.Zero(t, r.Errors)
		require.Positive(t, r.PutLatency.Count)
		require.Positive(t, r.PutLatency.P50)
		require.LessOrEqual(t, r.PutLatency.P50, r.PutLatency.P99)
		require.LessOrEqual(t, r.PutLatency.P99, r.PutLatency.Max)
		require.Equal(t, r.PutRecords, r.ReadRecords, "consumers read every acknowledged record")
		require.EqualValues(t, r.ReadRecords, r.PutToRead.Count)
		require.Positive(t, r.PutToRead.P50)
		require.Eventually(t, func() bool { return cli.ok("stream", "list") == "" }, 30*time.Second, 50*time.Millisecond,
			"the bench stream is deleted")

		text := cli.ok("bench", "--duration", "1s", "--put-record")
		for _, want := range []string{"PutRecord of one 100 B record", "put call    p50", "put→read    p50", "created and deleted"} {
			require.Contains(t, text, want)
		}
	})
}

// TestBenchEngine runs the benchmark engine in process (so the race
// detector sees its producers and consumers) against the real server.
func TestBenchEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the eddy binary")
	}
	endpoint := cliServe(t, cliBuild(t))
	client := cliSDKClient(endpoint)
	var progress atomic.Int64
	res, err := bench.Run(context.Background(), client, bench.Config{
		Shards:           3,
		Producers:        3,
		RecordSize:       64,
		BatchSize:        5,
		Duration:         time.Second,
		ProgressInterval: 200 * time.Millisecond,
		Progress:         func(bench.Progress) { progress.Add(1) },
	})
	require.NoError(t, err)
	require.True(t, res.StreamCreated)
	require.True(t, res.StreamDeleted)
	require.Equal(t, 3, res.Shards)
	require.Positive(t, res.PutRecords)
	require.Equal(t, res.PutRecords, res.ReadRecords)
	require.Zero(t, res.Errors)
	if res.ReadErrors > 0 {
		// Consumers retry failed reads; the record count above is what
		// must hold.
		t.Logf("%d read errors, last: %s", res.ReadErrors, res.LastError)
	}
	require.Equal(t, res.PutRecords, 5*res.PutCalls)
	require.Positive(t, progress.Load())

	// A stream that exists is used and kept.
	_, err = client.CreateStream(context.Background(), &kinesis.CreateStreamInput{StreamName: aws.String("mine"), ShardCount: aws.Int32(1)})
	require.NoError(t, err)
	res, err = bench.Run(context.Background(), client, bench.Config{Stream: "mine", Duration: 300 * time.Millisecond, UsePutRecord: true})
	require.NoError(t, err)
	require.False(t, res.StreamCreated)
	require.False(t, res.StreamDeleted)
	require.Equal(t, "PutRecord", res.API)
	require.Positive(t, res.PutRecords)
	_, err = client.DescribeStreamSummary(context.Background(), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("mine")})
	require.NoError(t, err)

	// Cancelling stops the run early; the stream is still deleted.
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err = bench.Run(ctx, client, bench.Config{Duration: time.Minute})
	require.NoError(t, err)
	require.True(t, res.Interrupted)
	require.True(t, res.StreamDeleted)
	require.Less(t, time.Since(start), 30*time.Second)
}

// cliSDKClient returns an AWS SDK client for endpoint.
func cliSDKClient(endpoint string) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAEDDYTEST", "secret", ""),
	})
}

// cliBuild builds the eddy binary into a temporary directory.
func cliBuild(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "eddy")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/eddy-streaming/eddy/cmd/eddy")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// cliServe starts `eddy serve` on 127.0.0.1:0 with a temporary data
// directory and returns its URL; the server is stopped with SIGTERM at the
// end of the test.
func cliServe(t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir(), "--log-level", "warn")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	urls := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			if url, ok := strings.CutPrefix(scanner.Text(), "eddy listening on "); ok {
				urls <- strings.TrimSpace(url)
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
		close(exited)
	}()
	select {
	case url := <-urls:
		return url
	case <-exited:
		t.Fatalf("eddy serve exited before listening: %s", stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("eddy serve did not report its address: %s", stderr.String())
	}
	return ""
}

// cliRunner runs eddy CLI commands against one endpoint.
type cliRunner struct {
	t        *testing.T
	bin      string
	endpoint string
	home     string
}

// cliResult is the outcome of one CLI command.
type cliResult struct {
	stdout, stderr string
	code           int
}

// run runs eddy with args (and --endpoint) with stdin, in an environment
// without AWS configuration.
func (c *cliRunner) run(stdin string, args ...string) cliResult {
	c.t.Helper()
	p := c.start(strings.NewReader(stdin), args...)
	return p.wait()
}

// cliProcess is an eddy command running in the background.
type cliProcess struct {
	t              *testing.T
	cmd            *exec.Cmd
	cancel         context.CancelFunc
	stdout, stderr *syncBuffer
	args           []string
	done           chan struct{} // closed when the command has exited
	err            error         // the result of cmd.Wait, once done
}

// start starts eddy with args (and --endpoint) reading stdin, in an
// environment without AWS configuration; it is killed after 2 minutes.
func (c *cliRunner) start(stdin io.Reader, args ...string) *cliProcess {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, c.bin, append(args, "--endpoint", c.endpoint)...)
	cmd.Stdin = stdin
	p := &cliProcess{t: c.t, cmd: cmd, cancel: cancel, stdout: &syncBuffer{}, stderr: &syncBuffer{}, args: args, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "EDDY_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "HOME="+c.home)
	require.NoError(c.t, cmd.Start())
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	c.t.Cleanup(func() {
		cancel()
		<-p.done
	})
	return p
}

// wait waits for the command to exit.
func (p *cliProcess) wait() cliResult {
	p.t.Helper()
	<-p.done
	p.cancel()
	code := 0
	if err := p.err; err != nil {
		exitErr, ok := err.(*exec.ExitError)
		require.True(p.t, ok, "run eddy %v: %v", p.args, err)
		code = exitErr.ExitCode()
	}
	return cliResult{stdout: p.stdout.String(), stderr: p.stderr.String(), code: code}
}

// exited reports whether the command has exited, without waiting.
func (p *cliProcess) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(data []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(data)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// ok runs eddy and requires exit status 0; it returns standard output.
func (c *cliRunner) ok(args ...string) string {
	c.t.Helper()
	res := c.run("", args...)
	require.Equal(c.t, 0, res.code, "eddy %v: %s", args, res.stderr)
	return res.stdout
}
