package kinesis

import (
	"sync"
	"time"

	"github.com/eddy-streaming/eddy/internal/seqnum"
)

// Per-shard accounting. A shardMeter holds, for one shard:
//   - token buckets for the throughput limits (Options.Throughput), used
//     only when they are enforced;
//   - a per-second window of write load, read by on-demand scaling;
//   - cumulative counters, reported as shard-level metrics when enhanced
//     monitoring is on.
//
// Meters live in memory only: after a restart, rates start from zero.

// maxSustain bounds OnDemand.Sustain: the write window keeps one slot per
// second.
const maxSustain = time.Minute

const windowSlots = int(maxSustain/time.Second) + 2

// shardKey names a shard across streams; stream IDs are never reused.
type shardKey struct {
	stream uint64
	shard  uint32
}

// bucket is a token bucket: rate tokens per second, holding at most burst.
// Its zero value is full on first use.
type bucket struct {
	tokens float64
	last   time.Time
}

func (b *bucket) refill(now time.Time, rate, burst float64) {
	if b.last.IsZero() {
		b.tokens, b.last = burst, now
		return
	}
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(burst, b.tokens+d.Seconds()*rate)
		b.last = now
	}
}

// windowSlot is the write load of one second.
type windowSlot struct {
	second  int64
	bytes   int64
	records int64
}

// shardCounters are cumulative shard-level metrics.
type shardCounters struct {
	IncomingBytes, IncomingRecords int64
	OutgoingBytes, OutgoingRecords int64
	WriteThroughputExceeded        int64
	ReadThroughputExceeded         int64
	// IteratorAgeMilliseconds is the lag of the latest read.
	IteratorAgeMilliseconds int64
}

type shardMeter struct {
	mu sync.Mutex
	c  shardCounters
	// Throughput buckets.
	writeBytes, writeRecords bucket
	readBytes, readCalls     bucket
	// window is the write load of the last seconds, by second modulo its
	// length; firstSeen is when the meter started counting.
	window    [windowSlots]windowSlot
	firstSeen time.Time
	// keys is a ring of hash keys sampled from recent writes (one record
	// in keySampleEvery), from which on-demand scaling picks its split
	// point; nKeys counts samples ever taken.
	keys  [keySamples]seqnum.Uint128
	nKeys int
}

// keySamples is how many recent hash keys a meter keeps; keySampleEvery
// is the sampling period in records.
const (
	keySamples     = 64
	keySampleEvery = 8
)

// meters maps shards to their meters.
type meters struct {
	mu sync.Mutex
	m  map[shardKey]*shardMeter
}

func (ms *meters) get(k shardKey, now time.Time) *shardMeter {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.m == nil {
		ms.m = make(map[shardKey]*shardMeter)
	}
	m := ms.m[k]
	if m == nil {
		m = &shardMeter{}
		m.firstSeen = now
		ms.m[k] = m
	}
	return m
}

// forget drops the meters of a stream.
func (ms *meters) forget(stream uint64) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	for k := range ms.m {
		if k.stream == stream {
			delete(ms.m, k)
		}
	}
}

// admitWrite takes one record of size bytes from the write buckets, or
// reports that the shard is over its limit (and takes nothing).
func (m *shardMeter) admitWrite(now time.Time, t *Throughput, size int) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := &m.c
	m.writeBytes.refill(now, float64(t.WriteBytesPerSecond), float64(t.WriteBytesPerSecond))
	m.writeRecords.refill(now, float64(t.WriteRecordsPerSecond), float64(t.WriteRecordsPerSecond))
	// A record larger than a second's worth passes on a full bucket.
	need := min(float64(size), float64(t.WriteBytesPerSecond))
	if m.writeRecords.tokens < 1 || m.writeBytes.tokens < need {
		c.WriteThroughputExceeded++
		return false
	}
	m.writeRecords.tokens--
	m.writeBytes.tokens -= float64(size)
	return true
}

// admitRead takes one GetRecords call, or reports that the shard is over
// its call rate or still paying back earlier reads.
func (m *shardMeter) admitRead(now time.Time, t *Throughput) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := &m.c
	m.readCalls.refill(now, float64(t.ReadCallsPerSecond), float64(t.ReadCallsPerSecond))
	m.readBytes.refill(now, float64(t.ReadBytesPerSecond), float64(t.ReadBytesPerSecond))
	if m.readCalls.tokens < 1 || m.readBytes.tokens <= 0 {
		c.ReadThroughputExceeded++
		return false
	}
	m.readCalls.tokens--
	return true
}

// wrote records a committed write of records and bytes, and sampled
// hash keys of the records.
func (m *shardMeter) wrote(now time.Time, records, bytes int, keys []seqnum.Uint128) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		m.keys[m.nKeys%keySamples] = k
		m.nKeys++
	}
	c := &m.c
	c.IncomingBytes += int64(bytes)
	c.IncomingRecords += int64(records)
	sec := now.Unix()
	slot := &m.window[sec%int64(windowSlots)]
	if slot.second != sec {
		*slot = windowSlot{second: sec}
	}
	slot.bytes += int64(bytes)
	slot.records += int64(records)
}

// read records records and bytes returned to a reader (the bytes count
// against the read budget) and the reader's lag.
func (m *shardMeter) read(now time.Time, t *Throughput, enforce bool, records, bytes int, lagMillis int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := &m.c
	c.OutgoingBytes += int64(bytes)
	c.OutgoingRecords += int64(records)
	c.IteratorAgeMilliseconds = lagMillis
	if enforce {
		m.readBytes.refill(now, float64(t.ReadBytesPerSecond), float64(t.ReadBytesPerSecond))
		m.readBytes.tokens -= float64(bytes)
	}
}

// writeRate returns the average write rate over the sustain window of
// whole seconds before now, and false if the meter is younger than it.
func (m *shardMeter) writeRate(now time.Time, sustain time.Duration) (bytesPerSec, recordsPerSec float64, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if now.Sub(m.firstSeen) < sustain+time.Second {
		return 0, 0, false
	}
	n := int64(sustain / time.Second)
	cur := now.Unix()
	var bytes, records int64
	for sec := cur - n; sec < cur; sec++ {
		slot := m.window[sec%int64(windowSlots)]
		if slot.second == sec {
			bytes += slot.bytes
			records += slot.records
		}
	}
	return float64(bytes) / float64(n), float64(records) / float64(n), true
}

// counters returns a copy of the cumulative counters.
func (m *shardMeter) counters() shardCounters {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.c
}

// peek returns the meter of a shard, or nil if it has none.
func (ms *meters) peek(k shardKey) *shardMeter {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.m[k]
}

// drop removes the meter of a shard.
func (ms *meters) drop(k shardKey) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	delete(ms.m, k)
}

// sampledKeys returns the recent hash-key samples.
func (m *shardMeter) sampledKeys() []seqnum.Uint128 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]seqnum.Uint128(nil), m.keys[:min(m.nKeys, keySamples)]...)
}
