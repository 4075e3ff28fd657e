package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"github.com/aws/smithy-go/middleware"
	"github.com/eddy-streaming/eddy/internal/awsclient"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/auth"
	"github.com/eddy-streaming/eddy/internal/config"
)

// Helpers of the security tests (security_*_test.go): configured keys,
// clients signing with them, and requests signed by hand.

// secAccount is the account of the security tests' servers.
const secAccount = "123456789012"

var (
	keyAlice   = auth.Key{AccessKeyID: "AKIAALICE000000001", SecretAccessKey: "alice-secret-0123456789abcdef", Principal: "alice"}
	keyBob     = auth.Key{AccessKeyID: "AKIABOB00000000001", SecretAccessKey: "bob-secret-0123456789abcdefgh", Principal: "bob"}
	keyRoot    = auth.Key{AccessKeyID: "AKIAROOT0000000001", SecretAccessKey: "root-secret-0123456789abcdefg", Principal: "root"}
	keyPartner = auth.Key{AccessKeyID: "AKIAPARTNER0000001", SecretAccessKey: "partner-secret-0123456789abcd", Principal: "partner",
		PrincipalARN: "arn:aws:iam::222222222222:role/reader"}
)

// withAuth turns authentication on with keys, in account secAccount.
func withAuth(keys ...auth.Key) func(*config.Config) {
	return func(c *config.Config) {
		c.AccountID = secAccount
		c.Auth.Enabled = true
		c.Auth.Keys = keys
	}
}

// keyClient returns a Kinesis client of ts signing with key.
func keyClient(url string, key auth.Key) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider(key.AccessKeyID, key.SecretAccessKey, ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Timeout: 30 * time.Second},
		APIOptions:       []func(*middleware.Stack) error{awsclient.RequestBodyWithoutWriteTo},
	})
}

// signedRequest builds a Kinesis JSON request for op signed by key at
// signingTime.
func signedRequest(t *testing.T, url, op string, body []byte, key auth.Key, signingTime time.Time) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(body))
	require.NoError(t, err)
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "Kinesis_20131202."+op)
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey}
	require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "kinesis", "us-east-1", signingTime))
	return r
}

// send sends r (its body rewound to body) and returns the status and the
// decoded JSON response.
func send(t *testing.T, r *http.Request, body []byte) (int, map[string]any) {
	t.Helper()
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	resp, err := http.DefaultClient.Do(r)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	if len(b) > 0 {
		require.NoError(t, json.Unmarshal(b, &out), string(b))
	}
	return resp.StatusCode, out
}

// requireRefused checks a raw response: HTTP 400 with the error type and
// a message containing msg.
func requireRefused(t *testing.T, status int, out map[string]any, typ, msg string) {
	t.Helper()
	require.Equal(t, http.StatusBadRequest, status, out)
	require.Equal(t, typ, out["__type"], out)
	require.Contains(t, out["message"], msg)
}
