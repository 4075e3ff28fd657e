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
