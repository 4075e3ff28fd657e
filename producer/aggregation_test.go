package producer

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/stretchr/testify/require"
)

func TestAggregateRoundTrip(t *testing.T) {
	records := []Record{
		{PartitionKey: "a", Data: []byte("one")},
		{PartitionKey: "b", Data: []byte{}},
		{PartitionKey: "a", ExplicitHashKey: "12345", Data: []byte("three")},
		{PartitionKey: "ü", ExplicitHashKey: "12345", Data: bytes.Repeat([]byte{0xff}, 300)},
		{PartitionKey: "c", ExplicitHashKey: "340282366920938463463374607431768211455", Data: []byte("five")},
	}
	data := Aggregate(records)
	require.Equal(t, aggregatedMagic[:], data[:4])
	users, err := Deaggregate(data)
	require.NoError(t, err)
	require.Len(t, users, len(records))
	for i, u := range users {
		require.Equal(t, records[i].PartitionKey, u.PartitionKey)
		require.Equal(t, records[i].ExplicitHashKey, u.ExplicitHashKey)
		require.Equal(t, records[i].Data, u.Data)
		require.Equal(t, i, u.SubSequenceNumber)
		require.True(t, u.Aggregated)
	}
}

// TestAggregateSize checks that the sizes buildBatch computes are those of
// the encoding.
func TestAggregateSize(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		var records []Record
		size := aggregatedOverhead
		keys, hashKeys := map[string]int{}, map[string]int{}
		for range 1 + r.IntN(300) {
			rec := Record{PartitionKey: fmt.Sprint(r.IntN(200)), Data: make([]byte, r.IntN(300))}
			if r.IntN(4) == 0 {
				rec.ExplicitHashKey = fmt.Sprint(r.IntN(150))
			}
			pk, ok := keys[rec.PartitionKey]
			if !ok {
				pk = len(keys)
				keys[rec.PartitionKey] = pk
				size += tableEntrySize(rec.PartitionKey)
			}
			ehk := -1
			if rec.ExplicitHashKey != "" {
				if ehk, ok = hashKeys[rec.ExplicitHashKey]; !ok {
					ehk = len(hashKeys)
					hashKeys[rec.ExplicitHashKey] = ehk
					size += tableEntrySize(rec.ExplicitHashKey)
				}
			}
			size += recordSize(pk, ehk, len(rec.Data))
			records = append(records, rec)
		}
		require.Len(t, Aggregate(records), size)
	}
}

func TestDeaggregateErrors(t *testing.T) {
	good := Aggregate([]Record{{PartitionKey: "k", Data: []byte("v")}, {PartitionKey: "k", Data: []byte("w")}})
	withBody := func(body []byte) []byte {
		sum := md5.Sum(body)
		return append(append(append([]byte{}, aggregatedMagic[:]...), body...), sum[:]...)
	}
	tests := []struct {
		name string
		data []byte
		err  error
		msg  string
	}{
		{"empty", nil, ErrNotAggregated, ""},
		{"plain", []byte("hello, world"), ErrNotAggregated, ""},
		{"magic only", aggregatedMagic[:], ErrCorruptAggregate, "too short"},
		{"bad checksum", append(good[:len(good)-1:len(good)-1], good[len(good)-1]^1), ErrCorruptAggregate, "checksum"},
		{"no records", withBody(nil), nil, ""},
		{"index out of range", withBody([]byte{0x1a, 0x05, 0x08, 0x01, 0x1a, 0x01, 'x'}), ErrCorruptAggregate, "partition key index 1 out of range"},
		{"no partition key index", withBody([]byte{0x0a, 0x01, 'k', 0x1a, 0x03, 0x1a, 0x01, 'x'}), ErrCorruptAggregate, "no partition key index"},
		{"no data", withBody([]byte{0x0a, 0x01, 'k', 0x1a, 0x02, 0x08, 0x00}), ErrCorruptAggregate, "no data"},
		{"ehk out of range", withBody([]byte{0x0a, 0x01, 'k', 0x1a, 0x07, 0x08, 0x00, 0x10, 0x00, 0x1a, 0x01, 'x'}), ErrCorruptAggregate, "explicit hash key index 0 out of range"},
		{"truncated length", withBody([]byte{0x0a, 0x05, 'k'}), ErrCorruptAggregate, "bad length"},
		{"wrong wire type", withBody([]byte{0x08, 0x01}), ErrCorruptAggregate, "wire type"},
		{"group", withBody([]byte{0x0b}), ErrCorruptAggregate, "wire type"},
		{"field zero", withBody([]byte{0x02, 0x00}), ErrCorruptAggregate, "field number 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			users, err := Deaggregate(tt.data)
			if tt.err == nil {
				require.NoError(t, err)
				require.Empty(t, users)
				return
			}
			require.ErrorIs(t, err, tt.err)
			require.ErrorContains(t, err, tt.msg)
		})
	}
}

func TestDeaggregateSkipsUnknownFieldsAndTags(t *testing.T) {
	// partition_key_table "k"; an unknown fixed64 field 9; a record with a
	// tag {key "t" value "v"} and an unknown varint field 7.
	body := []byte{
		0x0a, 0x01, 'k',
		0x49, 1, 2, 3, 4, 5, 6, 7, 8,
		0x1a, 0x10, 0x08, 0x00, 0x1a, 0x02, 'h', 'i', 0x22, 0x06, 0x0a, 0x01, 't', 0x12, 0x01, 'v', 0x38, 0x2a,
	}
	sum := md5.Sum(body)
	users, err := Deaggregate(append(append(aggregatedMagic[:], body...), sum[:]...))
	require.NoError(t, err)
	require.Equal(t, []UserRecord{{PartitionKey: "k", Data: []byte("hi"), Aggregated: true}}, users)
}

func TestDeaggregateRecords(t *testing.T) {
	arrival := time.Unix(1700000000, 0)
	agg := Aggregate([]Record{{PartitionKey: "a", Data: []byte("1")}, {PartitionKey: "b", Data: []byte("2")}})
	corrupt := append([]byte{}, agg...)
	corrupt[len(corrupt)-1] ^= 1
	records := []types.Record{
		{PartitionKey: aws.String("p"), Data: []byte("plain"), SequenceNumber: aws.String("1"), ApproximateArrivalTimestamp: &arrival},
		{PartitionKey: aws.String("a"), Data: agg, SequenceNumber: aws.String("2"), ApproximateArrivalTimestamp: &arrival},
		{PartitionKey: aws.String("c"), Data: corrupt, SequenceNumber: aws.String("3")},
	}
	require.Equal(t, []UserRecord{
		{PartitionKey: "p", Data: []byte("plain"), SequenceNumber: "1", ApproximateArrivalTimestamp: arrival},
		{PartitionKey: "a", Data: []byte("1"), SequenceNumber: "2", SubSequenceNumber: 0, Aggregated: true, ApproximateArrivalTimestamp: arrival},
		{PartitionKey: "b", Data: []byte("2"), SequenceNumber: "2", SubSequenceNumber: 1, Aggregated: true, ApproximateArrivalTimestamp: arrival},
		{PartitionKey: "c", Data: corrupt, SequenceNumber: "3"},
	}, DeaggregateRecords(records))
}

// FuzzDeaggregate checks that Deaggregate never panics, and that what it
// decodes encodes back to records that decode the same.
func FuzzDeaggregate(f *testing.F) {
	f.Add(Aggregate([]Record{{PartitionKey: "a", Data: []byte("x")}, {PartitionKey: "b", ExplicitHashKey: "7", Data: nil}}))
	f.Add(Aggregate([]Record{{PartitionKey: "k", Data: bytes.Repeat([]byte("y"), 200)}}))
	f.Add([]byte("plain"))
	f.Add(aggregatedMagic[:])
	// Without the checksum, so that the fuzzer can reach the protobuf
	// decoder: the target appends it.
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(data []byte) {
			users, err := Deaggregate(data)
			if err != nil {
				require.Nil(t, users)
				return
			}
			records := make([]Record, len(users))
			for i, u := range users {
				records[i] = Record{PartitionKey: u.PartitionKey, ExplicitHashKey: u.ExplicitHashKey, Data: u.Data}
			}
			again, err := Deaggregate(Aggregate(records))
			require.NoError(t, err)
			require.Len(t, again, len(users))
			for i := range users {
				require.Equal(t, users[i].PartitionKey, again[i].PartitionKey)
				require.Equal(t, users[i].ExplicitHashKey, again[i].ExplicitHashKey)
				require.Equal(t, users[i].Data, again[i].Data)
			}
		}
		check(data)
		if bytes.HasPrefix(data, aggregatedMagic[:]) {
			sum := md5.Sum(data[4:])
			check(append(append([]byte{}, data...), sum[:]...))
		}
	})
}

func TestDeaggregateShardRecords(t *testing.T) {
	// The lower half of the hash space, and keys on either side of it.
	lower := types.HashKeyRange{StartingHashKey: aws.String("0"), EndingHashKey: aws.String("170141183460469231731687303715884105727")}
	var in, out []string
	for i := 0; len(in) < 3 || len(out) < 3; i++ {
		key := fmt.Sprint("key-", i)
		if hashOf(key).hi < 1<<63 {
			in = append(in, key)
		} else {
			out = append(out, key)
		}
	}
	agg := Aggregate([]Record{
		{PartitionKey: in[0], Data: []byte("in")},
		{PartitionKey: out[0], Data: []byte("stray")},
		{PartitionKey: out[1], ExplicitHashKey: "5", Data: []byte("in by its hash key")},
		{PartitionKey: in[1], ExplicitHashKey: "170141183460469231731687303715884105728", Data: []byte("stray by its hash key")},
	})
	records := []types.Record{
		{PartitionKey: aws.String(in[0]), Data: agg, SequenceNumber: aws.String("1")},
		// A plain record is where Kinesis put it, whatever its key.
		{PartitionKey: aws.String(out[2]), Data: []byte("plain"), SequenceNumber: aws.String("2")},
	}
	users, err := DeaggregateShardRecords(records, lower)
	require.NoError(t, err)
	var data []string
	for _, u := range users {
		data = append(data, string(u.Data))
	}
	require.Equal(t, []string{"in", "in by its hash key", "plain"}, data)

	_, err = DeaggregateShardRecords(records, types.HashKeyRange{StartingHashKey: aws.String("x"), EndingHashKey: aws.String("1")})
	require.ErrorContains(t, err, "bad hash key range")
}
