package firehose

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/firehose/sink"
)

// outageProxy forwards loopback TCP connections to a target, or, while
// down, drops them at once: a destination that is unreachable for a while.
type outageProxy struct {
	ln     net.Listener
	target string
	down   atomic.Bool
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  []net.Conn
}

func newOutageProxy(t *testing.T, target string) *outageProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &outageProxy{ln: ln, target: target}
	p.down.Store(true)
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *outageProxy) addr() string { return p.ln.Addr().String() }

func (p *outageProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.down.Load() {
			_ = c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		p.wg.Add(2)
		go func() { defer p.wg.Done(); _, _ = io.Copy(up, c); _ = up.Close() }()
		go func() { defer p.wg.Done(); _, _ = io.Copy(c, up); _ = c.Close() }()
	}
}

func (p *outageProxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// TestS3Outage: the S3-compatible server is unreachable for a while;
// records wait in storage and arrive once it is back.
func TestS3Outage(t *testing.T) {
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	defer srv.Close()
	direct := sink.NewS3Client(sink.S3Config{Endpoint: srv.URL, AccessKeyID: "k", SecretAccessKey: "s", PathStyle: true})
	_, err := direct.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("remote")})
	require.NoError(t, err)
	proxy := newOutageProxy(t, strings.TrimPrefix(srv.URL, "http://"))
	buckets := sink.S3Buckets(sink.S3Config{Endpoint: "http://" + proxy.addr(), AccessKeyID: "k", SecretAccessKey: "s", PathStyle: true}, "remote")
	e := newEnv(t, func(o *Options) { o.Buckets = buckets })
	ctx := ctxT(t)
	_, err = e.svc.Call(ctx, "CreateDeliveryStream", []byte(`{"DeliveryStreamName":"s3out","ExtendedS3DestinationConfiguration":{
		"BucketARN":"arn:aws:s3:::remote","BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0},
		"ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"AppendDelimiterToRecord"}]}}}`))
	require.NoError(t, err)
	putN(t, e, "s3out", 30, func(i int) string { return fmt.Sprintf("r%d", i) })
	waitFor(t, "a failure to be reported", func() bool {
		out, err := e.svc.Call(ctx, "DescribeDeliveryStream", []byte(`{"DeliveryStreamName":"s3out"}`))
		require.NoError(t, err)
		return out.(*DescribeDeliveryStreamOutput).DeliveryStreamDescription.FailureDescription != nil
	})
	proxy.down.Store(false)
	waitFor(t, "all records in S3", func() bool {
		out, err := direct.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("remote")})
		require.NoError(t, err)
		lines := 0
		for _, o := range out.Contents {
			obj, err := direct.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("remote"), Key: o.Key})
			require.NoError(t, err)
			b, _ := io.ReadAll(obj.Body)
			lines += strings.Count(string(b), "\n")
		}
		return lines == 30
	})
	waitFor(t, "the failure to clear", func() bool {
		out, err := e.svc.Call(ctx, "DescribeDeliveryStream", []byte(`{"DeliveryStreamName":"s3out"}`))
		require.NoError(t, err)
		return out.(*DescribeDeliveryStreamOutput).DeliveryStreamDescription.FailureDescription == nil
	})
}

// TestPostgreSQLOutage: PostgreSQL is unreachable for a while; rows
// arrive once it is back, each once.
func TestPostgreSQLOutage(t *testing.T) {
	dsn := testPostgresDSN(t)
	cfg, err := pgx.ParseConfig(dsn)
	require.NoError(t, err)
	proxy := newOutageProxy(t, fmt.Sprintf("%s:%d", cfg.Host, cfg.Port))
	ctx := ctxT(t)
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, `DROP TABLE IF EXISTS fh_outage; CREATE TABLE fh_outage (data jsonb)`)
	require.NoError(t, err)
	_, _ = conn.Exec(ctx, `DELETE FROM eddy_firehose_progress WHERE delivery_stream = 'pgout'`)

	host, port, _ := net.SplitHostPort(proxy.addr())
	proxied := fmt.Sprintf("postgres://%s:%s@%s:%s/%s?sslmode=disable&connect_timeout=2", cfg.User, cfg.Password, host, port, cfg.Database)
	e := newEnv(t)
	_, err = e.svc.Call(ctx, "CreateDeliveryStream", fmt.Appendf(nil, `{"DeliveryStreamName":"pgout","PostgreSQLDestinationConfiguration":{
		"ConnectionString":%q,"Table":"fh_outage","BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0},
		"RetryOptions":{"DurationInSeconds":600},"S3Configuration":{"BucketARN":"arn:aws:s3:::pgerr"}}}`, proxied))
	require.NoError(t, err)
	putN(t, e, "pgout", 40, func(i int) string { return fmt.Sprintf(`{"n":%d}`, i) })
	time.Sleep(300 * time.Millisecond) // a few failed attempts
	proxy.down.Store(false)
	waitFor(t, "40 rows", func() bool {
		var n int
		require.NoError(t, conn.QueryRow(ctx, `SELECT count(DISTINCT data->>'n') FROM fh_outage`).Scan(&n))
		return n == 40
	})
	var total int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM fh_outage`).Scan(&total))
	require.Equal(t, 40, total)
	require.Empty(t, e.files("pgerr"))
}
