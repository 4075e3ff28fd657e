package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newTailCmd) }

// tailFlags are the flags of `eddy tail`.
type tailFlags struct {
	client       clientFlags
	stream       string
	from         string
	output       string
	count        int
	pollInterval time.Duration
}

func newTailCmd() *cobra.Command {
	var f tailFlags
	cmd := &cobra.Command{
		Use:   "tail --stream NAME [--from latest|trim-horizon] [--output text|json] [--count N]",
		Short: "Follow a stream and print its records",
		Long: `Follow every shard of a stream at once and print records as they arrive:
as text (each record's data as a line), or as JSON (one object a line with
shard, sequence_number, partition_key, arrival_time and data; data is a string
when it is valid UTF-8, else base64 with "encoding": "base64"). When a shard
is closed by a split or merge, its children are followed once read to the end.
Stops after --count records, or on Ctrl-C.`,
		Example: `  eddy tail --stream events
  eddy tail --stream events --from trim-horizon --count 10 --output json | jq .data`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTail(cmd, &f)
		},
	}
	usageFlagErrors(cmd)
	f.client.register(cmd.Flags())
	fs := cmd.Flags()
	fs.StringVar(&f.stream, "stream", "", "stream name or ARN (required)")
	fs.StringVar(&f.from, "from", "latest", "where to start: latest (new records only) or trim-horizon (oldest retained)")
	fs.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	fs.IntVarP(&f.count, "count", "n", 0, "stop after this many records (0: follow until interrupted)")
	fs.DurationVar(&f.pollInterval, "poll-interval", 200*time.Millisecond, "wait after an empty GetRecords (AWS allows 5 calls/s per shard)")
	return cmd
}

// parseFrom maps --from to an iterator type.
func parseFrom(s string) (types.ShardIteratorType, error) {
	switch strings.ReplaceAll(strings.ToLower(s), "_", "-") {
	case "latest":
		return types.ShardIteratorTypeLatest, nil
	case "trim-horizon":
		return types.ShardIteratorTypeTrimHorizon, nil
	}
	return "", usageErrorf("--from must be latest or trim-horizon, got %q", s)
}

func runTail(cmd *cobra.Command, f *tailFlags) error {
	if err := requireStream(f.stream); err != nil {
		return err
	}
	from, err := parseFrom(f.from)
	if err != nil {
		return err
	}
	if f.output != "text" && f.output != "json" {
		return usageErrorf("--output must be text or json, got %q", f.output)
	}
	if f.count < 0 {
		return usageErrorf("--count must not be negative")
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
	t := newTailer(kc, ref, f.pollInterval)
	out := bufio.NewWriter(cmd.OutOrStdout())
	printErr := make(chan error, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		printErr <- printRecords(out, t.batches, f.output == "json", f.count, cancel)
	}()
	err = t.run(ctx, shards, from)
	close(t.batches)
	if perr := <-printErr; perr != nil {
		return perr
	}
	if err != nil && ctx.Err() == nil {
		return err
	}
	return nil // interrupted or --count reached
}

// tailAPI is the part of the Kinesis client `eddy tail` reads with.
type tailAPI interface {
	GetShardIterator(ctx context.Context, in *kinesis.GetShardIteratorInput, opts ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *kinesis.GetRecordsInput, opts ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error)
	ListShards(ctx context.Context, in *kinesis.ListShardsInput, opts ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error)
}

// shardBatch is the records of one GetRecords call.
type shardBatch struct {
	shard   string
	records []types.Record
}

// tailer reads shards concurrently, one goroutine each, and follows the
// children of a closed shard once all of its parents are read to the end.
type tailer struct {
	api     tailAPI
	ref     streamRef
	poll    time.Duration
	batches chan shardBatch

	mu       sync.Mutex
	started  map[string]bool
	finished map[string]bool
	known    map[string]bool // shards listed at the start
	wg       sync.WaitGroup
	errOnce  sync.Once
	err      error
	cancel   context.CancelFunc
}

func newTailer(api tailAPI, ref streamRef, poll time.Duration) *tailer {
	return &tailer{
		api:      api,
		ref:      ref,
		poll:     poll,
		batches:  make(chan shardBatch, 16),
		started:  map[string]bool{},
		finished: map[string]bool{},
		known:    map[string]bool{},
	}
}

// run reads the stream until ctx is done, every shard is closed and read,
// or a read fails. From LATEST it starts at the open shards; from
// TRIM_HORIZON at the shards whose parents are gone.
func (t *tailer) run(ctx context.Context, shards []types.Shard, from types.ShardIteratorType) error {
	ctx, t.cancel = context.WithCancel(ctx)
	defer t.cancel()
	for _, s := range shards {
		t.known[aws.ToString(s.ShardId)] = true
	}
	t.mu.Lock()
	for _, s := range shards {
		id := aws.ToString(s.ShardId)
		if from == types.ShardIteratorTypeLatest {
			if s.SequenceNumberRange != nil && s.SequenceNumberRange.EndingSequenceNumber != nil {
				continue // closed: nothing new will arrive
			}
		} else if t.known[aws.ToString(s.ParentShardId)] || t.known[aws.ToString(s.AdjacentParentShardId)] {
			continue // started when its parents are read
		}
		t.startLocked(ctx, id, from)
	}
	t.mu.Unlock()
	t.wg.Wait()
	return t.err
}

// startLocked starts reading shard from iterator type from; t.mu is held.
func (t *tailer) startLocked(ctx context.Context, shard string, from types.ShardIteratorType) {
	if t.started[shard] {
		return
	}
	t.started[shard] = true
	t.wg.Go(func() {
		children, err := t.readShard(ctx, shard, from)
		if err != nil {
			if ctx.Err() == nil {
				t.errOnce.Do(func() { t.err = err; t.cancel() })
			}
			return
		}
		t.shardDone(ctx, shard, children)
	})
}

// shardDone records that shard is read to its end and starts each child
// whose parents are all done.
func (t *tailer) shardDone(ctx context.Context, shard string, children []types.ChildShard) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.finished[shard] = true
	for _, c := range children {
		ready := true
		for _, p := range c.ParentShards {
			if (t.known[p] || t.started[p]) && !t.finished[p] {
				ready = false
			}
		}
		if ready {
			t.startLocked(ctx, aws.ToString(c.ShardId), types.ShardIteratorTypeTrimHorizon)
		}
	}
}

// readShard reads one shard until it is closed and read to the end, and
// returns its children.
func (t *tailer) readShard(ctx context.Context, shard string, from types.ShardIteratorType) ([]types.ChildShard, error) {
	iterator, err := t.iterator(ctx, shard, from, "")
	if err != nil {
		return nil, err
	}
	var (
		lastSequence string
		backoff      time.Duration
	)
	for {
		out, err := t.api.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: &iterator, StreamARN: t.ref.arn})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var expired *types.ExpiredIteratorException
			var throttled *types.ProvisionedThroughputExceededException
			switch {
			case errors.As(err, &expired):
				next := types.ShardIteratorTypeAfterSequenceNumber
				if lastSequence == "" {
					next = from
				}
				if iterator, err = t.iterator(ctx, shard, next, lastSequence); err != nil {
					return nil, err
				}
				continue
			case errors.As(err, &throttled):
				backoff = min(max(2*backoff, t.poll), 5*time.Second)
				if !sleepCtx(ctx, backoff) {
					return nil, ctx.Err()
				}
				continue
			}
			return nil, apiError("get records from "+shard, err)
		}
		backoff = 0
		if n := len(out.Records); n > 0 {
			lastSequence = aws.ToString(out.Records[n-1].SequenceNumber)
			select {
			case t.batches <- shardBatch{shard: shard, records: out.Records}:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if out.NextShardIterator == nil {
			if len(out.ChildShards) > 0 {
				return out.ChildShards, nil
			}
			return t.childrenOf(ctx, shard)
		}
		iterator = *out.NextShardIterator
		if len(out.Records) == 0 && !sleepCtx(ctx, t.poll) {
			return nil, ctx.Err()
		}
	}
}

// iterator gets a shard iterator of type typ (at sequence for
// AFTER_SEQUENCE_NUMBER).
func (t *tailer) iterator(ctx context.Context, shard string, typ types.ShardIteratorType, sequence string) (string, error) {
	in := &kinesis.GetShardIteratorInput{
		StreamName:        t.ref.name,
		StreamARN:         t.ref.arn,
		ShardId:           aws.String(shard),
		ShardIteratorType: typ,
	}
	if sequence != "" {
		in.StartingSequenceNumber = aws.String(sequence)
	}
	out, err := t.api.GetShardIterator(ctx, in)
	if err != nil {
		return "", apiError("get shard iterator for "+shard, err)
	}
	return aws.ToString(out.ShardIterator), nil
}

// childrenOf finds a closed shard's children with ListShards, for endpoints
// whose GetRecords does not return ChildShards.
func (t *tailer) childrenOf(ctx context.Context, shard string) ([]types.ChildShard, error) {
	var children []types.ChildShard
	in := &kinesis.ListShardsInput{StreamName: t.ref.name, StreamARN: t.ref.arn}
	for {
		out, err := t.api.ListShards(ctx, in)
		if err != nil {
			return nil, apiError("list shards", err)
		}
		for _, s := range out.Shards {
			parent, adjacent := aws.ToString(s.ParentShardId), aws.ToString(s.AdjacentParentShardId)
			if parent != shard && adjacent != shard {
				continue
			}
			c := types.ChildShard{ShardId: s.ShardId, HashKeyRange: s.HashKeyRange}
			for _, p := range []string{parent, adjacent} {
				if p != "" {
					c.ParentShards = append(c.ParentShards, p)
				}
			}
			children = append(children, c)
		}
		if out.NextToken == nil || len(out.Shards) == 0 {
			return children, nil
		}
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
}

// sleepCtx sleeps for d and reports whether ctx is still live.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// printRecords writes batches to w until batches is closed or count records
// (if count > 0) are written; then it calls done.
func printRecords(w *bufio.Writer, batches <-chan shardBatch, asJSON bool, count int, done func()) error {
	printed := 0
	var writeErr error
	for b := range batches {
		if writeErr != nil || (count > 0 && printed >= count) {
			continue // drain so that readers never block
		}
		for _, r := range b.records {
			if asJSON {
				writeErr = writeJSONRecord(w, b.shard, r)
			} else {
				writeErr = writeTextRecord(w, r)
			}
			if writeErr != nil {
				break
			}
			printed++
			if count > 0 && printed >= count {
				break
			}
		}
		if err := w.Flush(); err != nil && writeErr == nil {
			writeErr = err
		}
		if writeErr != nil || (count > 0 && printed >= count) {
			done()
		}
	}
	if writeErr != nil {
		return fmt.Errorf("write output: %w", writeErr)
	}
	return nil
}

// writeTextRecord writes a record's data as one line.
func writeTextRecord(w io.Writer, r types.Record) error {
	if _, err := w.Write(r.Data); err != nil {
		return err
	}
	if len(r.Data) > 0 && r.Data[len(r.Data)-1] == '\n' {
		return nil
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// tailRecord is one line of `eddy tail --output json`.
type tailRecord struct {
	Shard          string `json:"shard"`
	SequenceNumber string `json:"sequence_number"`
	PartitionKey   string `json:"partition_key"`
	ArrivalTime    string `json:"arrival_time,omitempty"`
	Data           string `json:"data"`
	// Encoding is "base64" when Data is base64 because the record is not
	// valid UTF-8.
	Encoding string `json:"encoding,omitempty"`
}

// arrivalTimeLayout is RFC 3339 with the milliseconds Kinesis keeps.
const arrivalTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// newTailRecord converts a record for JSON output.
func newTailRecord(shard string, r types.Record) tailRecord {
	t := tailRecord{
		Shard:          shard,
		SequenceNumber: aws.ToString(r.SequenceNumber),
		PartitionKey:   aws.ToString(r.PartitionKey),
	}
	if r.ApproximateArrivalTimestamp != nil {
		t.ArrivalTime = r.ApproximateArrivalTimestamp.UTC().Format(arrivalTimeLayout)
	}
	if utf8.Valid(r.Data) {
		t.Data = string(r.Data)
	} else {
		t.Data = base64.StdEncoding.EncodeToString(r.Data)
		t.Encoding = "base64"
	}
	return t
}

// writeJSONRecord writes a record as one JSON object and a newline.
func writeJSONRecord(w io.Writer, shard string, r types.Record) error {
	return json.NewEncoder(w).Encode(newTailRecord(shard, r))
}
