package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// ordersYAML is a delivery stream in the YAML form of `eddy firehose
// create`: dynamic partitioning and Parquet conversion with an inline
// schema (an Eddy extension the SDK's types do not have).
const ordersYAML = `DeliveryStreamName: orders
ExtendedS3DestinationConfiguration:
  BucketARN: arn:aws:s3:::lake
  Prefix: "orders/customer=!{partitionKeyFromQuery:customer}/dt=!{timestamp:yyyy-MM-dd}/"
  ErrorOutputPrefix: "errors/!{firehose:error-output-type}/"
  BufferingHints: {SizeInMBs: 64, IntervalInSeconds: 0}
  DynamicPartitioningConfiguration: {Enabled: true}
  ProcessingConfiguration:
    Enabled: true
    Processors:
      - Type: MetadataExtraction
        Parameters:
          - {ParameterName: MetadataExtractionQuery, ParameterValue: "{customer: .Customer}"}
          - {ParameterName: JsonParsingEngine, ParameterValue: JQ-1.6}
  DataFormatConversionConfiguration:
    Enabled: true
    SchemaConfiguration:
      Columns:
        - {Name: id, Type: bigint}
        - {Name: customer, Type: string}
        - {Name: amount, Type: "decimal(10,2)"}
        - {Name: ts, Type: timestamp}
        - {Name: tags, Type: "array<string>"}
    InputFormatConfiguration:
      Deserializer: {HiveJsonSerDe: {TimestampFormats: [millis]}}
    OutputFormatConfiguration:
      Serializer: {ParquetSerDe: {Compression: SNAPPY}}
`

// TestFirehoseCLI drives `eddy firehose` against `eddy serve` as a user
// would: create from YAML on standard input, list, put JSON lines, read
// the Parquet rows back, describe, delete; and its usage errors.
func TestFirehoseCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the eddy binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	_, endpoint := startBinary(t, bin, dir)
	cli := &cliRunner{t: t, bin: bin, endpoint: endpoint, home: t.TempDir()}

	res := cli.run("", "firehose")
	require.Equal(t, 2, res.code, "no subcommand is a usage error")
	help := cli.ok("firehose", "create", "--help")
	require.Contains(t, help, "Examples:")
	require.Contains(t, help, "KinesisStreamAsSource")

	dry := cli.run(ordersYAML, "firehose", "create", "--file", "-", "--dry-run")
	require.Equal(t, 0, dry.code, dry.stderr)
	var body map[string]any
	require.NoError(t, json.Unmarshal([]byte(dry.stdout), &body))
	require.Equal(t, "orders", body["DeliveryStreamName"])
	require.Contains(t, dry.stdout, `"Columns"`)
	require.Equal(t, "[]\n", cli.ok("firehose", "list", "-o", "json"), "a dry run creates nothing")

	res = cli.run(ordersYAML, "firehose", "create", "-f", "-")
	require.Equal(t, 0, res.code, res.stderr)
	require.Equal(t, "arn:aws:firehose:us-east-1:000000000000:deliverystream/orders\n", res.stdout)
	res = cli.run(ordersYAML, "firehose", "create", "-f", "-")
	require.Equal(t, 4, res.code, "ResourceInUseException exits 4")
	require.Contains(t, res.stderr, "ResourceInUseException")
	res = cli.run("DeliveryStreamName: x\nBogus: 1\n", "firehose", "create", "-f", "-")
	require.Equal(t, 2, res.code)
	require.Contains(t, res.stderr, "Bogus")
	require.Equal(t, "orders\n", cli.ok("firehose", "list"))

	var input []string
	want := map[int64]orderRow{}
	for i := range 300 {
		line, row := orderJSON(i)
		input = append(input, line)
		want[row.id] = row
	}
	file := filepath.Join(t.TempDir(), "orders.jsonl")
	require.NoError(t, os.WriteFile(file, []byte(strings.Join(input[:120], "\n")), 0o644))
	res = cli.run(strings.Join(input[120:], "\n")+"\n\n", "firehose", "put", "--delivery-stream", "orders", file, "-")
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stderr, "300 records")

	lake := filepath.Join(dir, "firehose", "buckets", "lake")
	var got map[int64][]orderRow
	require.Eventually(t, func() bool {
		got = readOrderFiles(t, lake)
		return len(got) == len(want)
	}, 30*time.Second, 20*time.Millisecond)
	for id, rows := range got {
		require.Len(t, rows, 1, "row %d", id)
		w, g := want[id], rows[0]
		require.Equal(t, w.customer, g.customer)
		require.InDelta(t, w.amount, g.amount, 1e-9)
		require.Equal(t, w.ts, g.ts)
		require.Equal(t, w.tags, g.tags)
	}

	desc := cli.ok("firehose", "describe", "--delivery-stream", "orders")
	require.Contains(t, desc, "DeliveryStreamStatus: ACTIVE")
	require.Regexp(t, `CreateTimestamp: "?\d{4}-\d\d-\d\dT`, desc)
	require.Contains(t, desc, "- Name: customer")
	var d struct {
		DeliveryStreamName, DeliveryStreamStatus, VersionId string
	}
	require.NoError(t, json.Unmarshal([]byte(cli.ok("firehose", "describe", "--delivery-stream", "orders", "-o", "json")), &d))
	require.Equal(t, "orders", d.DeliveryStreamName)
	require.Equal(t, "1", d.VersionId)

	res = cli.run("", "firehose", "describe")
	require.Equal(t, 2, res.code, "missing --delivery-stream")
	cli.ok("firehose", "delete", "--delivery-stream", "orders")
	res = cli.run("", "firehose", "describe", "--delivery-stream", "orders")
	require.Equal(t, 3, res.code, "ResourceNotFoundException exits 3")
	require.Contains(t, res.stderr, "ResourceNotFoundException")
	res = cli.run("x\n", "firehose", "put", "--delivery-stream", "orders")
	require.Equal(t, 3, res.code)
	require.Contains(t, res.stderr, fmt.Sprintf("0 records (0 bytes) put into delivery stream %s", "orders"))
	require.Empty(t, cli.ok("firehose", "list"))
}
