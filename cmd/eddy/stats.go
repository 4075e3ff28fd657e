package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newStatsCmd) }

// statsFlags are the flags of `eddy stats`.
type statsFlags struct {
	client     clientFlags
	stream     string
	interval   time.Duration
	count      int
	output     string
	metricsURL string
	readOnly   bool
}

func newStatsCmd() *cobra.Command {
	var f statsFlags
	cmd := &cobra.Command{
		Use:   "stats --stream NAME [--interval 2s] [--count N] [--output table|json]",
		Short: "Show a stream's write and read rates per shard, live",
		Long: `Show, every --interval, the records and bytes per second written to and read
from each shard of a stream, the throttled writes and reads per second, and
the iterator age (how far behind the latest record the readers are).

The rates come from the shard-level metrics of the Eddy server, which it
serves in the Prometheus format on GET /metrics for the streams that have
them enabled (enhanced monitoring). If the stream does not, eddy stats
enables them first and says so (--read-only fails instead); "eddy stream
monitoring --stream NAME --disable ALL" turns them off again. The counters
start when the server starts, so the first rates come after one interval.

On a terminal the table is redrawn in place; otherwise one table is printed
per interval, or one JSON object a line with --output json. It runs until
Ctrl-C or for --count intervals. AWS has no such endpoint: it publishes the
same metrics to CloudWatch (namespace AWS/Kinesis).`,
		Example: `  eddy stats --stream orders
  eddy stats --stream orders --interval 10s --count 6 --output json | jq .total.incoming_records_per_s`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStats(cmd, &f)
		},
	}
	usageFlagErrors(cmd)
	f.client.register(cmd.Flags())
	fs := cmd.Flags()
	fs.StringVar(&f.stream, "stream", "", "stream name or ARN (required)")
	fs.DurationVar(&f.interval, "interval", 2*time.Second, "time between updates")
	fs.IntVarP(&f.count, "count", "n", 0, "stop after this many updates (0: run until interrupted)")
	fs.StringVarP(&f.output, "output", "o", "table", "output format: table or json")
	fs.StringVar(&f.metricsURL, "metrics-url", "", "the server's Prometheus metrics (default: /metrics at the endpoint)")
	fs.BoolVar(&f.readOnly, "read-only", false, "fail instead of enabling enhanced monitoring on the stream")
	return cmd
}

func runStats(cmd *cobra.Command, f *statsFlags) error {
	if err := requireStream(f.stream); err != nil {
		return err
	}
	if f.interval < 100*time.Millisecond {
		return usageErrorf("--interval must be at least 100ms")
	}
	if f.count < 0 {
		return usageErrorf("--count must not be negative")
	}
	if f.output != "table" && f.output != "json" {
		return usageErrorf("--output must be table or json, got %q", f.output)
	}
	url := f.metricsURL
	if url == "" {
		if f.client.awsEndpoint() {
			return usageErrorf("eddy stats reads the metrics of an Eddy server (GET /metrics); " +
				"AWS publishes them to CloudWatch (namespace AWS/Kinesis) instead. Give --endpoint or --metrics-url")
		}
		endpoint, err := f.client.endpointURL()
		if err != nil {
			return err
		}
		if url, err = metricsURL(endpoint); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := f.client.awsConfig(ctx, clientOptions{})
	if err != nil {
		return err
	}
	kc, err := f.client.newClient(ctx, clientOptions{})
	if err != nil {
		return err
	}
	ref := parseStreamRef(f.stream)
	name := f.stream // the metrics' stream label
	if ref.arn != nil {
		name = (*ref.arn)[strings.LastIndexByte(*ref.arn, '/')+1:]
	}
	if err := ensureMonitoring(ctx, cmd.ErrOrStderr(), kc, ref, f.readOnly); err != nil {
		return err
	}
	prev, err := scrapeMetrics(ctx, cfg.HTTPClient, url, name)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	terminal := f.output == "table" && writerIsTerminal(out)
	ticker := time.NewTicker(f.interval)
	defer ticker.Stop()
	for n := 0; f.count == 0 || n < f.count; n++ {
		select {
		case <-ctx.Done():
			return nil // interrupted: the normal end
		case <-ticker.C:
		}
		shards, err := listShards(ctx, kc, ref)
		if err != nil {
			return stopped(ctx, err)
		}
		cur, err := scrapeMetrics(ctx, cfg.HTTPClient, url, name)
		if err != nil {
			return stopped(ctx, err)
		}
		report := computeRates(name, prev, cur, shards)
		prev = cur
		if f.output == "json" {
			line, err := json.Marshal(report)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%s\n", line)
			continue
		}
		if terminal {
			fmt.Fprint(out, "\x1b[H\x1b[2J") // home, clear screen
		} else if n > 0 {
			fmt.Fprintln(out)
		}
		if err := writeStatsTable(out, report); err != nil {
			return err
		}
	}
	return nil
}

// stopped returns nil for an error caused by an interruption, else err.
func stopped(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// ensureMonitoring enables the shard-level metrics eddy stats needs, unless
// readOnly, and says so on w.
func ensureMonitoring(ctx context.Context, w io.Writer, kc *kinesis.Client, ref streamRef, readOnly bool) error {
	enabled, err := enabledMetrics(ctx, kc, ref)
	if err != nil {
		return err
	}
	var missing []string
	for _, m := range shardLevelMetrics {
		if !slices.Contains(enabled, m) {
			missing = append(missing, m)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if readOnly {
		if len(missing) < len(shardLevelMetrics) {
			return nil // show what there is
		}
		return fmt.Errorf("stream %s has no shard-level metrics enabled, so the server does not export its rates; "+
			"enable them with: eddy stream monitoring --stream %s --enable ALL", ref, ref)
	}
	if _, err := kc.EnableEnhancedMonitoring(ctx, &kinesis.EnableEnhancedMonitoringInput{
		StreamName: ref.name, StreamARN: ref.arn, ShardLevelMetrics: metricTypes(missing),
	}); err != nil {
		return apiError("enable enhanced monitoring of "+ref.String(), err)
	}
	fmt.Fprintf(w, "eddy stats: enabled enhanced monitoring (shard-level metrics) of stream %s; "+
		"turn it off with: eddy stream monitoring --stream %s --disable ALL\n", ref, ref)
	return nil
}

// writeStatsTable writes a report as a table.
func writeStatsTable(w io.Writer, r statsReport) error {
	fmt.Fprintf(w, "stream %s  %s  rates per second over %gs\n\n", r.Stream, r.Time.Format(time.RFC3339), r.Interval)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "SHARD\t\tIN RECORDS\tIN BYTES\tOUT RECORDS\tOUT BYTES\tTHROTTLED W/R\tITERATOR AGE\t")
	row := func(s shardRates, state string) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s/%s\t%s\t\n", s.Shard, state,
			formatCount(int64(s.IncomingRecords+0.5)), formatBytes(int64(s.IncomingBytes+0.5)),
			formatCount(int64(s.OutgoingRecords+0.5)), formatBytes(int64(s.OutgoingBytes+0.5)),
			formatCount(int64(s.WriteThrottled+0.5)), formatCount(int64(s.ReadThrottled+0.5)),
			formatAge(s.IteratorAgeMillis))
	}
	for _, s := range r.Shards {
		state := "open"
		if !s.Open {
			state = "closed"
		}
		row(s, state)
	}
	row(r.Total, "")
	return tw.Flush()
}

// formatAge writes an iterator age in milliseconds.
func formatAge(millis float64) string {
	if millis < 1000 {
		return fmt.Sprintf("%.0f ms", millis)
	}
	return (time.Duration(millis) * time.Millisecond).Round(100 * time.Millisecond).String()
}
