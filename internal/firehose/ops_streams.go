package firehose

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"

	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

var namePattern = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)

func checkName(name *string, field string) error {
	if name == nil {
		return validation(fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", field))
	}
	n := *name
	if len(n) < 1 || len(n) > 64 {
		return validation(fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to 64", n, field))
	}
	if !namePattern.MatchString(n) {
		return validation(fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", n, field))
	}
	return nil
}

func (s *Service) createDeliveryStream(ctx context.Context, in *CreateDeliveryStreamInput) (any, error) {
	if err := checkName(in.DeliveryStreamName, "deliveryStreamName"); err != nil {
		return nil, err
	}
	name := *in.DeliveryStreamName
	typ := in.DeliveryStreamType
	var src *sourceMeta
	switch typ {
	case "", "DirectPut":
		typ = "DirectPut"
		if in.KinesisStreamSourceConfiguration != nil {
			return nil, invalidArgument("KinesisStreamSourceConfiguration is only allowed when DeliveryStreamType is KinesisStreamAsSource")
		}
	case "KinesisStreamAsSource":
		if in.DeliveryStreamEncryptionConfigurationInput != nil {
			return nil, invalidArgument("Server-side encryption is not supported for KinesisStreamAsSource delivery streams")
		}
	case "MSKAsSource", "DatabaseAsSource":
		return nil, invalidArgument(fmt.Sprintf("DeliveryStreamType %s is not supported yet; use DirectPut", typ))
	default:
		return nil, validation(fmt.Sprintf("Value '%s' at 'deliveryStreamType' failed to satisfy constraint: Member must satisfy enum value set: [DirectPut, KinesisStreamAsSource, MSKAsSource, DatabaseAsSource]", typ))
	}
	if in.RedshiftDestinationConfiguration != nil || in.ElasticsearchDestinationConfiguration != nil ||
		in.AmazonopensearchserviceDestinationConfiguration != nil || in.SplunkDestinationConfiguration != nil ||
		in.SnowflakeDestinationConfiguration != nil || in.IcebergDestinationConfiguration != nil {
		return nil, invalidArgument("Only S3, ExtendedS3, HttpEndpoint and PostgreSQL destinations are supported")
	}
	var d destination
	count := 0
	if in.S3DestinationConfiguration != nil {
		count++
		d.ExtendedS3, d.Plain = plainToExtended(in.S3DestinationConfiguration), true
	}
	if in.ExtendedS3DestinationConfiguration != nil {
		count++
		d.ExtendedS3 = in.ExtendedS3DestinationConfiguration
	}
	if in.HttpEndpointDestinationConfiguration != nil {
		count++
		d.HTTP = in.HttpEndpointDestinationConfiguration
	}
	if in.PostgreSQLDestinationConfiguration != nil {
		count++
		d.PostgreSQL = in.PostgreSQLDestinationConfiguration
	}
	if count != 1 {
		return nil, invalidArgument("Exactly one destination configuration must be specified")
	}
	tags, err := checkTags(in.Tags)
	if err != nil {
		return nil, err
	}
	if _, err := s.compile(name, 1, d); err != nil {
		return nil, err
	}
	var enc *EncryptionDescription
	if e := in.DeliveryStreamEncryptionConfigurationInput; e != nil {
		if enc, err = encryption(e); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, serviceUnavailable("The service is shutting down.")
	}
	if _, ok := s.streams[name]; ok {
		return nil, inUse(fmt.Sprintf("Firehose %s under accountId %s already exists", name, s.opts.AccountID))
	}
	if typ == "KinesisStreamAsSource" {
		// Under the service lock: LATEST is taken as close to the
		// creation as possible.
		if src, err = s.newSource(in.KinesisStreamSourceConfiguration); err != nil {
			return nil, err
		}
	}
	hidden := HiddenPrefix + name
	st, err := s.store.CreateStream(hidden, s.opts.SourceShards, s.opts.Retention, "PROVISIONED", tags)
	if errors.Is(err, storage.ErrStreamExists) {
		return nil, inUse(fmt.Sprintf("Firehose %s under accountId %s already exists", name, s.opts.AccountID))
	}
	if err != nil {
		return nil, fmt.Errorf("create hidden stream: %w", err)
	}
	now := s.opts.Now().UTC()
	m := &meta{Name: name, Type: typ, Version: 1, Created: now, Updated: now, Dest: d, Encryption: enc, StreamID: st.ID, Source: src}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.UpdateStream(hidden, func(cs *catalog.Stream) error {
		if cs.Attrs == nil {
			cs.Attrs = map[string]string{}
		}
		cs.Attrs[attrMeta] = string(b)
		return nil
	}); err != nil {
		_ = s.store.DeleteStream(hidden)
		return nil, fmt.Errorf("save delivery stream metadata: %w", err)
	}
	ds := &deliveryStream{svc: s, name: name, streamID: st.ID, meta: m, hidden: hidden, shards: len(st.Shards)}
	s.streams[name] = ds
	ds.start()
	return &CreateDeliveryStreamOutput{DeliveryStreamARN: s.arn(name)}, nil
}

func plainToExtended(c *S3DestinationConfiguration) *ExtendedS3DestinationConfiguration {
	return &ExtendedS3DestinationConfiguration{
		RoleARN: c.RoleARN, BucketARN: c.BucketARN, Prefix: c.Prefix, ErrorOutputPrefix: c.ErrorOutputPrefix,
		BufferingHints: c.BufferingHints, CompressionFormat: c.CompressionFormat,
		EncryptionConfiguration: c.EncryptionConfiguration, CloudWatchLoggingOptions: c.CloudWatchLoggingOptions,
	}
}

func (s *Service) deleteDeliveryStream(ctx context.Context, in *DeleteDeliveryStreamInput) (any, error) {
	if err := checkName(in.DeliveryStreamName, "deliveryStreamName"); err != nil {
		return nil, err
	}
	name := *in.DeliveryStreamName
	s.mu.Lock()
	ds, ok := s.streams[name]
	if ok {
		delete(s.streams, name)
	}
	s.mu.Unlock()
	if !ok {
		return nil, notFound(name, s.opts.AccountID)
	}
	ds.mu.Lock()
	ds.deleted = true
	ds.mu.Unlock()
	ds.stop()
	if err := s.store.DeleteStream(ds.hidden); err != nil && !errors.Is(err, storage.ErrStreamNotFound) {
		return nil, fmt.Errorf("delete hidden stream: %w", err)
	}
	return struct{}{}, nil
}

func (s *Service) listDeliveryStreams(ctx context.Context, in *ListDeliveryStreamsInput) (any, error) {
	limit := 10
	if in.Limit != nil {
		limit = *in.Limit
		if limit < 1 || limit > 10000 {
			return nil, validation(fmt.Sprintf("Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000", limit))
		}
	}
	switch in.DeliveryStreamType {
	case "", "DirectPut", "KinesisStreamAsSource", "MSKAsSource", "DatabaseAsSource":
	default:
		return nil, validation(fmt.Sprintf("Value '%s' at 'deliveryStreamType' failed to satisfy constraint: Member must satisfy enum value set: [DirectPut, KinesisStreamAsSource, MSKAsSource, DatabaseAsSource]", in.DeliveryStreamType))
	}
	out := &ListDeliveryStreamsOutput{DeliveryStreamNames: []string{}}
	for _, n := range s.names() {
		if channelStream(n) {
			continue
		}
		if in.ExclusiveStartDeliveryStreamName != "" && n <= in.ExclusiveStartDeliveryStreamName {
			continue
		}
		if in.DeliveryStreamType != "" {
			ds, err := s.lookup(n)
			if err != nil || ds.snapshot().Type != in.DeliveryStreamType {
				continue
			}
		}
		if len(out.DeliveryStreamNames) == limit {
			out.HasMoreDeliveryStreams = true
			break
		}
		out.DeliveryStreamNames = append(out.DeliveryStreamNames, n)
	}
	return out, nil
}

func sortedTagKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
