package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/eddy-streaming/eddy/producer"
)

func init() { commands = append(commands, newPutCmd) }

// putFlags are the flags of `eddy put`.
type putFlags struct {
	client        clientFlags
	stream        string
	key           string
	keyField      string
	rate          float64
	aggregate     bool
	ordered       bool
	linger        time.Duration
	maxRecordSize int
	retries       int
	progress      bool
	quiet         bool
}

// Bounds of --max-record-size: Kinesis records are at most 10 MiB (1 MiB
// unless the stream was configured otherwise), and a record must have room
// for a partition key of 256 characters.
const (
	minRecordSize      = maxPartitionKeyLength + 1
	maxRecordSizeLimit = 10 << 20
)

func newPutCmd() *cobra.Command {
	var f putFlags
	cmd := &cobra.Command{
		Use:   "put --stream NAME [FILE...]",
		Short: "Put records into a stream, one per input line",
		Long: `Put records into a stream: each line of the files (or of standard input, also
named "-") becomes one record, without its line ending. Empty lines are
skipped.

The partition key is random, fixed (--key), or a top-level field of each JSON
line (--key-field; lines that lack it get a random key). Records go through
Eddy's producer library: batched per shard into PutRecords calls, retried
with backoff when the service fails them (throttling, say), and with
--aggregate packed into KPL aggregated records (eddy tail, the KCL and
aws-kinesis-agg split them again). --rate caps the records sent per second.

On a terminal a progress line shows the records written and the current
rate; a summary goes to standard error at the end (none with --quiet).
Exit status: 0 when every record was written; 1 when some failed (the first
failure is reported and reading stops), 3 when the stream does not exist,
2 for bad flags, 130 when interrupted (records read so far are still sent,
for up to 10 s).`,
		Example: `  echo '{"user":"ann","event":"login"}' | eddy put --stream events --key-field user
  eddy put --stream logs /var/log/app.log
  tail -F app.log | eddy put --stream logs --key "$(hostname)"
  seq 100000 | eddy put --stream numbers --rate 1000 --aggregate`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("progress") {
				f.progress = writerIsTerminal(cmd.ErrOrStderr())
			}
			return runPut(cmd, &f, args)
		},
	}
	usageFlagErrors(cmd)
	f.client.register(cmd.Flags())
	fs := cmd.Flags()
	fs.StringVar(&f.stream, "stream", "", "stream name or ARN (required)")
	fs.StringVar(&f.key, "key", "", "fixed partition key for every record")
	fs.StringVar(&f.keyField, "key-field", "", "top-level field of each JSON line to use as its partition key")
	fs.Float64Var(&f.rate, "rate", 0, "send at most this many records per second (0: no limit)")
	fs.BoolVar(&f.aggregate, "aggregate", false, "pack records into KPL aggregated records (consumers must deaggregate)")
	fs.BoolVar(&f.ordered, "ordered", false,
		"keep the order of each partition key's records even when some are retried (one record per key per call; cheap with --aggregate)")
	fs.DurationVar(&f.linger, "linger", 100*time.Millisecond, "longest time a read line waits to be sent with more")
	fs.IntVar(&f.maxRecordSize, "max-record-size", producer.DefaultMaxRecordSize, "largest record (data and partition key) in bytes; a longer line is an error")
	fs.IntVar(&f.retries, "retries", producer.DefaultMaxAttempts-1, "times a failed record is retried")
	fs.BoolVar(&f.progress, "progress", false, "show a progress line on standard error (default: when it is a terminal)")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "print neither progress nor summary")
	return cmd
}

// check reports bad flag values as usage errors.
func (f *putFlags) check() error {
	if err := requireStream(f.stream); err != nil {
		return err
	}
	if f.maxRecordSize < minRecordSize || f.maxRecordSize > maxRecordSizeLimit {
		return usageErrorf("--max-record-size must be %d to %d", minRecordSize, maxRecordSizeLimit)
	}
	if f.retries < 0 {
		return usageErrorf("--retries must not be negative")
	}
	if f.rate < 0 {
		return usageErrorf("--rate must not be negative")
	}
	if f.linger <= 0 {
		return usageErrorf("--linger must be positive")
	}
	return nil
}

func runPut(cmd *cobra.Command, f *putFlags, args []string) error {
	if err := f.check(); err != nil {
		return err
	}
	keys, err := newKeyChooser(f.key, f.keyField)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		args = []string{"-"}
	}
	sigCtx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	kc, err := f.client.newClient(sigCtx, clientOptions{})
	if err != nil {
		return err
	}
	readCtx, stopReading := context.WithCancel(sigCtx)
	defer stopReading()
	var failures putFailures
	p, err := producer.New(kc, f.stream, producer.Options{
		Linger:        f.linger,
		MaxRecordSize: f.maxRecordSize,
		MaxBatchBytes: max(producer.DefaultMaxBatchBytes, f.maxRecordSize),
		// An aggregated record fits in a record, with room for its
		// partition key.
		MaxAggregatedBytes: min(producer.DefaultMaxAggregatedBytes, f.maxRecordSize-maxPartitionKeyLength),
		Aggregate:          f.aggregate,
		MaxAttempts:        f.retries + 1,
		Unordered:          !f.ordered,
		OnResult: func(r producer.Result) {
			if r.Err != nil {
				failures.add(r.Err)
				stopReading() // fail fast: the rest would most likely fail too
			}
		},
	})
	if err != nil {
		return usageErrorf("%v", err)
	}
	start := time.Now()
	var progress *progressLine
	if f.progress && !f.quiet {
		progress = startProgressLine(cmd.ErrOrStderr(), p.Stats, 250*time.Millisecond)
	}

	records := make(chan putRecord, 1024)
	readErr := make(chan error, 1)
	go func() {
		defer close(records)
		readErr <- readRecords(readCtx, cmd.InOrStdin(), args, f.maxRecordSize, keys, records)
	}()
	inputEnded, putErr := putAll(readCtx, p, records, newPacer(f.rate))
	stoppedEarly := readCtx.Err() != nil // interrupted, or a record failed
	stopReading()
	// Wait for the reader only if it is done: else it may be blocked on its
	// input (a terminal, a pipe) and ends with the process.
	if inputEnded {
		if err := <-readErr; putErr == nil && !stoppedEarly {
			putErr = err
		}
	}

	interrupted := sigCtx.Err() != nil
	closeCtx, cancelClose := context.WithCancel(sigCtx)
	if interrupted {
		closeCtx, cancelClose = context.WithTimeout(context.Background(), 10*time.Second)
	}
	closeErr := p.Close(closeCtx)
	cancelClose()
	interrupted = interrupted || closeErr != nil
	progress.stop()

	stats := p.Stats()
	if !f.quiet {
		fmt.Fprintln(cmd.ErrOrStderr(), putSummary(f, stats, keys.missing, failures.count(), time.Since(start)))
	}
	switch {
	case putErr != nil:
		return putErr
	case failures.count() > 0:
		return failures.err(f.stream)
	case interrupted:
		return exitErrorf(exitInterrupted, "put: interrupted")
	}
	return nil
}

// putAll puts the records from in, each after pace allows it, until in is
// closed (inputEnded), a record is refused, or ctx ends (then it returns
// no error: the caller knows why).
func putAll(ctx context.Context, p *producer.Producer, in <-chan putRecord, pace *pacer) (inputEnded bool, err error) {
	for {
		var rec putRecord
		select {
		case <-ctx.Done():
			return false, nil
		case r, ok := <-in:
			if !ok {
				return true, nil
			}
			rec = r
		}
		if err := pace.wait(ctx); err != nil {
			return false, nil
		}
		if err := p.Put(ctx, rec.key, rec.data); err != nil {
			if errors.Is(err, producer.ErrInvalidRecord) {
				return false, fmt.Errorf("%s line %d: %w", rec.source, rec.line, err)
			}
			if ctx.Err() != nil {
				return false, nil
			}
			return false, fmt.Errorf("put: %w", err)
		}
	}
}

// putSummary is the line eddy put prints at the end.
func putSummary(f *putFlags, s producer.Stats, missing int, failed int, elapsed time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "eddy put: %d %s, %d bytes to stream %s in %s",
		s.Records, plural(int(s.Records), "record", "records"), s.Bytes, f.stream, elapsed.Round(time.Millisecond))
	if f.aggregate {
		fmt.Fprintf(&b, " (in %d Kinesis %s)", s.KinesisRecords, plural(int(s.KinesisRecords), "record", "records"))
	}
	if s.Retries > 0 {
		fmt.Fprintf(&b, ", %d %s", s.Retries, plural(int(s.Retries), "retry", "retries"))
	}
	if failed > 0 {
		fmt.Fprintf(&b, ", %d failed", failed)
	}
	if missing > 0 {
		fmt.Fprintf(&b, ", %d lines without field %q got a random key", missing, f.keyField)
	}
	return b.String()
}

// plural returns one or many by n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// putFailures counts the records that failed for good and keeps the
// first failure.
type putFailures struct {
	mu    sync.Mutex
	n     int
	first error
}

func (p *putFailures) add(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	if p.first == nil {
		p.first = err
	}
}

func (p *putFailures) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// err describes the failures, with the exit status of the first one.
func (p *putFailures) err(stream string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	action := fmt.Sprintf("put records to %s: %d %s failed", stream, p.n, plural(p.n, "record", "records"))
	var recordErr *producer.RecordError
	switch {
	case errors.As(p.first, &recordErr):
		return exitErrorf(apiExitCode(recordErr.Code), "%s: %s: %s", action, recordErr.Code, recordErr.Message)
	case errors.Is(p.first, producer.ErrClosed):
		return exitErrorf(exitInterrupted, "%s: interrupted before they were sent", action)
	}
	return apiError(action, p.first)
}
