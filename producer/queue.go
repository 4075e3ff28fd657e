package producer

import "time"

// shard is one shard of the map and its queue of records, in Put order
// (retried records at the front).
type shard struct {
	shardRange
	queue       []record // queue[head:] are queued
	head        int
	queuedBytes int
	inFlight    bool // a batch is in flight, or its callbacks are running
	fullKicked  bool // the loop was kicked because the queue is full
	// backlog is set when the last batch skipped records because their
	// key was in it: they go as soon as the shard is free, since waiting
	// would not let them into a batch sooner.
	backlog  bool
	failures int // consecutive calls with failed records
	retryAt  time.Duration
}

func (s *shard) queueLen() int { return len(s.queue) - s.head }

// at returns the i-th queued record.
func (s *shard) at(i int) *record { return &s.queue[s.head+i] }

func (s *shard) push(r record) {
	s.queue = append(s.queue, r)
	s.queuedBytes += r.size
}

// pushFront puts records back at the front of the queue, in order.
func (s *shard) pushFront(rs []record) {
	for i := range rs {
		s.queuedBytes += rs[i].size
	}
	if s.head >= len(rs) {
		s.head -= len(rs)
		copy(s.queue[s.head:], rs)
		return
	}
	q := make([]record, 0, len(rs)+s.queueLen())
	q = append(append(q, rs...), s.queue[s.head:]...)
	s.queue, s.head = q, 0
}

// take removes the first n queued records and returns them in a new slice
// (the queue's own array when they are all of it: spare, if not nil,
// provides the queue's next one).
func (s *shard) take(n int, spare func() []record) []record {
	if s.head == 0 && n == len(s.queue) {
		out := s.queue
		s.queue, s.queuedBytes, s.fullKicked = nil, 0, false
		if spare != nil {
			s.queue = spare()
		}
		return out
	}
	out := make([]record, n)
	copy(out, s.queue[s.head:s.head+n])
	s.drop(n, out)
	return out
}

// takePicked removes the queued records at the (increasing) positions
// picked, all below scanned, and returns them in a new slice, in order. The
// others keep their order.
func (s *shard) takePicked(picked []int, scanned int, spare func() []record) []record {
	if len(picked) == 0 || picked[len(picked)-1] == len(picked)-1 {
		return s.take(len(picked), spare) // a prefix
	}
	out := make([]record, len(picked))
	for i, at := range picked {
		out[i] = *s.at(at)
	}
	// Move the records left behind in queue[head:head+scanned] to its end,
	// keeping their order, then drop its start.
	w, p := scanned-1, len(picked)-1
	for i := scanned - 1; i >= 0; i-- {
		if p >= 0 && picked[p] == i {
			p--
			continue
		}
		s.queue[s.head+w] = s.queue[s.head+i]
		w--
	}
	s.drop(len(picked), out)
	return out
}

// drop removes the first n queued records, whose copies are taken.
func (s *shard) drop(n int, taken []record) {
	clear(s.queue[s.head : s.head+n])
	s.head += n
	for i := range taken {
		s.queuedBytes -= taken[i].size
	}
	switch {
	case s.head == len(s.queue):
		s.queue, s.head = s.queue[:0], 0
	case s.head > 1024 && s.head > len(s.queue)/2:
		n := copy(s.queue, s.queue[s.head:])
		clear(s.queue[n:])
		s.queue, s.head = s.queue[:n], 0
	}
	s.fullKicked = false
}

// full reports whether the queue holds at least a whole batch.
func (s *shard) full(o *Options) bool {
	n := s.queueLen()
	switch {
	case s.queuedBytes >= o.MaxBatchBytes:
		return true
	case !o.Aggregate:
		return n >= o.MaxBatchRecords
	case o.MaxAggregatedRecords > 0:
		return n/o.MaxAggregatedRecords >= o.MaxBatchRecords
	}
	return false
}

// maxSpares bounds the record arrays kept for reuse.
const maxSpares = 8

// spare returns an empty record array to reuse, or nil. Called with p.mu
// held.
func (p *Producer) spare() []record {
	n := len(p.spares)
	if n == 0 {
		return nil
	}
	s := p.spares[n-1]
	p.spares[n-1] = nil
	p.spares = p.spares[:n-1]
	return s
}

// recycle keeps the array of a finished batch for reuse. Called with p.mu
// held.
func (p *Producer) recycle(records []record) {
	if len(p.spares) < maxSpares && cap(records) >= 64 {
		clear(records)
		p.spares = append(p.spares, records[:0])
	}
}
