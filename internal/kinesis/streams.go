package kinesis

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"time"

	"github.com/eddy-streaming/eddy/internal/awsproto"
	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// Stream lifecycle: CreateStream, DeleteStream and the status transitions
// between them.

// onDemandShards is the shard count of a new ON_DEMAND stream.
const onDemandShards = 4

func (h *Handler) createStream(_ context.Context, in *createStreamInput) (any, error) {
	var v validator
	v.reqStr("streamName", in.StreamName, 1, 128, patternName)
	v.intRange("shardCount", in.ShardCount, 1, 0)
	if in.StreamModeDetails != nil {
		v.enum("streamModeDetails.streamMode", &in.StreamModeDetails.StreamMode, streamModes)
	}
	if in.Tags != nil {
		v.tagMap("tags", in.Tags, 0, 50)
	}
	v.intRange("maxRecordSizeInKiB", in.MaxRecordSizeInKiB, 1024, 10240)
	v.enum("recordDistributionStrategy", in.RecordDistributionStrategy, distributionStrategies)
	if err := v.err(); err != nil {
		return nil, err
	}
	name := *in.StreamName
	mode := modeProvisioned
	if in.StreamModeDetails != nil {
		mode = in.StreamModeDetails.StreamMode
	}
	shards := onDemandShards
	switch {
	case mode == modeOnDemand:
	case in.ShardCount != nil:
		shards = int(*in.ShardCount)
	default:
		// Without a mode or shard count, AWS creates an on-demand stream.
		if in.StreamModeDetails == nil {
			mode = modeOnDemand
		} else {
			return nil, invalidArgument("ShardCount must be specified for PROVISIONED streams.")
		}
	}
	if in.RecordDistributionStrategy != nil && *in.RecordDistributionStrategy == distributionAuto && mode != modeOnDemand {
		return nil, invalidArgument("The record distribution strategy AUTO is only supported for streams in ON_DEMAND capacity mode.")
	}
	if err := h.checkShardLimit(name, mode, shards); err != nil {
		return nil, err
	}
	if err := validateTagChars(in.Tags); err != nil {
		return nil, err
	}
	st, err := h.store.CreateStream(name, shards, catalog.DefaultRetention, mode, in.Tags)
	if errors.Is(err, storage.ErrStreamExists) {
		return nil, apiErr(errResourceInUse, "Stream %s under account %s already exists.", name, h.opts.AccountID)
	}
	if err != nil {
		return nil, err
	}
	auto := in.RecordDistributionStrategy != nil && *in.RecordDistributionStrategy == distributionAuto
	if in.MaxRecordSizeInKiB != nil || auto {
		if st, err = h.store.UpdateStream(name, func(s *catalog.Stream) error {
			if in.MaxRecordSizeInKiB != nil {
				setAttr(s, attrMaxRecordKiB, strconv.FormatInt(*in.MaxRecordSizeInKiB, 10))
			}
			if auto {
				setAttr(s, attrDistribution, distributionAuto)
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	if h.opts.StatusDelay > 0 && st.Status != catalog.StatusCreating {
		if _, err := h.setStatus(name, st.ID, catalog.StatusCreating); err != nil {
			return nil, err
		}
	}
	id := st.ID
	h.lifecycle.after(h.opts.StatusDelay, func() { h.finishCreate(name, id) })
	return nil, nil
}

// checkShardLimit enforces the account's shard and on-demand stream limits.
func (h *Handler) checkShardLimit(name, mode string, shards int) error {
	open, onDemand := h.counts()
	if open+shards > h.opts.Limits.ShardLimit {
		return apiErr(errLimitExceeded, "This request would exceed the shard limit for the account %s in %s. "+
			"Current shard count for the account: %d. Limit: %d. Number of additional shards that would have resulted from this request: %d. "+
			"Refer to the AWS Service Limits page (https://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.",
			h.opts.AccountID, h.opts.Region, open, h.opts.Limits.ShardLimit, shards)
	}
	if mode == modeOnDemand && onDemand+1 > h.opts.Limits.OnDemandStreamLimit {
		return apiErr(errLimitExceeded, "This request would exceed the limit of %d ON_DEMAND streams for the account %s in %s.",
			h.opts.Limits.OnDemandStreamLimit, h.opts.AccountID, h.opts.Region)
	}
	return nil
}

// counts returns the open shards of all streams and the number of
// ON_DEMAND streams.
func (h *Handler) counts() (openShards, onDemandStreams int) {
	for _, s := range h.store.Streams() {
		openShards += openShardCount(s)
		if s.Mode == modeOnDemand {
			onDemandStreams++
		}
	}
	return openShards, onDemandStreams
}

func openShardCount(s catalog.Stream) int {
	n := 0
	for _, sh := range s.Shards {
		if sh.Open() {
			n++
		}
	}
	return n
}

// setStatus sets the status of stream name if it is still the stream with
// the given ID.
func (h *Handler) setStatus(name string, id uint64, status string) (catalog.Stream, error) {
	return h.store.UpdateStream(name, func(s *catalog.Stream) error {
		if s.ID != id {
			return storage.ErrStreamNotFound
		}
		s.Status = status
		return nil
	})
}

func (h *Handler) finishCreate(name string, id uint64) {
	_, err := h.store.UpdateStream(name, func(s *catalog.Stream) error {
		if s.ID != id || s.Status != catalog.StatusCreating {
			return errNoChange
		}
		s.Status = catalog.StatusActive
		return nil
	})
	if err != nil && !errors.Is(err, errNoChange) && !errors.Is(err, storage.ErrStreamNotFound) {
		h.opts.Logger.Error("activate stream", "stream", name, "error", err)
	}
}

func (h *Handler) finishDelete(name string, id uint64) {
	s, err := h.store.Stream(name)
	if err != nil || s.ID != id {
		return
	}
	if err := h.store.DeleteStream(name); err != nil && !errors.Is(err, storage.ErrStreamNotFound) {
		h.opts.Logger.Error("delete stream", "stream", name, "error", err)
	}
	h.meters.forget(id)
}

var errNoChange = errors.New("no change")

// recoverTransitions completes transitions an earlier process left
// pending: CREATING and UPDATING streams become ACTIVE, DELETING ones are
// deleted.
func (h *Handler) recoverTransitions() error {
	for _, s := range h.store.Streams() {
		h.recoverConsumers(s)
		switch s.Status {
		case catalog.StatusCreating:
			h.finishCreate(s.Name, s.ID)
		case catalog.StatusDeleting:
			if err := h.store.DeleteStream(s.Name); err != nil && !errors.Is(err, storage.ErrStreamNotFound) {
				return err
			}
		case catalog.StatusUpdating:
			h.finishUpdate(s.Name, s.ID)
		}
	}
	return nil
}

func (h *Handler) deleteStream(_ context.Context, in *deleteStreamInput) (any, error) {
	var v validator
	v.streamRef(in.streamRef)
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := h.streamName(in.streamRef)
	if err != nil {
		return nil, err
	}
	s, err := h.lookup(name)
	if err != nil {
		return nil, err
	}
	switch s.Status {
	case catalog.StatusDeleting:
		return nil, h.streamNotFound(name)
	case catalog.StatusCreating:
		return nil, apiErr(errResourceInUse, "Stream %s under account %s is being created and cannot be deleted yet.", name, h.opts.AccountID)
	}
	if len(consumersOf(s)) > 0 && (in.EnforceConsumerDeletion == nil || !*in.EnforceConsumerDeletion) {
		return nil, apiErr(errResourceInUse, "Stream %s under account %s has registered consumers. Deregister them first or set EnforceConsumerDeletion.",
			name, h.opts.AccountID)
	}
	if h.opts.StatusDelay > 0 {
		if _, err := h.setStatus(name, s.ID, catalog.StatusDeleting); err != nil {
			if errors.Is(err, storage.ErrStreamNotFound) {
				return nil, h.streamNotFound(name)
			}
			return nil, err
		}
	}
	id := s.ID
	h.lifecycle.after(h.opts.StatusDelay, func() { h.finishDelete(name, id) })
	return nil, nil
}

func (h *Handler) describeStream(_ context.Context, in *describeStreamInput) (any, error) {
	var v validator
	v.streamRef(in.streamRef)
	v.intRange("limit", in.Limit, 1, 10000)
	v.str("exclusiveStartShardId", in.ExclusiveStartShardId, 1, 128, patternName)
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := h.streamName(in.streamRef)
	if err != nil {
		return nil, err
	}
	s, err := h.lookup(name)
	if err != nil {
		return nil, err
	}
	limit := 100
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	start := 0
	if in.ExclusiveStartShardId != nil {
		if idx, ok := parseShardID(*in.ExclusiveStartShardId); ok {
			start = int(idx) + 1
		}
	}
	var shards []shardOut
	if s.Status != catalog.StatusCreating {
		shards = make([]shardOut, 0, min(limit, max(len(s.Shards)-start, 0)))
		for i := start; i < len(s.Shards) && len(shards) < limit; i++ {
			shards = append(shards, shardInfo(s.Shards[i]))
		}
	} else {
		shards = []shardOut{}
	}
	encType, keyID := encryptionOf(s)
	return &describeStreamOutput{StreamDescription: streamDescription{
		StreamName:              s.Name,
		StreamARN:               h.streamARN(s.Name),
		StreamStatus:            s.Status,
		StreamModeDetails:       &streamModeDetails{StreamMode: modeOf(s)},
		Shards:                  shards,
		HasMoreShards:           s.Status != catalog.StatusCreating && start+len(shards) < len(s.Shards),
		RetentionPeriodHours:    retentionHours(s),
		StreamCreationTimestamp: awsproto.NewTimestamp(s.CreatedAt),
		EnhancedMonitoring:      enhancedMonitoring(s),
		EncryptionType:          encType,
		KeyId:                   keyID,
	}}, nil
}

func (h *Handler) describeStreamSummary(_ context.Context, in *describeStreamSummaryInput) (any, error) {
	var v validator
	v.streamRef(in.streamRef)
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := h.streamName(in.streamRef)
	if err != nil {
		return nil, err
	}
	s, err := h.lookup(name)
	if err != nil {
		return nil, err
	}
	encType, keyID := encryptionOf(s)
	return &describeStreamSummaryOutput{StreamDescriptionSummary: streamDescriptionSummary{
		StreamName:                 s.Name,
		StreamARN:                  h.streamARN(s.Name),
		StreamStatus:               s.Status,
		StreamModeDetails:          &streamModeDetails{StreamMode: modeOf(s)},
		RetentionPeriodHours:       retentionHours(s),
		StreamCreationTimestamp:    awsproto.NewTimestamp(s.CreatedAt),
		EnhancedMonitoring:         enhancedMonitoring(s),
		EncryptionType:             encType,
		KeyId:                      keyID,
		OpenShardCount:             int64(openShardCount(s)),
		ConsumerCount:              int64(len(consumersOf(s))),
		MaxRecordSizeInKiB:         int64(h.maxRecordSize(s) >> 10),
		WarmThroughput:             warmThroughputOf(s),
		RecordDistributionStrategy: distributionOf(s),
	}}, nil
}

func (h *Handler) listStreams(_ context.Context, in *listStreamsInput) (any, error) {
	var v validator
	v.intRange("limit", in.Limit, 1, 10000)
	v.str("exclusiveStartStreamName", in.ExclusiveStartStreamName, 1, 128, patternName)
	v.str("nextToken", in.NextToken, 1, 1048576, nil)
	if err := v.err(); err != nil {
		return nil, err
	}
	limit := 100
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	after := ""
	if in.ExclusiveStartStreamName != nil {
		after = *in.ExclusiveStartStreamName
	}
	if in.NextToken != nil {
		tok, err := h.openToken(tokenListStreams, *in.NextToken)
		if err != nil {
			return nil, err
		}
		after = tok.name
	}
	streams := h.store.Streams()
	i := sort.Search(len(streams), func(i int) bool { return streams[i].Name > after })
	out := &listStreamsOutput{StreamNames: []string{}, StreamSummaries: []streamSummary{}}
	for ; i < len(streams) && len(out.StreamNames) < limit; i++ {
		s := streams[i]
		out.StreamNames = append(out.StreamNames, s.Name)
		out.StreamSummaries = append(out.StreamSummaries, streamSummary{
			StreamName:              s.Name,
			StreamARN:               h.streamARN(s.Name),
			StreamStatus:            s.Status,
			StreamModeDetails:       &streamModeDetails{StreamMode: modeOf(s)},
			StreamCreationTimestamp: awsproto.NewTimestamp(s.CreatedAt),
		})
	}
	out.HasMoreStreams = i < len(streams)
	if out.HasMoreStreams && len(out.StreamNames) > 0 {
		tok := h.sealToken(token{kind: tokenListStreams, name: out.StreamNames[len(out.StreamNames)-1]})
		out.NextToken = &tok
	}
	return out, nil
}

func modeOf(s catalog.Stream) string {
	if s.Mode == "" {
		return modeProvisioned
	}
	return s.Mode
}

func retentionHours(s catalog.Stream) int64 {
	if s.Retention <= 0 {
		return int64(catalog.DefaultRetention / time.Hour)
	}
	return int64(s.Retention / time.Hour)
}
