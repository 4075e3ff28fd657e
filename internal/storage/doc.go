// Package storage is Eddy's durable log: streams of shards of records, kept
// on local disk with group commit, crash recovery and retention. It holds no
// HTTP and no AWS types; the API layers sit on top of it.
//
// # Model
//
// A Store has a catalog (package catalog, bbolt) of streams and shards, and
// one store-wide data log (docs/format/log.md): a sequence of segment files
// into which the batches of every shard are appended, interleaved. A shard
// is an ordered sequence of records numbered by offset 0, 1, 2, ...; a
// record's sequence number is its shard's SeqBase plus its offset, encoded
// with the shard index (package seqnum).
//
// # Writes and group commit
//
// Put and Append route records to shards, and for each shard, under the
// shard's append lock, give the records their offsets and an arrival time
// (never earlier than the shard's previous one), encode them as one batch
// frame and queue it for the committer. A single committer goroutine takes
// everything queued, writes it to the active segment, fsyncs once
// (FsyncAlways), makes the batches visible to readers and wakes the
// appenders. Appends that arrive while an fsync runs wait for the next one,
// so concurrent appends across all shards and streams share fsyncs, and the
// number of fsyncs does not grow with the number of shards written.
//
// # Invariants
//
//   - An append returns success only once its batch is written and, under
//     FsyncAlways, fsynced. A record is visible to readers only once it is
//     acknowledged (and so, under FsyncAlways, durable).
//   - Within a shard, offsets are contiguous and batches are committed in
//     offset order; arrival times never decrease.
//   - The first write, fsync or rename error of the log is sticky: every
//     later append fails with an error wrapping ErrWriteRefused and the
//     original error, until the store is reopened. Reads keep working.
//   - A record is never returned from bytes whose CRC does not match.
//   - After a crash, Open keeps every record that was fsynced, truncates
//     the torn tail of the active segment, and reads only that segment and
//     the small index summaries of sealed ones, so opening time does not
//     grow with the amount of retained data.
//   - Shard trim offsets are raised in the catalog before a segment is
//     deleted, so offsets, and so sequence numbers, are never reused.
//
// # Concurrency
//
// A Store is safe for concurrent use. Appends to one shard serialize on the
// shard's append lock (for ordering); appends to different shards proceed
// in parallel up to the committer. Readers never block appenders: each
// shard's index is guarded by a read-write lock held only to look up or
// publish index entries, never during IO. Wait blocks on a channel closed
// at each commit that publishes records of the shard, so push consumers do
// not poll.
package storage
