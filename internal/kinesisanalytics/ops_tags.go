package kinesisanalytics

import (
	"context"
	"sort"
	"strings"
)

// TagResourceInput is the request of TagResource.
type TagResourceInput struct {
	ResourceARN *string `json:"ResourceARN"`
	Tags        []Tag   `json:"Tags"`
}

// UntagResourceInput is the request of UntagResource.
type UntagResourceInput struct {
	ResourceARN *string  `json:"ResourceARN"`
	TagKeys     []string `json:"TagKeys"`
}

// ListTagsForResourceInput is the request of ListTagsForResource.
type ListTagsForResourceInput struct {
	ResourceARN *string `json:"ResourceARN"`
}

// ListTagsForResourceOutput is its response.
type ListTagsForResourceOutput struct {
	Tags []Tag `json:"Tags"`
}

// maxTags is the most tags an application may have.
const maxTags = 50

// appOfARN resolves an application ARN of this server to its name.
func (s *Service) appOfARN(arn string) (string, error) {
	name, ok := strings.CutPrefix(arn, s.ARN(""))
	if !ok || name == "" {
		return "", invalidArgument("%s is not the ARN of an application of this server.", arn)
	}
	return name, nil
}

func (s *Service) retag(arn *string, fn func(tags map[string]string) error) error {
	name, err := s.appOfARN(*arn)
	if err != nil {
		return err
	}
	s.opMu.Lock()
	defer s.opMu.Unlock()
	a, err := s.lookup(name)
	if err != nil {
		return err
	}
	s.mu.Lock()
	def := a.def.clone()
	s.mu.Unlock()
	if def.Tags == nil {
		def.Tags = map[string]string{}
	}
	if err := fn(def.Tags); err != nil {
		return err
	}
	if err := s.db.put(def, false); err != nil {
		return err
	}
	s.mu.Lock()
	a.def = def
	s.mu.Unlock()
	return nil
}

func (s *Service) tagResource(_ context.Context, in *TagResourceInput) (any, error) {
	var v validator
	v.reqStr("resourceARN", in.ResourceARN, 1, 2048, patternARN)
	if v.required("tags", in.Tags != nil) {
		v.tags("tags", in.Tags, 1)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return struct{}{}, s.retag(in.ResourceARN, func(tags map[string]string) error {
		n := len(tags)
		for _, t := range in.Tags {
			if _, ok := tags[*t.Key]; !ok {
				n++
			}
		}
		if n > maxTags {
			return apiError(typeTooManyTags, "An application can have at most %d tags.", maxTags)
		}
		for _, t := range in.Tags {
			tags[*t.Key] = deref(t.Value)
		}
		return nil
	})
}

func (s *Service) untagResource(_ context.Context, in *UntagResourceInput) (any, error) {
	var v validator
	v.reqStr("resourceARN", in.ResourceARN, 1, 2048, patternARN)
	if v.required("tagKeys", in.TagKeys != nil) {
		v.count("tagKeys", len(in.TagKeys), 1, 200)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return struct{}{}, s.retag(in.ResourceARN, func(tags map[string]string) error {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
		return nil
	})
}

func (s *Service) listTagsForResource(_ context.Context, in *ListTagsForResourceInput) (any, error) {
	var v validator
	v.reqStr("resourceARN", in.ResourceARN, 1, 2048, patternARN)
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := s.appOfARN(*in.ResourceARN)
	if err != nil {
		return nil, err
	}
	a, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	keys := make([]string, 0, len(a.def.Tags))
	for k := range a.def.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := &ListTagsForResourceOutput{Tags: []Tag{}}
	for _, k := range keys {
		out.Tags = append(out.Tags, Tag{Key: ptr(k), Value: ptr(a.def.Tags[k])})
	}
	s.mu.Unlock()
	return out, nil
}
