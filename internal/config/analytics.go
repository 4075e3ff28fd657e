package config

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Analytics configures the streaming SQL applications (the Kinesis Data
// Analytics API). Applications and their checkpoints live in
// <data_dir>/analytics.
type Analytics struct {
	// CheckpointInterval is the time between two checkpoints of a running
	// application; a crash replays at most this much input. Default 10s;
	// 100ms to 10m.
	CheckpointInterval time.Duration `yaml:"checkpoint_interval"`
	// ReferenceDir holds local reference-data buckets: the reference
	// object FileKey of BucketARN arn:aws:s3:::b is the file
	// ReferenceDir/b/FileKey. Default empty: <data_dir>/analytics/reference.
	// Unused when S3.Endpoint is set.
	ReferenceDir string `yaml:"reference_dir"`
	// S3 is an S3-compatible server that holds reference-data objects.
	S3 AnalyticsS3 `yaml:"s3"`
}

// AnalyticsS3 is an S3-compatible server (versitygw, MinIO, ...) for
// reference data.
type AnalyticsS3 struct {
	// Endpoint is the server's URL, e.g. http://127.0.0.1:7070. Empty
	// (the default): reference objects come from ReferenceDir.
	Endpoint string `yaml:"endpoint"`
	// Region signs requests. Default empty: the server's region.
	Region string `yaml:"region"`
	// AccessKeyID and SecretAccessKey sign requests; required with
	// Endpoint.
	AccessKeyID     string `yaml:"access_key_id"`
	SecretAccessKey string `yaml:"secret_access_key"`
	// VirtualHostedStyle addresses buckets as hostnames instead of paths.
	// Default false (path style, what local servers expect).
	VirtualHostedStyle bool `yaml:"virtual_hosted_style"`
}

func defaultAnalytics() Analytics {
	return Analytics{CheckpointInterval: 10 * time.Second}
}

func (a Analytics) validate() []error {
	var errs []error
	if a.CheckpointInterval < 100*time.Millisecond || a.CheckpointInterval > 10*time.Minute {
		errs = append(errs, fmt.Errorf("analytics.checkpoint_interval: %v must be between 100ms and 10m", a.CheckpointInterval))
	}
	if e := a.S3.Endpoint; e != "" {
		if u, err := url.Parse(e); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("analytics.s3.endpoint: %q is not an http(s) URL", e))
		}
	}
	if a.S3.Endpoint != "" && (a.S3.AccessKeyID == "" || a.S3.SecretAccessKey == "") {
		errs = append(errs, errors.New("analytics.s3: access_key_id and secret_access_key are required with an endpoint"))
	}
	return errs
}
