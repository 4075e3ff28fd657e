package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// getRecordsLimit is the largest Limit GetRecords accepts.
const getRecordsLimit = 10000

// consumer polls one shard and records put-to-read latency.
type consumer struct {
	api   API
	cfg   Config
	state *state
	shard string
	// readLatency holds, per benchmark record read, the time from its send
	// to the return of the GetRecords call that read it, in nanoseconds.
	readLatency Histogram
}

// latestIterator returns a LATEST iterator for the consumer's shard.
func (c *consumer) latestIterator(ctx context.Context) (string, error) {
	out, err := c.api.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
		StreamName:        &c.cfg.Stream,
		ShardId:           &c.shard,
		ShardIteratorType: types.ShardIteratorTypeLatest,
	})
	if err != nil {
		return "", fmt.Errorf("get shard iterator for %s: %w", c.shard, err)
	}
	return aws.ToString(out.ShardIterator), nil
}

// afterIterator returns an iterator just after sequence number seq, for
// recovering from an expired iterator.
func (c *consumer) afterIterator(ctx context.Context, seq string) (string, error) {
	if seq == "" {
		return c.latestIterator(ctx)
	}
	out, err := c.api.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
		StreamName:             &c.cfg.Stream,
		ShardId:                &c.shard,
		ShardIteratorType:      types.ShardIteratorTypeAfterSequenceNumber,
		StartingSequenceNumber: &seq,
	})
	if err != nil {
		return "", fmt.Errorf("get shard iterator for %s: %w", c.shard, err)
	}
	return aws.ToString(out.ShardIterator), nil
}

// run polls the shard from iterator until the state says the run is
// drained, the shard closes, or ctx is done.
func (c *consumer) run(ctx context.Context, iterator string) {
	var (
		lastSequence string
		backoff      time.Duration
		in           = &kinesis.GetRecordsInput{Limit: aws.Int32(getRecordsLimit)}
	)
	for ctx.Err() == nil && !c.state.drained() {
		if iterator == "" {
			var err error
			iterator, err = c.afterIterator(ctx, lastSequence)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				c.state.noteError(err, isThrottle(errorCode(err)), true)
				backoff = min(max(2*backoff, 10*time.Millisecond), 500*time.Millisecond)
				sleepUntil(ctx, time.Now().Add(backoff))
				continue
			}
		}
		in.ShardIterator = &iterator
		out, err := c.api.GetRecords(ctx, in)
		now := time.Now().UnixNano()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			code := errorCode(err)
			if code == "ExpiredIteratorException" {
				iterator = ""
				continue
			}
			c.state.noteError(err, isThrottle(code), true)
			backoff = min(max(2*backoff, 10*time.Millisecond), 500*time.Millisecond)
			sleepUntil(ctx, time.Now().Add(backoff))
			continue
		}
		backoff = 0
		var read, foreign int64
		for _, r := range out.Records {
			sent, err := payloadTime(r.Data)
			if err != nil {
				foreign++
				continue
			}
			read++
			c.readLatency.Record(now - sent)
		}
		if n := len(out.Records); n > 0 {
			lastSequence = aws.ToString(out.Records[n-1].SequenceNumber)
		}
		c.state.readRecords.Add(read)
		c.state.foreignRecords.Add(foreign)
		if out.NextShardIterator == nil {
			return // the shard is closed and read to its end
		}
		iterator = *out.NextShardIterator
		if len(out.Records) == 0 {
			sleepUntil(ctx, time.Now().Add(c.cfg.PollInterval))
		}
	}
}
