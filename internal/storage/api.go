package storage

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/eddy-streaming/eddy/internal/storage/vfs"
)

// FsyncPolicy says when appended bytes are forced to stable storage.
type FsyncPolicy int

const (
	// FsyncAlways acknowledges an append only once its bytes are fsynced.
	// Concurrent appends share fsyncs (group commit). The default.
	FsyncAlways FsyncPolicy = iota
	// FsyncInterval acknowledges once the bytes are written to the OS, and
	// fsyncs every Options.FsyncInterval. A power loss can lose up to one
	// interval of acknowledged records; a process crash loses nothing.
	FsyncInterval
	// FsyncNever leaves flushing to the OS (and to segment rolls and Close).
	FsyncNever
)

// ParseFsyncPolicy parses "always", "interval" or "never".
func ParseFsyncPolicy(s string) (FsyncPolicy, error) {
	switch s {
	case "always", "":
		return FsyncAlways, nil
	case "interval":
		return FsyncInterval, nil
	case "never":
		return FsyncNever, nil
	}
	return 0, fmt.Errorf("unknown fsync policy %q (want always, interval or never)", s)
}

func (p FsyncPolicy) String() string {
	switch p {
	case FsyncAlways:
		return "always"
	case FsyncInterval:
		return "interval"
	case FsyncNever:
		return "never"
	}
	return fmt.Sprintf("FsyncPolicy(%d)", int(p))
}

// Options configure a Store. The zero value of every field means its
// default; see DefaultOptions.
type Options struct {
	// Dir is the data directory. Required.
	Dir string
	// FS is the filesystem the data log is written through; nil means the
	// operating system's. The catalog (bbolt) always uses the OS.
	FS vfs.FS
	// Fsync is the durability policy. Default FsyncAlways.
	Fsync FsyncPolicy
	// FsyncInterval is the fsync period under FsyncInterval. Default 200ms.
	FsyncInterval time.Duration
	// SegmentSize is the size in bytes past which the log rolls to a new
	// segment file. Default 128 MiB.
	SegmentSize int64
	// MaxRecordSize is the largest data payload accepted, in bytes.
	// Default 10 MiB (the Kinesis maximum; the API layer applies its own,
	// usually smaller, limit).
	MaxRecordSize int
	// RetentionCheckInterval is how often expired segments are looked for.
	// Default 1 minute.
	RetentionCheckInterval time.Duration
	// Now is the clock; nil means time.Now. Arrival times, retention and
	// lag all read it.
	Now func() time.Time
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
	// Keyring supplies the master keys of encrypted streams (streams whose
	// Attrs[AttrEncryptionKeyID] is set). Nil means no stream can be
	// encrypted: appends to such a stream fail with ErrKeyUnavailable.
	Keyring Keyring
}

// Keyring resolves master keys for encryption at rest. *keyring.Keyring
// satisfies it.
type Keyring interface {
	// Current returns the newest version of a key, to encrypt with.
	Current(keyID string) (version uint32, key []byte, err error)
	// Key returns a given version of a key, to decrypt with.
	Key(keyID string, version uint32) ([]byte, error)
}

// AttrEncryptionKeyID is the catalog attribute (catalog.Stream.Attrs) naming
// the key a stream's new records are encrypted with; empty or absent means
// new records are stored in plain text. Records keep the key they were
// written with, so turning encryption on or off, or rotating the key,
// never makes older records unreadable.
const AttrEncryptionKeyID = "encryption_key_id"

// DefaultOptions returns the defaults for the given data directory.
func DefaultOptions(dir string) Options {
	o := Options{Dir: dir}
	o.ensureDefaults()
	return o
}

func (o *Options) ensureDefaults() {
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.FsyncInterval <= 0 {
		o.FsyncInterval = 200 * time.Millisecond
	}
	if o.SegmentSize <= 0 {
		o.SegmentSize = 128 << 20
	}
	if o.MaxRecordSize <= 0 {
		o.MaxRecordSize = 10 << 20
	}
	if o.RetentionCheckInterval <= 0 {
		o.RetentionCheckInterval = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Record is one record to append.
type Record struct {
	// PartitionKey routes the record (MD5 into the hash-key space) unless
	// ExplicitHashKey is set. Stored and returned with the record.
	PartitionKey string
	// ExplicitHashKey, if not empty, is the decimal hash key that routes
	// the record instead of the partition key's MD5.
	ExplicitHashKey string
	// Data is the payload, at most Options.MaxRecordSize bytes. The store
	// copies it; the caller may reuse the slice once Append returns.
	Data []byte
}

// PutResult is the outcome for one record of Put.
type PutResult struct {
	// ShardIndex is the shard the record was routed to.
	ShardIndex uint32
	// SequenceNumber is the record's sequence number (39 decimal digits).
	SequenceNumber string
	// Offset is the record's position in its shard (0 for the first).
	Offset uint64
	// ArrivalTime is the arrival timestamp given to the record.
	ArrivalTime time.Time
	// Err is set when this record was not stored; the other fields are
	// then zero.
	Err error
}

// StoredRecord is one record as read back.
type StoredRecord struct {
	Offset         uint64
	SequenceNumber string
	PartitionKey   string
	// Data aliases the read buffer of the ReadResult it came from.
	Data        []byte
	ArrivalTime time.Time
}

// PositionType says where a read starts.
type PositionType int

// The five starting positions, mirroring Kinesis shard iterator types.
const (
	AtSequence PositionType = iota
	AfterSequence
	TrimHorizon
	Latest
	AtTimestamp
)

// Position is a starting position in a shard.
type Position struct {
	Type PositionType
	// Sequence is the sequence number for AtSequence and AfterSequence.
	Sequence string
	// Timestamp is the arrival time for AtTimestamp: the read starts at
	// the first record that arrived at or after it.
	Timestamp time.Time
}

// ReadResult is what Read returns.
type ReadResult struct {
	// Records are the records read, in offset order.
	Records []StoredRecord
	// Next is the offset to read from next.
	Next uint64
	// MillisBehindLatest is how far, in milliseconds of arrival time, the
	// reader is behind the newest record of the shard after this read; 0
	// when it has read everything.
	MillisBehindLatest int64
	// EndOfShard is set when the shard is closed and Next is its end: no
	// record will ever be read from it again.
	EndOfShard bool
}

// Errors returned by Store methods. Test with errors.Is.
var (
	ErrStreamNotFound = errors.New("stream not found")
	ErrStreamExists   = errors.New("stream already exists")
	ErrShardNotFound  = errors.New("shard not found")
	ErrShardClosed    = errors.New("shard is closed")
	ErrRecordTooLarge = errors.New("record too large")
	ErrBadSequence    = errors.New("invalid sequence number")
	ErrBadHashKey     = errors.New("invalid explicit hash key")
	// ErrWriteRefused wraps the first write, fsync or rename error of the
	// log: from then on the store refuses writes until it is reopened.
	// Reads keep working.
	ErrWriteRefused = errors.New("log refuses writes after an earlier IO error")
	ErrClosed       = errors.New("store is closed")
	// ErrKeyUnavailable is returned (joined with the cause) when the key of
	// an encrypted stream or batch cannot be had from the keyring.
	ErrKeyUnavailable = errors.New("encryption key unavailable")
	ErrCorrupt        = errors.New("corrupt data")
)
