package main

import (
	"bufio"
	"context"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newTailCmd) }

// tailFlags are the flags of `eddy tail`.
type tailFlags struct {
	client       clientFlags
	stream       string
	shards       []string
	from         string
	until        string
	output       string
	count        int
	noDeaggr     bool
	pollInterval time.Duration
}

func newTailCmd() *cobra.Command {
	var f tailFlags
	cmd := &cobra.Command{
		Use:   "tail --stream NAME [--from POSITION] [--until TIME] [--count N] [--output text|json|raw]",
		Short: "Follow a stream and print its records",
		Long: `Follow every shard of a stream at once and print records as they arrive.

--from picks where to start: latest (the default: new records only),
trim-horizon (the oldest retained record), a time (RFC 3339, or -15m for 15
minutes ago), or a sequence number (the shard that holds it, from that
record). When a shard is closed by a split or a merge, its children are
followed once their parents are read to the end, so the records of a
partition key come out in order.

Records written by a KPL-compatible producer (eddy put --aggregate, the KPL,
aws-kinesis-agg) are split into their user records, unless --no-deaggregate.

Output (--output): text prints each record's data as a line; json prints one
object a line with shard, sequence_number, sub_sequence_number (for
aggregated records), partition_key, explicit_hash_key (if any),
arrival_time and data (a string when the data is valid UTF-8, else base64
with "encoding": "base64"); raw writes the data bytes alone, with nothing
between records.

It stops after --count records, at --until (records that arrived before it
are printed; then it exits once every shard is read up to it), or on Ctrl-C,
and exits 0. It exits 6 when --until came before --count records.`,
		Example: `  eddy tail --stream events
  eddy tail --stream events --from trim-horizon --count 10 --output json | jq .data
  eddy tail --stream events --from 2026-11-25T10:00:00Z --until 2026-11-25T11:00:00Z > hour.txt
  eddy tail --stream events --from -5m --until 30s
  eddy tail --stream events --from 49658830918206128404377213727302453213577335337010102274 -n 1`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTail(cmd, &f)
		},
	}
	usageFlagErrors(cmd)
	f.client.register(cmd.Flags())
	fs := cmd.Flags()
	fs.StringVar(&f.stream, "stream", "", "stream name or ARN (required)")
	fs.StringSliceVar(&f.shards, "shard", nil, "read only these shards (and their children); repeat or separate with commas")
	fs.StringVar(&f.from, "from", "latest", fromHelp)
	fs.StringVar(&f.until, "until", "", untilHelp)
	fs.StringVarP(&f.output, "output", "o", "text", "output format: text, json or raw")
	fs.IntVarP(&f.count, "count", "n", 0, "stop after this many records (0: no limit)")
	fs.BoolVar(&f.noDeaggr, "no-deaggregate", false, "print KPL aggregated records as they are, without splitting them")
	fs.DurationVar(&f.pollInterval, "poll-interval", 200*time.Millisecond, "wait after an empty GetRecords (AWS allows 5 calls/s per shard)")
	return cmd
}

func runTail(cmd *cobra.Command, f *tailFlags) error {
	if err := requireStream(f.stream); err != nil {
		return err
	}
	now := time.Now()
	from, err := parsePosition(f.from, now)
	if err != nil {
		return err
	}
	var until time.Time
	if f.until != "" {
		if until, err = parseUntil(f.until, now); err != nil {
			return err
		}
	}
	format, err := parseOutputFormat(f.output)
	if err != nil {
		return err
	}
	if f.count < 0 {
		return usageErrorf("--count must not be negative")
	}
	if f.pollInterval <= 0 {
		return usageErrorf("--poll-interval must be positive")
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	kc, err := f.client.newClient(ctx, clientOptions{})
	if err != nil {
		return err
	}
	ref := parseStreamRef(f.stream)
	shards, err := listShards(ctx, kc, ref)
	if err != nil {
		return err
	}
	only, err := selectShards(shards, ref, f.shards)
	if err != nil {
		return err
	}
	if from.typ == types.ShardIteratorTypeAtSequenceNumber && len(only) == 0 {
		shard, err := sequenceShard(ctx, kc, ref, shards, from.sequence)
		if err != nil {
			return err
		}
		only = []string{shard}
	}
	t := newTailer(kc, ref, f.pollInterval)
	t.deaggregate = !f.noDeaggr
	t.until = until
	out := bufio.NewWriterSize(cmd.OutOrStdout(), 64<<10)
	type printResult struct {
		printed int
		err     error
	}
	printed := make(chan printResult, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		n, err := printRecords(out, t.batches, format, f.count, cancel)
		printed <- printResult{n, err}
	}()
	err = t.run(ctx, shards, from, only)
	close(t.batches)
	res := <-printed
	if res.err != nil {
		return res.err
	}
	if err != nil && ctx.Err() == nil {
		return err
	}
	if f.count > 0 && res.printed < f.count && t.reachedUntil.Load() && ctx.Err() == nil {
		return exitErrorf(exitTimeout, "tail: reached --until %s after %d of %d records",
			until.UTC().Format(time.RFC3339), res.printed, f.count)
	}
	return nil // interrupted, --count or --until reached, or every shard read
}

// selectShards checks the shards named by --shard.
func selectShards(shards []types.Shard, ref streamRef, names []string) ([]string, error) {
	var only []string
	for _, name := range names {
		if name == "" {
			continue
		}
		if !slices.ContainsFunc(shards, func(s types.Shard) bool { return aws.ToString(s.ShardId) == name }) {
			return nil, shardNotFound(ref, name)
		}
		if !slices.Contains(only, name) {
			only = append(only, name)
		}
	}
	return only, nil
}
