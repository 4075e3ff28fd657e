package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/auth"
)

// TestSecurityBinaryTLSAndCLI runs the eddy binary as docs/security.md
// configures it (a certificate from eddy cert, tls.require, auth keys,
// all in a config file) and drives it with the AWS CLI over HTTPS
// (AWS_CA_BUNDLE) and with the SDK; plain HTTP is refused, and a config
// that requires TLS without a certificate does not start.
func TestSecurityBinaryTLSAndCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	out, err := exec.Command(bin, "cert", "--cert-out", certFile, "--key-out", keyFile).CombinedOutput()
	require.NoError(t, err, string(out))

	// Every problem of a bad configuration at once, and no start.
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("tls:\n  require: true\nauth:\n  enabled: true\n"), 0o600))
	out, err = exec.Command(bin, "serve", "--config", bad, "--data-dir", filepath.Join(dir, "bad-data")).CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, string(out))
	require.Equal(t, 2, exit.ExitCode(), string(out))
	require.Contains(t, string(out), "tls.require: needs tls_cert and tls_key")
	require.Contains(t, string(out), "auth.keys: at least one key is needed")

	keyLines := func(keys ...auth.Key) string {
		var b strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&b, "    - access_key_id: %s\n      secret_access_key: %s\n      principal: %s\n", k.AccessKeyID, k.SecretAccessKey, k.Principal)
		}
		return b.String()
	}
	cfgFile := filepath.Join(dir, "eddy.yaml")
	require.NoError(t, os.WriteFile(cfgFile, []byte(fmt.Sprintf(`account_id: "%s"
status_delay: 10ms
tls_cert: %s
tls_key: %s
tls:
  require: true
auth:
  enabled: true
  keys:
%s`, secAccount, certFile, keyFile, keyLines(keyAlice, keyRoot))), 0o600))
	_, url := startBinary(t, bin, filepath.Join(dir, "data"), "--config", cfgFile)
	require.True(t, strings.HasPrefix(url, "https://127.0.0.1:"), url)

	// Plain HTTP to the TLS port gets nothing but a refusal.
	resp, err := http.Post("http"+strings.TrimPrefix(url, "https")+"/", "application/x-amz-json-1.1", strings.NewReader("{}"))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, string(body), "Client sent an HTTP request to an HTTPS server")

	// The SDK over TLS, trusting the certificate.
	_, _, pool := loadPool(t, certFile)
	sdk := kinesis.New(kinesis.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(keyAlice.AccessKeyID, keyAlice.SecretAccessKey, ""),
		HTTPClient:  &http.Client{Transport: tlsTransport(pool), Timeout: 30 * time.Second},
	})
	_, err = sdk.ListStreams(ctx(t), &kinesis.ListStreamsInput{})
	require.NoError(t, err)

	// The AWS CLI, with profiles and AWS_CA_BUNDLE.
	awsPath, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the AWS CLI is not installed")
	}
	home := t.TempDir()
	creds := ""
	for _, p := range []struct {
		name string
		key  auth.Key
	}{{"alice", keyAlice}, {"root", keyRoot}, {"wrong", auth.Key{AccessKeyID: keyAlice.AccessKeyID, SecretAccessKey: "wrong-secret-0123456789abc"}}} {
		creds += fmt.Sprintf("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", p.name, p.key.AccessKeyID, p.key.SecretAccessKey)
	}
	require.NoError(t, os.WriteFile(filepath.Join(home, "credentials"), []byte(creds), 0o600))
	cli := func(profile string, args ...string) (map[string]any, string, error) {
		t.Helper()
		cmd := exec.Command(awsPath, append([]string{"--endpoint-url", url, "--region", "us-east-1", "--output", "json", "--profile", profile, "kinesis"}, args...)...)
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") {
				env = append(env, kv)
			}
		}
		cmd.Env = append(env, "HOME="+home, "AWS_CA_BUNDLE="+certFile, "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1",
			"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"), "AWS_CONFIG_FILE="+filepath.Join(home, "config"))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var m map[string]any
		if err == nil && len(bytes.TrimSpace(stdout.Bytes())) > 0 {
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &m), stdout.String())
		}
		return m, stderr.String(), err
	}
	ok := func(profile string, args ...string) map[string]any {
		t.Helper()
		m, stderr, err := cli(profile, args...)
		require.NoError(t, err, "aws %s: %s", strings.Join(args, " "), stderr)
		return m
	}
	refused := func(typ, profile string, args ...string) {
		t.Helper()
		_, stderr, err := cli(profile, args...)
		require.Error(t, err, "aws %s", strings.Join(args, " "))
		require.Contains(t, stderr, typ)
	}

	// CLI v1 base64-encodes --data itself; v2 expects base64.
	data := "sealed"
	if version, _ := exec.Command(awsPath, "--version").CombinedOutput(); strings.HasPrefix(string(version), "aws-cli/2") {
		data = "c2VhbGVk"
	}
	ok("alice", "create-stream", "--stream-name", "cli", "--shard-count", "1")
	require.Eventually(t, func() bool {
		out := ok("alice", "describe-stream-summary", "--stream-name", "cli")
		return out["StreamDescriptionSummary"].(map[string]any)["StreamStatus"] == "ACTIVE"
	}, 10*time.Second, 50*time.Millisecond)
	refused("InvalidSignatureException", "wrong", "list-streams")

	ok("alice", "start-stream-encryption", "--stream-name", "cli", "--encryption-type", "KMS", "--key-id", "alias/aws/kinesis")
	require.Eventually(t, func() bool {
		s := ok("alice", "describe-stream-summary", "--stream-name", "cli")["StreamDescriptionSummary"].(map[string]any)
		return s["StreamStatus"] == "ACTIVE" && s["EncryptionType"] == "KMS" && s["KeyId"] == "alias/aws/kinesis"
	}, 10*time.Second, 50*time.Millisecond)
	put := ok("alice", "put-record", "--stream-name", "cli", "--partition-key", "k", "--data", data)
	require.Equal(t, "KMS", put["EncryptionType"])

	streamARN := "arn:aws:kinesis:us-east-1:" + secAccount + ":stream/cli"
	policyDoc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + aliceARN +
		`"},"Action":["kinesis:PutRecord","kinesis:DescribeStreamSummary"],"Resource":"` + streamARN + `"}]}`
	require.Equal(t, "{}", ok("alice", "get-resource-policy", "--resource-arn", streamARN)["Policy"])
	ok("root", "put-resource-policy", "--resource-arn", streamARN, "--policy", policyDoc)
	require.Equal(t, policyDoc, ok("root", "get-resource-policy", "--resource-arn", streamARN)["Policy"])
	ok("alice", "put-record", "--stream-name", "cli", "--partition-key", "k", "--data", data)
	getIterator := []string{"get-shard-iterator", "--stream-name", "cli", "--shard-id", shardID(0), "--shard-iterator-type", "TRIM_HORIZON"}
	refused("AccessDeniedException", "alice", getIterator...)
	refused("AccessDeniedException", "alice", "delete-resource-policy", "--resource-arn", streamARN)
	ok("root", "delete-resource-policy", "--resource-arn", streamARN)
	it := ok("alice", getIterator...)["ShardIterator"].(string)
	records := ok("alice", "get-records", "--shard-iterator", it)["Records"].([]any)
	require.Len(t, records, 2)
	require.Equal(t, "c2VhbGVk", records[1].(map[string]any)["Data"], "decrypted on the way out")
	ok("alice", "stop-stream-encryption", "--stream-name", "cli", "--encryption-type", "KMS", "--key-id", "alias/aws/kinesis")
}
