package producer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/stretchr/testify/require"
)

// aggPackage is the npm package the aggregation format is tested against.
const aggPackage = "aws-kinesis-agg@4.2.8"

// aggScript aggregates (argv[2] == "aggregate") or deaggregates records
// with aws-kinesis-agg, as JSON on stdin and stdout, data in base64.
const aggScript = `
const agg = require('aws-kinesis-agg');
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
if (process.argv[2] === 'aggregate') {
  const out = [];
  agg.aggregate(
    input.map(r => ({partitionKey: r.partitionKey, explicitHashKey: r.explicitHashKey || undefined, data: Buffer.from(r.data, 'base64')})),
    (encoded, done) => { out.push({partitionKey: encoded.partitionKey, data: encoded.data.toString('base64')}); done(); },
    () => process.stdout.write(JSON.stringify(out)),
    err => { console.error(String(err)); process.exit(1); });
} else {
  const out = [];
  for (const r of input) {
    agg.deaggregateSync({partitionKey: r.partitionKey, data: r.data, sequenceNumber: r.sequenceNumber}, true, (err, users) => {
      if (err) { console.error(String(err)); process.exit(1); }
      for (const u of users) {
        out.push({partitionKey: u.partitionKey, explicitHashKey: u.explicitPartitionKey || '', data: u.data,
          sequenceNumber: u.sequenceNumber, subSequenceNumber: u.subSequenceNumber || 0});
      }
    });
  }
  process.stdout.write(JSON.stringify(out));
}
`

// jsRecord is a record as aggScript reads and writes it.
type jsRecord struct {
	PartitionKey      string `json:"partitionKey"`
	ExplicitHashKey   string `json:"explicitHashKey,omitempty"`
	Data              []byte `json:"data"` // base64 in JSON
	SequenceNumber    string `json:"sequenceNumber,omitempty"`
	SubSequenceNumber int    `json:"subSequenceNumber,omitempty"`
}

// nodeAgg runs aggScript with mode on in, from a directory where
// aws-kinesis-agg is installed (once per machine, in the user's cache
// directory). It skips the test when node or npm is missing or the
// package cannot be installed.
func nodeAgg(t *testing.T, mode string, in []jsRecord) []jsRecord {
	t.Helper()
	out, stderr, err := runNodeAgg(t, mode, in)
	require.NoError(t, err, "node: %s", stderr)
	return out
}

func runNodeAgg(t *testing.T, mode string, in []jsRecord) ([]jsRecord, string, error) {
	t.Helper()
	dir := installAggPackage(t)
	script := filepath.Join(t.TempDir(), "agg.js")
	require.NoError(t, os.WriteFile(script, []byte(aggScript), 0o644))
	input, err := json.Marshal(in)
	require.NoError(t, err)
	cmd := exec.Command("node", script, mode)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	output, err := cmd.Output()
	if err != nil {
		return nil, stderr.String(), err
	}
	var out []jsRecord
	require.NoError(t, json.Unmarshal(output, &out))
	return out, stderr.String(), nil
}

func installAggPackage(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("skipping the aws-kinesis-agg interoperability test: %s is not installed", tool)
		}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "eddy-test", strings.ReplaceAll(aggPackage, "@", "-"))
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "aws-kinesis-agg", "package.json")); err == nil {
		return dir
	}
	// Install into a temporary directory, then move it into place.
	require.NoError(t, os.MkdirAll(filepath.Dir(dir), 0o755))
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "install-")
	require.NoError(t, err)
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix", tmp, aggPackage)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("skipping the aws-kinesis-agg interoperability test: npm install %s failed: %v\n%s", aggPackage, err, out)
	}
	if err := os.Rename(tmp, dir); err != nil && !os.IsExist(err) {
		if _, statErr := os.Stat(dir); statErr != nil { // not installed by another test process
			require.NoError(t, err)
		}
	}
	return dir
}

// interopRecords are user records that exercise the format: repeated and
// Unicode keys, explicit hash keys, binary and empty data.
func interopRecords() []Record {
	var records []Record
	for i := range 300 {
		r := Record{PartitionKey: fmt.Sprintf("key-%d", i%17), Data: fmt.Appendf(nil, "record %d", i)}
		switch i % 10 {
		case 3:
			r.PartitionKey = "ключ-ü-" + fmt.Sprint(i%3)
		case 5:
			r.ExplicitHashKey = fmt.Sprint(uint64(i) * 1_000_000_007)
		case 7:
			r.Data = []byte{0, 0xff, 0xf3, 0x89, 0x9a, 0xc2, byte(i)}
		case 9:
			r.Data = bytes.Repeat([]byte("x"), 2000+i)
		}
		records = append(records, r)
	}
	records[0].Data = []byte{}
	return records
}

func toJS(records []Record) []jsRecord {
	out := make([]jsRecord, len(records))
	for i, r := range records {
		out[i] = jsRecord{PartitionKey: r.PartitionKey, ExplicitHashKey: r.ExplicitHashKey, Data: r.Data}
	}
	return out
}

func requireSameRecords(t *testing.T, want []Record, got []UserRecord) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		require.Equal(t, want[i].PartitionKey, got[i].PartitionKey, "record %d", i)
		require.Equal(t, want[i].ExplicitHashKey, got[i].ExplicitHashKey, "record %d", i)
		require.Equal(t, string(want[i].Data), string(got[i].Data), "record %d", i)
	}
}

// TestInteropAwsKinesisAgg checks both ways that records aggregated by
// aws-kinesis-agg are deaggregated by Deaggregate, and that records this
// package aggregates are deaggregated by aws-kinesis-agg, directly and
// through a server.
func TestInteropAwsKinesisAgg(t *testing.T) {
	records := interopRecords()

	t.Run("theirs to ours", func(t *testing.T) {
		encoded := nodeAgg(t, "aggregate", toJS(records))
		require.Len(t, encoded, 1)
		users, err := Deaggregate(encoded[0].Data)
		require.NoError(t, err)
		requireSameRecords(t, records, users)

		// Through the server: put their aggregated record, read it back.
		ts := startServer(t)
		ts.createStream(t, "s", 1)
		_, err = ts.client.PutRecord(testContext(t), &kinesis.PutRecordInput{
			StreamName: aws.String("s"), PartitionKey: aws.String(encoded[0].PartitionKey), Data: encoded[0].Data,
		})
		require.NoError(t, err)
		var read []UserRecord
		for _, r := range ts.readUserRecords(t, "s") {
			read = append(read, r.UserRecord)
		}
		requireSameRecords(t, records, read)
	})

	// aws-kinesis-agg reads an absent explicit_hash_key_index as 0 (the
	// protobufjs default), so it reports the first explicit hash key of
	// the table for user records that have none, its own included. The KCL
	// checks for the field. Such records are compared without it.
	theirHashKey := func(want Record, got string) string {
		if want.ExplicitHashKey == "" {
			return ""
		}
		return got
	}

	t.Run("ours to theirs", func(t *testing.T) {
		out := nodeAgg(t, "deaggregate", []jsRecord{{PartitionKey: "p", Data: Aggregate(records), SequenceNumber: "1"}})
		got := make([]UserRecord, len(out))
		for i, u := range out {
			got[i] = UserRecord{PartitionKey: u.PartitionKey, ExplicitHashKey: theirHashKey(records[i], u.ExplicitHashKey), Data: u.Data}
			require.Equal(t, i, u.SubSequenceNumber)
		}
		requireSameRecords(t, records, got)

		// Through the server: the producer aggregates into 2 shards;
		// aws-kinesis-agg deaggregates what GetRecords returns.
		ts := startServer(t)
		ts.createStream(t, "s", 2)
		p, err := New(ts.producerClient(nil), "s", Options{Aggregate: true, MaxAggregatedBytes: 4000, Linger: time.Hour}) // Close sends
		require.NoError(t, err)
		for _, r := range records {
			require.NoError(t, p.PutRecord(testContext(t), r))
		}
		require.NoError(t, p.Close(testContext(t)))
		var kinesisRecords []jsRecord
		for _, sr := range ts.readStream(t, "s") {
			for _, r := range sr.records {
				kinesisRecords = append(kinesisRecords, jsRecord{PartitionKey: *r.PartitionKey, Data: r.Data, SequenceNumber: *r.SequenceNumber})
			}
		}
		require.Less(t, len(kinesisRecords), len(records)/5, "records were aggregated")
		users := nodeAgg(t, "deaggregate", kinesisRecords)
		// Records of one partition key and explicit hash key are in order.
		want, gotByKey := map[string][]string{}, map[string][]string{}
		for _, r := range records {
			key := r.PartitionKey + "/" + r.ExplicitHashKey
			want[key] = append(want[key], string(r.Data))
		}
		for _, u := range users {
			ehk := u.ExplicitHashKey
			if !bytes.HasPrefix(u.Data, []byte("record ")) || !strings.HasSuffix(string(u.Data), "5") {
				ehk = "" // only records i%10 == 5 have one
			}
			key := u.PartitionKey + "/" + ehk
			gotByKey[key] = append(gotByKey[key], string(u.Data))
		}
		require.Equal(t, want, gotByKey)
	})

	t.Run("both reject a bad checksum", func(t *testing.T) {
		data := Aggregate(records[:5])
		data[len(data)-1] ^= 1
		_, stderr, err := runNodeAgg(t, "deaggregate", []jsRecord{{PartitionKey: "p", Data: data, SequenceNumber: "1"}})
		require.Error(t, err)
		require.Contains(t, stderr, "Invalid record checksum")
		_, err = Deaggregate(data)
		require.ErrorIs(t, err, ErrCorruptAggregate)
		require.Equal(t, []UserRecord{{PartitionKey: "p", Data: data, SequenceNumber: "1"}},
			DeaggregateRecords([]types.Record{{PartitionKey: aws.String("p"), Data: data, SequenceNumber: aws.String("1")}}))
	})
}
