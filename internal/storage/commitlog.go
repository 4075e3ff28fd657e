package storage

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddy-streaming/eddy/internal/storage/segment"
	"github.com/eddy-streaming/eddy/internal/storage/vfs"
)

// pendingBatch is one encoded batch waiting for the committer.
type pendingBatch struct {
	shard *shardState
	frame []byte
	entry segment.Entry // Position and Length are set by the committer
	err   error
	done  *sync.WaitGroup
}

// Frames at least this large are written with their own write call rather
// than copied into the coalescing buffer.
const (
	directWriteSize = 256 << 10
	writeBufferSize = 4 << 20
)

// commitLog is the store-wide data log and its committer goroutine, which
// alone writes, fsyncs and rolls segments.
type commitLog struct {
	fs          vfs.FS
	dir         string
	policy      FsyncPolicy
	interval    time.Duration
	segmentSize int64
	logger      *slog.Logger
	onSegment   func(*segmentFile) // registers a new active segment

	mu      sync.Mutex
	queue   []*pendingBatch
	closing bool
	failed  error // sticky; wraps ErrWriteRefused

	wake    chan struct{}
	stopped chan struct{}

	// Under FsyncAlways the committer hands written groups to the syncer
	// goroutine, which fsyncs, publishes and acknowledges them, so that the
	// next group is written while the previous one is being fsynced.
	syncCh     chan *commitGroup
	syncerDone chan struct{}
	inSync     sync.WaitGroup // groups handed to the syncer, not yet done

	// Owned by the committer goroutine (and by Open before it starts).
	active        *segmentFile
	activeSize    int64
	activeEntries []segment.Entry
	dirty         bool // bytes written since the last fsync
	spare         []*pendingBatch
	writeBuf      []byte

	// Counters, for tests and metrics.
	syncs   atomic.Int64
	commits atomic.Int64
}

// enqueue hands a batch to the committer.
func (l *commitLog) enqueue(p *pendingBatch) error {
	l.mu.Lock()
	if l.failed != nil {
		err := l.failed
		l.mu.Unlock()
		return err
	}
	if l.closing {
		l.mu.Unlock()
		return ErrClosed
	}
	l.queue = append(l.queue, p)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return nil
}

// err returns the sticky error, if any.
func (l *commitLog) err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failed
}

// fail records the first IO error; later appends are refused.
func (l *commitLog) fail(cause error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failed == nil {
		l.failed = fmt.Errorf("%w: %w", ErrWriteRefused, cause)
		l.logger.Error("data log refuses writes", "err", cause)
	}
	return l.failed
}

// commitGroup is a set of batches written together.
type commitGroup struct {
	seg   *segmentFile
	batch []*pendingBatch
}

func (l *commitLog) start() {
	if l.policy == FsyncAlways {
		l.syncCh = make(chan *commitGroup, 64)
		l.syncerDone = make(chan struct{})
		go l.syncer()
	}
	go l.run()
}

// syncer fsyncs written groups, then publishes and acknowledges them in
// order. It takes every group waiting so that one fsync covers them all.
func (l *commitLog) syncer() {
	defer close(l.syncerDone)
	for g := range l.syncCh {
		groups := []*commitGroup{g}
	drain:
		for {
			select {
			case g, ok := <-l.syncCh:
				if !ok {
					break drain
				}
				groups = append(groups, g)
			default:
				break drain
			}
		}
		err := l.err()
		if err == nil {
			var last *segmentFile
			for _, g := range groups {
				if g.seg == last {
					continue
				}
				last = g.seg
				l.syncs.Add(1)
				if serr := g.seg.file.Sync(); serr != nil {
					err = l.fail(fmt.Errorf("fsync segment %d: %w", g.seg.id, serr))
					break
				}
			}
		}
		for _, g := range groups {
			if err == nil {
				for _, p := range g.batch {
					p.shard.publish(g.seg, p.entry)
				}
				l.commits.Add(1)
			}
			finish(g.batch, err)
			l.inSync.Done()
		}
	}
}

func (l *commitLog) run() {
	defer close(l.stopped)
	var tick <-chan time.Time
	if l.policy == FsyncInterval {
		t := time.NewTicker(l.interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		l.mu.Lock()
		batch := l.queue
		l.queue = l.spare[:0]
		closing := l.closing
		l.mu.Unlock()
		if len(batch) == 0 {
			l.spare = batch
			if closing {
				return
			}
			select {
			case <-l.wake:
			case <-tick:
				l.syncIfDirty()
			}
			continue
		}
		if l.commit(batch) {
			clear(batch)
			l.spare = batch
		}
	}
}

// commit writes one group of batches, then (FsyncAlways) hands it to the
// syncer or (otherwise) publishes it. It reports whether the batch slice
// may be reused.
func (l *commitLog) commit(batch []*pendingBatch) bool {
	if err := l.err(); err != nil {
		finish(batch, err)
		return true
	}
	if l.activeSize >= l.segmentSize {
		if err := l.roll(); err != nil {
			finish(batch, l.fail(err))
			return true
		}
	}
	pos := l.activeSize
	buf := l.writeBuf[:0]
	var werr error
	flush := func() {
		if len(buf) > 0 && werr == nil {
			_, werr = l.active.file.Write(buf)
		}
		buf = buf[:0]
	}
	for _, p := range batch {
		p.entry.Position = uint64(pos)
		p.entry.Length = uint32(len(p.frame))
		pos += int64(len(p.frame))
		if len(p.frame) >= directWriteSize {
			flush()
			if werr == nil {
				_, werr = l.active.file.Write(p.frame)
			}
			continue
		}
		buf = append(buf, p.frame...)
		if len(buf) >= writeBufferSize {
			flush()
		}
	}
	flush()
	if cap(buf) <= writeBufferSize*2 {
		l.writeBuf = buf[:0]
	}
	if werr != nil {
		finish(batch, l.fail(fmt.Errorf("write segment %d: %w", l.active.id, werr)))
		return true
	}
	l.activeSize = pos
	for _, p := range batch {
		l.activeEntries = append(l.activeEntries, p.entry)
	}
	if l.policy == FsyncAlways {
		l.inSync.Add(1)
		l.syncCh <- &commitGroup{seg: l.active, batch: batch}
		return false
	}
	l.dirty = true
	for _, p := range batch {
		p.shard.publish(l.active, p.entry)
	}
	l.commits.Add(1)
	finish(batch, nil)
	return true
}

func finish(batch []*pendingBatch, err error) {
	for _, p := range batch {
		p.err = err
		p.frame = nil
		p.done.Done()
	}
}

func (l *commitLog) sync() error {
	if !l.dirty {
		return nil
	}
	l.syncs.Add(1)
	if err := l.active.file.Sync(); err != nil {
		return fmt.Errorf("fsync segment %d: %w", l.active.id, err)
	}
	l.dirty = false
	return nil
}

func (l *commitLog) syncIfDirty() {
	if l.err() != nil {
		return
	}
	if err := l.sync(); err != nil {
		l.fail(err)
	}
}

// roll seals the active segment (fsync, write its index atomically) and
// starts the next one.
func (l *commitLog) roll() error {
	// Every group written to the old segment is fsynced and published
	// before it is sealed.
	l.inSync.Wait()
	if err := l.err(); err != nil {
		return err
	}
	l.dirty = l.dirty || l.policy == FsyncAlways
	if err := l.sync(); err != nil {
		return err
	}
	old := l.active
	entries := slices.Clone(l.activeEntries)
	rows := segment.BuildIndex(entries)
	data := segment.AppendIndex(nil, old.id, rows, entries)
	if err := writeFileAtomic(l.fs, filepath.Join(l.dir, indexName(old.id)), data); err != nil {
		return err
	}
	old.mu.Lock()
	old.sealed = true
	old.rows = rows
	old.entriesCount = uint32(len(entries))
	old.entriesOffset = int64(segment.IndexHeaderSize + len(rows)*segment.ShardRowSize + 4)
	old.mu.Unlock()
	next, err := createSegment(l.fs, l.dir, old.id+1)
	if err != nil {
		return err
	}
	l.active = next
	l.activeSize = segment.HeaderSize
	l.activeEntries = l.activeEntries[:0]
	l.onSegment(next)
	l.logger.Debug("rolled segment", "sealed", old.id, "active", next.id, "batches", len(entries))
	return nil
}

// close stops the committer after it has committed everything queued,
// then makes the active segment durable.
func (l *commitLog) close() error {
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		<-l.stopped
		return nil
	}
	l.closing = true
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	<-l.stopped
	if l.syncCh != nil {
		close(l.syncCh)
		<-l.syncerDone
	}
	if l.err() != nil {
		return nil // already reported to every appender
	}
	return l.sync()
}

// createSegment creates segment id in dir with its header, durably.
func createSegment(fs vfs.FS, dir string, id uint64) (*segmentFile, error) {
	path := filepath.Join(dir, segmentName(id))
	f, err := fs.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create segment %d: %w", id, err)
	}
	if _, err := f.Write(segment.AppendHeader(nil, id)); err != nil {
		f.Close()
		return nil, fmt.Errorf("write segment %d header: %w", id, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("fsync segment %d: %w", id, err)
	}
	if err := fs.SyncDir(dir); err != nil {
		f.Close()
		return nil, fmt.Errorf("fsync log directory: %w", err)
	}
	return &segmentFile{id: id, path: path, fs: fs, file: f}, nil
}

// writeFileAtomic writes data to path via a temporary file, fsync, rename
// and directory fsync.
func writeFileAtomic(fs vfs.FS, path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := fs.Create(tmp)
	if err != nil {
		return fmt.Errorf("create %s: %w", filepath.Base(tmp), err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", filepath.Base(tmp), err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("fsync %s: %w", filepath.Base(tmp), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", filepath.Base(tmp), err)
	}
	if err := fs.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", filepath.Base(tmp), err)
	}
	if err := fs.SyncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("fsync directory of %s: %w", filepath.Base(path), err)
	}
	return nil
}
