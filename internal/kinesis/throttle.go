package kinesis

import (
	"sort"

	"github.com/eddy-streaming/eddy/internal/awsproto"
	"github.com/eddy-streaming/eddy/internal/seqnum"
	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// Throughput limits and write/read metering around the data operations.

// metered reports whether writes to and reads from s are counted: when
// limits are enforced, when s scales on demand, or when it has
// shard-level metrics on.
func (h *Handler) metered(s catalog.Stream) bool {
	return h.opts.Throughput.Enforce || modeOf(s) == modeOnDemand || s.Attrs[attrShardMetrics] != ""
}

func (h *Handler) throughputExceeded(stream string, shard uint32) *awsproto.Error {
	return apiErr(errThroughputExceeded, "Rate exceeded for shard %s in stream %s under account %s.",
		catalog.ShardID(shard), stream, h.opts.AccountID)
}

// router maps hash keys to the open shards of a stream, as storage routes
// them (used to throttle before writing).
type router struct {
	starts []seqnum.Uint128
	ends   []seqnum.Uint128
	index  []uint32
}

func newRouter(s catalog.Stream) router {
	type span struct {
		start, end seqnum.Uint128
		index      uint32
	}
	var spans []span
	for _, sh := range s.Shards {
		if sh.Closed {
			continue
		}
		start, err1 := seqnum.ParseUint128(sh.HashKeyStart)
		end, err2 := seqnum.ParseUint128(sh.HashKeyEnd)
		if err1 == nil && err2 == nil {
			spans = append(spans, span{start, end, sh.Index})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start.Cmp(spans[j].start) < 0 })
	r := router{}
	for _, sp := range spans {
		r.starts = append(r.starts, sp.start)
		r.ends = append(r.ends, sp.end)
		r.index = append(r.index, sp.index)
	}
	return r
}

// route returns the open shard of a record.
func (r router) route(rec *storage.Record) (uint32, bool) {
	key, ok := hashKeyOf(rec)
	if !ok {
		return 0, false
	}
	i := sort.Search(len(r.starts), func(i int) bool { return r.starts[i].Cmp(key) > 0 }) - 1
	if i < 0 || key.Cmp(r.ends[i]) > 0 {
		return 0, false
	}
	return r.index[i], true
}

// admitWrites applies the write limits to recs (all of stream s). It
// returns, per record, nil or the throttling error.
func (h *Handler) admitWrites(s catalog.Stream, recs []storage.Record) []error {
	r := newRouter(s)
	now := h.opts.Now()
	errs := make([]error, len(recs))
	for i := range recs {
		idx, ok := r.route(&recs[i])
		if !ok {
			continue
		}
		m := h.meters.get(shardKey{s.ID, idx}, now)
		if !m.admitWrite(now, &h.opts.Throughput, len(recs[i].Data)+len(recs[i].PartitionKey)) {
			errs[i] = h.throughputExceeded(s.Name, idx)
		}
	}
	return errs
}

// countWrites adds stored records to their shards' meters. For ON_DEMAND
// streams it also samples the records' hash keys, where hot shards split.
func (h *Handler) countWrites(s catalog.Stream, recs []storage.Record, res []storage.PutResult) {
	now := h.opts.Now()
	sample := modeOf(s) == modeOnDemand
	type load struct {
		records, bytes int
		keys           []seqnum.Uint128
	}
	var single [1]uint32
	shards := single[:0]
	loads := make(map[uint32]*load, 4)
	for i, r := range res {
		if r.Err != nil {
			continue
		}
		l := loads[r.ShardIndex]
		if l == nil {
			l = &load{}
			loads[r.ShardIndex] = l
			shards = append(shards, r.ShardIndex)
		}
		if sample && (l.records%keySampleEvery == 0) {
			if k, ok := hashKeyOf(&recs[i]); ok {
				l.keys = append(l.keys, k)
			}
		}
		l.records++
		l.bytes += len(recs[i].Data) + len(recs[i].PartitionKey)
	}
	for _, idx := range shards {
		l := loads[idx]
		h.meters.get(shardKey{s.ID, idx}, now).wrote(now, l.records, l.bytes, l.keys)
	}
}

// hashKeyOf returns the hash key that routes a record.
func hashKeyOf(rec *storage.Record) (seqnum.Uint128, bool) {
	if rec.ExplicitHashKey != "" {
		k, err := seqnum.ParseUint128(rec.ExplicitHashKey)
		return k, err == nil
	}
	return seqnum.HashKey(rec.PartitionKey), true
}
