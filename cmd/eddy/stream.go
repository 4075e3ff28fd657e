package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newStreamCmd) }

// streamRef is a stream named on the command line by name or by ARN.
type streamRef struct{ name, arn *string }

// parseStreamRef accepts a stream name or a stream ARN.
func parseStreamRef(s string) streamRef {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "arn:") {
		return streamRef{arn: &s}
	}
	return streamRef{name: &s}
}

func (r streamRef) String() string {
	if r.arn != nil {
		return *r.arn
	}
	return aws.ToString(r.name)
}

func newStreamCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stream",
		Short: "Create, list, describe, reshard, configure and delete streams",
		Long: `Manage streams on any Kinesis Data Streams endpoint: Eddy (the default,
` + defaultEndpoint + `), a local emulator, or AWS.`,
		Example: `  eddy stream create --stream orders --shards 4 --wait
  eddy stream list
  eddy stream describe --stream orders --output json
  eddy stream split --stream orders --shard shardId-000000000000 --wait
  eddy stream scale --stream orders --shards 8 --wait
  eddy stream retention --stream orders --hours 168
  eddy stream delete --stream orders`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprint(cmd.ErrOrStderr(), cmd.UsageString())
			return usageErrorf("missing subcommand: create, list, describe, delete, split, merge, scale, retention or monitoring")
		},
	}
	groupCommand(cmd)
	for _, sub := range []*cobra.Command{
		newStreamCreateCmd(), newStreamListCmd(), newStreamDescribeCmd(), newStreamDeleteCmd(),
		newStreamSplitCmd(), newStreamMergeCmd(), newStreamScaleCmd(),
		newStreamRetentionCmd(), newStreamMonitoringCmd(),
	} {
		usageFlagErrors(sub)
		cmd.AddCommand(sub)
	}
	return cmd
}

func newStreamCreateCmd() *cobra.Command {
	var (
		client   clientFlags
		stream   string
		shards   int
		onDemand bool
		tags     []string
		wait     bool
		timeout  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "create --stream NAME [--shards N | --on-demand] [--tag KEY=VALUE]... [--wait]",
		Short: "Create a stream",
		Long: `Create a stream. It exits 4 (ResourceInUseException) when the stream exists,
so that scripts can tell that case apart.`,
		Example: `  eddy stream create --stream orders --shards 4 --wait
  eddy stream create --stream clicks --on-demand --tag team=web`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireStream(stream); err != nil {
				return err
			}
			if onDemand && cmd.Flags().Changed("shards") {
				return usageErrorf("--shards and --on-demand are mutually exclusive")
			}
			if shards < 1 {
				return usageErrorf("--shards must be at least 1")
			}
			tagMap, err := parseTags(tags)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			kc, err := client.newClient(ctx, clientOptions{})
			if err != nil {
				return err
			}
			in := &kinesis.CreateStreamInput{StreamName: aws.String(stream)}
			if len(tagMap) > 0 {
				in.Tags = tagMap
			}
			if onDemand {
				in.StreamModeDetails = &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}
			} else {
				in.ShardCount = aws.Int32(int32(shards))
			}
			if _, err := kc.CreateStream(ctx, in); err != nil {
				return apiError("create stream "+stream, err)
			}
			if wait {
				if err := waitStreamActive(ctx, kc, parseStreamRef(stream), timeout); err != nil {
					return err
				}
			}
			return nil
		},
	}
	client.register(cmd.Flags())
	cmd.Flags().StringVar(&stream, "stream", "", "stream name (required)")
	cmd.Flags().IntVar(&shards, "shards", 1, "number of shards (provisioned mode)")
	cmd.Flags().BoolVar(&onDemand, "on-demand", false, "create the stream in on-demand capacity mode")
	cmd.Flags().StringArrayVar(&tags, "tag", nil, "tag the stream with KEY=VALUE (repeatable)")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until the stream is ACTIVE")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "how long --wait waits (exit status 6 after that)")
	return cmd
}

// waitStreamActive polls DescribeStreamSummary until the stream is ACTIVE.
func waitStreamActive(ctx context.Context, kc *kinesis.Client, ref streamRef, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	delay := 50 * time.Millisecond
	for {
		out, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: ref.name, StreamARN: ref.arn})
		if err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return exitErrorf(exitTimeout, "wait for stream %s: not ACTIVE after %s", ref, timeout)
			}
			return apiError("wait for stream "+ref.String(), err)
		}
		status := out.StreamDescriptionSummary.StreamStatus
		if status == types.StreamStatusActive {
			return nil
		}
		select {
		case <-ctx.Done():
			return exitErrorf(exitTimeout, "wait for stream %s: still %s after %s", ref, status, timeout)
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Second)
	}
}

func newStreamListCmd() *cobra.Command {
	var (
		client clientFlags
		output string
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List streams",
		Long:  "List the names of all streams, one a line, or as JSON objects with their status.",
		Example: `  eddy stream list
  eddy stream list --output json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return usageErrorf("--output must be text or json, got %q", output)
			}
			ctx := cmd.Context()
			kc, err := client.newClient(ctx, clientOptions{})
			if err != nil {
				return err
			}
			streams, err := listStreams(ctx, kc)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if output == "json" {
				return writeJSON(out, streams)
			}
			for _, s := range streams {
				fmt.Fprintln(out, s.Name)
			}
			return nil
		},
	}
	client.register(cmd.Flags())
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

// streamListing is one stream in `eddy stream list --output json`.
type streamListing struct {
	Name    string     `json:"name"`
	ARN     string     `json:"arn,omitempty"`
	Status  string     `json:"status,omitempty"`
	Mode    string     `json:"mode,omitempty"`
	Created *time.Time `json:"created,omitempty"`
}

// listStreams pages through ListStreams, with NextToken where the endpoint
// returns one and ExclusiveStartStreamName otherwise.
func listStreams(ctx context.Context, kc *kinesis.Client) ([]streamListing, error) {
	streams := []streamListing{}
	in := &kinesis.ListStreamsInput{}
	for {
		out, err := kc.ListStreams(ctx, in)
		if err != nil {
			return nil, apiError("list streams", err)
		}
		summaries := map[string]types.StreamSummary{}
		for _, s := range out.StreamSummaries {
			summaries[aws.ToString(s.StreamName)] = s
		}
		for _, name := range out.StreamNames {
			l := streamListing{Name: name}
			if s, ok := summaries[name]; ok {
				l.ARN = aws.ToString(s.StreamARN)
				l.Status = string(s.StreamStatus)
				if s.StreamModeDetails != nil {
					l.Mode = string(s.StreamModeDetails.StreamMode)
				}
				l.Created = s.StreamCreationTimestamp
			}
			streams = append(streams, l)
		}
		if !aws.ToBool(out.HasMoreStreams) || len(out.StreamNames) == 0 {
			return streams, nil
		}
		if out.NextToken != nil {
			in = &kinesis.ListStreamsInput{NextToken: out.NextToken}
		} else {
			in = &kinesis.ListStreamsInput{ExclusiveStartStreamName: aws.String(out.StreamNames[len(out.StreamNames)-1])}
		}
	}
}

func newStreamDescribeCmd() *cobra.Command {
	var (
		client clientFlags
		stream string
		output string
	)
	cmd := &cobra.Command{
		Use:   "describe --stream NAME [--output table|json]",
		Short: "Describe a stream and its shards",
		Example: `  eddy stream describe --stream orders
  eddy stream describe --stream orders --output json | jq .shards`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireStream(stream); err != nil {
				return err
			}
			if output != "table" && output != "json" {
				return usageErrorf("--output must be table or json, got %q", output)
			}
			ctx := cmd.Context()
			kc, err := client.newClient(ctx, clientOptions{})
			if err != nil {
				return err
			}
			d, err := describeStream(ctx, kc, parseStreamRef(stream))
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSON(cmd.OutOrStdout(), d)
			}
			return d.writeTable(cmd.OutOrStdout())
		},
	}
	client.register(cmd.Flags())
	cmd.Flags().StringVar(&stream, "stream", "", "stream name or ARN (required)")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

// streamDescription is the output of `eddy stream describe`.
type streamDescription struct {
	Name           string             `json:"name"`
	ARN            string             `json:"arn"`
	Status         string             `json:"status"`
	Mode           string             `json:"mode,omitempty"`
	RetentionHours int32              `json:"retention_hours"`
	Created        *time.Time         `json:"created,omitempty"`
	OpenShards     int32              `json:"open_shard_count"`
	Consumers      *int32             `json:"consumer_count,omitempty"`
	Encryption     string             `json:"encryption,omitempty"`
	Shards         []shardDescription `json:"shards"`
}

// shardDescription is one shard of a streamDescription.
type shardDescription struct {
	ID                     string `json:"shard_id"`
	Parent                 string `json:"parent_shard_id,omitempty"`
	AdjacentParent         string `json:"adjacent_parent_shard_id,omitempty"`
	HashKeyStart           string `json:"hash_key_start"`
	HashKeyEnd             string `json:"hash_key_end"`
	StartingSequenceNumber string `json:"starting_sequence_number"`
	EndingSequenceNumber   string `json:"ending_sequence_number,omitempty"`
}

// describeStream combines DescribeStreamSummary and ListShards.
func describeStream(ctx context.Context, kc *kinesis.Client, ref streamRef) (*streamDescription, error) {
	out, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: ref.name, StreamARN: ref.arn})
	if err != nil {
		return nil, apiError("describe stream "+ref.String(), err)
	}
	s := out.StreamDescriptionSummary
	d := &streamDescription{
		Name:           aws.ToString(s.StreamName),
		ARN:            aws.ToString(s.StreamARN),
		Status:         string(s.StreamStatus),
		RetentionHours: aws.ToInt32(s.RetentionPeriodHours),
		Created:        s.StreamCreationTimestamp,
		OpenShards:     aws.ToInt32(s.OpenShardCount),
		Consumers:      s.ConsumerCount,
		Encryption:     string(s.EncryptionType),
		Shards:         []shardDescription{},
	}
	if s.StreamModeDetails != nil {
		d.Mode = string(s.StreamModeDetails.StreamMode)
	}
	shards, err := listShards(ctx, kc, ref)
	if err != nil {
		return nil, err
	}
	for _, sh := range shards {
		sd := shardDescription{
			ID:             aws.ToString(sh.ShardId),
			Parent:         aws.ToString(sh.ParentShardId),
			AdjacentParent: aws.ToString(sh.AdjacentParentShardId),
		}
		if r := sh.HashKeyRange; r != nil {
			sd.HashKeyStart, sd.HashKeyEnd = aws.ToString(r.StartingHashKey), aws.ToString(r.EndingHashKey)
		}
		if r := sh.SequenceNumberRange; r != nil {
			sd.StartingSequenceNumber = aws.ToString(r.StartingSequenceNumber)
			sd.EndingSequenceNumber = aws.ToString(r.EndingSequenceNumber)
		}
		d.Shards = append(d.Shards, sd)
	}
	return d, nil
}

// listShardsAPI is the call listShards makes.
type listShardsAPI interface {
	ListShards(ctx context.Context, in *kinesis.ListShardsInput, opts ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error)
}

// listShards pages through ListShards.
func listShards(ctx context.Context, kc listShardsAPI, ref streamRef) ([]types.Shard, error) {
	var shards []types.Shard
	in := &kinesis.ListShardsInput{StreamName: ref.name, StreamARN: ref.arn}
	for {
		out, err := kc.ListShards(ctx, in)
		if err != nil {
			return nil, apiError("list shards of "+ref.String(), err)
		}
		shards = append(shards, out.Shards...)
		if out.NextToken == nil || len(out.Shards) == 0 {
			return shards, nil
		}
		// With NextToken, the stream must not be named again.
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
}

// writeTable writes d as aligned text.
func (d *streamDescription) writeTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	row("Stream", d.Name)
	row("ARN", d.ARN)
	row("Status", d.Status)
	if d.Mode != "" {
		row("Mode", d.Mode)
	}
	row("Retention", fmt.Sprintf("%d h", d.RetentionHours))
	if d.Created != nil {
		row("Created", d.Created.UTC().Format(time.RFC3339))
	}
	row("Open shards", fmt.Sprint(d.OpenShards))
	if d.Consumers != nil {
		row("Consumers", fmt.Sprint(*d.Consumers))
	}
	if d.Encryption != "" {
		row("Encryption", d.Encryption)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SHARD\tPARENT\tHASH KEY RANGE\tSEQUENCE NUMBERS")
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	for _, s := range d.Shards {
		parent := dash(s.Parent)
		if s.AdjacentParent != "" {
			parent += "+" + s.AdjacentParent
		}
		end := "open"
		if s.EndingSequenceNumber != "" {
			end = s.EndingSequenceNumber
		}
		fmt.Fprintf(tw, "%s\t%s\t%s..%s\t%s..%s\n", s.ID, parent, s.HashKeyStart, s.HashKeyEnd, s.StartingSequenceNumber, end)
	}
	return tw.Flush()
}

func newStreamDeleteCmd() *cobra.Command {
	var (
		client  clientFlags
		stream  string
		force   bool
		wait    bool
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "delete --stream NAME [--wait]",
		Short: "Delete a stream and all its data",
		Example: `  eddy stream delete --stream orders
  eddy stream delete --stream orders --enforce-consumer-deletion --wait`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireStream(stream); err != nil {
				return err
			}
			ctx := cmd.Context()
			kc, err := client.newClient(ctx, clientOptions{})
			if err != nil {
				return err
			}
			ref := parseStreamRef(stream)
			in := &kinesis.DeleteStreamInput{StreamName: ref.name, StreamARN: ref.arn}
			if force {
				in.EnforceConsumerDeletion = aws.Bool(true)
			}
			if _, err := kc.DeleteStream(ctx, in); err != nil {
				return apiError("delete stream "+ref.String(), err)
			}
			if wait {
				return waitStreamGone(ctx, kc, ref, timeout)
			}
			return nil
		},
	}
	client.register(cmd.Flags())
	cmd.Flags().StringVar(&stream, "stream", "", "stream name or ARN (required)")
	cmd.Flags().BoolVar(&force, "enforce-consumer-deletion", false, "also delete the stream's registered consumers")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until the stream is gone")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "how long --wait waits (exit status 6 after that)")
	return cmd
}

// waitStreamGone polls DescribeStreamSummary until the stream is not found.
func waitStreamGone(ctx context.Context, kc *kinesis.Client, ref streamRef, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	delay := 50 * time.Millisecond
	for {
		_, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: ref.name, StreamARN: ref.arn})
		var notFound *types.ResourceNotFoundException
		if errors.As(err, &notFound) {
			return nil
		}
		if err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return exitErrorf(exitTimeout, "wait for stream %s to be deleted: still there after %s", ref, timeout)
			}
			return apiError("wait for stream "+ref.String()+" to be deleted", err)
		}
		select {
		case <-ctx.Done():
			return exitErrorf(exitTimeout, "wait for stream %s to be deleted: still there after %s", ref, timeout)
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Second)
	}
}

// writeJSON writes v as indented JSON and a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
