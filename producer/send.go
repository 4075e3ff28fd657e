package producer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
)

// input encodes the batch as a PutRecords request.
func (b *batch) input(stream string) *kinesis.PutRecordsInput {
	in := &kinesis.PutRecordsInput{Records: make([]types.PutRecordsRequestEntry, len(b.entries))}
	in.StreamName, in.StreamARN = streamInput(stream)
	size := 0
	for _, e := range b.entries {
		size += e.size
	}
	buf := make([]byte, 0, size) // one buffer for all aggregated records
	for i, e := range b.entries {
		first := &b.records[e.from]
		entry := &in.Records[i]
		entry.PartitionKey = &first.PartitionKey
		if first.ExplicitHashKey != "" {
			entry.ExplicitHashKey = &first.ExplicitHashKey
		}
		if !e.aggregated {
			entry.Data = first.Data
			continue
		}
		start := len(buf)
		buf = appendAggregatedRecords(buf, e.keys, e.hashKeys, b.records[e.from:e.to])
		entry.Data = buf[start:len(buf):len(buf)]
	}
	return in
}

// send makes the PutRecords call of a batch and completes it.
func (p *Producer) send(b *batch) {
	defer p.wg.Done()
	in := b.input(p.stream)
	ctx, cancel := context.WithTimeout(p.ctx, p.opts.RequestTimeout)
	start := time.Now()
	out, err := p.client.PutRecords(ctx, in)
	cancel()
	if err == nil && len(out.Records) != len(in.Records) {
		err = fmt.Errorf("put records: %d results for %d records", len(out.Records), len(in.Records))
	}
	latency := time.Since(start)
	p.requests.Add(1)
	p.metrics.Request(latency, err)
	p.logger.Debug("put records", "shard_id", b.shard.id, "records", len(b.records),
		"kinesis_records", len(in.Records), "latency", latency, "error", err)
	p.complete(b, out, err)
}

// complete handles the outcome of a batch's call: it delivers the results
// of the records that finished, puts the ones to retry back at the front
// of the shard's queue, and sets the shard's backoff.
//
// A record written to another shard than the batch's means the shard map
// is stale (the stream was resharded). A plain record is still where its
// key belongs. An aggregated record went where its first user record
// belongs, so its other user records may be in a sibling of their shard:
// like the KPL, the producer puts again those with another hash key than
// the first (consumers drop the strays, see DeaggregateShardRecords), and
// sends nothing until it has listed the shards again.
func (p *Producer) complete(b *batch, out *kinesis.PutRecordsOutput, callErr error) {
	s := b.shard
	aborted := p.aborted.Load()
	if callErr != nil && !aborted {
		callErr = fmt.Errorf("put records: %w", callErr)
	}
	permanent := callErr != nil && permanentError(callErr)
	var (
		results                 []Result
		finished                tally
		retry                   []record
		written, bytes, entries int
		failed, failures        int
		lastErr                 error
		onlyThrottled           = true // every failure was throttling
		wrongShard              string
	)
	for i, e := range b.entries {
		var (
			entryErr            error
			shardID, sequenceNo string
			elsewhere           bool // written to an unexpected shard
		)
		if callErr != nil {
			entryErr = callErr
		} else if res := out.Records[i]; res.ErrorCode != nil {
			entryErr = &RecordError{Code: *res.ErrorCode, Message: aws.ToString(res.ErrorMessage)}
		} else {
			shardID, sequenceNo = aws.ToString(res.ShardId), aws.ToString(res.SequenceNumber)
			if elsewhere = s.id != "" && shardID != s.id; elsewhere {
				wrongShard = shardID
			}
			entries++
		}
		if entryErr != nil {
			lastErr = entryErr
			failures++
			var recErr *RecordError
			if !(errors.As(entryErr, &recErr) && recErr.Code == "ProvisionedThroughputExceededException") && !throttled(entryErr) {
				onlyThrottled = false
			}
		}
		first := b.records[e.from].route
		for j := e.from; j < e.to; j++ {
			r := &b.records[j]
			r.attempts++
			res := Result{Record: r.Record, Attempts: int(r.attempts)}
			switch {
			case entryErr == nil && elsewhere && e.aggregated && r.route != first && !aborted:
				retry = append(retry, *r) // maybe a stray: put it again
				continue
			case entryErr == nil:
				written++
				bytes += len(r.Data)
				res.ShardID, res.SequenceNumber = shardID, sequenceNo
				if e.aggregated {
					res.Aggregated, res.SubSequenceNumber = true, j-e.from
				}
			case aborted:
				res.Err = ErrClosed
				failed++
			case permanent || int(r.attempts) >= p.opts.MaxAttempts:
				res.Err = entryErr
				failed++
			default:
				retry = append(retry, *r)
				continue
			}
			finished.add(r)
			if p.opts.OnResult != nil || r.Done != nil {
				results = append(results, res)
			}
		}
	}

	p.records.Add(int64(written))
	p.bytes.Add(int64(bytes))
	p.kinesisRecords.Add(int64(entries))
	p.retries.Add(int64(len(retry)))
	p.errors.Add(int64(failed))
	if written > 0 {
		p.metrics.Written(written, bytes, entries)
	}
	if len(retry) > 0 {
		p.metrics.Retried(len(retry))
	}
	if failed > 0 {
		p.metrics.Failed(failed)
	}
	if lastErr != nil && !aborted {
		level := slog.LevelWarn
		if onlyThrottled && failed == 0 {
			level = slog.LevelDebug // routine: the backoff handles it
		}
		p.logger.Log(context.Background(), level, "put records failed", "shard_id", s.id, "records", len(b.records),
			"retried", len(retry), "failed", failed, "error", lastErr)
	}

	// Callbacks run while the shard is still in flight, so that those of
	// its next batch come after.
	p.deliver(results, nil, nil)

	p.mu.Lock()
	if len(retry) > 0 {
		s.pushFront(retry)
	}
	if failures > 0 {
		s.failures++
		s.retryAt = p.now() + p.backoff(s.failures)
	} else {
		s.failures = 0
	}
	switch {
	case wrongShard != "":
		p.logger.Info("records written to another shard; listing the shards again",
			"shard_id", s.id, "written_to", wrongShard)
		p.refreshWanted, p.stale = true, true
	case callErr != nil && !aborted && !throttled(callErr):
		p.refreshWanted = true
	}
	s.inFlight = false
	p.inFlight--
	p.finish(finished)
	p.recycle(b.records)
	p.mu.Unlock()
	p.wake()
}

// backoff returns the delay before the next call of a shard after n
// consecutive calls with failures: a random delay in [d/2, d], d =
// min(RetryMaxDelay, RetryBaseDelay * 2^(n-1)).
func (p *Producer) backoff(n int) time.Duration {
	d := p.opts.RetryMaxDelay
	if n <= 30 {
		d = min(d, p.opts.RetryBaseDelay<<(n-1))
	}
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// permanentError reports whether a failed call must not be retried: the
// request itself is wrong (missing stream, bad arguments, no access).
func permanentError(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode() {
	case "ResourceNotFoundException", "InvalidArgumentException", "ValidationException",
		"AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException",
		"IncompleteSignature", "MissingAuthenticationToken", "SerializationException",
		"KMSAccessDeniedException", "KMSDisabledException", "KMSInvalidStateException",
		"KMSNotFoundException", "KMSOptInRequired":
		return true
	}
	return false
}

// throttled reports whether a failed call was throttled, which says
// nothing about the shard map.
func throttled(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode() {
	case "ProvisionedThroughputExceededException", "LimitExceededException", "ThrottlingException":
		return true
	}
	return false
}

// appendAggregatedRecords appends the aggregated record of records, whose
// pkIndex and ehkIndex index keys and hashKeys.
func appendAggregatedRecords(dst []byte, keys, hashKeys []string, records []record) []byte {
	return appendAggregated(dst, keys, hashKeys, len(records), func(i int) (int, int, []byte) {
		r := &records[i]
		return int(r.pkIndex), int(r.ehkIndex), r.Data
	})
}
