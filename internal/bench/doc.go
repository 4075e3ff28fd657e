// Package bench is the engine of `eddy bench`: a load generator and latency
// meter for any endpoint that speaks the Kinesis Data Streams API (Eddy,
// kinesalite, AWS).
//
// # Model
//
// Run creates a stream (or uses an existing one), waits until it is ACTIVE,
// and takes a LATEST shard iterator for every open shard. Then, for
// Config.Duration, Config.Producers goroutines call PutRecords (or
// PutRecord) in a closed loop, each call carrying Config.BatchSize records of
// Config.RecordSize bytes, while one consumer goroutine per shard polls
// GetRecords. Every payload starts with a header holding the time it was
// sent (see payload.go), so a consumer measures put-to-read latency, using
// the same clock, as soon as it sees a record. When the producers stop, the
// consumers drain until they have read every acknowledged record or
// Config.DrainTimeout passes. The stream is deleted at the end unless it
// existed before or Config.Keep is set.
//
// # Measurements
//
// Latencies go into log-linear histograms (Histogram) with under 1% error
// and constant memory. Throughput counts acknowledged records and their data
// bytes (partition keys excluded) over the producing time; MB means 10^6
// bytes. Whole-call failures are errors, or throttles when the service says
// ProvisionedThroughputExceeded, LimitExceeded or Throttling; failed entries
// of a PutRecords call count the same way per record. Failed records are not
// retried: the benchmark measures what the endpoint accepts.
//
// # Concurrency
//
// Each producer and consumer owns its histograms and merges them into the
// Result after it stops; shared counters are atomics, read once per
// Config.ProgressInterval for the progress callback.
package bench
