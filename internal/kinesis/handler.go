package kinesis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/eddy-streaming/eddy/internal/awsproto"
	"github.com/eddy-streaming/eddy/internal/policy"
)

// ServiceName is the X-Amz-Target prefix of Kinesis Data Streams.
const ServiceName = "Kinesis_20131202"

// Handler serves the Kinesis Data Streams API over HTTP (POST / with
// X-Amz-Target). It is safe for concurrent use.
type Handler struct {
	store   Store
	opts    Options
	maxBody int64

	// lifecycle tracks pending status transitions (CREATING → ACTIVE,
	// DELETING → gone, UPDATING → ACTIVE).
	lifecycle lifecycle
	// reshardMu serializes changes of shard layout (reshard.go).
	reshardMu sync.Mutex
	// meters count per-shard load (meter.go).
	meters meters
	// account holds the account settings (account.go).
	account account
	// subs are the running SubscribeToShard calls (subscribe.go).
	subs subscriptions
	// stopScaler stops the on-demand scaler; scalerDone is closed when
	// it has stopped.
	stopScaler chan struct{}
	scalerDone chan struct{}
	closeOnce  sync.Once

	// policies holds parsed resource policies (policy.go).
	policies *policy.Cache
	// keyringMu serializes the creation of the managed key (encryption.go).
	keyringMu sync.Mutex
	// channels holds the channels (channels.go).
	channels channels
}

// New returns a Handler over store. It finishes status transitions left
// pending by an earlier process (CREATING streams become ACTIVE, DELETING
// ones are deleted).
func New(store Store, opts Options) (*Handler, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if len(opts.IteratorKey) < 16 {
		return nil, errShortKey
	}
	opts.Limits.ensureDefaults()
	opts.Throughput.ensureDefaults()
	opts.OnDemand.ensureDefaults()
	opts.FanOut.ensureDefaults()
	h := &Handler{store: store, opts: opts, policies: policy.NewCache(0)}
	// Base64 inflates by 4/3; allow room for keys and JSON punctuation.
	maxPayload := max(opts.Limits.PutRecordsMaxBytes, opts.Limits.MaxRecordSize, maxRecordSizeCeiling)
	h.maxBody = int64(maxPayload)/3*4 + int64(opts.Limits.PutRecordsMaxRecords)*1024 + 1<<20
	h.lifecycle.init()
	if err := h.account.load(opts.SettingsFile); err != nil {
		return nil, err
	}
	if err := h.recoverTransitions(); err != nil {
		return nil, err
	}
	h.stopScaler, h.scalerDone = make(chan struct{}), make(chan struct{})
	go h.scaler(h.stopScaler, h.scalerDone)
	return h, nil
}

// Close stops on-demand scaling, finishes pending status transitions at
// once and stops accepting new ones. It is idempotent.
func (h *Handler) Close() {
	h.subs.closeAll()
	h.closeOnce.Do(func() {
		close(h.stopScaler)
		<-h.scalerDone
	})
	h.lifecycle.close(h)
}

// operation is one API operation: it decodes its input from the request,
// and returns its output (nil for an empty body) or an error.
type operation func(h *Handler, ctx context.Context, req *awsproto.Request) (any, error)

// op adapts a typed handler to an operation.
func op[In any](fn func(h *Handler, ctx context.Context, in *In) (any, error)) operation {
	return func(h *Handler, ctx context.Context, req *awsproto.Request) (any, error) {
		in := new(In)
		if e := awsproto.Decode(req.Format, req.Body, in); e != nil {
			return nil, e
		}
		if err := h.authorize(ctx, req.Operation, in); err != nil {
			return nil, err
		}
		return fn(h, ctx, in)
	}
}

// operations is the dispatch table, by X-Amz-Target operation name.
var operations map[string]operation

func init() {
	operations = map[string]operation{
		"CreateStream":                           op((*Handler).createStream),
		"DeleteStream":                           op((*Handler).deleteStream),
		"DescribeStream":                         op((*Handler).describeStream),
		"DescribeStreamSummary":                  op((*Handler).describeStreamSummary),
		"ListStreams":                            op((*Handler).listStreams),
		"ListShards":                             op((*Handler).listShards),
		"PutRecord":                              op((*Handler).putRecord),
		"PutRecords":                             (*Handler).putRecords,
		"GetShardIterator":                       op((*Handler).getShardIterator),
		"GetRecords":                             op((*Handler).getRecords),
		"IncreaseStreamRetentionPeriod":          op((*Handler).increaseRetention),
		"DecreaseStreamRetentionPeriod":          op((*Handler).decreaseRetention),
		"AddTagsToStream":                        op((*Handler).addTagsToStream),
		"RemoveTagsFromStream":                   op((*Handler).removeTagsFromStream),
		"ListTagsForStream":                      op((*Handler).listTagsForStream),
		"TagResource":                            op((*Handler).tagResource),
		"UntagResource":                          op((*Handler).untagResource),
		"ListTagsForResource":                    op((*Handler).listTagsForResource),
		"DescribeLimits":                         op((*Handler).describeLimits),
		"SplitShard":                             op((*Handler).splitShard),
		"MergeShards":                            op((*Handler).mergeShards),
		"UpdateShardCount":                       op((*Handler).updateShardCount),
		"UpdateStreamMode":                       op((*Handler).updateStreamMode),
		"EnableEnhancedMonitoring":               op((*Handler).enableEnhancedMonitoring),
		"DisableEnhancedMonitoring":              op((*Handler).disableEnhancedMonitoring),
		"UpdateMaxRecordSize":                    op((*Handler).updateMaxRecordSize),
		"UpdateStreamWarmThroughput":             op((*Handler).updateStreamWarmThroughput),
		"UpdateStreamRecordDistributionStrategy": op((*Handler).updateRecordDistribution),
		"DescribeAccountSettings":                op((*Handler).describeAccountSettings),
		"UpdateAccountSettings":                  op((*Handler).updateAccountSettings),
		"RegisterStreamConsumer":                 op((*Handler).registerStreamConsumer),
		"DescribeStreamConsumer":                 op((*Handler).describeStreamConsumer),
		"ListStreamConsumers":                    op((*Handler).listStreamConsumers),
		"DeregisterStreamConsumer":               op((*Handler).deregisterStreamConsumer),
		"PutResourcePolicy":                      op((*Handler).putResourcePolicy),
		"GetResourcePolicy":                      op((*Handler).getResourcePolicy),
		"DeleteResourcePolicy":                   op((*Handler).deleteResourcePolicy),
		"StartStreamEncryption":                  op((*Handler).startStreamEncryption),
		"StopStreamEncryption":                   op((*Handler).stopStreamEncryption),
		"CreateChannel":                          op((*Handler).createChannel),
		"DescribeChannel":                        op((*Handler).describeChannel),
		"ListChannels":                           op((*Handler).listChannels),
		"UpdateChannel":                          op((*Handler).updateChannel),
		"DeleteChannel":                          op((*Handler).deleteChannel),
		// SubscribeToShard streams its response; ServeHTTP calls it.
		"SubscribeToShard": nil,
	}
}

func knownOperation(name string) bool {
	_, ok := operations[name]
	return ok
}

// ServeHTTP handles one API call: it parses the protocol envelope,
// dispatches on the operation, and writes the result or the error.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Amzn-Requestid", newRequestID())
	req, xml, perr := awsproto.ParseRequest(r, ServiceName, knownOperation, h.maxBody)
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
	ctx, ok := h.authenticate(w, r, req)
	if !ok {
		return
	}
	r = r.WithContext(ctx)
	if req.Operation == "SubscribeToShard" {
		if err := h.subscribeToShard(w, r, req); err != nil {
			h.writeError(w, req, err)
		}
		return
	}
	out, err := operations[req.Operation](h, r.Context(), req)
	if err != nil {
		h.writeError(w, req, err)
		return
	}
	if out == nil {
		awsproto.WriteBody(w, req.Format, nil)
		return
	}
	if err := awsproto.WriteResponse(w, req.Format, out); err != nil {
		h.writeError(w, req, err)
	}
}

func (h *Handler) writeError(w http.ResponseWriter, req *awsproto.Request, err error) {
	e, internal := toAPIError(err)
	if internal {
		h.opts.Logger.Error("request failed", "operation", req.Operation, "error", err)
	}
	awsproto.WriteError(w, req.Format, e)
}

// newRequestID returns a random UUID (version 4), as AWS request IDs are.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// lifecycle holds the timers of pending status transitions.
type lifecycle struct {
	mu      sync.Mutex
	closed  bool
	pending map[*time.Timer]func()
	wg      sync.WaitGroup
}

func (l *lifecycle) init() { l.pending = make(map[*time.Timer]func()) }

// after runs fn after delay, or at once (synchronously) when delay is 0
// or the handler is closed.
func (l *lifecycle) after(delay time.Duration, fn func()) {
	l.mu.Lock()
	if delay <= 0 || l.closed {
		l.mu.Unlock()
		fn()
		return
	}
	var t *time.Timer
	l.wg.Add(1)
	t = time.AfterFunc(delay, func() {
		l.mu.Lock()
		_, ok := l.pending[t]
		delete(l.pending, t)
		l.mu.Unlock()
		if ok {
			fn()
		}
		l.wg.Done()
	})
	l.pending[t] = fn
	l.mu.Unlock()
}

func (l *lifecycle) close(h *Handler) {
	l.mu.Lock()
	l.closed = true
	var run []func()
	for t, fn := range l.pending {
		// A timer that already fired runs fn itself; wg.Wait waits for it.
		if t.Stop() {
			run = append(run, fn)
			delete(l.pending, t)
			l.wg.Done()
		}
	}
	l.mu.Unlock()
	for _, fn := range run {
		fn()
	}
	l.wg.Wait()
}
