package firehose

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"

	"github.com/eddy-streaming/eddy/internal/awsproto"
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

func (s *Service) updateDestination(ctx context.Context, in *UpdateDestinationInput) (any, error) {
	if err := checkName(in.DeliveryStreamName, "deliveryStreamName"); err != nil {
		return nil, err
	}
	if in.CurrentDeliveryStreamVersionId == nil {
		return nil, validation("Value null at 'currentDeliveryStreamVersionId' failed to satisfy constraint: Member must not be null")
	}
	if in.DestinationId == nil {
		return nil, validation("Value null at 'destinationId' failed to satisfy constraint: Member must not be null")
	}
	ds, err := s.lookup(*in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	if *in.DestinationId != "destinationId-000000000001" {
		return nil, invalidArgument(fmt.Sprintf("Destination %s not found", *in.DestinationId))
	}
	var compileErr error
	_, err = ds.saveMeta(func(m *meta) error {
		if strconv.FormatInt(m.Version, 10) != *in.CurrentDeliveryStreamVersionId {
			return awsproto.NewError(typeConcurrentModification, fmt.Sprintf("Cannot update firehose: %s since the current version id: %d and body version id: %s does not match", m.Name, m.Version, *in.CurrentDeliveryStreamVersionId))
		}
		next, err := mergeDestination(m.Dest, in)
		if err != nil {
			return err
		}
		if _, err := s.compile(m.Name, m.Version+1, next); err != nil {
			compileErr = err
			return err
		}
		m.Dest = next
		m.Version++
		m.Updated = s.opts.Now().UTC()
		return nil
	})
	if err != nil {
		if compileErr != nil {
			return nil, compileErr
		}
		return nil, err
	}
	return struct{}{}, nil
}

// mergeDestination applies an update to the stored destination: fields
// present in the update replace, recursively for objects, the stored
// ones.
func mergeDestination(cur destination, in *UpdateDestinationInput) (destination, error) {
	var base, upd any
	next := destination{}
	switch {
	case in.ExtendedS3DestinationUpdate != nil || in.S3DestinationUpdate != nil:
		if cur.ExtendedS3 == nil {
			return next, invalidArgument("Changing the destination type is not supported; update the destination of the same type")
		}
		base = cur.ExtendedS3
		if in.ExtendedS3DestinationUpdate != nil {
			u := *in.ExtendedS3DestinationUpdate
			if u.S3BackupUpdate != nil {
				u.S3BackupConfiguration, u.S3BackupUpdate = u.S3BackupUpdate, nil
			}
			upd = &u
		} else {
			upd = plainToExtended(in.S3DestinationUpdate)
		}
		next.ExtendedS3, next.Plain = &ExtendedS3DestinationConfiguration{}, cur.Plain && in.ExtendedS3DestinationUpdate == nil
		return next, mergeInto(base, upd, next.ExtendedS3)
	case in.HttpEndpointDestinationUpdate != nil:
		if cur.HTTP == nil {
			return next, invalidArgument("Changing the destination type is not supported; update the destination of the same type")
		}
		u := *in.HttpEndpointDestinationUpdate
		if u.S3Update != nil {
			u.S3Configuration, u.S3Update = u.S3Update, nil
		}
		next.HTTP = &HttpEndpointDestinationConfiguration{}
		return next, mergeInto(cur.HTTP, &u, next.HTTP)
	case in.PostgreSQLDestinationUpdate != nil:
		if cur.PostgreSQL == nil {
			return next, invalidArgument("Changing the destination type is not supported; update the destination of the same type")
		}
		u := *in.PostgreSQLDestinationUpdate
		if u.S3Update != nil {
			u.S3Configuration, u.S3Update = u.S3Update, nil
		}
		next.PostgreSQL = &PostgreSQLDestinationConfiguration{}
		return next, mergeInto(cur.PostgreSQL, &u, next.PostgreSQL)
	}
	return next, invalidArgument("UpdateDestination requires a destination update")
}

func mergeInto(base, upd, out any) error {
	var b, u map[string]any
	bj, _ := json.Marshal(base)
	uj, _ := json.Marshal(upd)
	if err := json.Unmarshal(bj, &b); err != nil {
		return err
	}
	if err := json.Unmarshal(uj, &u); err != nil {
		return err
	}
	merged, _ := json.Marshal(mergeMaps(b, u))
	return json.Unmarshal(merged, out)
}

func mergeMaps(b, u map[string]any) map[string]any {
	if b == nil {
		b = map[string]any{}
	}
	for k, v := range u {
		if um, ok := v.(map[string]any); ok {
			if bm, ok := b[k].(map[string]any); ok {
				b[k] = mergeMaps(bm, um)
				continue
			}
		}
		b[k] = v
	}
	return b
}

func sortedTagKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
