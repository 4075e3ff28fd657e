package kinesis

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/eddy-streaming/eddy/internal/awsproto"
	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// SubscribeToShard pushes a shard's records to an enhanced fan-out
// consumer over one long HTTP response of type
// application/vnd.amazon.eventstream (HTTP/1.1 chunked, or HTTP/2):
//
//  1. an initial-response event (the Go SDK waits for it);
//  2. SubscribeToShardEvent events: Records, ContinuationSequenceNumber,
//     MillisBehindLatest — one as soon as records are durable (the
//     subscription blocks in Store.Wait, it does not poll), and an empty
//     one after FanOut.Heartbeat without records;
//  3. at the end of a closed shard, a last event with ChildShards and a
//     null ContinuationSequenceNumber; the response then ends.
//
// A subscription lasts at most FanOut.Session. There is at most one per
// consumer and shard: a new one within FanOut.TakeoverAfter of the
// current one fails with ResourceInUseException; a later one takes over,
// and the old one ends with a ResourceInUseException event. Deregistering
// the consumer or deleting the stream ends it with
// ResourceNotFoundException.

// maxEventBytes bounds the record data of one event.
const maxEventBytes = 1 << 20

// http1StreamDelay is how long an HTTP/1.1 subscription waits before its
// response starts (see subscribeToShard).
const http1StreamDelay = 5 * time.Millisecond

// subKey names a subscription slot: one consumer (a name and creation
// time within a stream) and one shard.
type subKey struct {
	stream   uint64
	consumer string
	created  int64
	shard    uint32
}

// subscription is a running SubscribeToShard.
type subscription struct {
	started time.Time
	cancel  context.CancelCauseFunc
}

// subscriptions is the registry of running subscriptions.
type subscriptions struct {
	mu     sync.Mutex
	closed bool
	m      map[subKey]*subscription
}

// errSubscriptionsClosed ends subscriptions when the server shuts down.
var errSubscriptionsClosed = errors.New("server shutting down")

// add registers a subscription, taking over an old one if it is at least
// takeoverAfter old.
func (ss *subscriptions) add(k subKey, sub *subscription, takeoverAfter time.Duration, inUse error) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		return errSubscriptionsClosed
	}
	if ss.m == nil {
		ss.m = make(map[subKey]*subscription)
	}
	if old := ss.m[k]; old != nil {
		if sub.started.Sub(old.started) < takeoverAfter {
			return inUse
		}
		old.cancel(inUse)
	}
	ss.m[k] = sub
	return nil
}

func (ss *subscriptions) remove(k subKey, sub *subscription) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.m[k] == sub {
		delete(ss.m, k)
	}
}

// endConsumer ends every subscription of a consumer with cause.
func (ss *subscriptions) endConsumer(stream uint64, c consumer, cause error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for k, sub := range ss.m {
		if k.stream == stream && k.consumer == c.Name && k.created == c.Created {
			sub.cancel(cause)
			delete(ss.m, k)
		}
	}
}

// closeAll ends every subscription and refuses new ones.
func (ss *subscriptions) closeAll() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.closed = true
	for k, sub := range ss.m {
		sub.cancel(errSubscriptionsClosed)
		delete(ss.m, k)
	}
}

// EndSubscriptions ends every SubscribeToShard response and refuses new
// ones; the server calls it when it starts shutting down, since
// http.Server.Shutdown waits for responses to finish.
func (h *Handler) EndSubscriptions() { h.subs.closeAll() }

// subscribeToShard handles SubscribeToShard. Errors found before the
// stream starts are returned (and written as ordinary error responses);
// once the stream has started, it ends with an exception event or simply
// ends.
func (h *Handler) subscribeToShard(w http.ResponseWriter, r *http.Request, req *awsproto.Request) error {
	in := new(subscribeToShardInput)
	if e := awsproto.Decode(req.Format, req.Body, in); e != nil {
		return e
	}
	if err := h.authorize(r.Context(), req.Operation, in); err != nil {
		return err
	}
	var v validator
	v.reqStr("consumerARN", in.ConsumerARN, 1, 2048, patternConsumerARN)
	v.reqStr("shardId", in.ShardId, 1, 128, patternName)
	if v.required("startingPosition", in.StartingPosition != nil) {
		p := in.StartingPosition
		if v.required("startingPosition.type", p.Type != nil) {
			v.enum("startingPosition.type", p.Type, shardIteratorTypes)
		}
		v.str("startingPosition.sequenceNumber", p.SequenceNumber, 0, 0, patternSequence)
	}
	if err := v.err(); err != nil {
		return err
	}
	s, c, err := h.findConsumer(consumerRef{ConsumerARN: in.ConsumerARN})
	if err != nil {
		return err
	}
	if s.Status == catalog.StatusCreating || s.Status == catalog.StatusDeleting {
		return h.streamNotFound(s.Name)
	}
	if c.Status != consumerActive {
		return apiErr(errResourceInUse, "Consumer %s under stream %s under account %s is not ACTIVE, instead in state %s.",
			c.Name, s.Name, h.opts.AccountID, c.Status)
	}
	sh, err := h.shardByID(s, *in.ShardId)
	if err != nil {
		return err
	}
	offset, err := h.seekStart(s, sh, in.StartingPosition)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	session, stopSession := context.WithTimeout(ctx, h.opts.FanOut.Session)
	defer stopSession()
	key := subKey{stream: s.ID, consumer: c.Name, created: c.Created, shard: sh.Index}
	sub := &subscription{started: h.opts.Now(), cancel: cancel}
	inUse := apiErr(errResourceInUse, "Another active subscription exists for this consumer: %s:%s:%s:%s",
		h.opts.AccountID, s.Name, catalog.ShardID(sh.Index), c.Name)
	if err := h.subs.add(key, sub, h.opts.FanOut.TakeoverAfter, inUse); err != nil {
		if errors.Is(err, errSubscriptionsClosed) {
			return storage.ErrClosed
		}
		return err
	}
	defer h.subs.remove(key, sub)

	p := &pusher{h: h, w: w, rc: http.NewResponseController(w), format: req.Format, stream: s, shard: sh, offset: offset}
	if r.ProtoMajor == 1 {
		// The AWS SDK for Go v2 (smithy-go 1.28) closes the request body
		// as soon as response headers arrive, and its closed body then
		// returns io.EOF from WriteTo; if net/http's transport is still
		// finishing the request write, it takes that for a write error
		// and closes the connection, cutting the stream. Real AWS is far
		// enough away for the write to finish first; a local server must
		// wait a moment.
		time.Sleep(http1StreamDelay)
	}
	if err := awsproto.StartEventStream(w); err != nil {
		return nil
	}
	if err := p.send(awsproto.AppendEvent(nil, req.Format, "initial-response", p.emptyPayload())); err != nil {
		return nil
	}
	end := p.run(session)
	if end != nil {
		e, internal := toAPIError(end)
		if internal {
			h.opts.Logger.Error("subscription failed", "stream", s.Name, "shard", catalog.ShardID(sh.Index), "error", end)
		}
		_ = p.send(awsproto.AppendException(nil, req.Format, e))
	}
	return nil
}

// seekStart resolves a StartingPosition like GetShardIterator does.
func (h *Handler) seekStart(s catalog.Stream, sh catalog.Shard, p *startingPosition) (uint64, error) {
	typ := *p.Type
	var pos storage.Position
	switch typ {
	case "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER":
		if p.SequenceNumber == nil {
			return 0, invalidArgument("StartingPosition.SequenceNumber must be specified for StartingPosition.Type %s.", typ)
		}
		pos = storage.Position{Type: storage.AtSequence, Sequence: *p.SequenceNumber}
		if typ == "AFTER_SEQUENCE_NUMBER" {
			pos.Type = storage.AfterSequence
		}
	case "TRIM_HORIZON":
		pos = storage.Position{Type: storage.TrimHorizon}
	case "LATEST":
		pos = storage.Position{Type: storage.Latest}
	case "AT_TIMESTAMP":
		if p.Timestamp == nil {
			return 0, invalidArgument("StartingPosition.Timestamp must be specified for StartingPosition.Type AT_TIMESTAMP.")
		}
		pos = storage.Position{Type: storage.AtTimestamp, Timestamp: p.Timestamp.Time}
	}
	offset, err := h.store.Seek(s.Name, sh.Index, pos)
	switch {
	case errors.Is(err, storage.ErrBadSequence):
		return 0, h.badStartingSequence(*p.SequenceNumber, catalog.ShardID(sh.Index), s.Name)
	case errors.Is(err, storage.ErrShardNotFound):
		return 0, h.shardNotFound(catalog.ShardID(sh.Index), s.Name)
	case errors.Is(err, storage.ErrStreamNotFound):
		return 0, h.streamNotFound(s.Name)
	}
	return offset, err
}

// pusher writes the events of one subscription.
type pusher struct {
	h      *Handler
	w      http.ResponseWriter
	rc     *http.ResponseController
	format awsproto.Format
	stream catalog.Stream
	shard  catalog.Shard
	offset uint64
	buf    []byte
}

func (p *pusher) emptyPayload() []byte {
	if p.format == awsproto.CBOR {
		return []byte{0xa0} // an empty map
	}
	return []byte("{}")
}

func (p *pusher) send(msg []byte) error {
	if _, err := p.w.Write(msg); err != nil {
		return err
	}
	return p.rc.Flush()
}

// run pushes events until the session ends (nil), the client goes away
// (nil), or the subscription is ended (the cause, sent as an exception).
func (p *pusher) run(ctx context.Context) error {
	h := p.h
	name, index := p.stream.Name, p.shard.Index
	for {
		res, err := h.store.Read(name, index, p.offset, h.opts.Limits.GetRecordsMaxRecords, maxEventBytes)
		if err != nil {
			return p.storeError(err)
		}
		if len(res.Records) > 0 || res.EndOfShard {
			if err := p.push(res); err != nil || res.EndOfShard {
				return nil
			}
			continue
		}
		// Caught up: wait for a record, at most one heartbeat.
		wait, cancel := context.WithTimeout(ctx, h.opts.FanOut.Heartbeat)
		err = h.store.Wait(wait, name, index, p.offset)
		cancel()
		switch {
		case ctx.Err() != nil:
			if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) && !errors.Is(cause, context.DeadlineExceeded) {
				if errors.Is(cause, errSubscriptionsClosed) {
					return nil
				}
				return cause
			}
			return nil
		case errors.Is(err, context.DeadlineExceeded):
			if err := p.push(storage.ReadResult{Next: p.offset}); err != nil {
				return nil
			}
		case err != nil:
			return p.storeError(err)
		}
	}
}

func (p *pusher) storeError(err error) error {
	if errors.Is(err, storage.ErrStreamNotFound) || errors.Is(err, storage.ErrShardNotFound) {
		return p.h.streamNotFound(p.stream.Name)
	}
	return err
}

// push sends one SubscribeToShardEvent for res and advances.
func (p *pusher) push(res storage.ReadResult) error {
	h := p.h
	ev := subscribeToShardEvent{Records: make([]recordOut, len(res.Records)), MillisBehindLatest: res.MillisBehindLatest}
	bytes := 0
	for i, r := range res.Records {
		ev.Records[i] = recordOut{
			SequenceNumber:              r.SequenceNumber,
			ApproximateArrivalTimestamp: awsproto.Timestamp{Time: r.ArrivalTime},
			Data:                        r.Data,
			PartitionKey:                r.PartitionKey,
		}
		bytes += len(r.Data) + len(r.PartitionKey)
	}
	p.offset = res.Next
	if res.EndOfShard {
		s, err := h.store.Stream(p.stream.Name)
		if err == nil && s.ID == p.stream.ID {
			p.stream = s
		}
		ev.ChildShards = childShards(p.stream, p.shard.Index)
		if ev.ChildShards == nil {
			ev.ChildShards = []childShard{}
		}
		ev.MillisBehindLatest = 0
	} else {
		cont := storage.SequenceOf(p.shard, 0)
		if p.offset > 0 {
			cont = storage.SequenceOf(p.shard, p.offset-1)
		}
		ev.ContinuationSequenceNumber = &cont
	}
	if h.metered(p.stream) && len(res.Records) > 0 {
		now := h.opts.Now()
		h.meters.get(shardKey{p.stream.ID, p.shard.Index}, now).read(now, &h.opts.Throughput, false, len(res.Records), bytes, res.MillisBehindLatest)
	}
	payload, err := awsproto.Encode(p.format, &ev)
	if err != nil {
		return err
	}
	p.buf = awsproto.AppendEvent(p.buf[:0], p.format, "SubscribeToShardEvent", payload)
	return p.send(p.buf)
}
