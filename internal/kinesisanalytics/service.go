package kinesisanalytics

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/eddy-streaming/eddy/internal/awsproto"
	"github.com/eddy-streaming/eddy/internal/sql/streamio"
	"github.com/eddy-streaming/eddy/internal/storage"
)

// ServiceName is the X-Amz-Target prefix of the Kinesis Analytics (SQL)
// API.
const ServiceName = "KinesisAnalytics_20150814"

// Store is the part of the storage engine applications read and write
// through. *storage.Store satisfies it.
type Store interface {
	streamio.Log
	streamio.Putter
}

var _ Store = (*storage.Store)(nil)

// ObjectReader fetches reference data objects from an S3-compatible
// server: bucket "b" of BucketARN arn:aws:s3:::b.
type ObjectReader interface {
	ReadObject(ctx context.Context, bucket, key string) ([]byte, error)
}

// Options configure a Service. The zero value of a field means its
// default.
type Options struct {
	// Dir holds the application catalog (applications.db) and the
	// checkpoints (checkpoints/). Required; a server uses
	// <data-dir>/analytics.
	Dir string
	// Region and AccountID appear in ARNs. Defaults us-east-1 and
	// 000000000000.
	Region, AccountID string
	// CheckpointInterval is the time between two checkpoints of a running
	// application. Default 10s.
	CheckpointInterval time.Duration
	// ReferenceDir holds local reference buckets: the object FileKey of
	// bucket arn:aws:s3:::b is the file ReferenceDir/b/FileKey, unless
	// Objects is set. Default Dir/reference.
	ReferenceDir string
	// Objects, when set, reads reference objects of arn:aws:s3:::
	// buckets from an S3-compatible server instead of ReferenceDir.
	Objects ObjectReader
	// FirehosePrefix, when set, lets inputs and outputs name Firehose
	// delivery streams: delivery stream d is the storage stream
	// FirehosePrefix+d. Empty: Firehose inputs and outputs are refused.
	FirehosePrefix string
	// IdleInterval is how often an idle input reports its time (a
	// watermark). Default 500ms.
	IdleInterval time.Duration
	// DiscoverWait bounds how long DiscoverInputSchema waits for records
	// with the NOW starting position. Default 5s.
	DiscoverWait time.Duration
	// RestartBackoff is the first wait before a failed application is
	// started again; it doubles up to a minute. Default 1s.
	RestartBackoff time.Duration
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
	if o.CheckpointInterval <= 0 {
		o.CheckpointInterval = 10 * time.Second
	}
	if o.ReferenceDir == "" {
		o.ReferenceDir = filepath.Join(o.Dir, "reference")
	}
	if o.IdleInterval <= 0 {
		o.IdleInterval = 500 * time.Millisecond
	}
	if o.DiscoverWait <= 0 {
		o.DiscoverWait = 5 * time.Second
	}
	if o.RestartBackoff <= 0 {
		o.RestartBackoff = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Service is the Kinesis Analytics API and the applications it runs. It
// serves HTTP (ServeHTTP) for POSTs whose X-Amz-Target starts with
// ServiceName.
//
// Concurrency: calls that change applications are serialized (opMu);
// s.mu guards the in-memory state they and readers share. Each running
// application is one goroutine (see execution).
type Service struct {
	store Store
	opts  Options
	log   *slog.Logger
	db    *db

	opMu sync.Mutex

	mu     sync.Mutex
	apps   map[string]*app
	closed bool
}

// app is an application's in-memory state.
type app struct {
	def    *application
	status string
	exec   *execution // nil unless starting, running or stopping
}

// New opens the application catalog in opts.Dir and starts the
// applications that were running when the server stopped, from their last
// checkpoints.
func New(store Store, opts Options) (*Service, error) {
	if opts.Dir == "" {
		return nil, errors.New("kinesisanalytics: Options.Dir is required")
	}
	opts.ensureDefaults()
	d, err := openDB(filepath.Join(opts.Dir, "applications.db"))
	if err != nil {
		return nil, err
	}
	s := &Service{store: store, opts: opts, log: opts.Logger, db: d, apps: map[string]*app{}}
	defs, err := d.all()
	if err != nil {
		d.close()
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, def := range defs {
		a := &app{def: def, status: statusReady}
		s.apps[def.Name] = a
		if def.Running {
			s.log.Info("restarting sql application", "application", def.Name)
			a.status = statusStarting
			a.exec = s.launch(a, def.clone(), nil)
		}
	}
	return s, nil
}

// Close stops every running application, each with a final checkpoint,
// and closes the catalog. Applications stay marked running, so the next
// New starts them again. It is idempotent.
func (s *Service) Close() error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	var execs []*execution
	for _, a := range s.apps {
		if a.exec != nil {
			execs = append(execs, a.exec)
		}
	}
	s.mu.Unlock()
	for _, e := range execs {
		e.stop()
	}
	return s.db.close()
}

// ARN returns the ARN of the named application.
func (s *Service) ARN(name string) string {
	return "arn:aws:kinesisanalytics:" + s.opts.Region + ":" + s.opts.AccountID + ":application/" + name
}

func (s *Service) lookup(name string) (*app, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, serviceUnavailable("The service is shutting down. Try again.")
	}
	a, ok := s.apps[name]
	if !ok {
		return nil, notFound(name)
	}
	return a, nil
}

func (s *Service) names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.apps))
	for n := range s.apps {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ServeHTTP handles one Kinesis Analytics API call.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Amzn-Requestid", newRequestID())
	req, xml, perr := awsproto.ParseRequest(r, ServiceName, knownOperation, 4<<20)
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
	out, err := operations[req.Operation](s, r.Context(), req.Format, req.Body)
	if err != nil {
		var detect *unableToDetectSchema
		if errors.As(err, &detect) {
			writeDetectError(w, detect)
			return
		}
		awsproto.WriteError(w, req.Format, s.toAPIError(req.Operation, err))
		return
	}
	if err := awsproto.WriteResponse(w, req.Format, out); err != nil {
		awsproto.WriteError(w, req.Format, s.toAPIError(req.Operation, err))
	}
}

// Call runs one operation on a JSON request body, for in-process callers
// (tests, tools). Errors are *awsproto.Error values.
func (s *Service) Call(ctx context.Context, operation string, body []byte) (any, error) {
	fn, ok := operations[operation]
	if !ok {
		return nil, awsproto.NewError(awsproto.TypeUnknownOperation, "")
	}
	out, err := fn(s, ctx, awsproto.JSON, body)
	if err != nil {
		var detect *unableToDetectSchema
		if errors.As(err, &detect) {
			return nil, awsproto.NewError(detect.Type, detect.Message)
		}
		return nil, s.toAPIError(operation, err)
	}
	return out, nil
}

func (s *Service) toAPIError(op string, err error) *awsproto.Error {
	var e *awsproto.Error
	if errors.As(err, &e) {
		return e
	}
	s.log.Error("request failed", "operation", op, "error", err)
	return awsproto.InternalFailure()
}

func (e *unableToDetectSchema) Error() string { return e.Type + ": " + e.Message }

func writeDetectError(w http.ResponseWriter, e *unableToDetectSchema) {
	b, _ := awsproto.Encode(awsproto.JSON, e)
	h := w.Header()
	h.Set("Content-Type", awsproto.JSON.ContentType())
	h.Set("X-Amzn-ErrorType", e.Type)
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write(b)
}

type operation = awsproto.Operation[*Service]

var operations map[string]operation

func init() {
	operations = map[string]operation{
		"CreateApplication":                             awsproto.Op((*Service).createApplication),
		"DescribeApplication":                           awsproto.Op((*Service).describeApplication),
		"ListApplications":                              awsproto.Op((*Service).listApplications),
		"DeleteApplication":                             awsproto.Op((*Service).deleteApplication),
		"UpdateApplication":                             awsproto.Op((*Service).updateApplication),
		"StartApplication":                              awsproto.Op((*Service).startApplication),
		"StopApplication":                               awsproto.Op((*Service).stopApplication),
		"AddApplicationInput":                           awsproto.Op((*Service).addApplicationInput),
		"AddApplicationOutput":                          awsproto.Op((*Service).addApplicationOutput),
		"DeleteApplicationOutput":                       awsproto.Op((*Service).deleteApplicationOutput),
		"AddApplicationReferenceDataSource":             awsproto.Op((*Service).addReferenceDataSource),
		"DeleteApplicationReferenceDataSource":          awsproto.Op((*Service).deleteReferenceDataSource),
		"AddApplicationCloudWatchLoggingOption":         awsproto.Op((*Service).addLoggingOption),
		"DeleteApplicationCloudWatchLoggingOption":      awsproto.Op((*Service).deleteLoggingOption),
		"AddApplicationInputProcessingConfiguration":    awsproto.Op((*Service).addInputProcessing),
		"DeleteApplicationInputProcessingConfiguration": awsproto.Op((*Service).deleteInputProcessing),
		"DiscoverInputSchema":                           awsproto.Op((*Service).discoverInputSchema),
		"TagResource":                                   awsproto.Op((*Service).tagResource),
		"UntagResource":                                 awsproto.Op((*Service).untagResource),
		"ListTagsForResource":                           awsproto.Op((*Service).listTagsForResource),
	}
}

func knownOperation(name string) bool {
	_, ok := operations[name]
	return ok
}

// IsRequest reports whether r is a Kinesis Analytics API call, for a
// server that routes several AWS APIs on one port.
func IsRequest(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("X-Amz-Target"), ServiceName+".")
}

// streamOf resolves a Kinesis stream ARN of this server to a stream name.
func (s *Service) streamOf(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "kinesis" || !strings.HasPrefix(parts[5], "stream/") {
		return "", invalidArgument("%s is not a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME).", arn)
	}
	name := strings.TrimPrefix(parts[5], "stream/")
	if name == "" || strings.Contains(name, "/") {
		return "", invalidArgument("%s is not a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME).", arn)
	}
	if parts[3] != s.opts.Region || parts[4] != s.opts.AccountID {
		return "", invalidArgument("Stream %s is not in region %s and account %s of this server.", arn, s.opts.Region, s.opts.AccountID)
	}
	return name, nil
}

// firehoseOf resolves a Firehose delivery stream ARN to the storage
// stream that holds its records.
func (s *Service) firehoseOf(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "firehose" || !strings.HasPrefix(parts[5], "deliverystream/") {
		return "", invalidArgument("%s is not a Firehose delivery stream ARN (arn:aws:firehose:REGION:ACCOUNT:deliverystream/NAME).", arn)
	}
	if s.opts.FirehosePrefix == "" {
		return "", invalidArgument("Firehose delivery streams are not available on this server.")
	}
	if parts[3] != s.opts.Region || parts[4] != s.opts.AccountID {
		return "", invalidArgument("Delivery stream %s is not in region %s and account %s of this server.", arn, s.opts.Region, s.opts.AccountID)
	}
	return s.opts.FirehosePrefix + strings.TrimPrefix(parts[5], "deliverystream/"), nil
}

func (s *Service) checkpointPath(name string) string {
	// "app-" keeps names such as ".." from being paths.
	return filepath.Join(s.opts.Dir, "checkpoints", "app-"+name+".ckpt")
}
