package kinesisanalytics

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/eddy-streaming/eddy/internal/awsproto"
	"github.com/eddy-streaming/eddy/internal/sql"
	"github.com/eddy-streaming/eddy/internal/sql/streamio"
	"github.com/eddy-streaming/eddy/internal/storage"
)

// execution is one running application: a goroutine that runs its
// sql.Runner and, if the runner fails (an input stream deleted, an output
// refusing writes...), builds a new one from the last checkpoint after a
// backoff, until stopped.
type execution struct {
	svc    *Service
	name   string
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	runner  *sql.Runner
	lastErr string
}

// launch starts running def. first, if not nil, is a runner already built
// (StartApplication builds it to report configuration errors). The caller
// sets the application's status and exec.
func (s *Service) launch(a *app, def *application, first *sql.Runner) *execution {
	ctx, cancel := context.WithCancel(context.Background())
	e := &execution{svc: s, name: def.Name, cancel: cancel, done: make(chan struct{})}
	go e.loop(ctx, a, def, first)
	return e
}

// stop stops the application, which writes its final checkpoint, and
// waits for it. It is idempotent.
func (e *execution) stop() {
	e.cancel()
	<-e.done
}

func (e *execution) loop(ctx context.Context, a *app, def *application, r *sql.Runner) {
	defer close(e.done)
	log := e.svc.log.With("application", e.name)
	backoff := e.svc.opts.RestartBackoff
	for {
		if r == nil {
			var err error
			r, err = e.svc.newRunner(ctx, def)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				e.failed(err)
				log.Warn("sql application cannot start; retrying", "error", err, "retry_in", backoff)
				if !sleep(ctx, backoff) {
					return
				}
				backoff = min(2*backoff, time.Minute)
				continue
			}
		}
		e.svc.mu.Lock()
		if a.exec == e && a.status == statusStarting {
			a.status = statusRunning
		}
		e.svc.mu.Unlock()
		e.mu.Lock()
		e.runner = r
		e.mu.Unlock()
		began := time.Now()
		err := r.Run(ctx)
		if ctx.Err() != nil {
			if err != nil {
				log.Warn("sql application stopped with an error", "error", err)
			}
			return
		}
		if err == nil {
			err = errors.New("the application stopped by itself")
		}
		e.failed(err)
		if time.Since(began) > time.Minute {
			backoff = e.svc.opts.RestartBackoff
		}
		log.Warn("sql application failed; restarting from its last checkpoint", "error", err, "retry_in", backoff)
		r = nil
		if !sleep(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, time.Minute)
	}
}

func (e *execution) failed(err error) {
	e.mu.Lock()
	e.lastErr = err.Error()
	e.mu.Unlock()
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// stats returns the current runner's counters, if there is a runner.
func (e *execution) stats() (sql.RunnerStats, string, bool) {
	e.mu.Lock()
	r, lastErr := e.runner, e.lastErr
	e.mu.Unlock()
	if r == nil {
		return sql.RunnerStats{}, lastErr, false
	}
	return r.Stats(), lastErr, true
}

// runtime is the EddyRuntime of DescribeApplication.
func (e *execution) runtime(now time.Time) *Runtime {
	st, lastErr, ok := e.stats()
	rt := &Runtime{LastError: lastErr, Pumps: []PumpRuntime{}}
	if !ok {
		return rt
	}
	rt.RecordsIn, rt.RecordsOut, rt.Checkpoints = st.RecordsIn, st.RecordsOut, st.Checkpoints
	if !st.Watermark.IsZero() {
		rt.ApplicationTime = awsproto.NewTimestamp(st.Watermark)
		rt.LagMillis = max(0, now.Sub(st.Watermark).Milliseconds())
	}
	for _, p := range st.Pumps {
		if p.Name == "" {
			p.Name = inputErrorsPump
		}
		rt.Pumps = append(rt.Pumps, PumpRuntime{Name: p.Name, RowsIn: p.RowsIn, RowsOut: p.RowsOut, Errors: p.Errors})
	}
	return rt
}

// inputStream resolves an input to the storage stream it reads.
func (s *Service) inputStream(in *inputDef) (string, error) {
	if in.Firehose != nil {
		return s.firehoseOf(deref(in.Firehose.ResourceARN))
	}
	if in.Stream == nil {
		return "", invalidArgument("Input %s has no source.", in.ID)
	}
	return s.streamOf(deref(in.Stream.ResourceARN))
}

// outputStream resolves an output to the storage stream it writes.
func (s *Service) outputStream(o *outputDef) (string, error) {
	switch {
	case o.Firehose != nil:
		return s.firehoseOf(deref(o.Firehose.ResourceARN))
	case o.Stream != nil:
		return s.streamOf(deref(o.Stream.ResourceARN))
	}
	return "", apiError(typeUnsupportedOperation, "Output %s has no supported destination.", o.ID)
}

// configError is a problem that keeps an application from starting.
func configError(format string, args ...any) error {
	return apiError(typeInvalidConfiguration, format, args...)
}

// newRunner builds the runner of an application from its definition: one
// source per in-application input stream (the shards spread over them by
// index), one sink per output, the checkpoint file, and the reference
// tables read now. It restores the last checkpoint.
func (s *Service) newRunner(ctx context.Context, def *application) (*sql.Runner, error) {
	if len(def.Inputs) == 0 {
		return nil, configError("Application %s has no input.", def.Name)
	}
	data, err := s.referenceData(ctx, def)
	if err != nil {
		return nil, err
	}
	cfg, err := def.sqlConfig(data)
	if err != nil {
		return nil, configError("%v", err)
	}
	path := s.checkpointPath(def.Name)
	resume := s.resumePositions(def.Name, path)
	var sources []sql.Source
	for i := range def.Inputs {
		in := &def.Inputs[i]
		stream, err := s.inputStream(in)
		if err != nil {
			return nil, err
		}
		if _, err := s.store.Stream(stream); err != nil {
			return nil, configError("Input stream %s of application %s cannot be read: %v", inputARN(in), def.Name, err)
		}
		start := storage.Position{Type: storage.TrimHorizon}
		if in.Origin != positionTrimHorizon {
			start = storage.Position{Type: storage.AtTimestamp, Timestamp: in.Started}
		}
		n := max(in.Parallelism, 1)
		for k := range n {
			var filter func(uint32) bool
			if n > 1 {
				filter = func(shard uint32) bool { return int(shard)%n == k }
			}
			sources = append(sources, streamio.NewSource(streamio.SourceOptions{Log: s.store, Stream: stream,
				Filter: filter, Start: start, Resume: resume, IdleInterval: s.opts.IdleInterval, Now: s.opts.Now}))
		}
	}
	var sinks []sql.Sink
	for i := range def.Outputs {
		o := &def.Outputs[i]
		stream, err := s.outputStream(o)
		if err != nil {
			return nil, err
		}
		if _, err := s.store.Stream(stream); err != nil {
			return nil, configError("Output stream of %s (output %s) of application %s cannot be written: %v", o.Name, o.ID, def.Name, err)
		}
		sinks = append(sinks, streamio.NewSink(s.store, stream))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create checkpoint directory: %w", err)
	}
	opts := sql.RunnerOptions{
		Sources: sources, Sinks: sinks,
		Checkpoints:        streamio.FileCheckpoints{Path: path},
		CheckpointInterval: s.opts.CheckpointInterval,
		Logger:             s.log.With("application", def.Name),
	}
	r, err := sql.NewRunner(ctx, cfg, opts)
	if errors.Is(err, sql.ErrCheckpointMismatch) || errors.Is(err, sql.ErrCorruptCheckpoint) {
		// The inputs changed (their number) or the file is damaged: start
		// with fresh windows, reading from the positions recovered above.
		s.log.Warn("sql checkpoint does not fit the application; starting with fresh windows",
			"application", def.Name, "error", err, "resumed_shards", len(resume))
		removeCheckpoint(path)
		r, err = sql.NewRunner(ctx, cfg, opts)
	}
	if err != nil {
		var apiErr *awsproto.Error
		if errors.As(err, &apiErr) {
			return nil, err
		}
		return nil, configError("Application %s cannot start: %v", def.Name, err)
	}
	return r, nil
}

// resumePositions reads the input positions of an application's
// checkpoint whatever its inputs were, so that a checkpoint that no longer
// fits still says where reading stopped.
func (s *Service) resumePositions(name, path string) map[string]string {
	snap, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	positions, err := sql.CheckpointPositions(snap)
	if err != nil {
		s.log.Warn("sql checkpoint is unreadable", "application", name, "error", err)
		return nil
	}
	return positions
}

func inputARN(in *inputDef) string {
	if in.Firehose != nil {
		return deref(in.Firehose.ResourceARN)
	}
	if in.Stream != nil {
		return deref(in.Stream.ResourceARN)
	}
	return ""
}

func removeCheckpoint(path string) {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		_ = err // a stale checkpoint is refused by its fingerprint or overwritten
	}
}
