package catalog

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/seqnum"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// openTest opens a catalog in a temporary directory and closes it when
// the test ends.
func openTest(t *testing.T) (*Catalog, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "catalog.db")
	c, err := Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c, path
}

// reopen closes c and opens the file again.
func reopen(t *testing.T, c *Catalog, path string) *Catalog {
	t.Helper()
	require.NoError(t, c.Close())
	c2, err := Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c2.Close()) })
	return c2
}

// mustCreate creates a stream with default settings.
func mustCreate(t *testing.T, c *Catalog, name string, shards int) Stream {
	t.Helper()
	s, err := c.CreateStream(name, shards, testNow, 0, "PROVISIONED", nil)
	require.NoError(t, err)
	return s
}

func TestCreateStream(t *testing.T) {
	tests := []struct {
		name      string
		stream    string
		shards    int
		retention time.Duration
		tags      map[string]string
		err       error
		wantRet   time.Duration
	}{
		{name: "one shard", stream: "s", shards: 1, wantRet: DefaultRetention},
		{name: "three shards", stream: "orders", shards: 3, retention: 48 * time.Hour, wantRet: 48 * time.Hour},
		{name: "min retention", stream: "a", shards: 2, retention: MinRetention, wantRet: MinRetention},
		{name: "max retention", stream: "a", shards: 2, retention: MaxRetention, wantRet: MaxRetention},
		{name: "tags", stream: "t", shards: 1, tags: map[string]string{"env": "prod"}, wantRet: DefaultRetention},
		{name: "long name", stream: strings.Repeat("n", MaxNameLength), shards: 1, wantRet: DefaultRetention},
		{name: "many shards", stream: "big", shards: 1000, wantRet: DefaultRetention},
		{name: "empty name", stream: "", shards: 1, err: ErrInvalid},
		{name: "name too long", stream: strings.Repeat("n", MaxNameLength+1), shards: 1, err: ErrInvalid},
		{name: "name not utf8", stream: "a\xff", shards: 1, err: ErrInvalid},
		{name: "zero shards", stream: "s", shards: 0, err: ErrInvalid},
		{name: "negative shards", stream: "s", shards: -1, err: ErrInvalid},
		{name: "too many shards", stream: "s", shards: MaxShards + 1, err: ErrInvalid},
		{name: "retention too short", stream: "s", shards: 1, retention: MinRetention - time.Second, err: ErrInvalid},
		{name: "retention too long", stream: "s", shards: 1, retention: MaxRetention + time.Second, err: ErrInvalid},
		{name: "negative retention", stream: "s", shards: 1, retention: -time.Hour, err: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := openTest(t)
			got, err := c.CreateStream(tt.stream, tt.shards, testNow, tt.retention, "ON_DEMAND", tt.tags)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				require.Empty(t, c.Streams())
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.stream, got.Name)
			require.Equal(t, uint64(1), got.ID)
			require.Equal(t, StatusCreating, got.Status)
			require.Equal(t, testNow, got.CreatedAt)
			require.Equal(t, tt.wantRet, got.Retention)
			require.Equal(t, "ON_DEMAND", got.Mode)
			require.Equal(t, tt.tags, got.Tags)
			require.Len(t, got.Shards, tt.shards)
			for i, r := range seqnum.SplitHashRange(tt.shards) {
				require.Equal(t, Shard{
					Index:               uint32(i),
					UID:                 uint64(i + 1),
					ParentIndex:         -1,
					AdjacentParentIndex: -1,
					HashKeyStart:        r.Start.String(),
					HashKeyEnd:          r.End.String(),
					CreatedAt:           testNow,
				}, got.Shards[i])
			}
			stored, err := c.Stream(tt.stream)
			require.NoError(t, err)
			require.Equal(t, got, stored)
		})
	}
}

func TestCreateStreamExists(t *testing.T) {
	c, _ := openTest(t)
	first := mustCreate(t, c, "s", 2)
	_, err := c.CreateStream("s", 1, testNow, 0, "", nil)
	require.ErrorIs(t, err, ErrStreamExists)
	got, err := c.Stream("s")
	require.NoError(t, err)
	require.Equal(t, first, got)
}

func TestStreamNotFound(t *testing.T) {
	c, _ := openTest(t)
	mustCreate(t, c, "present", 1)
	_, err := c.Stream("absent")
	require.ErrorIs(t, err, ErrStreamNotFound)
	_, err = c.UpdateStream("absent", func(*Stream) error { return nil })
	require.ErrorIs(t, err, ErrStreamNotFound)
	_, err = c.AddShards("absent", func(*Stream, func() uint64) error { return nil })
	require.ErrorIs(t, err, ErrStreamNotFound)
	require.ErrorIs(t, c.DeleteStream("absent"), ErrStreamNotFound)
	_, ok := c.StreamByID(42)
	require.False(t, ok)
}

func TestStreamsSortedAndByID(t *testing.T) {
	c, _ := openTest(t)
	require.Empty(t, c.Streams())
	for _, name := range []string{"m", "b", "z", "a"} {
		mustCreate(t, c, name, 1)
	}
	var names []string
	for _, s := range c.Streams() {
		names = append(names, s.Name)
		byID, ok := c.StreamByID(s.ID)
		require.True(t, ok)
		require.Equal(t, s, byID)
	}
	require.Equal(t, []string{"a", "b", "m", "z"}, names)
}

func TestDeleteStream(t *testing.T) {
	c, path := openTest(t)
	a := mustCreate(t, c, "a", 2) // id 1, uids 1-2
	mustCreate(t, c, "b", 1)      // id 2, uid 3
	require.NoError(t, c.DeleteStream("a"))
	_, err := c.Stream("a")
	require.ErrorIs(t, err, ErrStreamNotFound)
	_, ok := c.StreamByID(a.ID)
	require.False(t, ok)
	require.ErrorIs(t, c.DeleteStream("a"), ErrStreamNotFound)
	require.Len(t, c.Streams(), 1)

	again := mustCreate(t, c, "a", 2)
	require.Equal(t, uint64(3), again.ID)
	require.Equal(t, []uint64{4, 5}, uids(again))

	c = reopen(t, c, path)
	_, err = c.Stream("b")
	require.NoError(t, err)
	require.NoError(t, c.DeleteStream("a"))
	require.NoError(t, c.DeleteStream("b"))
	require.Empty(t, c.Streams())

	// The counters survive deletion of every stream and a reopen.
	c = reopen(t, c, path)
	third := mustCreate(t, c, "a", 1)
	require.Equal(t, uint64(4), third.ID)
	require.Equal(t, []uint64{6}, uids(third))
}

func uids(s Stream) []uint64 {
	var out []uint64
	for _, sh := range s.Shards {
		out = append(out, sh.UID)
	}
	return out
}

func TestLiveShardUIDs(t *testing.T) {
	c, _ := openTest(t)
	require.Empty(t, c.LiveShardUIDs())
	a := mustCreate(t, c, "a", 2)
	b := mustCreate(t, c, "b", 1)
	mustCreate(t, c, "gone", 1)
	require.NoError(t, c.DeleteStream("gone"))
	require.Equal(t, map[uint64]ShardRef{
		1: {StreamID: a.ID, StreamName: "a", Index: 0},
		2: {StreamID: a.ID, StreamName: "a", Index: 1},
		3: {StreamID: b.ID, StreamName: "b", Index: 0},
	}, c.LiveShardUIDs())
}

func TestDeepCopyIsolation(t *testing.T) {
	c, _ := openTest(t)
	tags := map[string]string{"k": "v"}
	created, err := c.CreateStream("s", 2, testNow, 0, "PROVISIONED", tags)
	require.NoError(t, err)
	_, err = c.UpdateStream("s", func(s *Stream) error {
		s.Attrs = map[string]string{"enc": "NONE"}
		return nil
	})
	require.NoError(t, err)
	want, err := c.Stream("s")
	require.NoError(t, err)

	mutate := func(s Stream) {
		s.Tags["k"] = "changed"
		s.Tags["new"] = "x"
		if s.Attrs != nil {
			s.Attrs["enc"] = "KMS"
		}
		s.Shards[0].UID = 999
		s.Shards[1].Closed = true
	}
	tags["k"] = "caller changed its map"
	mutate(created)
	got, err := c.Stream("s")
	require.NoError(t, err)
	mutate(got)
	mutate(c.Streams()[0])
	byID, _ := c.StreamByID(want.ID)
	mutate(byID)

	// A callback that keeps the pointer and writes through it later.
	var kept *Stream
	updated, err := c.UpdateStream("s", func(s *Stream) error { kept = s; return nil })
	require.NoError(t, err)
	kept.Tags["late"] = "x"
	kept.Shards[0].TrimOffset = 7
	mutate(updated)

	got, err = c.Stream("s")
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Equal(t, "v", got.Tags["k"])
}

func TestClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "catalog.db")
	c, err := Open(path)
	require.NoError(t, err)
	s := mustCreate(t, c, "s", 1)
	require.NoError(t, c.Close())
	require.NoError(t, c.Close())

	_, err = c.CreateStream("t", 1, testNow, 0, "", nil)
	require.ErrorIs(t, err, ErrClosed)
	_, err = c.CreateStream("s", 1, testNow, 0, "", nil)
	require.ErrorIs(t, err, ErrClosed)
	_, err = c.UpdateStream("absent", func(*Stream) error { return nil })
	require.ErrorIs(t, err, ErrClosed)
	_, err = c.UpdateStream("s", func(*Stream) error { return nil })
	require.ErrorIs(t, err, ErrClosed)
	_, err = c.AddShards("s", func(*Stream, func() uint64) error { return nil })
	require.ErrorIs(t, err, ErrClosed)
	require.ErrorIs(t, c.DeleteStream("s"), ErrClosed)

	// Readers answer from memory.
	got, err := c.Stream("s")
	require.NoError(t, err)
	require.Equal(t, s, got)
	require.Len(t, c.Streams(), 1)
}

func TestOpenLocked(t *testing.T) {
	c, path := openTest(t)
	_ = c
	start := time.Now()
	_, err := Open(path)
	require.Error(t, err)
	require.Less(t, time.Since(start), 5*time.Second)
	require.True(t, strings.Contains(err.Error(), path), "error names the file: %v", err)
	require.False(t, errors.Is(err, ErrCorrupt))
}
