package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// cliRecord is one line of `eddy tail --output json`.
type cliRecord struct {
	Shard             string `json:"shard"`
	SequenceNumber    string `json:"sequence_number"`
	SubSequenceNumber *int   `json:"sub_sequence_number"`
	PartitionKey      string `json:"partition_key"`
	ArrivalTime       string `json:"arrival_time"`
	Data              string `json:"data"`
	Encoding          string `json:"encoding"`
}

// tailJSON runs eddy tail --output json with args and decodes its lines.
func (c *cliRunner) tailJSON(args ...string) []cliRecord {
	c.t.Helper()
	out := c.ok(append([]string{"tail", "--output", "json"}, args...)...)
	var records []cliRecord
	for line := range strings.Lines(out) {
		var r cliRecord
		require.NoError(c.t, json.Unmarshal([]byte(line), &r), line)
		records = append(records, r)
	}
	return records
}

// cliData returns the data of records.
func cliData(records []cliRecord) []string {
	var data []string
	for _, r := range records {
		data = append(data, r.Data)
	}
	return data
}

// numberedLines returns n lines "prefix-0", "prefix-1", ...
func numberedLines(prefix string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("%s-%d", prefix, i))
	}
	return out
}

// TestCLITail drives eddy tail against `eddy serve`: every --from form,
// --until, --shard, the output formats, KPL aggregated records, and a
// stream split and merged while records flow.
func TestCLITail(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the eddy binary")
	}
	bin := cliBuild(t)
	cli := &cliRunner{t: t, bin: bin, endpoint: cliServe(t, bin), home: t.TempDir()}
	put := func(stream string, data []string, flags ...string) {
		t := cli.t
		t.Helper()
		res := cli.run(strings.Join(data, "\n")+"\n", append([]string{"put", "--stream", stream}, flags...)...)
		require.Equal(t, 0, res.code, res.stderr)
	}

	t.Run("positions", func(t *testing.T) {
		cli.t = t
		cli.ok("stream", "create", "--stream", "pos", "--shards", "2", "--wait")
		first, second := numberedLines("first", 6), numberedLines("second", 6)
		put("pos", first)
		time.Sleep(20 * time.Millisecond) // arrival times are in milliseconds
		put("pos", second)

		all := cli.tailJSON("--stream", "pos", "--from", "trim-horizon", "-n", "12")
		require.ElementsMatch(t, append(slices.Clone(first), second...), cliData(all))
		var secondStart time.Time
		var target cliRecord
		for _, r := range all {
			at, err := time.Parse(time.RFC3339Nano, r.ArrivalTime)
			require.NoError(t, err)
			if strings.HasPrefix(r.Data, "second-") && (secondStart.IsZero() || at.Before(secondStart)) {
				secondStart = at // each shard has its own PutRecords call
			}
			if r.Data == "second-3" {
				target = r
			}
		}

		from := secondStart.Format(time.RFC3339Nano)
		require.ElementsMatch(t, second, cliData(cli.tailJSON("--stream", "pos", "--from", from, "-n", "6")))
		require.ElementsMatch(t, first, cliData(cli.tailJSON("--stream", "pos", "--from", "trim-horizon", "--until", from)),
			"--until ends at the first record that arrived at that time")
		res := cli.run("", "tail", "--stream", "pos", "--from", "trim-horizon", "--until", from, "-n", "7")
		require.Equal(t, 6, res.code, "--until before --count: %s", res.stderr)
		require.Contains(t, res.stderr, "after 6 of 7 records")
		require.Len(t, strings.Split(strings.TrimSpace(res.stdout), "\n"), 6)
		require.ElementsMatch(t, all, cli.tailJSON("--stream", "pos", "--from", "-1h", "--until", "200ms"))

		// A sequence number: its shard from that record, found without
		// --shard, or given it.
		got := cli.tailJSON("--stream", "pos", "--from", target.SequenceNumber, "-n", "1")
		require.Equal(t, []cliRecord{target}, got)
		got = cli.tailJSON("--stream", "pos", "--shard", target.Shard, "--from", target.SequenceNumber, "--until", "200ms")
		require.Equal(t, target, got[0])
		for _, r := range got {
			require.Equal(t, target.Shard, r.Shard)
		}
		res = cli.run("", "tail", "--stream", "pos", "--from", "12345", "-n", "1")
		require.Equal(t, 3, res.code, res.stderr)
		require.Contains(t, res.stderr, "no shard of stream pos holds sequence number 12345")

		// --shard reads only that shard.
		only := cli.tailJSON("--stream", "pos", "--shard", "shardId-000000000001", "--from", "trim-horizon", "--until", "200ms")
		require.NotEmpty(t, only)
		for _, r := range only {
			require.Equal(t, "shardId-000000000001", r.Shard)
		}
		res = cli.run("", "tail", "--stream", "pos", "--shard", "shardId-000000000009")
		require.Equal(t, 3, res.code, res.stderr)

		// Raw output is the data alone; text output is a line each.
		raw := cli.ok("tail", "--stream", "pos", "--shard", target.Shard, "--from", target.SequenceNumber, "-n", "1", "-o", "raw")
		require.Equal(t, "second-3", raw)
		text := cli.ok("tail", "--stream", "pos", "--from", "trim-horizon", "-n", "12")
		require.ElementsMatch(t, cliData(all), strings.Split(strings.TrimSuffix(text, "\n"), "\n"))

		// From latest: only records put after the start.
		tail := cli.start(strings.NewReader(""), "tail", "--stream", "pos", "-n", "3")
		for i := 0; !tail.exited(); i++ {
			require.Less(t, i, 500, "tail --from latest never saw 3 records")
			put("pos", []string{fmt.Sprintf("live-%d", i)})
			time.Sleep(10 * time.Millisecond)
		}
		res = tail.wait()
		require.Equal(t, 0, res.code, res.stderr)
		live := strings.Split(strings.TrimSpace(res.stdout), "\n")
		require.Len(t, live, 3)
		for _, l := range live {
			require.True(t, strings.HasPrefix(l, "live-"), l)
		}

		for _, bad := range [][]string{
			{"--from", "yesterday"}, {"--from", "2999-01-01T00:00:00Z"}, {"--until", "-5s"}, {"-o", "yaml"}, {"-n", "-1"},
		} {
			res := cli.run("", append([]string{"tail", "--stream", "pos"}, bad...)...)
			require.Equal(t, 2, res.code, "%v: %s", bad, res.stderr)
		}
		cli.ok("stream", "delete", "--stream", "pos")
	})

	t.Run("aggregated records", func(t *testing.T) {
		cli.t = t
		cli.ok("stream", "create", "--stream", "agg", "--shards", "2", "--wait")
		var input []string
		for i := range 600 {
			input = append(input, fmt.Sprintf(`{"user":"u%d","n":%d}`, i%7, i))
		}
		res := cli.run(strings.Join(input, "\n"), "put", "--stream", "agg", "--key-field", "user", "--aggregate", "--ordered")
		require.Equal(t, 0, res.code, res.stderr)
		require.Regexp(t, `600 records, \d+ bytes to stream agg in \S+ \(in \d+ Kinesis records\)`, res.stderr)

		got := cli.tailJSON("--stream", "agg", "--from", "trim-horizon", "-n", "600")
		require.ElementsMatch(t, input, cliData(got))
		perKey := map[string][]int{}
		for _, r := range got {
			var v struct {
				User string
				N    int
			}
			require.NoError(t, json.Unmarshal([]byte(r.Data), &v))
			require.Equal(t, v.User, r.PartitionKey, "the user record's own partition key")
			require.NotNil(t, r.SubSequenceNumber, "aggregated records have a sub-sequence number")
			perKey[v.User] = append(perKey[v.User], v.N)
		}
		for key, ns := range perKey {
			require.True(t, slices.IsSorted(ns), "key %s out of order: %v", key, ns)
		}

		kinesis := cli.tailJSON("--stream", "agg", "--from", "trim-horizon", "--no-deaggregate", "--until", "200ms")
		require.Less(t, len(kinesis), 100, "a few Kinesis records hold the 600 user records")
		for _, r := range kinesis {
			require.Equal(t, "base64", r.Encoding, "the KPL magic number is not UTF-8")
			require.True(t, strings.HasPrefix(r.Data, "84mawg"), "F3 89 9A C2 in base64: %s", r.Data)
			require.Nil(t, r.SubSequenceNumber)
		}
		cli.ok("stream", "delete", "--stream", "agg")
	})

	t.Run("across a split and a merge", func(t *testing.T) {
		cli.t = t
		cli.ok("stream", "create", "--stream", "resharded", "--shards", "1", "--wait")
		// One partition key, so the order of all records is one order.
		before := numberedLines("before", 50)
		put("resharded", before, "--key", "k", "--aggregate")
		require.Equal(t, "shardId-000000000001\nshardId-000000000002\n",
			cli.ok("stream", "split", "--stream", "resharded", "--shard", "shardId-000000000000", "--wait"))
		after := numberedLines("after", 50)
		put("resharded", after, "--key", "k", "--aggregate")
		cli.ok("stream", "merge", "--stream", "resharded",
			"--shard", "shardId-000000000001", "--adjacent-shard", "shardId-000000000002", "--wait")
		merged := numberedLines("merged", 50)
		put("resharded", merged, "--key", "k")

		want := slices.Concat(before, after, merged)
		out := cli.ok("tail", "--stream", "resharded", "--from", "trim-horizon", "-n", "150")
		require.Equal(t, want, strings.Split(strings.TrimSpace(out), "\n"), "parents are read before their children")
		got := cli.tailJSON("--stream", "resharded", "--from", "trim-horizon", "-n", "150")
		require.Equal(t, "shardId-000000000000", got[0].Shard)
		require.Equal(t, "shardId-000000000003", got[149].Shard)

		// A tail started before a split follows the children. It starts
		// from now rather than latest, so that it misses nothing if it is
		// slow to start.
		time.Sleep(5 * time.Millisecond)
		now := time.Now().Format(time.RFC3339Nano)
		tail := cli.start(strings.NewReader(""), "tail", "--stream", "resharded", "--from", now, "-n", "100")
		time.Sleep(200 * time.Millisecond) // most often, it reads the parent before the split
		cli.ok("stream", "split", "--stream", "resharded", "--shard", "shardId-000000000003", "--wait")
		live := numberedLines("live", 100)
		put("resharded", live, "--key", "k")
		res := tail.wait()
		require.Equal(t, 0, res.code, res.stderr)
		require.Equal(t, live, strings.Split(strings.TrimSpace(res.stdout), "\n"))
	})
}
