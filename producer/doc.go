// Package producer writes records to a Kinesis data stream (Eddy's or
// AWS's) efficiently: the Go counterpart of the Kinesis Producer Library.
//
// # Model
//
// Put adds a record to an in-memory buffer and returns at once. The
// producer keeps a map of the stream's open shards (from ListShards) and
// a queue per shard; records go to the queue of the shard their partition
// key (or explicit hash key) hashes to. A shard's queue is sent as one
// PutRecords call when it holds a full batch (Options.MaxBatchRecords
// records or Options.MaxBatchBytes bytes), when its oldest record has
// waited Options.Linger, or on Flush and Close. Each shard has at most one
// call in flight; shards are sent concurrently.
//
// With Options.Aggregate, the records of a batch are packed into
// aggregated records in the KPL format (many user records in one Kinesis
// record), which cuts the per-record cost on both sides. Consumers split
// them with DeaggregateShardRecords or DeaggregateRecords (or Deaggregate
// for one record's data); the KCL and aws-kinesis-agg read them too.
//
// Every accepted record gets exactly one Result, through Options.OnResult
// and Record.Done: where it was written (shard, sequence number), or why it
// failed for good. Records that Kinesis fails (throttling, internal
// errors) or whose call fails are retried, up to Options.MaxAttempts calls,
// after an exponential backoff with jitter of their shard.
//
// # Order
//
// Records of one partition key are written in the order of their Puts,
// even when some are retried (if some have explicit hash keys, the order
// holds among the records of one partition key and hash key, which go to
// one shard): a partition key appears in at most one
// Kinesis record of a call (one plain record, or one aggregated record
// holding several of its records), failed records go back to the front of
// their shard's queue, and the shard sends nothing else until they are
// retried. The price is that, without aggregation, a call carries at most
// one record per partition key, so a few hot keys make small calls: use
// Aggregate, or Options.Unordered if order under retries does not matter.
// A record that fails for good is skipped: later records of its key are
// still written. The order holds across resharding, since the producer
// waits for its calls in flight before it moves queued records to the new
// shards.
//
// # Memory and backpressure
//
// Records are buffered, without copying their data, from Put until their
// result is delivered. Options.MaxBufferedBytes and
// Options.MaxBufferedRecords bound the buffer: when it is full, Put waits
// for room (until its context ends) or, with Options.FailWhenFull, returns
// ErrBufferFull.
//
// # Shard map
//
// The producer lists the shards when it starts (and sends nothing until
// then), and again when a call writes a record to a shard other than the
// one it was batched for (the stream was resharded) or fails for a reason
// other than throttling. New shards take over the queued records once no
// call is in flight, so keys stay in order across resharding. A stale map
// costs little: Kinesis routes each record by its hash key, whatever batch
// it came in. But an aggregated record goes to the shard of its first user
// record, so after resharding its other user records may land in a
// sibling of their shard: the producer puts those again, and consumers
// drop the strays with DeaggregateShardRecords, as the KPL and the KCL do.
//
// # Concurrency
//
// A Producer is safe for concurrent use. It runs one goroutine, plus one
// per call in flight; Close ends them all. Callbacks and Metrics are
// called from those goroutines (see Result).
package producer
