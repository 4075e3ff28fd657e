package firehose

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/eddy-streaming/eddy/internal/awsproto"
	"github.com/eddy-streaming/eddy/internal/firehose/sink"
	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// ServiceName is the X-Amz-Target prefix of the Firehose API.
const ServiceName = "Firehose_20150804"

// HiddenPrefix starts the names of the storage streams that hold
// delivery streams' records. '$' and '/' are not valid in Kinesis stream
// names, so no Kinesis client can create such a stream; the Kinesis API
// should leave these streams out of ListStreams.
const HiddenPrefix = "$firehose/"

// Store is the part of the storage engine delivery streams use.
// *storage.Store satisfies it.
type Store interface {
	CreateStream(name string, shardCount int, retention time.Duration, mode string, tags map[string]string) (catalog.Stream, error)
	DeleteStream(name string) error
	Stream(name string) (catalog.Stream, error)
	Streams() []catalog.Stream
	UpdateStream(name string, fn func(*catalog.Stream) error) (catalog.Stream, error)
	Put(ctx context.Context, stream string, recs []storage.Record) ([]storage.PutResult, error)
	Seek(stream string, shard uint32, pos storage.Position) (uint64, error)
	Read(stream string, shard uint32, from uint64, maxRecords, maxBytes int) (storage.ReadResult, error)
	Wait(ctx context.Context, stream string, shard uint32, from uint64) error
}

// Options configure a Service. The zero value of a field means its
// default.
type Options struct {
	// Region and AccountID appear in ARNs and messages. Defaults us-east-1
	// and 000000000000.
	Region, AccountID string
	// BucketDir holds the local buckets: bucket "b" (BucketARN
	// arn:aws:s3:::b) is the directory BucketDir/b, unless Buckets maps
	// it. Empty means no local buckets: only mapped buckets can be used
	// (a server sets it, e.g. to <data-dir>/firehose/buckets).
	BucketDir string
	// Buckets maps bucket names to buckets of their own (an S3-compatible
	// server, another directory). Checked before BucketDir.
	Buckets map[string]sink.Bucket
	// Tables stands in for the Glue catalog: "database.table" to columns,
	// used by format conversion when SchemaConfiguration names a table and
	// gives no inline Columns.
	Tables map[string][]SchemaColumn
	// Transforms maps names given as a Lambda processor's LambdaArn to
	// transform URLs. A LambdaArn that is an http(s) URL is used as is.
	Transforms map[string]string
	// SourceShards is the number of shards of a new delivery stream's
	// hidden storage stream, each delivered by its own worker. Default 1.
	SourceShards int
	// Retention of the hidden streams: how long an undelivered record is
	// kept. Default 168 h.
	Retention time.Duration
	// MaxRecordSize bounds one record's data. Default 1,024,000 bytes.
	MaxRecordSize int
	// BatchMaxRecords and BatchMaxBytes bound PutRecordBatch. Defaults 500
	// and 4 MiB.
	BatchMaxRecords, BatchMaxBytes int
	// RetryBase and RetryMax shape the exponential backoff of delivery
	// retries. Defaults 1 s and 30 s.
	RetryBase, RetryMax time.Duration
	// SmallParquetBuffers lets format conversion use SizeInMBs below
	// AWS's minimum of 64.
	SmallParquetBuffers bool
	// MaxOpenBuffers bounds a worker's open buffers (dynamic partitions);
	// past it the oldest is flushed. Default 500.
	MaxOpenBuffers int
	// MaxBufferedBytes bounds the record bytes a worker holds in its
	// buffers; past it the largest buffer is delivered early. Default
	// 512 MiB.
	MaxBufferedBytes int
	// HTTPClient sends transform and HTTP endpoint requests; nil means a
	// client with a 3-minute timeout.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
}

func (o *Options) ensureDefaults() {
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.AccountID == "" {
		o.AccountID = "000000000000"
	}
	if o.SourceShards <= 0 {
		o.SourceShards = 1
	}
	if o.Retention <= 0 {
		o.Retention = 168 * time.Hour
	}
	if o.MaxRecordSize <= 0 {
		o.MaxRecordSize = 1_024_000
	}
	if o.BatchMaxRecords <= 0 {
		o.BatchMaxRecords = 500
	}
	if o.BatchMaxBytes <= 0 {
		o.BatchMaxBytes = 4 << 20
	}
	if o.RetryBase <= 0 {
		o.RetryBase = time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 30 * time.Second
	}
	if o.MaxOpenBuffers <= 0 {
		o.MaxOpenBuffers = 500
	}
	if o.MaxBufferedBytes <= 0 {
		o.MaxBufferedBytes = 512 << 20
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 3 * time.Minute}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Service is the Firehose API and the delivery engine. It serves
// HTTP (ServeHTTP) for POSTs whose X-Amz-Target starts with ServiceName.
type Service struct {
	store  Store
	opts   Options
	logger *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	streams map[string]*deliveryStream
	closed  bool
}

// New returns a Service over store, and starts delivering the delivery
// streams found in it.
func New(store Store, opts Options) (*Service, error) {
	opts.ensureDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{store: store, opts: opts, logger: opts.Logger, ctx: ctx, cancel: cancel, streams: make(map[string]*deliveryStream)}
	for _, st := range store.Streams() {
		name, ok := strings.CutPrefix(st.Name, HiddenPrefix)
		if !ok {
			continue
		}
		if _, ok := st.Attrs[attrMeta]; !ok {
			// Created but never described: the creation did not finish,
			// and no record was ever accepted.
			s.logger.Warn("removing incomplete delivery stream", "delivery_stream", name)
			if err := store.DeleteStream(st.Name); err != nil && !errors.Is(err, storage.ErrStreamNotFound) {
				cancel()
				return nil, fmt.Errorf("remove incomplete delivery stream %s: %w", name, err)
			}
			continue
		}
		m, err := loadMeta(st)
		if err != nil {
			// Keep the records; the delivery stream stays unavailable.
			s.logger.Error("skipping delivery stream with unreadable metadata", "delivery_stream", name, "error", err)
			continue
		}
		ds := &deliveryStream{svc: s, name: name, streamID: st.ID, meta: m, hidden: st.Name, shards: len(st.Shards)}
		s.streams[name] = ds
		ds.start()
	}
	return s, nil
}

// Close stops every worker and waits for them. Records not yet delivered
// stay in storage. It is idempotent.
func (s *Service) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	list := make([]*deliveryStream, 0, len(s.streams))
	for _, ds := range s.streams {
		list = append(list, ds)
	}
	s.mu.Unlock()
	s.cancel()
	for _, ds := range list {
		ds.stop()
	}
	return nil
}

func (s *Service) arn(name string) string {
	return fmt.Sprintf("arn:aws:firehose:%s:%s:deliverystream/%s", s.opts.Region, s.opts.AccountID, name)
}

// bucket resolves a BucketARN.
func (s *Service) bucket(arn string) (sink.Bucket, error) {
	name, ok := strings.CutPrefix(arn, "arn:aws:s3:::")
	if !ok || name == "" || strings.ContainsAny(name, "/\\") || name == "." || name == ".." {
		return nil, invalidArgument(fmt.Sprintf("BucketARN %q is not an S3 bucket ARN (arn:aws:s3:::bucket)", arn))
	}
	if b, ok := s.opts.Buckets[name]; ok {
		return b, nil
	}
	if s.opts.BucketDir == "" {
		return nil, invalidArgument(fmt.Sprintf("Bucket %s is not configured on this server", name))
	}
	return &sink.LocalBucket{Dir: filepath.Join(s.opts.BucketDir, name)}, nil
}

func (s *Service) lookup(name string) (*deliveryStream, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ds, ok := s.streams[name]
	if !ok {
		return nil, notFound(name, s.opts.AccountID)
	}
	return ds, nil
}

func (s *Service) names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.streams))
	for n := range s.streams {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ServeHTTP handles one Firehose API call.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Amzn-Requestid", newRequestID())
	maxBody := int64(s.opts.BatchMaxBytes)/3*4 + int64(s.opts.BatchMaxRecords)*64 + 1<<20
	req, xml, perr := awsproto.ParseRequest(r, ServiceName, knownOperation, maxBody)
	if perr != nil {
		if xml {
			awsproto.WriteXMLError(w, perr)
		} else {
			format, _ := awsproto.FormatOf(r.Header.Get("Content-Type"))
			awsproto.WriteError(w, format, perr)
		}
		return
	}
	defer req.Release()
	out, err := s.call(r.Context(), req.Operation, req.Format, req.Body)
	if err != nil {
		awsproto.WriteError(w, req.Format, s.toAPIError(req.Operation, err))
		return
	}
	if err := awsproto.WriteResponse(w, req.Format, out); err != nil {
		awsproto.WriteError(w, req.Format, s.toAPIError(req.Operation, err))
	}
}

// Call runs one operation on a JSON request body, for in-process callers
// (the CLI, tests). Errors are *awsproto.Error values.
func (s *Service) Call(ctx context.Context, operation string, body []byte) (any, error) {
	if !knownOperation(operation) {
		return nil, awsproto.NewError(awsproto.TypeUnknownOperation, "")
	}
	out, err := s.call(ctx, operation, awsproto.JSON, body)
	if err != nil {
		return nil, s.toAPIError(operation, err)
	}
	return out, nil
}

func (s *Service) toAPIError(op string, err error) *awsproto.Error {
	var e *awsproto.Error
	if errors.As(err, &e) {
		return e
	}
	s.logger.Error("request failed", "operation", op, "error", err)
	return awsproto.InternalFailure()
}

type operation = awsproto.Operation[*Service]

var operations map[string]operation

func init() {
	operations = map[string]operation{
		"CreateDeliveryStream":          awsproto.Op((*Service).createDeliveryStream),
		"DeleteDeliveryStream":          awsproto.Op((*Service).deleteDeliveryStream),
		"DescribeDeliveryStream":        awsproto.Op((*Service).describeDeliveryStream),
		"ListDeliveryStreams":           awsproto.Op((*Service).listDeliveryStreams),
		"UpdateDestination":             awsproto.Op((*Service).updateDestination),
		"PutRecord":                     awsproto.Op((*Service).putRecord),
		"PutRecordBatch":                putRecordBatchOp,
		"StartDeliveryStreamEncryption": awsproto.Op((*Service).startEncryption),
		"StopDeliveryStreamEncryption":  awsproto.Op((*Service).stopEncryption),
		"TagDeliveryStream":             awsproto.Op((*Service).tagDeliveryStream),
		"UntagDeliveryStream":           awsproto.Op((*Service).untagDeliveryStream),
		"ListTagsForDeliveryStream":     awsproto.Op((*Service).listTags),
	}
}

// putRecordBatchOp decodes JSON bodies with the fast path.
func putRecordBatchOp(s *Service, ctx context.Context, f awsproto.Format, body []byte) (any, error) {
	in := new(PutRecordBatchInput)
	var e *awsproto.Error
	if f == awsproto.JSON {
		e = decodePutBatchJSON(body, in)
	} else {
		e = awsproto.Decode(f, body, in)
	}
	if e != nil {
		return nil, e
	}
	return s.putRecordBatch(ctx, in)
}

func knownOperation(name string) bool {
	_, ok := operations[name]
	return ok
}

func (s *Service) call(ctx context.Context, operation string, f awsproto.Format, body []byte) (any, error) {
	return operations[operation](s, ctx, f, body)
}

// IsRequest reports whether r is a Firehose API call (its X-Amz-Target
// names the Firehose service), for a server that routes several AWS APIs
// on one port.
func IsRequest(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("X-Amz-Target"), ServiceName+".")
}
