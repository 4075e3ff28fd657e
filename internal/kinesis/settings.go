package kinesis

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/eddy-streaming/eddy/internal/seqnum"
	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// Per-stream settings: UpdateStreamMode, Enable/DisableEnhancedMonitoring,
// UpdateMaxRecordSize and UpdateStreamWarmThroughput. They live in the
// stream's catalog Attrs under these keys.
const (
	// attrShardMetrics is the comma-separated list of enabled shard-level
	// metrics.
	attrShardMetrics = "kinesis.shard_level_metrics"
	// attrMaxRecordKiB is the stream's record size limit in KiB.
	attrMaxRecordKiB = "kinesis.max_record_size_kib"
	// attrWarmMiBps is the stream's warm throughput in MiB/s.
	attrWarmMiBps = "kinesis.warm_throughput_mibps"
	// attrDistribution is an ON_DEMAND stream's record distribution
	// strategy when it is not the default (USER_PARTITION_KEY).
	attrDistribution = "kinesis.record_distribution_strategy"
)

// Record distribution strategies.
const (
	distributionAuto         = "AUTO"
	distributionPartitionKey = "USER_PARTITION_KEY"
)

var distributionStrategies = []string{distributionAuto, distributionPartitionKey}

// distributionOf returns the record distribution strategy of an ON_DEMAND
// stream, and "" for a PROVISIONED one.
func distributionOf(s catalog.Stream) string {
	if modeOf(s) != modeOnDemand {
		return ""
	}
	if v := s.Attrs[attrDistribution]; v != "" {
		return v
	}
	return distributionPartitionKey
}

// distributeAuto gives each record a uniformly random hash key, so that
// an AUTO stream spreads records evenly over its shards whatever their
// partition keys (which are still stored and returned).
func distributeAuto(recs []storage.Record) {
	for i := range recs {
		recs[i].ExplicitHashKey = seqnum.Uint128{Hi: rand.Uint64(), Lo: rand.Uint64()}.String()
	}
}

func (h *Handler) updateRecordDistribution(_ context.Context, in *updateRecordDistributionInput) (any, error) {
	var v validator
	v.reqStr("streamARN", in.StreamARN, 1, 2048, patternStreamARN)
	if v.required("recordDistributionStrategy", in.RecordDistributionStrategy != nil) {
		v.enum("recordDistributionStrategy", in.RecordDistributionStrategy, distributionStrategies)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := h.streamName(streamRef{StreamARN: in.StreamARN})
	if err != nil {
		return nil, err
	}
	s, err := h.active(name)
	if err != nil {
		return nil, err
	}
	if modeOf(s) != modeOnDemand {
		return nil, invalidArgument("The record distribution strategy can only be set on streams in ON_DEMAND capacity mode. Stream %s under account %s is PROVISIONED.",
			name, h.opts.AccountID)
	}
	_, err = h.updateActive(name, func(s *catalog.Stream) error {
		value := *in.RecordDistributionStrategy
		if value == distributionPartitionKey {
			value = ""
		}
		setAttr(s, attrDistribution, value)
		return nil
	})
	return nil, err
}

// shardMetricNames are the shard-level metrics, in AWS's order.
var shardMetricNames = []string{
	"IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
	"WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds",
}

// shardMetrics returns the enabled shard-level metrics of s.
func shardMetrics(s catalog.Stream) []string {
	v := s.Attrs[attrShardMetrics]
	if v == "" {
		return []string{}
	}
	return strings.Split(v, ",")
}

// enhancedMonitoring is the EnhancedMonitoring member of descriptions.
func enhancedMonitoring(s catalog.Stream) []enhancedMetrics {
	return []enhancedMetrics{{ShardLevelMetrics: shardMetrics(s)}}
}

func (h *Handler) enableEnhancedMonitoring(_ context.Context, in *enhancedMonitoringInput) (any, error) {
	return h.switchMonitoring(in, true)
}

func (h *Handler) disableEnhancedMonitoring(_ context.Context, in *enhancedMonitoringInput) (any, error) {
	return h.switchMonitoring(in, false)
}

func (h *Handler) switchMonitoring(in *enhancedMonitoringInput, enable bool) (any, error) {
	var v validator
	v.streamRef(in.streamRef)
	if v.required("shardLevelMetrics", in.ShardLevelMetrics != nil) {
		if len(in.ShardLevelMetrics) < 1 || len(in.ShardLevelMetrics) > 7 {
			v.fail("["+strings.Join(in.ShardLevelMetrics, ", ")+"]", true, "shardLevelMetrics",
				"Member must have length less than or equal to 7, Member must have length greater than or equal to 1")
		}
		values := append(slices.Clone(shardMetricNames), "ALL")
		for _, m := range in.ShardLevelMetrics {
			if !slices.Contains(values, m) {
				v.fail("["+strings.Join(in.ShardLevelMetrics, ", ")+"]", true, "shardLevelMetrics",
					"Member must satisfy constraint: [Member must satisfy enum value set: ["+strings.Join(values, ", ")+"]]")
				break
			}
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := h.streamName(in.streamRef)
	if err != nil {
		return nil, err
	}
	if _, err := h.active(name); err != nil {
		return nil, err
	}
	asked := in.ShardLevelMetrics
	if slices.Contains(asked, "ALL") {
		asked = shardMetricNames
	}
	var before, after []string
	_, err = h.updateActive(name, func(s *catalog.Stream) error {
		before = shardMetrics(*s)
		after = nil
		for _, m := range shardMetricNames {
			on := slices.Contains(before, m)
			if slices.Contains(asked, m) {
				on = enable
			}
			if on {
				after = append(after, m)
			}
		}
		setAttr(s, attrShardMetrics, strings.Join(after, ","))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if after == nil {
		after = []string{}
	}
	return &enhancedMonitoringOutput{StreamName: name, StreamARN: h.streamARN(name),
		CurrentShardLevelMetrics: before, DesiredShardLevelMetrics: after}, nil
}

// maxRecordSize is the record size limit of stream s in bytes: its own
// (UpdateMaxRecordSize, CreateStream's MaxRecordSizeInKiB) or the
// server's.
func (h *Handler) maxRecordSize(s catalog.Stream) int {
	if kib, err := strconv.Atoi(s.Attrs[attrMaxRecordKiB]); err == nil && kib > 0 {
		return kib << 10
	}
	return h.opts.Limits.MaxRecordSize
}

func (h *Handler) updateMaxRecordSize(_ context.Context, in *updateMaxRecordSizeInput) (any, error) {
	var v validator
	v.reqStr("streamARN", in.StreamARN, 1, 2048, patternStreamARN)
	if v.required("maxRecordSizeInKiB", in.MaxRecordSizeInKiB != nil) {
		v.intRange("maxRecordSizeInKiB", in.MaxRecordSizeInKiB, 1024, 10240)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := h.streamName(streamRef{StreamARN: in.StreamARN})
	if err != nil {
		return nil, err
	}
	if _, err := h.active(name); err != nil {
		return nil, err
	}
	_, err = h.updateActive(name, func(s *catalog.Stream) error {
		setAttr(s, attrMaxRecordKiB, strconv.FormatInt(*in.MaxRecordSizeInKiB, 10))
		return nil
	})
	return nil, err
}

// maxWarmThroughputMiBps is the largest warm throughput AWS accepts.
const maxWarmThroughputMiBps = 10240

// warmThroughputOf returns the warm throughput of s, or nil if none.
func warmThroughputOf(s catalog.Stream) *warmThroughput {
	n, err := strconv.ParseInt(s.Attrs[attrWarmMiBps], 10, 64)
	if err != nil {
		return nil
	}
	return &warmThroughput{TargetMiBps: &n, CurrentMiBps: &n}
}

func (h *Handler) updateStreamWarmThroughput(_ context.Context, in *updateStreamWarmThroughputInput) (any, error) {
	var v validator
	v.streamRef(in.streamRef)
	if v.required("warmThroughputMiBps", in.WarmThroughputMiBps != nil) {
		v.intRange("warmThroughputMiBps", in.WarmThroughputMiBps, 0, maxWarmThroughputMiBps)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := h.streamName(in.streamRef)
	if err != nil {
		return nil, err
	}
	s, err := h.active(name)
	if err != nil {
		return nil, err
	}
	if modeOf(s) != modeOnDemand {
		return nil, invalidArgument("Warm throughput can only be set on streams in ON_DEMAND capacity mode. Stream %s under account %s is PROVISIONED.",
			name, h.opts.AccountID)
	}
	s, err = h.updateActive(name, func(s *catalog.Stream) error {
		setAttr(s, attrWarmMiBps, strconv.FormatInt(*in.WarmThroughputMiBps, 10))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &updateStreamWarmThroughputOutput{StreamName: name, StreamARN: h.streamARN(name), WarmThroughput: warmThroughputOf(s)}, nil
}

func (h *Handler) updateStreamMode(_ context.Context, in *updateStreamModeInput) (any, error) {
	var v validator
	v.reqStr("streamARN", in.StreamARN, 1, 2048, patternStreamARN)
	if v.required("streamModeDetails", in.StreamModeDetails != nil) {
		v.enum("streamModeDetails.streamMode", &in.StreamModeDetails.StreamMode, streamModes)
	}
	v.intRange("warmThroughputMiBps", in.WarmThroughputMiBps, 0, maxWarmThroughputMiBps)
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := h.streamName(streamRef{StreamARN: in.StreamARN})
	if err != nil {
		return nil, err
	}
	h.reshardMu.Lock()
	defer h.reshardMu.Unlock()
	s, err := h.active(name)
	if err != nil {
		return nil, err
	}
	mode := in.StreamModeDetails.StreamMode
	if mode == modeOf(s) {
		return nil, invalidArgument("Stream %s under account %s is already in %s capacity mode.", name, h.opts.AccountID, mode)
	}
	if mode == modeOnDemand {
		if err := h.checkShardLimit(name, modeOnDemand, 0); err != nil {
			return nil, err
		}
	}
	_, err = h.updateActive(name, func(st *catalog.Stream) error {
		st.Mode = mode
		if h.opts.StatusDelay > 0 {
			st.Status = catalog.StatusUpdating
		}
		if mode == modeOnDemand && in.WarmThroughputMiBps != nil {
			setAttr(st, attrWarmMiBps, strconv.FormatInt(*in.WarmThroughputMiBps, 10))
		}
		if mode == modeProvisioned {
			delete(st.Attrs, attrWarmMiBps)
			delete(st.Attrs, attrDistribution)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if h.opts.StatusDelay > 0 {
		id := s.ID
		h.lifecycle.after(h.opts.StatusDelay, func() { h.finishUpdate(name, id) })
	}
	return nil, nil
}

// updateActive changes an ACTIVE stream's metadata in one transaction.
func (h *Handler) updateActive(name string, fn func(*catalog.Stream) error) (catalog.Stream, error) {
	var status string
	errState := errors.New("not active")
	s, err := h.store.UpdateStream(name, func(s *catalog.Stream) error {
		if s.Status != catalog.StatusActive {
			status = s.Status
			return errState
		}
		return fn(s)
	})
	switch {
	case errors.Is(err, errState):
		return s, h.streamInUse(name, status)
	case errors.Is(err, storage.ErrStreamNotFound):
		return s, h.streamNotFound(name)
	}
	return s, err
}

// setAttr sets (or, for an empty value, deletes) a stream attribute.
func setAttr(s *catalog.Stream, key, value string) {
	if value == "" {
		delete(s.Attrs, key)
		return
	}
	if s.Attrs == nil {
		s.Attrs = map[string]string{}
	}
	s.Attrs[key] = value
}
