package catalog

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/seqnum"
)

func TestUpdateStream(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name  string
		setup func(*Stream) // applied first, must succeed
		fn    func(*Stream) error
		err   error
		check func(t *testing.T, s Stream)
	}{
		{
			name: "status, retention, mode",
			fn: func(s *Stream) error {
				s.Status, s.Retention, s.Mode = StatusActive, 72*time.Hour, "ON_DEMAND"
				return nil
			},
			check: func(t *testing.T, s Stream) {
				require.Equal(t, StatusActive, s.Status)
				require.Equal(t, 72*time.Hour, s.Retention)
				require.Equal(t, "ON_DEMAND", s.Mode)
			},
		},
		{
			name: "tags and attrs",
			fn: func(s *Stream) error {
				s.Tags = map[string]string{"a": "1"}
				s.Attrs = map[string]string{"encryption": "KMS"}
				return nil
			},
			check: func(t *testing.T, s Stream) {
				require.Equal(t, map[string]string{"a": "1"}, s.Tags)
				require.Equal(t, map[string]string{"encryption": "KMS"}, s.Attrs)
			},
		},
		{
			name:  "raise trim offset",
			setup: func(s *Stream) { s.Shards[0].TrimOffset = 5 },
			fn:    func(s *Stream) error { s.Shards[0].TrimOffset = 9; return nil },
			check: func(t *testing.T, s Stream) { require.Equal(t, uint64(9), s.Shards[0].TrimOffset) },
		},
		{name: "fn fails", fn: func(s *Stream) error { s.Status = StatusActive; return errBoom }, err: errBoom},
		{name: "rename", fn: func(s *Stream) error { s.Name = "other"; return nil }, err: ErrInvalid},
		{name: "new id", fn: func(s *Stream) error { s.ID++; return nil }, err: ErrInvalid},
		{name: "unknown status", fn: func(s *Stream) error { s.Status = "BOGUS"; return nil }, err: ErrInvalid},
		{name: "retention zero", fn: func(s *Stream) error { s.Retention = 0; return nil }, err: ErrInvalid},
		{name: "retention too long", fn: func(s *Stream) error { s.Retention = MaxRetention + 1; return nil }, err: ErrInvalid},
		{name: "remove shard", fn: func(s *Stream) error { s.Shards = s.Shards[:1]; return nil }, err: ErrInvalid},
		{name: "no shards", fn: func(s *Stream) error { s.Shards = nil; return nil }, err: ErrInvalid},
		{
			name: "append shard",
			fn: func(s *Stream) error {
				sh := s.Shards[1]
				sh.Index, sh.UID = 2, 1000
				s.Shards = append(s.Shards, sh)
				return nil
			},
			err: ErrInvalid,
		},
		{name: "swap shards", fn: func(s *Stream) error { s.Shards[0], s.Shards[1] = s.Shards[1], s.Shards[0]; return nil }, err: ErrInvalid},
		{name: "bad index", fn: func(s *Stream) error { s.Shards[1].Index = 7; return nil }, err: ErrInvalid},
		{name: "duplicate uid", fn: func(s *Stream) error { s.Shards[1].UID = s.Shards[0].UID; return nil }, err: ErrInvalid},
		{name: "change uid", fn: func(s *Stream) error { s.Shards[1].UID = 77; return nil }, err: ErrInvalid},
		{name: "change seq base", fn: func(s *Stream) error { s.Shards[1].SeqBase = 1; return nil }, err: ErrInvalid},
		{name: "change parent", fn: func(s *Stream) error { s.Shards[1].ParentIndex = 0; return nil }, err: ErrInvalid},
		{name: "parent above self", fn: func(s *Stream) error { s.Shards[0].ParentIndex = 1; return nil }, err: ErrInvalid},
		{
			name: "move hash boundary",
			fn: func(s *Stream) error {
				s.Shards[0].HashKeyEnd = "1"
				s.Shards[1].HashKeyStart = "2"
				return nil
			},
			err: ErrInvalid,
		},
		{name: "hash key not a number", fn: func(s *Stream) error { s.Shards[1].HashKeyEnd = "x"; return nil }, err: ErrInvalid},
		{name: "close every shard", fn: func(s *Stream) error { s.Shards[0].Closed, s.Shards[1].Closed = true, true; return nil }, err: ErrInvalid},
		{name: "close one shard leaves a gap", fn: func(s *Stream) error { s.Shards[1].Closed = true; return nil }, err: ErrInvalid},
		{name: "end offset on open shard", fn: func(s *Stream) error { s.Shards[0].EndOffset = 3; return nil }, err: ErrInvalid},
		{
			name:  "lower trim offset",
			setup: func(s *Stream) { s.Shards[0].TrimOffset = 5 },
			fn:    func(s *Stream) error { s.Shards[0].TrimOffset = 4; return nil },
			err:   ErrInvalid,
		},
		{name: "bad utf8 tag survives as stored", fn: func(s *Stream) error { s.Tags = map[string]string{"k": "\xff"}; return nil },
			check: func(t *testing.T, s Stream) { require.Equal(t, "\ufffd", s.Tags["k"]) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, path := openTest(t)
			mustCreate(t, c, "s", 2)
			if tt.setup != nil {
				_, err := c.UpdateStream("s", func(s *Stream) error { tt.setup(s); return nil })
				require.NoError(t, err)
			}
			before, err := c.Stream("s")
			require.NoError(t, err)

			got, err := c.UpdateStream("s", tt.fn)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				require.Equal(t, Stream{}, got)
				after, err := c.Stream("s")
				require.NoError(t, err)
				require.Equal(t, before, after, "a failed update changes nothing")
				after, err = reopen(t, c, path).Stream("s")
				require.NoError(t, err)
				require.Equal(t, before, after, "a failed update writes nothing")
				return
			}
			require.NoError(t, err)
			tt.check(t, got)
			stored, err := c.Stream("s")
			require.NoError(t, err)
			require.Equal(t, got, stored)
			stored, err = reopen(t, c, path).Stream("s")
			require.NoError(t, err)
			require.Equal(t, got, stored)
		})
	}
}

// split closes shard index of s at endOffset and appends its two halves.
func split(index int, endOffset uint64) func(*Stream, func() uint64) error {
	return func(s *Stream, newUID func() uint64) error {
		parent := &s.Shards[index]
		parent.Closed, parent.EndOffset = true, endOffset
		start, _ := seqnum.ParseUint128(parent.HashKeyStart)
		end, _ := seqnum.ParseUint128(parent.HashKeyEnd)
		// A split point a little above start keeps the arithmetic simple.
		mid := start.Add64(1000)
		base := parent.SeqBase + endOffset
		for _, r := range []seqnum.HashRange{{Start: start, End: mid.Sub64(1)}, {Start: mid, End: end}} {
			s.Shards = append(s.Shards, Shard{
				Index:               uint32(len(s.Shards)),
				UID:                 newUID(),
				ParentIndex:         int64(index),
				AdjacentParentIndex: -1,
				HashKeyStart:        r.Start.String(),
				HashKeyEnd:          r.End.String(),
				SeqBase:             base,
				CreatedAt:           testNow,
			})
		}
		return nil
	}
}

func TestAddShardsSplitAndMerge(t *testing.T) {
	c, path := openTest(t)
	mustCreate(t, c, "s", 2) // uids 1, 2
	other := mustCreate(t, c, "other", 1)
	require.Equal(t, []uint64{3}, uids(other))

	s, err := c.AddShards("s", split(0, 10))
	require.NoError(t, err)
	require.Len(t, s.Shards, 4)
	require.True(t, s.Shards[0].Closed)
	require.Equal(t, uint64(10), s.Shards[0].EndOffset)
	require.Equal(t, []uint64{1, 2, 4, 5}, uids(s))
	require.Equal(t, int64(0), s.Shards[2].ParentIndex)
	require.Equal(t, uint64(10), s.Shards[3].SeqBase)

	// Merge the two children.
	s, err = c.AddShards("s", func(s *Stream, newUID func() uint64) error {
		a, b := &s.Shards[2], &s.Shards[3]
		a.Closed, a.EndOffset = true, 3
		b.Closed, b.EndOffset = true, 4
		s.Shards = append(s.Shards, Shard{
			Index:               4,
			UID:                 newUID(),
			ParentIndex:         2,
			AdjacentParentIndex: 3,
			HashKeyStart:        a.HashKeyStart,
			HashKeyEnd:          b.HashKeyEnd,
			SeqBase:             15,
			CreatedAt:           testNow,
		})
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, []uint64{1, 2, 4, 5, 6}, uids(s))
	require.Equal(t, int64(3), s.Shards[4].AdjacentParentIndex)

	// UIDs keep counting across reopen and across streams.
	c = reopen(t, c, path)
	got, err := c.Stream("s")
	require.NoError(t, err)
	require.Equal(t, s, got)
	o, err := c.AddShards("other", split(0, 0))
	require.NoError(t, err)
	require.Equal(t, []uint64{3, 7, 8}, uids(o))
	require.Len(t, c.LiveShardUIDs(), 8)
}

func TestAddShardsInvalid(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name string
		fn   func(*Stream, func() uint64) error
		err  error
	}{
		{
			name: "fn fails after taking uids",
			fn: func(s *Stream, newUID func() uint64) error {
				_ = split(0, 1)(s, newUID)
				return errBoom
			},
			err: errBoom,
		},
		{
			name: "uid not from newUID",
			fn: func(s *Stream, newUID func() uint64) error {
				_ = split(0, 1)(s, newUID)
				s.Shards[3].UID = 500
				return nil
			},
			err: ErrInvalid,
		},
		{
			name: "uid of another stream",
			fn: func(s *Stream, newUID func() uint64) error {
				_ = split(0, 1)(s, newUID)
				s.Shards[3].UID = 3
				return nil
			},
			err: ErrInvalid,
		},
		{
			name: "same new uid twice",
			fn: func(s *Stream, newUID func() uint64) error {
				_ = split(0, 1)(s, newUID)
				s.Shards[3].UID = s.Shards[2].UID
				return nil
			},
			err: ErrInvalid,
		},
		{
			name: "parent left open overlaps children",
			fn: func(s *Stream, newUID func() uint64) error {
				_ = split(0, 1)(s, newUID)
				s.Shards[0].Closed, s.Shards[0].EndOffset = false, 0
				return nil
			},
			err: ErrInvalid,
		},
		{
			name: "one child leaves a gap",
			fn: func(s *Stream, newUID func() uint64) error {
				_ = split(0, 1)(s, newUID)
				s.Shards = s.Shards[:3]
				return nil
			},
			err: ErrInvalid,
		},
		{
			name: "child is its own parent",
			fn: func(s *Stream, newUID func() uint64) error {
				_ = split(0, 1)(s, newUID)
				s.Shards[3].ParentIndex = 3
				return nil
			},
			err: ErrInvalid,
		},
		{
			name: "adjacent parent without parent",
			fn: func(s *Stream, newUID func() uint64) error {
				_ = split(0, 1)(s, newUID)
				s.Shards[3].ParentIndex, s.Shards[3].AdjacentParentIndex = -1, 0
				return nil
			},
			err: ErrInvalid,
		},
		{
			name: "trim past end of closed shard",
			fn: func(s *Stream, newUID func() uint64) error {
				_ = split(0, 1)(s, newUID)
				s.Shards[0].TrimOffset = 2
				return nil
			},
			err: ErrInvalid,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, path := openTest(t)
			mustCreate(t, c, "s", 2)
			mustCreate(t, c, "other", 1) // uid 3
			before := c.Streams()

			_, err := c.AddShards("s", tt.fn)
			require.ErrorIs(t, err, tt.err)
			require.Equal(t, before, c.Streams())
			c = reopen(t, c, path)
			require.Equal(t, before, c.Streams())

			// The next UIDs handed out are still fresh.
			s, err := c.AddShards("s", split(0, 1))
			require.NoError(t, err)
			require.Equal(t, []uint64{1, 2, 4, 5}, uids(s))
		})
	}
}

func TestAddShardsNewUIDAfterReturn(t *testing.T) {
	c, _ := openTest(t)
	mustCreate(t, c, "s", 1)
	var kept func() uint64
	_, err := c.AddShards("s", func(_ *Stream, newUID func() uint64) error {
		kept = newUID
		return nil
	})
	require.NoError(t, err)
	require.Panics(t, func() { kept() })
}

func TestUpdateStreamNormalizesTime(t *testing.T) {
	c, path := openTest(t)
	zone := time.FixedZone("X", 3*3600)
	now := time.Now().In(zone) // with a monotonic reading and a zone
	created, err := c.CreateStream("s", 1, now, 0, "", nil)
	require.NoError(t, err)
	require.True(t, created.CreatedAt.Equal(now))
	got, err := reopen(t, c, path).Stream("s")
	require.NoError(t, err)
	require.Equal(t, created, got)
}
