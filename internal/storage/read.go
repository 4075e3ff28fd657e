package storage

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/eddy-streaming/eddy/internal/seqnum"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
	"github.com/eddy-streaming/eddy/internal/storage/segment"
)

// SequenceOf returns the sequence number of the record at offset in shard.
func SequenceOf(shard catalog.Shard, offset uint64) string {
	return seqnum.FormatSequence(shard.SeqBase+offset, shard.Index)
}

// OffsetOfSequence returns the offset that seq denotes in shard. It fails
// with ErrBadSequence when seq is malformed or names another shard. It does
// not check that the record exists.
func OffsetOfSequence(shard catalog.Shard, seq string) (uint64, error) {
	return offsetOf(shard.Index, shard.SeqBase, seq)
}

func offsetOf(index uint32, base uint64, seq string) (uint64, error) {
	counter, shardIndex, err := seqnum.ParseSequence(seq)
	if err != nil {
		return 0, fmt.Errorf("sequence number %q: %w", seq, errors.Join(ErrBadSequence, err))
	}
	if shardIndex != index || counter < base {
		return 0, fmt.Errorf("sequence number %q does not belong to %s: %w", seq, catalog.ShardID(index), ErrBadSequence)
	}
	return counter - base, nil
}

// Seek resolves a starting position in a shard to an offset. Sequence
// numbers must belong to the shard and not lie beyond its last record
// (ErrBadSequence); positions below the trim point resolve to it.
func (s *Store) Seek(stream string, shard uint32, pos Position) (uint64, error) {
	sh, err := s.shard(stream, shard)
	if err != nil {
		return 0, err
	}
	trim, err := s.trimPoint(sh)
	if err != nil {
		return 0, err
	}
	sh.mu.RLock()
	end := sh.end
	sh.mu.RUnlock()
	switch pos.Type {
	case TrimHorizon:
		return trim, nil
	case Latest:
		return end, nil
	case AtSequence, AfterSequence:
		off, err := offsetOf(sh.index, sh.seqBase, pos.Sequence)
		if err != nil {
			return 0, err
		}
		if pos.Type == AfterSequence {
			off++
		}
		if off > end {
			return 0, fmt.Errorf("sequence number %s is beyond the last record of %s: %w", pos.Sequence, catalog.ShardID(sh.index), ErrBadSequence)
		}
		return max(off, trim), nil
	case AtTimestamp:
		off, err := s.offsetAtTime(sh, pos.Timestamp.UnixMilli())
		if err != nil {
			return 0, err
		}
		return max(off, trim), nil
	}
	return 0, fmt.Errorf("unknown position type %d", pos.Type)
}

// trimPoint returns the first offset readable in sh: above the catalog trim
// offset and not past the stream's retention.
func (s *Store) trimPoint(sh *shardState) (uint64, error) {
	cutoff := s.opts.Now().Add(-time.Duration(sh.stream.retention.Load())).UnixMilli()
	off, err := s.offsetAtTime(sh, cutoff)
	if err != nil {
		return 0, err
	}
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return max(off, sh.trim), nil
}

// offsetAtTime returns the offset of the first committed record of sh
// that arrived at or after ms, or the end of the shard if none did.
func (s *Store) offsetAtTime(sh *shardState, ms int64) (uint64, error) {
	for {
		sh.mu.RLock()
		i := sort.Search(len(sh.runs), func(i int) bool { return sh.runs[i].maxArrival >= ms })
		if i == len(sh.runs) {
			end := sh.end
			sh.mu.RUnlock()
			return end, nil
		}
		r := sh.runs[i]
		if r.entries == nil && r.entryCount > 0 {
			sh.mu.RUnlock()
			if err := s.loadRun(sh, r); err != nil {
				return 0, err
			}
			continue
		}
		j := sort.Search(len(r.entries), func(j int) bool { return r.entries[j].ArrivalMillis >= ms })
		off := r.end
		if j < len(r.entries) {
			off = r.entries[j].FirstOffset
		}
		sh.mu.RUnlock()
		return off, nil
	}
}

// loadRun reads the index entries of a run of a sealed segment.
func (s *Store) loadRun(sh *shardState, r *run) error {
	all, err := r.seg.loadEntries()
	if err != nil {
		return err
	}
	if uint64(r.entryStart)+uint64(r.entryCount) > uint64(len(all)) {
		return fmt.Errorf("index of segment %d: shard rows out of range: %w", r.seg.id, ErrCorrupt)
	}
	sh.mu.Lock()
	if r.entries == nil {
		r.entries = all[r.entryStart : r.entryStart+r.entryCount : r.entryStart+r.entryCount]
	}
	sh.mu.Unlock()
	return nil
}

// Read returns committed records of a shard from offset from (raised to
// the trim point if below it): at most maxRecords records and, beyond the
// first record, at most maxBytes bytes of data and partition keys.
func (s *Store) Read(stream string, shard uint32, from uint64, maxRecords, maxBytes int) (ReadResult, error) {
	sh, err := s.shard(stream, shard)
	if err != nil {
		return ReadResult{}, err
	}
	if maxRecords <= 0 {
		maxRecords = 1
	}
	for attempt := 0; ; attempt++ {
		res, retry, err := s.read(sh, from, maxRecords, maxBytes)
		if !retry || attempt > 8 {
			return res, err
		}
	}
}

// read does one attempt of Read; retry is set when a segment vanished under
// it (deleted by retention), so the trim point moved.
func (s *Store) read(sh *shardState, from uint64, maxRecords, maxBytes int) (ReadResult, bool, error) {
	trim, err := s.trimPoint(sh)
	if err != nil {
		return ReadResult{}, false, err
	}
	from = max(from, trim)
	// Collect the batches to read under the lock, then read without it.
	var frames []segment.Entry
	var segs []*segmentFile
	for {
		frames, segs = frames[:0], segs[:0]
		need := (*run)(nil)
		sh.mu.RLock()
		budgetRecords, budgetBytes := maxRecords, maxBytes
		for i := sh.findRun(from); i < len(sh.runs) && budgetRecords > 0 && budgetBytes > 0; i++ {
			r := sh.runs[i]
			if r.entries == nil && r.entryCount > 0 {
				need = r
				break
			}
			for j := r.findEntry(from); j < len(r.entries) && budgetRecords > 0 && budgetBytes > 0; j++ {
				e := r.entries[j]
				frames = append(frames, e)
				segs = append(segs, r.seg)
				skip := uint64(0)
				if from > e.FirstOffset {
					skip = from - e.FirstOffset
				}
				budgetRecords -= int(uint64(e.Count) - skip)
				budgetBytes -= int(e.Length)
			}
		}
		end, endArrival, closed := sh.end, sh.endArrival, sh.closed
		sh.mu.RUnlock()
		if need != nil {
			if err := s.loadRun(sh, need); err != nil {
				return ReadResult{}, false, err
			}
			continue
		}
		res := ReadResult{Next: from}
		size := 0
		var buf []byte
		total := 0
		for _, e := range frames {
			total += int(e.Length)
		}
		buf = make([]byte, total)
	frames:
		for k, e := range frames {
			b := buf[:e.Length:e.Length]
			buf = buf[e.Length:]
			if err := segs[k].readAt(b, int64(e.Position)); err != nil {
				if errors.Is(err, errSegmentDeleted) {
					if len(res.Records) > 0 {
						break frames
					}
					return ReadResult{}, true, nil
				}
				return ReadResult{}, false, err
			}
			h, recs, err := segment.DecodeBatch(b)
			if err != nil || h.ShardUID != sh.uid || h.FirstOffset != e.FirstOffset || h.Count != e.Count {
				return ReadResult{}, false, fmt.Errorf("batch at segment %d position %d: %w", segs[k].id, e.Position, errors.Join(ErrCorrupt, err))
			}
			if h.Encrypted() {
				if recs, err = segment.DecryptBatch(b, h, s.masterKey); err != nil {
					if !errors.Is(err, ErrKeyUnavailable) {
						err = errors.Join(ErrCorrupt, err)
					}
					return ReadResult{}, false, fmt.Errorf("batch at segment %d position %d: %w", segs[k].id, e.Position, err)
				}
			}
			arrival := time.UnixMilli(h.ArrivalMillis)
			off := h.FirstOffset
			for recs.Next() {
				if off < res.Next {
					off++
					continue
				}
				n := len(recs.Data()) + len(recs.PartitionKey())
				if len(res.Records) >= maxRecords || (len(res.Records) > 0 && size+n > maxBytes) {
					break frames
				}
				size += n
				res.Records = append(res.Records, StoredRecord{
					Offset:         off,
					SequenceNumber: seqnum.FormatSequence(sh.seqBase+off, sh.index),
					PartitionKey:   string(recs.PartitionKey()),
					Data:           recs.Data(),
					ArrivalTime:    arrival,
				})
				off++
				res.Next = off
			}
		}
		res.EndOfShard = closed && res.Next >= end
		if res.Next < end {
			res.MillisBehindLatest = s.lagMillis(sh, res.Next, endArrival)
		}
		return res, false, nil
	}
}

// masterKey looks up the key a batch was sealed with.
func (s *Store) masterKey(ref segment.KeyRef) ([]byte, error) {
	if s.opts.Keyring == nil {
		return nil, fmt.Errorf("no keyring configured: %w", ErrKeyUnavailable)
	}
	key, err := s.opts.Keyring.Key(ref.ID, ref.Version)
	if err != nil {
		return nil, errors.Join(ErrKeyUnavailable, err)
	}
	return key, nil
}

// lagMillis estimates how far behind the tip a reader at offset next is:
// the time since the arrival of the next unread record.
func (s *Store) lagMillis(sh *shardState, next uint64, endArrival int64) int64 {
	sh.mu.RLock()
	var arrival int64 = endArrival
	if i := sh.findRun(next); i < len(sh.runs) {
		r := sh.runs[i]
		if r.entries != nil {
			if j := r.findEntry(next); j < len(r.entries) {
				arrival = r.entries[j].ArrivalMillis
			}
		} else {
			arrival = r.minArrival
		}
	}
	sh.mu.RUnlock()
	lag := s.opts.Now().UnixMilli() - arrival
	return max(lag, 0)
}

// Wait blocks until a record at offset from or later is readable in the
// shard, the shard is closed, or ctx is done. It does not poll: committers
// wake it.
func (s *Store) Wait(ctx context.Context, stream string, shard uint32, from uint64) error {
	sh, err := s.shard(stream, shard)
	if err != nil {
		return err
	}
	for {
		sh.mu.RLock()
		ready, closed, deleted, ch := sh.end > from, sh.closed, sh.deleted, sh.notify
		sh.mu.RUnlock()
		switch {
		case deleted:
			return fmt.Errorf("stream %q: %w", stream, ErrStreamNotFound)
		case ready || closed:
			return nil
		case s.closed.Load():
			return ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closing:
			return ErrClosed
		}
	}
}

// Tip returns the offset one past the last committed record of a shard and
// that record's arrival time (zero if the shard has none).
func (s *Store) Tip(stream string, shard uint32) (uint64, time.Time, error) {
	sh, err := s.shard(stream, shard)
	if err != nil {
		return 0, time.Time{}, err
	}
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	if sh.endArrival == 0 {
		return sh.end, time.Time{}, nil
	}
	return sh.end, time.UnixMilli(sh.endArrival), nil
}
