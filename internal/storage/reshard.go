package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// NewShard describes a shard created by Reshard.
type NewShard struct {
	// ParentIndex and AdjacentParentIndex name the shard's parents among
	// the shards Reshard closes, or are -1.
	ParentIndex         int64
	AdjacentParentIndex int64
	// HashKeyStart and HashKeyEnd bound the new shard's hash-key range,
	// inclusive, in decimal.
	HashKeyStart string
	HashKeyEnd   string
}

// ErrInvalidReshard is returned (wrapped) when a reshard would not leave the
// open shards covering the hash-key space exactly once, or names shards that
// are not open.
var ErrInvalidReshard = errors.New("invalid reshard")

// Reshard closes the open shards `close` and creates the shards `create`
// in one catalog transaction: after a crash, either the old layout or the
// new one is found, never a mix. It is the primitive under SplitShard,
// MergeShards and UpdateShardCount; the caller checks their Kinesis rules.
//
// Appends to the closing shards that are in flight are committed first, so
// each closed shard's EndOffset is exactly its number of records, and every
// new shard's sequence numbers start above every number of every shard
// closed here. Concurrent Put calls routed to a closing shard are re-routed
// to the new layout.
func (s *Store) Reshard(ctx context.Context, stream string, close []uint32, create []NewShard) (catalog.Stream, error) {
	if s.closed.Load() {
		return catalog.Stream{}, ErrClosed
	}
	if len(close) == 0 || len(create) == 0 {
		return catalog.Stream{}, fmt.Errorf("reshard needs shards to close and to create: %w", ErrInvalidReshard)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.streams[stream]
	if st == nil {
		return catalog.Stream{}, fmt.Errorf("stream %q: %w", stream, ErrStreamNotFound)
	}
	parents := make([]*shardState, 0, len(close))
	seen := map[uint32]bool{}
	for _, idx := range close {
		if int(idx) >= len(st.shards) {
			return catalog.Stream{}, fmt.Errorf("%s: %w", catalog.ShardID(idx), ErrShardNotFound)
		}
		if seen[idx] {
			return catalog.Stream{}, fmt.Errorf("%s named twice: %w", catalog.ShardID(idx), ErrInvalidReshard)
		}
		seen[idx] = true
		parents = append(parents, st.shards[idx])
	}
	// Stop appends to the parents and let those in flight commit.
	for _, sh := range parents {
		sh.appendMu.Lock()
		defer sh.appendMu.Unlock()
	}
	for _, sh := range parents {
		if err := s.awaitCommitted(ctx, sh); err != nil {
			return catalog.Stream{}, err
		}
	}
	var seqBase uint64
	for _, sh := range parents {
		seqBase = max(seqBase, sh.seqBase+sh.nextOffset)
	}
	now := s.opts.Now()
	updated, err := s.cat.AddShards(stream, func(m *catalog.Stream, newUID func() uint64) error {
		for _, sh := range parents {
			m := &m.Shards[sh.index]
			if m.Closed {
				return fmt.Errorf("%s is already closed: %w", catalog.ShardID(sh.index), ErrInvalidReshard)
			}
			m.Closed = true
			m.EndOffset = sh.nextOffset
		}
		for _, c := range create {
			for _, p := range []int64{c.ParentIndex, c.AdjacentParentIndex} {
				if p >= 0 && !seen[uint32(p)] {
					return fmt.Errorf("parent %s is not among the closed shards: %w", catalog.ShardID(uint32(p)), ErrInvalidReshard)
				}
			}
			m.Shards = append(m.Shards, catalog.Shard{
				Index:               uint32(len(m.Shards)),
				UID:                 newUID(),
				ParentIndex:         c.ParentIndex,
				AdjacentParentIndex: c.AdjacentParentIndex,
				HashKeyStart:        c.HashKeyStart,
				HashKeyEnd:          c.HashKeyEnd,
				SeqBase:             seqBase,
				CreatedAt:           now,
			})
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, catalog.ErrInvalid) {
			return catalog.Stream{}, errors.Join(ErrInvalidReshard, err)
		}
		return catalog.Stream{}, mapCatalogErr(err)
	}
	for _, sh := range parents {
		sh.mu.Lock()
		sh.closed = true
		sh.mu.Unlock()
		sh.wake()
	}
	s.installStreamLocked(updated)
	return updated, nil
}

// awaitCommitted waits until every append queued to sh is committed (or
// failed). The caller holds sh.appendMu, so no new append can be queued.
func (s *Store) awaitCommitted(ctx context.Context, sh *shardState) error {
	for {
		sh.mu.RLock()
		done, ch := sh.end >= sh.nextOffset, sh.notify
		sh.mu.RUnlock()
		if done {
			return nil
		}
		if err := s.log.err(); err != nil {
			return err
		}
		select {
		case <-ch:
		case <-time.After(10 * time.Millisecond): // recheck for a failed commit
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closing:
			return ErrClosed
		}
	}
}
