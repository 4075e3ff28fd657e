package e2e

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sqlServe starts `eddy serve` on 127.0.0.1:0 over dir with a config file;
// it returns the URL and a kill function (SIGKILL and wait). The process
// is also killed at the end of the test.
func sqlServe(t *testing.T, bin, dir, configFile string) (string, func()) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--data-dir", dir, "--config", configFile, "--log-level", "warn")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
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
	kill := func() {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-exited
	}
	t.Cleanup(kill)
	select {
	case url := <-urls:
		return url, kill
	case <-exited:
		t.Fatalf("eddy serve exited before listening: %s", stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("eddy serve did not report its address: %s", stderr.String())
	}
	return "", nil
}

// TestSQLCLICrash drives a SQL application with the eddy binary: created
// and started with `eddy sql`, fed by producers, the server SIGKILLed
// while a window is open and started again. The application resumes by
// itself from its last checkpoint, and the windows it writes, once
// duplicates from the replay are dropped, are exactly those the engine
// computes over the whole input. `eddy sql query` prints a live query's
// rows; `eddy sql describe` shows the application's pumps.
func TestSQLCLICrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the eddy binary")
	}
	bin := cliBuild(t)
	dir, work := t.TempDir(), t.TempDir()
	configFile := filepath.Join(work, "eddy.yaml")
	require.NoError(t, os.WriteFile(configFile, []byte("fsync: never\nanalytics:\n  checkpoint_interval: 200ms\n"), 0o644))
	url, kill := sqlServe(t, bin, dir, configFile)
	cli := &cliRunner{t: t, bin: bin, endpoint: url, home: t.TempDir()}
	cli.ok("stream", "create", "--stream", "sql-in", "--shards", "2", "--wait")
	cli.ok("stream", "create", "--stream", "sql-out", "--shards", "1", "--wait")

	code, spec := filepath.Join(work, "windows.sql"), filepath.Join(work, "windows.yaml")
	require.NoError(t, os.WriteFile(code, []byte(sqlWindowCode), 0o644))
	require.NoError(t, os.WriteFile(spec, []byte(`
input:
  stream: sql-in
  columns:
    - {name: K, type: VARCHAR(8), mapping: $.k}
    - {name: V, type: BIGINT, mapping: $.v}
outputs:
  - {name: DESTINATION_SQL_STREAM, stream: sql-out, format: json}
`), 0o644))
	require.Contains(t, cli.ok("sql", "create", "--app", "windows", "--code", code, "--spec", spec), "created application windows")
	require.Contains(t, cli.ok("sql", "start", "--app", "windows", "--from", "trim-horizon"), "RUNNING")

	client := newClient(url)
	n := produce(t, client, "sql-in", 0, 3, 2500*time.Millisecond, 5*time.Millisecond)
	require.Eventually(t, func() bool { return len(readStream(t, client, "sql-out")) > 0 }, 10*time.Second, 50*time.Millisecond)
	// The last records' window is still open: crash now.
	kill()

	url, _ = sqlServe(t, bin, dir, configFile)
	cli.endpoint = url
	client = newClient(url)
	n += produce(t, client, "sql-in", 100_000, 3, time.Second, 5*time.Millisecond)

	in := readStream(t, client, "sql-in")
	require.Len(t, in, n)
	want := expectedWindows(t, in)
	var got []string
	require.Eventually(t, func() bool {
		got = distinct(dataOf(readStream(t, client, "sql-out")))
		return len(got) >= len(want)
	}, 20*time.Second, 100*time.Millisecond)
	require.Equal(t, want, got, "after the crash, every window as computed over the whole input")

	desc := cli.ok("sql", "describe", "--app", "windows")
	require.Contains(t, desc, "RUNNING")
	require.Contains(t, desc, "pump STREAM_PUMP")
	require.Contains(t, cli.ok("sql", "list"), "windows  RUNNING")

	out := cli.ok("sql", "query", "--stream", "sql-in", "--from", "trim-horizon", "--limit", "3", "--timeout", "30s",
		`SELECT STREAM k, v FROM "SOURCE_SQL_STREAM_001" WHERE v >= 0`)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 4, out)
	require.Equal(t, []string{"K", "V"}, strings.Fields(lines[0]))

	res := cli.run("", "sql", "query", "--stream", "sql-in", "--columns", "K VARCHAR(8), V BIGINT",
		"SELECT STREAM nope FROM \"SOURCE_SQL_STREAM_001\"")
	require.Equal(t, 2, res.code)
	require.Contains(t, res.stderr, "unknown column NOPE")

	require.Contains(t, cli.ok("sql", "stop", "--app", "windows"), "stopped")
	require.Contains(t, cli.ok("sql", "delete", "--app", "windows"), "deleted")
}
