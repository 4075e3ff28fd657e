package bench

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Progress is a snapshot of a running benchmark, passed to
// Config.Progress.
type Progress struct {
	// Elapsed is the time since producers started.
	Elapsed time.Duration
	// Duration is the configured producing time.
	Duration time.Duration
	// PutRecords and PutBytes count acknowledged records and their data
	// bytes so far.
	PutRecords, PutBytes int64
	// ReadRecords counts benchmark records read so far.
	ReadRecords int64
	// Errors and Throttles count put failures so far (see Result).
	Errors, Throttles int64
	// RecordsPerSecond and MBPerSecond are the put rates over the last
	// interval.
	RecordsPerSecond, MBPerSecond float64
}

// Run runs one benchmark against api as cfg says and returns its result.
// Cancelling ctx stops producers and consumers early; Run then still
// deletes the stream it created and returns what it measured, with
// Result.Interrupted set. It returns an error when the configuration is
// invalid or the stream cannot be set up or deleted.
func Run(ctx context.Context, api API, cfg Config) (res *Result, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if cfg.Stream == "" {
		cfg.Stream = randomStreamName()
	}
	shards, created, err := prepareStream(ctx, api, cfg)
	res = newResult(cfg, len(shards), created)
	if created && !cfg.Keep {
		defer func() {
			if derr := deleteStream(api, cfg.Stream); derr != nil {
				err = errors.Join(err, derr)
				return
			}
			res.StreamDeleted = true
			cfg.Logger.Info("deleted stream", "stream", cfg.Stream)
		}()
	}
	if err != nil {
		return res, err
	}

	st := newState()
	consumers := make([]*consumer, 0, len(shards))
	iterators := make([]string, 0, len(shards))
	if !cfg.NoRead {
		for _, shard := range shards {
			c := &consumer{api: api, cfg: cfg, state: st, shard: shard}
			it, err := c.latestIterator(ctx)
			if err != nil {
				return res, err
			}
			consumers = append(consumers, c)
			iterators = append(iterators, it)
		}
	}
	var consumersDone sync.WaitGroup
	for i, c := range consumers {
		consumersDone.Go(func() { c.run(ctx, iterators[i]) })
	}

	start := time.Now()
	deadline := start.Add(cfg.Duration)
	stopProgress := startProgress(ctx, cfg, st, start)
	producers := make([]*producer, cfg.Producers)
	var producersDone sync.WaitGroup
	for i := range producers {
		p := &producer{api: api, cfg: cfg, state: st}
		producers[i] = p
		producersDone.Go(func() { p.run(ctx, i, deadline) })
	}
	producersDone.Wait()
	res.Elapsed = time.Since(start)
	st.drainDeadline.Store(time.Now().Add(cfg.DrainTimeout).UnixNano())
	close(st.producersDone)
	stopProgress()
	consumersDone.Wait()

	for _, p := range producers {
		res.putLatency.Merge(&p.putLatency)
	}
	for _, c := range consumers {
		res.readLatency.Merge(&c.readLatency)
	}
	res.fill(st)
	res.Interrupted = ctx.Err() != nil
	return res, nil
}

// startProgress calls cfg.Progress every cfg.ProgressInterval until the
// returned function is called.
func startProgress(ctx context.Context, cfg Config, st *state, start time.Time) (stop func()) {
	if cfg.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		ticker := time.NewTicker(cfg.ProgressInterval)
		defer ticker.Stop()
		var lastRecords, lastBytes int64
		last := start
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case now := <-ticker.C:
				p := Progress{
					Elapsed:     now.Sub(start),
					Duration:    cfg.Duration,
					PutRecords:  st.putRecords.Load(),
					PutBytes:    st.putBytes.Load(),
					ReadRecords: st.readRecords.Load(),
					Errors:      st.errors.Load(),
					Throttles:   st.throttles.Load(),
				}
				if secs := now.Sub(last).Seconds(); secs > 0 {
					p.RecordsPerSecond = float64(p.PutRecords-lastRecords) / secs
					p.MBPerSecond = float64(p.PutBytes-lastBytes) / secs / 1e6
				}
				lastRecords, lastBytes, last = p.PutRecords, p.PutBytes, now
				cfg.Progress(p)
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
