package e2e

// End-to-end tests of delivery streams, driven with the AWS SDK for Go v2
// firehose client. Until eddy serve mounts the Firehose API, they run the
// delivery service in a child process of their own (storage engine,
// firehose.Service, HTTP on loopback), which is what the server will
// compose; TestFirehoseThroughEddyServe runs against eddy serve itself
// once it answers Firehose_20150804 calls.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
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
	"github.com/aws/smithy-go"
	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/firehose"
	"github.com/eddy-streaming/eddy/internal/storage"
)

// firehoseChildEnv names the data directory of a child delivery server.
const firehoseChildEnv = "EDDY_E2E_FIREHOSE_CHILD_DIR"

// TestFirehoseChildServer is not a test: run by a parent test with
// firehoseChildEnv set, it serves the Firehose API over a store in that
// directory (fsync always) until killed, printing its URL first.
func TestFirehoseChildServer(t *testing.T) {
	dir := os.Getenv(firehoseChildEnv)
	if dir == "" {
		t.Skip("helper process for the firehose end-to-end tests")
	}
	st, err := storage.Open(storage.Options{Dir: filepath.Join(dir, "data")})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	svc, err := firehose.New(st, firehose.Options{
		BucketDir: filepath.Join(dir, "buckets"), SmallParquetBuffers: true,
		RetryBase: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond,
		Tables: map[string][]firehose.SchemaColumn{"shop.orders": {
			{Name: "id", Type: "bigint"}, {Name: "customer", Type: "string"}, {Name: "amount", Type: "decimal(10,2)"},
			{Name: "ts", Type: "timestamp"}, {Name: "tags", Type: "array<string>"}}},
	})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("listening http://" + ln.Addr().String())
	_ = http.Serve(ln, svc)
}

// startFirehoseChild starts a child delivery server over dir.
func startFirehoseChild(t *testing.T, dir string) (*exec.Cmd, *fh.Client) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFirehoseChildServer$", "-test.v=false")
	cmd.Env = append(os.Environ(), firehoseChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	require.True(t, ok, line)
	return cmd, firehoseClient(url)
}

func firehoseClient(url string) *fh.Client {
	return fh.New(fh.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Timeout: 30 * time.Second},
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
// with dynamic partitioning and Parquet conversion, SIGKILLs the server
// while it delivers, restarts it, and checks that every row lands exactly
// once with every value intact.
func TestFirehoseParquetKillAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	cmd, c := startFirehoseChild(t, dir)
	createOrdersStream(t, c)
	const total = 6000
	want := map[int64]orderRow{}
	lake := filepath.Join(dir, "buckets", "lake")
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
			cmd, c = startFirehoseChild(t, dir)
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

// TestFirehoseThroughEddyServe checks the API through eddy serve itself,
// once the server mounts it.
func TestFirehoseThroughEddyServe(t *testing.T) {
	ts := startServer(t, "")
	c := firehoseClient(ts.url)
	_, err := c.ListDeliveryStreams(context.Background(), &fh.ListDeliveryStreamsInput{})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "UnknownOperationException" {
		t.Skip("eddy serve does not mount the Firehose_20150804 API yet")
	}
	require.NoError(t, err)
	_, err = c.CreateDeliveryStream(ctx(t), &fh.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("e2e"),
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
			BucketARN: aws.String("arn:aws:s3:::e2e-lake"), RoleARN: aws.String("arn:aws:iam::0:role/r"),
		},
	})
	require.NoError(t, err)
	out, err := c.PutRecordBatch(ctx(t), &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("e2e"),
		Records: []fhtypes.Record{{Data: []byte("a\n")}, {Data: []byte("b\n")}}})
	require.NoError(t, err)
	require.Zero(t, aws.ToInt32(out.FailedPutCount))
	list, err := c.ListDeliveryStreams(ctx(t), &fh.ListDeliveryStreamsInput{})
	require.NoError(t, err)
	require.Equal(t, []string{"e2e"}, list.DeliveryStreamNames)
	_, err = c.DeleteDeliveryStream(ctx(t), &fh.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("e2e")})
	require.NoError(t, err)
}
