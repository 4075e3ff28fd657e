package producer

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBuildBatch builds batches from random queues until they are empty,
// and checks each against the limits, the aggregation format and the
// per-key rule, and all of them together against the queue's order.
func TestBuildBatch(t *testing.T) {
	options := []Options{
		{},
		{MaxBatchRecords: 7, MaxBatchBytes: 4000, MaxRecordSize: 1000},
		{Unordered: true, MaxBatchRecords: 20, MaxBatchBytes: 5000, MaxRecordSize: 1000},
		{Aggregate: true},
		{Aggregate: true, MaxBatchRecords: 3, MaxBatchBytes: 3000, MaxRecordSize: 1000, MaxAggregatedBytes: 600},
		{Aggregate: true, MaxAggregatedRecords: 5, MaxBatchRecords: 10},
		{Aggregate: true, Unordered: true, MaxBatchRecords: 4, MaxBatchBytes: 5000, MaxRecordSize: 2000, MaxAggregatedBytes: 700},
	}
	r := rand.New(rand.NewPCG(5, 6))
	for i, o := range options {
		for round := range 6 {
			t.Run(fmt.Sprintf("options%d/%d", i, round), func(t *testing.T) {
				o := o.withDefaults()
				require.NoError(t, o.validate())
				p := &Producer{opts: o, seen: map[uint64]uint64{}}
				s := &shard{}
				keys := 1 + r.IntN(40)
				var queued []record
				for n := range 1 + r.IntN(1000) {
					key := fmt.Sprintf("key-%d", r.IntN(keys))
					size := r.IntN(120)
					if r.IntN(50) == 0 {
						size = r.IntN(o.MaxRecordSize - len(key) + 1) // some too large to aggregate
					}
					rec, err := p.newRecord(Record{PartitionKey: key, Data: []byte(strings.Repeat("x", size) + fmt.Sprint(n))[:size]})
					require.NoError(t, err)
					if r.IntN(10) == 0 {
						rec.ExplicitHashKey = fmt.Sprint(r.IntN(5))
					}
					rec.epoch = uint64(n) // the record's number
					s.push(rec)
					queued = append(queued, rec)
				}
				var sent []record
				for s.queueLen() > 0 {
					b := p.buildBatch(s)
					require.NotEmpty(t, b.records)
					checkBatch(t, &o, b)
					sent = append(sent, b.records...)
				}
				require.Zero(t, s.queuedBytes)
				require.Len(t, sent, len(queued))
				// Per key, the records were sent in queue order.
				next := map[string]int{}
				perKey := map[string][]uint64{}
				for _, q := range queued {
					perKey[q.PartitionKey] = append(perKey[q.PartitionKey], q.epoch)
				}
				for _, rec := range sent {
					k := rec.PartitionKey
					require.Equal(t, perKey[k][next[k]], rec.epoch, "key %s", k)
					next[k]++
				}
			})
		}
	}
}

func checkBatch(t *testing.T, o *Options, b *batch) {
	t.Helper()
	in := b.input("s")
	require.LessOrEqual(t, len(in.Records), o.MaxBatchRecords)
	require.Len(t, in.Records, len(b.entries))
	bytes, next := 0, 0
	keyEntries := map[string]int{}
	for i, e := range b.entries {
		require.Equal(t, next, e.from, "entries cover the records in order")
		require.Greater(t, e.to, e.from)
		next = e.to
		entry := in.Records[i]
		bytes += len(entry.Data) + len(*entry.PartitionKey)
		require.LessOrEqual(t, len(entry.Data)+len(*entry.PartitionKey), o.MaxRecordSize)
		keysHere := map[string]bool{}
		if !e.aggregated {
			require.Equal(t, 1, e.to-e.from)
			require.Equal(t, b.records[e.from].Data, entry.Data)
			keysHere[b.records[e.from].PartitionKey] = true
		} else {
			require.True(t, o.Aggregate)
			require.GreaterOrEqual(t, e.to-e.from, 2)
			require.Len(t, entry.Data, e.size)
			require.LessOrEqual(t, e.size, o.MaxAggregatedBytes)
			if o.MaxAggregatedRecords > 0 {
				require.LessOrEqual(t, e.to-e.from, o.MaxAggregatedRecords)
			}
			users, err := Deaggregate(entry.Data)
			require.NoError(t, err)
			require.Len(t, users, e.to-e.from)
			for j, u := range users {
				rec := b.records[e.from+j]
				require.Equal(t, rec.PartitionKey, u.PartitionKey)
				require.Equal(t, rec.ExplicitHashKey, u.ExplicitHashKey)
				require.Equal(t, rec.Data, u.Data)
				keysHere[u.PartitionKey] = true
			}
		}
		for k := range keysHere {
			keyEntries[k]++
		}
	}
	require.Equal(t, len(b.records), next)
	require.LessOrEqual(t, bytes, o.MaxBatchBytes)
	if !o.Unordered {
		for k, n := range keyEntries {
			require.Equal(t, 1, n, "key %s is in %d entries of a batch", k, n)
		}
	}
}
