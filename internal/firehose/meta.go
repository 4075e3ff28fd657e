package firehose

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/eddy-streaming/eddy/internal/firehose/process"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// Catalog attribute keys of a hidden stream.
const (
	attrMeta       = "firehose.meta"
	attrCheckpoint = "firehose.ckpt." // + shard index
)

// destination is the stored destination configuration: exactly one field
// is set. A plain S3 destination is stored as ExtendedS3 with Plain set.
type destination struct {
	ExtendedS3 *ExtendedS3DestinationConfiguration   `json:"ExtendedS3,omitempty"`
	Plain      bool                                  `json:"Plain,omitempty"`
	HTTP       *HttpEndpointDestinationConfiguration `json:"HttpEndpoint,omitempty"`
	PostgreSQL *PostgreSQLDestinationConfiguration   `json:"PostgreSQL,omitempty"`
}

// meta is a delivery stream's metadata, stored as JSON in attrMeta.
type meta struct {
	Name       string                 `json:"name"`
	Type       string                 `json:"type"`
	Version    int64                  `json:"version"`
	Created    time.Time              `json:"created"`
	Updated    time.Time              `json:"updated"`
	Dest       destination            `json:"destination"`
	Encryption *EncryptionDescription `json:"encryption,omitempty"`
	// Source is set for KinesisStreamAsSource delivery streams.
	Source *sourceMeta `json:"source,omitempty"`
	// StreamID is the hidden stream's catalog id: unique for the life of
	// the store, so objects of a re-created delivery stream never share
	// names with the old one's.
	StreamID uint64 `json:"stream_id"`
}

func loadMeta(st catalog.Stream) (*meta, error) {
	raw, ok := st.Attrs[attrMeta]
	if !ok {
		return nil, errors.New("no metadata")
	}
	m := &meta{}
	if err := json.Unmarshal([]byte(raw), m); err != nil {
		return nil, fmt.Errorf("decode metadata: %w", err)
	}
	m.StreamID = st.ID
	return m, nil
}

func (m *meta) clone() *meta {
	b, _ := json.Marshal(m)
	c := &meta{}
	_ = json.Unmarshal(b, c)
	c.StreamID = m.StreamID
	return c
}

// sourceMeta describes the Kinesis stream a delivery stream reads.
type sourceMeta struct {
	Stream  string `json:"stream"`
	ARN     string `json:"arn"`
	RoleARN string `json:"role_arn,omitempty"`
	// Start maps the shards open at creation to the offset delivery starts
	// at (LATEST then). Shards with a lower index that are not in Start
	// were closed already and are not delivered; shards from Known on are
	// children created later, delivered from their start once their
	// parents are finished.
	Start   map[uint32]uint64 `json:"start"`
	Known   uint32            `json:"known"`
	Started time.Time         `json:"started"`
}

// checkpoint is a worker's delivery progress, stored as JSON in
// attrCheckpoint+shard.
type checkpoint struct {
	// Next is the low watermark: every record below it is delivered.
	Next uint64 `json:"next"`
	// Done maps a buffer key to the last position delivered for it, for
	// keys with deliveries at or above Next.
	Done map[string]donePos `json:"done,omitempty"`
	// Version and Dest are the configuration the positions were produced
	// with; a replay uses it so that names do not change.
	Version int64        `json:"version"`
	Dest    *destination `json:"destination,omitempty"`
	// Finished is set once a closed source shard is delivered to its end.
	Finished bool `json:"finished,omitempty"`
	// Pending records, before a buffer is written, where it ends: a replay
	// cuts the buffer at the same record, so the object written again has
	// the same records as well as the same name.
	Pending map[string]donePos `json:"pending,omitempty"`
	// High is the highest read position processed under Version: a
	// restarted worker replays up to it before it applies a newer
	// configuration.
	High uint64 `json:"high,omitempty"`
}

type donePos struct {
	Offset uint64 `json:"o"`
	Sub    uint32 `json:"s"`
}

func (d donePos) less(p process.Position) bool {
	return d.Offset < p.Offset || d.Offset == p.Offset && d.Sub < p.Sub
}

func posOf(p process.Position) donePos { return donePos{Offset: p.Offset, Sub: p.Sub} }

// deliveryStream is one delivery stream: metadata and workers.
type deliveryStream struct {
	svc      *Service
	name     string
	streamID uint64
	hidden   string
	shards   int

	mu      sync.Mutex
	meta    *meta
	failure *FailureDescription
	deleted bool

	metrics streamMetrics

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (ds *deliveryStream) snapshot() *meta {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	return ds.meta.clone()
}

func (ds *deliveryStream) version() int64 {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	return ds.meta.Version
}

func (ds *deliveryStream) setFailure(f *FailureDescription) {
	ds.mu.Lock()
	ds.failure = f
	ds.mu.Unlock()
}

// saveMeta applies fn to a copy of the metadata and stores it; the
// in-memory metadata changes only if the store accepted it.
func (ds *deliveryStream) saveMeta(fn func(m *meta) error) (*meta, error) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	m := ds.meta.clone()
	if err := fn(m); err != nil {
		return nil, err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	_, err = ds.svc.store.UpdateStream(ds.hidden, func(st *catalog.Stream) error {
		if st.Attrs == nil {
			st.Attrs = map[string]string{}
		}
		st.Attrs[attrMeta] = string(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("save delivery stream metadata: %w", err)
	}
	ds.meta = m
	return m.clone(), nil
}

func (ds *deliveryStream) loadCheckpoint(shard uint32) (*checkpoint, error) {
	st, err := ds.svc.store.Stream(ds.hidden)
	if err != nil {
		return nil, err
	}
	return ds.loadCheckpointFrom(st, shard)
}

// loadCheckpointFrom reads a shard's checkpoint from the hidden stream's
// catalog entry.
func (ds *deliveryStream) loadCheckpointFrom(st catalog.Stream, shard uint32) (*checkpoint, error) {
	c := &checkpoint{Done: map[string]donePos{}, Pending: map[string]donePos{}}
	raw, ok := st.Attrs[attrCheckpoint+strconv.Itoa(int(shard))]
	if !ok {
		return c, nil
	}
	if err := json.Unmarshal([]byte(raw), c); err != nil {
		return nil, fmt.Errorf("decode checkpoint: %w", err)
	}
	if c.Done == nil {
		c.Done = map[string]donePos{}
	}
	if c.Pending == nil {
		c.Pending = map[string]donePos{}
	}
	return c, nil
}

func (ds *deliveryStream) saveCheckpoint(shard uint32, c *checkpoint) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	_, err = ds.svc.store.UpdateStream(ds.hidden, func(st *catalog.Stream) error {
		if st.Attrs == nil {
			st.Attrs = map[string]string{}
		}
		st.Attrs[attrCheckpoint+strconv.Itoa(int(shard))] = string(b)
		return nil
	})
	return err
}

// start launches one worker per shard of the hidden stream, or the
// manager of a Kinesis source's shard workers.
func (ds *deliveryStream) start() {
	ctx, cancel := context.WithCancel(ds.svc.ctx)
	ds.cancel = cancel
	if src := ds.meta.Source; src != nil {
		ds.wg.Add(1)
		go func() {
			defer ds.wg.Done()
			ds.manageSource(ctx, src)
		}()
		return
	}
	for i := 0; i < ds.shards; i++ {
		w := newWorker(ds, ds.hidden, uint32(i), 0)
		ds.wg.Add(1)
		go func() {
			defer ds.wg.Done()
			w.run(ctx)
		}()
	}
}

// stop cancels the workers and waits for them.
func (ds *deliveryStream) stop() {
	if ds.cancel != nil {
		ds.cancel()
	}
	ds.wg.Wait()
}
