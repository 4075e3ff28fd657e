package e2e

import (
	"math/rand/v2"
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
	"github.com/stretchr/testify/require"
)

// TestBinaryReshardCrash SIGKILLs eddy serve while UpdateShardCount runs
// under concurrent writes. After a restart the layout is whole (the open
// shards cover the hash space exactly once, whichever steps committed),
// the stream is ACTIVE, and a lineage-following reader gets every
// acknowledged record once, in order per key.
func TestBinaryReshardCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	cmd, url := startBinary(t, bin, dir)
	for round := range 3 {
		stream := "crash" + strconv.Itoa(round)
		c := newClient(url)
		ts := &testServer{client: c, url: url}
		_, err := c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String(stream), ShardCount: aws.Int32(4)})
		require.NoError(t, err)
		ts.waitActive(t, stream)

		writers := startWriters(t, c, stream, 4, 8, 0, true)
		time.Sleep(50 * time.Millisecond)
		go func() {
			_, _ = c.UpdateShardCount(ctx(t), &kinesis.UpdateShardCountInput{StreamName: aws.String(stream),
				TargetShardCount: aws.Int32(7), ScalingType: types.ScalingTypeUniformScaling})
		}()
		time.Sleep(time.Duration(rand.IntN(8000)) * time.Microsecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()
		acked := writers.stop()

		cmd, url = startBinary(t, bin, dir)
		ts = &testServer{client: newClient(url), url: url}
		ts.waitActive(t, stream)
		shards, err := ts.client.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String(stream),
			ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}})
		require.NoError(t, err)
		next := "0"
		for range shards.Shards { // open shards, contiguous from 0 to 2^128-1
			found := false
			for _, sh := range shards.Shards {
				if *sh.HashKeyRange.StartingHashKey == next {
					end := seqInt(*sh.HashKeyRange.EndingHashKey)
					next = end.Add(end, seqInt("1")).String()
					found = true
					break
				}
			}
			require.True(t, found, "an open shard starts at %s", next)
		}
		require.Equal(t, "340282366920938463463374607431768211456", next)
		t.Logf("round %d: %d open shards after the crash", round, len(shards.Shards))

		done := make(chan struct{})
		close(done)
		reader := newLineageReader(t, ts, stream, done)
		reader.start([]string{shardID(0), shardID(1), shardID(2), shardID(3)})
		// A put in flight at the kill may have been stored without its
		// acknowledgement: per key, at most the one next record more.
		got := reader.wait()
		for key, want := range acked {
			if len(got[key]) == len(want)+1 && got[key][len(want)] == len(want) {
				got[key] = got[key][:len(want)]
			}
		}
		requireEveryRecordInOrder(t, acked, got, 10)
	}
}

// TestBinaryTLS makes a certificate with eddy cert and serves HTTPS with
// --tls-cert and --tls-key.
func TestBinaryTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	out, err := exec.Command(bin, "cert", "--cert-out", certFile, "--key-out", keyFile).CombinedOutput()
	require.NoError(t, err, string(out))
	out, err = exec.Command(bin, "cert", "--cert-out", certFile, "--key-out", keyFile).CombinedOutput()
	require.Error(t, err, "does not overwrite without --force")
	require.Contains(t, string(out), "--force")

	_, url := startBinary(t, bin, filepath.Join(dir, "data"), "--tls-cert", certFile, "--tls-key", keyFile)
	require.True(t, strings.HasPrefix(url, "https://127.0.0.1:"), url)
	_, _, pool := loadPool(t, certFile)
	c := clientWith(url, tlsTransport(pool))
	_, err = c.ListStreams(ctx(t), &kinesis.ListStreamsInput{})
	require.NoError(t, err)
}
