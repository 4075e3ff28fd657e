package sink

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/klauspost/compress/gzip"
	"github.com/stretchr/testify/require"
)

func TestLocalBucket(t *testing.T) {
	dir := t.TempDir()
	b := &LocalBucket{Dir: dir}
	require.NoError(t, b.Put(t.Context(), "a/b/c.json", []byte("one")))
	require.NoError(t, b.Put(t.Context(), "a/b/c.json", []byte("two"))) // replaces
	got, err := os.ReadFile(filepath.Join(dir, "a", "b", "c.json"))
	require.NoError(t, err)
	require.Equal(t, "two", string(got))
	entries, err := os.ReadDir(filepath.Join(dir, "a", "b"))
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary files left")
	for _, bad := range []string{"", "a\x00b"} {
		err := b.Put(t.Context(), bad, nil)
		require.True(t, Permanent(err), bad)
	}
	// Names that look like paths out of the directory stay inside it.
	for name, path := range map[string]string{"../x": "%2E%2E/x", "/abs": "%2F/abs", "a/../../x": "a/%2E%2E/%2E%2E/x", "a//b/": "a/%2F/b/%2F"} {
		require.NoError(t, b.Put(t.Context(), name, []byte(name)))
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(path)))
		require.NoError(t, err, name)
		require.Equal(t, name, string(got))
	}
}

// StartFakeS3 serves an in-memory S3 on loopback; exported to tests of
// other packages through sinktest would be nicer, but it is small.
func startFakeS3(t *testing.T) (*s3.Client, string) {
	backend := s3mem.New()
	faker := gofakes3.New(backend)
	srv := httptest.NewServer(faker.Server())
	t.Cleanup(srv.Close)
	client := NewS3Client(S3Config{Endpoint: srv.URL, AccessKeyID: "k", SecretAccessKey: "s", PathStyle: true})
	_, err := client.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("lake")})
	require.NoError(t, err)
	return client, srv.URL
}

func TestS3Bucket(t *testing.T) {
	client, _ := startFakeS3(t)
	b := &S3Bucket{Client: client, Bucket: "lake"}
	require.NoError(t, b.Put(t.Context(), "2026/03/07/09/x.parquet", []byte("data")))
	out, err := client.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("lake"), Key: aws.String("2026/03/07/09/x.parquet")})
	require.NoError(t, err)
	body, _ := io.ReadAll(out.Body)
	require.Equal(t, "data", string(body))
	missing := &S3Bucket{Client: client, Bucket: "nope"}
	require.Error(t, missing.Put(t.Context(), "x", []byte("d")))
}

func TestHTTPEndpoint(t *testing.T) {
	var status atomic.Int32
	status.Store(200)
	var lastID atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "key", r.Header.Get("X-Amz-Firehose-Access-Key"))
		require.Equal(t, `{"commonAttributes":{"env":"test"}}`, r.Header.Get("X-Amz-Firehose-Common-Attributes"))
		require.Equal(t, "arn:src", r.Header.Get("X-Amz-Firehose-Source-Arn"))
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			require.NoError(t, err)
			body = zr
		}
		var req httpRequest
		require.NoError(t, json.NewDecoder(body).Decode(&req))
		require.Equal(t, r.Header.Get("X-Amz-Firehose-Request-Id"), req.RequestID)
		d, _ := base64.StdEncoding.DecodeString(req.Records[0].Data)
		require.Equal(t, "rec0", string(d))
		lastID.Store(req.RequestID)
		id := req.RequestID
		if status.Load() == 299 { // a 200 that names another request
			id = "other"
			w.WriteHeader(200)
		} else {
			w.WriteHeader(int(status.Load()))
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"requestId": id, "timestamp": time.Now().UnixMilli(), "errorMessage": "nope"})
	}))
	defer srv.Close()
	h := &HTTPEndpoint{URL: srv.URL, AccessKey: "key", SourceARN: "arn:src", CommonAttributes: map[string]string{"env": "test"}}
	recs := [][]byte{[]byte("rec0"), []byte("rec1")}
	require.NoError(t, h.Deliver(t.Context(), "req-1", time.Now(), recs))
	h.GZIP = true
	require.NoError(t, h.Deliver(t.Context(), "req-2", time.Now(), recs))
	require.Equal(t, "req-2", lastID.Load())
	status.Store(500)
	err := h.Deliver(t.Context(), "req-3", time.Now(), recs)
	require.ErrorContains(t, err, "nope")
	require.False(t, Permanent(err))
	status.Store(413)
	require.True(t, Permanent(h.Deliver(t.Context(), "req-4", time.Now(), recs)))
	status.Store(299)
	require.ErrorContains(t, h.Deliver(t.Context(), "req-5", time.Now(), recs), "requestId")
}

// postgresDSN returns the DSN of the test PostgreSQL, or skips the test.
func postgresDSN(t *testing.T) string {
	dsn := os.Getenv("EDDY_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		if os.Getenv("EDDY_TEST_POSTGRES_REQUIRED") != "" {
			t.Fatalf("no PostgreSQL reachable at %s (EDDY_TEST_POSTGRES_REQUIRED is set): %v", dsn, err)
		}
		t.Skipf("no PostgreSQL reachable at %s (set EDDY_TEST_POSTGRES; .ci/run starts one): %v", dsn, err)
	}
	_ = conn.Close(ctx)
	return dsn
}

func TestPostgreSQL(t *testing.T) {
	dsn := postgresDSN(t)
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, `DROP TABLE IF EXISTS sink_jsonb, sink_cols;
		CREATE TABLE sink_jsonb (id bigserial, data jsonb);
		CREATE TABLE sink_cols (id int, name text, amount numeric(10,2), ts timestamptz);
		DELETE FROM eddy_firehose_progress WHERE delivery_stream LIKE 'sinktest%'`)
	if err != nil { // the progress table may not exist yet
		_, err = conn.Exec(ctx, `DROP TABLE IF EXISTS sink_jsonb, sink_cols;
			CREATE TABLE sink_jsonb (id bigserial, data jsonb);
			CREATE TABLE sink_cols (id int, name text, amount numeric(10,2), ts timestamptz)`)
		require.NoError(t, err)
	}
	rows := []Row{
		{Offset: 1, Data: []byte(`{"id":1,"name":"a","amount":1.5,"ts":"2026-03-07T09:00:00Z"}`)},
		{Offset: 2, Data: []byte(`{"id":2,"name":"b","extra":true}`)},
		{Offset: 2, Sub: 1, Data: []byte(`{"id":3}`)},
	}
	j := NewPostgreSQL(dsn, "public.sink_jsonb", false, "data")
	defer j.Close()
	require.NoError(t, j.Deliver(ctx, "sinktest-j", "", 0, rows))
	require.NoError(t, j.Deliver(ctx, "sinktest-j", "", 0, rows[1:])) // replay: nothing new
	var n int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM sink_jsonb`).Scan(&n))
	require.Equal(t, 3, n)

	c := NewPostgreSQL(dsn, "sink_cols", true, "")
	defer c.Close()
	require.NoError(t, c.Deliver(ctx, "sinktest-c", "k", 0, rows[:2]))
	require.NoError(t, c.Deliver(ctx, "sinktest-c", "k", 0, rows)) // only the third is new
	var sum float64
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*), coalesce(sum(amount),0) FROM sink_cols`).Scan(&n, &sum))
	require.Equal(t, 3, n)
	require.Equal(t, 1.5, sum)

	bad := NewPostgreSQL(dsn, "no_such_table", true, "")
	defer bad.Close()
	require.True(t, Permanent(bad.Deliver(ctx, "sinktest-b", "", 0, rows)))
}
