package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/eddy-streaming/eddy/internal/awsproto"
	"github.com/eddy-streaming/eddy/internal/config"
	"github.com/eddy-streaming/eddy/internal/firehose"
	"github.com/eddy-streaming/eddy/internal/firehose/sink"
	"github.com/eddy-streaming/eddy/internal/kinesisanalytics"
	"github.com/eddy-streaming/eddy/internal/storage"
)

// analyticsDir is the directory, in the data directory, of the SQL
// applications' catalog and checkpoints.
const analyticsDir = "analytics"

// newAnalytics builds the SQL applications service (the
// KinesisAnalytics_20150814 API) on store from the analytics section of
// cfg, and starts the applications that were running.
func newAnalytics(cfg config.Config, store *storage.Store, logger *slog.Logger) (*kinesisanalytics.Service, error) {
	ac := cfg.Analytics
	var objects kinesisanalytics.ObjectReader
	if ac.S3.Endpoint != "" {
		objects = s3Objects{client: sink.NewS3Client(sink.S3Config{Endpoint: ac.S3.Endpoint, Region: ac.S3.Region,
			AccessKeyID: ac.S3.AccessKeyID, SecretAccessKey: ac.S3.SecretAccessKey, PathStyle: !ac.S3.VirtualHostedStyle})}
	}
	return kinesisanalytics.New(store, kinesisanalytics.Options{
		Dir:                filepath.Join(cfg.DataDir, analyticsDir),
		Region:             cfg.Region,
		AccountID:          cfg.AccountID,
		CheckpointInterval: ac.CheckpointInterval,
		ReferenceDir:       ac.ReferenceDir,
		Objects:            objects,
		FirehosePrefix:     firehose.HiddenPrefix,
		Logger:             logger,
	})
}

// s3Objects reads reference data objects from an S3-compatible server.
type s3Objects struct {
	client *s3.Client
}

func (o s3Objects) ReadObject(ctx context.Context, bucket, key string) ([]byte, error) {
	out, err := o.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	var b bytes.Buffer
	if _, err := io.Copy(&b, out.Body); err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
	}
	return b.Bytes(), nil
}

// withAnalytics routes requests whose X-Amz-Target names the Kinesis
// Analytics API to ka (the service, or a handler in front of it), and
// every other request to next.
func withAnalytics(ka, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if kinesisanalytics.IsRequest(r) {
			ka.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// analyticsAPI guards the Kinesis Analytics API: actions
// kinesisanalytics:<Operation> on the application a request names; the
// Kinesis streams an application reads or writes need kinesis:GetRecords
// or kinesis:PutRecords on them (kinesisStreamsCheck).
func (s *Server) analyticsAPI() guardedAPI {
	return guardedAPI{
		service: "kinesisanalytics",
		check:   s.kinesisStreamsCheck,
		resource: func(_ string, f awsproto.Format, body []byte) string {
			var in struct {
				ApplicationName *string `json:"ApplicationName"`
				ResourceARN     *string `json:"ResourceARN"`
			}
			if awsproto.Decode(f, body, &in) != nil {
				return ""
			}
			if in.ApplicationName != nil {
				return s.analytics.ARN(*in.ApplicationName)
			}
			return aws.ToString(in.ResourceARN)
		},
	}
}
