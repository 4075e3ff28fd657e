package firehose

import "github.com/eddy-streaming/eddy/internal/awsproto"

// Wire shapes of the Firehose_20150804 API, as the AWS SDKs send and
// expect them. Only fields Eddy reads or returns are declared; unknown
// input fields are ignored. Pointer fields distinguish "absent" from zero,
// which matters for defaults and for UpdateDestination merges.

// BufferingHints are the size and interval triggers of a buffer.
type BufferingHints struct {
	SizeInMBs         *int `json:"SizeInMBs,omitempty"`
	IntervalInSeconds *int `json:"IntervalInSeconds,omitempty"`
}

// ProcessorParameter is one parameter of a processor.
type ProcessorParameter struct {
	ParameterName  string `json:"ParameterName"`
	ParameterValue string `json:"ParameterValue"`
}

// Processor is one step of a ProcessingConfiguration: Lambda,
// MetadataExtraction, RecordDeAggregation or AppendDelimiterToRecord.
type Processor struct {
	Type       string               `json:"Type"`
	Parameters []ProcessorParameter `json:"Parameters,omitempty"`
}

// ProcessingConfiguration is the record processing of a destination.
type ProcessingConfiguration struct {
	Enabled    *bool       `json:"Enabled,omitempty"`
	Processors []Processor `json:"Processors,omitempty"`
}

// RetryOptions bound the retries of a destination that has them.
type RetryOptions struct {
	DurationInSeconds *int `json:"DurationInSeconds,omitempty"`
}

// DynamicPartitioningConfiguration turns on buffers per partition.
type DynamicPartitioningConfiguration struct {
	Enabled      *bool         `json:"Enabled,omitempty"`
	RetryOptions *RetryOptions `json:"RetryOptions,omitempty"`
}

// EncryptionConfiguration of S3 objects (recorded, not applied).
type EncryptionConfiguration struct {
	NoEncryptionConfig  string `json:"NoEncryptionConfig,omitempty"`
	KMSEncryptionConfig any    `json:"KMSEncryptionConfig,omitempty"`
}

// CloudWatchLoggingOptions are recorded and echoed.
type CloudWatchLoggingOptions struct {
	Enabled       *bool  `json:"Enabled,omitempty"`
	LogGroupName  string `json:"LogGroupName,omitempty"`
	LogStreamName string `json:"LogStreamName,omitempty"`
}

// SchemaColumn is one column of an inline schema (an Eddy extension of
// SchemaConfiguration: there is no Glue catalog to read the table from).
type SchemaColumn struct {
	Name string `json:"Name"`
	Type string `json:"Type"`
}

// SchemaConfiguration names the schema of format conversion.
type SchemaConfiguration struct {
	CatalogId    string         `json:"CatalogId,omitempty"`
	DatabaseName string         `json:"DatabaseName,omitempty"`
	TableName    string         `json:"TableName,omitempty"`
	Region       string         `json:"Region,omitempty"`
	RoleARN      string         `json:"RoleARN,omitempty"`
	VersionId    string         `json:"VersionId,omitempty"`
	Columns      []SchemaColumn `json:"Columns,omitempty"`
}

// OpenXJsonSerDe configures the OpenX JSON deserializer.
type OpenXJsonSerDe struct {
	ConvertDotsInJsonKeysToUnderscores *bool             `json:"ConvertDotsInJsonKeysToUnderscores,omitempty"`
	CaseInsensitive                    *bool             `json:"CaseInsensitive,omitempty"`
	ColumnToJsonKeyMappings            map[string]string `json:"ColumnToJsonKeyMappings,omitempty"`
}

// HiveJsonSerDe configures the Hive JSON deserializer.
type HiveJsonSerDe struct {
	TimestampFormats []string `json:"TimestampFormats,omitempty"`
}

// Deserializer picks the JSON deserializer.
type Deserializer struct {
	OpenXJsonSerDe *OpenXJsonSerDe `json:"OpenXJsonSerDe,omitempty"`
	HiveJsonSerDe  *HiveJsonSerDe  `json:"HiveJsonSerDe,omitempty"`
}

// InputFormatConfiguration is the input side of format conversion.
type InputFormatConfiguration struct {
	Deserializer *Deserializer `json:"Deserializer,omitempty"`
}

// ParquetSerDe configures the Parquet writer.
type ParquetSerDe struct {
	BlockSizeBytes              *int   `json:"BlockSizeBytes,omitempty"`
	PageSizeBytes               *int   `json:"PageSizeBytes,omitempty"`
	Compression                 string `json:"Compression,omitempty"`
	EnableDictionaryCompression *bool  `json:"EnableDictionaryCompression,omitempty"`
	MaxPaddingBytes             *int   `json:"MaxPaddingBytes,omitempty"`
	WriterVersion               string `json:"WriterVersion,omitempty"`
}

// Serializer picks the output format.
type Serializer struct {
	ParquetSerDe *ParquetSerDe `json:"ParquetSerDe,omitempty"`
	OrcSerDe     any           `json:"OrcSerDe,omitempty"`
}

// OutputFormatConfiguration is the output side of format conversion.
type OutputFormatConfiguration struct {
	Serializer *Serializer `json:"Serializer,omitempty"`
}

// DataFormatConversionConfiguration converts JSON records to Parquet.
type DataFormatConversionConfiguration struct {
	Enabled                   *bool                      `json:"Enabled,omitempty"`
	SchemaConfiguration       *SchemaConfiguration       `json:"SchemaConfiguration,omitempty"`
	InputFormatConfiguration  *InputFormatConfiguration  `json:"InputFormatConfiguration,omitempty"`
	OutputFormatConfiguration *OutputFormatConfiguration `json:"OutputFormatConfiguration,omitempty"`
}

// S3DestinationConfiguration is the plain S3 destination, also used for
// backups and the error output of other destinations.
type S3DestinationConfiguration struct {
	RoleARN                  string                    `json:"RoleARN,omitempty"`
	BucketARN                string                    `json:"BucketARN,omitempty"`
	Prefix                   string                    `json:"Prefix,omitempty"`
	ErrorOutputPrefix        string                    `json:"ErrorOutputPrefix,omitempty"`
	BufferingHints           *BufferingHints           `json:"BufferingHints,omitempty"`
	CompressionFormat        string                    `json:"CompressionFormat,omitempty"`
	EncryptionConfiguration  *EncryptionConfiguration  `json:"EncryptionConfiguration,omitempty"`
	CloudWatchLoggingOptions *CloudWatchLoggingOptions `json:"CloudWatchLoggingOptions,omitempty"`
}

// ExtendedS3DestinationConfiguration is the S3 destination with
// processing, dynamic partitioning and format conversion. Eddy maps the
// bucket to a local directory or an S3-compatible server.
type ExtendedS3DestinationConfiguration struct {
	RoleARN                           string                             `json:"RoleARN,omitempty"`
	BucketARN                         string                             `json:"BucketARN,omitempty"`
	Prefix                            string                             `json:"Prefix,omitempty"`
	ErrorOutputPrefix                 string                             `json:"ErrorOutputPrefix,omitempty"`
	BufferingHints                    *BufferingHints                    `json:"BufferingHints,omitempty"`
	CompressionFormat                 string                             `json:"CompressionFormat,omitempty"`
	EncryptionConfiguration           *EncryptionConfiguration           `json:"EncryptionConfiguration,omitempty"`
	CloudWatchLoggingOptions          *CloudWatchLoggingOptions          `json:"CloudWatchLoggingOptions,omitempty"`
	ProcessingConfiguration           *ProcessingConfiguration           `json:"ProcessingConfiguration,omitempty"`
	S3BackupMode                      string                             `json:"S3BackupMode,omitempty"`
	S3BackupConfiguration             *S3DestinationConfiguration        `json:"S3BackupConfiguration,omitempty"`
	S3BackupUpdate                    *S3DestinationConfiguration        `json:"S3BackupUpdate,omitempty"`
	S3BackupDescription               *S3DestinationConfiguration        `json:"S3BackupDescription,omitempty"`
	DataFormatConversionConfiguration *DataFormatConversionConfiguration `json:"DataFormatConversionConfiguration,omitempty"`
	DynamicPartitioningConfiguration  *DynamicPartitioningConfiguration  `json:"DynamicPartitioningConfiguration,omitempty"`
	FileExtension                     string                             `json:"FileExtension,omitempty"`
	CustomTimeZone                    string                             `json:"CustomTimeZone,omitempty"`
}

// HttpEndpointConfiguration names the endpoint.
type HttpEndpointConfiguration struct {
	Url       string `json:"Url,omitempty"`
	Name      string `json:"Name,omitempty"`
	AccessKey string `json:"AccessKey,omitempty"`
}

// HttpEndpointCommonAttribute is sent with every request.
type HttpEndpointCommonAttribute struct {
	AttributeName  string `json:"AttributeName"`
	AttributeValue string `json:"AttributeValue"`
}

// HttpEndpointRequestConfiguration shapes the requests.
type HttpEndpointRequestConfiguration struct {
	ContentEncoding  string                        `json:"ContentEncoding,omitempty"`
	CommonAttributes []HttpEndpointCommonAttribute `json:"CommonAttributes,omitempty"`
}

// HttpEndpointDestinationConfiguration delivers to an HTTP endpoint.
type HttpEndpointDestinationConfiguration struct {
	EndpointConfiguration    *HttpEndpointConfiguration        `json:"EndpointConfiguration,omitempty"`
	BufferingHints           *BufferingHints                   `json:"BufferingHints,omitempty"`
	CloudWatchLoggingOptions *CloudWatchLoggingOptions         `json:"CloudWatchLoggingOptions,omitempty"`
	RequestConfiguration     *HttpEndpointRequestConfiguration `json:"RequestConfiguration,omitempty"`
	ProcessingConfiguration  *ProcessingConfiguration          `json:"ProcessingConfiguration,omitempty"`
	RoleARN                  string                            `json:"RoleARN,omitempty"`
	RetryOptions             *RetryOptions                     `json:"RetryOptions,omitempty"`
	S3BackupMode             string                            `json:"S3BackupMode,omitempty"`
	S3Configuration          *S3DestinationConfiguration       `json:"S3Configuration,omitempty"`
	S3Update                 *S3DestinationConfiguration       `json:"S3Update,omitempty"`
	S3DestinationDescription *S3DestinationConfiguration       `json:"S3DestinationDescription,omitempty"`
}

// PostgreSQLDestinationConfiguration (an Eddy extension) delivers rows
// into a PostgreSQL table with COPY. Mode "jsonb" writes each record into
// JSONBColumn; mode "columns" maps a JSON object's keys to the table's
// columns (jsonb_populate_record).
type PostgreSQLDestinationConfiguration struct {
	ConnectionString         string                      `json:"ConnectionString,omitempty"`
	Table                    string                      `json:"Table,omitempty"`
	Mode                     string                      `json:"Mode,omitempty"`
	JSONBColumn              string                      `json:"JSONBColumn,omitempty"`
	BufferingHints           *BufferingHints             `json:"BufferingHints,omitempty"`
	ProcessingConfiguration  *ProcessingConfiguration    `json:"ProcessingConfiguration,omitempty"`
	RetryOptions             *RetryOptions               `json:"RetryOptions,omitempty"`
	S3BackupMode             string                      `json:"S3BackupMode,omitempty"`
	S3Configuration          *S3DestinationConfiguration `json:"S3Configuration,omitempty"`
	S3Update                 *S3DestinationConfiguration `json:"S3Update,omitempty"`
	S3DestinationDescription *S3DestinationConfiguration `json:"S3DestinationDescription,omitempty"`
}

// Tag is a key-value tag.
type Tag struct {
	Key   string  `json:"Key"`
	Value *string `json:"Value,omitempty"`
}

// EncryptionInput is DeliveryStreamEncryptionConfigurationInput.
type EncryptionInput struct {
	KeyARN  string `json:"KeyARN,omitempty"`
	KeyType string `json:"KeyType,omitempty"`
}

// KinesisStreamSourceConfiguration names a source stream.
type KinesisStreamSourceConfiguration struct {
	KinesisStreamARN string `json:"KinesisStreamARN,omitempty"`
	RoleARN          string `json:"RoleARN,omitempty"`
}

// CreateDeliveryStreamInput is the input of CreateDeliveryStream.
type CreateDeliveryStreamInput struct {
	DeliveryStreamName                         *string                               `json:"DeliveryStreamName"`
	DeliveryStreamType                         string                                `json:"DeliveryStreamType,omitempty"`
	KinesisStreamSourceConfiguration           *KinesisStreamSourceConfiguration     `json:"KinesisStreamSourceConfiguration,omitempty"`
	DeliveryStreamEncryptionConfigurationInput *EncryptionInput                      `json:"DeliveryStreamEncryptionConfigurationInput,omitempty"`
	S3DestinationConfiguration                 *S3DestinationConfiguration           `json:"S3DestinationConfiguration,omitempty"`
	ExtendedS3DestinationConfiguration         *ExtendedS3DestinationConfiguration   `json:"ExtendedS3DestinationConfiguration,omitempty"`
	HttpEndpointDestinationConfiguration       *HttpEndpointDestinationConfiguration `json:"HttpEndpointDestinationConfiguration,omitempty"`
	PostgreSQLDestinationConfiguration         *PostgreSQLDestinationConfiguration   `json:"PostgreSQLDestinationConfiguration,omitempty"`
	Tags                                       []Tag                                 `json:"Tags,omitempty"`

	// Destinations Eddy does not have; their presence is an error.
	RedshiftDestinationConfiguration                any `json:"RedshiftDestinationConfiguration,omitempty"`
	ElasticsearchDestinationConfiguration           any `json:"ElasticsearchDestinationConfiguration,omitempty"`
	AmazonopensearchserviceDestinationConfiguration any `json:"AmazonopensearchserviceDestinationConfiguration,omitempty"`
	SplunkDestinationConfiguration                  any `json:"SplunkDestinationConfiguration,omitempty"`
	SnowflakeDestinationConfiguration               any `json:"SnowflakeDestinationConfiguration,omitempty"`
	IcebergDestinationConfiguration                 any `json:"IcebergDestinationConfiguration,omitempty"`
}

// CreateDeliveryStreamOutput is the output of CreateDeliveryStream.
type CreateDeliveryStreamOutput struct {
	DeliveryStreamARN string `json:"DeliveryStreamARN"`
}

// DeleteDeliveryStreamInput is the input of DeleteDeliveryStream.
type DeleteDeliveryStreamInput struct {
	DeliveryStreamName *string `json:"DeliveryStreamName"`
	AllowForceDelete   *bool   `json:"AllowForceDelete,omitempty"`
}

// DescribeDeliveryStreamInput is the input of DescribeDeliveryStream.
type DescribeDeliveryStreamInput struct {
	DeliveryStreamName          *string `json:"DeliveryStreamName"`
	Limit                       *int    `json:"Limit,omitempty"`
	ExclusiveStartDestinationId string  `json:"ExclusiveStartDestinationId,omitempty"`
}

// FailureDescription says why a delivery stream or its encryption failed.
type FailureDescription struct {
	Type    string `json:"Type"`
	Details string `json:"Details"`
}

// EncryptionDescription is DeliveryStreamEncryptionConfiguration.
type EncryptionDescription struct {
	KeyARN             string              `json:"KeyARN,omitempty"`
	KeyType            string              `json:"KeyType,omitempty"`
	Status             string              `json:"Status"`
	FailureDescription *FailureDescription `json:"FailureDescription,omitempty"`
}

// DestinationDescription describes the destination.
type DestinationDescription struct {
	DestinationId                      string                                `json:"DestinationId"`
	S3DestinationDescription           *S3DestinationConfiguration           `json:"S3DestinationDescription,omitempty"`
	ExtendedS3DestinationDescription   *ExtendedS3DestinationConfiguration   `json:"ExtendedS3DestinationDescription,omitempty"`
	HttpEndpointDestinationDescription *HttpEndpointDestinationConfiguration `json:"HttpEndpointDestinationDescription,omitempty"`
	PostgreSQLDestinationDescription   *PostgreSQLDestinationConfiguration   `json:"PostgreSQLDestinationDescription,omitempty"`
}

// KinesisStreamSourceDescription describes a Kinesis source.
type KinesisStreamSourceDescription struct {
	KinesisStreamARN       string              `json:"KinesisStreamARN"`
	RoleARN                string              `json:"RoleARN,omitempty"`
	DeliveryStartTimestamp *awsproto.Timestamp `json:"DeliveryStartTimestamp,omitempty"`
}

// SourceDescription describes a delivery stream's source.
type SourceDescription struct {
	KinesisStreamSourceDescription *KinesisStreamSourceDescription `json:"KinesisStreamSourceDescription,omitempty"`
}

// DeliveryStreamDescription is the body of DescribeDeliveryStream.
type DeliveryStreamDescription struct {
	DeliveryStreamName                    string                   `json:"DeliveryStreamName"`
	DeliveryStreamARN                     string                   `json:"DeliveryStreamARN"`
	DeliveryStreamStatus                  string                   `json:"DeliveryStreamStatus"`
	FailureDescription                    *FailureDescription      `json:"FailureDescription,omitempty"`
	DeliveryStreamEncryptionConfiguration *EncryptionDescription   `json:"DeliveryStreamEncryptionConfiguration,omitempty"`
	DeliveryStreamType                    string                   `json:"DeliveryStreamType"`
	VersionId                             string                   `json:"VersionId"`
	CreateTimestamp                       *awsproto.Timestamp      `json:"CreateTimestamp,omitempty"`
	LastUpdateTimestamp                   *awsproto.Timestamp      `json:"LastUpdateTimestamp,omitempty"`
	Source                                *SourceDescription       `json:"Source,omitempty"`
	Destinations                          []DestinationDescription `json:"Destinations"`
	HasMoreDestinations                   bool                     `json:"HasMoreDestinations"`
}

// DescribeDeliveryStreamOutput is the output of DescribeDeliveryStream.
type DescribeDeliveryStreamOutput struct {
	DeliveryStreamDescription DeliveryStreamDescription `json:"DeliveryStreamDescription"`
}

// ListDeliveryStreamsInput is the input of ListDeliveryStreams.
type ListDeliveryStreamsInput struct {
	Limit                            *int   `json:"Limit,omitempty"`
	DeliveryStreamType               string `json:"DeliveryStreamType,omitempty"`
	ExclusiveStartDeliveryStreamName string `json:"ExclusiveStartDeliveryStreamName,omitempty"`
}

// ListDeliveryStreamsOutput is the output of ListDeliveryStreams.
type ListDeliveryStreamsOutput struct {
	DeliveryStreamNames    []string `json:"DeliveryStreamNames"`
	HasMoreDeliveryStreams bool     `json:"HasMoreDeliveryStreams"`
}

// UpdateDestinationInput is the input of UpdateDestination.
type UpdateDestinationInput struct {
	DeliveryStreamName             *string                               `json:"DeliveryStreamName"`
	CurrentDeliveryStreamVersionId *string                               `json:"CurrentDeliveryStreamVersionId"`
	DestinationId                  *string                               `json:"DestinationId"`
	S3DestinationUpdate            *S3DestinationConfiguration           `json:"S3DestinationUpdate,omitempty"`
	ExtendedS3DestinationUpdate    *ExtendedS3DestinationConfiguration   `json:"ExtendedS3DestinationUpdate,omitempty"`
	HttpEndpointDestinationUpdate  *HttpEndpointDestinationConfiguration `json:"HttpEndpointDestinationUpdate,omitempty"`
	PostgreSQLDestinationUpdate    *PostgreSQLDestinationConfiguration   `json:"PostgreSQLDestinationUpdate,omitempty"`
}

// Record is one record of PutRecord(Batch).
type Record struct {
	Data []byte `json:"Data"`
}

// PutRecordInput is the input of PutRecord.
type PutRecordInput struct {
	DeliveryStreamName *string `json:"DeliveryStreamName"`
	Record             *Record `json:"Record"`
}

// PutRecordOutput is the output of PutRecord.
type PutRecordOutput struct {
	RecordId  string `json:"RecordId"`
	Encrypted bool   `json:"Encrypted"`
}

// PutRecordBatchInput is the input of PutRecordBatch.
type PutRecordBatchInput struct {
	DeliveryStreamName *string  `json:"DeliveryStreamName"`
	Records            []Record `json:"Records"`
}

// PutRecordBatchResponseEntry is the outcome for one record.
type PutRecordBatchResponseEntry struct {
	RecordId     string `json:"RecordId,omitempty"`
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

// PutRecordBatchOutput is the output of PutRecordBatch.
type PutRecordBatchOutput struct {
	FailedPutCount   int                           `json:"FailedPutCount"`
	Encrypted        bool                          `json:"Encrypted"`
	RequestResponses []PutRecordBatchResponseEntry `json:"RequestResponses"`
}

// StartEncryptionInput is the input of StartDeliveryStreamEncryption.
type StartEncryptionInput struct {
	DeliveryStreamName                         *string          `json:"DeliveryStreamName"`
	DeliveryStreamEncryptionConfigurationInput *EncryptionInput `json:"DeliveryStreamEncryptionConfigurationInput,omitempty"`
}

// StopEncryptionInput is the input of StopDeliveryStreamEncryption.
type StopEncryptionInput struct {
	DeliveryStreamName *string `json:"DeliveryStreamName"`
}

// TagDeliveryStreamInput is the input of TagDeliveryStream.
type TagDeliveryStreamInput struct {
	DeliveryStreamName *string `json:"DeliveryStreamName"`
	Tags               []Tag   `json:"Tags"`
}

// UntagDeliveryStreamInput is the input of UntagDeliveryStream.
type UntagDeliveryStreamInput struct {
	DeliveryStreamName *string  `json:"DeliveryStreamName"`
	TagKeys            []string `json:"TagKeys"`
}

// ListTagsInput is the input of ListTagsForDeliveryStream.
type ListTagsInput struct {
	DeliveryStreamName   *string `json:"DeliveryStreamName"`
	ExclusiveStartTagKey string  `json:"ExclusiveStartTagKey,omitempty"`
	Limit                *int    `json:"Limit,omitempty"`
}

// ListTagsOutput is the output of ListTagsForDeliveryStream.
type ListTagsOutput struct {
	Tags        []Tag `json:"Tags"`
	HasMoreTags bool  `json:"HasMoreTags"`
}
