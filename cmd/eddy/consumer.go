package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newConsumerCmd) }

func newConsumerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "consumer",
		Aliases: []string{"consumers"},
		Short:   "Register, list, describe and deregister enhanced fan-out consumers",
		Long: `Manage the registered consumers of a stream: enhanced fan-out consumers, which
read with SubscribeToShard, each with its own read throughput.`,
		Example: `  eddy consumer register --stream orders --name billing --wait
  eddy consumer list --stream orders
  eddy consumer describe --stream orders --name billing --output json
  eddy consumer deregister --stream orders --name billing`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprint(cmd.ErrOrStderr(), cmd.UsageString())
			return usageErrorf("missing subcommand: register, list, describe or deregister")
		},
	}
	groupCommand(cmd)
	for _, sub := range []*cobra.Command{
		newConsumerRegisterCmd(), newConsumerListCmd(), newConsumerDescribeCmd(), newConsumerDeregisterCmd(),
	} {
		usageFlagErrors(sub)
		cmd.AddCommand(sub)
	}
	return cmd
}

// consumerFlags name a consumer: --stream and --name, or --arn.
type consumerFlags struct {
	client clientFlags
	stream string
	name   string
	arn    string
	output string
	wait   waitFlags
}

func (f *consumerFlags) register(cmd *cobra.Command, byARN bool) {
	f.client.register(cmd.Flags())
	cmd.Flags().StringVar(&f.stream, "stream", "", "stream name or ARN (required unless --arn)")
	cmd.Flags().StringVar(&f.name, "name", "", "consumer name")
	if byARN {
		cmd.Flags().StringVar(&f.arn, "arn", "", "consumer ARN, instead of --stream and --name")
	}
}

// check reports missing or conflicting flags.
func (f *consumerFlags) check() error {
	if f.arn != "" {
		if f.stream != "" || f.name != "" {
			return usageErrorf("--arn names the consumer by itself: give --arn, or --stream and --name")
		}
		return nil
	}
	if err := requireStream(f.stream); err != nil {
		return err
	}
	if f.name == "" {
		return usageErrorf("--name is required")
	}
	return nil
}

// consumerDescription is a consumer in the output of eddy consumer.
type consumerDescription struct {
	Name      string     `json:"name"`
	ARN       string     `json:"arn"`
	Status    string     `json:"status"`
	Created   *time.Time `json:"created,omitempty"`
	StreamARN string     `json:"stream_arn,omitempty"`
}

func newConsumerDescription(c types.Consumer) consumerDescription {
	return consumerDescription{
		Name:    aws.ToString(c.ConsumerName),
		ARN:     aws.ToString(c.ConsumerARN),
		Status:  string(c.ConsumerStatus),
		Created: c.ConsumerCreationTimestamp,
	}
}

// writeConsumers writes consumers as an aligned table.
func writeConsumers(w io.Writer, consumers []consumerDescription) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATUS\tCREATED\tARN")
	for _, c := range consumers {
		created := "-"
		if c.Created != nil {
			created = c.Created.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, c.Status, created, c.ARN)
	}
	return tw.Flush()
}

// checkOutput checks --output of the consumer commands.
func checkOutput(output string) error {
	if output != "table" && output != "json" {
		return usageErrorf("--output must be table or json, got %q", output)
	}
	return nil
}

func newConsumerRegisterCmd() *cobra.Command {
	var f consumerFlags
	cmd := &cobra.Command{
		Use:   "register --stream NAME --name CONSUMER [--wait]",
		Short: "Register a consumer and print its ARN",
		Long: `Register an enhanced fan-out consumer and print its ARN. It exits 4
(ResourceInUseException) when the stream has a consumer of that name.`,
		Example: `  eddy consumer register --stream orders --name billing --wait`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			ctx := cmd.Context()
			kc, err := f.client.newClient(ctx, clientOptions{})
			if err != nil {
				return err
			}
			ref := parseStreamRef(f.stream)
			arn, err := streamARN(ctx, kc, ref)
			if err != nil {
				return err
			}
			out, err := kc.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{
				StreamARN: aws.String(arn), ConsumerName: aws.String(f.name),
			})
			if err != nil {
				return apiError("register consumer "+f.name+" of "+ref.String(), err)
			}
			consumerARN := aws.ToString(out.Consumer.ConsumerARN)
			if f.wait.wait {
				if err := waitConsumer(ctx, kc, consumerARN, f.wait.timeout, true); err != nil {
					return err
				}
			}
			fmt.Fprintln(cmd.OutOrStdout(), consumerARN)
			return nil
		},
	}
	f.register(cmd, false)
	f.wait.register(cmd, "the consumer is ACTIVE")
	return cmd
}

func newConsumerListCmd() *cobra.Command {
	var f consumerFlags
	cmd := &cobra.Command{
		Use:   "list --stream NAME [--output table|json]",
		Short: "List the consumers of a stream",
		Example: `  eddy consumer list --stream orders
  eddy consumer list --stream orders --output json | jq -r '.[].name'`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireStream(f.stream); err != nil {
				return err
			}
			if err := checkOutput(f.output); err != nil {
				return err
			}
			ctx := cmd.Context()
			kc, err := f.client.newClient(ctx, clientOptions{})
			if err != nil {
				return err
			}
			ref := parseStreamRef(f.stream)
			arn, err := streamARN(ctx, kc, ref)
			if err != nil {
				return err
			}
			consumers := []consumerDescription{}
			in := &kinesis.ListStreamConsumersInput{StreamARN: aws.String(arn)}
			for {
				out, err := kc.ListStreamConsumers(ctx, in)
				if err != nil {
					return apiError("list consumers of "+ref.String(), err)
				}
				for _, c := range out.Consumers {
					consumers = append(consumers, newConsumerDescription(c))
				}
				if out.NextToken == nil || len(out.Consumers) == 0 {
					break
				}
				in = &kinesis.ListStreamConsumersInput{StreamARN: aws.String(arn), NextToken: out.NextToken}
			}
			if f.output == "json" {
				return writeJSON(cmd.OutOrStdout(), consumers)
			}
			return writeConsumers(cmd.OutOrStdout(), consumers)
		},
	}
	f.client.register(cmd.Flags())
	cmd.Flags().StringVar(&f.stream, "stream", "", "stream name or ARN (required)")
	cmd.Flags().StringVarP(&f.output, "output", "o", "table", "output format: table or json")
	return cmd
}

func newConsumerDescribeCmd() *cobra.Command {
	var f consumerFlags
	cmd := &cobra.Command{
		Use:   "describe (--stream NAME --name CONSUMER | --arn ARN) [--output table|json]",
		Short: "Describe a consumer",
		Example: `  eddy consumer describe --stream orders --name billing
  eddy consumer describe --arn arn:aws:kinesis:us-east-1:000000000000:stream/orders/consumer/billing:1764115200`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			if err := checkOutput(f.output); err != nil {
				return err
			}
			ctx := cmd.Context()
			kc, err := f.client.newClient(ctx, clientOptions{})
			if err != nil {
				return err
			}
			in, err := f.describeInput(ctx, kc)
			if err != nil {
				return err
			}
			out, err := kc.DescribeStreamConsumer(ctx, in)
			if err != nil {
				return apiError("describe consumer "+f.String(), err)
			}
			c := out.ConsumerDescription
			d := consumerDescription{
				Name: aws.ToString(c.ConsumerName), ARN: aws.ToString(c.ConsumerARN), Status: string(c.ConsumerStatus),
				Created: c.ConsumerCreationTimestamp, StreamARN: aws.ToString(c.StreamARN),
			}
			if f.output == "json" {
				return writeJSON(cmd.OutOrStdout(), d)
			}
			return writeConsumers(cmd.OutOrStdout(), []consumerDescription{d})
		},
	}
	f.register(cmd, true)
	cmd.Flags().StringVarP(&f.output, "output", "o", "table", "output format: table or json")
	return cmd
}

// String names the consumer for messages.
func (f *consumerFlags) String() string {
	if f.arn != "" {
		return f.arn
	}
	return f.name + " of " + f.stream
}

// describeInput names the consumer for DescribeStreamConsumer.
func (f *consumerFlags) describeInput(ctx context.Context, kc *kinesis.Client) (*kinesis.DescribeStreamConsumerInput, error) {
	if f.arn != "" {
		return &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(f.arn)}, nil
	}
	arn, err := streamARN(ctx, kc, parseStreamRef(f.stream))
	if err != nil {
		return nil, err
	}
	return &kinesis.DescribeStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String(f.name)}, nil
}

func newConsumerDeregisterCmd() *cobra.Command {
	var f consumerFlags
	cmd := &cobra.Command{
		Use:   "deregister (--stream NAME --name CONSUMER | --arn ARN) [--wait]",
		Short: "Deregister a consumer",
		Example: `  eddy consumer deregister --stream orders --name billing --wait
  eddy consumer deregister --arn arn:aws:kinesis:us-east-1:000000000000:stream/orders/consumer/billing:1764115200`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			ctx := cmd.Context()
			kc, err := f.client.newClient(ctx, clientOptions{})
			if err != nil {
				return err
			}
			in, err := f.describeInput(ctx, kc)
			if err != nil {
				return err
			}
			// The wait needs the ARN; a described consumer also gives
			// a clear error when it does not exist.
			out, err := kc.DescribeStreamConsumer(ctx, in)
			if err != nil {
				return apiError("deregister consumer "+f.String(), err)
			}
			consumerARN := out.ConsumerDescription.ConsumerARN
			if _, err := kc.DeregisterStreamConsumer(ctx, &kinesis.DeregisterStreamConsumerInput{ConsumerARN: consumerARN}); err != nil {
				return apiError("deregister consumer "+f.String(), err)
			}
			if f.wait.wait {
				return waitConsumer(ctx, kc, aws.ToString(consumerARN), f.wait.timeout, false)
			}
			return nil
		},
	}
	f.register(cmd, true)
	f.wait.register(cmd, "the consumer is gone")
	return cmd
}

// waitConsumer polls DescribeStreamConsumer until the consumer is ACTIVE
// (active) or gone (!active).
func waitConsumer(ctx context.Context, kc *kinesis.Client, arn string, timeout time.Duration, active bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	want := "ACTIVE"
	if !active {
		want = "gone"
	}
	delay := 50 * time.Millisecond
	for {
		out, err := kc.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(arn)})
		var notFound *types.ResourceNotFoundException
		switch {
		case !active && errors.As(err, &notFound):
			return nil
		case err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
			return exitErrorf(exitTimeout, "wait for consumer %s: not %s after %s", arn, want, timeout)
		case err != nil:
			return apiError("wait for consumer "+arn, err)
		case active && out.ConsumerDescription.ConsumerStatus == types.ConsumerStatusActive:
			return nil
		}
		select {
		case <-ctx.Done():
			return exitErrorf(exitTimeout, "wait for consumer %s: not %s after %s", arn, want, timeout)
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Second)
	}
}
