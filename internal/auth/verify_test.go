package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"
)

func TestVerifyRequestShape(t *testing.T) {
	c := &clock{now: testNow}
	v := newTestVerifier(t, c, Options{})
	amzDate := formatTime(testNow)
	goodAuth := "AWS4-HMAC-SHA256 Credential=AKIAALICE0000000/20260314/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
	tests := []struct {
		name    string
		target  string
		headers map[string]string
		typ     string
		message string
	}{
		{name: "nothing", typ: TypeMissingAuthToken, message: "Missing Authentication Token"},
		{name: "not sigv4", headers: map[string]string{"Authorization": "Bearer abc"}, typ: TypeMissingAuthToken, message: "Missing Authentication Token"},
		{name: "sigv2", headers: map[string]string{"Authorization": "AWS AKIA:sig"}, typ: TypeMissingAuthToken},
		{name: "both forms", target: "/?X-Amz-Algorithm=AWS4-HMAC-SHA256", headers: map[string]string{"Authorization": goodAuth},
			typ: TypeInvalidSignature, message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."},
		{name: "header parts missing", headers: map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=a/b"},
			typ: TypeIncompleteSignature,
			message: "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
				"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=a/b"},
		{name: "no equal sign", headers: map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders, Signature=c", "X-Amz-Date": amzDate},
			typ:     TypeIncompleteSignature,
			message: "'SignedHeaders' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders, Signature=c'."},
		{name: "query parts missing", target: "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=" + amzDate, typ: TypeIncompleteSignature,
			message: "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. " +
				"AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."},
		{name: "date format", headers: map[string]string{"Authorization": goodAuth, "X-Amz-Date": "2026-03-14T15:09:26Z"}, typ: TypeIncompleteSignature,
			message: "Date must be in ISO-8601 'basic format'. Got '2026-03-14T15:09:26Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "http date format", headers: map[string]string{"Authorization": goodAuth, "Date": "yesterday"}, typ: TypeIncompleteSignature,
			message: "Date must be in ISO-8601 'basic format'. Got 'yesterday'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "credential parts", headers: map[string]string{"X-Amz-Date": amzDate,
			"Authorization": "AWS4-HMAC-SHA256 Credential=AKIAALICE0000000/20260314/us-east-1/kinesis, SignedHeaders=host, Signature=00"},
			typ:     TypeIncompleteSignature,
			message: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIAALICE0000000/20260314/us-east-1/kinesis'"},
		{name: "trailing slash ignored", headers: map[string]string{"X-Amz-Date": amzDate,
			"Authorization": "AWS4-HMAC-SHA256 Credential=AKIAALICE0000000/20260314/us-east-1/kinesis/aws4_request/, SignedHeaders=host, Signature=00"},
			typ: TypeInvalidSignature, message: messageSignatureMismatch},
		{name: "wrong signature", headers: map[string]string{"Authorization": goodAuth, "X-Amz-Date": amzDate},
			typ: TypeInvalidSignature, message: messageSignatureMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.target
			if target == "" {
				target = "/"
			}
			r := httptest.NewRequest("POST", target, nil)
			for k, val := range tt.headers {
				r.Header.Set(k, val)
			}
			_, err := v.Verify(r, nil)
			requireAuthError(t, err, tt.typ, tt.message)
		})
	}
}

// The Date header stands in for X-Amz-Date when that is absent.
func TestVerifyDateHeader(t *testing.T) {
	c := &clock{now: testNow}
	v := newTestVerifier(t, c, Options{})
	r := httptest.NewRequest("POST", "/", strings.NewReader("{}"))
	r.Header.Set("Date", testNow.Format(http.TimeFormat))
	cred := credential{accessKeyID: aliceKey.AccessKeyID, date: "20260314", region: "us-east-1", service: "kinesis", terminator: "aws4_request"}
	canonical := canonicalRequest(r, r.URL.Query(), false, "date;host", []string{"date", "host"}, payloadSHA256([]byte("{}")))
	signature := fmt.Sprintf("%x", hmacSHA256(deriveKey(aliceKey.SecretAccessKey, "20260314", "us-east-1", "kinesis"),
		stringToSign(formatTime(testNow), cred.scope(), canonical)))
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+aliceKey.AccessKeyID+"/"+cred.scope()+", SignedHeaders=date;host, Signature="+signature)
	id, err := v.Verify(r, []byte("{}"))
	require.NoError(t, err)
	require.Equal(t, testNow, id.SigningTime)
}

func TestVerifyReplay(t *testing.T) {
	c := &clock{now: testNow}
	v := newTestVerifier(t, c, Options{RejectReplays: true, ReplayCacheSize: 3})
	srv := verifyServer(t, v)
	req := sdkRequests()[0]
	signedAt := func(at time.Time, attempt int) *http.Request {
		r := req.build(t, srv.URL)
		r.Header.Set("Amz-Sdk-Request", fmt.Sprintf("attempt=%d; max=3", attempt))
		sign(t, r, aliceCred, hashHex(req.body), "kinesis", "us-east-1", at)
		return r
	}
	first := signedAt(testNow, 1)
	replay := first.Clone(context.Background())
	replay.Body = io.NopCloser(strings.NewReader(string(req.body)))
	require.Empty(t, send(t, first).Type)
	got := send(t, replay)
	require.Equal(t, TypeInvalidSignature, got.Type)
	require.Equal(t, messageReplay, got.Message)
	// A retry signs anew (its attempt header differs): it passes.
	require.Empty(t, send(t, signedAt(testNow, 2)).Type)
	// A request that failed verification is not remembered.
	bad := signedAt(testNow, 3)
	bad.Header.Set("X-Amz-Target", "other")
	require.Equal(t, messageSignatureMismatch, send(t, bad).Message)
	// The cache holds 3 signatures; the fourth is throttled until they age out.
	require.Empty(t, send(t, signedAt(testNow, 3)).Type)
	got = send(t, signedAt(testNow, 4))
	require.Equal(t, TypeThrottling, got.Type)
	c.Set(testNow.Add(2 * (2*DefaultMaxSkew + time.Second)))
	require.Empty(t, send(t, signedAt(c.Now(), 4)).Type)
	// Presigned requests are not tracked.
	require.Equal(t, 1, len(v.replay.current)+len(v.replay.previous))
}

func TestReplayCacheGenerations(t *testing.T) {
	window := time.Minute
	c := newReplayCache(window, 100)
	sig := func(i byte) string { return strings.Repeat(fmt.Sprintf("%02x", i), 32) }
	require.Nil(t, c.check(sig(1), testNow))
	require.NotNil(t, c.check(sig(1), testNow.Add(window-time.Second)))
	require.Nil(t, c.check(sig(2), testNow.Add(window+time.Second))) // rotates: 1 is in previous
	require.NotNil(t, c.check(sig(1), testNow.Add(window+2*time.Second)))
	require.NotNil(t, c.check(sig(2), testNow.Add(2*window+time.Second))) // rotates: 2 is in previous, 1 dropped
	require.Nil(t, c.check(sig(1), testNow.Add(2*window+2*time.Second)))
	// A clock that goes back forgets nothing.
	require.NotNil(t, c.check(sig(2), testNow))
	// Every remembered signature stays at least one window.
	for i := range 50 {
		at := testNow.Add(time.Duration(i) * 7 * time.Second)
		require.Nil(t, c.check(sig(byte(100+i)), at))
		require.NotNil(t, c.check(sig(byte(100+i)), at.Add(window)))
	}
}

func TestSetKeysAndServices(t *testing.T) {
	c := &clock{now: testNow}
	v := newTestVerifier(t, c, Options{})
	firehose := v.WithServices("firehose")
	srv := verifyServer(t, v)
	fsrv := verifyServer(t, firehose)
	req := sdkRequests()[0]

	r := req.build(t, fsrv.URL)
	sign(t, r, aliceCred, hashHex(req.body), "kinesis", "us-east-1", testNow)
	require.Equal(t, "Credential should be scoped to correct service: 'firehose'.", send(t, r).Message)
	r = req.build(t, fsrv.URL)
	sign(t, r, aliceCred, hashHex(req.body), "firehose", "us-east-1", testNow)
	require.Empty(t, send(t, r).Type)

	// Keys replaced: alice's old key is gone everywhere, her new one works.
	newAlice := Key{AccessKeyID: "AKIAALICE0000001", SecretAccessKey: "alice-new-secret-0123456789", Principal: "alice"}
	require.NoError(t, v.SetKeys([]Key{newAlice, bobKey}))
	for u, service := range map[string]string{srv.URL: "kinesis", fsrv.URL: "firehose"} {
		r = req.build(t, u)
		sign(t, r, aliceCred, hashHex(req.body), service, "us-east-1", testNow)
		require.Equal(t, TypeUnrecognizedClient, send(t, r).Type)
	}
	r = req.build(t, srv.URL)
	sign(t, r, aws.Credentials{AccessKeyID: newAlice.AccessKeyID, SecretAccessKey: newAlice.SecretAccessKey}, hashHex(req.body), "kinesis", "us-east-1", testNow)
	require.Equal(t, "AKIAALICE0000001", send(t, r).Identity.AccessKeyID)

	// Invalid keys change nothing.
	require.Error(t, v.SetKeys([]Key{{AccessKeyID: "x", SecretAccessKey: "short", Principal: "p"}}))
	r = req.build(t, srv.URL)
	sign(t, r, aws.Credentials{AccessKeyID: newAlice.AccessKeyID, SecretAccessKey: newAlice.SecretAccessKey}, hashHex(req.body), "kinesis", "us-east-1", testNow)
	require.Empty(t, send(t, r).Type)
}

func TestValidateKeys(t *testing.T) {
	errs := ValidateKeys([]Key{
		aliceKey,
		{AccessKeyID: aliceKey.AccessKeyID, SecretAccessKey: "0123456789abcdef", Principal: "alice2"},
		{AccessKeyID: "", SecretAccessKey: "", Principal: ""},
		{AccessKeyID: "AK/IA", SecretAccessKey: "0123456789abcdef", Principal: "bad name"},
		{AccessKeyID: strings.Repeat("A", 129), SecretAccessKey: "0123456789abcdef", Principal: "carol", PrincipalARN: "arn:aws:iam::1:user/x"},
		{AccessKeyID: "AKIAOK", SecretAccessKey: "0123456789abcdef", Principal: "dave", PrincipalARN: "arn:aws:iam::111122223333:role/reader"},
		{AccessKeyID: "AKIAOK2", SecretAccessKey: "0123456789abcdef", Principal: "erin", PrincipalARN: "arn:aws:sts::111122223333:assumed-role/reader/session-1"},
	})
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	require.Equal(t, []string{
		`keys[1].access_key_id: "AKIAALICE0000000" is also keys[0]`,
		`keys[2].access_key_id: must not be empty`,
		`keys[2].secret_access_key: must be at least 16 characters`,
		`keys[2].principal: "" is not a user name (1-64 of letters, digits and +=,.@_-)`,
		`keys[3].access_key_id: "AK/IA" contains '/', ',', '=' or whitespace`,
		`keys[3].principal: "bad name" is not a user name (1-64 of letters, digits and +=,.@_-)`,
		`keys[4].access_key_id: longer than 128 characters`,
		`keys[4].principal_arn: "arn:aws:iam::1:user/x" is not an IAM user, role or root ARN or an STS assumed-role ARN`,
	}, msgs)
	_, err := NewVerifier(Options{Keys: []Key{{AccessKeyID: "a"}}})
	require.Error(t, err)

	require.Equal(t, "arn:aws:iam::123456789012:user/alice", aliceKey.ARN("123456789012"))
	require.Equal(t, "arn:aws:iam::123456789012:root", Key{Principal: "root"}.ARN("123456789012"))
	require.Equal(t, "arn:aws:iam::111122223333:role/r", Key{Principal: "x", PrincipalARN: "arn:aws:iam::111122223333:role/r"}.ARN("123456789012"))
}

func TestKeyRedaction(t *testing.T) {
	var log strings.Builder
	slog.New(slog.NewJSONHandler(&log, nil)).Info("key", "key", aliceKey)
	for _, s := range []string{fmt.Sprint(aliceKey), fmt.Sprintf("%v %+v %#v %s", aliceKey, aliceKey, aliceKey, aliceKey), log.String()} {
		require.NotContains(t, s, aliceKey.SecretAccessKey)
		require.Contains(t, s, aliceKey.AccessKeyID)
	}
}

func TestIdentityContext(t *testing.T) {
	_, ok := FromContext(context.Background())
	require.False(t, ok)
	id, ok := FromContext(NewContext(context.Background(), Identity{Principal: "alice"}))
	require.True(t, ok)
	require.Equal(t, "alice", id.Principal)
}

// A real Kinesis client of the AWS SDK for Go v2, with all its middleware
// (invocation IDs, retries, user agent), against a verifying server.
func TestVerifyKinesisClient(t *testing.T) {
	v, err := NewVerifier(Options{Keys: []Key{aliceKey}, Region: "us-east-1", Services: []string{"kinesis"}, RejectReplays: true})
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if _, err := v.Verify(r, body); err != nil {
			var e *Error
			require.True(t, errors.As(err, &e))
			w.Header().Set("X-Amzn-ErrorType", e.Type)
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Type, "message": e.Message})
			return
		}
		_, _ = io.WriteString(w, `{"StreamNames":[],"HasMoreStreams":false}`)
	}))
	defer srv.Close()
	client := func(key, secret, region string) *kinesis.Client {
		return kinesis.New(kinesis.Options{
			Region:           region,
			BaseEndpoint:     aws.String(srv.URL),
			Credentials:      credentials.NewStaticCredentialsProvider(key, secret, ""),
			RetryMaxAttempts: 1,
		})
	}
	ctx := context.Background()
	good := client(aliceKey.AccessKeyID, aliceKey.SecretAccessKey, "us-east-1")
	for range 20 { // many calls within one second: none is taken for a replay
		_, err := good.ListStreams(ctx, &kinesis.ListStreamsInput{})
		require.NoError(t, err)
	}
	for _, tt := range []struct {
		client *kinesis.Client
		code   string
	}{
		{client(aliceKey.AccessKeyID, "wrong-secret-0123456789", "us-east-1"), TypeInvalidSignature},
		{client("AKIAUNKNOWN00000", aliceKey.SecretAccessKey, "us-east-1"), TypeUnrecognizedClient},
		{client(aliceKey.AccessKeyID, aliceKey.SecretAccessKey, "eu-west-1"), TypeInvalidSignature},
	} {
		_, err := tt.client.ListStreams(ctx, &kinesis.ListStreamsInput{})
		var apiErr smithy.APIError
		require.True(t, errors.As(err, &apiErr), "%v", err)
		require.Equal(t, tt.code, apiErr.ErrorCode())
	}
}
