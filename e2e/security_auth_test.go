package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/auth"
	"github.com/eddy-streaming/eddy/internal/config"
)

// TestSecurityAuthentication drives a server with authentication on:
// requests signed by a configured key pass; unsigned, wrongly signed,
// skewed, altered and mis-scoped ones are refused with AWS's error types,
// for Kinesis and Firehose alike.
func TestSecurityAuthentication(t *testing.T) {
	ts := startServer(t, "", withAuth(keyAlice, keyBob))
	alice := keyClient(ts.url, keyAlice)
	_, err := alice.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String("a"), ShardCount: aws.Int32(1)})
	require.NoError(t, err)
	ts.client = alice
	ts.waitActive(t, "a")
	put, err := keyClient(ts.url, keyBob).PutRecord(ctx(t), &kinesis.PutRecordInput{
		StreamName: aws.String("a"), PartitionKey: aws.String("k"), Data: []byte("signed by bob")})
	require.NoError(t, err)
	require.NotEmpty(t, aws.ToString(put.SequenceNumber))

	// SDK clients with bad credentials.
	wrongSecret := keyAlice
	wrongSecret.SecretAccessKey = "not-alice-secret-0123456789"
	_, err = keyClient(ts.url, wrongSecret).ListStreams(ctx(t), &kinesis.ListStreamsInput{})
	requireAPIError(t, err, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided.")
	unknown := auth.Key{AccessKeyID: "AKIAUNKNOWN0000001", SecretAccessKey: "whatever-0123456789abcdef"}
	_, err = keyClient(ts.url, unknown).ListStreams(ctx(t), &kinesis.ListStreamsInput{})
	requireAPIError(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")
	otherRegion := kinesis.New(kinesis.Options{
		Region: "eu-west-1", BaseEndpoint: aws.String(ts.url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(keyAlice.AccessKeyID, keyAlice.SecretAccessKey, ""),
	})
	_, err = otherRegion.ListStreams(ctx(t), &kinesis.ListStreamsInput{})
	requireAPIError(t, err, "InvalidSignatureException", "Credential should be scoped to a valid region")

	// Hand-signed requests.
	body := []byte(`{}`)
	now := time.Now()
	status, out := send(t, signedRequest(t, ts.url, "ListStreams", body, keyAlice, now), body)
	require.Equal(t, http.StatusOK, status, out)
	require.Equal(t, []any{"a"}, out["StreamNames"])

	unsigned, err := http.NewRequest(http.MethodPost, ts.url+"/", nil)
	require.NoError(t, err)
	unsigned.Header.Set("Content-Type", "application/x-amz-json-1.1")
	unsigned.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
	status, out = send(t, unsigned, body)
	requireRefused(t, status, out, "MissingAuthenticationTokenException", "Missing Authentication Token")

	r := signedRequest(t, ts.url, "ListStreams", body, keyAlice, now)
	noSignature, _, _ := strings.Cut(r.Header.Get("Authorization"), ", Signature=")
	r.Header.Set("Authorization", noSignature)
	status, out = send(t, r, body)
	requireRefused(t, status, out, "IncompleteSignatureException", "Authorization header requires 'Signature' parameter.")

	status, out = send(t, signedRequest(t, ts.url, "ListStreams", body, keyAlice, now.Add(-6*time.Minute)), body)
	requireRefused(t, status, out, "InvalidSignatureException", "Signature expired")
	status, out = send(t, signedRequest(t, ts.url, "ListStreams", body, keyAlice, now.Add(6*time.Minute)), body)
	requireRefused(t, status, out, "InvalidSignatureException", "Signature not yet current")
	status, out = send(t, signedRequest(t, ts.url, "ListStreams", body, keyAlice, now.Add(-4*time.Minute)), body)
	require.Equal(t, http.StatusOK, status, "4 minutes of skew are tolerated: %v", out)

	// Altered after signing: the body, a signed header.
	r = signedRequest(t, ts.url, "ListStreams", body, keyAlice, now)
	status, out = send(t, r, []byte(`{"Limit":1}`))
	requireRefused(t, status, out, "InvalidSignatureException", "does not match")
	r = signedRequest(t, ts.url, "DescribeLimits", body, keyAlice, now)
	r.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
	status, out = send(t, r, body)
	requireRefused(t, status, out, "InvalidSignatureException", "does not match")
	r = signedRequest(t, ts.url, "ListStreams", body, keyAlice, now)
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "Credential=", "Credential=x", 1))
	status, out = send(t, r, body)
	requireRefused(t, status, out, "UnrecognizedClientException", "The security token included in the request is invalid.")

	// The same signed bytes twice are accepted, as on AWS, unless
	// reject_replays (TestSecurityRejectReplays).
	r = signedRequest(t, ts.url, "ListStreams", body, keyAlice, now)
	for range 2 {
		status, out = send(t, r, body)
		require.Equal(t, http.StatusOK, status, out)
	}

	// The query-string (presigned) form.
	pr, err := http.NewRequest(http.MethodPost, ts.url+"/", nil)
	require.NoError(t, err)
	pr.Header.Set("Content-Type", "application/x-amz-json-1.1")
	pr.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
	pr.URL.RawQuery = "X-Amz-Expires=60"
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: keyBob.AccessKeyID, SecretAccessKey: keyBob.SecretAccessKey}
	signedURL, signedHeader, err := v4.NewSigner().PresignHTTP(context.Background(), creds, pr, hex.EncodeToString(sum[:]), "kinesis", "us-east-1", now)
	require.NoError(t, err)
	pr, err = http.NewRequest(http.MethodPost, signedURL, nil)
	require.NoError(t, err)
	pr.Header = signedHeader.Clone()
	pr.Header.Set("Content-Type", "application/x-amz-json-1.1")
	pr.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
	status, out = send(t, pr, body)
	require.Equal(t, http.StatusOK, status, out)
	status, out = send(t, pr, []byte(`{"Limit":1}`))
	requireRefused(t, status, out, "InvalidSignatureException", "does not match")

	// Firehose on the same port: the same keys, scoped to firehose.
	fh := firehose.New(firehose.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(ts.url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(keyAlice.AccessKeyID, keyAlice.SecretAccessKey, ""),
	})
	_, err = fh.ListDeliveryStreams(ctx(t), &firehose.ListDeliveryStreamsInput{})
	require.NoError(t, err)
	fhWrong := firehose.New(firehose.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(ts.url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(keyAlice.AccessKeyID, wrongSecret.SecretAccessKey, ""),
	})
	_, err = fhWrong.ListDeliveryStreams(ctx(t), &firehose.ListDeliveryStreamsInput{})
	requireAPIError(t, err, "InvalidSignatureException", "does not match")
	unsignedFH, err := http.NewRequest(http.MethodPost, ts.url+"/", nil)
	require.NoError(t, err)
	unsignedFH.Header.Set("Content-Type", "application/x-amz-json-1.1")
	unsignedFH.Header.Set("X-Amz-Target", "Firehose_20150804.ListDeliveryStreams")
	status, out = send(t, unsignedFH, body)
	requireRefused(t, status, out, "MissingAuthenticationTokenException", "Missing Authentication Token")
	// A Kinesis signature does not open Firehose (the scope names the service).
	r = signedRequest(t, ts.url, "ListStreams", body, keyAlice, now)
	r.Header.Set("X-Amz-Target", "Firehose_20150804.ListDeliveryStreams")
	status, out = send(t, r, body)
	requireRefused(t, status, out, "InvalidSignatureException", "Credential should be scoped to correct service: 'firehose'")

	// /health needs no signature; /metrics counts the outcomes.
	resp, err := http.Get(ts.url + "/health")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, err = http.Get(ts.url + "/metrics")
	require.NoError(t, err)
	metrics, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Contains(t, string(metrics), `eddy_auth_requests_total{reason="signature",result="refused"}`)
	require.Contains(t, string(metrics), `eddy_auth_requests_total{reason="unknown_key",result="refused"}`)
	require.Contains(t, string(metrics), `eddy_auth_requests_total{reason="expired",result="refused"}`)
	require.Contains(t, string(metrics), `eddy_auth_requests_total{reason="",result="ok"}`)
}

// TestSecurityRejectReplays: with auth.reject_replays a signed request is
// accepted once; the SDK, which signs every call and retry anew, is not
// affected.
func TestSecurityRejectReplays(t *testing.T) {
	ts := startServer(t, "", withAuth(keyAlice), func(c *config.Config) { c.Auth.RejectReplays = true })
	c := kinesis.New(kinesis.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(ts.url),
		Credentials: credentials.NewStaticCredentialsProvider(keyAlice.AccessKeyID, keyAlice.SecretAccessKey, ""),
	})
	_, err := c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String("r"), ShardCount: aws.Int32(1)})
	require.NoError(t, err)
	ts.client = c
	ts.waitActive(t, "r")
	for i := range 20 {
		_, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("r"), PartitionKey: aws.String("k"), Data: []byte{byte(i)}})
		require.NoError(t, err)
	}

	body := []byte(`{"StreamName":"r","PartitionKey":"k","Data":"AA=="}`)
	r := signedRequest(t, ts.url, "PutRecord", body, keyAlice, time.Now())
	status, out := send(t, r, body)
	require.Equal(t, http.StatusOK, status, out)
	status, out = send(t, r, body)
	requireRefused(t, status, out, "InvalidSignatureException", "The request signature has already been used.")
	out2, err := c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("r")})
	require.NoError(t, err)
	require.Equal(t, "r", aws.ToString(out2.StreamDescriptionSummary.StreamName))
	recs := ts.readAll(t, ts.iterator(t, "r", shardID(0), "TRIM_HORIZON", nil))
	require.Len(t, recs, 21, "the replay stored nothing")
}
