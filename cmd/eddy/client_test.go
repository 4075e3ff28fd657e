package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/stretchr/testify/require"
)

// lateWriteClient is an HTTP client that makes a request body write finish
// late, deterministically: the body reaches the server at once, but the
// transport's Write call only returns once the SDK has started to read the
// response, which it does after closing the request body. The response is
// then read only after the transport has reported the outcome of the
// request write (httptrace WroteRequest), as writeErrs records.
type lateWriteClient struct {
	http        *http.Client
	dials       atomic.Int32
	release     chan struct{} // closed when a response is first read
	releaseOnce sync.Once
	wrote       chan error // WroteRequest results

	mu        sync.Mutex
	writeErrs []error // per call, the outcome of its request write
}

func newLateWriteClient() *lateWriteClient {
	c := &lateWriteClient{release: make(chan struct{}), wrote: make(chan error, 1)}
	var d net.Dialer
	c.http = &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			c.dials.Add(1)
			return &lateWriteConn{Conn: conn, release: c.release}, nil
		},
	}}
	return c
}

func (c *lateWriteClient) Do(req *http.Request) (*http.Response, error) {
	trace := &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) { c.wrote <- info.Err }}
	resp, err := c.http.Do(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	if err != nil {
		return nil, err
	}
	resp.Body = &lateWriteBody{ReadCloser: resp.Body, c: c}
	return resp, nil
}

// lastWriteErr returns the outcome of the last request write.
func (c *lateWriteClient) lastWriteErr(t *testing.T) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	require.NotEmpty(t, c.writeErrs, "no response was read")
	return c.writeErrs[len(c.writeErrs)-1]
}

// lateWriteBody is a response body that, on its first read, lets the
// request write finish and waits for its outcome.
type lateWriteBody struct {
	io.ReadCloser
	c    *lateWriteClient
	once sync.Once
}

func (b *lateWriteBody) Read(p []byte) (int, error) {
	b.once.Do(func() {
		b.c.releaseOnce.Do(func() { close(b.c.release) })
		var err error
		select {
		case err = <-b.c.wrote:
		case <-time.After(10 * time.Second):
			err = errors.New("no WroteRequest")
		}
		b.c.mu.Lock()
		b.c.writeErrs = append(b.c.writeErrs, err)
		b.c.mu.Unlock()
	})
	return b.ReadCloser.Read(p)
}

// lateWriteConn holds each request body write (a write that does not
// start a request: the transport flushes the headers of an SDK request
// first), after it has gone out, until release is closed.
type lateWriteConn struct {
	net.Conn
	release <-chan struct{}
}

func (c *lateWriteConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if !bytes.HasPrefix(p, []byte("POST ")) {
		select {
		case <-c.release:
		case <-time.After(10 * time.Second):
		}
	}
	return n, err
}

// getRecordsServer answers every call, after reading its whole body as
// Eddy does, with a GetRecords response carrying one record of size bytes:
// larger than what the client buffers, so it is still being read from the
// connection when the request write completes.
func getRecordsServer(t *testing.T, size int) *httptest.Server {
	data := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{'x'}, size))
	body := fmt.Sprintf(`{"MillisBehindLatest":0,"NextShardIterator":"next","Records":[`+
		`{"ApproximateArrivalTimestamp":1700000000,"Data":%q,"PartitionKey":"k","SequenceNumber":"1"}]}`, data)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func getRecords(ctx context.Context, kc *kinesis.Client) (*kinesis.GetRecordsOutput, error) {
	return kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String("iterator"), Limit: aws.Int32(10)})
}

// TestClientSurvivesLateRequestWrite: the SDK closes a request body as soon
// as the response headers are in, possibly before the transport has
// finished with it. The client newClient builds must not fail the request
// write then, which would make the transport close the connection while
// the response is still being read from it.
func TestClientSurvivesLateRequestWrite(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	const size = 1 << 20
	srv := getRecordsServer(t, size)
	ctx := context.Background()

	t.Run("plain SDK client", func(t *testing.T) {
		// The premise: without newClient's guard the request write fails
		// and the response with it. If this stops failing, the SDK no
		// longer races with the transport and the guard can go.
		hc := newLateWriteClient()
		kc := kinesis.New(kinesis.Options{
			Region:           "us-east-1",
			BaseEndpoint:     aws.String(srv.URL),
			Credentials:      credentials.NewStaticCredentialsProvider(dummyAccessKeyID, dummySecretAccessKey, ""),
			RetryMaxAttempts: 1,
			HTTPClient:       hc,
		})
		_, err := getRecords(ctx, kc)
		require.ErrorContains(t, err, "use of closed network connection")
		require.ErrorIs(t, hc.lastWriteErr(t), io.EOF)
	})

	t.Run("newClient", func(t *testing.T) {
		f := clientFlags{endpoint: srv.URL, region: "us-east-1"}
		kc, err := f.newClient(ctx, clientOptions{maxAttempts: 1})
		require.NoError(t, err)
		hc := newLateWriteClient()
		kc = kinesis.New(kc.Options(), func(o *kinesis.Options) { o.HTTPClient = hc })

		out, err := getRecords(ctx, kc)
		require.NoError(t, err)
		require.NoError(t, hc.lastWriteErr(t))
		require.Len(t, out.Records, 1)
		require.Len(t, out.Records[0].Data, size)

		// The connection survived: the next call reuses it.
		_, err = getRecords(ctx, kc)
		require.NoError(t, err)
		require.NoError(t, hc.lastWriteErr(t))
		require.EqualValues(t, 1, hc.dials.Load())
	})
}

func TestClientFlagsEndpoint(t *testing.T) {
	tests := []struct {
		endpoint string
		aws      bool
		url      string
		usage    bool
	}{
		{"http://127.0.0.1:4567", false, "http://127.0.0.1:4567", false},
		{"https://kinesis.eu-west-1.amazonaws.com", true, "https://kinesis.eu-west-1.amazonaws.com", false},
		{"", true, "", false},
		{"aws", true, "", false},
		{"127.0.0.1:4567", false, "", true},
		{"ftp://x", false, "", true},
	}
	for _, tt := range tests {
		f := clientFlags{endpoint: tt.endpoint}
		require.Equal(t, tt.aws, f.awsEndpoint(), tt.endpoint)
		got, err := f.endpointURL()
		if tt.usage {
			require.Equal(t, exitUsage, exitCode(err), tt.endpoint)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tt.url, got)
	}
}

func TestEndpointFromEnv(t *testing.T) {
	for _, name := range endpointEnv {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
	require.Equal(t, defaultEndpoint, defaultEndpointFromEnv())
	t.Setenv("AWS_ENDPOINT_URL", "http://general:1")
	require.Equal(t, "http://general:1", defaultEndpointFromEnv())
	t.Setenv("AWS_ENDPOINT_URL_KINESIS", "http://kinesis:2")
	require.Equal(t, "http://kinesis:2", defaultEndpointFromEnv(), "the service's own variable first")
	t.Setenv("EDDY_ENDPOINT", "http://eddy:3")
	require.Equal(t, "http://eddy:3", defaultEndpointFromEnv(), "then Eddy's")
}

// TestClientFlagsProfile checks that --profile picks the region and the
// credentials of a profile in the AWS config files, and that a missing
// profile is a usage error.
func TestClientFlagsProfile(t *testing.T) {
	dir := t.TempDir()
	configFile, credentialsFile := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	require.NoError(t, os.WriteFile(configFile, []byte("[default]\nregion = us-west-2\n\n[profile eddy-test]\nregion = eu-west-3\n"), 0o600))
	require.NoError(t, os.WriteFile(credentialsFile, []byte("[eddy-test]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = secret\n"), 0o600))
	t.Setenv("AWS_CONFIG_FILE", configFile)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", credentialsFile)
	for _, name := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
	ctx := context.Background()

	f := clientFlags{endpoint: "http://127.0.0.1:1", profile: "eddy-test"}
	cfg, err := f.awsConfig(ctx, clientOptions{})
	require.NoError(t, err)
	require.Equal(t, "eu-west-3", cfg.Region)
	creds, err := cfg.Credentials.Retrieve(ctx)
	require.NoError(t, err)
	require.Equal(t, "AKIAPROFILE", creds.AccessKeyID)

	f = clientFlags{endpoint: "http://127.0.0.1:1"}
	cfg, err = f.awsConfig(ctx, clientOptions{})
	require.NoError(t, err)
	require.Equal(t, "us-west-2", cfg.Region, "the default profile")
	creds, err = cfg.Credentials.Retrieve(ctx)
	require.NoError(t, err)
	require.Equal(t, dummyAccessKeyID, creds.AccessKeyID, "dummy credentials for a local endpoint without any")

	f = clientFlags{endpoint: "http://127.0.0.1:1", profile: "eddy-test", region: "ap-south-1"}
	cfg, err = f.awsConfig(ctx, clientOptions{})
	require.NoError(t, err)
	require.Equal(t, "ap-south-1", cfg.Region, "--region wins")

	f = clientFlags{endpoint: "http://127.0.0.1:1", profile: "nope"}
	_, err = f.awsConfig(ctx, clientOptions{})
	require.Equal(t, exitUsage, exitCode(err), "%v", err)
	require.ErrorContains(t, err, `no profile "nope"`)
}
