package kinesis

import "github.com/eddy-streaming/eddy/internal/awsproto"

// Wire shapes of the Kinesis_20131202 operations. Field names and JSON
// names follow the API reference; optional members are pointers (nil means
// absent or null) and are omitted from responses when empty.

// streamRef identifies a stream by name or ARN; most requests embed it.
type streamRef struct {
	StreamName *string `json:"StreamName"`
	StreamARN  *string `json:"StreamARN"`
}

type streamModeDetails struct {
	StreamMode string `json:"StreamMode"`
}

type hashKeyRange struct {
	StartingHashKey string `json:"StartingHashKey"`
	EndingHashKey   string `json:"EndingHashKey"`
}

type sequenceNumberRange struct {
	StartingSequenceNumber string  `json:"StartingSequenceNumber"`
	EndingSequenceNumber   *string `json:"EndingSequenceNumber,omitempty"`
}

type shardOut struct {
	ShardId               string              `json:"ShardId"`
	ParentShardId         *string             `json:"ParentShardId,omitempty"`
	AdjacentParentShardId *string             `json:"AdjacentParentShardId,omitempty"`
	HashKeyRange          hashKeyRange        `json:"HashKeyRange"`
	SequenceNumberRange   sequenceNumberRange `json:"SequenceNumberRange"`
}

type childShard struct {
	ShardId      string       `json:"ShardId"`
	ParentShards []string     `json:"ParentShards"`
	HashKeyRange hashKeyRange `json:"HashKeyRange"`
}

type enhancedMetrics struct {
	ShardLevelMetrics []string `json:"ShardLevelMetrics"`
}

type tag struct {
	Key   string  `json:"Key"`
	Value *string `json:"Value,omitempty"`
}

// CreateStream, DeleteStream, DescribeStream, DescribeStreamSummary, ListStreams.

type createStreamInput struct {
	streamRef
	ShardCount         *int64             `json:"ShardCount"`
	StreamModeDetails  *streamModeDetails `json:"StreamModeDetails"`
	Tags               map[string]string  `json:"Tags"`
	MaxRecordSizeInKiB *int64             `json:"MaxRecordSizeInKiB"`
	// RecordDistributionStrategy applies to ON_DEMAND streams.
	RecordDistributionStrategy *string `json:"RecordDistributionStrategy"`
}

type deleteStreamInput struct {
	streamRef
	EnforceConsumerDeletion *bool `json:"EnforceConsumerDeletion"`
}

type describeStreamInput struct {
	streamRef
	Limit                 *int64  `json:"Limit"`
	ExclusiveStartShardId *string `json:"ExclusiveStartShardId"`
}

type streamDescription struct {
	StreamName              string              `json:"StreamName"`
	StreamARN               string              `json:"StreamARN"`
	StreamStatus            string              `json:"StreamStatus"`
	StreamModeDetails       *streamModeDetails  `json:"StreamModeDetails,omitempty"`
	Shards                  []shardOut          `json:"Shards"`
	HasMoreShards           bool                `json:"HasMoreShards"`
	RetentionPeriodHours    int64               `json:"RetentionPeriodHours"`
	StreamCreationTimestamp *awsproto.Timestamp `json:"StreamCreationTimestamp,omitempty"`
	EnhancedMonitoring      []enhancedMetrics   `json:"EnhancedMonitoring"`
	EncryptionType          string              `json:"EncryptionType"`
	KeyId                   *string             `json:"KeyId,omitempty"`
}

type describeStreamOutput struct {
	StreamDescription streamDescription `json:"StreamDescription"`
}

type describeStreamSummaryInput struct {
	streamRef
}

type streamDescriptionSummary struct {
	StreamName              string              `json:"StreamName"`
	StreamARN               string              `json:"StreamARN"`
	StreamStatus            string              `json:"StreamStatus"`
	StreamModeDetails       *streamModeDetails  `json:"StreamModeDetails,omitempty"`
	RetentionPeriodHours    int64               `json:"RetentionPeriodHours"`
	StreamCreationTimestamp *awsproto.Timestamp `json:"StreamCreationTimestamp,omitempty"`
	EnhancedMonitoring      []enhancedMetrics   `json:"EnhancedMonitoring"`
	EncryptionType          string              `json:"EncryptionType"`
	KeyId                   *string             `json:"KeyId,omitempty"`
	OpenShardCount          int64               `json:"OpenShardCount"`
	ConsumerCount           int64               `json:"ConsumerCount"`
	MaxRecordSizeInKiB      int64               `json:"MaxRecordSizeInKiB,omitempty"`
	WarmThroughput          *warmThroughput     `json:"WarmThroughput,omitempty"`
	// RecordDistributionStrategy is set for ON_DEMAND streams only.
	RecordDistributionStrategy string `json:"RecordDistributionStrategy,omitempty"`
}

type describeStreamSummaryOutput struct {
	StreamDescriptionSummary streamDescriptionSummary `json:"StreamDescriptionSummary"`
}

type listStreamsInput struct {
	Limit                    *int64  `json:"Limit"`
	ExclusiveStartStreamName *string `json:"ExclusiveStartStreamName"`
	NextToken                *string `json:"NextToken"`
}

type streamSummary struct {
	StreamName              string              `json:"StreamName"`
	StreamARN               string              `json:"StreamARN"`
	StreamStatus            string              `json:"StreamStatus"`
	StreamModeDetails       *streamModeDetails  `json:"StreamModeDetails,omitempty"`
	StreamCreationTimestamp *awsproto.Timestamp `json:"StreamCreationTimestamp,omitempty"`
}

type listStreamsOutput struct {
	StreamNames     []string        `json:"StreamNames"`
	HasMoreStreams  bool            `json:"HasMoreStreams"`
	NextToken       *string         `json:"NextToken,omitempty"`
	StreamSummaries []streamSummary `json:"StreamSummaries"`
}

// ListShards.

type shardFilter struct {
	Type      *string             `json:"Type"`
	ShardId   *string             `json:"ShardId"`
	Timestamp *awsproto.Timestamp `json:"Timestamp"`
}

type listShardsInput struct {
	streamRef
	NextToken               *string             `json:"NextToken"`
	ExclusiveStartShardId   *string             `json:"ExclusiveStartShardId"`
	MaxResults              *int64              `json:"MaxResults"`
	StreamCreationTimestamp *awsproto.Timestamp `json:"StreamCreationTimestamp"`
	ShardFilter             *shardFilter        `json:"ShardFilter"`
}

type listShardsOutput struct {
	Shards    []shardOut `json:"Shards"`
	NextToken *string    `json:"NextToken,omitempty"`
}

// PutRecord, PutRecords.

type putRecordInput struct {
	streamRef
	Data                      []byte  `json:"Data"`
	PartitionKey              *string `json:"PartitionKey"`
	ExplicitHashKey           *string `json:"ExplicitHashKey"`
	SequenceNumberForOrdering *string `json:"SequenceNumberForOrdering"`
}

type putRecordOutput struct {
	ShardId        string `json:"ShardId"`
	SequenceNumber string `json:"SequenceNumber"`
	EncryptionType string `json:"EncryptionType,omitempty"`
}

// putRecordsEntry is one record of PutRecords. Data is nil when absent or
// null, and non-nil (possibly empty) when present.
type putRecordsEntry struct {
	Data            []byte  `json:"Data"`
	PartitionKey    *string `json:"PartitionKey"`
	ExplicitHashKey *string `json:"ExplicitHashKey"`
}

type putRecordsInput struct {
	streamRef
	Records []*putRecordsEntry `json:"Records"`
}

type putRecordsResultEntry struct {
	SequenceNumber *string `json:"SequenceNumber,omitempty"`
	ShardId        *string `json:"ShardId,omitempty"`
	ErrorCode      *string `json:"ErrorCode,omitempty"`
	ErrorMessage   *string `json:"ErrorMessage,omitempty"`
}

type putRecordsOutput struct {
	FailedRecordCount int64                   `json:"FailedRecordCount"`
	Records           []putRecordsResultEntry `json:"Records"`
	EncryptionType    string                  `json:"EncryptionType,omitempty"`
}

// GetShardIterator, GetRecords.

type getShardIteratorInput struct {
	streamRef
	ShardId                *string             `json:"ShardId"`
	ShardIteratorType      *string             `json:"ShardIteratorType"`
	StartingSequenceNumber *string             `json:"StartingSequenceNumber"`
	Timestamp              *awsproto.Timestamp `json:"Timestamp"`
}

type getShardIteratorOutput struct {
	ShardIterator string `json:"ShardIterator"`
}

type getRecordsInput struct {
	ShardIterator *string `json:"ShardIterator"`
	Limit         *int64  `json:"Limit"`
	StreamARN     *string `json:"StreamARN"`
}

type recordOut struct {
	SequenceNumber              string             `json:"SequenceNumber"`
	ApproximateArrivalTimestamp awsproto.Timestamp `json:"ApproximateArrivalTimestamp"`
	Data                        []byte             `json:"Data"`
	PartitionKey                string             `json:"PartitionKey"`
}

type getRecordsOutput struct {
	Records            []recordOut  `json:"Records"`
	NextShardIterator  *string      `json:"NextShardIterator,omitempty"`
	MillisBehindLatest int64        `json:"MillisBehindLatest"`
	ChildShards        []childShard `json:"ChildShards,omitempty"`
}

// Retention.

type retentionInput struct {
	streamRef
	RetentionPeriodHours *int64 `json:"RetentionPeriodHours"`
}

// Tags.

type addTagsToStreamInput struct {
	streamRef
	Tags map[string]string `json:"Tags"`
}

type removeTagsFromStreamInput struct {
	streamRef
	TagKeys []string `json:"TagKeys"`
}

type listTagsForStreamInput struct {
	streamRef
	ExclusiveStartTagKey *string `json:"ExclusiveStartTagKey"`
	Limit                *int64  `json:"Limit"`
}

type listTagsForStreamOutput struct {
	Tags        []tag `json:"Tags"`
	HasMoreTags bool  `json:"HasMoreTags"`
}

type tagResourceInput struct {
	ResourceARN *string           `json:"ResourceARN"`
	Tags        map[string]string `json:"Tags"`
}

type untagResourceInput struct {
	ResourceARN *string  `json:"ResourceARN"`
	TagKeys     []string `json:"TagKeys"`
}

type listTagsForResourceInput struct {
	ResourceARN *string `json:"ResourceARN"`
}

type listTagsForResourceOutput struct {
	Tags []tag `json:"Tags"`
}

// DescribeLimits.

type describeLimitsInput struct{}

type describeLimitsOutput struct {
	ShardLimit               int64 `json:"ShardLimit"`
	OpenShardCount           int64 `json:"OpenShardCount"`
	OnDemandStreamCount      int64 `json:"OnDemandStreamCount"`
	OnDemandStreamCountLimit int64 `json:"OnDemandStreamCountLimit"`
}

// SplitShard, MergeShards, UpdateShardCount, UpdateStreamMode.

type splitShardInput struct {
	streamRef
	ShardToSplit       *string `json:"ShardToSplit"`
	NewStartingHashKey *string `json:"NewStartingHashKey"`
}

type mergeShardsInput struct {
	streamRef
	ShardToMerge         *string `json:"ShardToMerge"`
	AdjacentShardToMerge *string `json:"AdjacentShardToMerge"`
}

type updateShardCountInput struct {
	streamRef
	TargetShardCount *int64  `json:"TargetShardCount"`
	ScalingType      *string `json:"ScalingType"`
}

type updateShardCountOutput struct {
	StreamName        string `json:"StreamName"`
	StreamARN         string `json:"StreamARN"`
	CurrentShardCount int64  `json:"CurrentShardCount"`
	TargetShardCount  int64  `json:"TargetShardCount"`
}

type updateStreamModeInput struct {
	StreamARN           *string            `json:"StreamARN"`
	StreamModeDetails   *streamModeDetails `json:"StreamModeDetails"`
	WarmThroughputMiBps *int64             `json:"WarmThroughputMiBps"`
}

// Enhanced monitoring, record size, warm throughput, account settings.

type enhancedMonitoringInput struct {
	streamRef
	ShardLevelMetrics []string `json:"ShardLevelMetrics"`
}

type enhancedMonitoringOutput struct {
	StreamName               string   `json:"StreamName"`
	StreamARN                string   `json:"StreamARN"`
	CurrentShardLevelMetrics []string `json:"CurrentShardLevelMetrics"`
	DesiredShardLevelMetrics []string `json:"DesiredShardLevelMetrics"`
}

type updateMaxRecordSizeInput struct {
	StreamARN          *string `json:"StreamARN"`
	MaxRecordSizeInKiB *int64  `json:"MaxRecordSizeInKiB"`
}

type warmThroughput struct {
	TargetMiBps  *int64 `json:"TargetMiBps,omitempty"`
	CurrentMiBps *int64 `json:"CurrentMiBps,omitempty"`
}

type updateStreamWarmThroughputInput struct {
	streamRef
	WarmThroughputMiBps *int64 `json:"WarmThroughputMiBps"`
}

type updateStreamWarmThroughputOutput struct {
	StreamName     string          `json:"StreamName"`
	StreamARN      string          `json:"StreamARN"`
	WarmThroughput *warmThroughput `json:"WarmThroughput"`
}

type billingCommitmentInput struct {
	Status *string `json:"Status"`
}

type billingCommitmentOutput struct {
	Status               string              `json:"Status"`
	StartedAt            *awsproto.Timestamp `json:"StartedAt,omitempty"`
	EndedAt              *awsproto.Timestamp `json:"EndedAt,omitempty"`
	EarliestAllowedEndAt *awsproto.Timestamp `json:"EarliestAllowedEndAt,omitempty"`
}

type describeAccountSettingsInput struct{}

type accountSettingsOutput struct {
	MinimumThroughputBillingCommitment *billingCommitmentOutput `json:"MinimumThroughputBillingCommitment,omitempty"`
}

type updateAccountSettingsInput struct {
	MinimumThroughputBillingCommitment *billingCommitmentInput `json:"MinimumThroughputBillingCommitment"`
}

// Enhanced fan-out: consumers and SubscribeToShard.

type consumerOut struct {
	ConsumerName              string             `json:"ConsumerName"`
	ConsumerARN               string             `json:"ConsumerARN"`
	ConsumerStatus            string             `json:"ConsumerStatus"`
	ConsumerCreationTimestamp awsproto.Timestamp `json:"ConsumerCreationTimestamp"`
}

type consumerDescription struct {
	consumerOut
	StreamARN string `json:"StreamARN"`
}

type registerStreamConsumerInput struct {
	StreamARN    *string           `json:"StreamARN"`
	ConsumerName *string           `json:"ConsumerName"`
	Tags         map[string]string `json:"Tags"`
}

type registerStreamConsumerOutput struct {
	Consumer consumerOut `json:"Consumer"`
}

// consumerRef names a consumer by ARN, or by stream ARN and name.
type consumerRef struct {
	StreamARN    *string `json:"StreamARN"`
	ConsumerName *string `json:"ConsumerName"`
	ConsumerARN  *string `json:"ConsumerARN"`
}

type describeStreamConsumerOutput struct {
	ConsumerDescription consumerDescription `json:"ConsumerDescription"`
}

type listStreamConsumersInput struct {
	StreamARN               *string             `json:"StreamARN"`
	NextToken               *string             `json:"NextToken"`
	MaxResults              *int64              `json:"MaxResults"`
	StreamCreationTimestamp *awsproto.Timestamp `json:"StreamCreationTimestamp"`
}

type listStreamConsumersOutput struct {
	Consumers []consumerOut `json:"Consumers"`
	NextToken *string       `json:"NextToken,omitempty"`
}

type startingPosition struct {
	Type           *string             `json:"Type"`
	SequenceNumber *string             `json:"SequenceNumber"`
	Timestamp      *awsproto.Timestamp `json:"Timestamp"`
}

type subscribeToShardInput struct {
	ConsumerARN      *string           `json:"ConsumerARN"`
	ShardId          *string           `json:"ShardId"`
	StartingPosition *startingPosition `json:"StartingPosition"`
}

// subscribeToShardEvent is the payload of one SubscribeToShardEvent.
// ContinuationSequenceNumber is null once the shard has ended.
type subscribeToShardEvent struct {
	Records                    []recordOut  `json:"Records"`
	ContinuationSequenceNumber *string      `json:"ContinuationSequenceNumber"`
	MillisBehindLatest         int64        `json:"MillisBehindLatest"`
	ChildShards                []childShard `json:"ChildShards,omitempty"`
}

type updateRecordDistributionInput struct {
	StreamARN                  *string `json:"StreamARN"`
	RecordDistributionStrategy *string `json:"RecordDistributionStrategy"`
}
