package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/eddy-streaming/eddy/internal/bench"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newBenchCmd) }

// benchFlags are the flags of `eddy bench`.
type benchFlags struct {
	client clientFlags
	config bench.Config
	asJSON bool
	// jsonFile, if set, also receives the JSON result.
	jsonFile string
	quiet    bool
	noRead   bool
	pollSet  bool
	// cpuProfile is a file for a CPU profile of the benchmark client.
	cpuProfile string
}

func newBenchCmd() *cobra.Command {
	var f benchFlags
	d := bench.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "bench [flags]",
		Short: "Measure put throughput and put-to-read latency of a Kinesis endpoint",
		Long: `Benchmark any Kinesis Data Streams endpoint (Eddy, kinesalite, AWS).

It creates a stream (or uses --stream if it exists), waits until it is ACTIVE,
then runs --producers concurrent loops of PutRecords calls (--batch-size
records of --record-size bytes each; --put-record uses PutRecord) for
--duration, while one consumer per shard polls GetRecords from LATEST. Each
record carries its send time, so consumers measure put-to-read latency.

It reports put throughput (records/s, MB/s with MB = 10^6 bytes of record
data), put call latency and put-to-read latency (p50/p90/p99/max), and error
and throttle counts, as text or as JSON (--json). A progress line goes to
standard error. A stream it created is deleted at the end unless --keep.
Exit status: 0 when records were acknowledged (even with some errors), 1 when
none were or the stream could not be set up, 2 for bad flags, 130 when
interrupted.`,
		Example: `  # throughput: 1 KiB records, batches of 500, 8 producers, 4 shards
  eddy bench --shards 4 --producers 8 --record-size 1024 --batch-size 500 --duration 30s

  # latency: one producer, single-record puts of 100 B
  eddy bench --producers 1 --batch-size 1 --record-size 100 --json

  # the same against kinesalite
  eddy bench --endpoint http://127.0.0.1:4568 --shards 4 --producers 8 --batch-size 500`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.pollSet = cmd.Flags().Changed("poll-interval")
			return runBench(cmd, &f)
		},
	}
	usageFlagErrors(cmd)
	f.client.register(cmd.Flags())
	fs := cmd.Flags()
	c := &f.config
	fs.StringVar(&c.Stream, "stream", "", "stream to use; created if missing (default: a new eddy-bench-<random> stream)")
	fs.IntVar(&c.Shards, "shards", d.Shards, "shard count of a stream the benchmark creates")
	fs.IntVar(&c.Producers, "producers", d.Producers, "concurrent producers")
	fs.IntVar(&c.RecordSize, "record-size", d.RecordSize, fmt.Sprintf("record data size in bytes (at least %d)", bench.MinRecordSize))
	fs.IntVar(&c.BatchSize, "batch-size", d.BatchSize, "records per PutRecords call (1 to 500)")
	fs.BoolVar(&c.UsePutRecord, "put-record", false, "use PutRecord (one record per call) instead of PutRecords")
	fs.DurationVar(&c.Duration, "duration", d.Duration, "how long producers run")
	fs.BoolVar(&f.noRead, "no-read", false, "do not read: measure puts only")
	fs.DurationVar(&c.PollInterval, "poll-interval", d.PollInterval, "consumer wait after an empty GetRecords (default 200ms against AWS)")
	fs.DurationVar(&c.DrainTimeout, "drain-timeout", d.DrainTimeout, "how long consumers keep reading after producers stop")
	fs.BoolVar(&c.Keep, "keep", false, "keep the stream the benchmark created")
	fs.BoolVar(&f.asJSON, "json", false, "print the result as JSON")
	fs.StringVar(&f.jsonFile, "json-file", "", "also write the JSON result to this file")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "no progress line")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the benchmark client to this file")
	_ = fs.MarkHidden("cpuprofile")
	return cmd
}

func runBench(cmd *cobra.Command, f *benchFlags) error {
	cfg := f.config
	cfg.NoRead = f.noRead
	if cfg.Producers < 1 {
		return usageErrorf("--producers must be at least 1")
	}
	if err := cfg.Validate(); err != nil {
		return &exitError{code: 2, err: err}
	}
	if f.client.awsEndpoint() && !f.pollSet {
		cfg.PollInterval = 200 * time.Millisecond
	}
	if os.Getenv("GOGC") == "" {
		// The SDK allocates a lot per call (request bodies, decoded
		// records); collecting less often leaves more CPU to the load.
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	kc, err := f.client.newClient(ctx, clientOptions{
		maxConns: cfg.Producers + cfg.Shards + 4,
		// Every call is made once: the benchmark counts throttles and
		// errors instead of hiding them in SDK retries.
		maxAttempts: 1,
	})
	if err != nil {
		return err
	}
	if f.cpuProfile != "" {
		stopProfile, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	stderr := cmd.ErrOrStderr()
	progress := newProgressPrinter(stderr)
	if !f.quiet {
		cfg.Progress = progress.print
		cfg.ProgressInterval = progress.interval
	}
	res, err := bench.Run(ctx, kc, cfg)
	progress.finish()
	if res != nil && res.Elapsed > 0 {
		res.Endpoint = f.client.endpoint
		if f.client.awsEndpoint() {
			res.Endpoint = "aws"
		}
		if werr := writeBenchResult(cmd.OutOrStdout(), res, f.asJSON); werr != nil && err == nil {
			err = werr
		}
		if f.jsonFile != "" {
			if werr := writeBenchJSONFile(f.jsonFile, res); werr != nil && err == nil {
				err = werr
			}
		}
	}
	switch {
	case err != nil:
		return apiError("bench", err)
	case res == nil:
		return errors.New("bench: no result")
	case res.Interrupted:
		return &exitError{code: 130, err: errors.New("bench: interrupted")}
	case res.PutRecords == 0:
		return errors.New("bench: no record was acknowledged")
	}
	return nil
}

// writeBenchResult writes the result as text or JSON.
func writeBenchResult(w io.Writer, res *bench.Result, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return res.WriteText(w)
}

// writeBenchJSONFile writes the JSON result to path.
func writeBenchJSONFile(path string, res *bench.Result) error {
	var b bytes.Buffer
	if err := writeBenchResult(&b, res, true); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write JSON result: %w", err)
	}
	return nil
}

// progressPrinter shows benchmark progress: one line rewritten every second
// on a terminal, a plain line every 5 seconds otherwise.
type progressPrinter struct {
	w        io.Writer
	terminal bool
	interval time.Duration
	printed  bool
}

func newProgressPrinter(w io.Writer) *progressPrinter {
	p := &progressPrinter{w: w, interval: 5 * time.Second}
	if f, ok := w.(*os.File); ok && isTerminal(f) {
		p.terminal = true
		p.interval = time.Second
	}
	return p
}

func (p *progressPrinter) print(pr bench.Progress) {
	line := fmt.Sprintf("[%3.0fs/%.0fs] put %8.0f records/s %7.2f MB/s  total %d records, read %d, errors %d, throttles %d",
		pr.Elapsed.Seconds(), pr.Duration.Seconds(), pr.RecordsPerSecond, pr.MBPerSecond,
		pr.PutRecords, pr.ReadRecords, pr.Errors, pr.Throttles)
	if p.terminal {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
	p.printed = true
}

// finish clears the progress line on a terminal.
func (p *progressPrinter) finish() {
	if p.terminal && p.printed {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// startCPUProfile writes a CPU profile to path until the returned function
// is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("start CPU profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
