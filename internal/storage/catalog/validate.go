package catalog

import (
	"fmt"
	"maps"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/eddy-streaming/eddy/internal/seqnum"
)

// Limits the catalog enforces on every stream.
const (
	// MaxNameLength is the longest stream name, in bytes.
	MaxNameLength = 255
	// MaxShards is the most shards, open and closed, a stream may have.
	MaxShards = 100_000
)

// cloneStream returns a deep copy of s.
func cloneStream(s *Stream) Stream {
	c := *s
	c.Tags = maps.Clone(s.Tags)
	c.Attrs = maps.Clone(s.Attrs)
	c.Shards = slices.Clone(s.Shards)
	return c
}

// invalid returns an error wrapping ErrInvalid.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// validateName checks a stream name.
func validateName(name string) error {
	if name == "" || len(name) > MaxNameLength || !utf8.ValidString(name) {
		return invalid("name must be 1 to %d bytes of valid UTF-8", MaxNameLength)
	}
	return nil
}

// validateRetention checks a retention period.
func validateRetention(r time.Duration) error {
	if r < MinRetention || r > MaxRetention {
		return invalid("retention %s outside [%s, %s]", r, MinRetention, MaxRetention)
	}
	return nil
}

// validateShardCount checks the shard count of a stream.
func validateShardCount(n int) error {
	if n < 1 || n > MaxShards {
		return invalid("shard count %d outside [1, %d]", n, MaxShards)
	}
	return nil
}

// validateStream checks the invariants of one stream value.
func validateStream(s *Stream) error {
	if err := validateName(s.Name); err != nil {
		return err
	}
	if s.ID == 0 {
		return invalid("stream id 0")
	}
	switch s.Status {
	case StatusCreating, StatusActive, StatusDeleting, StatusUpdating:
	default:
		return invalid("unknown status %q", s.Status)
	}
	if err := validateRetention(s.Retention); err != nil {
		return err
	}
	if err := validateShardCount(len(s.Shards)); err != nil {
		return err
	}
	uids := make(map[uint64]struct{}, len(s.Shards))
	open := make([]seqnum.HashRange, 0, len(s.Shards))
	for i := range s.Shards {
		sh := &s.Shards[i]
		r, err := validateShard(i, sh)
		if err != nil {
			return fmt.Errorf("shard %d: %w", i, err)
		}
		if _, dup := uids[sh.UID]; dup {
			return fmt.Errorf("shard %d: %w", i, invalid("uid %d used twice", sh.UID))
		}
		uids[sh.UID] = struct{}{}
		if sh.Open() {
			open = append(open, r)
		}
	}
	return validateTiling(open)
}

// validateShard checks the fields of the shard at index i and returns its
// hash-key range.
func validateShard(i int, sh *Shard) (seqnum.HashRange, error) {
	var r seqnum.HashRange
	if int64(sh.Index) != int64(i) {
		return r, invalid("index %d at position %d", sh.Index, i)
	}
	if sh.UID == 0 {
		return r, invalid("uid 0")
	}
	if sh.ParentIndex < -1 || sh.ParentIndex >= int64(i) {
		return r, invalid("parent index %d not -1 or below %d", sh.ParentIndex, i)
	}
	if sh.AdjacentParentIndex < -1 || sh.AdjacentParentIndex >= int64(i) {
		return r, invalid("adjacent parent index %d not -1 or below %d", sh.AdjacentParentIndex, i)
	}
	if sh.AdjacentParentIndex >= 0 && (sh.ParentIndex < 0 || sh.AdjacentParentIndex == sh.ParentIndex) {
		return r, invalid("adjacent parent %d without a distinct parent (%d)", sh.AdjacentParentIndex, sh.ParentIndex)
	}
	var err error
	if r.Start, err = seqnum.ParseUint128(sh.HashKeyStart); err != nil {
		return r, invalid("hash key start: %v", err)
	}
	if r.End, err = seqnum.ParseUint128(sh.HashKeyEnd); err != nil {
		return r, invalid("hash key end: %v", err)
	}
	if r.Start.Cmp(r.End) > 0 {
		return r, invalid("hash key range %s..%s is empty", sh.HashKeyStart, sh.HashKeyEnd)
	}
	if sh.Closed && sh.TrimOffset > sh.EndOffset {
		return r, invalid("trim offset %d past end offset %d", sh.TrimOffset, sh.EndOffset)
	}
	if !sh.Closed && sh.EndOffset != 0 {
		return r, invalid("end offset %d on an open shard", sh.EndOffset)
	}
	return r, nil
}

// validateTiling checks that the open shards' ranges cover the hash-key
// space exactly once. It sorts open.
func validateTiling(open []seqnum.HashRange) error {
	if len(open) == 0 {
		return invalid("no open shard")
	}
	slices.SortFunc(open, func(a, b seqnum.HashRange) int { return a.Start.Cmp(b.Start) })
	var next seqnum.Uint128 // the lowest key not covered so far
	for i, r := range open {
		if i > 0 && open[i-1].End == seqnum.MaxUint128 {
			return invalid("open shards overlap at hash key %s", r.Start)
		}
		switch r.Start.Cmp(next) {
		case -1:
			return invalid("open shards overlap at hash key %s", r.Start)
		case 1:
			return invalid("open shards leave a gap at hash key %s", next)
		}
		next = r.End.Add64(1)
	}
	if open[len(open)-1].End != seqnum.MaxUint128 {
		return invalid("open shards leave hash keys above %s uncovered", open[len(open)-1].End)
	}
	return nil
}

// validateChange checks what an update may change: old is the stream
// before, s after. New shards must carry UIDs in [firstUID, nextUID), the
// ones handed out during this update.
func validateChange(old, s *Stream, firstUID, nextUID uint64) error {
	if s.Name != old.Name {
		return invalid("name changed from %q to %q", old.Name, s.Name)
	}
	if s.ID != old.ID {
		return invalid("id changed from %d to %d", old.ID, s.ID)
	}
	if len(s.Shards) < len(old.Shards) {
		return invalid("shards removed (%d before, %d after)", len(old.Shards), len(s.Shards))
	}
	for i := range old.Shards {
		if err := validateShardChange(&old.Shards[i], &s.Shards[i]); err != nil {
			return fmt.Errorf("shard %d: %w", i, err)
		}
	}
	for i := len(old.Shards); i < len(s.Shards); i++ {
		if uid := s.Shards[i].UID; uid < firstUID || uid >= nextUID {
			return fmt.Errorf("shard %d: %w", i, invalid("uid %d was not handed out by newUID", uid))
		}
	}
	return nil
}

// validateShardChange checks the change of one existing shard.
func validateShardChange(old, sh *Shard) error {
	switch {
	case sh.UID != old.UID:
		return invalid("uid changed")
	case sh.ParentIndex != old.ParentIndex || sh.AdjacentParentIndex != old.AdjacentParentIndex:
		return invalid("parents changed")
	case sh.HashKeyStart != old.HashKeyStart || sh.HashKeyEnd != old.HashKeyEnd:
		return invalid("hash key range changed")
	case sh.SeqBase != old.SeqBase:
		return invalid("sequence base changed")
	case old.Closed && !sh.Closed:
		return invalid("closed shard reopened")
	case old.Closed && sh.EndOffset != old.EndOffset:
		return invalid("end offset of closed shard changed")
	case sh.TrimOffset < old.TrimOffset:
		return invalid("trim offset lowered from %d to %d", old.TrimOffset, sh.TrimOffset)
	}
	return nil
}
