package firehose

import (
	"context"
	"errors"
	"sort"

	"github.com/eddy-streaming/eddy/internal/storage"
)

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
	w.buffered += len(it.data)
	if w.buffered > w.svc.opts.MaxBufferedBytes {
		if l := w.largest(); l != nil {
			if err := w.flush(ctx, l); err != nil {
				return err
			}
			if l == b {
				return nil
			}
		}
	}
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

// largest returns the biggest buffer free to flush now, or nil.
func (w *worker) largest() *buffer {
	var l *buffer
	for _, b := range w.buffers {
		if _, pending := w.ckpt.Pending[b.key]; pending {
			continue
		}
		if l == nil || b.size > l.size {
			l = b
		}
	}
	return l
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
		w.buffered -= b.size
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
