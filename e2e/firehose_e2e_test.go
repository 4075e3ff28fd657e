package e2e

// End-to-end tests of delivery streams through eddy serve, driven with
// the AWS SDK for Go v2 firehose and kinesis clients: the eddy binary
// SIGKILLed mid-delivery (every Parquet row lands exactly once), and a
// delivery stream reading an Eddy stream across a shard split.

import (
	"bytes"
	"fmt"
	"github.com/aws/smithy-go/middleware"
	"github.com/eddy-streaming/eddy/internal/awsclient"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"
)

// firehoseTestConfig is the eddy serve configuration of the delivery
// tests: the "shop.orders" table, small Parquet buffers, quick retries.
const firehoseTestConfig = `firehose:
  small_parquet_buffers: true
  retry_base: 20ms
  retry_max: 200ms
  tables:
    shop.orders:
      - {name: id, type: bigint}
      - {name: customer, type: string}
      - {name: amount, type: "decimal(10,2)"}
      - {name: ts, type: timestamp}
      - {name: tags, type: "array<string>"}
`

// startFirehoseBinary starts the eddy binary (fsync always) over dir with
// firehoseTestConfig and returns it with a Firehose client.
func startFirehoseBinary(t *testing.T, bin, dir string) (*exec.Cmd, *fh.Client) {
	t.Helper()
	cfg := filepath.Join(dir, "eddy.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(firehoseTestConfig), 0o644))
	cmd, url := startBinary(t, bin, filepath.Join(dir, "data"), "--config", cfg)
	return cmd, firehoseClient(url)
}

func firehoseClient(url string) *fh.Client {
	return fh.New(fh.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Timeout: 30 * time.Second},
		APIOptions:       []func(*middleware.Stack) error{awsclient.RequestBodyWithoutWriteTo},
	})
}

// orderRow is one expected row of the Parquet files.
type orderRow struct {
	id       int64
	customer string
	amount   float64
	ts       time.Time
	tags     []string
}

func orderJSON(i int) (string, orderRow) {
	r := orderRow{id: int64(i), customer: fmt.Sprintf("c%d", i%4), amount: float64(i) + 0.25,
		ts: time.UnixMilli(1772874304000 + int64(i)).UTC(), tags: []string{"t", fmt.Sprint(i % 3)}}
	return fmt.Sprintf(`{"ID":%d,"Customer":%q,"amount":%d.25,"ts":%d,"tags":["t","%d"],"ignored":{"x":1}}`,
		i, r.customer, i, r.ts.UnixMilli(), i%3), r
}

func createOrdersStream(t *testing.T, c *fh.Client) {
	_, err := c.CreateDeliveryStream(ctx(t), &fh.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("orders"),
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
			BucketARN:                        aws.String("arn:aws:s3:::lake"),
			RoleARN:                          aws.String("arn:aws:iam::000000000000:role/firehose"),
			Prefix:                           aws.String("orders/customer=!{partitionKeyFromQuery:customer}/dt=!{timestamp:yyyy-MM-dd}/"),
			ErrorOutputPrefix:                aws.String("errors/!{firehose:error-output-type}/"),
			BufferingHints:                   &fhtypes.BufferingHints{IntervalInSeconds: aws.Int32(0), SizeInMBs: aws.Int32(1)},
			DynamicPartitioningConfiguration: &fhtypes.DynamicPartitioningConfiguration{Enabled: aws.Bool(true)},
			ProcessingConfiguration: &fhtypes.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []fhtypes.Processor{{
				Type: fhtypes.ProcessorTypeMetadataExtraction,
				Parameters: []fhtypes.ProcessorParameter{
					{ParameterName: fhtypes.ProcessorParameterNameMetadataExtractionQuery, ParameterValue: aws.String("{customer: .Customer}")},
					{ParameterName: fhtypes.ProcessorParameterNameJsonParsingEngine, ParameterValue: aws.String("JQ-1.6")},
				},
			}}},
			DataFormatConversionConfiguration: &fhtypes.DataFormatConversionConfiguration{
				Enabled:             aws.Bool(true),
				SchemaConfiguration: &fhtypes.SchemaConfiguration{DatabaseName: aws.String("shop"), TableName: aws.String("orders"), RoleARN: aws.String("arn:aws:iam::0:role/r")},
				InputFormatConfiguration: &fhtypes.InputFormatConfiguration{Deserializer: &fhtypes.Deserializer{
					HiveJsonSerDe: &fhtypes.HiveJsonSerDe{TimestampFormats: []string{"millis"}}}},
				OutputFormatConfiguration: &fhtypes.OutputFormatConfiguration{Serializer: &fhtypes.Serializer{
					ParquetSerDe: &fhtypes.ParquetSerDe{Compression: fhtypes.ParquetCompression("ZSTD")}}},
			},
		},
	})
	require.NoError(t, err)
}

// readOrderFiles reads every Parquet file of the lake, checking each file
// sits in its customer's partition.
func readOrderFiles(t *testing.T, root string) map[int64][]orderRow {
	rows := map[int64][]orderRow{}
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".parquet") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		require.Len(t, parts, 4, rel)
		require.Equal(t, "orders", parts[0])
		require.Regexp(t, `^dt=\d{4}-\d\d-\d\d$`, parts[2])
		require.Regexp(t, `^orders-1-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9a-f-]{36}\.parquet$`, parts[3])
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
		require.NoError(t, err)
		r := parquet.NewReader(f)
		defer r.Close()
		for {
			m := map[string]any{}
			if err := r.Read(&m); err != nil {
				break
			}
			row := orderRow{id: m["id"].(int64), customer: m["customer"].(string), amount: m["amount"].(float64)}
			switch ts := m["ts"].(type) {
			case time.Time:
				row.ts = ts.UTC()
			case int64:
				row.ts = time.UnixMilli(ts).UTC()
			}
			for _, tag := range m["tags"].([]any) {
				row.tags = append(row.tags, tag.(string))
			}
			require.Equal(t, "customer="+row.customer, parts[1])
			rows[row.id] = append(rows[row.id], row)
		}
		return nil
	})
	return rows
}

// TestFirehoseParquetKillAndRestart puts records into a delivery stream
// with dynamic partitioning and Parquet conversion, SIGKILLs eddy serve
// while it delivers, restarts it, and checks that every row lands exactly
// once with every value intact.
func TestFirehoseParquetKillAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the eddy binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	cmd, c := startFirehoseBinary(t, bin, dir)
	createOrdersStream(t, c)
	const total = 6000
	want := map[int64]orderRow{}
	lake := filepath.Join(dir, "data", "firehose", "buckets", "lake")
	killed := false
	for start := 0; start < total; start += 500 {
		var recs []fhtypes.Record
		for i := start; i < start+500; i++ {
			data, row := orderJSON(i)
			want[row.id] = row
			recs = append(recs, fhtypes.Record{Data: []byte(data)})
		}
		out, err := c.PutRecordBatch(ctx(t), &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("orders"), Records: recs})
		require.NoError(t, err)
		require.Zero(t, aws.ToInt32(out.FailedPutCount))
		if !killed && start >= total/2 {
			// Kill mid-delivery: some files are written, more are pending.
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			_ = cmd.Wait()
			t.Logf("killed with %d of %d acknowledged rows in files", len(readOrderFiles(t, lake)), start+500)
			killed = true
			cmd, c = startFirehoseBinary(t, bin, dir)
		}
	}
	var got map[int64][]orderRow
	deadline := time.Now().Add(60 * time.Second)
	for {
		got = readOrderFiles(t, lake)
		if len(got) == total || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.Len(t, got, total)
	for id, rows := range got {
		require.Len(t, rows, 1, "row %d delivered %d times", id, len(rows))
		w := want[id]
		g := rows[0]
		require.Equal(t, w.customer, g.customer)
		require.InDelta(t, w.amount, g.amount, 1e-9)
		require.Equal(t, w.ts, g.ts)
		require.Equal(t, w.tags, g.tags)
	}
	desc, err := c.DescribeDeliveryStream(ctx(t), &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("orders")})
	require.NoError(t, err)
	require.Equal(t, fhtypes.DeliveryStreamStatusActive, desc.DeliveryStreamDescription.DeliveryStreamStatus)
}

// TestFirehoseKinesisStreamAsSource delivers an Eddy stream from LATEST
// into the local data lake while one of its shards splits: records put
// before the delivery stream are left out, every later record lands once,
// and the records of a partition key keep their order across the split.
// The delivery stream's own storage stream stays out of ListStreams.
func TestFirehoseKinesisStreamAsSource(t *testing.T) {
	ts := startServer(t, "")
	ts.createStream(t, "clicks", 2)
	put := func(from, to int) {
		var recs []kinesistypes.PutRecordsRequestEntry
		for i := from; i < to; i++ {
			recs = append(recs, kinesistypes.PutRecordsRequestEntry{
				PartitionKey: aws.String(fmt.Sprintf("user-%d", i%7)), Data: fmt.Appendf(nil, "user-%d %d\n", i%7, i)})
		}
		out, err := ts.client.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("clicks"), Records: recs})
		require.NoError(t, err)
		require.Zero(t, aws.ToInt32(out.FailedRecordCount))
	}
	put(-20, 0) // before the delivery stream: not delivered

	c := firehoseClient(ts.url)
	_, err := c.CreateDeliveryStream(ctx(t), &fh.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("clicks-to-lake"),
		DeliveryStreamType: fhtypes.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration: &fhtypes.KinesisStreamSourceConfiguration{
			KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/clicks"),
			RoleARN:          aws.String("arn:aws:iam::000000000000:role/firehose"),
		},
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
			BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String("arn:aws:iam::000000000000:role/firehose"),
			Prefix:         aws.String("clicks/"),
			BufferingHints: &fhtypes.BufferingHints{IntervalInSeconds: aws.Int32(0), SizeInMBs: aws.Int32(1)},
		},
	})
	require.NoError(t, err)
	_, err = c.PutRecordBatch(ctx(t), &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("clicks-to-lake"),
		Records: []fhtypes.Record{{Data: []byte("x")}}})
	requireAPIError(t, err, "InvalidArgumentException", "")

	put(0, 200)
	_, err = ts.client.SplitShard(ctx(t), &kinesis.SplitShardInput{StreamName: aws.String("clicks"),
		ShardToSplit: aws.String(shardID(0)), NewStartingHashKey: aws.String("85070591730234615865843651857942052864")})
	require.NoError(t, err)
	ts.waitActive(t, "clicks")
	put(200, 400)

	lake := filepath.Join(ts.cfg.DataDir, "firehose", "buckets", "lake")
	var objects [][]string
	require.Eventually(t, func() bool {
		objects = nil
		n := 0
		_ = filepath.WalkDir(lake, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
				b, _ := os.ReadFile(path)
				lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
				objects = append(objects, lines)
				n += len(lines)
			}
			return nil
		})
		return n >= 400
	}, 30*time.Second, 20*time.Millisecond)
	seen := map[int]bool{}
	for _, lines := range objects {
		last := map[string]int{}
		for _, l := range lines {
			var user string
			var i int
			_, err := fmt.Sscanf(l, "%s %d", &user, &i)
			require.NoError(t, err, l)
			require.GreaterOrEqual(t, i, 0, "record put before the delivery stream was created")
			require.False(t, seen[i], "record %d delivered twice", i)
			seen[i] = true
			if prev, ok := last[user]; ok {
				require.Less(t, prev, i, "records of %s out of order", user)
			}
			last[user] = i
		}
	}
	require.Len(t, seen, 400)
	list, err := ts.client.ListStreams(ctx(t), &kinesis.ListStreamsInput{})
	require.NoError(t, err)
	require.Equal(t, []string{"clicks"}, list.StreamNames)
}
