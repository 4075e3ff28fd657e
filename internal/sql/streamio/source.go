// Package streamio connects the SQL engine to Eddy streams: a Source that
// reads an in-application input's shards from the durable log, a Sink that
// puts output records into a stream, and a CheckpointStore on a file.
//
// The log is reached through the small interfaces declared here, which
// *storage.Store satisfies.
package streamio

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eddy-streaming/eddy/internal/sql"
	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// Log is the part of the durable log a Source reads.
type Log interface {
	Stream(name string) (catalog.Stream, error)
	Seek(stream string, shard uint32, pos storage.Position) (uint64, error)
	Read(stream string, shard uint32, from uint64, maxRecords, maxBytes int) (storage.ReadResult, error)
	Wait(ctx context.Context, stream string, shard uint32, from uint64) error
	Tip(stream string, shard uint32) (next uint64, lastArrival time.Time, err error)
}

// SourceOptions configure a Source. Zero values mean the defaults.
type SourceOptions struct {
	// Log and Stream name what is read. Required.
	Log    Log
	Stream string
	// Shards are the shard indexes this input reads, fixed at Open; nil
	// means every shard the stream has, including the children that
	// resharding creates later (see Filter).
	Shards []uint32
	// Filter, when not nil, selects the shards this input reads among
	// every shard the stream has or will have (KDA's InputParallelism
	// spreads a stream's shards over SOURCE_SQL_STREAM_001, _002, ...);
	// Shards is then ignored. Children of split or merged shards are
	// picked up as they appear.
	Filter func(shardIndex uint32) bool
	// Start is where shards without a checkpointed position start when
	// opened: storage.Latest (NOW, the default), storage.TrimHorizon, or
	// storage.AtTimestamp (a resumed NOW: the time the input was first
	// started). Shards created after Open start at their beginning.
	Start storage.Position
	// Resume gives positions (shard ID → sequence number) to read after
	// for shards that Open's positions do not name: where an application
	// stopped, when its checkpoint no longer fits its inputs.
	Resume map[string]string
	// MaxRecords bounds one batch. Default 1000.
	MaxRecords int
	// IdleInterval is how often an idle source reports a watermark.
	// Default 500ms.
	IdleInterval time.Duration
	// CommitSlack is how far behind the clock the watermark of a shard
	// read to its tip stays: a record's arrival time is taken before it is
	// committed, so it can become readable slightly later. Default 1s.
	CommitSlack time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

type shardReader struct {
	index   uint32
	id      string
	next    uint64
	pending []storage.StoredRecord
	atTip   bool
	ended   bool
}

// Source reads one in-application input from an Eddy stream. The shards'
// records are merged by arrival time (ties by shard index), so a replay
// from the same positions delivers them in the same order.
type Source struct {
	opts   SourceOptions
	shards []*shardReader
	// known is the number of the stream's shards already considered, when
	// the source follows resharding.
	known  int
	follow bool
}

var _ sql.Source = (*Source)(nil)

// NewSource makes a source; Open starts it.
func NewSource(opts SourceOptions) *Source {
	if opts.MaxRecords <= 0 {
		opts.MaxRecords = 1000
	}
	if opts.IdleInterval <= 0 {
		opts.IdleInterval = 500 * time.Millisecond
	}
	if opts.CommitSlack <= 0 {
		opts.CommitSlack = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Source{opts: opts}
}

// Open positions every shard after its checkpointed sequence number, or at
// the configured start.
func (s *Source) Open(_ context.Context, after map[string]string) error {
	st, err := s.opts.Log.Stream(s.opts.Stream)
	if err != nil {
		return fmt.Errorf("open stream %s: %w", s.opts.Stream, err)
	}
	s.shards, s.known = nil, 0
	s.follow = s.opts.Filter != nil || s.opts.Shards == nil
	if !s.follow {
		for _, idx := range s.opts.Shards {
			if err := s.add(idx, s.startOf(idx, after)); err != nil {
				return err
			}
		}
		return nil
	}
	return s.discover(st, func(idx uint32) storage.Position { return s.startOf(idx, after) })
}

func (s *Source) startOf(idx uint32, after map[string]string) storage.Position {
	if seq, ok := after[catalog.ShardID(idx)]; ok {
		return storage.Position{Type: storage.AfterSequence, Sequence: seq}
	}
	if seq, ok := s.opts.Resume[catalog.ShardID(idx)]; ok {
		return storage.Position{Type: storage.AfterSequence, Sequence: seq}
	}
	return s.opts.Start
}

func (s *Source) add(idx uint32, pos storage.Position) error {
	id := catalog.ShardID(idx)
	off, err := s.opts.Log.Seek(s.opts.Stream, idx, pos)
	if err != nil {
		return fmt.Errorf("seek %s %s: %w", s.opts.Stream, id, err)
	}
	s.shards = append(s.shards, &shardReader{index: idx, id: id, next: off})
	return nil
}

// discover adds the stream's shards not considered yet that the filter
// selects, at the position start gives.
func (s *Source) discover(st catalog.Stream, start func(uint32) storage.Position) error {
	for _, sh := range st.Shards[min(s.known, len(st.Shards)):] {
		if s.opts.Filter == nil || s.opts.Filter(sh.Index) {
			if err := s.add(sh.Index, start(sh.Index)); err != nil {
				return err
			}
		}
	}
	s.known = max(s.known, len(st.Shards))
	return nil
}

// refresh picks up shards created since the last look (children of a
// split or merge), from their beginning. It runs before every watermark
// is computed: a child's records arrive after it is created, so they
// cannot fall below a watermark taken after the look.
func (s *Source) refresh() error {
	if !s.follow {
		return nil
	}
	st, err := s.opts.Log.Stream(s.opts.Stream)
	if err != nil {
		if errors.Is(err, storage.ErrStreamNotFound) {
			return nil // a deleted stream's shards end on their own
		}
		return fmt.Errorf("look up stream %s: %w", s.opts.Stream, err)
	}
	if len(st.Shards) == s.known {
		return nil
	}
	return s.discover(st, func(uint32) storage.Position { return storage.Position{Type: storage.TrimHorizon} })
}

// Next returns the records that can be ordered now, and the watermark.
// When nothing is available it waits up to IdleInterval for a record and
// then reports the watermark alone.
func (s *Source) Next(ctx context.Context) (sql.Batch, error) {
	deadline := time.NewTimer(s.opts.IdleInterval)
	defer deadline.Stop()
	for {
		if err := s.refresh(); err != nil {
			return sql.Batch{}, err
		}
		if err := s.fill(); err != nil {
			return sql.Batch{}, err
		}
		b := s.take()
		if len(b.Records) > 0 {
			return b, nil
		}
		// Wait for a record on any shard, the idle interval, or ctx.
		waitCtx, cancel := context.WithCancel(ctx)
		woke := make(chan struct{}, len(s.shards))
		for _, sh := range s.shards {
			if sh.ended || len(sh.pending) > 0 {
				continue
			}
			go func(index uint32, next uint64) {
				if s.opts.Log.Wait(waitCtx, s.opts.Stream, index, next) == nil {
					woke <- struct{}{}
				}
			}(sh.index, sh.next)
		}
		select {
		case <-ctx.Done():
			cancel()
			return sql.Batch{}, ctx.Err()
		case <-deadline.C:
			cancel()
			return b, nil
		case <-woke:
			cancel()
		}
	}
}

// fill reads every shard that has no pending records.
func (s *Source) fill() error {
	for _, sh := range s.shards {
		if sh.ended || len(sh.pending) > 0 {
			continue
		}
		res, err := s.opts.Log.Read(s.opts.Stream, sh.index, sh.next, s.opts.MaxRecords, 4<<20)
		if err != nil {
			if errors.Is(err, storage.ErrShardNotFound) {
				sh.ended = true
				continue
			}
			return fmt.Errorf("read %s %s: %w", s.opts.Stream, sh.id, err)
		}
		// Data aliases this read's own buffer, which the next Read does not
		// reuse, so records are kept without a copy.
		sh.pending = res.Records
		sh.next = res.Next
		sh.atTip = len(res.Records) == 0 && res.MillisBehindLatest == 0
		sh.ended = res.EndOfShard && len(res.Records) == 0
	}
	return nil
}

// watermark of one shard: its next record's arrival, or, at the tip, the
// clock minus the commit slack.
func (s *Source) shardMark(sh *shardReader, now time.Time) (time.Time, bool) {
	switch {
	case len(sh.pending) > 0:
		return sh.pending[0].ArrivalTime, true
	case sh.ended:
		return time.Time{}, false
	case sh.atTip:
		return now.Add(-s.opts.CommitSlack), true
	}
	return time.Time{}, true // behind, nothing buffered: no promise yet
}

// take moves out every record that no other shard can precede.
func (s *Source) take() sql.Batch {
	now := s.opts.Now()
	var b sql.Batch
	for len(b.Records) < s.opts.MaxRecords {
		var best *shardReader
		for _, sh := range s.shards {
			if len(sh.pending) > 0 && (best == nil || sh.pending[0].ArrivalTime.Before(best.pending[0].ArrivalTime)) {
				best = sh
			}
		}
		if best == nil {
			break
		}
		head := best.pending[0]
		blocked := false
		for _, sh := range s.shards {
			if sh == best || len(sh.pending) > 0 {
				continue
			}
			if mark, ok := s.shardMark(sh, now); ok && mark.Before(head.ArrivalTime) {
				blocked = true
			}
		}
		if blocked {
			break
		}
		best.pending = best.pending[1:]
		b.Records = append(b.Records, sql.Record{Shard: best.id, PartitionKey: head.PartitionKey, Data: head.Data,
			ArrivalTime: head.ArrivalTime, Position: head.SequenceNumber})
	}
	low, any := time.Time{}, false
	for _, sh := range s.shards {
		mark, ok := s.shardMark(sh, now)
		if !ok {
			continue
		}
		if !any || mark.Before(low) {
			low, any = mark, true
		}
	}
	if any && !low.IsZero() {
		b.Watermark = low
	}
	return b
}

// Close releases the source.
func (s *Source) Close() error { return nil }
