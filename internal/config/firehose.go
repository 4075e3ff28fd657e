package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Firehose configures delivery streams (the Firehose_20150804 API) in
// eddy serve. A delivery stream's BucketARN arn:aws:s3:::NAME is resolved
// here: Buckets[NAME] when mapped, else the local directory
// BucketDir/NAME.
//
// Example:
//
//	firehose:
//	  bucket_dir: /srv/lake
//	  buckets:
//	    archive:
//	      endpoint: http://127.0.0.1:7070
//	      path_style: true
//	      access_key_id: minio
//	      secret_access_key: minio123
//	  tables:
//	    shop.orders:
//	      - {name: order_id, type: bigint}
//	      - {name: amount, type: "decimal(10,2)"}
//	  transforms:
//	    enrich: http://127.0.0.1:9000/transform
type Firehose struct {
	// BucketDir holds the local buckets (a local data lake). Default
	// empty: <data_dir>/firehose/buckets (see FirehoseBucketDir).
	BucketDir string `yaml:"bucket_dir"`
	// Buckets maps bucket names (as in BucketARN) to an S3-compatible
	// server or a directory of their own. Checked before BucketDir.
	Buckets map[string]FirehoseBucket `yaml:"buckets"`
	// Tables stands in for the Glue catalog of format conversion:
	// "database.table" to its columns, for a SchemaConfiguration that
	// names DatabaseName and TableName instead of giving inline Columns.
	Tables map[string][]FirehoseColumn `yaml:"tables"`
	// Transforms maps names used as a Lambda processor's LambdaArn to the
	// http(s) URL that runs the transform (a LambdaArn that is itself a
	// URL needs no entry).
	Transforms map[string]string `yaml:"transforms"`
	// SourceShards is the number of storage shards of a new delivery
	// stream, each delivered by its own worker (more shards use more
	// cores and write more, smaller files). Default 1; at most 64.
	SourceShards int `yaml:"source_shards"`
	// Retention is how long undelivered records are kept. Default 168h;
	// 1h to 8760h.
	Retention time.Duration `yaml:"retention"`
	// RetryBase and RetryMax shape the exponential backoff of delivery
	// retries. Defaults 1s and 30s.
	RetryBase time.Duration `yaml:"retry_base"`
	RetryMax  time.Duration `yaml:"retry_max"`
	// MaxOpenBuffers bounds the open buffers (dynamic partitions) of one
	// source shard; past it the oldest is delivered early. Default 500.
	MaxOpenBuffers int `yaml:"max_open_buffers"`
	// MaxBufferedBytes bounds the record bytes buffered per source shard;
	// past it the largest buffer is delivered early. Default 512 MiB.
	MaxBufferedBytes int `yaml:"max_buffered_bytes"`
	// SmallParquetBuffers allows BufferingHints.SizeInMBs below AWS's
	// minimum of 64 with format conversion (for tests). Default false.
	SmallParquetBuffers bool `yaml:"small_parquet_buffers"`
}

// FirehoseBucket is a bucket served by an S3-compatible server (Endpoint)
// or kept in a directory of its own (Dir). Exactly one of them is set.
type FirehoseBucket struct {
	// Endpoint is the server's base URL, e.g. http://127.0.0.1:7070.
	Endpoint string `yaml:"endpoint"`
	// Bucket is the bucket's name on the server. Default: the name it is
	// mapped under.
	Bucket string `yaml:"bucket"`
	// Region is the region the requests are signed for. Default
	// us-east-1.
	Region string `yaml:"region"`
	// AccessKeyID and SecretAccessKey are static credentials.
	AccessKeyID     string `yaml:"access_key_id"`
	SecretAccessKey string `yaml:"secret_access_key"`
	// PathStyle addresses objects as ENDPOINT/BUCKET/KEY, which most
	// self-hosted servers need. Default false (virtual-hosted style).
	PathStyle bool `yaml:"path_style"`
	// Dir is a local directory used as the bucket instead of a server.
	Dir string `yaml:"dir"`
}

// FirehoseColumn is one column of a table: a Glue type such as bigint,
// string, decimal(10,2), timestamp or array<string>.
type FirehoseColumn struct {
	Name string `yaml:"name"`
	Type string `yaml:"type"`
}

func defaultFirehose() Firehose {
	return Firehose{
		SourceShards:     1,
		Retention:        168 * time.Hour,
		RetryBase:        time.Second,
		RetryMax:         30 * time.Second,
		MaxOpenBuffers:   500,
		MaxBufferedBytes: 512 * mib,
	}
}

// FirehoseBucketDir returns the directory of the local buckets:
// firehose.bucket_dir, or <data_dir>/firehose/buckets.
func (c Config) FirehoseBucketDir() string {
	if c.Firehose.BucketDir != "" {
		return c.Firehose.BucketDir
	}
	return filepath.Join(c.DataDir, "firehose", "buckets")
}

var (
	bucketNamePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$`)
	tableNamePattern  = regexp.MustCompile(`^[^.\s]+\.[^.\s]+$`)
)

// validate returns the problems of the firehose section.
func (f Firehose) validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if f.SourceShards < 1 || f.SourceShards > 64 {
		bad("firehose.source_shards: %d must be between 1 and 64", f.SourceShards)
	}
	if f.Retention < time.Hour || f.Retention > 8760*time.Hour {
		bad("firehose.retention: %v must be between 1h and 8760h", f.Retention)
	}
	if f.RetryBase <= 0 || f.RetryMax < f.RetryBase {
		bad("firehose.retry_base and retry_max: %v and %v must be positive, retry_max at least retry_base", f.RetryBase, f.RetryMax)
	}
	if f.MaxOpenBuffers < 1 {
		bad("firehose.max_open_buffers: %d must be positive", f.MaxOpenBuffers)
	}
	if f.MaxBufferedBytes < mib {
		bad("firehose.max_buffered_bytes: %d must be at least %d", f.MaxBufferedBytes, mib)
	}
	for _, name := range sortedKeys(f.Buckets) {
		b := f.Buckets[name]
		key := "firehose.buckets." + name
		if !bucketNamePattern.MatchString(name) {
			bad("%s: %q is not a bucket name", key, name)
		}
		switch {
		case (b.Endpoint == "") == (b.Dir == ""):
			bad("%s: set either endpoint or dir", key)
		case b.Endpoint != "":
			if !httpURL(b.Endpoint) {
				bad("%s.endpoint: %q is not an http(s) URL", key, b.Endpoint)
			}
			if b.Bucket != "" && !bucketNamePattern.MatchString(b.Bucket) {
				bad("%s.bucket: %q is not a bucket name", key, b.Bucket)
			}
			if (b.AccessKeyID == "") != (b.SecretAccessKey == "") {
				bad("%s: set both access_key_id and secret_access_key, or neither", key)
			}
		default:
			if b.Bucket != "" || b.Region != "" || b.AccessKeyID != "" || b.SecretAccessKey != "" || b.PathStyle {
				bad("%s: a dir bucket takes no server settings", key)
			}
		}
	}
	for _, name := range sortedKeys(f.Tables) {
		key := "firehose.tables." + name
		if !tableNamePattern.MatchString(name) {
			bad("%s: %q is not database.table", key, name)
		}
		if len(f.Tables[name]) == 0 {
			bad("%s: no columns", key)
		}
		for i, col := range f.Tables[name] {
			if strings.TrimSpace(col.Name) == "" || strings.TrimSpace(col.Type) == "" {
				bad("%s[%d]: name and type are required", key, i)
			}
		}
	}
	for _, name := range sortedKeys(f.Transforms) {
		if !httpURL(f.Transforms[name]) {
			bad("firehose.transforms.%s: %q is not an http(s) URL", name, f.Transforms[name])
		}
	}
	return errs
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
