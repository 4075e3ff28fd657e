package server

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/eddy-streaming/eddy/internal/config"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func testConfig(t *testing.T, dir string) config.Config {
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = dir
	cfg.Fsync = "never"
	cfg.StatusDelay = 0
	return cfg
}

func TestLifecycle(t *testing.T) {
	dir := t.TempDir()
	srv, err := New(testConfig(t, dir), nil)
	require.NoError(t, err)
	require.Empty(t, srv.Addr())
	require.NoError(t, srv.Start())
	require.Error(t, srv.Start(), "a second Start fails")

	resp, err := http.Get("http://" + srv.Addr() + "/health")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, `{"status":"ok"}`, string(body))

	key, err := os.ReadFile(filepath.Join(dir, keyFile))
	require.NoError(t, err)
	require.Len(t, key, 32)

	require.NoError(t, srv.Close(context.Background()))
	require.NoError(t, srv.Close(context.Background()), "Close is idempotent")

	// The key survives a restart.
	srv, err = New(testConfig(t, dir), nil)
	require.NoError(t, err)
	again, err := os.ReadFile(filepath.Join(dir, keyFile))
	require.NoError(t, err)
	require.Equal(t, key, again)
	require.NoError(t, srv.Close(context.Background()), "Close without Start")
}

func TestInvalidConfig(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Fsync = "sometimes"
	_, err := New(cfg, nil)
	require.ErrorContains(t, err, "fsync")
}

// TestCloseWaitsForInFlightRequests sends a request whose body arrives
// slowly, closes the server meanwhile, and checks the request completes.
func TestCloseWaitsForInFlightRequests(t *testing.T) {
	srv, err := New(testConfig(t, t.TempDir()), nil)
	require.NoError(t, err)
	require.NoError(t, srv.Start())

	pr, pw := io.Pipe()
	req, err := http.NewRequest(http.MethodPost, "http://"+srv.Addr()+"/", pr)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.CreateStream")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host, Signature=c")
	req.Header.Set("X-Amz-Date", "20260101T000000Z")
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		resp.Body.Close()
		done <- result{status: resp.StatusCode}
	}()
	_, err = pw.Write([]byte(`{"StreamName":"inflight",`))
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond) // the server is now reading the body

	closed := make(chan error, 1)
	go func() { closed <- srv.Close(context.Background()) }()
	time.Sleep(50 * time.Millisecond)
	select {
	case <-closed:
		t.Fatal("Close returned before the in-flight request finished")
	default:
	}
	_, err = io.Copy(pw, bytes.NewReader([]byte(`"ShardCount":1}`)))
	require.NoError(t, err)
	require.NoError(t, pw.Close())

	r := <-done
	require.NoError(t, r.err)
	require.Equal(t, http.StatusOK, r.status)
	require.NoError(t, <-closed)
	http.DefaultClient.CloseIdleConnections()
}
