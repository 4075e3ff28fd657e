package kinesis

import (
	"context"
	"time"

	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// Store is the part of the durable log the Kinesis API uses. *storage.Store
// satisfies it; so can any other implementation of docs/storage-api.md.
type Store interface {
	CreateStream(name string, shardCount int, retention time.Duration, mode string, tags map[string]string) (catalog.Stream, error)
	DeleteStream(name string) error
	Stream(name string) (catalog.Stream, error)
	Streams() []catalog.Stream
	UpdateStream(name string, fn func(*catalog.Stream) error) (catalog.Stream, error)

	Put(ctx context.Context, stream string, recs []storage.Record) ([]storage.PutResult, error)
	Seek(stream string, shard uint32, pos storage.Position) (uint64, error)
	Read(stream string, shard uint32, from uint64, maxRecords, maxBytes int) (storage.ReadResult, error)
	// Wait blocks until a record at or after offset from is readable, the
	// shard closes, or ctx is done; SubscribeToShard pushes on it.
	Wait(ctx context.Context, stream string, shard uint32, from uint64) error
	// Tip returns the offset one past the shard's last record.
	Tip(stream string, shard uint32) (next uint64, lastArrival time.Time, err error)
	// Reshard closes open shards and creates new ones in one transaction
	// (SplitShard, MergeShards, UpdateShardCount, on-demand scaling).
	Reshard(ctx context.Context, stream string, close []uint32, create []storage.NewShard) (catalog.Stream, error)
}
