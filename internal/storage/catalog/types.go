package catalog

import (
	"time"
)

// Stream status values, as Kinesis names them.
const (
	StatusCreating = "CREATING"
	StatusActive   = "ACTIVE"
	StatusDeleting = "DELETING"
	StatusUpdating = "UPDATING"
)

// Retention bounds and default.
const (
	DefaultRetention = 24 * time.Hour
	MinRetention     = time.Hour
	MaxRetention     = 8760 * time.Hour
)

// Stream is the metadata of one stream. It is a plain value: callers get
// copies and change the catalog only through Catalog methods.
type Stream struct {
	// Name is unique among live streams.
	Name string `json:"name"`
	// ID is unique for the life of the catalog and never reused, so data
	// of a deleted stream can never be taken for a new stream of the same
	// name.
	ID uint64 `json:"id"`
	// Status is one of the Status constants.
	Status string `json:"status"`
	// CreatedAt is the creation time, as given by the caller's clock.
	CreatedAt time.Time `json:"created_at"`
	// Retention is how long records stay readable (1 h to 8760 h).
	Retention time.Duration `json:"retention"`
	// Mode is the capacity mode ("PROVISIONED" or "ON_DEMAND"); the catalog
	// stores it without interpreting it.
	Mode string `json:"mode"`
	// Tags are the stream's tags.
	Tags map[string]string `json:"tags,omitempty"`
	// Attrs holds further per-stream settings owned by layers above
	// storage (encryption, monitoring, ...), stored without interpretation.
	Attrs map[string]string `json:"attrs,omitempty"`
	// Shards lists every shard the stream has had, open and closed, in
	// index order. Shards[i].Index == i.
	Shards []Shard `json:"shards"`
}

// Shard is the metadata of one shard.
type Shard struct {
	// Index is the shard's number within its stream; its ID is
	// ShardID(Index).
	Index uint32 `json:"index"`
	// UID is unique across the whole catalog and never reused; the data
	// log tags records with it.
	UID uint64 `json:"uid"`
	// ParentIndex and AdjacentParentIndex name the parents, or are -1.
	ParentIndex         int64 `json:"parent"`
	AdjacentParentIndex int64 `json:"adjacent_parent"`
	// HashKeyStart and HashKeyEnd bound the shard's hash-key range,
	// inclusive, as decimal strings.
	HashKeyStart string `json:"hash_start"`
	HashKeyEnd   string `json:"hash_end"`
	// SeqBase is the sequence counter of the shard's first record (offset
	// 0); see package seqnum.
	SeqBase uint64 `json:"seq_base"`
	// Closed is set when the shard stops taking writes (split or merge).
	// EndOffset is then the offset one past its last record.
	Closed    bool   `json:"closed,omitempty"`
	EndOffset uint64 `json:"end_offset,omitempty"`
	// TrimOffset is the lowest offset that may still be on disk: records
	// below it were removed by retention. The data layer raises it before
	// it deletes the bytes, so offsets are never reused even when every
	// record of a shard has expired.
	TrimOffset uint64 `json:"trim_offset,omitempty"`
	// CreatedAt is when the shard was created.
	CreatedAt time.Time `json:"created_at"`
}

// ShardID returns the Kinesis shard ID of the shard with the given index:
// "shardId-" followed by the index in 12 decimal digits.
func ShardID(index uint32) string {
	const prefix = "shardId-"
	var b [len(prefix) + 12]byte
	copy(b[:], prefix)
	for i, v := len(b)-1, index; i >= len(prefix); i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[:])
}

// Open reports whether the shard takes writes.
func (s Shard) Open() bool { return !s.Closed }
