package auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/require"
)

// Tests in this file sign requests with the AWS SDK for Go v2's signer and
// send them over real HTTP to a server that verifies them.

var (
	testNow   = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	aliceKey  = Key{AccessKeyID: "AKIAALICE0000000", SecretAccessKey: "alice-secret-0123456789abcdef", Principal: "alice"}
	bobKey    = Key{AccessKeyID: "AKIABOB000000000", SecretAccessKey: "bob-secret-0123456789abcdefgh", Principal: "bob"}
	aliceCred = aws.Credentials{AccessKeyID: aliceKey.AccessKeyID, SecretAccessKey: aliceKey.SecretAccessKey}
)

// clock is a settable clock for the verifier.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// verdict is what the test server saw.
type verdict struct {
	Identity Identity
	Type     string
	Message  string
}

// verifyServer serves Verify over HTTP, answering with a verdict.
func verifyServer(t *testing.T, v *Verifier) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var out verdict
		id, err := v.Verify(r, body)
		if err != nil {
			e := err.(*Error)
			out.Type, out.Message = e.Type, e.Message
		} else {
			out.Identity = id
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newTestVerifier(t *testing.T, c *clock, opts Options) *Verifier {
	t.Helper()
	if opts.Keys == nil {
		opts.Keys = []Key{aliceKey, bobKey}
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Services == nil {
		opts.Services = []string{"kinesis"}
	}
	opts.Now = c.Now
	v, err := NewVerifier(opts)
	require.NoError(t, err)
	return v
}

func send(t *testing.T, r *http.Request) verdict {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var out verdict
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// signedRequest is a request description that can be built, signed and
// sent many times.
type signedRequest struct {
	method  string
	path    string // escaped
	query   string // raw
	headers [][2]string
	body    []byte
}

func (s signedRequest) build(t *testing.T, base string) *http.Request {
	t.Helper()
	u := base + s.path
	if s.query != "" {
		u += "?" + s.query
	}
	r, err := http.NewRequest(s.method, u, bytes.NewReader(s.body))
	require.NoError(t, err)
	if len(s.body) == 0 {
		r.Body, r.ContentLength = http.NoBody, 0
	}
	for _, h := range s.headers {
		r.Header.Add(h[0], h[1])
	}
	return r
}

func sign(t *testing.T, r *http.Request, cred aws.Credentials, payloadHash, service, region string, at time.Time) {
	t.Helper()
	require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), cred, r, payloadHash, service, region, at))
}

func sdkRequests() []signedRequest {
	random := make([]byte, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	kinesisHeaders := [][2]string{{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "Kinesis_20131202.PutRecord"}}
	return []signedRequest{
		{method: "POST", path: "/", headers: kinesisHeaders, body: []byte(`{"StreamName":"s","Data":"aGk=","PartitionKey":"k"}`)},
		{method: "POST", path: "/", headers: kinesisHeaders},
		{method: "POST", path: "/", headers: [][2]string{{"Content-Type", "application/x-amz-cbor-1.1"}}, body: random},
		{method: "GET", path: "/health"},
		{method: "GET", path: "/a/b/c.txt", query: "b=2&a=1&a=0&c="},
		{method: "GET", path: "/a%20b/%C3%BC%2Fx", query: "x=a%20b&y=%2B%2F&z=~&%C3%BC=%E2%82%AC"},
		{method: "PUT", path: "//double//slash/", query: "flag"},
		{method: "DELETE", path: "/~user/.hidden/-_.~", query: "Action=List&Version=2013-12-02&Marker=a%3Db"},
		{method: "POST", path: "/", headers: [][2]string{
			{"X-Multi", "one"}, {"X-Multi", "  two   spaced  value "}, {"X-Amz-Meta-Empty", ""},
			{"Amz-Sdk-Request", "attempt=1; max=3"}, {"Amz-Sdk-Invocation-Id", "4b1e4e1b-0000-4000-8000-000000000000"},
		}, body: []byte("x")},
	}
}

func TestVerifySDKHeaderSigned(t *testing.T) {
	c := &clock{now: testNow}
	srv := verifyServer(t, newTestVerifier(t, c, Options{}))
	for i, req := range sdkRequests() {
		for _, offset := range []time.Duration{0, -DefaultMaxSkew, DefaultMaxSkew, -time.Second} {
			r := req.build(t, srv.URL)
			sign(t, r, aliceCred, hashHex(req.body), "kinesis", "us-east-1", testNow.Add(offset))
			got := send(t, r)
			require.Empty(t, got.Type, "request %d (%s %s?%s) offset %v: %s", i, req.method, req.path, req.query, offset, got.Message)
			require.Equal(t, "alice", got.Identity.Principal)
			require.Equal(t, "arn:aws:iam::000000000000:user/alice", got.Identity.PrincipalARN)
			require.Equal(t, "kinesis", got.Identity.Service)
			require.Equal(t, testNow.Add(offset), got.Identity.SigningTime)
			require.False(t, got.Identity.Presigned)
		}
	}
}

func TestVerifySDKSessionToken(t *testing.T) {
	c := &clock{now: testNow}
	srv := verifyServer(t, newTestVerifier(t, c, Options{}))
	req := sdkRequests()[0]
	r := req.build(t, srv.URL)
	cred := aliceCred
	cred.SessionToken = "FwoGZXIvYXdzEXAMPLETOKEN"
	sign(t, r, cred, hashHex(req.body), "kinesis", "us-east-1", testNow)
	require.Equal(t, cred.SessionToken, r.Header.Get("X-Amz-Security-Token"))
	require.Empty(t, send(t, r).Type)
}

func TestVerifySDKPresigned(t *testing.T) {
	c := &clock{now: testNow}
	srv := verifyServer(t, newTestVerifier(t, c, Options{}))
	presign := func(req signedRequest, expires string, payloadHash string, at time.Time) *http.Request {
		r := req.build(t, srv.URL)
		if expires != "" {
			q := r.URL.Query()
			q.Set("X-Amz-Expires", expires)
			r.URL.RawQuery = q.Encode()
		}
		signedURL, signedHeaders, err := v4.NewSigner().PresignHTTP(context.Background(), aliceCred, r, payloadHash, "kinesis", "us-east-1", at)
		require.NoError(t, err)
		out, err := http.NewRequest(req.method, signedURL, bytes.NewReader(req.body))
		require.NoError(t, err)
		if len(req.body) == 0 {
			out.Body, out.ContentLength = http.NoBody, 0
		}
		for k, vs := range signedHeaders {
			if k != "Host" {
				out.Header[k] = vs
			}
		}
		return out
	}
	for i, req := range sdkRequests() {
		for _, hash := range []string{hashHex(req.body), UnsignedPayload} {
			got := send(t, presign(req, "900", hash, testNow.Add(-10*time.Minute)))
			require.Empty(t, got.Type, "request %d: %s", i, got.Message)
			require.True(t, got.Identity.Presigned)
			require.Equal(t, "alice", got.Identity.Principal)
		}
	}

	req := sdkRequests()[3]
	// Without X-Amz-Expires, the skew window applies.
	require.Empty(t, send(t, presign(req, "", hashHex(nil), testNow.Add(-4*time.Minute))).Type)
	got := send(t, presign(req, "", hashHex(nil), testNow.Add(-6*time.Minute)))
	require.Equal(t, TypeInvalidSignature, got.Type)
	require.Equal(t, "Signature expired: 20260314T150326Z is now earlier than 20260314T150426Z (20260314T150926Z - 5 min.)", got.Message)
	// Past X-Amz-Expires.
	got = send(t, presign(req, "60", hashHex(nil), testNow.Add(-61*time.Second)))
	require.Equal(t, TypeInvalidSignature, got.Type)
	require.Equal(t, "Signature expired: 20260314T150825Z is now earlier than 20260314T150826Z (20260314T150926Z - 1 min.)", got.Message)
	// Dated in the future beyond the skew.
	got = send(t, presign(req, "900", hashHex(nil), testNow.Add(6*time.Minute)))
	require.Equal(t, TypeInvalidSignature, got.Type)
	require.True(t, strings.HasPrefix(got.Message, "Signature not yet current: 20260314T151526Z is still later than 20260314T151426Z"), got.Message)
	// A week at most.
	got = send(t, presign(req, "604801", hashHex(nil), testNow))
	require.Equal(t, TypeIncompleteSignature, got.Type)
	require.Equal(t, "X-Amz-Expires must be less than a week (in seconds) that is 604800", got.Message)
	got = send(t, presign(req, "-1", hashHex(nil), testNow))
	require.Equal(t, "X-Amz-Expires must be non-negative", got.Message)
	got = send(t, presign(req, "soon", hashHex(nil), testNow))
	require.Equal(t, "X-Amz-Expires should be a number", got.Message)

	// Tampering with any signed part of a presigned URL is refused.
	good := presign(req, "900", hashHex(nil), testNow)
	for _, mutate := range []func(u url.Values){
		func(u url.Values) { u.Set("X-Amz-Expires", "901") },
		func(u url.Values) { u.Set("X-Amz-Date", formatTime(testNow.Add(time.Second))) },
		func(u url.Values) { u.Set("extra", "1") },
		func(u url.Values) { u.Set("X-Amz-SignedHeaders", "host;x-amz-date") },
	} {
		r := good.Clone(context.Background())
		q := r.URL.Query()
		mutate(q)
		r.URL.RawQuery = q.Encode()
		require.Equal(t, TypeInvalidSignature, send(t, r).Type, r.URL.RawQuery)
	}
	// A presigned request with a body signs its hash: another body is refused.
	post := presign(sdkRequests()[0], "900", hashHex(sdkRequests()[0].body), testNow)
	post.Body = io.NopCloser(strings.NewReader(`{"StreamName":"t","Data":"aGk=","PartitionKey":"k"}`))
	require.Equal(t, TypeInvalidSignature, send(t, post).Type)
}

func TestVerifySDKMutations(t *testing.T) {
	c := &clock{now: testNow}
	srv := verifyServer(t, newTestVerifier(t, c, Options{}))
	base := signedRequest{method: "POST", path: "/streams/a", query: "x=1&y=2",
		headers: [][2]string{{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "Kinesis_20131202.PutRecord"}},
		body:    []byte(`{"StreamName":"s","Data":"aGk=","PartitionKey":"k"}`)}
	signed := func(cred aws.Credentials, service, region string, at time.Time) *http.Request {
		r := base.build(t, srv.URL)
		sign(t, r, cred, hashHex(base.body), service, region, at)
		return r
	}
	mismatch := messageSignatureMismatch
	tests := []struct {
		name    string
		request func() *http.Request
		typ     string
		message string
	}{
		{name: "body byte", typ: TypeInvalidSignature, message: mismatch, request: func() *http.Request {
			r := signed(aliceCred, "kinesis", "us-east-1", testNow)
			b := bytes.Clone(base.body)
			b[len(b)-3] ^= 1
			r.Body = io.NopCloser(bytes.NewReader(b))
			return r
		}},
		{name: "body appended", typ: TypeInvalidSignature, message: mismatch, request: func() *http.Request {
			r := signed(aliceCred, "kinesis", "us-east-1", testNow)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(append(bytes.Clone(base.body), ' '))), int64(len(base.body)+1)
			return r
		}},
		{name: "signed header", typ: TypeInvalidSignature, message: mismatch, request: func() *http.Request {
			r := signed(aliceCred, "kinesis", "us-east-1", testNow)
			r.Header.Set("X-Amz-Target", "Kinesis_20131202.DeleteStream")
			return r
		}},
		{name: "signed header repeated", typ: TypeInvalidSignature, message: mismatch, request: func() *http.Request {
			r := signed(aliceCred, "kinesis", "us-east-1", testNow)
			r.Header.Add("Content-Type", "text/plain")
			return r
		}},
		{name: "date", typ: TypeInvalidSignature, message: mismatch, request: func() *http.Request {
			r := signed(aliceCred, "kinesis", "us-east-1", testNow)
			r.Header.Set("X-Amz-Date", formatTime(testNow.Add(time.Second)))
			return r
		}},
		{name: "method", typ: TypeInvalidSignature, message: mismatch, request: func() *http.Request {
			r := signed(aliceCred, "kinesis", "us-east-1", testNow)
			r.Method = "PUT"
			return r
		}},
		{name: "path", typ: TypeInvalidSignature, message: mismatch, request: func() *http.Request {
			r := signed(aliceCred, "kinesis", "us-east-1", testNow)
			r.URL.Path = "/streams/b"
			return r
		}},
		{name: "query", typ: TypeInvalidSignature, message: mismatch, request: func() *http.Request {
			r := signed(aliceCred, "kinesis", "us-east-1", testNow)
			r.URL.RawQuery += "&z=3"
			return r
		}},
		{name: "host", typ: TypeInvalidSignature, message: mismatch, request: func() *http.Request {
			r := signed(aliceCred, "kinesis", "us-east-1", testNow)
			r.Host = "localhost:1"
			r.URL.Host = strings.TrimPrefix(srv.URL, "http://")
			return r
		}},
		{name: "wrong secret", typ: TypeInvalidSignature, message: mismatch, request: func() *http.Request {
			cred := aliceCred
			cred.SecretAccessKey = bobKey.SecretAccessKey
			return signed(cred, "kinesis", "us-east-1", testNow)
		}},
		{name: "unknown key", typ: TypeUnrecognizedClient, message: "The security token included in the request is invalid.", request: func() *http.Request {
			cred := aliceCred
			cred.AccessKeyID = "AKIANOBODY000000"
			return signed(cred, "kinesis", "us-east-1", testNow)
		}},
		{name: "wrong region", typ: TypeInvalidSignature, message: "Credential should be scoped to a valid region, not 'eu-west-1'.",
			request: func() *http.Request { return signed(aliceCred, "kinesis", "eu-west-1", testNow) }},
		{name: "wrong service", typ: TypeInvalidSignature, message: "Credential should be scoped to correct service: 'kinesis'.",
			request: func() *http.Request { return signed(aliceCred, "dynamodb", "us-east-1", testNow) }},
		{name: "wrong region and service", typ: TypeInvalidSignature,
			message: "Credential should be scoped to a valid region, not 'eu-west-1'. Credential should be scoped to correct service: 'kinesis'.",
			request: func() *http.Request { return signed(aliceCred, "s3", "eu-west-1", testNow) }},
		{name: "scope date", typ: TypeInvalidSignature,
			message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260313' != '20260314', from '20260314T150926Z'.",
			request: func() *http.Request {
				r := signed(aliceCred, "kinesis", "us-east-1", testNow)
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20260314/", "/20260313/", 1))
				return r
			}},
		{name: "terminator", typ: TypeInvalidSignature,
			message: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.",
			request: func() *http.Request {
				r := signed(aliceCred, "kinesis", "us-east-1", testNow)
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "aws4_request", "aws5_request", 1))
				return r
			}},
		{name: "host not signed", typ: TypeInvalidSignature, message: messageHostNotSigned, request: func() *http.Request {
			r := signed(aliceCred, "kinesis", "us-east-1", testNow)
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=content-length;content-type;host;",
				"SignedHeaders=content-length;content-type;", 1))
			return r
		}},
		{name: "algorithm", typ: TypeIncompleteSignature,
			message: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ",
			request: func() *http.Request {
				r := signed(aliceCred, "kinesis", "us-east-1", testNow)
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SHA256", "SHA512", 1))
				return r
			}},
		{name: "signature upper case", typ: TypeInvalidSignature, message: mismatch, request: func() *http.Request {
			r := signed(aliceCred, "kinesis", "us-east-1", testNow)
			auth := r.Header.Get("Authorization")
			i := strings.Index(auth, "Signature=") + len("Signature=")
			r.Header.Set("Authorization", auth[:i]+strings.ToUpper(auth[i:]))
			return r
		}},
		{name: "expired", typ: TypeInvalidSignature,
			message: "Signature expired: 20260314T150425Z is now earlier than 20260314T150426Z (20260314T150926Z - 5 min.)",
			request: func() *http.Request {
				return signed(aliceCred, "kinesis", "us-east-1", testNow.Add(-DefaultMaxSkew-time.Second))
			}},
		{name: "not yet current", typ: TypeInvalidSignature,
			message: "Signature not yet current: 20260314T151427Z is still later than 20260314T151426Z (20260314T150926Z + 5 min.)",
			request: func() *http.Request {
				return signed(aliceCred, "kinesis", "us-east-1", testNow.Add(DefaultMaxSkew+time.Second))
			}},
		{name: "content sha256 not matching", typ: TypeInvalidSignature,
			message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
			request: func() *http.Request {
				r := base.build(t, srv.URL)
				r.Header.Set("X-Amz-Content-Sha256", hashHex([]byte("other")))
				sign(t, r, aliceCred, hashHex([]byte("other")), "kinesis", "us-east-1", testNow)
				return r
			}},
		{name: "unsigned payload", typ: TypeInvalidSignature,
			message: "The 'x-amz-content-sha256' header value 'UNSIGNED-PAYLOAD' is not accepted; sign the request payload.",
			request: func() *http.Request {
				r := base.build(t, srv.URL)
				r.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
				sign(t, r, aliceCred, UnsignedPayload, "kinesis", "us-east-1", testNow)
				return r
			}},
		{name: "chunked payload", typ: TypeInvalidSignature, request: func() *http.Request {
			r := base.build(t, srv.URL)
			r.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
			sign(t, r, aliceCred, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "kinesis", "us-east-1", testNow)
			return r
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := send(t, tt.request())
			require.Equal(t, tt.typ, got.Type, got.Message)
			if tt.message != "" {
				require.Equal(t, tt.message, got.Message)
			}
		})
	}

	// What is not signed may change: an added header, a header the signer ignores.
	r := signed(aliceCred, "kinesis", "us-east-1", testNow)
	r.Header.Set("X-Added-Later", "1")
	r.Header.Set("User-Agent", "changed")
	require.Empty(t, send(t, r).Type)
}

func TestVerifyUnsignedPayloadAllowed(t *testing.T) {
	c := &clock{now: testNow}
	srv := verifyServer(t, newTestVerifier(t, c, Options{AllowUnsignedPayload: true}))
	req := sdkRequests()[0]
	r := req.build(t, srv.URL)
	r.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
	sign(t, r, aliceCred, UnsignedPayload, "kinesis", "us-east-1", testNow)
	require.Empty(t, send(t, r).Type)
	// A declared hash that matches is accepted too.
	r = req.build(t, srv.URL)
	r.Header.Set("X-Amz-Content-Sha256", hashHex(req.body))
	sign(t, r, aliceCred, hashHex(req.body), "kinesis", "us-east-1", testNow)
	require.Empty(t, send(t, r).Type)
}
