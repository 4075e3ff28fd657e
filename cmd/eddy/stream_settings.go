package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/spf13/cobra"
)

// Stream settings: eddy stream retention and monitoring.

// Retention bounds of Kinesis, in hours.
const (
	minRetentionHours = 24
	maxRetentionHours = 8760
)

func newStreamRetentionCmd() *cobra.Command {
	var (
		client clientFlags
		stream string
		hours  int
	)
	cmd := &cobra.Command{
		Use:   "retention --stream NAME [--hours N]",
		Short: "Show or change how long a stream keeps records",
		Long: fmt.Sprintf(`Print a stream's retention period in hours, or set it with --hours (%d to
%d): longer with IncreaseStreamRetentionPeriod, shorter with
DecreaseStreamRetentionPeriod. Records older than a shorter period become
unreadable at once.`, minRetentionHours, maxRetentionHours),
		Example: `  eddy stream retention --stream orders
  eddy stream retention --stream orders --hours 168`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireStream(stream); err != nil {
				return err
			}
			set := cmd.Flags().Changed("hours")
			if set && (hours < minRetentionHours || hours > maxRetentionHours) {
				return usageErrorf("--hours must be %d to %d", minRetentionHours, maxRetentionHours)
			}
			ctx := cmd.Context()
			kc, err := client.newClient(ctx, clientOptions{})
			if err != nil {
				return err
			}
			ref := parseStreamRef(stream)
			out, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: ref.name, StreamARN: ref.arn})
			if err != nil {
				return apiError("describe stream "+ref.String(), err)
			}
			current := int(aws.ToInt32(out.StreamDescriptionSummary.RetentionPeriodHours))
			switch {
			case !set:
				fmt.Fprintln(cmd.OutOrStdout(), current)
				return nil
			case hours > current:
				_, err = kc.IncreaseStreamRetentionPeriod(ctx, &kinesis.IncreaseStreamRetentionPeriodInput{
					StreamName: ref.name, StreamARN: ref.arn, RetentionPeriodHours: aws.Int32(int32(hours)),
				})
			case hours < current:
				_, err = kc.DecreaseStreamRetentionPeriod(ctx, &kinesis.DecreaseStreamRetentionPeriodInput{
					StreamName: ref.name, StreamARN: ref.arn, RetentionPeriodHours: aws.Int32(int32(hours)),
				})
			}
			if err != nil {
				return apiError("set the retention of "+ref.String(), err)
			}
			return nil
		},
	}
	client.register(cmd.Flags())
	cmd.Flags().StringVar(&stream, "stream", "", "stream name or ARN (required)")
	cmd.Flags().IntVar(&hours, "hours", 0, "new retention period in hours")
	return cmd
}

// shardLevelMetrics are the shard-level metrics of enhanced monitoring.
var shardLevelMetrics = []string{
	"IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
	"WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds",
}

// parseMetricNames parses a list of shard-level metric names, case-blind; ALL
// stands for all of them.
func parseMetricNames(flag string, names []string) ([]string, error) {
	var out []string
	for _, name := range names {
		name = strings.TrimSpace(name)
		if strings.EqualFold(name, "ALL") {
			return []string{"ALL"}, nil
		}
		i := slices.IndexFunc(shardLevelMetrics, func(m string) bool { return strings.EqualFold(m, name) })
		if i < 0 {
			return nil, usageErrorf("%s: unknown metric %q; want ALL or some of %s", flag, name, strings.Join(shardLevelMetrics, ", "))
		}
		if !slices.Contains(out, shardLevelMetrics[i]) {
			out = append(out, shardLevelMetrics[i])
		}
	}
	return out, nil
}

func newStreamMonitoringCmd() *cobra.Command {
	var (
		client          clientFlags
		stream          string
		enable, disable []string
	)
	cmd := &cobra.Command{
		Use:   "monitoring --stream NAME [--enable METRICS] [--disable METRICS]",
		Short: "Show or change a stream's shard-level metrics (enhanced monitoring)",
		Long: `Print the shard-level metrics (enhanced monitoring) a stream has enabled, one a
line, after enabling or disabling those given. Metrics are ALL or some of
` + strings.Join(shardLevelMetrics, ", ") + `.
Eddy serves them on GET /metrics (see eddy stats); AWS sends them to CloudWatch.`,
		Example: `  eddy stream monitoring --stream orders
  eddy stream monitoring --stream orders --enable ALL
  eddy stream monitoring --stream orders --disable IncomingBytes,OutgoingBytes`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireStream(stream); err != nil {
				return err
			}
			on, err := parseMetricNames("--enable", enable)
			if err != nil {
				return err
			}
			off, err := parseMetricNames("--disable", disable)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			kc, err := client.newClient(ctx, clientOptions{})
			if err != nil {
				return err
			}
			ref := parseStreamRef(stream)
			if len(on) > 0 {
				if _, err := kc.EnableEnhancedMonitoring(ctx, &kinesis.EnableEnhancedMonitoringInput{
					StreamName: ref.name, StreamARN: ref.arn, ShardLevelMetrics: metricTypes(on),
				}); err != nil {
					return apiError("enable enhanced monitoring of "+ref.String(), err)
				}
			}
			if len(off) > 0 {
				if _, err := kc.DisableEnhancedMonitoring(ctx, &kinesis.DisableEnhancedMonitoringInput{
					StreamName: ref.name, StreamARN: ref.arn, ShardLevelMetrics: metricTypes(off),
				}); err != nil {
					return apiError("disable enhanced monitoring of "+ref.String(), err)
				}
			}
			enabled, err := enabledMetrics(ctx, kc, ref)
			if err != nil {
				return err
			}
			for _, m := range enabled {
				fmt.Fprintln(cmd.OutOrStdout(), m)
			}
			return nil
		},
	}
	client.register(cmd.Flags())
	cmd.Flags().StringVar(&stream, "stream", "", "stream name or ARN (required)")
	cmd.Flags().StringSliceVar(&enable, "enable", nil, "metrics to enable: ALL or a comma-separated list")
	cmd.Flags().StringSliceVar(&disable, "disable", nil, "metrics to disable: ALL or a comma-separated list")
	return cmd
}

// metricTypes converts metric names for the SDK.
func metricTypes(names []string) []types.MetricsName {
	out := make([]types.MetricsName, len(names))
	for i, n := range names {
		out[i] = types.MetricsName(n)
	}
	return out
}

// enabledMetrics returns the shard-level metrics a stream has enabled.
func enabledMetrics(ctx context.Context, kc *kinesis.Client, ref streamRef) ([]string, error) {
	out, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: ref.name, StreamARN: ref.arn})
	if err != nil {
		return nil, apiError("describe stream "+ref.String(), err)
	}
	var enabled []string
	for _, em := range out.StreamDescriptionSummary.EnhancedMonitoring {
		for _, m := range em.ShardLevelMetrics {
			if m != types.MetricsNameAll && !slices.Contains(enabled, string(m)) {
				enabled = append(enabled, string(m))
			}
		}
	}
	slices.SortFunc(enabled, func(a, b string) int {
		return slices.Index(shardLevelMetrics, a) - slices.Index(shardLevelMetrics, b)
	})
	return enabled, nil
}
