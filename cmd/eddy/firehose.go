package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/eddy-streaming/eddy/internal/firehose"
)

func init() { commands = append(commands, newFirehoseCmd) }

// Limits of one PutRecordBatch call (AWS's and Eddy's).
const (
	maxBatchRecords    = 500
	maxBatchBytes      = 4 << 20
	maxFirehoseRecord  = 1_024_000
	firehoseStreamFlag = "delivery-stream"
)

func newFirehoseCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "firehose",
		Short: "Create, list, describe and delete delivery streams, and put records into them",
		Long: `Manage delivery streams (the Amazon Data Firehose API, Firehose_20150804) on
Eddy (the default, ` + defaultEndpoint + `) or any Firehose endpoint.

A delivery stream is described in YAML: the CreateDeliveryStream input with the
API's field names, including Eddy's extensions (inline Parquet schema Columns,
PostgreSQLDestinationConfiguration). See docs/firehose.md.`,
		Example: `  cat > orders.yaml <<'EOF'
  DeliveryStreamName: orders
  ExtendedS3DestinationConfiguration:
    BucketARN: arn:aws:s3:::lake
    Prefix: "orders/customer=!{partitionKeyFromQuery:customer}/"
    ErrorOutputPrefix: "errors/!{firehose:error-output-type}/"
    BufferingHints: {SizeInMBs: 64, IntervalInSeconds: 60}
    DynamicPartitioningConfiguration: {Enabled: true}
    ProcessingConfiguration:
      Enabled: true
      Processors:
        - Type: MetadataExtraction
          Parameters:
            - {ParameterName: MetadataExtractionQuery, ParameterValue: "{customer: .customer_id}"}
            - {ParameterName: JsonParsingEngine, ParameterValue: JQ-1.6}
  EOF
  eddy firehose create --file orders.yaml
  echo '{"customer_id":"c1","amount":3}' | eddy firehose put --delivery-stream orders
  eddy firehose describe --delivery-stream orders
  eddy firehose list
  eddy firehose delete --delivery-stream orders`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprint(cmd.ErrOrStderr(), cmd.UsageString())
			return usageErrorf("missing subcommand: create, list, describe, delete or put")
		},
	}
	usageFlagErrors(cmd)
	for _, sub := range []*cobra.Command{
		newFirehoseCreateCmd(), newFirehoseListCmd(), newFirehoseDescribeCmd(),
		newFirehoseDeleteCmd(), newFirehosePutCmd(),
	} {
		usageFlagErrors(sub)
		cmd.AddCommand(sub)
	}
	return cmd
}

// registerFirehoseClient adds --endpoint and --region to cmd.
func registerFirehoseClient(cmd *cobra.Command, client *clientFlags) {
	client.register(cmd.Flags())
	if f := cmd.Flags().Lookup("endpoint"); f != nil {
		f.Usage = `Firehose endpoint URL: Eddy's is its Kinesis one (env EDDY_ENDPOINT); "" or "aws" means AWS's own endpoint for the region`
	}
}

// requireDeliveryStream is the usage error for a missing --delivery-stream.
func requireDeliveryStream(name string) error {
	if strings.TrimSpace(name) == "" {
		return usageErrorf("--%s is required", firehoseStreamFlag)
	}
	return nil
}

func newFirehoseCreateCmd() *cobra.Command {
	var (
		client clientFlags
		file   string
		name   string
		dryRun bool
	)
	cmd := &cobra.Command{
		Use:   "create --file FILE [--delivery-stream NAME] [--dry-run]",
		Short: "Create a delivery stream from its YAML (or JSON) configuration",
		Long: `Create a delivery stream from a YAML file ("-" is standard input): the
CreateDeliveryStream input with the API's field names (DeliveryStreamName,
DeliveryStreamType, KinesisStreamSourceConfiguration, one destination
configuration, Tags). JSON is YAML too, so AWS CLI input files work.
--delivery-stream overrides DeliveryStreamName. Unknown fields are errors.
Prints the delivery stream's ARN; --dry-run prints the request body instead.`,
		Example: `  eddy firehose create --file orders.yaml
  eddy firehose create --file orders.yaml --delivery-stream orders-test
  eddy firehose create --file orders.yaml --dry-run   # the CreateDeliveryStream JSON, for the AWS CLI

  # Deliver an Eddy stream to the local data lake, converted to Parquet:
  cat <<'EOF' | eddy firehose create --file -
  DeliveryStreamName: clicks-to-lake
  DeliveryStreamType: KinesisStreamAsSource
  KinesisStreamSourceConfiguration:
    KinesisStreamARN: arn:aws:kinesis:us-east-1:000000000000:stream/clicks
    RoleARN: arn:aws:iam::000000000000:role/firehose
  ExtendedS3DestinationConfiguration:
    BucketARN: arn:aws:s3:::lake
    Prefix: "clicks/!{timestamp:yyyy/MM/dd}/"
    ErrorOutputPrefix: "errors/!{firehose:error-output-type}/"
    DataFormatConversionConfiguration:
      Enabled: true
      SchemaConfiguration:
        Columns:
          - {Name: user, Type: string}
          - {Name: at, Type: timestamp}
      OutputFormatConfiguration:
        Serializer: {ParquetSerDe: {Compression: ZSTD}}
  EOF`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return usageErrorf("--file is required")
			}
			src, err := readInputFile(cmd.InOrStdin(), file)
			if err != nil {
				return err
			}
			body, err := firehose.CreateRequestFromYAML(src, strings.TrimSpace(name))
			if err != nil {
				return &exitError{code: 2, err: fmt.Errorf("%s: %w", file, err)}
			}
			var in struct{ DeliveryStreamName string }
			_ = json.Unmarshal(body, &in)
			if in.DeliveryStreamName == "" {
				return usageErrorf("%s: no DeliveryStreamName (set it in the file or with --%s)", file, firehoseStreamFlag)
			}
			if dryRun {
				var pretty bytes.Buffer
				_ = json.Indent(&pretty, body, "", "  ")
				pretty.WriteByte('\n')
				_, err := cmd.OutOrStdout().Write(pretty.Bytes())
				return err
			}
			ctx := cmd.Context()
			api, err := client.newFirehoseAPI(ctx)
			if err != nil {
				return err
			}
			var out struct{ DeliveryStreamARN string }
			if err := api.call(ctx, "CreateDeliveryStream", body, &out); err != nil {
				return apiError("create delivery stream "+in.DeliveryStreamName, err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), out.DeliveryStreamARN)
			return nil
		},
	}
	registerFirehoseClient(cmd, &client)
	cmd.Flags().StringVarP(&file, "file", "f", "", `YAML or JSON file of the delivery stream ("-": standard input; required)`)
	cmd.Flags().StringVar(&name, firehoseStreamFlag, "", "delivery stream name (overrides the file's DeliveryStreamName)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the CreateDeliveryStream request body and exit")
	return cmd
}

// readInputFile reads a file, or in for "-".
func readInputFile(in io.Reader, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(in)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, &exitError{code: 2, err: err}
	}
	return b, nil
}

func newFirehoseListCmd() *cobra.Command {
	var (
		client clientFlags
		output string
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List delivery streams",
		Long:  "List the names of all delivery streams, one a line, or as a JSON array.",
		Example: `  eddy firehose list
  eddy firehose list --output json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return usageErrorf("--output must be text or json, got %q", output)
			}
			ctx := cmd.Context()
			api, err := client.newFirehoseAPI(ctx)
			if err != nil {
				return err
			}
			names, err := listDeliveryStreams(ctx, api)
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSON(cmd.OutOrStdout(), names)
			}
			for _, n := range names {
				fmt.Fprintln(cmd.OutOrStdout(), n)
			}
			return nil
		},
	}
	registerFirehoseClient(cmd, &client)
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

// listDeliveryStreams pages through ListDeliveryStreams.
func listDeliveryStreams(ctx context.Context, api *firehoseAPI) ([]string, error) {
	names := []string{}
	in := map[string]any{"Limit": 10000}
	for {
		var out struct {
			DeliveryStreamNames    []string
			HasMoreDeliveryStreams bool
		}
		if err := api.call(ctx, "ListDeliveryStreams", in, &out); err != nil {
			return nil, apiError("list delivery streams", err)
		}
		names = append(names, out.DeliveryStreamNames...)
		if !out.HasMoreDeliveryStreams || len(out.DeliveryStreamNames) == 0 {
			return names, nil
		}
		in["ExclusiveStartDeliveryStreamName"] = out.DeliveryStreamNames[len(out.DeliveryStreamNames)-1]
	}
}

func newFirehoseDescribeCmd() *cobra.Command {
	var (
		client clientFlags
		name   string
		output string
	)
	cmd := &cobra.Command{
		Use:   "describe --delivery-stream NAME [--output yaml|json]",
		Short: "Describe a delivery stream",
		Long: `Print DescribeDeliveryStream's DeliveryStreamDescription: status, version,
source, destination with defaults filled in, and FailureDescription while
deliveries fail. Secrets (HTTP endpoint access keys, PostgreSQL connection
strings) are never returned.`,
		Example: `  eddy firehose describe --delivery-stream orders
  eddy firehose describe --delivery-stream orders --output json | jq .DeliveryStreamStatus`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireDeliveryStream(name); err != nil {
				return err
			}
			if output != "yaml" && output != "json" {
				return usageErrorf("--output must be yaml or json, got %q", output)
			}
			ctx := cmd.Context()
			api, err := client.newFirehoseAPI(ctx)
			if err != nil {
				return err
			}
			var out struct{ DeliveryStreamDescription json.RawMessage }
			if err := api.call(ctx, "DescribeDeliveryStream", map[string]any{"DeliveryStreamName": name}, &out); err != nil {
				return apiError("describe delivery stream "+name, err)
			}
			var text []byte
			if output == "json" {
				var b bytes.Buffer
				if err := json.Indent(&b, out.DeliveryStreamDescription, "", "  "); err != nil {
					return fmt.Errorf("describe delivery stream %s: %w", name, err)
				}
				b.WriteByte('\n')
				text = b.Bytes()
			} else if text, err = yaml.JSONToYAML(readableTimestamps(out.DeliveryStreamDescription)); err != nil {
				return fmt.Errorf("describe delivery stream %s: %w", name, err)
			}
			_, err = cmd.OutOrStdout().Write(text)
			return err
		},
	}
	registerFirehoseClient(cmd, &client)
	cmd.Flags().StringVar(&name, firehoseStreamFlag, "", "delivery stream name (required)")
	cmd.Flags().StringVarP(&output, "output", "o", "yaml", "output format: yaml or json")
	return cmd
}

// timestampField matches the epoch-seconds timestamps of a description.
var timestampField = regexp.MustCompile(`"(CreateTimestamp|LastUpdateTimestamp)":\s*([0-9.eE+-]+)`)

// readableTimestamps turns the epoch-seconds timestamps of a JSON
// description into RFC 3339 strings (UTC, milliseconds).
func readableTimestamps(description []byte) []byte {
	return timestampField.ReplaceAllFunc(description, func(m []byte) []byte {
		sub := timestampField.FindSubmatch(m)
		secs, err := strconv.ParseFloat(string(sub[2]), 64)
		if err != nil {
			return m
		}
		t := time.UnixMilli(int64(math.Round(secs * 1000))).UTC()
		return []byte(fmt.Sprintf("%q:%q", sub[1], t.Format("2006-01-02T15:04:05.000Z")))
	})
}

func newFirehoseDeleteCmd() *cobra.Command {
	var (
		client clientFlags
		name   string
	)
	cmd := &cobra.Command{
		Use:   "delete --delivery-stream NAME",
		Short: "Delete a delivery stream",
		Long: `Delete a delivery stream. Delivery stops at once: records not yet delivered
are dropped. Objects already delivered stay in their bucket.`,
		Example: `  eddy firehose delete --delivery-stream orders`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireDeliveryStream(name); err != nil {
				return err
			}
			ctx := cmd.Context()
			api, err := client.newFirehoseAPI(ctx)
			if err != nil {
				return err
			}
			if err := api.call(ctx, "DeleteDeliveryStream", map[string]any{"DeliveryStreamName": name}, nil); err != nil {
				return apiError("delete delivery stream "+name, err)
			}
			return nil
		},
	}
	registerFirehoseClient(cmd, &client)
	cmd.Flags().StringVar(&name, firehoseStreamFlag, "", "delivery stream name (required)")
	return cmd
}

// errRecordsFailed reports records the service refused after every retry.
var errRecordsFailed = errors.New("records failed")

func newFirehosePutCmd() *cobra.Command {
	var (
		client    clientFlags
		name      string
		noNewline bool
		linger    time.Duration
		retries   int
	)
	cmd := &cobra.Command{
		Use:   "put --delivery-stream NAME [FILE...]",
		Short: "Put records into a delivery stream, one per input line",
		Long: `Put records into a delivery stream: each line of the files (or of standard
input, also named "-") becomes one record. The line's newline is kept, so the
delivered objects stay one record per line (--no-newline drops it). Empty lines
are skipped. Records are sent in PutRecordBatch calls of up to 500 records and
4 MiB; records the service fails are retried. A summary goes to standard error.`,
		Example: `  echo '{"customer_id":"c1","amount":3}' | eddy firehose put --delivery-stream orders
  eddy firehose put --delivery-stream orders orders-1.jsonl orders-2.jsonl
  tail -F app.log | eddy firehose put --delivery-stream logs`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireDeliveryStream(name); err != nil {
				return err
			}
			if retries < 0 {
				return usageErrorf("--retries must not be negative")
			}
			if len(args) == 0 {
				args = []string{"-"}
			}
			ctx := cmd.Context()
			api, err := client.newFirehoseAPI(ctx)
			if err != nil {
				return err
			}
			p := &batchPutter{api: api, name: name, retries: retries}
			records := make(chan []byte, maxBatchRecords)
			readErr := make(chan error, 1)
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			go func() {
				defer close(records)
				readErr <- readLines(ctx, cmd.InOrStdin(), args, !noNewline, records)
			}()
			sendErr := p.sendAll(ctx, records, linger)
			cancel()
			err = errors.Join(sendErr, <-readErr)
			if errors.Is(err, context.Canceled) && sendErr != nil {
				err = sendErr
			}
			summary := fmt.Sprintf("%d %s (%d bytes) put into delivery stream %s", p.records, plural(p.records, "record", "records"), p.bytes, name)
			if p.retried > 0 {
				summary += fmt.Sprintf(", %d retried", p.retried)
			}
			fmt.Fprintln(cmd.ErrOrStderr(), summary)
			return err
		},
	}
	registerFirehoseClient(cmd, &client)
	fs := cmd.Flags()
	fs.StringVar(&name, firehoseStreamFlag, "", "delivery stream name (required)")
	fs.BoolVar(&noNewline, "no-newline", false, "send each line without its newline")
	fs.DurationVar(&linger, "linger", 100*time.Millisecond, "longest time a read line waits to be sent with more")
	fs.IntVar(&retries, "retries", 10, "times failed records (and failed calls) are retried")
	return cmd
}

// readLines sends the non-empty lines of each input ("-" is in), with a
// newline when newline is set.
func readLines(ctx context.Context, in io.Reader, inputs []string, newline bool, out chan<- []byte) error {
	maxLine := maxFirehoseRecord
	if newline {
		maxLine--
	}
	for _, name := range inputs {
		if name == "-" {
			if err := readLinesFrom(ctx, in, "stdin", maxLine, newline, out); err != nil {
				return err
			}
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("open input: %w", err)
		}
		err = readLinesFrom(ctx, f, name, maxLine, newline, out)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// readLinesFrom sends the non-empty lines of one input named name.
func readLinesFrom(ctx context.Context, r io.Reader, name string, maxLine int, newline bool, out chan<- []byte) error {
	lines := newLineReader(r, maxLine)
	for {
		line, err := lines.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if len(line) == 0 {
			continue
		}
		if newline {
			line = append(line, '\n')
		}
		select {
		case out <- line:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// batchPutter sends records in PutRecordBatch calls and retries failures.
type batchPutter struct {
	api     *firehoseAPI
	name    string
	retries int
	// backoff is the wait before the first retry, doubling up to 5s. Zero
	// means 100ms.
	backoff time.Duration

	records, bytes, retried int
}

// sendAll sends the records from in in batches of up to 500 records or
// 4 MiB, sending a partial batch once its first record has waited linger.
func (p *batchPutter) sendAll(ctx context.Context, in <-chan []byte, linger time.Duration) error {
	var (
		batch     [][]byte
		size      int
		timer     = time.NewTimer(time.Hour)
		lingering bool
	)
	timer.Stop()
	defer timer.Stop()
	flush := func() error {
		if lingering {
			timer.Stop()
			lingering = false
		}
		if len(batch) == 0 {
			return nil
		}
		err := p.send(ctx, batch)
		batch, size = nil, 0
		return err
	}
	for {
		select {
		case rec, ok := <-in:
			if !ok {
				return flush()
			}
			if len(batch) > 0 && size+len(rec) > maxBatchBytes {
				if err := flush(); err != nil {
					return err
				}
			}
			batch = append(batch, rec)
			size += len(rec)
			if len(batch) >= maxBatchRecords {
				if err := flush(); err != nil {
					return err
				}
			} else if !lingering {
				timer.Reset(linger)
				lingering = true
			}
		case <-timer.C:
			lingering = false
			if err := flush(); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// send puts records with PutRecordBatch, retrying the records (or calls)
// that fail up to p.retries times with exponential backoff.
func (p *batchPutter) send(ctx context.Context, records [][]byte) error {
	backoff := p.backoff
	if backoff == 0 {
		backoff = 100 * time.Millisecond
	}
	type record struct{ Data []byte }
	for attempt := 0; ; attempt++ {
		in := struct {
			DeliveryStreamName string
			Records            []record
		}{DeliveryStreamName: p.name, Records: make([]record, len(records))}
		for i, r := range records {
			in.Records[i] = record{r}
		}
		var out struct {
			FailedPutCount   int
			RequestResponses []struct {
				RecordId, ErrorCode, ErrorMessage string
			}
		}
		err := p.api.call(ctx, "PutRecordBatch", in, &out)
		var failed [][]byte
		var lastErr error
		switch {
		case err != nil:
			var fe *firehoseError
			if !errors.As(err, &fe) || !fe.retryable() {
				return apiError("put records into "+p.name, err)
			}
			failed, lastErr = records, apiError("put records into "+p.name, err)
		case len(out.RequestResponses) != len(records):
			return fmt.Errorf("put records into %s: sent %d records, got %d results", p.name, len(records), len(out.RequestResponses))
		default:
			for i, r := range out.RequestResponses {
				if r.ErrorCode != "" {
					failed = append(failed, records[i])
					lastErr = fmt.Errorf("%w: %s: %s", errRecordsFailed, r.ErrorCode, r.ErrorMessage)
					continue
				}
				p.records++
				p.bytes += len(records[i])
			}
		}
		if len(failed) == 0 {
			return nil
		}
		if attempt >= p.retries {
			return fmt.Errorf("put records into %s: %d records failed after %d retries: %w", p.name, len(failed), p.retries, lastErr)
		}
		p.retried += len(failed)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return ctx.Err()
		}
		backoff = min(2*backoff, 5*time.Second)
		records = failed
	}
}
