package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCLIPut drives eddy put against `eddy serve`: files and standard
// input, partition keys, --rate, the progress line, and how it fails.
func TestCLIPut(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the eddy binary")
	}
	bin := cliBuild(t)
	cli := &cliRunner{t: t, bin: bin, endpoint: cliServe(t, bin), home: t.TempDir()}
	cli.ok("stream", "create", "--stream", "in", "--shards", "2", "--wait")

	t.Run("files and stdin", func(t *testing.T) {
		cli.t = t
		dir := t.TempDir()
		a, b := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")
		require.NoError(t, os.WriteFile(a, []byte("a-1\na-2\r\n\na-3"), 0o600))
		require.NoError(t, os.WriteFile(b, []byte("b-1\n"), 0o600))
		res := cli.run("s-1\ns-2\n", "put", "--stream", "in", "--key", "host-1", a, "-", b)
		require.Equal(t, 0, res.code, res.stderr)
		require.Contains(t, res.stderr, "eddy put: 6 records, 18 bytes to stream in")

		got := cli.tailJSON("--stream", "in", "--from", "trim-horizon", "-n", "6")
		require.Equal(t, []string{"a-1", "a-2", "a-3", "s-1", "s-2", "b-1"}, cliData(got), "one key, one shard, input order")
		for _, r := range got {
			require.Equal(t, "host-1", r.PartitionKey)
		}

		res = cli.run("x\n", "put", "--stream", "in", "--quiet")
		require.Equal(t, 0, res.code)
		require.Empty(t, res.stderr, "--quiet")
	})

	t.Run("rate and progress", func(t *testing.T) {
		cli.t = t
		cli.ok("stream", "create", "--stream", "paced", "--wait")
		start := time.Now()
		res := cli.run(strings.Join(numberedLines("paced", 41), "\n"), "put", "--stream", "paced", "--rate", "20", "--progress")
		elapsed := time.Since(start)
		require.Equal(t, 0, res.code, res.stderr)
		// 41 records at 20/s take at least 2 s; the upper bound only
		// catches a rate that is not applied at all, on a loaded machine.
		require.GreaterOrEqual(t, elapsed, 1900*time.Millisecond)
		require.Less(t, elapsed, 30*time.Second)
		require.Contains(t, res.stderr, "records/s", "--progress draws the line even when piped")
		require.Contains(t, res.stderr, "\r\x1b[K", "and erases it")
		require.Contains(t, res.stderr, "eddy put: 41 records")

		got := cli.tailJSON("--stream", "paced", "--from", "trim-horizon", "-n", "41")
		first, err := time.Parse(time.RFC3339Nano, got[0].ArrivalTime)
		require.NoError(t, err)
		last, err := time.Parse(time.RFC3339Nano, got[40].ArrivalTime)
		require.NoError(t, err)
		require.GreaterOrEqual(t, last.Sub(first), 1500*time.Millisecond, "the server saw the records spread out")

		res = cli.run("x\n", "put", "--stream", "paced")
		require.Equal(t, 0, res.code)
		require.NotContains(t, res.stderr, "\r", "no progress line when standard error is not a terminal")
	})

	t.Run("failures", func(t *testing.T) {
		cli.t = t
		res := cli.run("a\nb\n", "put", "--stream", "nope")
		require.Equal(t, 3, res.code, res.stderr)
		require.Contains(t, res.stderr, "eddy put: 0 records")
		require.Contains(t, res.stderr, "eddy: put records to nope: ")
		require.Contains(t, res.stderr, "ResourceNotFoundException")

		res = cli.run("short\n"+strings.Repeat("x", 301)+"\nnever\n", "put", "--stream", "in", "--max-record-size", "300")
		require.Equal(t, 1, res.code, res.stderr)
		require.Contains(t, res.stderr, "read stdin: line 2: line too long")

		res = cli.run("{}\n", "put", "--stream", "in", "--key-field", "k", "--key", "x")
		require.Equal(t, 2, res.code, res.stderr)
		res = cli.run("{}\n", "put", "--stream", "in", "--max-record-size", "10")
		require.Equal(t, 2, res.code, res.stderr)
		res = cli.run("", "put", "--stream", "in", filepath.Join(t.TempDir(), "missing"))
		require.Equal(t, 1, res.code, res.stderr)
		require.Contains(t, res.stderr, "no such file")
	})

	t.Run("interrupted", func(t *testing.T) {
		cli.t = t
		cli.ok("stream", "create", "--stream", "cut", "--wait")
		stdin, input, err := os.Pipe()
		require.NoError(t, err)
		defer stdin.Close()
		defer input.Close()
		put := cli.start(stdin, "put", "--stream", "cut")
		_, err = fmt.Fprintln(input, "read before the interrupt")
		require.NoError(t, err)
		// Once the record is in the stream, the input is still open.
		require.Eventually(t, func() bool {
			res := cli.run("", "tail", "--stream", "cut", "--from", "trim-horizon", "--until", "1ms")
			return res.stdout == "read before the interrupt\n"
		}, 30*time.Second, 50*time.Millisecond)
		require.NoError(t, put.cmd.Process.Signal(syscall.SIGINT))
		res := put.wait()
		require.Equal(t, 130, res.code, res.stderr)
		require.Contains(t, res.stderr, "eddy put: 1 record,")
		require.Contains(t, res.stderr, "eddy: put: interrupted")
	})
}
