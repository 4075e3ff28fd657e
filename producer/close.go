package producer

import (
	"context"
)

// Flush sends every buffered record at once and waits until the records
// accepted before the call have finished (been written or failed for good)
// and their callbacks have returned, or until ctx ends. Records put during
// Flush are sent too but not waited for. It returns ctx's error if ctx
// ended first; a record's failure is in its result, not here.
func (p *Producer) Flush(ctx context.Context) error {
	p.mu.Lock()
	if p.bufferedRecords == 0 {
		p.mu.Unlock()
		return nil
	}
	w := &flushWaiter{upTo: p.epoch, done: make(chan struct{})}
	p.epoch++
	p.flushes = append(p.flushes, w)
	p.mu.Unlock()
	p.wake()
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		p.mu.Lock()
		for i, f := range p.flushes {
			if f == w {
				p.flushes = append(p.flushes[:i], p.flushes[i+1:]...)
				break
			}
		}
		p.mu.Unlock()
		return ctx.Err()
	}
}

// Close stops accepting records (Put returns ErrClosed), sends every
// buffered record and waits until all have finished and their callbacks
// have returned. If ctx ends first, Close cancels the calls in flight,
// drops the records left with ErrClosed as their result, and returns ctx's
// error. Either way every goroutine of the producer has ended when Close
// returns. Close may be called more than once; later calls wait for the
// first (or for their own ctx) and return its result.
func (p *Producer) Close(ctx context.Context) error {
	p.mu.Lock()
	first := !p.closed
	p.closed = true
	p.freeRoom() // Puts waiting for room return ErrClosed
	p.mu.Unlock()
	if !first {
		select {
		case <-p.closeDone:
			return p.closeErr
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	err := p.Flush(ctx)
	if err != nil {
		p.abort()
	}
	close(p.stop)
	p.cancel()
	p.wg.Wait()
	p.closeErr = err
	close(p.closeDone)
	p.logger.Debug("producer closed", "error", err)
	return err
}

// abort drops the buffered records with ErrClosed and cancels the calls in
// flight, whose records then fail with ErrClosed.
func (p *Producer) abort() {
	p.mu.Lock()
	p.aborted.Store(true)
	var dropped []record
	for _, s := range p.shards {
		dropped = append(dropped, s.take(s.queueLen(), nil)...)
	}
	p.mu.Unlock()
	p.cancel()
	p.deliver(nil, dropped, ErrClosed)
	p.errors.Add(int64(len(dropped)))
	p.metrics.Failed(len(dropped))
	var t tally
	for i := range dropped {
		t.add(&dropped[i])
	}
	p.mu.Lock()
	p.finish(t)
	p.mu.Unlock()
	if len(dropped) > 0 {
		p.logger.Warn("records dropped on close", "records", len(dropped))
	}
}

// Stats returns the producer's counts so far.
func (p *Producer) Stats() Stats {
	p.mu.Lock()
	st := Stats{BufferedRecords: p.bufferedRecords, BufferedBytes: p.bufferedBytes, Shards: len(p.ranges)}
	p.mu.Unlock()
	st.Records, st.Bytes, st.KinesisRecords = p.records.Load(), p.bytes.Load(), p.kinesisRecords.Load()
	st.Requests, st.Retries, st.Errors = p.requests.Load(), p.retries.Load(), p.errors.Load()
	return st
}

// tally counts finished records for finish.
type tally struct {
	records, bytes int
	epochs         []epochCount // runs of records of one Flush epoch
}

type epochCount struct {
	epoch uint64
	n     int
}

func (t *tally) add(r *record) {
	t.records++
	t.bytes += r.size
	if n := len(t.epochs); n > 0 && t.epochs[n-1].epoch == r.epoch {
		t.epochs[n-1].n++
		return
	}
	t.epochs = append(t.epochs, epochCount{epoch: r.epoch, n: 1})
}

// finish releases finished records: room in the buffer, their Flush
// epochs. Called with p.mu held.
func (p *Producer) finish(t tally) {
	if t.records == 0 {
		return
	}
	p.bufferedRecords -= t.records
	p.bufferedBytes -= t.bytes
	for _, e := range t.epochs {
		if p.outstanding[e.epoch] -= e.n; p.outstanding[e.epoch] == 0 {
			delete(p.outstanding, e.epoch)
		}
	}
	p.freeRoom()
	if len(p.flushes) == 0 {
		return
	}
	oldest := uint64(1<<64 - 1)
	for e := range p.outstanding {
		oldest = min(oldest, e)
	}
	kept := p.flushes[:0]
	for _, f := range p.flushes {
		if f.upTo < oldest {
			close(f.done)
		} else {
			kept = append(kept, f)
		}
	}
	clear(p.flushes[len(kept):])
	p.flushes = kept
}

// freeRoom wakes the Puts waiting for room. Called with p.mu held.
func (p *Producer) freeRoom() {
	if p.roomFreed != nil {
		close(p.roomFreed)
		p.roomFreed = nil
	}
}

// deliver calls the callbacks of records: with err as their error when
// results is nil, else with results (one per record that wants one).
func (p *Producer) deliver(results []Result, records []record, err error) {
	if results == nil {
		for i := range records {
			if p.opts.OnResult != nil || records[i].Done != nil {
				results = append(results, Result{Record: records[i].Record, Attempts: int(records[i].attempts), Err: err})
			}
		}
	}
	for _, res := range results {
		if p.opts.OnResult != nil {
			p.opts.OnResult(res)
		}
		if res.Record.Done != nil {
			res.Record.Done(res)
		}
	}
}
