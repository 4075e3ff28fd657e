package kinesis

import (
	"context"
	"errors"
	"regexp"
	"sort"

	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// Tags: AddTagsToStream, RemoveTagsFromStream, ListTagsForStream and the
// resource-ARN variants TagResource, UntagResource, ListTagsForResource.

// maxTagsPerStream is the most tags a stream can have.
const maxTagsPerStream = 50

var tagChars = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@%]*$`)

func validateTagChars(tags map[string]string) error {
	for k, v := range tags {
		if !tagChars.MatchString(k) || !tagChars.MatchString(v) {
			return invalidArgument("Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - %% @ :.")
		}
	}
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, storage.ErrStreamNotFound) }

// addTags merges tags into a stream's, enforcing the per-stream maximum.
func (h *Handler) addTags(name string, tags map[string]string) error {
	if err := validateTagChars(tags); err != nil {
		return err
	}
	if _, err := h.lookup(name); err != nil {
		return err
	}
	_, err := h.store.UpdateStream(name, func(s *catalog.Stream) error {
		n := len(s.Tags)
		for k := range tags {
			if _, ok := s.Tags[k]; !ok {
				n++
			}
		}
		if n > maxTagsPerStream {
			return invalidArgument("Failed to add tags to stream %s under account %s because a given stream cannot have more than %d tags associated with it.",
				name, h.opts.AccountID, maxTagsPerStream)
		}
		if s.Tags == nil {
			s.Tags = make(map[string]string, len(tags))
		}
		for k, v := range tags {
			s.Tags[k] = v
		}
		return nil
	})
	return h.storeErr(name, err)
}

func (h *Handler) removeTags(name string, keys []string) error {
	if _, err := h.lookup(name); err != nil {
		return err
	}
	_, err := h.store.UpdateStream(name, func(s *catalog.Stream) error {
		for _, k := range keys {
			delete(s.Tags, k)
		}
		return nil
	})
	return h.storeErr(name, err)
}

func (h *Handler) addTagsToStream(_ context.Context, in *addTagsToStreamInput) (any, error) {
	var v validator
	v.streamRef(in.streamRef)
	if v.required("tags", in.Tags != nil) {
		v.tagMap("tags", in.Tags, 1, 50)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := h.streamName(in.streamRef)
	if err != nil {
		return nil, err
	}
	return nil, h.addTags(name, in.Tags)
}

func (h *Handler) removeTagsFromStream(_ context.Context, in *removeTagsFromStreamInput) (any, error) {
	var v validator
	v.streamRef(in.streamRef)
	if v.required("tagKeys", in.TagKeys != nil) {
		v.tagKeys("tagKeys", in.TagKeys, 1, 50)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := h.streamName(in.streamRef)
	if err != nil {
		return nil, err
	}
	return nil, h.removeTags(name, in.TagKeys)
}

func (h *Handler) listTagsForStream(_ context.Context, in *listTagsForStreamInput) (any, error) {
	var v validator
	v.streamRef(in.streamRef)
	v.str("exclusiveStartTagKey", in.ExclusiveStartTagKey, 1, 128, nil)
	v.intRange("limit", in.Limit, 1, 50)
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
	limit := 50
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	keys := sortedKeys(s.Tags)
	start := 0
	if in.ExclusiveStartTagKey != nil {
		start = sort.SearchStrings(keys, *in.ExclusiveStartTagKey)
		if start < len(keys) && keys[start] == *in.ExclusiveStartTagKey {
			start++
		}
	}
	out := &listTagsForStreamOutput{Tags: []tag{}}
	i := start
	for ; i < len(keys) && len(out.Tags) < limit; i++ {
		out.Tags = append(out.Tags, makeTag(keys[i], s.Tags[keys[i]]))
	}
	out.HasMoreTags = i < len(keys)
	return out, nil
}

// resourceStream resolves a ResourceARN to a stream name. Only stream ARNs
// name resources here.
func (h *Handler) resourceStream(arn *string) (string, error) {
	region, account, name, ok := parseStreamARN(*arn)
	if !ok {
		return "", apiErr(errResourceNotFound, "Resource %s not found.", *arn)
	}
	if region != h.opts.Region || account != h.opts.AccountID {
		return "", apiErr(errResourceNotFound, "Stream %s under account %s not found.", name, account)
	}
	return name, nil
}

func (h *Handler) tagResource(_ context.Context, in *tagResourceInput) (any, error) {
	var v validator
	v.reqStr("resourceARN", in.ResourceARN, 1, 2048, patternResourceARN)
	if v.required("tags", in.Tags != nil) {
		v.tagMap("tags", in.Tags, 1, 50)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := h.resourceStream(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	return nil, h.addTags(name, in.Tags)
}

func (h *Handler) untagResource(_ context.Context, in *untagResourceInput) (any, error) {
	var v validator
	v.reqStr("resourceARN", in.ResourceARN, 1, 2048, patternResourceARN)
	if v.required("tagKeys", in.TagKeys != nil) {
		v.tagKeys("tagKeys", in.TagKeys, 1, 50)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := h.resourceStream(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	return nil, h.removeTags(name, in.TagKeys)
}

func (h *Handler) listTagsForResource(_ context.Context, in *listTagsForResourceInput) (any, error) {
	var v validator
	v.reqStr("resourceARN", in.ResourceARN, 1, 2048, patternResourceARN)
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := h.resourceStream(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	s, err := h.lookup(name)
	if err != nil {
		return nil, err
	}
	out := &listTagsForResourceOutput{Tags: []tag{}}
	for _, k := range sortedKeys(s.Tags) {
		out.Tags = append(out.Tags, makeTag(k, s.Tags[k]))
	}
	return out, nil
}

func makeTag(k, v string) tag {
	return tag{Key: k, Value: &v}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (h *Handler) describeLimits(_ context.Context, _ *describeLimitsInput) (any, error) {
	open, onDemand := h.counts()
	return &describeLimitsOutput{
		ShardLimit:               int64(h.opts.Limits.ShardLimit),
		OpenShardCount:           int64(open),
		OnDemandStreamCount:      int64(onDemand),
		OnDemandStreamCountLimit: int64(h.opts.Limits.OnDemandStreamLimit),
	}, nil
}
