package kinesisanalytics

import "github.com/eddy-streaming/eddy/internal/awsproto"

// The wire shapes of the KinesisAnalytics_20150814 API (JSON 1.1), named
// as in the AWS model. Pointers mark members whose absence matters.

// RecordColumn is one column of a source schema.
type RecordColumn struct {
	Name    *string `json:"Name"`
	SqlType *string `json:"SqlType"`
	Mapping *string `json:"Mapping,omitempty"`
}

// CSVMappingParameters are the delimiters of CSV records.
type CSVMappingParameters struct {
	RecordRowDelimiter    *string `json:"RecordRowDelimiter"`
	RecordColumnDelimiter *string `json:"RecordColumnDelimiter"`
}

// JSONMappingParameters give the path of a row in a JSON record.
type JSONMappingParameters struct {
	RecordRowPath *string `json:"RecordRowPath"`
}

// MappingParameters hold the format-specific mapping parameters.
type MappingParameters struct {
	JSONMappingParameters *JSONMappingParameters `json:"JSONMappingParameters,omitempty"`
	CSVMappingParameters  *CSVMappingParameters  `json:"CSVMappingParameters,omitempty"`
}

// RecordFormat is JSON or CSV with its mapping parameters.
type RecordFormat struct {
	RecordFormatType  *string            `json:"RecordFormatType"`
	MappingParameters *MappingParameters `json:"MappingParameters,omitempty"`
}

// SourceSchema maps records to the columns of an in-application stream or
// table.
type SourceSchema struct {
	RecordFormat   *RecordFormat  `json:"RecordFormat"`
	RecordEncoding *string        `json:"RecordEncoding,omitempty"`
	RecordColumns  []RecordColumn `json:"RecordColumns"`
}

// InputParallelism is the number of in-application streams of an input.
type InputParallelism struct {
	Count *int64 `json:"Count,omitempty"`
}

// ResourceRole is a resource ARN with the role to reach it (Kinesis
// streams and Firehose inputs and outputs, Lambda outputs).
type ResourceRole struct {
	ResourceARN *string `json:"ResourceARN"`
	RoleARN     *string `json:"RoleARN"`
}

// InputLambdaProcessor preprocesses records (not supported).
type InputLambdaProcessor struct {
	ResourceARN *string `json:"ResourceARN"`
	RoleARN     *string `json:"RoleARN"`
}

// InputProcessingConfiguration configures record preprocessing.
type InputProcessingConfiguration struct {
	InputLambdaProcessor *InputLambdaProcessor `json:"InputLambdaProcessor"`
}

// Input is an application's streaming source.
type Input struct {
	NamePrefix                   *string                       `json:"NamePrefix"`
	InputProcessingConfiguration *InputProcessingConfiguration `json:"InputProcessingConfiguration,omitempty"`
	KinesisStreamsInput          *ResourceRole                 `json:"KinesisStreamsInput,omitempty"`
	KinesisFirehoseInput         *ResourceRole                 `json:"KinesisFirehoseInput,omitempty"`
	InputParallelism             *InputParallelism             `json:"InputParallelism,omitempty"`
	InputSchema                  *SourceSchema                 `json:"InputSchema"`
}

// DestinationSchema is the record format of an output.
type DestinationSchema struct {
	RecordFormatType *string `json:"RecordFormatType"`
}

// Output routes an in-application stream to a destination.
type Output struct {
	Name                  *string            `json:"Name"`
	KinesisStreamsOutput  *ResourceRole      `json:"KinesisStreamsOutput,omitempty"`
	KinesisFirehoseOutput *ResourceRole      `json:"KinesisFirehoseOutput,omitempty"`
	LambdaOutput          *ResourceRole      `json:"LambdaOutput,omitempty"`
	DestinationSchema     *DestinationSchema `json:"DestinationSchema"`
}

// S3ReferenceDataSource names the object that holds a reference table.
// Eddy also takes a BucketARN of the form file:///dir (FileKey is then a
// path under dir).
type S3ReferenceDataSource struct {
	BucketARN        *string `json:"BucketARN"`
	FileKey          *string `json:"FileKey"`
	ReferenceRoleARN *string `json:"ReferenceRoleARN"`
}

// ReferenceDataSource is an in-application reference table.
type ReferenceDataSource struct {
	TableName             *string                `json:"TableName"`
	S3ReferenceDataSource *S3ReferenceDataSource `json:"S3ReferenceDataSource,omitempty"`
	ReferenceSchema       *SourceSchema          `json:"ReferenceSchema"`
}

// CloudWatchLoggingOption is stored and described, not acted on.
type CloudWatchLoggingOption struct {
	LogStreamARN *string `json:"LogStreamARN"`
	RoleARN      *string `json:"RoleARN"`
}

// Tag is a key-value pair.
type Tag struct {
	Key   *string `json:"Key"`
	Value *string `json:"Value,omitempty"`
}

// InputStartingPositionConfiguration says where an input starts reading.
type InputStartingPositionConfiguration struct {
	InputStartingPosition *string `json:"InputStartingPosition,omitempty"`
}

// InputConfiguration is one input's start configuration.
type InputConfiguration struct {
	Id                                 *string                             `json:"Id"`
	InputStartingPositionConfiguration *InputStartingPositionConfiguration `json:"InputStartingPositionConfiguration"`
}

// ApplicationSummary is a line of ListApplications.
type ApplicationSummary struct {
	ApplicationName   string `json:"ApplicationName"`
	ApplicationARN    string `json:"ApplicationARN"`
	ApplicationStatus string `json:"ApplicationStatus"`
}

// InputDescription describes an input.
type InputDescription struct {
	InputId                                 string                              `json:"InputId"`
	NamePrefix                              string                              `json:"NamePrefix"`
	InAppStreamNames                        []string                            `json:"InAppStreamNames"`
	InputProcessingConfigurationDescription *InputProcessingConfiguration       `json:"InputProcessingConfigurationDescription,omitempty"`
	KinesisStreamsInputDescription          *ResourceRole                       `json:"KinesisStreamsInputDescription,omitempty"`
	KinesisFirehoseInputDescription         *ResourceRole                       `json:"KinesisFirehoseInputDescription,omitempty"`
	InputSchema                             *SourceSchema                       `json:"InputSchema"`
	InputParallelism                        *InputParallelism                   `json:"InputParallelism"`
	InputStartingPositionConfiguration      *InputStartingPositionConfiguration `json:"InputStartingPositionConfiguration,omitempty"`
}

// OutputDescription describes an output.
type OutputDescription struct {
	OutputId                         string             `json:"OutputId"`
	Name                             string             `json:"Name"`
	KinesisStreamsOutputDescription  *ResourceRole      `json:"KinesisStreamsOutputDescription,omitempty"`
	KinesisFirehoseOutputDescription *ResourceRole      `json:"KinesisFirehoseOutputDescription,omitempty"`
	LambdaOutputDescription          *ResourceRole      `json:"LambdaOutputDescription,omitempty"`
	DestinationSchema                *DestinationSchema `json:"DestinationSchema"`
}

// ReferenceDataSourceDescription describes a reference table.
type ReferenceDataSourceDescription struct {
	ReferenceId                      string                 `json:"ReferenceId"`
	TableName                        string                 `json:"TableName"`
	S3ReferenceDataSourceDescription *S3ReferenceDataSource `json:"S3ReferenceDataSourceDescription"`
	ReferenceSchema                  *SourceSchema          `json:"ReferenceSchema"`
}

// CloudWatchLoggingOptionDescription describes a logging option.
type CloudWatchLoggingOptionDescription struct {
	CloudWatchLoggingOptionId string `json:"CloudWatchLoggingOptionId"`
	LogStreamARN              string `json:"LogStreamARN"`
	RoleARN                   string `json:"RoleARN"`
}

// ApplicationDetail is DescribeApplication's answer. EddyRuntime is an
// Eddy extension (AWS SDKs ignore members they do not know).
type ApplicationDetail struct {
	ApplicationName                     string                               `json:"ApplicationName"`
	ApplicationDescription              *string                              `json:"ApplicationDescription,omitempty"`
	ApplicationARN                      string                               `json:"ApplicationARN"`
	ApplicationStatus                   string                               `json:"ApplicationStatus"`
	CreateTimestamp                     *awsproto.Timestamp                  `json:"CreateTimestamp,omitempty"`
	LastUpdateTimestamp                 *awsproto.Timestamp                  `json:"LastUpdateTimestamp,omitempty"`
	InputDescriptions                   []InputDescription                   `json:"InputDescriptions"`
	OutputDescriptions                  []OutputDescription                  `json:"OutputDescriptions"`
	ReferenceDataSourceDescriptions     []ReferenceDataSourceDescription     `json:"ReferenceDataSourceDescriptions"`
	CloudWatchLoggingOptionDescriptions []CloudWatchLoggingOptionDescription `json:"CloudWatchLoggingOptionDescriptions"`
	ApplicationCode                     *string                              `json:"ApplicationCode,omitempty"`
	ApplicationVersionId                int64                                `json:"ApplicationVersionId"`
	EddyRuntime                         *Runtime                             `json:"EddyRuntime,omitempty"`
}

// Runtime is what a running application has done since it (re)started:
// the Eddy extension of ApplicationDetail.
type Runtime struct {
	RecordsIn   int64 `json:"RecordsIn"`
	RecordsOut  int64 `json:"RecordsOut"`
	Checkpoints int64 `json:"Checkpoints"`
	// LagMillis is the clock minus the application's time (its lowest
	// input watermark); an idle application lags by the source's commit
	// slack (1 s).
	LagMillis int64 `json:"LagMillis"`
	// ApplicationTime is the application's time, its lowest watermark.
	ApplicationTime *awsproto.Timestamp `json:"ApplicationTime,omitempty"`
	Pumps           []PumpRuntime       `json:"Pumps"`
	// LastError is the failure that made the application restart, if any.
	LastError string `json:"LastError,omitempty"`
}

// PumpRuntime is one pump's row counters.
type PumpRuntime struct {
	Name    string `json:"Name"`
	RowsIn  int64  `json:"RowsIn"`
	RowsOut int64  `json:"RowsOut"`
	Errors  int64  `json:"Errors"`
}
