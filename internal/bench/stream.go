package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// API is the part of the Kinesis client the benchmark uses;
// *kinesis.Client satisfies it.
type API interface {
	CreateStream(ctx context.Context, in *kinesis.CreateStreamInput, opts ...func(*kinesis.Options)) (*kinesis.CreateStreamOutput, error)
	DescribeStream(ctx context.Context, in *kinesis.DescribeStreamInput, opts ...func(*kinesis.Options)) (*kinesis.DescribeStreamOutput, error)
	DeleteStream(ctx context.Context, in *kinesis.DeleteStreamInput, opts ...func(*kinesis.Options)) (*kinesis.DeleteStreamOutput, error)
	PutRecord(ctx context.Context, in *kinesis.PutRecordInput, opts ...func(*kinesis.Options)) (*kinesis.PutRecordOutput, error)
	PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, opts ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error)
	GetShardIterator(ctx context.Context, in *kinesis.GetShardIteratorInput, opts ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *kinesis.GetRecordsInput, opts ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error)
}

// randomStreamName returns "eddy-bench-" and 8 random hex digits.
func randomStreamName() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "eddy-bench-" + hex.EncodeToString(b[:])
}

// prepareStream makes sure the stream cfg names exists and is ACTIVE, and
// returns its open shards and whether this run created it.
func prepareStream(ctx context.Context, api API, cfg Config) (shards []string, created bool, err error) {
	_, err = api.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: &cfg.Stream, Limit: aws.Int32(1)})
	var notFound *types.ResourceNotFoundException
	switch {
	case err == nil:
		cfg.Logger.Info("using existing stream", "stream", cfg.Stream)
	case errors.As(err, &notFound):
		_, err = api.CreateStream(ctx, &kinesis.CreateStreamInput{
			StreamName: &cfg.Stream,
			ShardCount: aws.Int32(int32(cfg.Shards)),
		})
		if err != nil {
			return nil, false, fmt.Errorf("create stream %s: %w", cfg.Stream, err)
		}
		created = true
		cfg.Logger.Info("created stream", "stream", cfg.Stream, "shards", cfg.Shards)
	default:
		return nil, false, fmt.Errorf("describe stream %s: %w", cfg.Stream, err)
	}
	shards, err = waitActive(ctx, api, cfg.Stream, cfg.ActiveTimeout)
	if err != nil {
		return nil, created, err
	}
	return shards, created, nil
}

// waitActive polls DescribeStream until the stream is ACTIVE and returns the
// IDs of its open shards.
func waitActive(ctx context.Context, api API, stream string, timeout time.Duration) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	delay := 20 * time.Millisecond
	for {
		shards, status, err := describeShards(ctx, api, stream)
		if err != nil {
			return nil, err
		}
		if status == types.StreamStatusActive {
			return shards, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for stream %s to become ACTIVE (still %s): %w", stream, status, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Second)
	}
}

// describeShards returns the stream's status and the IDs of its open shards,
// following DescribeStream's pagination.
func describeShards(ctx context.Context, api API, stream string) ([]string, types.StreamStatus, error) {
	var (
		shards []string
		status types.StreamStatus
		start  *string
	)
	for {
		out, err := api.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: &stream, ExclusiveStartShardId: start})
		if err != nil {
			return nil, "", fmt.Errorf("describe stream %s: %w", stream, err)
		}
		d := out.StreamDescription
		status = d.StreamStatus
		for _, s := range d.Shards {
			if s.SequenceNumberRange == nil || s.SequenceNumberRange.EndingSequenceNumber == nil {
				shards = append(shards, aws.ToString(s.ShardId))
			}
		}
		if !aws.ToBool(d.HasMoreShards) || len(d.Shards) == 0 {
			return shards, status, nil
		}
		start = d.Shards[len(d.Shards)-1].ShardId
	}
}

// deleteStream deletes the stream, with a context of its own so that it
// still runs after the run's context is cancelled.
func deleteStream(api API, stream string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := api.DeleteStream(ctx, &kinesis.DeleteStreamInput{
		StreamName:              &stream,
		EnforceConsumerDeletion: aws.Bool(true),
	})
	if err != nil {
		return fmt.Errorf("delete stream %s: %w", stream, err)
	}
	return nil
}
