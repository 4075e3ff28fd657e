package kinesis

import (
	"cmp"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Limits bound requests. The zero value of a field means its default.
type Limits struct {
	// MaxRecordSize is the largest record (data plus partition key) in
	// bytes. Default 1 MiB; at most 10 MiB.
	MaxRecordSize int
	// PutRecordsMaxRecords is the most records one PutRecords takes.
	// Default 500.
	PutRecordsMaxRecords int
	// PutRecordsMaxBytes bounds the total data plus partition keys of one
	// PutRecords, in bytes. Default 10 MiB.
	PutRecordsMaxBytes int
	// GetRecordsMaxRecords is the largest GetRecords Limit. Default 10000.
	GetRecordsMaxRecords int
	// GetRecordsMaxBytes bounds the data one GetRecords returns, in bytes
	// (at least one record is returned even if larger). Default 10 MiB.
	GetRecordsMaxBytes int
	// ShardLimit is the most open shards across all streams. Default 1000.
	ShardLimit int
	// OnDemandStreamLimit is the most ON_DEMAND streams. Default 50.
	OnDemandStreamLimit int
}

// maxRecordSizeCeiling is the largest record Kinesis accepts at all.
const maxRecordSizeCeiling = 10 << 20

func (l *Limits) ensureDefaults() {
	if l.MaxRecordSize <= 0 {
		l.MaxRecordSize = 1 << 20
	}
	if l.PutRecordsMaxRecords <= 0 {
		l.PutRecordsMaxRecords = 500
	}
	if l.PutRecordsMaxBytes <= 0 {
		l.PutRecordsMaxBytes = 10 << 20
	}
	if l.GetRecordsMaxRecords <= 0 {
		l.GetRecordsMaxRecords = 10000
	}
	if l.GetRecordsMaxBytes <= 0 {
		l.GetRecordsMaxBytes = 10 << 20
	}
	if l.ShardLimit <= 0 {
		l.ShardLimit = 1000
	}
	if l.OnDemandStreamLimit <= 0 {
		l.OnDemandStreamLimit = 50
	}
}

// Throughput holds per-shard throughput limits. The zero value of a rate
// means its AWS default.
type Throughput struct {
	// Enforce switches the limits on; calls over them fail with
	// ProvisionedThroughputExceededException.
	Enforce bool
	// WriteBytesPerSecond (default 1 MiB) and WriteRecordsPerSecond
	// (default 1000) bound writes to one shard.
	WriteBytesPerSecond   int
	WriteRecordsPerSecond int
	// ReadBytesPerSecond (default 2 MiB) and ReadCallsPerSecond (default
	// 5) bound GetRecords on one shard.
	ReadBytesPerSecond int
	ReadCallsPerSecond int
}

func (t *Throughput) ensureDefaults() {
	t.WriteBytesPerSecond = cmp.Or(max(t.WriteBytesPerSecond, 0), 1<<20)
	t.WriteRecordsPerSecond = cmp.Or(max(t.WriteRecordsPerSecond, 0), 1000)
	t.ReadBytesPerSecond = cmp.Or(max(t.ReadBytesPerSecond, 0), 2<<20)
	t.ReadCallsPerSecond = cmp.Or(max(t.ReadCallsPerSecond, 0), 5)
}

// OnDemand configures the scaling of ON_DEMAND streams: a shard whose
// average write rate over Sustain reaches either threshold is split in
// two. The zero value of a field means its default.
type OnDemand struct {
	// SplitBytesPerSecond (default 1 MiB) and SplitRecordsPerSecond
	// (default 1000) are the thresholds.
	SplitBytesPerSecond   int
	SplitRecordsPerSecond int
	// Sustain is the averaging window, 1s to 60s. Default 10s.
	Sustain time.Duration
	// CheckInterval is how often loads are checked. Default 1s.
	CheckInterval time.Duration
}

func (o *OnDemand) ensureDefaults() {
	o.SplitBytesPerSecond = cmp.Or(max(o.SplitBytesPerSecond, 0), 1<<20)
	o.SplitRecordsPerSecond = cmp.Or(max(o.SplitRecordsPerSecond, 0), 1000)
	o.Sustain = min(cmp.Or(max(o.Sustain, 0), 10*time.Second), maxSustain)
	o.Sustain = max(o.Sustain, time.Second)
	o.CheckInterval = cmp.Or(max(o.CheckInterval, 0), time.Second)
}

// FanOut configures enhanced fan-out. The zero value of a field means
// its default.
type FanOut struct {
	// MaxConsumersPerStream bounds registered consumers. Default 20.
	MaxConsumersPerStream int
	// Session is the longest life of one subscription. Default 5m.
	Session time.Duration
	// TakeoverAfter is the age after which a new subscription for the
	// same consumer and shard replaces the old one (before it, the new
	// one fails with ResourceInUseException). Default 5s.
	TakeoverAfter time.Duration
	// Heartbeat is the longest silence of an idle subscription. Default 5s.
	Heartbeat time.Duration
}

func (f *FanOut) ensureDefaults() {
	f.MaxConsumersPerStream = cmp.Or(max(f.MaxConsumersPerStream, 0), 20)
	f.Session = cmp.Or(max(f.Session, 0), 5*time.Minute)
	if f.TakeoverAfter <= 0 {
		f.TakeoverAfter = 5 * time.Second
	}
	f.Heartbeat = cmp.Or(max(f.Heartbeat, 0), 5*time.Second)
}

// Options configure a Handler. The zero value of a field means its
// default.
type Options struct {
	// Region and AccountID appear in ARNs and messages. Defaults us-east-1
	// and 000000000000.
	Region    string
	AccountID string
	// StatusDelay is how long a stream stays CREATING after CreateStream,
	// and DELETING after DeleteStream, before it is ACTIVE or gone. Zero
	// makes both transitions happen before the call returns.
	StatusDelay time.Duration
	// IteratorKey signs shard iterators and pagination tokens (HMAC-SHA256).
	// Keep it stable across restarts so iterators stay valid. Required: at
	// least 16 bytes.
	IteratorKey []byte
	// Limits bound requests.
	Limits Limits
	// Throughput holds per-shard throughput limits (off unless Enforce).
	Throughput Throughput
	// OnDemand says when ON_DEMAND streams split hot shards.
	OnDemand OnDemand
	// FanOut configures consumers and SubscribeToShard.
	FanOut FanOut
	// SettingsFile is where account settings (UpdateAccountSettings) are
	// kept; empty keeps them in memory only.
	// ChannelsFile is where channels (CreateChannel) are kept; empty
	// keeps them in memory only.
	ChannelsFile string
	SettingsFile string
	// Verifier authenticates requests (SigV4 against configured keys); an
	// authenticated request is then authorized against the resource
	// policy of what it names. Nil accepts any well-formed signature and
	// authorizes nothing (authentication off).
	Verifier Verifier
	// Keyring holds the master keys of encrypted streams; it must be the
	// store's. Nil means StartStreamEncryption fails with
	// KMSNotFoundException.
	Keyring Keyring
	// AuthzDenied, if set, counts requests refused by authorization,
	// labelled with the IAM action ("action").
	AuthzDenied *prometheus.CounterVec
	// Logger receives server faults; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}
