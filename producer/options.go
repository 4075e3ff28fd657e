package producer

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Defaults of Options, applied to zero fields.
const (
	DefaultLinger             = 100 * time.Millisecond
	DefaultMaxBatchRecords    = 500
	DefaultMaxBatchBytes      = 5 << 20
	DefaultMaxRecordSize      = 1 << 20
	DefaultMaxAggregatedBytes = 50 << 10
	DefaultMaxBufferedBytes   = 64 << 20
	DefaultMaxBufferedRecords = 200_000
	DefaultMaxAttempts        = 10
	DefaultRetryBaseDelay     = 100 * time.Millisecond
	DefaultRetryMaxDelay      = 5 * time.Second
	DefaultRequestTimeout     = 30 * time.Second
)

// Options configure a Producer. The zero value of every field means its
// default, so Options{} is a valid configuration.
type Options struct {
	// Linger is the longest a record waits in the buffer for more records
	// to share its PutRecords call. A shard's batch is sent earlier when it
	// is full, on Flush and Close, and when it holds retried records.
	// Default 100ms; set 1ns to send as soon as a shard is free.
	Linger time.Duration

	// MaxBatchRecords is the most Kinesis records in one PutRecords call
	// (with Aggregate, each may hold many user records). Default 500, the
	// Kinesis limit; at most 10000.
	MaxBatchRecords int
	// MaxBatchBytes bounds the data and partition keys of one PutRecords
	// call, in bytes. Default 5 MiB; at least MaxRecordSize.
	MaxBatchBytes int
	// MaxRecordSize is the largest record, data plus partition key, in
	// bytes; Put rejects larger ones. With Aggregate it also bounds an
	// aggregated record. Default 1 MiB, the Kinesis limit.
	MaxRecordSize int

	// Aggregate packs the user records of a shard into aggregated Kinesis
	// records in the KPL format (see Deaggregate), so that many small
	// records share one Kinesis record. Consumers must deaggregate.
	Aggregate bool
	// MaxAggregatedBytes bounds the data of one aggregated record, in
	// bytes. A user record that does not fit in an empty aggregate is sent
	// on its own. Default 50 KiB (the KPL's default); at most
	// MaxRecordSize-256.
	MaxAggregatedBytes int
	// MaxAggregatedRecords bounds the user records in one aggregated
	// record. Zero means no bound.
	MaxAggregatedRecords int

	// MaxBufferedBytes and MaxBufferedRecords bound the records accepted
	// by Put and not yet finished (written or failed for good): bytes count
	// data and partition keys. When either bound is reached, Put waits for
	// room (or returns ErrBufferFull, with FailWhenFull). A record larger
	// than MaxBufferedBytes is accepted when the buffer is empty. Defaults
	// 64 MiB and 200,000 records.
	MaxBufferedBytes   int
	MaxBufferedRecords int
	// FailWhenFull makes Put return ErrBufferFull at once instead of
	// waiting when the buffer is full.
	FailWhenFull bool

	// MaxAttempts is the most PutRecords calls a record takes part in
	// before it fails for good with its last error. Default 10; 1 means no
	// retries.
	MaxAttempts int
	// RetryBaseDelay and RetryMaxDelay shape the backoff of a shard after
	// a call with failed records: the n-th consecutive failed call waits
	// a random delay between d/2 and d, d = min(RetryMaxDelay,
	// RetryBaseDelay * 2^(n-1)). Defaults 100ms and 5s.
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration
	// RequestTimeout bounds one PutRecords or ListShards call (the
	// client's own retries included). Default 30s.
	RequestTimeout time.Duration

	// Unordered gives up the per-partition-key order of retried records:
	// a PutRecords call may then carry several records (or aggregated
	// records) of one partition key. It lets a few hot partition keys fill
	// large batches without Aggregate. See the package documentation.
	Unordered bool

	// OnResult, if set, is called once for every record with its result
	// (see Result for when and where). Record.Done is called after it.
	OnResult func(Result)
	// Metrics, if set, receives counts as records are written, retried
	// and failed.
	Metrics Metrics
	// Logger receives the producer's logs. Nil discards them.
	Logger *slog.Logger
}

// withDefaults returns o with zero fields set to their defaults.
func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	defDur(&o.Linger, DefaultLinger)
	def(&o.MaxBatchRecords, DefaultMaxBatchRecords)
	def(&o.MaxBatchBytes, DefaultMaxBatchBytes)
	def(&o.MaxRecordSize, DefaultMaxRecordSize)
	def(&o.MaxAggregatedBytes, min(DefaultMaxAggregatedBytes, o.MaxRecordSize-256))
	def(&o.MaxBufferedBytes, DefaultMaxBufferedBytes)
	def(&o.MaxBufferedRecords, DefaultMaxBufferedRecords)
	def(&o.MaxAttempts, DefaultMaxAttempts)
	defDur(&o.RetryBaseDelay, DefaultRetryBaseDelay)
	defDur(&o.RetryMaxDelay, max(DefaultRetryMaxDelay, o.RetryBaseDelay))
	defDur(&o.RequestTimeout, DefaultRequestTimeout)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// validate reports every problem of o (with defaults applied) at once.
func (o Options) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if o.Linger < 0 {
		bad("Linger: %v must not be negative", o.Linger)
	}
	if o.MaxBatchRecords < 1 || o.MaxBatchRecords > 10000 {
		bad("MaxBatchRecords: %d must be between 1 and 10000", o.MaxBatchRecords)
	}
	if o.MaxRecordSize < 257 {
		bad("MaxRecordSize: %d must be at least 257", o.MaxRecordSize)
	}
	if o.MaxBatchBytes < o.MaxRecordSize {
		bad("MaxBatchBytes: %d must be at least MaxRecordSize (%d)", o.MaxBatchBytes, o.MaxRecordSize)
	}
	if o.MaxAggregatedBytes < 1 || o.MaxAggregatedBytes > o.MaxRecordSize-256 {
		bad("MaxAggregatedBytes: %d must be between 1 and MaxRecordSize-256 (%d)", o.MaxAggregatedBytes, o.MaxRecordSize-256)
	}
	if o.MaxAggregatedRecords < 0 {
		bad("MaxAggregatedRecords: %d must not be negative", o.MaxAggregatedRecords)
	}
	if o.MaxBufferedBytes < 1 {
		bad("MaxBufferedBytes: %d must be positive", o.MaxBufferedBytes)
	}
	if o.MaxBufferedRecords < 1 {
		bad("MaxBufferedRecords: %d must be positive", o.MaxBufferedRecords)
	}
	if o.MaxAttempts < 1 {
		bad("MaxAttempts: %d must be positive", o.MaxAttempts)
	}
	if o.RetryBaseDelay < 0 || o.RetryMaxDelay < o.RetryBaseDelay {
		bad("RetryBaseDelay, RetryMaxDelay: %v, %v must satisfy 0 <= base <= max", o.RetryBaseDelay, o.RetryMaxDelay)
	}
	if o.RequestTimeout < 0 {
		bad("RequestTimeout: %v must not be negative", o.RequestTimeout)
	}
	return errors.Join(errs...)
}
