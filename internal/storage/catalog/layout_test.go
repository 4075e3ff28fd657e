package catalog

import (
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

func TestReopenIdentical(t *testing.T) {
	c, path := openTest(t)
	mustCreate(t, c, "a", 3)
	_, err := c.CreateStream("b", 2, time.Now().In(time.FixedZone("Y", -7200)), 36*time.Hour, "ON_DEMAND",
		map[string]string{"team": "data", "empty": ""})
	require.NoError(t, err)
	_, err = c.UpdateStream("a", func(s *Stream) error {
		s.Status = StatusActive
		s.Attrs = map[string]string{"shard_level_metrics": "IncomingBytes"}
		s.Shards[1].TrimOffset = 12
		return nil
	})
	require.NoError(t, err)
	_, err = c.AddShards("b", split(1, 40))
	require.NoError(t, err)
	mustCreate(t, c, "deleted", 1)
	require.NoError(t, c.DeleteStream("deleted"))

	before, beforeUIDs := c.Streams(), c.LiveShardUIDs()
	c = reopen(t, c, path)
	require.Equal(t, before, c.Streams())
	require.Equal(t, beforeUIDs, c.LiveShardUIDs())
	for _, s := range before {
		got, ok := c.StreamByID(s.ID)
		require.True(t, ok)
		require.Equal(t, s, got)
	}
}

// editFile opens the catalog file with bbolt directly and runs fn in a
// read-write transaction.
func editFile(t *testing.T, path string, fn func(tx *bbolt.Tx) error) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	require.NoError(t, err)
	require.NoError(t, db.Update(fn))
	require.NoError(t, db.Close())
}

func TestFileLayout(t *testing.T) {
	c, path := openTest(t)
	mustCreate(t, c, "s", 2)
	require.NoError(t, c.Close())

	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.View(func(tx *bbolt.Tx) error {
		var buckets []string
		require.NoError(t, tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			buckets = append(buckets, string(name))
			return nil
		}))
		require.Equal(t, []string{"meta", "streams"}, buckets)
		meta := tx.Bucket([]byte("meta"))
		u64 := func(key string) uint64 { return binary.BigEndian.Uint64(meta.Get([]byte(key))) }
		require.Equal(t, uint64(1), u64("format_version"))
		require.Equal(t, uint64(2), u64("next_stream_id"))
		require.Equal(t, uint64(3), u64("next_shard_uid"))

		var fields map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(tx.Bucket([]byte("streams")).Get([]byte("s")), &fields))
		for _, key := range []string{"name", "id", "status", "created_at", "retention", "mode", "shards"} {
			require.Contains(t, fields, key)
		}
		require.Equal(t, `"s"`, string(fields["name"]))
		require.Equal(t, "86400000000000", string(fields["retention"]))
		return nil
	}))
}

func TestOpenRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(tx *bbolt.Tx) error
		err  error
		msg  string
	}{
		{
			name: "newer format version",
			edit: func(tx *bbolt.Tx) error {
				return tx.Bucket(bucketMeta).Put(keyFormatVersion, binary.BigEndian.AppendUint64(nil, 2))
			},
			err: ErrUnsupportedVersion,
			msg: "format version 2",
		},
		{
			name: "missing format version",
			edit: func(tx *bbolt.Tx) error { return tx.Bucket(bucketMeta).Delete(keyFormatVersion) },
			err:  ErrCorrupt,
		},
		{
			name: "short counter",
			edit: func(tx *bbolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyNextShardUID, []byte{1}) },
			err:  ErrCorrupt,
		},
		{
			name: "missing streams bucket",
			edit: func(tx *bbolt.Tx) error { return tx.DeleteBucket(bucketStreams) },
			err:  ErrCorrupt,
		},
		{
			name: "foreign file",
			edit: func(tx *bbolt.Tx) error {
				if _, err := tx.CreateBucket([]byte("something")); err != nil {
					return err
				}
				if err := tx.DeleteBucket(bucketMeta); err != nil {
					return err
				}
				return tx.DeleteBucket(bucketStreams)
			},
			err: ErrCorrupt,
		},
		{
			name: "undecodable stream",
			edit: func(tx *bbolt.Tx) error { return tx.Bucket(bucketStreams).Put([]byte("s"), []byte("{")) },
			err:  ErrCorrupt,
		},
		{
			name: "stream under another key",
			edit: func(tx *bbolt.Tx) error {
				b := tx.Bucket(bucketStreams)
				v := append([]byte(nil), b.Get([]byte("s"))...)
				return b.Put([]byte("t"), v)
			},
			err: ErrCorrupt,
		},
		{
			name: "invalid stream",
			edit: func(tx *bbolt.Tx) error {
				return editStream(tx, "s", func(s *Stream) { s.Retention = time.Minute })
			},
			err: ErrCorrupt,
		},
		{
			name: "id not below counter",
			edit: func(tx *bbolt.Tx) error {
				return editStream(tx, "s", func(s *Stream) { s.ID = 9 })
			},
			err: ErrCorrupt,
		},
		{
			name: "uid not below counter",
			edit: func(tx *bbolt.Tx) error {
				return tx.Bucket(bucketMeta).Put(keyNextShardUID, binary.BigEndian.AppendUint64(nil, 2))
			},
			err: ErrCorrupt,
		},
		{
			name: "uid shared by two streams",
			edit: func(tx *bbolt.Tx) error {
				return editStream(tx, "t", func(s *Stream) { s.Shards[0].UID = 1 })
			},
			err: ErrCorrupt,
		},
		{
			name: "id shared by two streams",
			edit: func(tx *bbolt.Tx) error {
				return editStream(tx, "t", func(s *Stream) { s.ID = 1 })
			},
			err: ErrCorrupt,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "catalog.db")
			c, err := Open(path)
			require.NoError(t, err)
			mustCreate(t, c, "s", 2)
			mustCreate(t, c, "t", 1)
			require.NoError(t, c.Close())
			editFile(t, path, tt.edit)

			_, err = Open(path)
			require.Error(t, err)
			require.Contains(t, err.Error(), path)
			require.ErrorIs(t, err, tt.err)
			if tt.msg != "" {
				require.Contains(t, err.Error(), tt.msg)
			}
		})
	}
}

// editStream rewrites one stored stream, bypassing validation.
func editStream(tx *bbolt.Tx, name string, fn func(*Stream)) error {
	b := tx.Bucket(bucketStreams)
	var s Stream
	if err := json.Unmarshal(b.Get([]byte(name)), &s); err != nil {
		return err
	}
	fn(&s)
	v, err := json.Marshal(&s)
	if err != nil {
		return err
	}
	return b.Put([]byte(name), v)
}

func TestWriteRefusedAfterFailedCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "catalog.db")
	c, err := open(path, &bbolt.Options{Timeout: time.Second, MaxSize: 1 << 20})
	require.NoError(t, err)
	defer func() { _ = c.Close() }()
	mustCreate(t, c, "s", 1)

	// The value fits in memory but not in the file: fn succeeds and the
	// commit fails.
	huge := map[string]string{"big": strings.Repeat("x", 4<<20)}
	_, err = c.UpdateStream("s", func(s *Stream) error { s.Tags = huge; return nil })
	require.ErrorIs(t, err, ErrWriteRefused)
	require.ErrorIs(t, err, berrors.ErrMaxSizeReached)

	got, err := c.Stream("s")
	require.NoError(t, err)
	require.Nil(t, got.Tags, "the cache keeps the committed value")
	_, err = c.CreateStream("t", 1, testNow, 0, "", nil)
	require.ErrorIs(t, err, ErrWriteRefused)
	require.ErrorIs(t, c.DeleteStream("s"), ErrWriteRefused)

	// Reopening clears the condition.
	require.NoError(t, c.Close())
	c, err = Open(path)
	require.NoError(t, err)
	mustCreate(t, c, "t", 1)
}
