package firehose

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/eddy-streaming/eddy/internal/firehose/process"
	"github.com/eddy-streaming/eddy/internal/storage"
)

// Read sizes of a worker's storage reads.
const (
	readMaxRecords = 2000
	readMaxBytes   = 16 << 20
	// idleCheck bounds a worker's wait for new records, so that a changed
	// configuration is picked up even when no record arrives.
	idleCheck = time.Second
)

// item is one (sub-)record on its way to a buffer.
type item struct {
	pos     process.Position
	arrival time.Time
	data    []byte
	// Error output fields.
	errCode, errMsg string
	attempts        int
}

// buffer collects the items of one key until its size or interval hint
// is reached.
type buffer struct {
	key     string // output byte + evaluated prefix (RandomPlaceholder kept)
	out     output
	errType string
	start   process.Position
	first   time.Time // arrival of the first item: names and timestamps
	opened  time.Time // wall clock when opened: the interval hint
	items   []item
	size    int
}

// worker delivers one shard of a delivery stream's hidden stream.
type worker struct {
	ds     *deliveryStream
	svc    *Service
	shard  uint32
	logger *slog.Logger
	// source is the stream read: the hidden stream, or the Kinesis stream
	// of a KinesisStreamAsSource delivery stream; startOffset is where a
	// shard without a checkpoint starts.
	source      string
	startOffset uint64

	pipe    *pipeline
	ckpt    *checkpoint
	buffers map[string]*buffer
	// cursor: every record below it has been fully processed into
	// buffers (or dropped); readNext: the next offset to read.
	cursor, readNext uint64
	keyBuf           []byte
	// dirty is set when a flush happened since the last checkpoint save.
	dirty bool
	// buffered is the number of record bytes in buffers.
	buffered int
	// replayUntil is the checkpoint's High: until the cursor reaches it,
	// the worker replays under the checkpointed configuration.
	replayUntil uint64
}

func newWorker(ds *deliveryStream, source string, shard uint32, startOffset uint64) *worker {
	return &worker{ds: ds, svc: ds.svc, shard: shard, buffers: map[string]*buffer{}, source: source, startOffset: startOffset,
		logger: ds.svc.logger.With("delivery_stream", ds.name, "shard", shard)}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// start loads the checkpoint and the configuration it was produced with.
func (w *worker) start(ctx context.Context) error {
	for {
		c, err := w.ds.loadCheckpoint(w.shard)
		if err == nil {
			w.ckpt = c
			break
		}
		if errors.Is(err, storage.ErrStreamNotFound) {
			return err
		}
		w.logger.Error("load checkpoint", "error", err)
		if err := sleep(ctx, w.svc.opts.RetryBase); err != nil {
			return err
		}
	}
	if w.ckpt.Dest == nil && len(w.ckpt.Done) == 0 && w.ckpt.Next < w.startOffset {
		w.ckpt.Next = w.startOffset // a new checkpoint
	}
	m := w.ds.snapshot()
	if w.ckpt.Dest != nil {
		if p, err := w.svc.compile(m.Name, w.ckpt.Version, *w.ckpt.Dest); err == nil {
			w.pipe = p
		} else {
			w.logger.Warn("checkpointed configuration no longer compiles; using the current one", "error", err)
		}
	}
	if w.pipe == nil {
		p, err := w.svc.compile(m.Name, m.Version, m.Dest)
		if err != nil {
			return err
		}
		w.pipe = p
		w.ckpt.Version, w.ckpt.Dest = m.Version, &m.Dest
	}
	w.cursor, w.readNext = w.ckpt.Next, w.ckpt.Next
	w.replayUntil = w.ckpt.High
	return nil
}

// run delivers until ctx is done, the source stream is deleted, or (for a
// closed source shard) everything up to the shard's end is delivered and
// checkpointed; it reports the last by returning true.
func (w *worker) run(ctx context.Context) (finished bool) {
	defer w.close()
	if err := w.start(ctx); err != nil {
		if ctx.Err() == nil {
			w.logger.Error("start delivery", "error", err)
			w.ds.setFailure(&FailureDescription{Type: "UNKNOWN_ERROR", Details: "Delivery cannot start: " + err.Error()})
		}
		return false
	}
	if w.ckpt.Finished {
		return true
	}
	for ctx.Err() == nil {
		if err := w.maybeSwitch(ctx); err != nil {
			return false
		}
		res, err := w.svc.store.Read(w.source, w.shard, w.readNext, readMaxRecords, readMaxBytes)
		if errors.Is(err, storage.ErrStreamNotFound) {
			return false
		}
		if err != nil {
			w.logger.Error("read records", "error", err)
			if sleep(ctx, w.svc.opts.RetryBase) != nil {
				return false
			}
			continue
		}
		if len(res.Records) > 0 {
			if err := w.process(ctx, res.Records); err != nil {
				return false
			}
			w.readNext, w.cursor = res.Next, res.Next
		} else if res.Next > w.readNext {
			w.readNext, w.cursor = res.Next, res.Next // records expired by retention
		}
		if res.EndOfShard && len(res.Records) == 0 {
			// A closed source shard, read to its end: deliver what is
			// buffered and mark it finished, so its children can start.
			if err := w.flushAll(ctx); err != nil {
				return false
			}
			w.ckpt.Finished = true
			if w.save() != nil {
				w.ckpt.Finished = false
				if sleep(ctx, w.svc.opts.RetryBase) != nil {
					return false
				}
				continue
			}
			return true
		}
		if err := w.flushDue(ctx); err != nil {
			return false
		}
		if w.dirty || len(res.Records) == 0 && len(w.buffers) == 0 && w.cursor > w.ckpt.Next {
			_ = w.save() // after flushes, or when everything read was dropped
		}
		if len(res.Records) == 0 {
			w.idle(ctx)
		}
	}
	return false
}

func (w *worker) close() {
	if w.pipe != nil && w.pipe.pg != nil {
		w.pipe.pg.Close()
	}
}

// idle waits for a new record, the next buffer deadline, or idleCheck.
func (w *worker) idle(ctx context.Context) {
	d := idleCheck
	now := w.svc.opts.Now()
	for _, b := range w.buffers {
		if until := b.opened.Add(w.pipe.interval).Sub(now); until < d {
			d = max(until, time.Millisecond)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	_ = w.svc.store.Wait(wctx, w.source, w.shard, w.readNext)
}

// maybeSwitch applies a new configuration at a clean point: every buffer
// is delivered under the old one first.
func (w *worker) maybeSwitch(ctx context.Context) error {
	m := w.ds.snapshot()
	if m.Version == w.pipe.version || w.cursor < w.replayUntil {
		return nil
	}
	p, err := w.svc.compile(m.Name, m.Version, m.Dest)
	if err != nil {
		w.logger.Error("compile new configuration", "version", m.Version, "error", err)
		return nil
	}
	if err := w.flushAll(ctx); err != nil {
		return err
	}
	if w.pipe.pg != nil {
		w.pipe.pg.Close()
	}
	w.pipe = p
	w.ckpt.Version, w.ckpt.Dest = m.Version, &m.Dest
	_ = w.save()
	w.logger.Info("applied new destination configuration", "version", m.Version)
	return nil
}
