package e2e

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// cliDescription is the part of `eddy stream describe --output json` the
// tests read.
type cliDescription struct {
	Name           string `json:"name"`
	Status         string `json:"status"`
	Mode           string `json:"mode"`
	RetentionHours int    `json:"retention_hours"`
	OpenShards     int    `json:"open_shard_count"`
	Shards         []struct {
		ID                   string `json:"shard_id"`
		Parent               string `json:"parent_shard_id"`
		AdjacentParent       string `json:"adjacent_parent_shard_id"`
		EndingSequenceNumber string `json:"ending_sequence_number"`
	} `json:"shards"`
}

func (c *cliRunner) describe(stream string) cliDescription {
	c.t.Helper()
	var d cliDescription
	out := c.ok("stream", "describe", "--stream", stream, "--output", "json")
	require.NoError(c.t, json.Unmarshal([]byte(out), &d), out)
	return d
}

// TestCLIStreamAdmin drives the stream, tags and consumer commands of the
// eddy binary against `eddy serve`: resharding, retention, monitoring,
// tags and consumers, with the exit status of each kind of failure.
func TestCLIStreamAdmin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the eddy binary")
	}
	bin := cliBuild(t)
	cli := &cliRunner{t: t, bin: bin, endpoint: cliServe(t, bin), home: t.TempDir()}
	fail := func(code int, want string, args ...string) {
		t := cli.t
		t.Helper()
		res := cli.run("", args...)
		require.Equal(t, code, res.code, "eddy %v: %s", args, res.stderr)
		require.Contains(t, res.stderr, want)
		lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
		require.True(t, strings.HasPrefix(lines[len(lines)-1], "eddy: "), "the error is the last line, after eddy: %q", res.stderr)
	}

	cli.ok("stream", "create", "--stream", "admin", "--shards", "2", "--tag", "team=web", "--wait")
	fail(4, "ResourceInUseException", "stream", "create", "--stream", "admin")

	t.Run("tags", func(t *testing.T) {
		cli.t = t
		require.Equal(t, "team=web\n", cli.ok("tags", "list", "--stream", "admin"))
		cli.ok("tags", "add", "--stream", "admin", "env=prod", "owner=", "team=data")
		var tags map[string]string
		require.NoError(t, json.Unmarshal([]byte(cli.ok("tags", "list", "--stream", "admin", "-o", "json")), &tags))
		require.Equal(t, map[string]string{"team": "data", "env": "prod", "owner": ""}, tags)
		cli.ok("tag", "remove", "--stream", "admin", "team", "owner")
		require.Equal(t, "env=prod\n", cli.ok("tags", "list", "--stream", "admin"))
		fail(2, "want KEY=VALUE", "tags", "add", "--stream", "admin", "novalue")
		fail(2, "requires at least 1 arg", "tags", "remove", "--stream", "admin")
		fail(3, "ResourceNotFoundException", "tags", "list", "--stream", "nope")
	})

	t.Run("retention", func(t *testing.T) {
		cli.t = t
		require.Equal(t, "24\n", cli.ok("stream", "retention", "--stream", "admin"))
		cli.ok("stream", "retention", "--stream", "admin", "--hours", "48")
		require.Equal(t, 48, cli.describe("admin").RetentionHours)
		cli.ok("stream", "retention", "--stream", "admin", "--hours", "30")
		require.Equal(t, "30\n", cli.ok("stream", "retention", "--stream", "admin"))
		fail(2, "--hours must be 24 to 8760", "stream", "retention", "--stream", "admin", "--hours", "10")
	})

	t.Run("monitoring", func(t *testing.T) {
		cli.t = t
		require.Empty(t, cli.ok("stream", "monitoring", "--stream", "admin"))
		require.Equal(t, "IncomingBytes\nIncomingRecords\n",
			cli.ok("stream", "monitoring", "--stream", "admin", "--enable", "incomingrecords,IncomingBytes"))
		require.Len(t, strings.Fields(cli.ok("stream", "monitoring", "--stream", "admin", "--enable", "ALL")), 7)
		require.Empty(t, cli.ok("stream", "monitoring", "--stream", "admin", "--disable", "ALL"))
		fail(2, `unknown metric "Latency"`, "stream", "monitoring", "--stream", "admin", "--enable", "Latency")
	})

	t.Run("split merge scale", func(t *testing.T) {
		cli.t = t
		children := cli.ok("stream", "split", "--stream", "admin", "--shard", "shardId-000000000000", "--wait")
		require.Equal(t, "shardId-000000000002\nshardId-000000000003\n", children)
		d := cli.describe("admin")
		require.Equal(t, "ACTIVE", d.Status)
		require.Equal(t, 3, d.OpenShards)
		require.Len(t, d.Shards, 4)
		require.Equal(t, "shardId-000000000000", d.Shards[2].Parent)

		merged := cli.ok("stream", "merge", "--stream", "admin",
			"--shard", "shardId-000000000002", "--adjacent-shard", "shardId-000000000003", "--wait")
		require.Equal(t, "shardId-000000000004\n", merged)
		d = cli.describe("admin")
		require.Equal(t, 2, d.OpenShards)
		require.Equal(t, "shardId-000000000003", d.Shards[4].AdjacentParent)

		fail(3, "stream admin has no shard shardId-000000000042", "stream", "split", "--stream", "admin", "--shard", "shardId-000000000042")
		fail(1, "InvalidArgumentException", "stream", "split", "--stream", "admin", "--shard", "shardId-000000000000",
			"--hash-key", "100")
		fail(2, "--shard and --adjacent-shard are required", "stream", "merge", "--stream", "admin", "--shard", "shardId-000000000001")

		cli.ok("stream", "scale", "--stream", "admin", "--shards", "4", "--wait")
		require.Equal(t, 4, cli.describe("admin").OpenShards)
		fail(2, "exactly one of", "stream", "scale", "--stream", "admin")
		fail(2, "exactly one of", "stream", "scale", "--stream", "admin", "--shards", "2", "--on-demand")
		cli.ok("stream", "scale", "--stream", "admin", "--on-demand", "--wait")
		require.Equal(t, "ON_DEMAND", cli.describe("admin").Mode)
		cli.ok("stream", "scale", "--stream", "admin", "--provisioned", "--wait")
		require.Equal(t, "PROVISIONED", cli.describe("admin").Mode)
	})

	t.Run("consumers", func(t *testing.T) {
		cli.t = t
		arn := strings.TrimSpace(cli.ok("consumer", "register", "--stream", "admin", "--name", "billing", "--wait"))
		require.Regexp(t, `^arn:aws:kinesis:[^:]+:\d+:stream/admin/consumer/billing:\d+$`, arn)
		fail(4, "ResourceInUseException", "consumer", "register", "--stream", "admin", "--name", "billing")
		cli.ok("consumers", "register", "--stream", "admin", "--name", "audit")

		table := cli.ok("consumer", "list", "--stream", "admin")
		require.Regexp(t, `(?m)^NAME\s+STATUS\s+CREATED\s+ARN$`, table)
		require.Regexp(t, `(?m)^billing\s+ACTIVE\s+\S+\s+`+arn+`$`, table)
		var list []struct{ Name, Status, ARN string }
		require.NoError(t, json.Unmarshal([]byte(cli.ok("consumer", "list", "--stream", "admin", "-o", "json")), &list))
		require.Len(t, list, 2)

		var described struct {
			Name      string `json:"name"`
			ARN       string `json:"arn"`
			Status    string `json:"status"`
			StreamARN string `json:"stream_arn"`
		}
		out := cli.ok("consumer", "describe", "--stream", "admin", "--name", "billing", "-o", "json")
		require.NoError(t, json.Unmarshal([]byte(out), &described))
		require.Equal(t, "billing", described.Name)
		require.Equal(t, arn, described.ARN)
		require.Equal(t, "ACTIVE", described.Status)
		require.True(t, strings.HasSuffix(described.StreamARN, ":stream/admin"))
		require.Contains(t, cli.ok("consumer", "describe", "--arn", arn), "billing")

		cli.ok("consumer", "deregister", "--arn", arn, "--wait")
		fail(3, "ResourceNotFoundException", "consumer", "describe", "--stream", "admin", "--name", "billing")
		fail(3, "ResourceNotFoundException", "consumer", "deregister", "--stream", "admin", "--name", "billing")
		fail(2, "--arn names the consumer by itself", "consumer", "describe", "--arn", arn, "--name", "billing")
		fail(2, "--name is required", "consumer", "register", "--stream", "admin")
		fail(4, "ResourceInUseException", "stream", "delete", "--stream", "admin")
		cli.ok("stream", "delete", "--stream", "admin", "--enforce-consumer-deletion", "--wait")
		fail(3, "ResourceNotFoundException", "stream", "describe", "--stream", "admin")
	})

	t.Run("exit codes", func(t *testing.T) {
		cli.t = t
		nowhere := &cliRunner{t: t, bin: bin, endpoint: "http://127.0.0.1:1", home: t.TempDir()}
		res := nowhere.run("", "stream", "list")
		require.Equal(t, 5, res.code, res.stderr)
		require.Contains(t, res.stderr, "cannot reach the endpoint")

		fail(2, `no profile "nope"`, "stream", "list", "--profile", "nope")
		res = (&cliRunner{t: t, bin: bin, endpoint: "localhost:4567", home: t.TempDir()}).run("", "stream", "list")
		require.Equal(t, 2, res.code, res.stderr)
		require.Contains(t, res.stderr, "invalid --endpoint")
		typo := exec.Command(bin, "strem", "list")
		stderr, err := typo.CombinedOutput()
		require.Equal(t, 2, typo.ProcessState.ExitCode(), "%v", err)
		require.Equal(t, "eddy: unknown command \"strem\" for \"eddy\"; did you mean stream?\n", string(stderr))
		fail(2, `unknown command "lst" for "eddy stream"`, "stream", "lst")
		fail(2, "missing subcommand", "stream")
		fail(6, "wait for stream", "stream", "create", "--stream", "slow", "--wait", "--timeout", "1ns")

		// Global flags may come before the command, as with aws.
		cmd := exec.Command(bin, "--endpoint", cli.endpoint, "stream", "list")
		cmd.Env = []string{"HOME=" + cli.home}
		out, err := cmd.Output()
		require.NoError(t, err)
		require.Equal(t, "slow\n", string(out))
	})

	t.Run("help", func(t *testing.T) {
		cli.t = t
		for _, command := range [][]string{
			{"stream", "create"}, {"stream", "list"}, {"stream", "describe"}, {"stream", "delete"},
			{"stream", "split"}, {"stream", "merge"}, {"stream", "scale"}, {"stream", "retention"}, {"stream", "monitoring"},
			{"consumer", "register"}, {"consumer", "list"}, {"consumer", "describe"}, {"consumer", "deregister"},
			{"tags", "add"}, {"tags", "list"}, {"tags", "remove"},
			{"stream"}, {"consumer"}, {"tags"}, {"put"}, {"tail"}, {"stats"}, {"bench"},
		} {
			out, err := exec.Command(bin, append(command, "--help")...).Output()
			require.NoError(t, err, "eddy %v --help", command)
			help := string(out)
			_, examples, ok := strings.Cut(help, "Examples:\n")
			require.True(t, ok, "eddy %v --help has examples", command)
			examples, _, _ = strings.Cut(examples, "\n\n")
			require.Contains(t, examples, "eddy "+strings.Join(command, " "), "eddy %v --help", command)
			for _, flag := range []string{"--endpoint", "--region", "--profile"} {
				if len(command) > 1 || command[0] == "put" || command[0] == "tail" || command[0] == "stats" || command[0] == "bench" {
					require.Contains(t, help, flag, "eddy %v --help", command)
				}
			}
		}
	})
}
