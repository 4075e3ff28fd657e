package producer

import (
	"errors"
	"time"
)

// Record is a record to put.
type Record struct {
	// PartitionKey picks the shard (by its MD5 hash) and orders the record
	// among those of the same key: 1 to 256 Unicode characters.
	PartitionKey string
	// ExplicitHashKey, if set, is a decimal hash key in [0, 2^128-1] that
	// picks the shard instead of the partition key's hash.
	ExplicitHashKey string
	// Data is the record's payload. The producer keeps it, without a
	// copy, until the record's result: do not modify it before then.
	Data []byte
	// Done, if set, is called once with the record's result, after
	// Options.OnResult.
	Done func(Result)
}

// Result is the outcome of one record. Results are delivered on the
// producer's goroutines, possibly concurrently for records of different
// shards; for the records of one shard (so of one partition key) they are
// delivered one at a time, in the order the records were written. A
// callback must not block for long, nor call Flush or Close; it may call
// Put, but a Put that waits for room in a full buffer may wait forever.
type Result struct {
	// Record is the record as given to Put (Done included).
	Record Record
	// ShardID and SequenceNumber locate the written record. With
	// aggregation, the sequence number is that of the aggregated Kinesis
	// record and SubSequenceNumber is the record's index in it.
	ShardID           string
	SequenceNumber    string
	SubSequenceNumber int
	// Aggregated is true when the record was written inside an aggregated
	// Kinesis record (see Deaggregate).
	Aggregated bool
	// Attempts is the number of PutRecords calls the record took part in.
	Attempts int
	// Err is nil when the record was written. Otherwise it is the reason
	// it failed for good: a *RecordError from the last attempt, the error
	// of the last PutRecords call, or ErrClosed.
	Err error
}

var (
	// ErrClosed is returned by Put after Close, and is the error of the
	// records that Close dropped because its context ended first.
	ErrClosed = errors.New("producer closed")
	// ErrBufferFull is returned by Put when the buffer is full and
	// Options.FailWhenFull is set.
	ErrBufferFull = errors.New("producer buffer full")
	// ErrInvalidRecord is wrapped by the errors of records Put rejects.
	ErrInvalidRecord = errors.New("invalid record")
)

// RecordError is a failure Kinesis reported for one record of a
// PutRecords call, such as ProvisionedThroughputExceededException or
// InternalFailure.
type RecordError struct {
	Code    string
	Message string
}

// Error returns the code and the message.
func (e *RecordError) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// Metrics receives counts from a producer. Its methods are called from
// the producer's goroutines, possibly concurrently, and must be fast. Embed
// NopMetrics to implement only some of them.
type Metrics interface {
	// Written is called after each PutRecords call with the user records
	// it wrote, their data bytes, and the Kinesis records that carried
	// them (fewer than records with aggregation).
	Written(records, bytes, kinesisRecords int)
	// Retried is called with the records of a call that will be retried.
	Retried(records int)
	// Failed is called with records that failed for good.
	Failed(records int)
	// Request is called after each PutRecords call with its latency and
	// error (nil when the call succeeded, even if some records failed).
	Request(latency time.Duration, err error)
	// Buffered reports the records (and their bytes) accepted and not yet
	// finished. It is called from one goroutine at a time, after batches
	// are sent or finish.
	Buffered(records, bytes int)
}

// NopMetrics implements Metrics by doing nothing.
type NopMetrics struct{}

// Written does nothing.
func (NopMetrics) Written(records, bytes, kinesisRecords int) {}

// Retried does nothing.
func (NopMetrics) Retried(records int) {}

// Failed does nothing.
func (NopMetrics) Failed(records int) {}

// Request does nothing.
func (NopMetrics) Request(latency time.Duration, err error) {}

// Buffered does nothing.
func (NopMetrics) Buffered(records, bytes int) {}

// Stats are cumulative counts of a producer, from Producer.Stats.
type Stats struct {
	// Records and Bytes are the user records written and their data
	// bytes; KinesisRecords the Kinesis records that carried them.
	Records, Bytes, KinesisRecords int64
	// Requests is the number of PutRecords calls made.
	Requests int64
	// Retries counts record retries; Errors records that failed for good.
	Retries, Errors int64
	// BufferedRecords and BufferedBytes are the records accepted and not
	// yet finished, now.
	BufferedRecords, BufferedBytes int
	// Shards is the number of shards in the producer's shard map (1 before
	// the stream's shards are known).
	Shards int
}
