package firehose

import (
	"fmt"
	"strings"
	"time"

	"github.com/eddy-streaming/eddy/internal/firehose/compress"
	"github.com/eddy-streaming/eddy/internal/firehose/convert"
	"github.com/eddy-streaming/eddy/internal/firehose/process"
	"github.com/eddy-streaming/eddy/internal/firehose/sink"
)

// compile turns a stored destination into a pipeline, validating it.
func (s *Service) compile(name string, version int64, d destination) (*pipeline, error) {
	p := &pipeline{version: version, dest: d}
	arn := s.arn(name)
	switch {
	case d.ExtendedS3 != nil:
		return p, s.compileS3(p, d.ExtendedS3, arn)
	case d.HTTP != nil:
		return p, s.compileHTTP(p, d.HTTP, arn)
	case d.PostgreSQL != nil:
		return p, s.compilePostgreSQL(p, d.PostgreSQL, arn)
	}
	return nil, invalidArgument("Exactly one destination configuration must be specified")
}

func (s *Service) compileS3(p *pipeline, c *ExtendedS3DestinationConfiguration, arn string) error {
	p.kind = destS3
	var err error
	if p.bucket, err = s.bucket(c.BucketARN); err != nil {
		return err
	}
	p.errBucket = p.bucket
	p.dynamic = c.DynamicPartitioningConfiguration != nil && isTrue(c.DynamicPartitioningConfiguration.Enabled)
	conversion := c.DataFormatConversionConfiguration != nil && isTrue(c.DataFormatConversionConfiguration.Enabled)
	defSize := 5
	if conversion {
		defSize = 128
	}
	size, interval, err := hints(c.BufferingHints, defSize, 128, 300)
	if err != nil {
		return err
	}
	if conversion && size < 64 && !s.opts.SmallParquetBuffers {
		return invalidArgument("BufferingHints.SizeInMBs must be at least 64 when data format conversion is enabled")
	}
	p.sizeLimit, p.interval = size<<20, time.Duration(interval)*time.Second
	if p.prefix, err = process.CompileTemplate(c.Prefix, !p.dynamic); err != nil {
		return invalidArgument("Prefix: " + err.Error())
	}
	if (p.prefix.HasQueryKeys || p.prefix.HasLambdaKeys) && !p.dynamic {
		return invalidArgument("partitionKeyFromQuery and partitionKeyFromLambda namespaces can only be used when dynamic partitioning is enabled")
	}
	if p.prefix.HasErrorType {
		return invalidArgument("The firehose:error-output-type namespace can only be used in ErrorOutputPrefix")
	}
	if p.dynamic && !(p.prefix.HasQueryKeys || p.prefix.HasLambdaKeys) {
		return invalidArgument("When dynamic partitioning is enabled, the Prefix must use partitionKeyFromQuery or partitionKeyFromLambda")
	}
	if strings.Contains(c.Prefix, "!{") && c.ErrorOutputPrefix == "" {
		return invalidArgument("ErrorOutputPrefix cannot be null or empty when Prefix contains expressions")
	}
	if err := s.compileErrorPrefix(p, c.ErrorOutputPrefix); err != nil {
		return err
	}
	if err := s.compileProcessing(p, c.ProcessingConfiguration, arn); err != nil {
		return err
	}
	if p.extractor == nil && p.prefix.HasQueryKeys {
		return invalidArgument("partitionKeyFromQuery requires a MetadataExtraction processor")
	}
	if p.transform == nil && p.prefix.HasLambdaKeys {
		return invalidArgument("partitionKeyFromLambda requires a Lambda processor")
	}
	p.compression = c.CompressionFormat
	if p.compression == "" {
		p.compression = compress.Uncompressed
	}
	if !compress.Valid(p.compression) {
		return validation(fmt.Sprintf("Value '%s' at 'extendedS3DestinationConfiguration.compressionFormat' failed to satisfy constraint: Member must satisfy enum value set: [UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY]", c.CompressionFormat))
	}
	p.ext = compress.Extension(p.compression)
	if conversion {
		if p.compression != compress.Uncompressed {
			return invalidArgument("CompressionFormat must be UNCOMPRESSED when data format conversion is enabled; compress inside Parquet with ParquetSerDe.Compression")
		}
		if p.converter, err = s.compileConversion(c.DataFormatConversionConfiguration); err != nil {
			return err
		}
		p.ext = ".parquet"
	}
	if c.FileExtension != "" {
		if !strings.HasPrefix(c.FileExtension, ".") || len(c.FileExtension) > 128 || strings.ContainsAny(c.FileExtension, "/\\") {
			return invalidArgument("FileExtension must start with '.' and hold no slashes")
		}
		p.ext = c.FileExtension
	}
	if c.CustomTimeZone != "" && c.CustomTimeZone != "UTC" {
		return invalidArgument("CustomTimeZone: only UTC is supported")
	}
	switch c.S3BackupMode {
	case "", "Disabled":
	case "Enabled":
		if c.S3BackupConfiguration == nil {
			return invalidArgument("S3BackupConfiguration is required when S3BackupMode is Enabled")
		}
		if err := s.compileBackup(p, c.S3BackupConfiguration); err != nil {
			return err
		}
		p.backupAll = true
	default:
		return validation(fmt.Sprintf("Value '%s' at 'extendedS3DestinationConfiguration.s3BackupMode' failed to satisfy constraint: Member must satisfy enum value set: [Disabled, Enabled]", c.S3BackupMode))
	}
	return nil
}

func (s *Service) compileErrorPrefix(p *pipeline, prefix string) error {
	src := prefix
	if src == "" {
		src = "!{firehose:error-output-type}/"
	}
	t, err := process.CompileTemplate(src, true)
	if err != nil {
		return invalidArgument("ErrorOutputPrefix: " + err.Error())
	}
	if t.HasQueryKeys || t.HasLambdaKeys {
		return invalidArgument("ErrorOutputPrefix cannot use the partitionKeyFromQuery or partitionKeyFromLambda namespaces")
	}
	p.errPrefix = t
	return nil
}

func (s *Service) compileBackup(p *pipeline, c *S3DestinationConfiguration) error {
	var err error
	if p.backupBucket, err = s.bucket(c.BucketARN); err != nil {
		return err
	}
	if p.backupPrefix, err = process.CompileTemplate(c.Prefix, true); err != nil {
		return invalidArgument("S3 backup Prefix: " + err.Error())
	}
	if p.backupPrefix.HasQueryKeys || p.backupPrefix.HasLambdaKeys || p.backupPrefix.HasErrorType {
		return invalidArgument("S3 backup Prefix can only use the timestamp and firehose:random-string namespaces")
	}
	p.backupComp = c.CompressionFormat
	if p.backupComp == "" {
		p.backupComp = compress.Uncompressed
	}
	if !compress.Valid(p.backupComp) {
		return invalidArgument(fmt.Sprintf("Unknown CompressionFormat %q", c.CompressionFormat))
	}
	return nil
}

// compileSideBucket sets up the S3 configuration of an HTTP or PostgreSQL
// destination: the error output and, with AllData, the backup.
func (s *Service) compileSideBucket(p *pipeline, c *S3DestinationConfiguration, mode, field string) error {
	if c == nil {
		return invalidArgument(field + ".S3Configuration is required")
	}
	if err := s.compileBackup(p, c); err != nil {
		return err
	}
	p.errBucket = p.backupBucket
	if err := s.compileErrorPrefix(p, c.ErrorOutputPrefix); err != nil {
		return err
	}
	switch mode {
	case "", "FailedDataOnly":
	case "AllData":
		p.backupAll = true
	default:
		return validation(fmt.Sprintf("Value '%s' at '%s.s3BackupMode' failed to satisfy constraint: Member must satisfy enum value set: [FailedDataOnly, AllData]", mode, field))
	}
	return nil
}

func retryDuration(r *RetryOptions) (time.Duration, error) {
	d := 300
	if r != nil && r.DurationInSeconds != nil {
		d = *r.DurationInSeconds
	}
	if d < 0 || d > 7200 {
		return 0, validation(fmt.Sprintf("Value '%d' at 'retryOptions.durationInSeconds' failed to satisfy constraint: Member must have value between 0 and 7200", d))
	}
	return time.Duration(d) * time.Second, nil
}

func (s *Service) compileHTTP(p *pipeline, c *HttpEndpointDestinationConfiguration, arn string) error {
	p.kind = destHTTP
	if c.EndpointConfiguration == nil || c.EndpointConfiguration.Url == "" {
		return invalidArgument("HttpEndpointDestinationConfiguration.EndpointConfiguration.Url is required")
	}
	u := c.EndpointConfiguration.Url
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return invalidArgument("EndpointConfiguration.Url must be an http(s) URL")
	}
	size, interval, err := hints(c.BufferingHints, 5, 64, 300)
	if err != nil {
		return err
	}
	p.sizeLimit, p.interval = size<<20, time.Duration(interval)*time.Second
	if p.retryDuration, err = retryDuration(c.RetryOptions); err != nil {
		return err
	}
	if err := s.compileSideBucket(p, c.S3Configuration, c.S3BackupMode, "httpEndpointDestinationConfiguration"); err != nil {
		return err
	}
	if err := s.compileProcessing(p, c.ProcessingConfiguration, arn); err != nil {
		return err
	}
	h := &sink.HTTPEndpoint{URL: u, AccessKey: c.EndpointConfiguration.AccessKey, SourceARN: arn, Client: s.opts.HTTPClient}
	if rc := c.RequestConfiguration; rc != nil {
		switch rc.ContentEncoding {
		case "", "NONE":
		case "GZIP":
			h.GZIP = true
		default:
			return invalidArgument("RequestConfiguration.ContentEncoding must be NONE or GZIP")
		}
		if len(rc.CommonAttributes) > 0 {
			h.CommonAttributes = map[string]string{}
			for _, a := range rc.CommonAttributes {
				h.CommonAttributes[a.AttributeName] = a.AttributeValue
			}
		}
	}
	p.http = h
	return nil
}

func (s *Service) compilePostgreSQL(p *pipeline, c *PostgreSQLDestinationConfiguration, arn string) error {
	p.kind = destPostgreSQL
	if c.ConnectionString == "" || c.Table == "" {
		return invalidArgument("PostgreSQLDestinationConfiguration requires ConnectionString and Table")
	}
	columns := false
	switch c.Mode {
	case "", "jsonb":
	case "columns":
		columns = true
	default:
		return invalidArgument("PostgreSQLDestinationConfiguration.Mode must be jsonb or columns")
	}
	size, interval, err := hints(c.BufferingHints, 5, 128, 60)
	if err != nil {
		return err
	}
	p.sizeLimit, p.interval = size<<20, time.Duration(interval)*time.Second
	if p.retryDuration, err = retryDuration(c.RetryOptions); err != nil {
		return err
	}
	if err := s.compileSideBucket(p, c.S3Configuration, c.S3BackupMode, "postgreSQLDestinationConfiguration"); err != nil {
		return err
	}
	if err := s.compileProcessing(p, c.ProcessingConfiguration, arn); err != nil {
		return err
	}
	p.pg = sink.NewPostgreSQL(c.ConnectionString, c.Table, columns, c.JSONBColumn)
	return nil
}

func (s *Service) compileConversion(c *DataFormatConversionConfiguration) (*convert.Converter, error) {
	if c.OutputFormatConfiguration == nil || c.OutputFormatConfiguration.Serializer == nil {
		return nil, invalidArgument("DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer is required")
	}
	ser := c.OutputFormatConfiguration.Serializer
	if ser.OrcSerDe != nil {
		return nil, invalidArgument("ORC output (OrcSerDe) is not supported yet; use ParquetSerDe")
	}
	if ser.ParquetSerDe == nil {
		return nil, invalidArgument("Serializer must set ParquetSerDe")
	}
	sc := c.SchemaConfiguration
	if sc == nil {
		return nil, invalidArgument("DataFormatConversionConfiguration.SchemaConfiguration is required")
	}
	columns := sc.Columns
	if len(columns) == 0 {
		columns = s.opts.Tables[sc.DatabaseName+"."+sc.TableName]
	}
	if len(columns) == 0 {
		return nil, invalidArgument(fmt.Sprintf("Table %s.%s has no schema: Eddy has no Glue catalog, so give the columns inline in SchemaConfiguration.Columns or configure the table", sc.DatabaseName, sc.TableName))
	}
	opts := convert.Options{CaseInsensitive: true, Compression: ser.ParquetSerDe.Compression}
	for _, col := range columns {
		opts.Columns = append(opts.Columns, convert.Column{Name: col.Name, Type: col.Type})
	}
	if v := ser.ParquetSerDe.PageSizeBytes; v != nil {
		opts.PageSizeBytes = *v
	}
	if v := ser.ParquetSerDe.BlockSizeBytes; v != nil {
		opts.BlockSizeBytes = *v
	}
	opts.EnableDictionaryCompression = isTrue(ser.ParquetSerDe.EnableDictionaryCompression)
	if in := c.InputFormatConfiguration; in != nil && in.Deserializer != nil {
		if ox := in.Deserializer.OpenXJsonSerDe; ox != nil {
			if ox.CaseInsensitive != nil {
				opts.CaseInsensitive = *ox.CaseInsensitive
			}
			opts.ConvertDotsInJSONKeysToUnderscores = isTrue(ox.ConvertDotsInJsonKeysToUnderscores)
			opts.ColumnToJSONKeyMappings = ox.ColumnToJsonKeyMappings
		}
		if hv := in.Deserializer.HiveJsonSerDe; hv != nil {
			opts.TimestampFormats = hv.TimestampFormats
		}
	}
	conv, err := convert.New(opts)
	if err != nil {
		return nil, invalidArgument("DataFormatConversionConfiguration: " + err.Error())
	}
	return conv, nil
}
