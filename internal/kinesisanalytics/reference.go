package kinesisanalytics

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// maxReferenceBytes bounds a reference object (KDA's limit is 1 GiB; Eddy
// holds the table in memory).
const maxReferenceBytes = 256 << 20

// readReference reads a reference table's object: a file under
// file:///dir, an object of an S3-compatible server (Options.Objects), or
// a file of a local bucket (Options.ReferenceDir/bucket/key). Failures are
// InvalidArgumentException, as when KDA cannot read the object.
func (s *Service) readReference(ctx context.Context, src S3ReferenceDataSource) ([]byte, error) {
	bucketARN, key := deref(src.BucketARN), deref(src.FileKey)
	if dir, ok := strings.CutPrefix(bucketARN, "file://"); ok {
		path := key
		if dir != "" {
			path = filepath.Join(dir, key)
		}
		if !filepath.IsAbs(path) {
			return nil, invalidArgument("Reference file %s is not an absolute path (BucketARN file:///DIR, FileKey a path under DIR).", path)
		}
		return readFile(path)
	}
	bucket, ok := strings.CutPrefix(bucketARN, "arn:aws:s3:::")
	if !ok || bucket == "" || strings.ContainsAny(bucket, "/\\") || bucket == "." || bucket == ".." {
		return nil, invalidArgument("BucketARN %s is not an S3 bucket ARN (arn:aws:s3:::BUCKET) or a directory (file:///DIR).", bucketARN)
	}
	if s.opts.Objects != nil {
		b, err := s.opts.Objects.ReadObject(ctx, bucket, key)
		if err != nil {
			return nil, invalidArgument("Reference object s3://%s/%s cannot be read: %v", bucket, key, err)
		}
		if len(b) > maxReferenceBytes {
			return nil, invalidArgument("Reference object s3://%s/%s is larger than %d bytes.", bucket, key, maxReferenceBytes)
		}
		return b, nil
	}
	root := filepath.Join(s.opts.ReferenceDir, bucket)
	path := filepath.Join(root, filepath.FromSlash(key))
	if !strings.HasPrefix(path, root+string(filepath.Separator)) {
		return nil, invalidArgument("FileKey %s is not a path inside bucket %s.", key, bucket)
	}
	return readFile(path)
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, invalidArgument("Reference file %s cannot be read: %v", path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxReferenceBytes+1))
	if err != nil {
		return nil, invalidArgument("Reference file %s cannot be read: %v", path, err)
	}
	if len(b) > maxReferenceBytes {
		return nil, invalidArgument("Reference file %s is larger than %d bytes.", path, maxReferenceBytes)
	}
	return b, nil
}

// referenceData reads every reference table of an application.
func (s *Service) referenceData(ctx context.Context, def *application) (map[string][]byte, error) {
	data := map[string][]byte{}
	for _, r := range def.References {
		b, err := s.readReference(ctx, r.Source)
		if err != nil {
			return nil, fmt.Errorf("reference table %s: %w", r.Table, err)
		}
		data[r.Table] = b
	}
	return data, nil
}
