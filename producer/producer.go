package producer

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// Client is the part of the Kinesis client of the AWS SDK for Go v2
// (*kinesis.Client) that a Producer uses.
type Client interface {
	PutRecords(ctx context.Context, params *kinesis.PutRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error)
	ListShards(ctx context.Context, params *kinesis.ListShardsInput, optFns ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error)
}

// Producer buffers records and writes them to one stream in batches. Its
// methods are safe for concurrent use. See the package documentation.
type Producer struct {
	client  Client
	stream  string
	opts    Options
	logger  *slog.Logger
	metrics Metrics
	start   time.Time

	ctx    context.Context // ends when Close gives up, or after it
	cancel context.CancelFunc
	kick   chan struct{} // wakes the loop
	stop   chan struct{} // closed to stop the loop
	wg     sync.WaitGroup

	closeDone chan struct{} // closed when the first Close returns
	closeErr  error
	aborted   atomic.Bool // Close gave up: drop what is left

	records, bytes, kinesisRecords, requests, retries, errors atomic.Int64

	mu     sync.Mutex
	ranges []shardRange // the shard map, sorted by start
	shards []*shard     // one per range, same order
	// ready is false until the first shard listing ends; no batch is sent
	// before.
	ready bool
	// pending is a new shard map that replaces ranges once no batch is in
	// flight.
	pending []shardRange
	// stale is set when a call wrote records to an unexpected shard: no
	// batch is sent until the shards are listed again.
	stale           bool
	refreshWanted   bool
	refreshing      bool
	refreshFailures int
	nextRefresh     time.Duration
	inFlight        int // shards with a batch in flight

	bufferedRecords, bufferedBytes int
	// roomFreed is closed (and set to nil) when records finish, to wake
	// Puts waiting for room; nil when none waits.
	roomFreed chan struct{}
	// epoch is the Flush generation of new records; outstanding counts
	// unfinished records per epoch.
	epoch       uint64
	outstanding map[uint64]int
	flushes     []*flushWaiter
	closed      bool
	nextWake    time.Duration     // when the loop wakes next, if not kicked
	seen        map[uint64]uint64 // scratch of buildBatch
	picked      []int             // scratch of buildBatch
	spares      [][]record        // record arrays to reuse
}

// flushWaiter is a Flush waiting for the records of epochs up to upTo.
type flushWaiter struct {
	upTo uint64
	done chan struct{}
}

// New returns a producer that writes to stream, a stream name or ARN,
// through client. It starts the producer's goroutine, which lists the
// stream's shards; call Close to stop it.
func New(client Client, stream string, opts Options) (*Producer, error) {
	if client == nil {
		return nil, fmt.Errorf("new producer: nil client")
	}
	if stream == "" {
		return nil, fmt.Errorf("new producer: empty stream name")
	}
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("new producer: invalid options: %w", err)
	}
	p := &Producer{
		client:        client,
		stream:        stream,
		opts:          opts,
		logger:        opts.Logger.With("stream", stream),
		metrics:       opts.Metrics,
		start:         time.Now(),
		kick:          make(chan struct{}, 1),
		stop:          make(chan struct{}),
		closeDone:     make(chan struct{}),
		outstanding:   map[uint64]int{},
		seen:          map[uint64]uint64{},
		refreshWanted: true,
		nextWake:      never,
	}
	if p.metrics == nil {
		p.metrics = NopMetrics{}
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.setShards(wholeRange)
	p.wg.Add(1)
	go p.run()
	return p, nil
}

// now is the time since the producer started, on the monotonic clock.
func (p *Producer) now() time.Duration { return time.Since(p.start) }

// Put adds a record with the given partition key and data; see PutRecord.
func (p *Producer) Put(ctx context.Context, partitionKey string, data []byte) error {
	return p.PutRecord(ctx, Record{PartitionKey: partitionKey, Data: data})
}

// PutRecord adds a record to the buffer and returns. The record's outcome
// comes later, through Options.OnResult and r.Done. PutRecord returns an
// error wrapping ErrInvalidRecord for a record Kinesis would reject,
// ErrClosed after Close, and, when the buffer is full, waits for room until
// ctx ends (returning its error) or returns ErrBufferFull with
// Options.FailWhenFull. A record is accepted, and gets a result, exactly
// when PutRecord returns nil.
func (p *Producer) PutRecord(ctx context.Context, r Record) error {
	rec, err := p.newRecord(r)
	if err != nil {
		return err
	}
	p.mu.Lock()
	for {
		if p.closed {
			p.mu.Unlock()
			return ErrClosed
		}
		if p.hasRoom(rec.size) {
			break
		}
		if p.opts.FailWhenFull {
			p.mu.Unlock()
			return ErrBufferFull
		}
		if p.roomFreed == nil {
			p.roomFreed = make(chan struct{})
		}
		freed := p.roomFreed
		p.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return ctx.Err()
		}
		p.mu.Lock()
	}
	now := p.now()
	rec.enqueued, rec.epoch = now, p.epoch
	p.outstanding[p.epoch]++
	p.bufferedRecords++
	p.bufferedBytes += rec.size
	s := p.shards[lookupShard(p.ranges, rec.route)]
	wasEmpty := s.queueLen() == 0
	s.push(rec)
	kick := false
	if !s.inFlight && !s.fullKicked && s.full(&p.opts) {
		s.fullKicked, kick = true, true
	} else if wasEmpty && now+p.opts.Linger < p.nextWake {
		p.nextWake, kick = now+p.opts.Linger, true
	}
	p.mu.Unlock()
	if kick {
		p.wake()
	}
	return nil
}

// newRecord validates r and computes its routing.
func (p *Producer) newRecord(r Record) (record, error) {
	key := r.PartitionKey
	if key == "" || (len(key) > 256 && utf8.RuneCountInString(key) > 256) {
		return record{}, fmt.Errorf("%w: partition key must have 1 to 256 characters", ErrInvalidRecord)
	}
	size := len(key) + len(r.Data)
	if size > p.opts.MaxRecordSize {
		return record{}, fmt.Errorf("%w: record of %d bytes (data and partition key) is over the limit of %d", ErrInvalidRecord, size, p.opts.MaxRecordSize)
	}
	if r.Data == nil {
		r.Data = []byte{}
	}
	h := hashOf(key)
	rec := record{Record: r, route: h, keyHash: h.lo ^ h.hi, size: size}
	if r.ExplicitHashKey != "" {
		ehk, ok := parseHashKey(r.ExplicitHashKey)
		if !ok {
			return record{}, fmt.Errorf("%w: explicit hash key %q is not a decimal in [0, 2^128-1]", ErrInvalidRecord, r.ExplicitHashKey)
		}
		rec.route = ehk
	}
	return rec, nil
}

// hasRoom reports whether a record of size bytes fits in the buffer.
func (p *Producer) hasRoom(size int) bool {
	return p.bufferedRecords == 0 ||
		(p.bufferedRecords < p.opts.MaxBufferedRecords && p.bufferedBytes+size <= p.opts.MaxBufferedBytes)
}

// wake kicks the loop.
func (p *Producer) wake() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}
