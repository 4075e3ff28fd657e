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
}
