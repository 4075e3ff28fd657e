package firehose

import (
	"context"
	"fmt"
	"strconv"

	"github.com/eddy-streaming/eddy/internal/awsproto"
)

func (s *Service) describeDeliveryStream(ctx context.Context, in *DescribeDeliveryStreamInput) (any, error) {
	if err := checkName(in.DeliveryStreamName, "deliveryStreamName"); err != nil {
		return nil, err
	}
	if in.Limit != nil && (*in.Limit < 1 || *in.Limit > 10000) {
		return nil, validation(fmt.Sprintf("Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000", *in.Limit))
	}
	ds, err := s.lookup(*in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	m := ds.snapshot()
	ds.mu.Lock()
	failure := ds.failure
	ds.mu.Unlock()
	desc := DeliveryStreamDescription{
		DeliveryStreamName:                    m.Name,
		DeliveryStreamARN:                     s.arn(m.Name),
		DeliveryStreamStatus:                  "ACTIVE",
		FailureDescription:                    failure,
		DeliveryStreamType:                    m.Type,
		VersionId:                             strconv.FormatInt(m.Version, 10),
		CreateTimestamp:                       awsproto.NewTimestamp(m.Created),
		LastUpdateTimestamp:                   awsproto.NewTimestamp(m.Updated),
		DeliveryStreamEncryptionConfiguration: m.Encryption,
	}
	if desc.DeliveryStreamEncryptionConfiguration == nil {
		desc.DeliveryStreamEncryptionConfiguration = &EncryptionDescription{Status: "DISABLED"}
	}
	dd := DestinationDescription{DestinationId: "destinationId-000000000001"}
	switch {
	case m.Dest.ExtendedS3 != nil:
		e := *m.Dest.ExtendedS3
		fillS3Defaults(&e)
		if e.S3BackupConfiguration != nil {
			b := *e.S3BackupConfiguration
			fillPlainDefaults(&b)
			e.S3BackupDescription, e.S3BackupConfiguration = &b, nil
		}
		plain := &S3DestinationConfiguration{RoleARN: e.RoleARN, BucketARN: e.BucketARN, Prefix: e.Prefix,
			ErrorOutputPrefix: e.ErrorOutputPrefix, BufferingHints: e.BufferingHints, CompressionFormat: e.CompressionFormat,
			EncryptionConfiguration: e.EncryptionConfiguration, CloudWatchLoggingOptions: e.CloudWatchLoggingOptions}
		dd.S3DestinationDescription = plain
		if !m.Dest.Plain {
			dd.ExtendedS3DestinationDescription = &e
		}
	case m.Dest.HTTP != nil:
		h := *m.Dest.HTTP
		if h.EndpointConfiguration != nil {
			ec := *h.EndpointConfiguration
			ec.AccessKey = "" // never described
			h.EndpointConfiguration = &ec
		}
		if h.S3Configuration != nil {
			b := *h.S3Configuration
			fillPlainDefaults(&b)
			h.S3DestinationDescription, h.S3Configuration = &b, nil
		}
		if h.S3BackupMode == "" {
			h.S3BackupMode = "FailedDataOnly"
		}
		dd.HttpEndpointDestinationDescription = &h
	case m.Dest.PostgreSQL != nil:
		pg := *m.Dest.PostgreSQL
		pg.ConnectionString = "" // holds credentials
		if pg.S3Configuration != nil {
			b := *pg.S3Configuration
			pg.S3DestinationDescription, pg.S3Configuration = &b, nil
		}
		dd.PostgreSQLDestinationDescription = &pg
	}
	desc.Destinations = []DestinationDescription{dd}
	if src := m.Source; src != nil {
		desc.Source = &SourceDescription{KinesisStreamSourceDescription: &KinesisStreamSourceDescription{
			KinesisStreamARN: src.ARN, RoleARN: src.RoleARN, DeliveryStartTimestamp: awsproto.NewTimestamp(src.Started)}}
	}
	return &DescribeDeliveryStreamOutput{DeliveryStreamDescription: desc}, nil
}

func intPtr(v int) *int { return &v }

func fillPlainDefaults(c *S3DestinationConfiguration) {
	if c.BufferingHints == nil {
		c.BufferingHints = &BufferingHints{}
	}
	h := *c.BufferingHints
	if h.SizeInMBs == nil {
		h.SizeInMBs = intPtr(5)
	}
	if h.IntervalInSeconds == nil {
		h.IntervalInSeconds = intPtr(300)
	}
	c.BufferingHints = &h
	if c.CompressionFormat == "" {
		c.CompressionFormat = "UNCOMPRESSED"
	}
	if c.EncryptionConfiguration == nil {
		c.EncryptionConfiguration = &EncryptionConfiguration{NoEncryptionConfig: "NoEncryption"}
	}
}

func fillS3Defaults(e *ExtendedS3DestinationConfiguration) {
	conversion := e.DataFormatConversionConfiguration != nil && isTrue(e.DataFormatConversionConfiguration.Enabled)
	h := BufferingHints{}
	if e.BufferingHints != nil {
		h = *e.BufferingHints
	}
	if h.SizeInMBs == nil {
		if conversion {
			h.SizeInMBs = intPtr(128)
		} else {
			h.SizeInMBs = intPtr(5)
		}
	}
	if h.IntervalInSeconds == nil {
		h.IntervalInSeconds = intPtr(300)
	}
	e.BufferingHints = &h
	if e.CompressionFormat == "" {
		e.CompressionFormat = "UNCOMPRESSED"
	}
	if e.EncryptionConfiguration == nil {
		e.EncryptionConfiguration = &EncryptionConfiguration{NoEncryptionConfig: "NoEncryption"}
	}
	if e.S3BackupMode == "" {
		e.S3BackupMode = "Disabled"
	}
}
