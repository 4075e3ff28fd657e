package catalog

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.etcd.io/bbolt"
)

// Errors returned by Catalog methods. They come wrapped with context; test
// with errors.Is.
var (
	// ErrStreamNotFound means no live stream has the given name.
	ErrStreamNotFound = errors.New("stream not found")
	// ErrStreamExists means a live stream already has the given name.
	ErrStreamExists = errors.New("stream already exists")
	// ErrInvalid means an argument or an updated stream breaks one of the
	// invariants in the package documentation.
	ErrInvalid = errors.New("invalid stream metadata")
	// ErrClosed means a mutation was attempted after Close.
	ErrClosed = errors.New("catalog is closed")
	// ErrWriteRefused wraps the first failed commit: from then on the
	// catalog refuses mutations until it is reopened. Readers keep working.
	ErrWriteRefused = errors.New("catalog refuses writes after a failed commit")
	// ErrCorrupt means Open found data it cannot decode or that breaks an
	// invariant.
	ErrCorrupt = errors.New("corrupt catalog")
	// ErrUnsupportedVersion means the file was written in a format version
	// this build does not read.
	ErrUnsupportedVersion = errors.New("unsupported catalog format version")
)

// openTimeout bounds the wait for the file lock held by another process.
const openTimeout = time.Second

// ShardRef names the shard a UID belongs to.
type ShardRef struct {
	// StreamID is the ID of the shard's stream.
	StreamID uint64
	// StreamName is the name of the shard's stream.
	StreamName string
	// Index is the shard's index in its stream (Stream.Shards[Index]).
	Index uint32
}

// Catalog is the stream metadata store. See the package documentation for
// its invariants and concurrency rules.
type Catalog struct {
	db *bbolt.DB

	// writeMu serializes mutations and Close, and guards closed and
	// writeErr. Writers read the cache maps while holding it without mu:
	// the maps only change under writeMu.
	writeMu  sync.Mutex
	closed   bool
	writeErr error

	// mu guards the cache maps. The *Stream values in them are never
	// modified, only replaced, so a reader may copy one after unlocking.
	mu     sync.RWMutex
	byName map[string]*Stream
	byID   map[uint64]*Stream
}

// Open opens the catalog file at path, creating it if it is missing, and
// loads every stream into memory. It waits at most one second for a file
// lock held by another process.
func Open(path string) (*Catalog, error) {
	return open(path, &bbolt.Options{Timeout: openTimeout})
}

func open(path string, opts *bbolt.Options) (*Catalog, error) {
	db, err := bbolt.Open(path, 0o600, opts)
	if err != nil {
		return nil, fmt.Errorf("open catalog %s: %w", path, err)
	}
	c := &Catalog{db: db}
	if err := c.init(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open catalog %s: %w", path, err)
	}
	return c, nil
}

// init creates the layout in a new file and loads the cache.
func (c *Catalog) init() error {
	var empty bool
	err := c.db.View(func(tx *bbolt.Tx) error {
		first, _ := tx.Cursor().First()
		empty = first == nil // no top-level bucket at all
		return nil
	})
	if err != nil {
		return err
	}
	if empty {
		if err := c.db.Update(createLayout); err != nil {
			return fmt.Errorf("create layout: %w", err)
		}
	}
	return c.db.View(func(tx *bbolt.Tx) error {
		byName, byID, err := load(tx)
		if err != nil {
			return err
		}
		c.byName, c.byID = byName, byID
		return nil
	})
}

// Close closes the file. Readers keep answering from memory; mutations
// return ErrClosed. Close is idempotent.
func (c *Catalog) Close() error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if err := c.db.Close(); err != nil {
		return fmt.Errorf("close catalog: %w", err)
	}
	return nil
}

// Stream returns a deep copy of the named stream, or an error wrapping
// ErrStreamNotFound.
func (c *Catalog) Stream(name string) (Stream, error) {
	c.mu.RLock()
	s := c.byName[name]
	c.mu.RUnlock()
	if s == nil {
		return Stream{}, fmt.Errorf("stream %q: %w", name, ErrStreamNotFound)
	}
	return cloneStream(s), nil
}

// StreamByID returns a deep copy of the live stream with the given ID and
// whether there is one.
func (c *Catalog) StreamByID(id uint64) (Stream, bool) {
	c.mu.RLock()
	s := c.byID[id]
	c.mu.RUnlock()
	if s == nil {
		return Stream{}, false
	}
	return cloneStream(s), true
}

// Streams returns deep copies of every live stream, sorted by name.
func (c *Catalog) Streams() []Stream {
	c.mu.RLock()
	list := make([]*Stream, 0, len(c.byName))
	for _, s := range c.byName {
		list = append(list, s)
	}
	c.mu.RUnlock()
	slices.SortFunc(list, func(a, b *Stream) int { return strings.Compare(a.Name, b.Name) })
	out := make([]Stream, len(list))
	for i, s := range list {
		out[i] = cloneStream(s)
	}
	return out
}

// LiveShardUIDs maps the UID of every shard, open or closed, of every live
// stream to the shard it belongs to. Data tagged with a UID missing from
// the map belongs to a deleted stream.
func (c *Catalog) LiveShardUIDs() map[uint64]ShardRef {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := 0
	for _, s := range c.byName {
		n += len(s.Shards)
	}
	refs := make(map[uint64]ShardRef, n)
	for _, s := range c.byName {
		for _, sh := range s.Shards {
			refs[sh.UID] = ShardRef{StreamID: s.ID, StreamName: s.Name, Index: sh.Index}
		}
	}
	return refs
}
