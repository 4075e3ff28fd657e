package storage

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

func (s *Store) retentionLoop() {
	defer s.bg.Done()
	t := time.NewTicker(s.opts.RetentionCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-s.closing:
			return
		case <-t.C:
			if _, err := s.EnforceRetention(); err != nil {
				s.opts.Logger.Error("enforce retention", "err", err)
			}
		}
	}
}

// EnforceRetention deletes every sealed segment all of whose batches belong
// to deleted streams or are past their stream's retention, and returns how
// many it deleted. Before deleting a segment it raises, in the catalog, the
// trim offset of every live shard with data in it, so offsets are never
// reused. Records past retention are already invisible to readers; this
// reclaims their space by whole segments. It runs every
// Options.RetentionCheckInterval; tests call it directly.
func (s *Store) EnforceRetention() (int, error) {
	if s.closed.Load() {
		return 0, ErrClosed
	}
	now := s.opts.Now()
	s.segMu.Lock()
	candidates := make([]*segmentFile, 0, len(s.segments))
	for _, seg := range s.segments {
		seg.mu.RLock()
		sealed := seg.sealed
		seg.mu.RUnlock()
		if sealed && seg != s.activeSegment() {
			candidates = append(candidates, seg)
		}
	}
	s.segMu.Unlock()
	deleted := 0
	for _, seg := range candidates {
		ok, err := s.deleteIfExpired(seg, now)
		if err != nil {
			return deleted, err
		}
		if ok {
			deleted++
		}
	}
	return deleted, nil
}

// activeSegment returns the segment the committer appends to. The committer
// changes it only while rolling, under segMu (through addSegment), and a
// segment that is or was active is never deleted while active because a
// sealed segment always has an index.
func (s *Store) activeSegment() *segmentFile {
	if n := len(s.segments); n > 0 {
		return s.segments[n-1]
	}
	return nil
}

func (s *Store) deleteIfExpired(seg *segmentFile, now time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seg.mu.RLock()
	rows := seg.rows
	seg.mu.RUnlock()
	type raise struct {
		sh  *shardState
		end uint64
	}
	var raises []raise
	for _, row := range rows {
		sh := s.shards[row.ShardUID]
		if sh == nil {
			continue
		}
		cutoff := now.Add(-time.Duration(sh.stream.retention.Load())).UnixMilli()
		if row.MaxArrival >= cutoff {
			return false, nil
		}
		raises = append(raises, raise{sh, row.EndOffset})
	}
	// Raise the trim offsets durably first.
	byStream := map[*streamMeta][]raise{}
	for _, r := range raises {
		byStream[r.sh.stream] = append(byStream[r.sh.stream], r)
	}
	for st, rs := range byStream {
		_, err := s.cat.UpdateStream(st.name, func(m *catalog.Stream) error {
			for _, r := range rs {
				if int(r.sh.index) < len(m.Shards) && m.Shards[r.sh.index].UID == r.sh.uid {
					m.Shards[r.sh.index].TrimOffset = max(m.Shards[r.sh.index].TrimOffset, r.end)
				}
			}
			return nil
		})
		if err != nil {
			return false, fmt.Errorf("raise trim offsets of stream %q: %w", st.name, err)
		}
	}
	for _, r := range raises {
		r.sh.dropRunsOf(seg, r.end)
	}
	if err := seg.close(); err != nil {
		s.opts.Logger.Warn("close expired segment", "segment", seg.id, "err", err)
	}
	dir := logDir(s.opts.Dir)
	if err := s.opts.FS.Remove(filepath.Join(dir, segmentName(seg.id))); err != nil {
		return false, fmt.Errorf("remove segment %d: %w", seg.id, err)
	}
	if err := s.opts.FS.Remove(filepath.Join(dir, indexName(seg.id))); err != nil {
		return false, fmt.Errorf("remove index %d: %w", seg.id, err)
	}
	if err := s.opts.FS.SyncDir(dir); err != nil {
		return false, fmt.Errorf("fsync log directory: %w", err)
	}
	s.segMu.Lock()
	for i, x := range s.segments {
		if x == seg {
			s.segments = append(s.segments[:i], s.segments[i+1:]...)
			break
		}
	}
	s.segMu.Unlock()
	s.opts.Logger.Info("deleted expired segment", "segment", seg.id)
	return true, nil
}
