package sink

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Bucket stores objects by name. Putting a name again replaces the
// object: delivery relies on it to make replays idempotent.
type Bucket interface {
	Put(ctx context.Context, name string, data []byte) error
}

// LocalBucket is a directory used as a bucket (a local data lake): object
// names become relative paths.
type LocalBucket struct {
	Dir string
}

// ValidObjectName rejects names no bucket can store: empty, or holding a
// NUL byte.
func ValidObjectName(name string) error {
	if name == "" || strings.Contains(name, "\x00") {
		return fmt.Errorf("invalid object name %q", name)
	}
	return nil
}

// LocalPath maps an object name to a relative file path that stays
// inside the bucket directory: "." and ".." segments become "%2E" and
// "%2E%2E", and empty segments (a leading, doubled or trailing "/")
// become "%2F", so distinct names never collide or escape.
func LocalPath(name string) string {
	segs := strings.Split(name, "/")
	for i, seg := range segs {
		switch seg {
		case ".":
			segs[i] = "%2E"
		case "..":
			segs[i] = "%2E%2E"
		case "":
			segs[i] = "%2F"
		}
	}
	return filepath.Join(segs...)
}

// Put writes the object atomically: into a temporary file in the target
// directory, fsynced, renamed into place, and the directory fsynced. A
// reader never sees a partial object.
func (b *LocalBucket) Put(_ context.Context, name string, data []byte) error {
	if err := ValidObjectName(name); err != nil {
		return &PermanentError{err}
	}
	path := filepath.Join(b.Dir, LocalPath(name))
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create directory: %w", err)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(dir, "."+filepath.Base(path)+"."+hex.EncodeToString(rnd[:])+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("create object: %w", err)
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write object %s: %w", name, werr)
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		_ = d.Close()
		if err != nil {
			return fmt.Errorf("sync directory: %w", err)
		}
	}
	return nil
}

// S3Config reaches an S3-compatible server.
type S3Config struct {
	// Endpoint is the server's base URL, e.g. http://127.0.0.1:7070; empty
	// means AWS's.
	Endpoint string
	// Region defaults to us-east-1.
	Region string
	// AccessKeyID and SecretAccessKey are static credentials.
	AccessKeyID, SecretAccessKey string
	// PathStyle addresses buckets as http://host/bucket/key (what most
	// self-hosted servers need).
	PathStyle bool
}

// NewS3Client returns an S3 client for cfg.
func NewS3Client(cfg S3Config) *s3.Client {
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	opts := s3.Options{
		Region:       region,
		UsePathStyle: cfg.PathStyle,
		Credentials:  credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, ""),
	}
	if cfg.Endpoint != "" {
		opts.BaseEndpoint = aws.String(cfg.Endpoint)
	}
	return s3.New(opts)
}

// S3API is the part of the S3 client a bucket uses.
type S3API interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// S3Bucket is a bucket on an S3-compatible server.
type S3Bucket struct {
	Client S3API
	Bucket string
}

// Put uploads the object with one PutObject (objects are at most a
// buffer's size, 128 MiB).
func (b *S3Bucket) Put(ctx context.Context, name string, data []byte) error {
	if err := ValidObjectName(name); err != nil {
		return &PermanentError{err}
	}
	_, err := b.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(b.Bucket),
		Key:           aws.String(name),
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return fmt.Errorf("put object s3://%s/%s: %w", b.Bucket, name, err)
	}
	return nil
}

// S3Buckets maps each named bucket to the same-named bucket on the
// S3-compatible server cfg describes, for Options.Buckets-style maps.
func S3Buckets(cfg S3Config, names ...string) map[string]Bucket {
	client := NewS3Client(cfg)
	out := make(map[string]Bucket, len(names))
	for _, n := range names {
		out[n] = &S3Bucket{Client: client, Bucket: n}
	}
	return out
}
