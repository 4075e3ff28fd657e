package catalog

import (
	"fmt"
	"maps"
	"time"

	"go.etcd.io/bbolt"

	"github.com/eddy-streaming/eddy/internal/seqnum"
)

// CreateStream adds a stream named name with shardCount shards splitting
// the hash-key space evenly (seqnum.SplitHashRange). The stream gets a new
// ID, each shard a new UID, SeqBase 0 and no parents (-1); the status is
// StatusCreating and both creation times are now. A zero retention means
// DefaultRetention. Tags are copied; mode is stored as given.
//
// The error wraps ErrStreamExists if a live stream has the name, and
// ErrInvalid if name, shardCount or retention is out of bounds.
func (c *Catalog) CreateStream(name string, shardCount int, now time.Time, retention time.Duration, mode string, tags map[string]string) (Stream, error) {
	if retention == 0 {
		retention = DefaultRetention
	}
	for _, err := range []error{validateName(name), validateShardCount(shardCount), validateRetention(retention)} {
		if err != nil {
			return Stream{}, fmt.Errorf("create stream %q: %w", name, err)
		}
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := c.writable(); err != nil {
		return Stream{}, fmt.Errorf("create stream %q: %w", name, err)
	}
	if _, ok := c.byName[name]; ok {
		return Stream{}, fmt.Errorf("create stream %q: %w", name, ErrStreamExists)
	}
	var stored *Stream
	err := c.commit(func(tx *bbolt.Tx) error {
		meta, streams, err := buckets(tx)
		if err != nil {
			return err
		}
		ids, err := readCounters(meta)
		if err != nil {
			return err
		}
		s := &Stream{
			Name:      name,
			ID:        ids.nextStream(),
			Status:    StatusCreating,
			CreatedAt: now,
			Retention: retention,
			Mode:      mode,
			Tags:      maps.Clone(tags),
			Shards:    make([]Shard, shardCount),
		}
		for i, r := range seqnum.SplitHashRange(shardCount) {
			s.Shards[i] = Shard{
				Index:               uint32(i),
				UID:                 ids.nextShard(),
				ParentIndex:         -1,
				AdjacentParentIndex: -1,
				HashKeyStart:        r.Start.String(),
				HashKeyEnd:          r.End.String(),
				CreatedAt:           now,
			}
		}
		if err := validateStream(s); err != nil {
			return err
		}
		if stored, err = putStream(streams, s); err != nil {
			return err
		}
		return ids.write(meta)
	})
	if err != nil {
		return Stream{}, fmt.Errorf("create stream %q: %w", name, err)
	}
	c.mu.Lock()
	c.byName[stored.Name], c.byID[stored.ID] = stored, stored
	c.mu.Unlock()
	return cloneStream(stored), nil
}

// UpdateStream changes the named stream in one transaction: fn gets a deep
// copy, and if it returns nil and the result keeps the invariants in the
// package documentation, the result is stored and returned. Otherwise
// nothing changes and the error wraps fn's error or ErrInvalid. fn must
// not append shards (see AddShards). The error wraps ErrStreamNotFound if
// there is no such stream.
func (c *Catalog) UpdateStream(name string, fn func(*Stream) error) (Stream, error) {
	return c.update("update stream", name, false, func(s *Stream, _ func() uint64) error { return fn(s) })
}

// AddShards is UpdateStream for changes that create shards (split, merge,
// resharding): fn may also append shards, whose UIDs it must take from
// newUID. newUID hands out a UID never used before on each call and must
// not be called after fn returns. UIDs handed out but not kept are simply
// never used.
func (c *Catalog) AddShards(name string, fn func(s *Stream, newUID func() uint64) error) (Stream, error) {
	return c.update("add shards to stream", name, true, fn)
}

// update is the read-modify-write behind UpdateStream and AddShards;
// addShards says whether fn may append shards.
func (c *Catalog) update(op, name string, addShards bool, fn func(*Stream, func() uint64) error) (Stream, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := c.writable(); err != nil {
		return Stream{}, fmt.Errorf("%s %q: %w", op, name, err)
	}
	old := c.byName[name]
	if old == nil {
		return Stream{}, fmt.Errorf("%s %q: %w", op, name, ErrStreamNotFound)
	}
	var stored *Stream
	err := c.commit(func(tx *bbolt.Tx) error {
		meta, streams, err := buckets(tx)
		if err != nil {
			return err
		}
		ids, err := readCounters(meta)
		if err != nil {
			return err
		}
		firstUID := ids.shardUID
		inFn := true
		newUID := func() uint64 {
			if !inFn {
				panic("catalog: newUID called after AddShards returned")
			}
			return ids.nextShard()
		}
		s := cloneStream(old)
		err = fn(&s, newUID)
		inFn = false
		if err != nil {
			return err
		}
		if !addShards && len(s.Shards) > len(old.Shards) {
			return invalid("shards can only be added with AddShards")
		}
		if err := validateChange(old, &s, firstUID, ids.shardUID); err != nil {
			return err
		}
		if err := validateStream(&s); err != nil {
			return err
		}
		if stored, err = putStream(streams, &s); err != nil {
			return err
		}
		return ids.write(meta)
	})
	if err != nil {
		return Stream{}, fmt.Errorf("%s %q: %w", op, name, err)
	}
	c.mu.Lock()
	c.byName[stored.Name], c.byID[stored.ID] = stored, stored
	c.mu.Unlock()
	return cloneStream(stored), nil
}

// DeleteStream removes the named stream. Its ID and shard UIDs are never
// handed out again. The error wraps ErrStreamNotFound if there is no such
// stream.
func (c *Catalog) DeleteStream(name string) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := c.writable(); err != nil {
		return fmt.Errorf("delete stream %q: %w", name, err)
	}
	old := c.byName[name]
	if old == nil {
		return fmt.Errorf("delete stream %q: %w", name, ErrStreamNotFound)
	}
	err := c.commit(func(tx *bbolt.Tx) error {
		_, streams, err := buckets(tx)
		if err != nil {
			return err
		}
		return streams.Delete([]byte(name))
	})
	if err != nil {
		return fmt.Errorf("delete stream %q: %w", name, err)
	}
	c.mu.Lock()
	delete(c.byName, name)
	delete(c.byID, old.ID)
	c.mu.Unlock()
	return nil
}

// writable returns ErrClosed after Close and the sticky commit error after
// a failed commit. The caller holds writeMu.
func (c *Catalog) writable() error {
	if c.closed {
		return ErrClosed
	}
	return c.writeErr
}

// commit runs fn in a read-write transaction. The caller holds writeMu. If
// fn succeeds but the commit fails, the file may hold the old or the new
// state, so the catalog refuses further writes.
func (c *Catalog) commit(fn func(*bbolt.Tx) error) error {
	if err := c.writable(); err != nil {
		return err
	}
	fnDone := false
	err := c.db.Update(func(tx *bbolt.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		fnDone = true
		return nil
	})
	if err != nil && fnDone {
		c.writeErr = fmt.Errorf("%w: %w", ErrWriteRefused, err)
		return c.writeErr
	}
	return err
}

// counters are the ID counters of the meta bucket during one transaction.
type counters struct {
	streamID, shardUID uint64 // the next ID and UID to hand out
	changed            bool
}

func readCounters(meta *bbolt.Bucket) (*counters, error) {
	streamID, err := getUint64(meta, keyNextStreamID)
	if err != nil {
		return nil, err
	}
	shardUID, err := getUint64(meta, keyNextShardUID)
	if err != nil {
		return nil, err
	}
	return &counters{streamID: streamID, shardUID: shardUID}, nil
}

// nextStream hands out a stream ID; 0 (invalid) once the counter is spent.
func (ids *counters) nextStream() uint64 { return ids.take(&ids.streamID) }

// nextShard hands out a shard UID; 0 (invalid) once the counter is spent.
func (ids *counters) nextShard() uint64 { return ids.take(&ids.shardUID) }

func (ids *counters) take(next *uint64) uint64 {
	if *next == 0 || *next == ^uint64(0) {
		return 0
	}
	ids.changed = true
	*next++
	return *next - 1
}

// write stores the counters if any was taken.
func (ids *counters) write(meta *bbolt.Bucket) error {
	if !ids.changed {
		return nil
	}
	if err := putUint64(meta, keyNextStreamID, ids.streamID); err != nil {
		return err
	}
	return putUint64(meta, keyNextShardUID, ids.shardUID)
}
