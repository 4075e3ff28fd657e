package firehose

import (
	"bytes"
	"context"
	"encoding/base64"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/storage"
)

// env is a Service over a real store in a temporary directory, served
// over loopback HTTP to an AWS SDK client.
type env struct {
	t       testing.TB
	dir     string
	store   *storage.Store
	svc     *Service
	srv     *httptest.Server
	client  *fh.Client
	opts    Options
	buckets string
	fsync   storage.FsyncPolicy

	httpClient *http.Client
}

func newEnv(t *testing.T, adjust ...func(*Options)) *env {
	return newTBEnv(t, storage.FsyncNever, adjust...)
}

// newBenchEnv is an env with the store's default durability (fsync
// always), as a server runs.
func newBenchEnv(b *testing.B) *env { return newTBEnv(b, storage.FsyncAlways) }

func newTBEnv(t testing.TB, fsync storage.FsyncPolicy, adjust ...func(*Options)) *env {
	e := &env{t: t, dir: t.TempDir(), fsync: fsync}
	e.buckets = filepath.Join(e.dir, "buckets")
	e.opts = Options{BucketDir: e.buckets, RetryBase: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond, SmallParquetBuffers: true}
	for _, fn := range adjust {
		fn(&e.opts)
	}
	e.open()
	t.Cleanup(e.close)
	return e
}

func (e *env) open() {
	st, err := storage.Open(storage.Options{Dir: filepath.Join(e.dir, "data"), Fsync: e.fsync})
	require.NoError(e.t, err)
	e.store = st
	svc, err := New(st, e.opts)
	require.NoError(e.t, err)
	e.svc = svc
	e.srv = httptest.NewServer(svc)
	e.httpClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{}}
	e.client = fh.New(fh.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(e.srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       e.httpClient,
	})
}

// close stops the service and the store (a clean shutdown; buffered
// records stay in storage).
func (e *env) close() {
	if e.svc == nil {
		return
	}
	e.httpClient.CloseIdleConnections()
	e.srv.Close()
	require.NoError(e.t, e.svc.Close())
	require.NoError(e.t, e.store.Close())
	e.svc = nil
}

func (e *env) restart() {
	e.close()
	e.open()
}

func ctxT(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// files returns the objects under bucket/prefix, relative paths sorted.
func (e *env) files(bucket string) []string {
	var out []string
	root := filepath.Join(e.buckets, bucket)
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(path, ".tmp") {
			rel, _ := filepath.Rel(root, path)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func (e *env) read(bucket, name string) []byte {
	b, err := os.ReadFile(filepath.Join(e.buckets, bucket, filepath.FromSlash(name)))
	require.NoError(e.t, err)
	return b
}

// waitFor polls cond until it holds or 20 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// parquetRows reads every row of a Parquet file as a map.
func parquetRows(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	r := parquet.NewReader(f)
	defer r.Close()
	var out []map[string]any
	for {
		m := map[string]any{}
		if err := r.Read(&m); err != nil {
			break
		}
		out = append(out, m)
	}
	return out
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
