package storage

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddy-streaming/eddy/internal/seqnum"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// Store is a durable set of streams. Open one with Open; it is safe for
// concurrent use.
type Store struct {
	opts Options
	cat  *catalog.Catalog
	log  *commitLog

	// mu guards streams and shards (the routing tables), not the shards'
	// own state.
	mu      sync.RWMutex
	streams map[string]*streamState // live streams by name
	shards  map[uint64]*shardState  // live shards by UID

	segMu    sync.Mutex
	segments []*segmentFile // every segment on disk, by ID

	closed    atomic.Bool
	closing   chan struct{}
	closeOnce sync.Once
	closeErr  error
	bg        sync.WaitGroup
}

// streamMeta holds the settings of one live stream that appenders and
// readers consult. One streamMeta lives as long as its stream; its
// fields are atomic so that settings change without locks.
type streamMeta struct {
	id        uint64
	name      string
	retention atomic.Int64 // time.Duration
	encKeyID  atomic.Pointer[string]
}

// streamState is the routing table of one live stream. It is immutable
// once installed: a change of layout installs a new one.
type streamState struct {
	*streamMeta
	shards []*shardState
	open   []openShard // open shards sorted by hash-key start
}

type openShard struct {
	start, end seqnum.Uint128
	shard      *shardState
}

func (st *streamState) route(key seqnum.Uint128) *shardState {
	i := sort.Search(len(st.open), func(i int) bool { return st.open[i].end.Cmp(key) >= 0 })
	if i < len(st.open) && st.open[i].start.Cmp(key) <= 0 {
		return st.open[i].shard
	}
	return nil
}

// Catalog returns the catalog (for read-only inspection and tests).
func (s *Store) Catalog() *catalog.Catalog { return s.cat }

// CreateStream creates a stream of shardCount shards splitting the hash-key
// space evenly. Retention 0 means the default (24 h).
func (s *Store) CreateStream(name string, shardCount int, retention time.Duration, mode string, tags map[string]string) (catalog.Stream, error) {
	if s.closed.Load() {
		return catalog.Stream{}, ErrClosed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.cat.CreateStream(name, shardCount, s.opts.Now(), retention, mode, tags)
	if err != nil {
		return catalog.Stream{}, mapCatalogErr(err)
	}
	s.installStreamLocked(st)
	return st, nil
}

// DeleteStream removes a stream. Its records become unreachable at once and
// their space is reclaimed by retention with the segments that hold them.
func (s *Store) DeleteStream(name string) error {
	if s.closed.Load() {
		return ErrClosed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.cat.DeleteStream(name); err != nil {
		return mapCatalogErr(err)
	}
	if st := s.streams[name]; st != nil {
		delete(s.streams, name)
		for _, sh := range st.shards {
			delete(s.shards, sh.uid)
			sh.mu.Lock()
			sh.deleted = true
			sh.mu.Unlock()
			sh.wake()
		}
	}
	return nil
}

// Stream returns a copy of a stream's metadata.
func (s *Store) Stream(name string) (catalog.Stream, error) {
	st, err := s.cat.Stream(name)
	return st, mapCatalogErr(err)
}

// Streams returns copies of all streams' metadata, sorted by name.
func (s *Store) Streams() []catalog.Stream { return s.cat.Streams() }

// UpdateStream changes a stream's metadata in one transaction: fn gets a
// copy to change; if it returns an error nothing changes. Shards may not be
// added or removed this way.
func (s *Store) UpdateStream(name string, fn func(*catalog.Stream) error) (catalog.Stream, error) {
	if s.closed.Load() {
		return catalog.Stream{}, ErrClosed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.cat.UpdateStream(name, func(st *catalog.Stream) error {
		n := len(st.Shards)
		if err := fn(st); err != nil {
			return err
		}
		if len(st.Shards) != n {
			return errors.New("UpdateStream cannot add or remove shards")
		}
		return nil
	})
	if err != nil {
		return catalog.Stream{}, mapCatalogErr(err)
	}
	if state := s.streams[name]; state != nil {
		state.retention.Store(int64(st.Retention))
		keyID := st.Attrs[AttrEncryptionKeyID]
		state.encKeyID.Store(&keyID)
	}
	return st, nil
}

// installStreamLocked builds the routing state of a stream from its
// catalog entry. Caller holds s.mu.
func (s *Store) installStreamLocked(st catalog.Stream) *streamState {
	meta := &streamMeta{id: st.ID, name: st.Name}
	if old := s.streams[st.Name]; old != nil && old.id == st.ID {
		meta = old.streamMeta
	}
	meta.retention.Store(int64(st.Retention))
	keyID := st.Attrs[AttrEncryptionKeyID]
	meta.encKeyID.Store(&keyID)
	state := &streamState{streamMeta: meta}
	for _, m := range st.Shards {
		sh := s.shards[m.UID]
		if sh == nil {
			sh = newShardState(meta, m.UID, m.Index, m.SeqBase)
			sh.trim = m.TrimOffset
			sh.nextOffset = m.TrimOffset
			sh.end = m.TrimOffset
			s.shards[m.UID] = sh
		}
		if m.Closed {
			sh.mu.Lock()
			sh.closed = true
			sh.mu.Unlock()
		}
		state.shards = append(state.shards, sh)
		if m.Open() {
			start, err1 := seqnum.ParseUint128(m.HashKeyStart)
			end, err2 := seqnum.ParseUint128(m.HashKeyEnd)
			if err1 == nil && err2 == nil {
				state.open = append(state.open, openShard{start: start, end: end, shard: sh})
			}
		}
	}
	sort.Slice(state.open, func(i, j int) bool { return state.open[i].start.Cmp(state.open[j].start) < 0 })
	s.streams[st.Name] = state
	return state
}

func (s *Store) stream(name string) (*streamState, error) {
	s.mu.RLock()
	st := s.streams[name]
	s.mu.RUnlock()
	if st == nil {
		return nil, fmt.Errorf("stream %q: %w", name, ErrStreamNotFound)
	}
	return st, nil
}

func (s *Store) shard(stream string, index uint32) (*shardState, error) {
	st, err := s.stream(stream)
	if err != nil {
		return nil, err
	}
	if int(index) >= len(st.shards) {
		return nil, fmt.Errorf("shard %s of stream %q: %w", catalog.ShardID(index), stream, ErrShardNotFound)
	}
	return st.shards[index], nil
}

func mapCatalogErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, catalog.ErrStreamNotFound):
		return errors.Join(ErrStreamNotFound, err)
	case errors.Is(err, catalog.ErrStreamExists):
		return errors.Join(ErrStreamExists, err)
	}
	return err
}

// Close stops the store: queued appends are committed, the log is fsynced
// and every file closed. It is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.closing)
		s.bg.Wait()
		err := s.log.close()
		s.segMu.Lock()
		for _, seg := range s.segments {
			if cerr := seg.close(); cerr != nil && err == nil {
				err = cerr
			}
		}
		s.segMu.Unlock()
		s.mu.RLock()
		for _, sh := range s.shards {
			sh.wake()
		}
		s.mu.RUnlock()
		if cerr := s.cat.Close(); cerr != nil && err == nil {
			err = cerr
		}
		s.closeErr = err
	})
	return s.closeErr
}

// WriteErr returns the sticky write error of the log, or nil while it
// takes writes.
func (s *Store) WriteErr() error { return s.log.err() }

// Stats are counters of the data log.
type Stats struct {
	Commits int64 // group commits
	Syncs   int64 // fsyncs of the active segment
}

// Stats returns the log's counters.
func (s *Store) Stats() Stats {
	return Stats{Commits: s.log.commits.Load(), Syncs: s.log.syncs.Load()}
}

func (s *Store) addSegment(seg *segmentFile) {
	s.segMu.Lock()
	s.segments = append(s.segments, seg)
	s.segMu.Unlock()
}

func catalogPath(dir string) string { return filepath.Join(dir, "catalog.db") }
func logDir(dir string) string      { return filepath.Join(dir, "log") }
