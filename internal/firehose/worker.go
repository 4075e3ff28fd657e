package firehose

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sort"
	"strings"
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

// process runs a batch of stored records through the pipeline into
// buffers. It returns an error only when ctx is done.
func (w *worker) process(ctx context.Context, recs []storage.StoredRecord) error {
	p := w.pipe
	items := make([]item, 0, len(recs))
	// Pass 1: de-aggregation and backup. Nothing of the batch is in a
	// data buffer yet, so the watermark must not pass its first record.
	w.cursor = recs[0].Offset
	for _, r := range recs {
		pos := process.Position{Shard: w.shard, Offset: r.Offset}
		subs := [][]byte{r.Data}
		switch p.deagg {
		case "JSON":
			parts, err := process.SplitJSON(r.Data)
			if err != nil {
				if err := w.addError(ctx, item{pos: pos, arrival: r.ArrivalTime, data: bytes.Clone(r.Data), attempts: 1},
					process.ErrorProcessingFailed, "DeAggregation.FailedToDeAggregate", err.Error()); err != nil {
					return err
				}
				continue
			}
			subs = parts
		case "DELIMITED":
			subs = process.SplitDelimited(r.Data, p.deaggDelim)
		}
		for i, sub := range subs {
			it := item{pos: pos, arrival: r.ArrivalTime, data: bytes.Clone(sub)}
			it.pos.Sub = uint32(i)
			items = append(items, it)
			if p.backupAll {
				if err := w.addBackup(ctx, it); err != nil {
					return err
				}
			}
		}
	}
	results, err := w.transform(ctx, items)
	if err != nil {
		return err
	}
	// Pass 2: partitioning into data buffers, in source order.
	for i, it := range items {
		w.cursor = it.pos.Offset
		var lambdaKeys map[string]string
		if results != nil {
			r := results[i]
			switch {
			case r.errCode != "":
				it.attempts = r.attempts
				if err := w.addError(ctx, it, process.ErrorProcessingFailed, r.errCode, r.errMsg); err != nil {
					return err
				}
				continue
			case r.result == process.ResultDropped:
				continue
			case r.result == process.ResultProcessingFailed:
				it.attempts = 1
				if err := w.addError(ctx, it, process.ErrorProcessingFailed, "Lambda.ProcessingFailed", "The record was marked ProcessingFailed by the transform."); err != nil {
					return err
				}
				continue
			}
			it.data, lambdaKeys = r.data, r.keys
			if badKeys(lambdaKeys) {
				if err := w.addError(ctx, it, process.ErrorProcessingFailed, "DynamicPartitioning.InvalidPartitionKey", "A partition key from the transform holds a NUL character."); err != nil {
					return err
				}
				continue
			}
		}
		key := "d"
		if p.kind == destS3 {
			var queryKeys map[string]string
			if p.extractor != nil {
				k, err := p.extractor.Extract(it.data)
				if err != nil {
					if err := w.addError(ctx, it, process.ErrorProcessingFailed, "DynamicPartitioning.MetadataExtractionFailed", err.Error()); err != nil {
						return err
					}
					continue
				}
				queryKeys = k
			}
			w.keyBuf = append(w.keyBuf[:0], byte(outData))
			kb, err := p.prefix.Append(w.keyBuf, &process.Values{Time: it.arrival, QueryKeys: queryKeys, LambdaKeys: lambdaKeys, Random: process.RandomPlaceholder})
			if err != nil {
				if err := w.addError(ctx, it, process.ErrorProcessingFailed, "DynamicPartitioning.PartitionKeyMissing", err.Error()); err != nil {
					return err
				}
				continue
			}
			w.keyBuf = kb
			key = string(kb)
		}
		if err := w.add(ctx, outData, key, "", it); err != nil {
			return err
		}
	}
	return nil
}

func (w *worker) addError(ctx context.Context, it item, errType, code, msg string) error {
	it.errCode, it.errMsg = code, msg
	if it.attempts == 0 {
		it.attempts = 1
	}
	prefix, err := w.pipe.errPrefix.Eval(&process.Values{Time: it.arrival, ErrorType: errType, Random: process.RandomPlaceholder})
	if err != nil {
		return nil // the error prefix uses no keys; cannot happen
	}
	w.ds.metrics.failed(errType, 1)
	return w.add(ctx, outError, string(outError)+prefix, errType, it)
}

func (w *worker) addBackup(ctx context.Context, it item) error {
	prefix, err := w.pipe.backupPrefix.Eval(&process.Values{Time: it.arrival, Random: process.RandomPlaceholder})
	if err != nil {
		return nil
	}
	return w.add(ctx, outBackup, string(outBackup)+prefix, "", it)
}

// add puts an item into its buffer, unless the checkpoint says it is
// delivered already, and flushes the buffer when it is full, or, for a
// buffer being replayed, when it reaches its recorded end.
func (w *worker) add(ctx context.Context, out output, key, errType string, it item) error {
	if d, ok := w.ckpt.Done[key]; ok && !d.less(it.pos) {
		return nil
	}
	b := w.buffers[key]
	if b == nil {
		if len(w.buffers) >= w.svc.opts.MaxOpenBuffers {
			if o := w.oldest(); o != nil {
				if err := w.flush(ctx, o); err != nil {
					return err
				}
			}
		}
		b = &buffer{key: key, out: out, errType: errType, start: it.pos, first: it.arrival, opened: w.svc.opts.Now()}
		w.buffers[key] = b
	}
	b.items = append(b.items, it)
	b.size += len(it.data)
	if end, ok := w.ckpt.Pending[key]; ok {
		if !end.less(it.pos) && posOf(it.pos) != end {
			return nil // before the recorded end: keep filling
		}
		return w.flush(ctx, b)
	}
	if b.size >= w.pipe.sizeLimit {
		return w.flush(ctx, b)
	}
	return nil
}

// oldest returns the buffer opened first among those free to flush now
// (not being replayed up to a recorded end), or nil.
func (w *worker) oldest() *buffer {
	var o *buffer
	for _, b := range w.buffers {
		if _, pending := w.ckpt.Pending[b.key]; pending {
			continue
		}
		if o == nil || b.opened.Before(o.opened) {
			o = b
		}
	}
	return o
}

func (w *worker) sorted() []*buffer {
	list := make([]*buffer, 0, len(w.buffers))
	for _, b := range w.buffers {
		list = append(list, b)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].start.Less(list[j].start) })
	return list
}

func (w *worker) flushDue(ctx context.Context) error {
	now := w.svc.opts.Now()
	var due []*buffer
	for _, b := range w.sorted() {
		if _, pending := w.ckpt.Pending[b.key]; pending {
			continue // cut where the first run cut it
		}
		if !now.Before(b.opened.Add(w.pipe.interval)) {
			due = append(due, b)
		}
	}
	return w.flushList(ctx, due)
}

func (w *worker) flushAll(ctx context.Context) error {
	return w.flushList(ctx, w.sorted())
}

// flush delivers one buffer; see flushList.
func (w *worker) flush(ctx context.Context, b *buffer) error {
	return w.flushList(ctx, []*buffer{b})
}

// flushList delivers buffers. First it records, durably, where each one
// ends (an intent: after a crash the replay cuts it at the same record);
// then it writes them and records them as done in the in-memory
// checkpoint, which the run loop saves once per round (a delivery that is
// not saved yet is repeated identically after a crash). It returns an
// error only when ctx is done (the buffers then stay, and are rebuilt
// after a restart).
func (w *worker) flushList(ctx context.Context, list []*buffer) error {
	if len(list) == 0 {
		return nil
	}
	changed := false
	for _, b := range list {
		end := posOf(b.items[len(b.items)-1].pos)
		if p, ok := w.ckpt.Pending[b.key]; !ok || p != end {
			w.ckpt.Pending[b.key] = end
			changed = true
		}
	}
	if changed {
		for attempt := 0; ; attempt++ {
			err := w.save()
			if err == nil {
				break
			}
			if errors.Is(err, storage.ErrStreamNotFound) {
				return err
			}
			if err := sleep(ctx, w.backoff(attempt)); err != nil {
				return err
			}
		}
	}
	for _, b := range list {
		if err := w.deliver(ctx, b); err != nil {
			return err
		}
		delete(w.buffers, b.key)
		w.ckpt.Done[b.key] = posOf(b.items[len(b.items)-1].pos)
		delete(w.ckpt.Pending, b.key)
		w.dirty = true
	}
	return nil
}

// save stores the checkpoint: the watermark is the lowest start of an
// open buffer, or the cursor. Errors are logged and returned.
func (w *worker) save() error {
	next := w.cursor
	for _, b := range w.buffers {
		if b.start.Offset < next {
			next = b.start.Offset
		}
	}
	for k, d := range w.ckpt.Done {
		if d.Offset < next {
			delete(w.ckpt.Done, k)
		}
	}
	w.ckpt.Next = next
	w.ckpt.High = max(w.ckpt.High, w.cursor)
	err := w.ds.saveCheckpoint(w.shard, w.ckpt)
	if err != nil {
		if !errors.Is(err, storage.ErrStreamNotFound) {
			w.logger.Error("save checkpoint", "error", err)
		}
		return err
	}
	w.dirty = false
	return nil
}

func badKeys(keys map[string]string) bool {
	for _, v := range keys {
		if strings.IndexByte(v, 0) >= 0 {
			return true
		}
	}
	return false
}
