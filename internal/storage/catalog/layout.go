package catalog

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"go.etcd.io/bbolt"
)

// The bbolt layout; part of the on-disk format (docs/format/catalog.md).
var (
	bucketMeta    = []byte("meta")
	bucketStreams = []byte("streams")

	keyFormatVersion = []byte("format_version")
	keyNextStreamID  = []byte("next_stream_id")
	keyNextShardUID  = []byte("next_shard_uid")
)

// formatVersion is the layout version this build writes and reads.
const formatVersion = 1

// firstID is the first stream ID and shard UID handed out; 0 means none.
const firstID = 1

// createLayout writes the buckets and keys of a new catalog.
func createLayout(tx *bbolt.Tx) error {
	meta, err := tx.CreateBucket(bucketMeta)
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketMeta, err)
	}
	if _, err := tx.CreateBucket(bucketStreams); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketStreams, err)
	}
	for _, kv := range []struct {
		key   []byte
		value uint64
	}{
		{keyFormatVersion, formatVersion},
		{keyNextStreamID, firstID},
		{keyNextShardUID, firstID},
	} {
		if err := putUint64(meta, kv.key, kv.value); err != nil {
			return err
		}
	}
	return nil
}

// buckets returns the two buckets of an initialized catalog.
func buckets(tx *bbolt.Tx) (meta, streams *bbolt.Bucket, err error) {
	meta, streams = tx.Bucket(bucketMeta), tx.Bucket(bucketStreams)
	if meta == nil || streams == nil {
		return nil, nil, fmt.Errorf("not an eddy catalog: missing bucket %q or %q: %w", bucketMeta, bucketStreams, ErrCorrupt)
	}
	return meta, streams, nil
}

// getUint64 reads a big-endian uint64 value.
func getUint64(b *bbolt.Bucket, key []byte) (uint64, error) {
	v := b.Get(key)
	if len(v) != 8 {
		return 0, fmt.Errorf("key %s: want 8 bytes, have %d: %w", key, len(v), ErrCorrupt)
	}
	return binary.BigEndian.Uint64(v), nil
}

// putUint64 writes a big-endian uint64 value.
func putUint64(b *bbolt.Bucket, key []byte, v uint64) error {
	if err := b.Put(key, binary.BigEndian.AppendUint64(nil, v)); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// load checks the format version and reads every stream, checking the
// invariants that span streams.
func load(tx *bbolt.Tx) (byName map[string]*Stream, byID map[uint64]*Stream, err error) {
	meta, streams, err := buckets(tx)
	if err != nil {
		return nil, nil, err
	}
	version, err := getUint64(meta, keyFormatVersion)
	if err != nil {
		return nil, nil, err
	}
	if version != formatVersion {
		return nil, nil, fmt.Errorf("format version %d (this build reads %d): %w", version, formatVersion, ErrUnsupportedVersion)
	}
	nextStreamID, err := getUint64(meta, keyNextStreamID)
	if err != nil {
		return nil, nil, err
	}
	nextShardUID, err := getUint64(meta, keyNextShardUID)
	if err != nil {
		return nil, nil, err
	}
	byName = make(map[string]*Stream)
	byID = make(map[uint64]*Stream)
	uids := make(map[uint64]string)
	err = streams.ForEach(func(k, v []byte) error {
		s, err := decodeStream(v)
		if err != nil {
			return fmt.Errorf("stream %q: %w", k, err)
		}
		if s.Name != string(k) {
			return fmt.Errorf("stream %q: stored under key %q: %w", s.Name, k, ErrCorrupt)
		}
		if err := validateStream(s); err != nil {
			return fmt.Errorf("stream %q: %w: %w", k, ErrCorrupt, err)
		}
		if s.ID >= nextStreamID {
			return fmt.Errorf("stream %q: id %d not below next_stream_id %d: %w", k, s.ID, nextStreamID, ErrCorrupt)
		}
		if other := byID[s.ID]; other != nil {
			return fmt.Errorf("streams %q and %q share id %d: %w", other.Name, k, s.ID, ErrCorrupt)
		}
		for _, sh := range s.Shards {
			if sh.UID >= nextShardUID {
				return fmt.Errorf("stream %q: shard uid %d not below next_shard_uid %d: %w", k, sh.UID, nextShardUID, ErrCorrupt)
			}
			if other, dup := uids[sh.UID]; dup {
				return fmt.Errorf("streams %q and %q share shard uid %d: %w", other, k, sh.UID, ErrCorrupt)
			}
			uids[sh.UID] = s.Name
		}
		byName[s.Name], byID[s.ID] = s, s
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return byName, byID, nil
}

// decodeStream decodes a stored stream value.
func decodeStream(v []byte) (*Stream, error) {
	var s Stream
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, fmt.Errorf("decode: %w: %w", ErrCorrupt, err)
	}
	return &s, nil
}

// putStream stores s under its name and returns the stream as it will be
// read back from the file, which becomes the cached value: encoding may
// normalize it (time zones, monotonic clock readings, empty maps).
func putStream(b *bbolt.Bucket, s *Stream) (*Stream, error) {
	v, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode: %w: %w", ErrInvalid, err)
	}
	stored, err := decodeStream(v)
	if err != nil {
		return nil, fmt.Errorf("read back encoded stream: %w", err)
	}
	if err := b.Put([]byte(s.Name), v); err != nil {
		return nil, fmt.Errorf("put: %w", err)
	}
	return stored, nil
}
