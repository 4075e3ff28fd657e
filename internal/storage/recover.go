package storage

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/eddy-streaming/eddy/internal/storage/catalog"
	"github.com/eddy-streaming/eddy/internal/storage/segment"
	"github.com/eddy-streaming/eddy/internal/storage/vfs"
)

// Open opens (creating if needed) the store in opts.Dir and recovers it:
// sealed segments contribute their index summaries, the active segment is
// scanned and its torn tail, if any, truncated.
func Open(opts Options) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("open store: no data directory")
	}
	opts.ensureDefaults()
	if err := opts.FS.MkdirAll(logDir(opts.Dir), 0o755); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	// Make the new directories durable: a power loss must not take the
	// log directory away with every segment in it.
	if err := opts.FS.SyncDir(logDir(opts.Dir)); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	for d := opts.Dir; ; d = filepath.Dir(d) {
		err := opts.FS.SyncDir(d)
		if d == opts.Dir && err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		if parent := filepath.Dir(d); parent == d {
			break
		}
	}
	if opts.FS != vfs.Default {
		// The catalog always lives on the OS filesystem.
		if err := vfs.Default.MkdirAll(opts.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	cat, err := catalog.Open(catalogPath(opts.Dir))
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	s := &Store{
		opts:    opts,
		cat:     cat,
		streams: make(map[string]*streamState),
		shards:  make(map[uint64]*shardState),
		closing: make(chan struct{}),
	}
	s.log = &commitLog{
		fs: opts.FS, dir: logDir(opts.Dir), policy: opts.Fsync, interval: opts.FsyncInterval,
		segmentSize: opts.SegmentSize, logger: opts.Logger, onSegment: s.addSegment,
		wake: make(chan struct{}, 1), stopped: make(chan struct{}),
	}
	for _, st := range cat.Streams() {
		s.installStreamLocked(st)
	}
	if err := s.recoverLog(); err != nil {
		s.segMu.Lock()
		for _, seg := range s.segments {
			seg.close()
		}
		s.segMu.Unlock()
		cat.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	s.log.start()
	s.bg.Add(1)
	go s.retentionLoop()
	return s, nil
}

func (s *Store) recoverLog() error {
	fs, dir := s.opts.FS, logDir(s.opts.Dir)
	names, err := fs.List(dir)
	if err != nil {
		return fmt.Errorf("list log directory: %w", err)
	}
	segs := map[uint64]bool{}
	idxs := map[uint64]bool{}
	for _, name := range names {
		switch {
		case strings.HasSuffix(name, ".tmp"):
			if err := fs.Remove(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("remove %s: %w", name, err)
			}
		case strings.HasSuffix(name, ".seg"):
			if id, err := strconv.ParseUint(strings.TrimSuffix(name, ".seg"), 10, 64); err == nil {
				segs[id] = true
			}
		case strings.HasSuffix(name, ".idx"):
			if id, err := strconv.ParseUint(strings.TrimSuffix(name, ".idx"), 10, 64); err == nil {
				idxs[id] = true
			}
		}
	}
	for id := range idxs {
		if !segs[id] { // left over from a retention delete cut short
			if err := fs.Remove(filepath.Join(dir, indexName(id))); err != nil {
				return fmt.Errorf("remove orphan index %d: %w", id, err)
			}
		}
	}
	ids := make([]uint64, 0, len(segs))
	for id := range segs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	if len(ids) == 0 {
		seg, err := createSegment(fs, dir, 1)
		if err != nil {
			return err
		}
		s.addSegment(seg)
		s.log.active, s.log.activeSize = seg, segment.HeaderSize
		return s.finishRecovery()
	}
	for _, id := range ids[:len(ids)-1] {
		if err := s.openSealed(id, idxs[id]); err != nil {
			return err
		}
	}
	if err := s.openActive(ids[len(ids)-1]); err != nil {
		return err
	}
	return s.finishRecovery()
}

// openSealed opens a sealed segment from its index summary, rebuilding the
// index by a scan if it is missing or damaged.
func (s *Store) openSealed(id uint64, hasIndex bool) error {
	fs, dir := s.opts.FS, logDir(s.opts.Dir)
	f, err := fs.Open(filepath.Join(dir, segmentName(id)))
	if err != nil {
		return fmt.Errorf("open segment %d: %w", id, err)
	}
	seg := &segmentFile{id: id, path: filepath.Join(dir, segmentName(id)), fs: fs, file: f}
	s.addSegment(seg)
	var summary segment.IndexSummary
	if hasIndex {
		summary, err = readIndexSummary(fs, filepath.Join(dir, indexName(id)))
		if err == nil && summary.SegmentID != id {
			err = fmt.Errorf("index names segment %d: %w", summary.SegmentID, segment.ErrCorrupt)
		}
	}
	if !hasIndex || err != nil {
		if err != nil {
			s.opts.Logger.Warn("rebuilding segment index", "segment", id, "err", err)
		}
		summary, err = s.rebuildIndex(seg)
		if err != nil {
			return err
		}
	}
	seg.sealed = true
	seg.rows = summary.Shards
	seg.entriesCount = summary.Entries
	seg.entriesOffset = summary.EntriesOffset
	for _, row := range summary.Shards {
		sh := s.shards[row.ShardUID]
		if sh == nil {
			continue // a deleted stream's data, waiting for retention
		}
		sh.runs = append(sh.runs, &run{
			seg: seg, first: row.FirstOffset, end: row.EndOffset,
			minArrival: row.MinArrival, maxArrival: row.MaxArrival,
			entryStart: row.EntryStart, entryCount: row.EntryCount,
		})
	}
	return nil
}

func readIndexSummary(fs vfs.FS, path string) (segment.IndexSummary, error) {
	f, err := fs.Open(path)
	if err != nil {
		return segment.IndexSummary{}, err
	}
	defer f.Close()
	head := make([]byte, segment.IndexHeaderSize)
	if _, err := f.ReadAt(head, 0); err != nil {
		return segment.IndexSummary{}, fmt.Errorf("read index header: %w", err)
	}
	n, err := segment.SummaryPrefixSize(head)
	if err != nil {
		return segment.IndexSummary{}, err
	}
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, 0); err != nil {
		return segment.IndexSummary{}, fmt.Errorf("read index shard table: %w", err)
	}
	return segment.DecodeIndexSummary(buf)
}

// rebuildIndex scans a sealed segment and writes its index file.
func (s *Store) rebuildIndex(seg *segmentFile) (segment.IndexSummary, error) {
	size, err := seg.file.Size()
	if err != nil {
		return segment.IndexSummary{}, fmt.Errorf("size of segment %d: %w", seg.id, err)
	}
	res, err := segment.Scan(seg.file, size)
	if err != nil {
		return segment.IndexSummary{}, fmt.Errorf("scan segment %d: %w", seg.id, err)
	}
	if res.TailErr != nil {
		// A sealed segment was fsynced whole before its successor was
		// created, so a bad frame here is damage, not a torn write. Keep
		// what precedes it; reads beyond are impossible.
		s.opts.Logger.Error("sealed segment damaged; records after the damage are lost",
			"segment", seg.id, "valid_bytes", res.ValidSize, "err", res.TailErr)
	}
	rows := segment.BuildIndex(res.Entries)
	data := segment.AppendIndex(nil, seg.id, rows, res.Entries)
	if err := writeFileAtomic(s.opts.FS, filepath.Join(logDir(s.opts.Dir), indexName(seg.id)), data); err != nil {
		return segment.IndexSummary{}, err
	}
	seg.entries = res.Entries
	return segment.IndexSummary{
		SegmentID: seg.id, Shards: rows, Entries: uint32(len(res.Entries)),
		EntriesOffset: int64(segment.IndexHeaderSize + len(rows)*segment.ShardRowSize + 4),
	}, nil
}

// openActive scans the active segment, truncates a torn tail and publishes
// its batches.
func (s *Store) openActive(id uint64) error {
	fs, dir := s.opts.FS, logDir(s.opts.Dir)
	path := filepath.Join(dir, segmentName(id))
	f, err := fs.OpenAppend(path)
	if err != nil {
		return fmt.Errorf("open segment %d: %w", id, err)
	}
	seg := &segmentFile{id: id, path: path, fs: fs, file: f}
	s.addSegment(seg)
	size, err := f.Size()
	if err != nil {
		return fmt.Errorf("size of segment %d: %w", id, err)
	}
	res, err := segment.Scan(f, size)
	if err != nil {
		// The header itself is torn: the segment was being created when
		// the process died, so it holds no record. Start it afresh.
		s.opts.Logger.Warn("rewriting torn segment header", "segment", id, "err", err)
		if err := f.Truncate(0); err != nil {
			return fmt.Errorf("truncate segment %d: %w", id, err)
		}
		if _, err := f.Write(segment.AppendHeader(nil, id)); err != nil {
			return fmt.Errorf("write segment %d header: %w", id, err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("fsync segment %d: %w", id, err)
		}
		res = segment.ScanResult{SegmentID: id, ValidSize: segment.HeaderSize}
	} else if res.TailErr != nil && !errors.Is(res.TailErr, segment.ErrShort) && !errors.Is(res.TailErr, segment.ErrCorrupt) {
		// An IO error is not a torn write: truncating would cut good data.
		return fmt.Errorf("scan segment %d: %w", id, res.TailErr)
	} else if res.ValidSize < size {
		s.opts.Logger.Warn("truncating torn tail of the data log",
			"segment", id, "valid_bytes", res.ValidSize, "size", size, "reason", res.TailErr)
		if err := f.Truncate(res.ValidSize); err != nil {
			return fmt.Errorf("truncate segment %d: %w", id, err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("fsync segment %d: %w", id, err)
		}
	}
	s.log.active, s.log.activeSize = seg, res.ValidSize
	for _, e := range res.Entries {
		s.log.activeEntries = append(s.log.activeEntries, e)
		if sh := s.shards[e.ShardUID]; sh != nil {
			if sh.end != 0 && e.FirstOffset != sh.end && len(sh.runs) > 0 {
				s.opts.Logger.Warn("offset gap in shard", "shard_uid", e.ShardUID, "expected", sh.end, "found", e.FirstOffset)
			}
			sh.publish(seg, e)
		}
	}
	return nil
}

// finishRecovery sets each shard's append cursor after its last record.
func (s *Store) finishRecovery() error {
	for _, sh := range s.shards {
		if n := len(sh.runs); n > 0 {
			last := sh.runs[n-1]
			sh.end = max(sh.end, last.end)
			if sh.endArrival == 0 {
				sh.endArrival = last.maxArrival
			}
		}
		sh.end = max(sh.end, sh.trim)
		sh.nextOffset = sh.end
		sh.lastArrival = sh.endArrival
	}
	return nil
}
