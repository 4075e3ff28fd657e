package producer

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// UserRecord is a record as a producer put it, found in a Kinesis record.
type UserRecord struct {
	PartitionKey string
	// ExplicitHashKey is empty when the record had none.
	ExplicitHashKey string
	// Data aliases the Kinesis record's data.
	Data []byte
	// SequenceNumber is the Kinesis record's; SubSequenceNumber is the
	// user record's index in its aggregated record (0 when not
	// aggregated). Together they order the user records of a shard.
	SequenceNumber    string
	SubSequenceNumber int
	// Aggregated is true when the record came out of an aggregated record.
	Aggregated bool
	// ApproximateArrivalTimestamp is the Kinesis record's.
	ApproximateArrivalTimestamp time.Time
}

var (
	// ErrNotAggregated is returned by Deaggregate for data that does not
	// start with the KPL magic number.
	ErrNotAggregated = errors.New("not an aggregated record")
	// ErrCorruptAggregate is wrapped by the errors of Deaggregate for data
	// with the magic number that is not a valid aggregated record.
	ErrCorruptAggregate = errors.New("corrupt aggregated record")
)

// Deaggregate decodes the data of a Kinesis record in the KPL aggregated
// format (the one Options.Aggregate, the KPL and aws-kinesis-agg write)
// into its user records, in order; only their PartitionKey,
// ExplicitHashKey, Data (aliasing data), SubSequenceNumber and Aggregated
// are set. It returns ErrNotAggregated for data without the magic number,
// and an error wrapping ErrCorruptAggregate when the MD5 trailer does not
// match or the protobuf is malformed.
//
// Most consumers want DeaggregateRecords, which passes non-aggregated
// records through.
func Deaggregate(data []byte) ([]UserRecord, error) {
	if len(data) < len(aggregatedMagic) || !bytes.Equal(data[:len(aggregatedMagic)], aggregatedMagic[:]) {
		return nil, ErrNotAggregated
	}
	if len(data) < aggregatedOverhead {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrCorruptAggregate, len(data))
	}
	body := data[len(aggregatedMagic) : len(data)-md5.Size]
	if sum := md5.Sum(body); !bytes.Equal(sum[:], data[len(data)-md5.Size:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorruptAggregate)
	}
	var (
		keys, hashKeys []string
		entries        []aggregatedEntry
	)
	err := forEachField(body, func(num int, wire int, v uint64, b []byte) error {
		switch {
		case num == 1 && wire == wireBytes:
			keys = append(keys, string(b))
		case num == 2 && wire == wireBytes:
			hashKeys = append(hashKeys, string(b))
		case num == 3 && wire == wireBytes:
			e, err := decodeRecord(b)
			if err != nil {
				return fmt.Errorf("record %d: %w", len(entries), err)
			}
			entries = append(entries, e)
		case num <= 3:
			return fmt.Errorf("field %d has wire type %d", num, wire)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorruptAggregate, err)
	}
	out := make([]UserRecord, len(entries))
	for i, e := range entries {
		if e.pkIndex < 0 || e.pkIndex >= len(keys) {
			return nil, fmt.Errorf("%w: record %d: partition key index %d out of range", ErrCorruptAggregate, i, e.pkIndex)
		}
		out[i] = UserRecord{PartitionKey: keys[e.pkIndex], Data: e.data, SubSequenceNumber: i, Aggregated: true}
		if e.ehkIndex >= 0 {
			if e.ehkIndex >= len(hashKeys) {
				return nil, fmt.Errorf("%w: record %d: explicit hash key index %d out of range", ErrCorruptAggregate, i, e.ehkIndex)
			}
			out[i].ExplicitHashKey = hashKeys[e.ehkIndex]
		}
	}
	return out, nil
}

// decodeRecord decodes a Record message. Missing indexes are -1.
func decodeRecord(b []byte) (aggregatedEntry, error) {
	e := aggregatedEntry{pkIndex: -1, ehkIndex: -1}
	hasData := false
	err := forEachField(b, func(num int, wire int, v uint64, b []byte) error {
		switch {
		case num == 1 && wire == wireVarint:
			e.pkIndex = clampIndex(v)
		case num == 2 && wire == wireVarint:
			e.ehkIndex = clampIndex(v)
		case num == 3 && wire == wireBytes:
			e.data, hasData = b, true
		case num <= 3:
			return fmt.Errorf("field %d has wire type %d", num, wire)
		}
		return nil
	})
	if err != nil {
		return e, err
	}
	if e.pkIndex == -1 {
		return e, errors.New("no partition key index")
	}
	if !hasData {
		return e, errors.New("no data")
	}
	if e.data == nil {
		e.data = []byte{}
	}
	return e, nil
}

// clampIndex converts a table index, mapping huge ones to an index no
// table has.
func clampIndex(v uint64) int {
	if v > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(v)
}

// forEachField calls fn for each field of a protobuf message: v holds a
// varint or fixed value, b the bytes of a length-delimited one. Groups are
// an error.
func forEachField(msg []byte, fn func(num int, wire int, v uint64, b []byte) error) error {
	for len(msg) > 0 {
		key, n := binary.Uvarint(msg)
		if n <= 0 {
			return errors.New("bad field key")
		}
		msg = msg[n:]
		num, wire := key>>3, int(key&7)
		if num == 0 || num > 1<<29-1 {
			return fmt.Errorf("bad field number %d", num)
		}
		var (
			v uint64
			b []byte
		)
		switch wire {
		case wireVarint:
			if v, n = binary.Uvarint(msg); n <= 0 {
				return fmt.Errorf("field %d: bad varint", num)
			}
			msg = msg[n:]
		case wire64:
			if len(msg) < 8 {
				return fmt.Errorf("field %d: truncated", num)
			}
			v, msg = binary.LittleEndian.Uint64(msg), msg[8:]
		case wire32:
			if len(msg) < 4 {
				return fmt.Errorf("field %d: truncated", num)
			}
			v, msg = uint64(binary.LittleEndian.Uint32(msg)), msg[4:]
		case wireBytes:
			size, n := binary.Uvarint(msg)
			if n <= 0 || size > uint64(len(msg)-n) {
				return fmt.Errorf("field %d: bad length", num)
			}
			b, msg = msg[n:n+int(size)], msg[n+int(size):]
		default:
			return fmt.Errorf("field %d: unsupported wire type %d", num, wire)
		}
		if err := fn(int(num), wire, v, b); err != nil {
			return err
		}
	}
	return nil
}

// DeaggregateRecords returns the user records of Kinesis records read with
// GetRecords or SubscribeToShard, in order. An aggregated record yields
// its user records; any other record yields itself. Like the KCL, it
// treats a record that starts with the magic number but fails to decode
// (wrong checksum, malformed protobuf) as a plain record.
func DeaggregateRecords(records []types.Record) []UserRecord {
	out := make([]UserRecord, 0, len(records))
	for _, r := range records {
		seq := aws.ToString(r.SequenceNumber)
		arrival := aws.ToTime(r.ApproximateArrivalTimestamp)
		users, err := Deaggregate(r.Data)
		if err != nil {
			out = append(out, UserRecord{
				PartitionKey: aws.ToString(r.PartitionKey), Data: r.Data,
				SequenceNumber: seq, ApproximateArrivalTimestamp: arrival,
			})
			continue
		}
		for _, u := range users {
			u.SequenceNumber, u.ApproximateArrivalTimestamp = seq, arrival
			out = append(out, u)
		}
	}
	return out
}

// DeaggregateShardRecords is DeaggregateRecords for records read from one
// shard, whose hash key range is given: it also drops the user records of
// aggregated records whose hash key (explicit, or the MD5 of the partition
// key) is outside the range, as the KCL does. A producer that aggregated
// with a stale shard map (the stream was just resharded) can write a user
// record into a sibling of its shard; the producer then puts it again, into
// its shard, so a consumer that keeps the stray copy sees that key's
// records out of order. It returns an error only for a bad range.
func DeaggregateShardRecords(records []types.Record, hashKeyRange types.HashKeyRange) ([]UserRecord, error) {
	start, ok1 := parseHashKey(aws.ToString(hashKeyRange.StartingHashKey))
	end, ok2 := parseHashKey(aws.ToString(hashKeyRange.EndingHashKey))
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("deaggregate: bad hash key range %q-%q",
			aws.ToString(hashKeyRange.StartingHashKey), aws.ToString(hashKeyRange.EndingHashKey))
	}
	users := DeaggregateRecords(records)
	kept := users[:0]
	for _, u := range users {
		if u.Aggregated {
			h := hashOf(u.PartitionKey)
			if u.ExplicitHashKey != "" {
				var ok bool
				if h, ok = parseHashKey(u.ExplicitHashKey); !ok {
					continue
				}
			}
			if h.less(start) || end.less(h) {
				continue
			}
		}
		kept = append(kept, u)
	}
	return kept, nil
}
