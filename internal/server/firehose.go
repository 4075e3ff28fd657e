package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/eddy-streaming/eddy/internal/config"
	"github.com/eddy-streaming/eddy/internal/firehose"
	"github.com/eddy-streaming/eddy/internal/firehose/convert"
	"github.com/eddy-streaming/eddy/internal/firehose/sink"
	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// The store must satisfy the interface delivery streams reach it through.
var _ firehose.Store = (*storage.Store)(nil)

// newFirehose builds the delivery streams service (the Firehose_20150804
// API) on store from the firehose section of cfg, and starts delivering
// the delivery streams the store holds.
func newFirehose(cfg config.Config, store *storage.Store, logger *slog.Logger) (*firehose.Service, error) {
	fc := cfg.Firehose
	tables, err := firehoseTables(fc.Tables)
	if err != nil {
		return nil, err
	}
	buckets := make(map[string]sink.Bucket, len(fc.Buckets))
	for name, b := range fc.Buckets {
		if b.Dir != "" {
			buckets[name] = &sink.LocalBucket{Dir: b.Dir}
			continue
		}
		remote := b.Bucket
		if remote == "" {
			remote = name
		}
		buckets[name] = &sink.S3Bucket{Bucket: remote, Client: sink.NewS3Client(sink.S3Config{
			Endpoint:        b.Endpoint,
			Region:          b.Region,
			AccessKeyID:     b.AccessKeyID,
			SecretAccessKey: b.SecretAccessKey,
			PathStyle:       b.PathStyle,
		})}
	}
	return firehose.New(store, firehose.Options{
		Region:              cfg.Region,
		AccountID:           cfg.AccountID,
		BucketDir:           cfg.FirehoseBucketDir(),
		Buckets:             buckets,
		Tables:              tables,
		Transforms:          fc.Transforms,
		SourceShards:        fc.SourceShards,
		Retention:           fc.Retention,
		RetryBase:           fc.RetryBase,
		RetryMax:            fc.RetryMax,
		MaxOpenBuffers:      fc.MaxOpenBuffers,
		MaxBufferedBytes:    fc.MaxBufferedBytes,
		SmallParquetBuffers: fc.SmallParquetBuffers,
		Logger:              logger,
	})
}

// firehoseTables converts the configured tables, checking every column
// type.
func firehoseTables(in map[string][]config.FirehoseColumn) (map[string][]firehose.SchemaColumn, error) {
	var errs []error
	out := make(map[string][]firehose.SchemaColumn, len(in))
	for name, cols := range in {
		for _, c := range cols {
			if _, err := convert.ParseType(c.Type); err != nil {
				errs = append(errs, fmt.Errorf("firehose.tables.%s.%s: %w", name, c.Name, err))
			}
			out[name] = append(out[name], firehose.SchemaColumn{Name: c.Name, Type: c.Type})
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("invalid configuration: %w", errors.Join(errs...))
	}
	return out, nil
}

// withFirehose routes requests whose X-Amz-Target names the Firehose API
// to fh (the delivery streams service, or a handler in front of it), and
// every other request to next.
func withFirehose(fh, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if firehose.IsRequest(r) {
			fh.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// kinesisStore is the store as the Kinesis API sees it: without the
// hidden streams that hold delivery streams' records
// (firehose.HiddenPrefix). They are left out of ListStreams, the shard
// and on-demand limits, metrics and status recovery, and cannot be looked
// up, created or changed through the Kinesis API.
type kinesisStore struct {
	*storage.Store
}

func hiddenStream(name string) bool { return strings.HasPrefix(name, firehose.HiddenPrefix) }

// Streams returns the streams but the hidden ones, in name order.
func (s kinesisStore) Streams() []catalog.Stream {
	all := s.Store.Streams()
	out := all[:0:0]
	for _, st := range all {
		if !hiddenStream(st.Name) {
			out = append(out, st)
		}
	}
	return out
}

// Stream returns a stream; a hidden one is not found.
func (s kinesisStore) Stream(name string) (catalog.Stream, error) {
	if hiddenStream(name) {
		return catalog.Stream{}, storage.ErrStreamNotFound
	}
	return s.Store.Stream(name)
}

// CreateStream refuses hidden names (the Kinesis API's name validation
// already does).
func (s kinesisStore) CreateStream(name string, shardCount int, retention time.Duration, mode string, tags map[string]string) (catalog.Stream, error) {
	if hiddenStream(name) {
		return catalog.Stream{}, fmt.Errorf("create stream %s: reserved name", name)
	}
	return s.Store.CreateStream(name, shardCount, retention, mode, tags)
}

// DeleteStream leaves hidden streams alone.
func (s kinesisStore) DeleteStream(name string) error {
	if hiddenStream(name) {
		return storage.ErrStreamNotFound
	}
	return s.Store.DeleteStream(name)
}

// UpdateStream leaves hidden streams alone.
func (s kinesisStore) UpdateStream(name string, fn func(*catalog.Stream) error) (catalog.Stream, error) {
	if hiddenStream(name) {
		return catalog.Stream{}, storage.ErrStreamNotFound
	}
	return s.Store.UpdateStream(name, fn)
}
