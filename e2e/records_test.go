package e2e

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/config"
)

func TestPutAndGetRecords(t *testing.T) {
	ts := startServer(t, "")
	ts.createStream(t, "events", 2)
	c := ts.client

	// Hash key 0 routes to shard 0; 2^128-1 to shard 1.
	var seqs []string
	for i := range 5 {
		out, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{
			StreamName: aws.String("events"), PartitionKey: aws.String("pk"), ExplicitHashKey: aws.String("0"),
			Data: []byte(fmt.Sprintf("record-%d", i)),
		})
		require.NoError(t, err)
		require.Equal(t, shardID(0), *out.ShardId)
		seqs = append(seqs, *out.SequenceNumber)
		if i > 0 {
			require.Less(t, seqs[i-1], seqs[i], "sequence numbers increase")
		}
	}
	out, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{
		StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/events"), PartitionKey: aws.String("pk"),
		ExplicitHashKey: aws.String("340282366920938463463374607431768211455"), Data: []byte("last"),
		SequenceNumberForOrdering: aws.String(seqs[0]),
	})
	require.NoError(t, err)
	require.Equal(t, shardID(1), *out.ShardId)

	// TRIM_HORIZON reads everything, with arrival times and keys.
	recs := ts.readAll(t, ts.iterator(t, "events", shardID(0), types.ShardIteratorTypeTrimHorizon, nil))
	require.Len(t, recs, 5)
	for i, r := range recs {
		require.Equal(t, fmt.Sprintf("record-%d", i), string(r.Data))
		require.Equal(t, "pk", *r.PartitionKey)
		require.Equal(t, seqs[i], *r.SequenceNumber)
		require.WithinDuration(t, time.Now(), *r.ApproximateArrivalTimestamp, time.Minute)
	}

	// AT and AFTER a sequence number.
	recs = ts.readAll(t, ts.iterator(t, "events", shardID(0), types.ShardIteratorTypeAtSequenceNumber, &seqs[2]))
	require.Len(t, recs, 3)
	require.Equal(t, "record-2", string(recs[0].Data))
	recs = ts.readAll(t, ts.iterator(t, "events", shardID(0), types.ShardIteratorTypeAfterSequenceNumber, &seqs[2]))
	require.Len(t, recs, 2)
	require.Equal(t, "record-3", string(recs[0].Data))

	// LATEST sees only what comes after it.
	latest := ts.iterator(t, "events", shardID(0), types.ShardIteratorTypeLatest, nil)
	g, err := c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: aws.String(latest)})
	require.NoError(t, err)
	require.Empty(t, g.Records)
	require.Equal(t, int64(0), *g.MillisBehindLatest)
	_, err = c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("events"), PartitionKey: aws.String("pk"),
		ExplicitHashKey: aws.String("0"), Data: []byte("new")})
	require.NoError(t, err)
	g, err = c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: g.NextShardIterator})
	require.NoError(t, err)
	require.Len(t, g.Records, 1)
	require.Equal(t, "new", string(g.Records[0].Data))

	// AT_TIMESTAMP from before the first record reads them all.
	ti, err := c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: aws.String("events"), ShardId: aws.String(shardID(0)),
		ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(time.Now().Add(-time.Hour))})
	require.NoError(t, err)
	require.Len(t, ts.readAll(t, *ti.ShardIterator), 6)

	// Limit and MillisBehindLatest.
	g, err = c.GetRecords(ctx(t), &kinesis.GetRecordsInput{
		ShardIterator: aws.String(ts.iterator(t, "events", shardID(0), types.ShardIteratorTypeTrimHorizon, nil)), Limit: aws.Int32(2)})
	require.NoError(t, err)
	require.Len(t, g.Records, 2)
	require.NotNil(t, g.NextShardIterator)
	require.GreaterOrEqual(t, *g.MillisBehindLatest, int64(0))
}

func TestShardIteratorErrors(t *testing.T) {
	ts := startServer(t, "")
	ts.createStream(t, "it", 2)
	c := ts.client
	put, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("it"), PartitionKey: aws.String("k"),
		ExplicitHashKey: aws.String("0"), Data: []byte("x")})
	require.NoError(t, err)

	tests := []struct {
		name string
		in   *kinesis.GetShardIteratorInput
		code string
		msg  string
	}{
		{"sequence of another shard", &kinesis.GetShardIteratorInput{ShardId: aws.String(shardID(1)),
			ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: put.SequenceNumber},
			"InvalidArgumentException", "Invalid StartingSequenceNumber. It encodes shardId-000000000000, while it was used in a call to a shard with shardId-000000000001"},
		{"malformed sequence", &kinesis.GetShardIteratorInput{ShardId: aws.String(shardID(0)),
			ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: aws.String("12345")},
			"InvalidArgumentException", "StartingSequenceNumber 12345 used in GetShardIterator on shard shardId-000000000000 in stream it under account 000000000000 is invalid."},
		{"sequence missing", &kinesis.GetShardIteratorInput{ShardId: aws.String(shardID(0)),
			ShardIteratorType: types.ShardIteratorTypeAfterSequenceNumber},
			"InvalidArgumentException", "Request specified AFTER_SEQUENCE_NUMBER and no StartingSequenceNumber."},
		{"sequence with TRIM_HORIZON", &kinesis.GetShardIteratorInput{ShardId: aws.String(shardID(0)),
			ShardIteratorType: types.ShardIteratorTypeTrimHorizon, StartingSequenceNumber: put.SequenceNumber},
			"InvalidArgumentException", "Request specified TRIM_HORIZON and also a StartingSequenceNumber."},
		{"timestamp missing", &kinesis.GetShardIteratorInput{ShardId: aws.String(shardID(0)),
			ShardIteratorType: types.ShardIteratorTypeAtTimestamp},
			"InvalidArgumentException", "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP."},
		{"timestamp in the future", &kinesis.GetShardIteratorInput{ShardId: aws.String(shardID(0)),
			ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(time.Now().Add(time.Hour))},
			"InvalidArgumentException", "The timestampInMillis parameter cannot be greater than the currentTimestampInMillis."},
		{"unknown shard", &kinesis.GetShardIteratorInput{ShardId: aws.String(shardID(7)), ShardIteratorType: types.ShardIteratorTypeLatest},
			"ResourceNotFoundException", "Shard shardId-000000000007 in stream it under account 000000000000 does not exist"},
		{"bad type", &kinesis.GetShardIteratorInput{ShardId: aws.String(shardID(0)), ShardIteratorType: "SOMEWHERE"},
			"ValidationException", "Value 'SOMEWHERE' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.StreamName = aws.String("it")
			_, err := c.GetShardIterator(ctx(t), tt.in)
			requireAPIError(t, err, tt.code, tt.msg)
		})
	}
	_, err = c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: aws.String("nope"), ShardId: aws.String(shardID(0)),
		ShardIteratorType: types.ShardIteratorTypeLatest})
	requireAPIError(t, err, "ResourceNotFoundException", "Stream nope under account 000000000000 not found.")

	// A tampered iterator is rejected.
	it := ts.iterator(t, "it", shardID(0), types.ShardIteratorTypeTrimHorizon, nil)
	b := []byte(it)
	b[10] ^= 1
	if b[10] == '+' || b[10] == '/' || b[10] == '=' {
		b[10] = 'A'
	}
	_, err = c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: aws.String(string(b))})
	requireAPIError(t, err, "InvalidArgumentException", "Invalid ShardIterator.")

	// An iterator of a deleted stream does not read its successor.
	_, err = c.DeleteStream(ctx(t), &kinesis.DeleteStreamInput{StreamName: aws.String("it")})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, err := c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String("it"), ShardCount: aws.Int32(1)})
		return err == nil
	}, 5*time.Second, 10*time.Millisecond)
	ts.waitActive(t, "it")
	_, err = c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: aws.String(it)})
	requireAPIError(t, err, "ResourceNotFoundException", "Shard shardId-000000000000 in stream it under account 000000000000 does not exist")
}

func TestPutRecordsPartialFailure(t *testing.T) {
	ts := startServer(t, "", func(c *config.Config) { c.Limits.MaxRecordSize = 1024 })
	ts.createStream(t, "batch", 3)
	entries := make([]types.PutRecordsRequestEntry, 10)
	for i := range entries {
		data := []byte(fmt.Sprintf("r%d", i))
		if i%4 == 1 {
			data = bytes.Repeat([]byte("x"), 2000) // over the 1 KiB record limit
		}
		entries[i] = types.PutRecordsRequestEntry{Data: data, PartitionKey: aws.String(fmt.Sprintf("key-%d", i))}
	}
	out, err := ts.client.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("batch"), Records: entries})
	require.NoError(t, err)
	require.Equal(t, int32(3), *out.FailedRecordCount)
	require.Len(t, out.Records, 10)
	stored := map[string]bool{}
	for i, r := range out.Records {
		if i%4 == 1 {
			require.Equal(t, "InvalidArgumentException", *r.ErrorCode)
			require.Contains(t, *r.ErrorMessage, "exceeds the maximum record size of 1024 bytes")
			require.Nil(t, r.SequenceNumber)
			continue
		}
		require.Nil(t, r.ErrorCode)
		require.NotEmpty(t, *r.SequenceNumber)
		require.True(t, strings.HasPrefix(*r.ShardId, "shardId-"))
	}
	for i := range 3 {
		for _, r := range ts.readAll(t, ts.iterator(t, "batch", shardID(i), types.ShardIteratorTypeTrimHorizon, nil)) {
			stored[string(r.Data)] = true
		}
	}
	require.Len(t, stored, 7)
	require.True(t, stored["r0"] && stored["r2"] && stored["r8"] && !stored["r9"])
}

func TestPutRecordsValidation(t *testing.T) {
	ts := startServer(t, "")
	ts.createStream(t, "v", 1)
	c := ts.client
	many := make([]types.PutRecordsRequestEntry, 501)
	for i := range many {
		many[i] = types.PutRecordsRequestEntry{Data: []byte("x"), PartitionKey: aws.String("k")}
	}
	_, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("v"), Records: many})
	requireAPIError(t, err, "ValidationException", "at 'records' failed to satisfy constraint: Member must have length less than or equal to 500")

	_, err = c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("v"), Records: []types.PutRecordsRequestEntry{
		{Data: []byte("x"), PartitionKey: aws.String("")},
		{Data: []byte("x"), PartitionKey: aws.String("k"), ExplicitHashKey: aws.String("-1")},
	}})
	requireAPIError(t, err, "ValidationException", "2 validation errors detected: Value '' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '-1' at 'records.2.member.explicitHashKey'")

	_, err = c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("v"), Records: []types.PutRecordsRequestEntry{
		{Data: []byte("x"), PartitionKey: aws.String("k"), ExplicitHashKey: aws.String("340282366920938463463374607431768211456")},
	}})
	requireAPIError(t, err, "InvalidArgumentException", "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was 340282366920938463463374607431768211456")

	_, err = c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("nope"), Records: many[:1]})
	requireAPIError(t, err, "ResourceNotFoundException", "Stream nope under account 000000000000 not found.")

	_, err = c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("v"), PartitionKey: aws.String("k"), Data: make([]byte, 2<<20)})
	requireAPIError(t, err, "InvalidArgumentException", "exceeds the maximum record size of 1048576 bytes")
}

func TestGetRecordsLimits(t *testing.T) {
	ts := startServer(t, "", func(c *config.Config) { c.Limits.GetRecordsMaxBytes = 10_000 })
	ts.createStream(t, "big", 1)
	entries := make([]types.PutRecordsRequestEntry, 10)
	for i := range entries {
		entries[i] = types.PutRecordsRequestEntry{Data: bytes.Repeat([]byte{byte(i)}, 3000), PartitionKey: aws.String("k")}
	}
	_, err := ts.client.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("big"), Records: entries})
	require.NoError(t, err)
	g, err := ts.client.GetRecords(ctx(t), &kinesis.GetRecordsInput{
		ShardIterator: aws.String(ts.iterator(t, "big", shardID(0), types.ShardIteratorTypeTrimHorizon, nil))})
	require.NoError(t, err)
	require.Less(t, len(g.Records), 10, "the byte cap cuts the read short")
	require.NotEmpty(t, g.Records)
	require.Greater(t, *g.MillisBehindLatest, int64(-1))

	_, err = ts.client.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: g.NextShardIterator, Limit: aws.Int32(10001)})
	requireAPIError(t, err, "ValidationException", "Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000")
}
