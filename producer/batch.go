package producer

import "time"

// never is a wake-up time that does not come.
const never = time.Duration(1<<63 - 1)

// record is a record in the producer.
type record struct {
	Record
	route    hashKey // the hash key that picks the shard
	keyHash  uint64  // a hash of the partition key
	size     int     // data and partition key, in bytes
	enqueued time.Duration
	epoch    uint64
	attempts int32
	// pkIndex and ehkIndex are the record's indexes in the key tables of
	// its aggregated record, set by buildBatch.
	pkIndex, ehkIndex int32
}

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

// batch is the records of one PutRecords call.
type batch struct {
	shard   *shard
	records []record
	entries []batchEntry
}

// batchEntry is one Kinesis record of a batch: records[from:to], one plain
// record or an aggregated record of several.
type batchEntry struct {
	from, to   int
	aggregated bool
	// keys and hashKeys are the key tables of an aggregated record, and
	// size its encoded size.
	keys, hashKeys []string
	size           int
}

// maxSkipped bounds the records buildBatch skips (because their key is
// in an earlier entry) before it gives up looking for more.
const maxSkipped = 1000

// buildBatch takes the next batch from the front of s's queue. Called with
// p.mu held.
//
// Per-key order: unless Options.Unordered, a partition key is in at most
// one entry of a batch (one plain record, or one aggregated record). The
// entries of one call fail independently, so a record retried after a
// later record of its key was written would be out of order. With one
// batch in flight per shard, failed records put back at the front of the
// queue, and this rule, every key stays in order. A record whose key is in
// an earlier entry is skipped, and so are the later ones of its key.
func (p *Producer) buildBatch(s *shard) *batch {
	clear(p.seen)
	bb := batchBuilder{o: &p.opts, b: &batch{shard: s}, seen: p.seen, picked: p.picked[:0], pseudo: s.id == ""}
	bb.resetAggregate()
	n, scanned, skipped := s.queueLen(), 0, 0
scan:
	for ; scanned < n && skipped < maxSkipped; scanned++ {
		r := s.at(scanned)
		var outcome addOutcome
		if p.opts.Aggregate {
			outcome = bb.addAggregated(r)
		} else {
			outcome = bb.addPlain(r)
		}
		switch outcome {
		case added:
			bb.picked = append(bb.picked, scanned)
		case skip:
			skipped++
		case stop:
			break scan
		}
	}
	bb.closeAggregate()
	s.backlog = skipped > 0
	bb.b.records = s.takePicked(bb.picked, scanned, p.spare)
	p.picked = bb.picked
	return bb.b
}

// addOutcome is what became of a record offered to a batch.
type addOutcome int

const (
	added addOutcome = iota
	skip             // its key is in an earlier entry
	stop             // the batch is full
)

// batchBuilder builds a batch from a shard's queue.
type batchBuilder struct {
	o *Options
	b *batch
	// seen maps the key hash of each record added to its entry's index <<
	// 32 | its index in that entry's key table.
	seen map[uint64]uint64
	// picked are the queue positions of the records added, in order.
	picked []int
	bytes  int // bytes of the entries in b.entries
	// cur is the open aggregate, picked[cur.from:cur.to], of encoded size
	// curSize; it becomes entry number len(b.entries).
	cur         batchEntry
	curSize     int
	curFirstKey int // the length of the partition key of its first record
	// curRoute is the hash key of its first record. On the pseudo-shard
	// of an unknown map, an aggregate only holds records of that hash
	// key, since it goes to the shard of its first record.
	curRoute hashKey
	pseudo   bool
}

// addPlain adds r as a plain record.
func (bb *batchBuilder) addPlain(r *record) addOutcome {
	entry := len(bb.b.entries)
	if !bb.o.Unordered {
		if _, ok := bb.seen[r.keyHash]; ok {
			return skip
		}
	}
	if entry >= bb.o.MaxBatchRecords || bb.bytes+r.size > bb.o.MaxBatchBytes {
		return stop
	}
	bb.seen[r.keyHash] = uint64(entry) << 32
	at := len(bb.picked)
	bb.b.entries = append(bb.b.entries, batchEntry{from: at, to: at + 1})
	bb.bytes += r.size
	bb.cur.from, bb.cur.to = at+1, at+1
	return added
}

// addAggregated adds r to the open aggregate, to a new one, or as a plain
// record when it is too large to aggregate.
func (bb *batchBuilder) addAggregated(r *record) addOutcome {
	o, cur := bb.o, &bb.cur
	for {
		curIndex := len(bb.b.entries)
		v, ok := bb.seen[r.keyHash]
		entry, pk := int(v>>32), int(uint32(v))
		if ok && entry < curIndex && !o.Unordered {
			return skip
		}
		newKey := !(ok && entry == curIndex && pk < len(cur.keys) && cur.keys[pk] == r.PartitionKey)
		add := 0
		if newKey {
			pk = len(cur.keys)
			add += tableEntrySize(r.PartitionKey)
		}
		ehk := -1
		if r.ExplicitHashKey != "" {
			for i, k := range cur.hashKeys {
				if k == r.ExplicitHashKey {
					ehk = i
					break
				}
			}
			if ehk < 0 {
				ehk = len(cur.hashKeys)
				add += tableEntrySize(r.ExplicitHashKey)
			}
		}
		add += recordSize(pk, ehk, len(r.Data))
		count := cur.to - cur.from
		firstKey := bb.curFirstKey
		if count == 0 {
			firstKey = len(r.PartitionKey)
			bb.curRoute = r.route
		}
		if (!bb.pseudo || r.route == bb.curRoute) &&
			bb.curSize+add <= o.MaxAggregatedBytes &&
			(o.MaxAggregatedRecords == 0 || count < o.MaxAggregatedRecords) &&
			bb.bytes+bb.curSize+add+firstKey <= o.MaxBatchBytes &&
			curIndex < o.MaxBatchRecords {
			if newKey {
				cur.keys = append(cur.keys, r.PartitionKey)
				bb.seen[r.keyHash] = uint64(curIndex)<<32 | uint64(pk)
			}
			if ehk == len(cur.hashKeys) {
				cur.hashKeys = append(cur.hashKeys, r.ExplicitHashKey)
			}
			r.pkIndex, r.ehkIndex = int32(pk), int32(ehk)
			bb.curSize += add
			bb.curFirstKey = firstKey
			cur.to++
			return added
		}
		if count > 0 {
			bb.closeAggregate() // and try r in a new aggregate
			continue
		}
		// r does not fit in an empty aggregate. Send it on its own if it is
		// too large to aggregate.
		if bb.curSize+add <= o.MaxAggregatedBytes {
			return stop
		}
		return bb.addPlain(r)
	}
}

// closeAggregate closes the open aggregate, if any, into an entry, and
// opens a new one.
func (bb *batchBuilder) closeAggregate() {
	cur := bb.cur
	switch cur.to - cur.from {
	case 0:
	case 1: // an aggregate of one record is sent as a plain record
		bb.bytes += bb.curSize - aggregatedOverhead // an upper bound of its size
		bb.b.entries = append(bb.b.entries, batchEntry{from: cur.from, to: cur.to})
	default:
		cur.aggregated, cur.size = true, bb.curSize
		bb.bytes += bb.curSize + bb.curFirstKey
		bb.b.entries = append(bb.b.entries, cur)
	}
	bb.resetAggregate()
}

func (bb *batchBuilder) resetAggregate() {
	at := len(bb.picked)
	bb.cur = batchEntry{from: at, to: at}
	bb.curSize = aggregatedOverhead
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
