package storage

import (
	"sort"
	"sync"

	"github.com/eddy-streaming/eddy/internal/storage/segment"
)

// shardState is the in-memory state of one shard: its append cursor and its
// index of committed batches.
type shardState struct {
	uid     uint64
	stream  *streamMeta // never changes
	index   uint32
	seqBase uint64

	// appendMu orders appends: offsets and arrival times are assigned, and
	// batches queued, under it.
	appendMu    sync.Mutex
	nextOffset  uint64
	lastArrival int64 // Unix ms of the last assigned arrival time

	// mu guards everything below. It is held only to look up or publish
	// index entries, never during IO.
	mu         sync.RWMutex
	runs       []*run // one per segment holding batches of the shard, in order
	end        uint64 // offset one past the last committed record
	endArrival int64  // arrival time of the last committed record, Unix ms
	trim       uint64 // catalog trim offset: lower offsets may be gone
	closed     bool   // takes no more writes; end is final
	deleted    bool   // the stream was deleted
	notify     chan struct{}
}

// run is the part of a shard that lies in one segment.
type run struct {
	seg        *segmentFile
	first, end uint64 // offsets [first, end)
	minArrival int64
	maxArrival int64
	// entries are the shard's batches in seg, in offset order; nil while
	// not loaded (sealed segments opened at startup load them lazily).
	entries    []segment.Entry
	entryStart uint32 // position of the shard's entries in seg's index
	entryCount uint32
}

func newShardState(st *streamMeta, uid uint64, index uint32, seqBase uint64) *shardState {
	return &shardState{
		uid: uid, stream: st, index: index, seqBase: seqBase,
		notify: make(chan struct{}),
	}
}

// publish makes a committed batch visible to readers and wakes waiters.
// Called by the committer, in offset order.
func (sh *shardState) publish(seg *segmentFile, e segment.Entry) {
	sh.mu.Lock()
	var r *run
	if n := len(sh.runs); n > 0 && sh.runs[n-1].seg == seg {
		r = sh.runs[n-1]
	} else {
		r = &run{seg: seg, first: e.FirstOffset, minArrival: e.ArrivalMillis}
		sh.runs = append(sh.runs, r)
	}
	r.entries = append(r.entries, e)
	r.entryCount++
	r.end = e.End()
	r.maxArrival = max(r.maxArrival, e.ArrivalMillis)
	sh.end = e.End()
	sh.endArrival = e.ArrivalMillis
	close(sh.notify)
	sh.notify = make(chan struct{})
	sh.mu.Unlock()
}

// wake closes the notify channel without publishing (close, delete).
func (sh *shardState) wake() {
	sh.mu.Lock()
	close(sh.notify)
	sh.notify = make(chan struct{})
	sh.mu.Unlock()
}

// findRun returns the index of the first run whose end is above off, or
// len(runs). Caller holds mu.
func (sh *shardState) findRun(off uint64) int {
	return sort.Search(len(sh.runs), func(i int) bool { return sh.runs[i].end > off })
}

// findEntry returns the index of the first entry of r whose end is above
// off. The entries must be loaded.
func (r *run) findEntry(off uint64) int {
	return sort.Search(len(r.entries), func(i int) bool { return r.entries[i].End() > off })
}

// dropRunsOf removes the runs in seg after the segment was deleted.
func (sh *shardState) dropRunsOf(seg *segmentFile, trim uint64) {
	sh.mu.Lock()
	kept := sh.runs[:0]
	for _, r := range sh.runs {
		if r.seg != seg {
			kept = append(kept, r)
		}
	}
	clear(sh.runs[len(kept):])
	sh.runs = kept
	sh.trim = max(sh.trim, trim)
	sh.mu.Unlock()
}
