// Package catalog keeps Eddy's stream metadata: streams, their shards,
// hash-key ranges and lineage. It is stored in one bbolt file (the byte
// layout is in docs/format/catalog.md) and mirrored in memory.
//
// # Model
//
// A Stream is a plain value. Callers get deep copies and change the
// catalog only through its methods, each of which is one bbolt read-write
// transaction:
//
//	CreateStream   adds a stream with N shards splitting the hash space
//	UpdateStream   read-modify-write of one stream (status, retention,
//	               tags, attrs, shard closing and trimming, ...)
//	AddShards      the same, and fn may append shards (split, merge)
//	DeleteStream   removes a stream
//
// A mutation that returns nil is durable: bbolt fsyncs the file when the
// transaction commits. A mutation that returns an error changed nothing,
// neither on disk nor in memory. If a commit itself fails, the catalog
// refuses further writes (ErrWriteRefused) until it is reopened, because
// the file may then hold either the old or the new value.
//
// # Invariants
//
// Open checks them on every stream it loads and every mutation checks
// them before it commits; a violation is an error wrapping ErrInvalid
// (ErrCorrupt when loading).
//
//   - Stream IDs and shard UIDs come from counters kept in the file and are
//     never reused, not even after DeleteStream or a reopen; 0 is never a
//     valid ID or UID. Data tagged with a UID therefore belongs to exactly
//     one shard of one stream, ever.
//   - Name and ID of a stream never change. Names are non-empty valid
//     UTF-8 of at most MaxNameLength bytes; the API layer enforces the
//     stricter Kinesis pattern.
//   - Retention lies in [MinRetention, MaxRetention]; Status is one of the
//     Status constants.
//   - A stream has between 1 and MaxShards shards, Shards[i].Index == i,
//     and shards are never removed. A shard's UID, parents, hash-key range
//     and SeqBase never change. Parents have lower indexes. Closing is
//     final: a closed shard stays closed and keeps its EndOffset; an open
//     shard has EndOffset 0. TrimOffset never decreases and, on a closed
//     shard, does not pass EndOffset.
//   - The open shards' hash-key ranges tile [0, 2^128-1] exactly, without
//     gaps or overlaps, so every hash key routes to one open shard. A split
//     or merge must therefore close the parents and append the children in
//     one AddShards call.
//   - New shards get their UIDs only from the newUID function of the
//     AddShards call that appends them.
//
// # Concurrency
//
// A Catalog is safe for concurrent use. Readers (Stream, Streams,
// StreamByID, LiveShardUIDs) take a read lock on the in-memory cache only
// and never touch bbolt; they keep answering from the cache after Close.
// Writers are serialized by a mutex held for the whole mutation, so the
// cache changes in commit order and only after a successful commit;
// readers see either the old or the new stream, never a mix. Cached
// values are never modified in place, only replaced. The fn callbacks run
// with the writer mutex held: they may call readers but must not call
// another mutating method (that deadlocks).
package catalog
