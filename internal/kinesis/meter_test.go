package kinesis

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/seqnum"
	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

func TestMeterWriteLimits(t *testing.T) {
	tp := Throughput{}
	tp.ensureDefaults()
	now := time.Unix(1000, 0)
	m := &shardMeter{}
	for i := range 1000 {
		require.True(t, m.admitWrite(now, &tp, 10), "record %d within the burst", i)
	}
	require.False(t, m.admitWrite(now, &tp, 10), "1001st record in the same instant")
	require.True(t, m.admitWrite(now.Add(2*time.Millisecond), &tp, 10), "two records refilled after 2ms")

	m = &shardMeter{}
	require.True(t, m.admitWrite(now, &tp, 1<<20), "a full second of bytes")
	require.False(t, m.admitWrite(now.Add(100*time.Millisecond), &tp, 200<<10), "bytes refill at 1 MiB/s")
	require.True(t, m.admitWrite(now.Add(300*time.Millisecond), &tp, 200<<10))
	require.Equal(t, int64(1), m.counters().WriteThroughputExceeded)
}

func TestMeterReadLimits(t *testing.T) {
	tp := Throughput{}
	tp.ensureDefaults()
	now := time.Unix(1000, 0)
	m := &shardMeter{}
	for range 5 {
		require.True(t, m.admitRead(now, &tp))
	}
	require.False(t, m.admitRead(now, &tp), "sixth call in a second")
	now = now.Add(time.Second)
	require.True(t, m.admitRead(now, &tp))
	m.read(now, &tp, true, 1, 10<<20, 0) // a 10 MiB read borrows 4 seconds
	require.False(t, m.admitRead(now.Add(3*time.Second), &tp))
	require.True(t, m.admitRead(now.Add(4100*time.Millisecond), &tp))
}

func TestMeterWriteRate(t *testing.T) {
	start := time.Unix(1000, 0)
	m := &shardMeter{firstSeen: start}
	for i := range 30 { // 3 s at 10 writes of 100 records/s
		now := start.Add(time.Duration(i) * 100 * time.Millisecond)
		m.wrote(now, 100, 1000, nil)
	}
	_, _, ok := m.writeRate(start.Add(2*time.Second), 2*time.Second)
	require.False(t, ok, "younger than the window")
	bytes, records, ok := m.writeRate(start.Add(3*time.Second), 2*time.Second)
	require.True(t, ok)
	require.Equal(t, 1000.0, records)
	require.Equal(t, 10000.0, bytes)
	_, records, _ = m.writeRate(start.Add(10*time.Second), 2*time.Second)
	require.Zero(t, records, "old seconds do not count")
}

func TestRouter(t *testing.T) {
	ranges := seqnum.SplitHashRange(3)
	s := catalog.Stream{}
	for i, r := range ranges {
		s.Shards = append(s.Shards, catalog.Shard{Index: uint32(i + 1), HashKeyStart: r.Start.String(), HashKeyEnd: r.End.String()})
	}
	s.Shards = append(s.Shards, catalog.Shard{Index: 0, Closed: true, HashKeyStart: "0", HashKeyEnd: seqnum.MaxUint128.String()})
	r := newRouter(s)
	for i, key := range []string{"0", ranges[1].Start.String(), seqnum.MaxUint128.String()} {
		idx, ok := r.route(&storage.Record{ExplicitHashKey: key})
		require.True(t, ok)
		require.Equal(t, uint32(i+1), idx)
	}
	idx, ok := r.route(&storage.Record{PartitionKey: "a"})
	require.True(t, ok)
	require.NotZero(t, idx)
}
