package e2e

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestAWSCLI drives the server with the AWS CLI: create, put,
// get-shard-iterator, get-records, delete.
func TestAWSCLI(t *testing.T) {
	awsPath, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the AWS CLI is not installed")
	}
	ts := startServer(t, "")
	home := t.TempDir()
	run := func(args ...string) map[string]any {
		t.Helper()
		cmd := exec.Command(awsPath, append([]string{"--endpoint-url", ts.url, "--region", "us-east-1", "--output", "json", "kinesis"}, args...)...)
		cmd.Env = append(os.Environ(),
			"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret", "AWS_SESSION_TOKEN=",
			"AWS_CONFIG_FILE="+home+"/config", "AWS_SHARED_CREDENTIALS_FILE="+home+"/credentials", "AWS_PAGER=", "HOME="+home)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "aws %s: %s", strings.Join(args, " "), out)
		var m map[string]any
		if len(strings.TrimSpace(string(out))) > 0 {
			require.NoError(t, json.Unmarshal(out, &m), string(out))
		}
		return m
	}
	version, err := exec.Command(awsPath, "--version").CombinedOutput()
	require.NoError(t, err)
	// CLI v1 base64-encodes --data itself; v2 expects base64.
	data := "hello from the aws cli"
	if strings.HasPrefix(string(version), "aws-cli/2") {
		data = base64.StdEncoding.EncodeToString([]byte(data))
	}

	run("create-stream", "--stream-name", "cli", "--shard-count", "1")
	require.Eventually(t, func() bool {
		out := run("describe-stream-summary", "--stream-name", "cli")
		return out["StreamDescriptionSummary"].(map[string]any)["StreamStatus"] == "ACTIVE"
	}, 10*time.Second, 50*time.Millisecond)

	put := run("put-record", "--stream-name", "cli", "--partition-key", "k", "--data", data)
	require.Equal(t, "shardId-000000000000", put["ShardId"])

	it := run("get-shard-iterator", "--stream-name", "cli", "--shard-id", "shardId-000000000000", "--shard-iterator-type", "TRIM_HORIZON")
	recs := run("get-records", "--shard-iterator", it["ShardIterator"].(string))
	records := recs["Records"].([]any)
	require.Len(t, records, 1)
	rec := records[0].(map[string]any)
	got, err := base64.StdEncoding.DecodeString(rec["Data"].(string))
	require.NoError(t, err)
	require.Equal(t, "hello from the aws cli", string(got))
	require.Equal(t, put["SequenceNumber"], rec["SequenceNumber"])

	// Resharding, consumers and settings.
	waitActive := func() {
		require.Eventually(t, func() bool {
			out := run("describe-stream-summary", "--stream-name", "cli")
			return out["StreamDescriptionSummary"].(map[string]any)["StreamStatus"] == "ACTIVE"
		}, 10*time.Second, 50*time.Millisecond)
	}
	run("split-shard", "--stream-name", "cli", "--shard-to-split", "shardId-000000000000",
		"--new-starting-hash-key", "170141183460469231731687303715884105728")
	waitActive()
	run("merge-shards", "--stream-name", "cli", "--shard-to-merge", "shardId-000000000001",
		"--adjacent-shard-to-merge", "shardId-000000000002")
	waitActive()
	up := run("update-shard-count", "--stream-name", "cli", "--target-shard-count", "2", "--scaling-type", "UNIFORM_SCALING")
	require.Equal(t, float64(2), up["TargetShardCount"])
	waitActive()
	shards := run("list-shards", "--stream-name", "cli", "--shard-filter", "Type=AT_LATEST")["Shards"].([]any)
	require.Len(t, shards, 2)
	arn := "arn:aws:kinesis:us-east-1:000000000000:stream/cli"
	consumer := run("register-stream-consumer", "--stream-arn", arn, "--consumer-name", "app")["Consumer"].(map[string]any)
	require.Equal(t, "app", consumer["ConsumerName"])
	require.Len(t, run("list-stream-consumers", "--stream-arn", arn)["Consumers"].([]any), 1)
	mon := run("enable-enhanced-monitoring", "--stream-name", "cli", "--shard-level-metrics", "ALL")
	require.Len(t, mon["DesiredShardLevelMetrics"].([]any), 7)
	require.Contains(t, run("describe-limits"), "ShardLimit")

	run("delete-stream", "--stream-name", "cli", "--enforce-consumer-deletion")
	require.Eventually(t, func() bool {
		for _, name := range run("list-streams")["StreamNames"].([]any) {
			if name == "cli" {
				return false
			}
		}
		return true
	}, 10*time.Second, 50*time.Millisecond)
}
