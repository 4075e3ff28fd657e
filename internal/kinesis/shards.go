package kinesis

import (
	"context"
	"time"

	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// shardInfo converts a catalog shard to its wire shape.
func shardInfo(sh catalog.Shard) shardOut {
	out := shardOut{
		ShardId:      catalog.ShardID(sh.Index),
		HashKeyRange: hashKeyRange{StartingHashKey: sh.HashKeyStart, EndingHashKey: sh.HashKeyEnd},
		SequenceNumberRange: sequenceNumberRange{
			StartingSequenceNumber: storage.SequenceOf(sh, 0),
		},
	}
	if sh.ParentIndex >= 0 {
		id := catalog.ShardID(uint32(sh.ParentIndex))
		out.ParentShardId = &id
	}
	if sh.AdjacentParentIndex >= 0 {
		id := catalog.ShardID(uint32(sh.AdjacentParentIndex))
		out.AdjacentParentShardId = &id
	}
	if sh.Closed {
		end := storage.SequenceOf(sh, 0)
		if sh.EndOffset > 0 {
			end = storage.SequenceOf(sh, sh.EndOffset-1)
		}
		out.SequenceNumberRange.EndingSequenceNumber = &end
	}
	return out
}

// childShards returns the shards that have shard index as a parent.
func childShards(s catalog.Stream, index uint32) []childShard {
	var out []childShard
	for _, sh := range s.Shards {
		if sh.ParentIndex != int64(index) && sh.AdjacentParentIndex != int64(index) {
			continue
		}
		parents := []string{catalog.ShardID(uint32(sh.ParentIndex))}
		if sh.AdjacentParentIndex >= 0 {
			parents = append(parents, catalog.ShardID(uint32(sh.AdjacentParentIndex)))
		}
		out = append(out, childShard{
			ShardId:      catalog.ShardID(sh.Index),
			ParentShards: parents,
			HashKeyRange: hashKeyRange{StartingHashKey: sh.HashKeyStart, EndingHashKey: sh.HashKeyEnd},
		})
	}
	return out
}

// closedAt estimates when a closed shard closed: when its first child was
// created. The zero time means the shard is open.
func closedAt(s catalog.Stream, sh catalog.Shard) time.Time {
	if !sh.Closed {
		return time.Time{}
	}
	var t time.Time
	for _, c := range childShards(s, sh.Index) {
		idx, _ := parseShardID(c.ShardId)
		if ct := s.Shards[idx].CreatedAt; t.IsZero() || ct.Before(t) {
			t = ct
		}
	}
	if t.IsZero() {
		t = sh.CreatedAt
	}
	return t
}

// Shard filter types, indexed as in shardFilterTypes (+1 in tokens).
const (
	filterAfterShardID = iota + 1
	filterAtTrimHorizon
	filterFromTrimHorizon
	filterAtLatest
	filterAtTimestamp
	filterFromTimestamp
)

func (h *Handler) listShards(_ context.Context, in *listShardsInput) (any, error) {
	var v validator
	v.streamRef(in.streamRef)
	v.str("nextToken", in.NextToken, 1, 1048576, nil)
	v.str("exclusiveStartShardId", in.ExclusiveStartShardId, 1, 128, patternName)
	v.intRange("maxResults", in.MaxResults, 1, 10000)
	if in.ShardFilter != nil {
		if v.required("shardFilter.type", in.ShardFilter.Type != nil) {
			v.enum("shardFilter.type", in.ShardFilter.Type, shardFilterTypes)
		}
		v.str("shardFilter.shardId", in.ShardFilter.ShardId, 1, 128, patternName)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	hasStream := in.StreamName != nil || in.StreamARN != nil
	switch {
	case in.NextToken != nil && hasStream:
		return nil, invalidArgument("NextToken and StreamName cannot be provided together.")
	case in.NextToken == nil && !hasStream:
		return nil, invalidArgument("Either NextToken or StreamName should be provided.")
	}
	limit := 1000
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}

	var (
		name     string
		start    int
		filter   byte
		filterTS time.Time
		streamID uint64
	)
	if in.NextToken != nil {
		tok, terr := h.openToken(tokenListShards, *in.NextToken)
		if terr != nil {
			return nil, terr
		}
		name, start, filter, streamID = tok.name, int(tok.shard), tok.filter, tok.streamID
		filterTS = time.UnixMilli(tok.aux)
	} else {
		var err error
		if name, err = h.streamName(in.streamRef); err != nil {
			return nil, err
		}
		if in.ExclusiveStartShardId != nil {
			if idx, ok := parseShardID(*in.ExclusiveStartShardId); ok {
				start = int(idx) + 1
			}
		}
		if f := in.ShardFilter; f != nil {
			for i, t := range shardFilterTypes {
				if *f.Type == t {
					filter = byte(i + 1)
				}
			}
			switch filter {
			case filterAfterShardID:
				if f.ShardId == nil {
					return nil, invalidArgument("Shard ID must be specified for ShardFilter type AFTER_SHARD_ID.")
				}
				if idx, ok := parseShardID(*f.ShardId); ok {
					start = max(start, int(idx)+1)
				}
			case filterAtTimestamp, filterFromTimestamp:
				if f.Timestamp == nil {
					return nil, invalidArgument("Timestamp must be specified for ShardFilter type %s.", *f.Type)
				}
				filterTS = f.Timestamp.Time
			}
		}
	}
	s, err := h.lookup(name)
	if err != nil {
		return nil, err
	}
	if streamID != 0 && s.ID != streamID {
		return nil, h.streamNotFound(name)
	}
	if in.StreamCreationTimestamp != nil && !in.StreamCreationTimestamp.Time.Equal(s.CreatedAt.Truncate(time.Millisecond)) &&
		!in.StreamCreationTimestamp.Time.Equal(s.CreatedAt) {
		return nil, h.streamNotFound(name)
	}
	out := &listShardsOutput{Shards: []shardOut{}}
	i := start
	for ; i < len(s.Shards) && len(out.Shards) < limit; i++ {
		if sh := s.Shards[i]; h.shardMatches(s, sh, filter, filterTS) {
			out.Shards = append(out.Shards, shardInfo(sh))
		}
	}
	if i < len(s.Shards) {
		tok := h.sealToken(token{kind: tokenListShards, name: s.Name, streamID: s.ID,
			shard: uint32(i), filter: filter, aux: filterTS.UnixMilli()})
		out.NextToken = &tok
	}
	return out, nil
}

// shardMatches applies a ShardFilter to one shard.
func (h *Handler) shardMatches(s catalog.Stream, sh catalog.Shard, filter byte, ts time.Time) bool {
	switch filter {
	case filterAtLatest:
		return sh.Open()
	case filterFromTrimHorizon:
		// Shards whose records are not all past retention.
		return sh.Open() || sh.EndOffset > sh.TrimOffset ||
			h.opts.Now().Sub(closedAt(s, sh)) < time.Duration(retentionHours(s))*time.Hour
	case filterAtTrimHorizon:
		// Shards open at the trim horizon: open at now - retention.
		return h.shardMatches(s, sh, filterAtTimestamp, h.opts.Now().Add(-time.Duration(retentionHours(s))*time.Hour))
	case filterAtTimestamp:
		// Shards open at ts (the first shards, for a ts before creation).
		if ts.Before(s.CreatedAt) {
			ts = s.CreatedAt
		}
		closed := closedAt(s, sh)
		return !sh.CreatedAt.After(ts) && (closed.IsZero() || closed.After(ts))
	case filterFromTimestamp:
		// Shards open at ts or created after.
		closed := closedAt(s, sh)
		return closed.IsZero() || closed.After(ts)
	}
	return true
}
