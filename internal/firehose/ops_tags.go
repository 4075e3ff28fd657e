package firehose

import (
	"context"
	"fmt"
	"strings"

	"github.com/eddy-streaming/eddy/internal/awsproto"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

const maxTags = 50

func checkTags(tags []Tag) (map[string]string, error) {
	if len(tags) > maxTags {
		return nil, validation(fmt.Sprintf("Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to %d", maxTags))
	}
	out := make(map[string]string, len(tags))
	for i, t := range tags {
		if len(t.Key) < 1 || len(t.Key) > 128 {
			return nil, validation(fmt.Sprintf("Value '%s' at 'tags.%d.member.key' failed to satisfy constraint: Member must have length between 1 and 128", t.Key, i+1))
		}
		if strings.HasPrefix(t.Key, "aws:") {
			return nil, invalidArgument("Tag keys must not start with aws:")
		}
		v := ""
		if t.Value != nil {
			v = *t.Value
		}
		if len(v) > 256 {
			return nil, validation(fmt.Sprintf("Value at 'tags.%d.member.value' failed to satisfy constraint: Member must have length less than or equal to 256", i+1))
		}
		out[t.Key] = v
	}
	return out, nil
}

func (s *Service) tagDeliveryStream(ctx context.Context, in *TagDeliveryStreamInput) (any, error) {
	if err := checkName(in.DeliveryStreamName, "deliveryStreamName"); err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, validation("Value '[]' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	tags, err := checkTags(in.Tags)
	if err != nil {
		return nil, err
	}
	ds, err := s.lookup(*in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	_, err = s.store.UpdateStream(ds.hidden, func(st *catalog.Stream) error {
		merged := map[string]string{}
		for k, v := range st.Tags {
			merged[k] = v
		}
		for k, v := range tags {
			merged[k] = v
		}
		if len(merged) > maxTags {
			return invalidArgument(fmt.Sprintf("Tagging would exceed the limit of %d tags per delivery stream", maxTags))
		}
		st.Tags = merged
		return nil
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Service) untagDeliveryStream(ctx context.Context, in *UntagDeliveryStreamInput) (any, error) {
	if err := checkName(in.DeliveryStreamName, "deliveryStreamName"); err != nil {
		return nil, err
	}
	if len(in.TagKeys) == 0 || len(in.TagKeys) > maxTags {
		return nil, validation("Value at 'tagKeys' failed to satisfy constraint: Member must have length between 1 and 50")
	}
	ds, err := s.lookup(*in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	_, err = s.store.UpdateStream(ds.hidden, func(st *catalog.Stream) error {
		for _, k := range in.TagKeys {
			delete(st.Tags, k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Service) listTags(ctx context.Context, in *ListTagsInput) (any, error) {
	if err := checkName(in.DeliveryStreamName, "deliveryStreamName"); err != nil {
		return nil, err
	}
	limit := 50
	if in.Limit != nil {
		limit = *in.Limit
		if limit < 1 || limit > 50 {
			return nil, validation(fmt.Sprintf("Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 50", limit))
		}
	}
	ds, err := s.lookup(*in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	st, err := s.store.Stream(ds.hidden)
	if err != nil {
		return nil, notFound(*in.DeliveryStreamName, s.opts.AccountID)
	}
	out := &ListTagsOutput{Tags: []Tag{}}
	for _, k := range sortedTagKeys(st.Tags) {
		if in.ExclusiveStartTagKey != "" && k <= in.ExclusiveStartTagKey {
			continue
		}
		if len(out.Tags) == limit {
			out.HasMoreTags = true
			break
		}
		v := st.Tags[k]
		out.Tags = append(out.Tags, Tag{Key: k, Value: &v})
	}
	return out, nil
}

func encryption(e *EncryptionInput) (*EncryptionDescription, error) {
	switch e.KeyType {
	case "AWS_OWNED_CMK":
		if e.KeyARN != "" {
			return nil, invalidArgument("KeyARN must not be specified when KeyType is AWS_OWNED_CMK")
		}
	case "CUSTOMER_MANAGED_CMK":
		if e.KeyARN == "" {
			return nil, invalidArgument("KeyARN is required when KeyType is CUSTOMER_MANAGED_CMK")
		}
	default:
		return nil, validation(fmt.Sprintf("Value '%s' at 'deliveryStreamEncryptionConfigurationInput.keyType' failed to satisfy constraint: Member must satisfy enum value set: [AWS_OWNED_CMK, CUSTOMER_MANAGED_CMK]", e.KeyType))
	}
	return &EncryptionDescription{KeyARN: e.KeyARN, KeyType: e.KeyType, Status: "ENABLED"}, nil
}

// encrypted reports whether server-side encryption is on (Eddy records
// the setting; records are protected by the data directory's permissions
// and whatever encryption its filesystem has).
func (ds *deliveryStream) encrypted() bool {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	return ds.meta.Encryption != nil && ds.meta.Encryption.Status == "ENABLED"
}

func (s *Service) startEncryption(ctx context.Context, in *StartEncryptionInput) (any, error) {
	if err := checkName(in.DeliveryStreamName, "deliveryStreamName"); err != nil {
		return nil, err
	}
	ds, err := s.lookup(*in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	e := &EncryptionInput{KeyType: "AWS_OWNED_CMK"}
	if in.DeliveryStreamEncryptionConfigurationInput != nil {
		e = in.DeliveryStreamEncryptionConfigurationInput
	}
	enc, err := encryption(e)
	if err != nil {
		return nil, err
	}
	_, err = ds.saveMeta(func(m *meta) error {
		if m.Type != "DirectPut" {
			return invalidArgument("Server-side encryption is only supported for DirectPut delivery streams")
		}
		m.Encryption = enc
		return nil
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Service) stopEncryption(ctx context.Context, in *StopEncryptionInput) (any, error) {
	if err := checkName(in.DeliveryStreamName, "deliveryStreamName"); err != nil {
		return nil, err
	}
	ds, err := s.lookup(*in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	_, err = ds.saveMeta(func(m *meta) error {
		m.Encryption = &EncryptionDescription{Status: "DISABLED"}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

var _ = awsproto.JSON
