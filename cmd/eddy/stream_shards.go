package main

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/spf13/cobra"
)

// Resharding: eddy stream split, merge and scale.

// waitFlags are --wait and --timeout of the commands that change a stream.
type waitFlags struct {
	wait    bool
	timeout time.Duration
}

func (w *waitFlags) register(cmd *cobra.Command, what string) {
	cmd.Flags().BoolVar(&w.wait, "wait", false, "wait until "+what)
	cmd.Flags().DurationVar(&w.timeout, "timeout", 5*time.Minute, "how long --wait waits (exit status 6 after that)")
}

func newStreamSplitCmd() *cobra.Command {
	var (
		client  clientFlags
		stream  string
		shard   string
		hashKey string
		wait    waitFlags
	)
	cmd := &cobra.Command{
		Use:   "split --stream NAME --shard ID [--hash-key KEY] [--wait]",
		Short: "Split a shard in two",
		Long: `Split an open shard in two: the first child gets the hash keys below --hash-key,
the second the rest. The default is the middle of the shard's range. With
--wait, it waits until the stream is ACTIVE again and prints the IDs of the
two children.`,
		Example: `  eddy stream split --stream orders --shard shardId-000000000000 --wait
  eddy stream split --stream orders --shard shardId-000000000000 --hash-key 85070591730234615865843651857942052864`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireStream(stream); err != nil {
				return err
			}
			if shard == "" {
				return usageErrorf("--shard is required")
			}
			ctx := cmd.Context()
			kc, err := client.newClient(ctx, clientOptions{})
			if err != nil {
				return err
			}
			ref := parseStreamRef(stream)
			if hashKey == "" {
				shards, err := listShards(ctx, kc, ref)
				if err != nil {
					return err
				}
				i := slices.IndexFunc(shards, func(s types.Shard) bool { return aws.ToString(s.ShardId) == shard })
				if i < 0 {
					return shardNotFound(ref, shard)
				}
				if hashKey, err = middleHashKey(shards[i].HashKeyRange); err != nil {
					return err
				}
			}
			_, err = kc.SplitShard(ctx, &kinesis.SplitShardInput{
				StreamName: ref.name, StreamARN: ref.arn,
				ShardToSplit: aws.String(shard), NewStartingHashKey: aws.String(hashKey),
			})
			if err != nil {
				return apiError("split "+shard+" of "+ref.String(), err)
			}
			if !wait.wait {
				return nil
			}
			return printChildren(ctx, cmd, kc, ref, wait.timeout, shard)
		},
	}
	client.register(cmd.Flags())
	cmd.Flags().StringVar(&stream, "stream", "", "stream name or ARN (required)")
	cmd.Flags().StringVar(&shard, "shard", "", "ID of the shard to split (required)")
	cmd.Flags().StringVar(&hashKey, "hash-key", "", "first hash key of the second child, in decimal (default: the middle of the shard's range)")
	wait.register(cmd, "the stream is ACTIVE again, and print the children")
	return cmd
}

// middleHashKey returns the hash key that splits r in two halves.
func middleHashKey(r *types.HashKeyRange) (string, error) {
	if r == nil {
		return "", fmt.Errorf("split: the shard has no hash key range")
	}
	start, ok1 := new(big.Int).SetString(aws.ToString(r.StartingHashKey), 10)
	end, ok2 := new(big.Int).SetString(aws.ToString(r.EndingHashKey), 10)
	if !ok1 || !ok2 {
		return "", fmt.Errorf("split: bad hash key range %s..%s", aws.ToString(r.StartingHashKey), aws.ToString(r.EndingHashKey))
	}
	if end.Cmp(start) <= 0 {
		return "", usageErrorf("split: the shard holds a single hash key and cannot be split")
	}
	// start + (end-start+1)/2: the second half is never empty.
	middle := new(big.Int).Sub(end, start)
	middle.Add(middle, big.NewInt(1)).Rsh(middle, 1).Add(middle, start)
	return middle.String(), nil
}

// printChildren waits until the stream is ACTIVE and prints the IDs of the
// shards whose parents include one of parents.
func printChildren(ctx context.Context, cmd *cobra.Command, kc *kinesis.Client, ref streamRef, timeout time.Duration, parents ...string) error {
	if err := waitStreamActive(ctx, kc, ref, timeout); err != nil {
		return err
	}
	shards, err := listShards(ctx, kc, ref)
	if err != nil {
		return err
	}
	for _, s := range shards {
		if slices.Contains(parents, aws.ToString(s.ParentShardId)) || slices.Contains(parents, aws.ToString(s.AdjacentParentShardId)) {
			fmt.Fprintln(cmd.OutOrStdout(), aws.ToString(s.ShardId))
		}
	}
	return nil
}

func newStreamMergeCmd() *cobra.Command {
	var (
		client   clientFlags
		stream   string
		shard    string
		adjacent string
		wait     waitFlags
	)
	cmd := &cobra.Command{
		Use:   "merge --stream NAME --shard ID --adjacent-shard ID [--wait]",
		Short: "Merge two adjacent shards into one",
		Long: `Merge two open shards whose hash key ranges are adjacent into one. With --wait,
it waits until the stream is ACTIVE again and prints the ID of the child.`,
		Example: `  eddy stream merge --stream orders --shard shardId-000000000001 --adjacent-shard shardId-000000000002 --wait`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireStream(stream); err != nil {
				return err
			}
			if shard == "" || adjacent == "" {
				return usageErrorf("--shard and --adjacent-shard are required")
			}
			ctx := cmd.Context()
			kc, err := client.newClient(ctx, clientOptions{})
			if err != nil {
				return err
			}
			ref := parseStreamRef(stream)
			_, err = kc.MergeShards(ctx, &kinesis.MergeShardsInput{
				StreamName: ref.name, StreamARN: ref.arn,
				ShardToMerge: aws.String(shard), AdjacentShardToMerge: aws.String(adjacent),
			})
			if err != nil {
				return apiError("merge "+shard+" and "+adjacent+" of "+ref.String(), err)
			}
			if !wait.wait {
				return nil
			}
			return printChildren(ctx, cmd, kc, ref, wait.timeout, shard)
		},
	}
	client.register(cmd.Flags())
	cmd.Flags().StringVar(&stream, "stream", "", "stream name or ARN (required)")
	cmd.Flags().StringVar(&shard, "shard", "", "ID of one shard (required)")
	cmd.Flags().StringVar(&adjacent, "adjacent-shard", "", "ID of the shard whose hash key range is adjacent (required)")
	wait.register(cmd, "the stream is ACTIVE again, and print the child")
	return cmd
}

func newStreamScaleCmd() *cobra.Command {
	var (
		client      clientFlags
		stream      string
		shards      int
		onDemand    bool
		provisioned bool
		wait        waitFlags
	)
	cmd := &cobra.Command{
		Use:   "scale --stream NAME (--shards N | --on-demand | --provisioned) [--wait]",
		Short: "Change the shard count or the capacity mode of a stream",
		Long: `Change the number of open shards with uniform scaling (UpdateShardCount: shards
are split or merged so that they cover equal hash key ranges), or switch the
stream between the on-demand and provisioned capacity modes.`,
		Example: `  eddy stream scale --stream orders --shards 8 --wait
  eddy stream scale --stream orders --on-demand`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireStream(stream); err != nil {
				return err
			}
			set := 0
			for _, b := range []bool{cmd.Flags().Changed("shards"), onDemand, provisioned} {
				if b {
					set++
				}
			}
			if set != 1 {
				return usageErrorf("give exactly one of --shards, --on-demand and --provisioned")
			}
			if cmd.Flags().Changed("shards") && shards < 1 {
				return usageErrorf("--shards must be at least 1")
			}
			ctx := cmd.Context()
			kc, err := client.newClient(ctx, clientOptions{})
			if err != nil {
				return err
			}
			ref := parseStreamRef(stream)
			if onDemand || provisioned {
				err = setStreamMode(ctx, kc, ref, onDemand)
			} else {
				_, err = kc.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{
					StreamName: ref.name, StreamARN: ref.arn,
					TargetShardCount: aws.Int32(int32(shards)), ScalingType: types.ScalingTypeUniformScaling,
				})
				if err != nil {
					err = apiError("scale "+ref.String(), err)
				}
			}
			if err != nil || !wait.wait {
				return err
			}
			return waitStreamActive(ctx, kc, ref, wait.timeout)
		},
	}
	client.register(cmd.Flags())
	cmd.Flags().StringVar(&stream, "stream", "", "stream name or ARN (required)")
	cmd.Flags().IntVar(&shards, "shards", 0, "target number of open shards")
	cmd.Flags().BoolVar(&onDemand, "on-demand", false, "switch to the on-demand capacity mode")
	cmd.Flags().BoolVar(&provisioned, "provisioned", false, "switch to the provisioned capacity mode")
	wait.register(cmd, "the stream is ACTIVE again")
	return cmd
}

// setStreamMode switches a stream's capacity mode; UpdateStreamMode takes
// only an ARN.
func setStreamMode(ctx context.Context, kc *kinesis.Client, ref streamRef, onDemand bool) error {
	arn, err := streamARN(ctx, kc, ref)
	if err != nil {
		return err
	}
	mode := types.StreamModeProvisioned
	if onDemand {
		mode = types.StreamModeOnDemand
	}
	_, err = kc.UpdateStreamMode(ctx, &kinesis.UpdateStreamModeInput{
		StreamARN: aws.String(arn), StreamModeDetails: &types.StreamModeDetails{StreamMode: mode},
	})
	if err != nil {
		return apiError("switch "+ref.String()+" to "+string(mode), err)
	}
	return nil
}

// streamARN returns the ARN of a stream named by name or ARN.
func streamARN(ctx context.Context, kc *kinesis.Client, ref streamRef) (string, error) {
	if ref.arn != nil {
		return *ref.arn, nil
	}
	out, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: ref.name})
	if err != nil {
		return "", apiError("describe stream "+ref.String(), err)
	}
	return aws.ToString(out.StreamDescriptionSummary.StreamARN), nil
}
