package kinesis

import (
	"context"
	"errors"
	"fmt"

	"github.com/eddy-streaming/eddy/internal/awsproto"
	"github.com/eddy-streaming/eddy/internal/seqnum"
	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// Reading: GetShardIterator and GetRecords.

func (h *Handler) getShardIterator(_ context.Context, in *getShardIteratorInput) (any, error) {
	var v validator
	v.streamRef(in.streamRef)
	v.reqStr("shardId", in.ShardId, 1, 128, patternName)
	if v.required("shardIteratorType", in.ShardIteratorType != nil) {
		v.enum("shardIteratorType", in.ShardIteratorType, shardIteratorTypes)
	}
	v.str("startingSequenceNumber", in.StartingSequenceNumber, 0, 0, patternSequence)
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := h.streamName(in.streamRef)
	if err != nil {
		return nil, err
	}
	s, err := h.readable(name)
	if err != nil {
		return nil, err
	}
	sh, err := h.shardByID(s, *in.ShardId)
	if err != nil {
		return nil, err
	}
	shardID := catalog.ShardID(sh.Index)
	typ := *in.ShardIteratorType
	var pos storage.Position
	switch typ {
	case "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER":
		if in.StartingSequenceNumber == nil {
			return nil, invalidArgument("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or "+
				"(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and no StartingSequenceNumber.", typ)
		}
		pos = storage.Position{Type: storage.AtSequence, Sequence: *in.StartingSequenceNumber}
		if typ == "AFTER_SEQUENCE_NUMBER" {
			pos.Type = storage.AfterSequence
		}
	case "TRIM_HORIZON", "LATEST":
		if in.StartingSequenceNumber != nil {
			return nil, invalidArgument("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or "+
				"(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and also a StartingSequenceNumber.", typ)
		}
		pos = storage.Position{Type: storage.TrimHorizon}
		if typ == "LATEST" {
			pos.Type = storage.Latest
		}
	case "AT_TIMESTAMP":
		if in.Timestamp == nil {
			return nil, invalidArgument("Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.")
		}
		now := h.opts.Now()
		if in.Timestamp.After(now) {
			return nil, invalidArgument("The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: %d, currentTimestampInMillis: %d",
				in.Timestamp.UnixMilli(), now.UnixMilli())
		}
		pos = storage.Position{Type: storage.AtTimestamp, Timestamp: in.Timestamp.Time}
	}
	offset, err := h.store.Seek(name, sh.Index, pos)
	switch {
	case errors.Is(err, storage.ErrBadSequence):
		return nil, h.badStartingSequence(*in.StartingSequenceNumber, shardID, name)
	case errors.Is(err, storage.ErrShardNotFound):
		return nil, h.shardNotFound(shardID, name)
	case errors.Is(err, storage.ErrStreamNotFound):
		return nil, h.streamNotFound(name)
	case err != nil:
		return nil, err
	}
	it := h.sealToken(token{kind: tokenIterator, name: name, streamID: s.ID, shard: sh.Index, offset: offset})
	return &getShardIteratorOutput{ShardIterator: it}, nil
}

// badStartingSequence words a rejected StartingSequenceNumber as AWS does:
// one of another shard names that shard.
func (h *Handler) badStartingSequence(seq, shardID, stream string) error {
	if _, idx, err := seqnum.ParseSequence(seq); err == nil && catalog.ShardID(idx) != shardID {
		return invalidArgument("Invalid StartingSequenceNumber. It encodes %s, while it was used in a call to a shard with %s",
			catalog.ShardID(idx), shardID)
	}
	return invalidArgument("StartingSequenceNumber %s used in GetShardIterator on shard %s in stream %s under account %s is invalid.",
		seq, shardID, stream, h.opts.AccountID)
}

func (h *Handler) getRecords(_ context.Context, in *getRecordsInput) (any, error) {
	var v validator
	v.reqStr("shardIterator", in.ShardIterator, 1, 512, nil)
	v.intRange("limit", in.Limit, 1, int64(h.opts.Limits.GetRecordsMaxRecords))
	v.str("streamARN", in.StreamARN, 1, 2048, patternStreamARN)
	if err := v.err(); err != nil {
		return nil, err
	}
	it, err := h.openIterator(*in.ShardIterator)
	if err != nil {
		return nil, err
	}
	shardID := catalog.ShardID(it.shard)
	if in.StreamARN != nil {
		if _, _, name, ok := parseStreamARN(*in.StreamARN); !ok || name != it.name {
			return nil, invalidArgument("StreamARN %s does not match the stream of the ShardIterator.", *in.StreamARN)
		}
	}
	s, err := h.store.Stream(it.name)
	if err != nil || s.ID != it.streamID || int(it.shard) >= len(s.Shards) || s.Status == catalog.StatusDeleting {
		if err != nil && !errors.Is(err, storage.ErrStreamNotFound) {
			return nil, err
		}
		return nil, h.shardNotFound(shardID, it.name)
	}
	limit := h.opts.Limits.GetRecordsMaxRecords
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	var meter *shardMeter
	if h.metered(s) {
		now := h.opts.Now()
		meter = h.meters.get(shardKey{s.ID, it.shard}, now)
		if h.opts.Throughput.Enforce && !meter.admitRead(now, &h.opts.Throughput) {
			return nil, h.throughputExceeded(it.name, it.shard)
		}
	}
	res, err := h.store.Read(it.name, it.shard, it.offset, limit, h.opts.Limits.GetRecordsMaxBytes)
	if errors.Is(err, storage.ErrStreamNotFound) || errors.Is(err, storage.ErrShardNotFound) {
		return nil, h.shardNotFound(shardID, it.name)
	}
	if errors.Is(err, storage.ErrKeyUnavailable) {
		h.opts.Logger.Warn("read refused: encryption key unavailable", "stream", it.name, "shard", shardID, "error", err)
		return nil, h.keyUnavailable(it.name)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s/%s: %w", it.name, shardID, err)
	}
	if meter != nil {
		bytes := 0
		for _, r := range res.Records {
			bytes += len(r.Data) + len(r.PartitionKey)
		}
		meter.read(h.opts.Now(), &h.opts.Throughput, h.opts.Throughput.Enforce, len(res.Records), bytes, res.MillisBehindLatest)
	}
	out := &getRecordsOutput{
		Records:            make([]recordOut, len(res.Records)),
		MillisBehindLatest: res.MillisBehindLatest,
	}
	for i, r := range res.Records {
		out.Records[i] = recordOut{
			SequenceNumber:              r.SequenceNumber,
			ApproximateArrivalTimestamp: awsproto.Timestamp{Time: r.ArrivalTime},
			Data:                        r.Data,
			PartitionKey:                r.PartitionKey,
		}
	}
	if res.EndOfShard {
		if !s.Shards[it.shard].Closed {
			// The shard closed after s was read; its children are newer.
			if s, err = h.store.Stream(it.name); err != nil {
				return nil, h.shardNotFound(shardID, it.name)
			}
		}
		out.ChildShards = childShards(s, it.shard)
		if out.ChildShards == nil {
			out.ChildShards = []childShard{}
		}
		out.MillisBehindLatest = 0
		return out, nil
	}
	next := h.sealToken(token{kind: tokenIterator, name: it.name, streamID: it.streamID, shard: it.shard, offset: res.Next})
	out.NextShardIterator = &next
	return out, nil
}
