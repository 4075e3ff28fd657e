// Package firehose implements delivery streams: the Firehose_20150804 API
// and the delivery engine behind it.
//
// # Model
//
// Every delivery stream owns a hidden stream of the storage engine named
// HiddenPrefix+name. PutRecord and PutRecordBatch append to it and answer
// only once the store has acknowledged the records (durable under the
// store's fsync policy), so an accepted record survives a crash until it
// is delivered. The delivery stream's metadata lives in that stream's
// catalog attributes, its tags are the stream's tags.
//
// One worker per shard of the hidden stream reads records in order, runs
// them through the processing pipeline (de-aggregation, HTTP transform,
// jq partition keys, prefix evaluation), adds them to buffers keyed by
// their evaluated prefix, and flushes a buffer when its size or interval
// hint is reached: it formats the buffer (Parquet, or delimited and
// compressed bytes), writes it to the destination with retries, then
// saves a checkpoint.
//
// # Exactly-once files
//
// An object's name is derived from its buffer's key and first source
// position (process.Seed), never from a clock or a random source. The
// checkpoint records the low watermark (every record below it is
// delivered) and, per buffer key, the last delivered position. After a
// crash a worker re-reads from the watermark, skips what the checkpoint
// says is delivered, and rebuilds the same buffers: an object written
// before the crash but not checkpointed is written again under the same
// name, replacing it. docs/firehose-design.md has the argument.
//
// # Concurrency
//
// Service is safe for concurrent use. API calls take the service lock
// only to find a delivery stream; a delivery stream's metadata has its own
// lock. Workers own their buffers and checkpoints exclusively. Close stops
// the workers (buffered records stay in storage and are delivered after
// the next start).
package firehose
