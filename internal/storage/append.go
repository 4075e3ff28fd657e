package storage

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/eddy-streaming/eddy/internal/seqnum"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
	"github.com/eddy-streaming/eddy/internal/storage/segment"
)

// maxFrameData bounds the data bytes of one frame; bigger batches are split
// into several frames (still committed together).
const maxFrameData = 64 << 20

// Put routes each record to the open shard owning its hash key (the MD5 of
// its partition key, or its explicit hash key) and appends it. It returns
// once every record is committed per the fsync policy. The error is for the
// whole call; a record that could not be stored has its PutResult.Err set.
// Records to one shard keep their order in recs.
func (s *Store) Put(ctx context.Context, stream string, recs []Record) ([]PutResult, error) {
	if err := s.checkOpen(ctx); err != nil {
		return nil, err
	}
	results := make([]PutResult, len(recs))
	todo := make([]int, 0, len(recs))
	for i := range recs {
		if err := s.checkRecord(&recs[i]); err != nil {
			results[i].Err = err
			continue
		}
		todo = append(todo, i)
	}
	// A shard may close (reshard) between routing and appending; its
	// records are then routed again on the new layout.
	for attempt := 0; len(todo) > 0; attempt++ {
		st, err := s.stream(stream)
		if err != nil {
			return nil, err
		}
		groups := make(map[*shardState][]int, 4)
		var order []*shardState
		for _, i := range todo {
			key, err := hashKeyOf(&recs[i])
			if err != nil {
				results[i].Err = err
				continue
			}
			sh := st.route(key)
			if sh == nil {
				results[i].Err = fmt.Errorf("no open shard for hash key %s: %w", key, ErrShardNotFound)
				continue
			}
			if _, ok := groups[sh]; !ok {
				order = append(order, sh)
			}
			groups[sh] = append(groups[sh], i)
		}
		var wg sync.WaitGroup
		var pending []*pendingBatch
		for _, sh := range order {
			pending = s.appendShard(sh, recs, groups[sh], results, &wg, pending)
		}
		wg.Wait()
		s.settle(pending, recs, results)
		next := todo[:0]
		for _, i := range todo {
			if attempt < 3 && errors.Is(results[i].Err, ErrShardClosed) {
				results[i] = PutResult{}
				next = append(next, i)
			}
		}
		todo = next
	}
	return results, nil
}

// Append appends records to one given shard, in order. See Put.
func (s *Store) Append(ctx context.Context, stream string, shard uint32, recs []Record) ([]PutResult, error) {
	if err := s.checkOpen(ctx); err != nil {
		return nil, err
	}
	sh, err := s.shard(stream, shard)
	if err != nil {
		return nil, err
	}
	results := make([]PutResult, len(recs))
	idx := make([]int, 0, len(recs))
	for i := range recs {
		if err := s.checkRecord(&recs[i]); err != nil {
			results[i].Err = err
			continue
		}
		idx = append(idx, i)
	}
	var wg sync.WaitGroup
	pending := s.appendShard(sh, recs, idx, results, &wg, nil)
	wg.Wait()
	s.settle(pending, recs, results)
	return results, nil
}

func (s *Store) checkOpen(ctx context.Context) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return ctx.Err()
}

func (s *Store) checkRecord(r *Record) error {
	if len(r.Data) > s.opts.MaxRecordSize {
		return fmt.Errorf("record of %d bytes exceeds %d: %w", len(r.Data), s.opts.MaxRecordSize, ErrRecordTooLarge)
	}
	return nil
}

func hashKeyOf(r *Record) (seqnum.Uint128, error) {
	if r.ExplicitHashKey == "" {
		return seqnum.HashKey(r.PartitionKey), nil
	}
	k, err := seqnum.ParseUint128(r.ExplicitHashKey)
	if err != nil {
		return seqnum.Uint128{}, fmt.Errorf("explicit hash key %q: %w", r.ExplicitHashKey, ErrBadHashKey)
	}
	return k, nil
}

// appendShard assigns offsets and an arrival time to recs[idx...] under
// the shard's append lock, encodes them into frames and queues the frames.
// Results are filled in optimistically; settle clears the ones whose batch
// failed.
func (s *Store) appendShard(sh *shardState, recs []Record, idx []int, results []PutResult, wg *sync.WaitGroup, pending []*pendingBatch) []*pendingBatch {
	if len(idx) == 0 {
		return pending
	}
	segRecs := make([]segment.Record, 0, len(idx))
	sh.appendMu.Lock()
	defer sh.appendMu.Unlock()
	fail := func(err error) []*pendingBatch {
		for _, i := range idx {
			results[i].Err = err
		}
		return pending
	}
	sh.mu.RLock()
	closed, deleted := sh.closed, sh.deleted
	sh.mu.RUnlock()
	switch {
	case deleted:
		return fail(fmt.Errorf("stream %q: %w", sh.stream.name, ErrStreamNotFound))
	case closed:
		return fail(fmt.Errorf("%s: %w", catalog.ShardID(sh.index), ErrShardClosed))
	}
	if err := s.log.err(); err != nil {
		return fail(err)
	}
	var keyRef segment.KeyRef
	var key []byte
	if id := *sh.stream.encKeyID.Load(); id != "" {
		if s.opts.Keyring == nil {
			return fail(fmt.Errorf("stream %q is encrypted with %q but no keyring is configured: %w", sh.stream.name, id, ErrKeyUnavailable))
		}
		version, k, err := s.opts.Keyring.Current(id)
		if err != nil {
			return fail(fmt.Errorf("stream %q: %w", sh.stream.name, errors.Join(ErrKeyUnavailable, err)))
		}
		keyRef, key = segment.KeyRef{ID: id, Version: version}, k
	}
	now := s.opts.Now().UnixMilli()
	if now < sh.lastArrival {
		now = sh.lastArrival
	}
	arrival := time.UnixMilli(now)
	for start := 0; start < len(idx); {
		// Cut a frame of at most maxFrameData data bytes (at least one record).
		end, size := start, 0
		segRecs = segRecs[:0]
		for end < len(idx) && (end == start || size+len(recs[idx[end]].Data) <= maxFrameData) {
			r := &recs[idx[end]]
			size += len(r.Data)
			segRecs = append(segRecs, segment.Record{PartitionKey: r.PartitionKey, Data: r.Data})
			end++
		}
		first := sh.nextOffset
		hdr := segment.BatchHeader{ShardUID: sh.uid, FirstOffset: first, ArrivalMillis: now}
		var frame []byte
		if key != nil {
			var err error
			if frame, err = segment.AppendEncryptedBatch(nil, hdr, segRecs, keyRef, key, rand.Reader); err != nil {
				for _, i := range idx[start:] {
					results[i].Err = fmt.Errorf("encrypt batch: %w", errors.Join(ErrKeyUnavailable, err))
				}
				return pending
			}
		} else {
			frame = segment.AppendBatch(nil, hdr, segRecs)
		}
		p := &pendingBatch{
			shard: sh, frame: frame, done: wg,
			entry: segment.Entry{ShardUID: sh.uid, FirstOffset: first, Count: uint32(end - start), ArrivalMillis: now},
		}
		wg.Add(1)
		if err := s.log.enqueue(p); err != nil {
			wg.Done()
			for _, i := range idx[start:] {
				results[i].Err = err
			}
			return pending
		}
		for k, i := range idx[start:end] {
			off := first + uint64(k)
			results[i] = PutResult{
				ShardIndex:     sh.index,
				SequenceNumber: seqnum.FormatSequence(sh.seqBase+off, sh.index),
				Offset:         off,
				ArrivalTime:    arrival,
			}
		}
		sh.nextOffset += uint64(end - start)
		sh.lastArrival = now
		pending = append(pending, p)
		start = end
	}
	return pending
}

// settle clears the results of records whose batch was not committed.
func (s *Store) settle(pending []*pendingBatch, recs []Record, results []PutResult) {
	for _, p := range pending {
		if p.err == nil {
			continue
		}
		for i := range results {
			r := &results[i]
			if r.Err == nil && r.SequenceNumber != "" && r.ShardIndex == p.shard.index &&
				r.Offset >= p.entry.FirstOffset && r.Offset < p.entry.End() {
				*r = PutResult{Err: p.err}
			}
		}
	}
}
