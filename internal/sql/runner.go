package sql

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/eddy-streaming/eddy/internal/sql/exec"
)

// Batch is what a Source delivers: records in arrival order and a
// watermark, the time before which the source promises no more records
// (zero: no promise). An idle source must still return batches (empty,
// with a rising watermark) so the application's time moves on.
type Batch struct {
	Records   []Record
	Watermark time.Time
}

// Source reads one in-application input's records (for an Eddy stream:
// the shards assigned to this input, merged in arrival order).
type Source interface {
	// Open starts reading after the given positions (shard → position, as
	// saved in a checkpoint); an empty map means the configured starting
	// position (NOW, TRIM_HORIZON).
	Open(ctx context.Context, after map[string]string) error
	// Next blocks until records or a new watermark are available, or ctx
	// is done.
	Next(ctx context.Context) (Batch, error)
	// Close releases the source.
	Close() error
}

// Sink writes one application output's records.
type Sink interface {
	// Write returns once every record is durable (acknowledged), or an
	// error; the Runner retries failed writes and never checkpoints past
	// unacknowledged output.
	Write(ctx context.Context, recs []OutputRecord) error
}

// CheckpointStore keeps an application's latest checkpoint.
type CheckpointStore interface {
	// Load returns the latest checkpoint, or nil, nil if there is none.
	Load(ctx context.Context) ([]byte, error)
	// Save durably replaces the checkpoint.
	Save(ctx context.Context, snapshot []byte) error
}

// RunnerOptions configure a Runner. Zero values mean the defaults.
type RunnerOptions struct {
	// Sources, one per Config.Inputs, in order. Required.
	Sources []Source
	// Sinks, one per Config.Outputs, in order. Required.
	Sinks []Sink
	// Checkpoints stores checkpoints; nil disables them (a restart then
	// starts from the sources' configured positions).
	Checkpoints CheckpointStore
	// CheckpointInterval is the time between checkpoints. Default 10s.
	CheckpointInterval time.Duration
	// RetryInterval is the wait before retrying a failed sink write.
	// Default 200ms.
	RetryInterval time.Duration
	// Now is the clock for checkpoint scheduling; nil means time.Now.
	Now func() time.Time
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
}

// Runner runs an Engine against its sources and sinks.
type Runner struct {
	eng  *Engine
	opts RunnerOptions
	log  *slog.Logger

	mu    sync.Mutex
	stats RunnerStats
}

// RunnerStats are counters for DescribeApplication and metrics.
type RunnerStats struct {
	RecordsIn   int64
	RecordsOut  int64
	Checkpoints int64
	// Watermark is the application's time (the lowest input watermark);
	// the clock minus it is the application's lag.
	Watermark time.Time
	// Pumps are the per-pump row and error counters (see Engine.Stats).
	Pumps []exec.PumpStats
}

// NewRunner prepares an application: it builds the engine and restores
// the latest checkpoint, if any. Run starts it.
func NewRunner(ctx context.Context, cfg Config, opts RunnerOptions) (*Runner, error) {
	if len(opts.Sources) != len(cfg.Inputs) {
		return nil, fmt.Errorf("the application has %d inputs but %d sources", len(cfg.Inputs), len(opts.Sources))
	}
	if len(opts.Sinks) != len(cfg.Outputs) {
		return nil, fmt.Errorf("the application has %d outputs but %d sinks", len(cfg.Outputs), len(opts.Sinks))
	}
	if opts.CheckpointInterval <= 0 {
		opts.CheckpointInterval = 10 * time.Second
	}
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = 200 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	eng, err := NewEngine(cfg)
	if err != nil {
		return nil, err
	}
	if opts.Checkpoints != nil {
		snap, err := opts.Checkpoints.Load(ctx)
		if err != nil {
			return nil, fmt.Errorf("load checkpoint: %w", err)
		}
		if snap != nil {
			err := eng.Restore(snap)
			if errors.Is(err, ErrCheckpointMismatch) {
				// The application was updated: resume reading where it
				// stopped, with fresh windows (as KDA does).
				log.Info("sql checkpoint is from another application version; keeping its input positions only")
				err = eng.RestorePositions(snap)
			}
			if err != nil {
				return nil, fmt.Errorf("restore checkpoint: %w", err)
			}
		}
	}
	return &Runner{eng: eng, opts: opts, log: log}, nil
}

// Stats returns a copy of the runner's counters.
func (r *Runner) Stats() RunnerStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.stats
	st.Pumps = append([]exec.PumpStats(nil), r.stats.Pumps...)
	return st
}

type sourceEvent struct {
	input int
	batch Batch
	err   error
}

// inputQueue is a source's records not yet processed.
type inputQueue struct {
	records   []Record
	watermark time.Time
	advanced  time.Time
	done      bool
}

// Run processes records until ctx is done or a source fails. On a clean
// stop it writes every pending output and a final checkpoint (KDA's
// LAST_STOPPED_POINT), then closes the sources.
func (r *Runner) Run(ctx context.Context) (err error) {
	for i, src := range r.opts.Sources {
		if err := src.Open(ctx, r.eng.Positions(i)); err != nil {
			for _, s := range r.opts.Sources[:i] {
				_ = s.Close()
			}
			return fmt.Errorf("open input %s: %w", r.eng.cfg.Inputs[i].Name, err)
		}
	}
	readCtx, stopReading := context.WithCancel(ctx)
	events := make(chan sourceEvent, len(r.opts.Sources))
	var wg sync.WaitGroup
	for i, src := range r.opts.Sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				b, err := src.Next(readCtx)
				select {
				case events <- sourceEvent{input: i, batch: b, err: err}:
				case <-readCtx.Done():
					return
				}
				if err != nil {
					return
				}
			}
		}()
	}
	defer func() {
		stopReading()
		wg.Wait()
		for _, src := range r.opts.Sources {
			if cerr := src.Close(); cerr != nil && err == nil {
				err = cerr
			}
		}
	}()

	queues := make([]inputQueue, len(r.opts.Sources))
	lastCheckpoint := r.opts.Now()
	for {
		select {
		case <-ctx.Done():
			return r.checkpoint(context.WithoutCancel(ctx))
		case ev := <-events:
			if errors.Is(ev.err, ErrSourceDone) {
				// Nothing more will come: the input's time is unbounded.
				queues[ev.input].done = true
				queues[ev.input].watermark = endOfTime
				ev.err = nil
			}
			if ev.err != nil {
				if ctx.Err() != nil {
					return r.checkpoint(context.WithoutCancel(ctx))
				}
				return fmt.Errorf("read input %s: %w", r.eng.cfg.Inputs[ev.input].Name, ev.err)
			}
			q := &queues[ev.input]
			q.records = append(q.records, ev.batch.Records...)
			if ev.batch.Watermark.After(q.watermark) {
				q.watermark = ev.batch.Watermark
			}
		}
		if err := r.drain(ctx, queues); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if r.opts.Checkpoints != nil && r.opts.Now().Sub(lastCheckpoint) >= r.opts.CheckpointInterval {
			if err := r.checkpoint(ctx); err != nil {
				return err
			}
			lastCheckpoint = r.opts.Now()
		}
	}
}

// drain processes every record that can be ordered: the earliest head
// among the inputs, once every other input has a later head or a
// watermark past it. Then it advances idle inputs to their watermarks.
func (r *Runner) drain(ctx context.Context, queues []inputQueue) error {
	var out []OutputRecord
	var in int64
	for {
		best := -1
		for i := range queues {
			if len(queues[i].records) == 0 {
				continue
			}
			if best < 0 || queues[i].records[0].ArrivalTime.Before(queues[best].records[0].ArrivalTime) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		head := queues[best].records[0].ArrivalTime
		ready := true
		for j := range queues {
			if j != best && len(queues[j].records) == 0 && queues[j].watermark.Before(head) {
				ready = false
			}
		}
		if !ready {
			break
		}
		rec := queues[best].records[0]
		queues[best].records[0] = Record{}
		queues[best].records = queues[best].records[1:]
		out = append(out, r.eng.Process(best, rec)...)
		in++
	}
	low := time.Time{}
	for i := range queues {
		q := &queues[i]
		if len(q.records) == 0 && q.watermark.After(q.advanced) {
			q.advanced = q.watermark
			out = append(out, r.eng.Advance(i, q.watermark)...)
		}
		if i == 0 || q.advanced.Before(low) {
			low = q.advanced
		}
	}
	if err := r.write(ctx, out); err != nil {
		return err
	}
	r.mu.Lock()
	r.stats.RecordsIn += in
	r.stats.RecordsOut += int64(len(out))
	r.stats.Watermark = low
	r.stats.Pumps = r.eng.Stats()
	r.mu.Unlock()
	return nil
}

// write sends outputs to their sinks, retrying until they are accepted or
// ctx is done.
func (r *Runner) write(ctx context.Context, out []OutputRecord) error {
	if len(out) == 0 {
		return nil
	}
	byOutput := make([][]OutputRecord, len(r.opts.Sinks))
	for _, o := range out {
		byOutput[o.Output] = append(byOutput[o.Output], o)
	}
	for i, recs := range byOutput {
		if len(recs) == 0 {
			continue
		}
		for {
			err := r.opts.Sinks[i].Write(ctx, recs)
			if err == nil {
				break
			}
			r.log.Warn("sql output write failed; retrying", "output", r.eng.cfg.Outputs[i].Name, "err", err)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(r.opts.RetryInterval):
			}
		}
	}
	return nil
}

func (r *Runner) checkpoint(ctx context.Context) error {
	if r.opts.Checkpoints == nil {
		return nil
	}
	if err := r.opts.Checkpoints.Save(ctx, r.eng.Snapshot()); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	r.mu.Lock()
	r.stats.Checkpoints++
	r.mu.Unlock()
	return nil
}

// ErrSourceDone may be returned by a Source's Next when it has nothing
// more to give (tests and bounded inputs); the Runner then stops reading
// it but keeps running the others.
var ErrSourceDone = errors.New("source done")

// endOfTime is the watermark of a finished source.
var endOfTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
