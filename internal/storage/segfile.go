package storage

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/eddy-streaming/eddy/internal/storage/segment"
	"github.com/eddy-streaming/eddy/internal/storage/vfs"
)

// segmentFile is one segment of the data log, open for reading (and, for
// the active segment, shared with the committer, which appends to it).
type segmentFile struct {
	id   uint64
	path string
	fs   vfs.FS

	// mu is held for reading around every ReadAt and for writing to close
	// the file when the segment is deleted.
	mu      sync.RWMutex
	file    vfs.File
	deleted bool

	// sealed is set once the segment has an index file; rows is then its
	// shard table. Both are guarded by mu.
	sealed bool
	rows   []segment.ShardRow

	// entries of a sealed segment opened from its index file, loaded on
	// first use.
	entriesMu     sync.Mutex
	entries       []segment.Entry
	entriesCount  uint32
	entriesOffset int64
}

var errSegmentDeleted = errors.New("segment deleted by retention")

func segmentName(id uint64) string { return fmt.Sprintf("%020d.seg", id) }
func indexName(id uint64) string   { return fmt.Sprintf("%020d.idx", id) }

// readAt reads len(p) bytes at off. It returns errSegmentDeleted if the
// segment was removed by retention.
func (s *segmentFile) readAt(p []byte, off int64) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.deleted {
		return errSegmentDeleted
	}
	n, err := s.file.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil {
		err = fmt.Errorf("short read")
	}
	return fmt.Errorf("read segment %d at %d: %w", s.id, off, err)
}

// loadEntries returns all index entries of a sealed segment opened from
// disk, reading and checking them on first use.
func (s *segmentFile) loadEntries() ([]segment.Entry, error) {
	s.entriesMu.Lock()
	defer s.entriesMu.Unlock()
	if s.entries != nil {
		return s.entries, nil
	}
	f, err := s.fs.Open(filepath.Join(filepath.Dir(s.path), indexName(s.id)))
	if err != nil {
		return nil, fmt.Errorf("open index of segment %d: %w", s.id, err)
	}
	defer f.Close()
	buf := make([]byte, int(s.entriesCount)*segment.EntrySize+4)
	if n, err := f.ReadAt(buf, s.entriesOffset); n != len(buf) {
		return nil, fmt.Errorf("read index of segment %d: %w", s.id, err)
	}
	entries, err := segment.DecodeEntries(buf, s.entriesCount)
	if err != nil {
		return nil, fmt.Errorf("index of segment %d: %w", s.id, errors.Join(ErrCorrupt, err))
	}
	s.entries = entries
	return entries, nil
}

// close closes the file once no read is in progress; later reads get
// errSegmentDeleted.
func (s *segmentFile) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deleted = true
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file = nil
	return err
}
