package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/config"
)

func TestRecordsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, dir, func(c *config.Config) { c.Fsync = "always" })
	ts.createStream(t, "durable", 2)
	entries := make([]types.PutRecordsRequestEntry, 100)
	for i := range entries {
		entries[i] = types.PutRecordsRequestEntry{Data: []byte(fmt.Sprintf("rec-%03d", i)), PartitionKey: aws.String(fmt.Sprint(i))}
	}
	_, err := ts.client.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("durable"), Records: entries})
	require.NoError(t, err)
	it := ts.iterator(t, "durable", shardID(0), types.ShardIteratorTypeTrimHorizon, nil)
	consumerARN := registerConsumer(t, ts.client, "durable", "app")
	_, err = ts.client.UpdateAccountSettings(ctx(t), &kinesis.UpdateAccountSettingsInput{
		MinimumThroughputBillingCommitment: &types.MinimumThroughputBillingCommitmentInput{Status: types.MinimumThroughputBillingCommitmentInputStatusEnabled}})
	require.NoError(t, err)
	require.NoError(t, ts.Close(context.Background()))

	ts = startServer(t, dir)
	// The iterator issued before the restart still works.
	n := len(ts.readAll(t, it))
	n += len(ts.readAll(t, ts.iterator(t, "durable", shardID(1), types.ShardIteratorTypeTrimHorizon, nil)))
	require.Equal(t, 100, n)
	sum, err := ts.client.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("durable")})
	require.NoError(t, err)
	require.Equal(t, types.StreamStatusActive, sum.StreamDescriptionSummary.StreamStatus)

	// Consumers and account settings are kept too.
	sub := subscribe(t, subscriberClient(ts.url), consumerARN, shardID(1), types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon})
	ev := nextEvent(t, sub, 5*time.Second)
	require.NotEmpty(t, ev.Records)
	acc, err := ts.client.DescribeAccountSettings(ctx(t), &kinesis.DescribeAccountSettingsInput{})
	require.NoError(t, err)
	require.Equal(t, types.MinimumThroughputBillingCommitmentOutputStatusEnabled, acc.MinimumThroughputBillingCommitment.Status)
}

// buildBinary builds cmd/eddy into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "eddy")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/eddy")
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Run())
	return bin
}

// startBinary runs "eddy serve" on a free port and returns the process and
// its URL, read from the "eddy listening on" line.
func startBinary(t *testing.T, bin, dir string, flags ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dir, "--log-level", "warn"}, flags...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	start := time.Now()
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "eddy listening on ")
	require.True(t, ok, line)
	require.Less(t, time.Since(start), 5*time.Second)
	return cmd, url
}

func TestBinarySurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()

	cmd, url := startBinary(t, bin, dir)
	c := newClient(url)
	_, err := c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String("k"), ShardCount: aws.Int32(1)})
	require.NoError(t, err)
	ts := &testServer{client: c, url: url}
	ts.waitActive(t, "k")
	var seqs []string
	for i := range 20 {
		out, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("k"), PartitionKey: aws.String("p"), Data: []byte(fmt.Sprint(i))})
		require.NoError(t, err)
		seqs = append(seqs, *out.SequenceNumber)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()

	cmd, url = startBinary(t, bin, dir)
	ts = &testServer{client: newClient(url), url: url}
	recs := ts.readAll(t, ts.iterator(t, "k", shardID(0), types.ShardIteratorTypeTrimHorizon, nil))
	require.Len(t, recs, 20, "every acknowledged record survives SIGKILL")
	for i, r := range recs {
		require.Equal(t, seqs[i], *r.SequenceNumber)
		require.Equal(t, fmt.Sprint(i), string(r.Data))
	}

	// SIGTERM shuts down gracefully.
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop on SIGTERM")
	}
}
