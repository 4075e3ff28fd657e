package producer

import (
	"crypto/md5"
	"encoding/binary"
)

// The KPL aggregated record format, part of the wire contract with every
// KPL-compatible consumer:
//
//	+-------------+-------------------------------+----------------+
//	| magic (4 B) | protobuf AggregatedRecord     | MD5 (16 B) of  |
//	| F3 89 9A C2 | (no length prefix)            | the protobuf   |
//	+-------------+-------------------------------+----------------+
//
//	message AggregatedRecord {
//	  repeated string partition_key_table     = 1;
//	  repeated string explicit_hash_key_table = 2;
//	  repeated Record records                 = 3;
//	}
//	message Record {
//	  required uint64 partition_key_index     = 1;
//	  optional uint64 explicit_hash_key_index = 2;
//	  required bytes  data                    = 3;
//	  repeated Tag    tags                    = 4;
//	}
//	message Tag { required string key = 1; optional string value = 2; }
//
// The encoder writes the tables first, then the records, and no tags.
var aggregatedMagic = [4]byte{0xF3, 0x89, 0x9A, 0xC2}

const (
	// aggregatedOverhead is the magic and the MD5 trailer.
	aggregatedOverhead = len(aggregatedMagic) + md5.Size

	// Protobuf wire types.
	wireVarint = 0
	wire64     = 1
	wireBytes  = 2
	wire32     = 5

	// Field tags (field number << 3 | wire type), all one byte.
	tagPartitionKeyTable    = 1<<3 | wireBytes
	tagExplicitHashKeyTable = 2<<3 | wireBytes
	tagRecord               = 3<<3 | wireBytes
	tagPartitionKeyIndex    = 1<<3 | wireVarint
	tagExplicitHashKeyIndex = 2<<3 | wireVarint
	tagData                 = 3<<3 | wireBytes
)

// uvarintLen is the size of v as a protobuf varint.
func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// tableEntrySize is the encoded size of one string of a key table.
func tableEntrySize(s string) int {
	return 1 + uvarintLen(uint64(len(s))) + len(s)
}

// recordInnerSize is the size of an encoded Record message, without its
// tag and length. ehkIndex < 0 means no explicit hash key.
func recordInnerSize(pkIndex, ehkIndex, dataLen int) int {
	n := 1 + uvarintLen(uint64(pkIndex)) + 1 + uvarintLen(uint64(dataLen)) + dataLen
	if ehkIndex >= 0 {
		n += 1 + uvarintLen(uint64(ehkIndex))
	}
	return n
}

// recordSize is the encoded size of a Record inside an AggregatedRecord.
func recordSize(pkIndex, ehkIndex, dataLen int) int {
	inner := recordInnerSize(pkIndex, ehkIndex, dataLen)
	return 1 + uvarintLen(uint64(inner)) + inner
}

// aggregatedEntry is one user record to aggregate, with its indexes in
// the key tables. ehkIndex < 0 means no explicit hash key.
type aggregatedEntry struct {
	pkIndex, ehkIndex int
	data              []byte
}

// appendAggregated appends to dst the aggregated record, in the KPL
// format, of the given key tables and n records, the i-th of which is
// record(i): its key table indexes (ehkIndex < 0 for none) and data.
func appendAggregated(dst []byte, keys, hashKeys []string, n int, record func(i int) (pkIndex, ehkIndex int, data []byte)) []byte {
	dst = append(dst, aggregatedMagic[:]...)
	start := len(dst)
	for _, k := range keys {
		dst = appendString(dst, tagPartitionKeyTable, k)
	}
	for _, k := range hashKeys {
		dst = appendString(dst, tagExplicitHashKeyTable, k)
	}
	for i := range n {
		pk, ehk, data := record(i)
		dst = append(dst, tagRecord)
		dst = binary.AppendUvarint(dst, uint64(recordInnerSize(pk, ehk, len(data))))
		dst = append(dst, tagPartitionKeyIndex)
		dst = binary.AppendUvarint(dst, uint64(pk))
		if ehk >= 0 {
			dst = append(dst, tagExplicitHashKeyIndex)
			dst = binary.AppendUvarint(dst, uint64(ehk))
		}
		dst = append(dst, tagData)
		dst = binary.AppendUvarint(dst, uint64(len(data)))
		dst = append(dst, data...)
	}
	sum := md5.Sum(dst[start:])
	return append(dst, sum[:]...)
}

func appendString(dst []byte, tag byte, s string) []byte {
	dst = append(dst, tag)
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// Aggregate encodes records as one aggregated record in the KPL format
// (see Deaggregate), the data of a Kinesis record to put with the first
// record's partition key and explicit hash key. Record.Done is ignored. It
// does not check sizes: the producer keeps aggregated records within
// Options.MaxAggregatedBytes, and Kinesis rejects records over its limit.
func Aggregate(records []Record) []byte {
	var keys, hashKeys []string
	keyIndex := map[string]int{}
	hashKeyIndex := map[string]int{}
	entries := make([]aggregatedEntry, len(records))
	size := aggregatedOverhead
	for i, r := range records {
		pk, ok := keyIndex[r.PartitionKey]
		if !ok {
			pk = len(keys)
			keyIndex[r.PartitionKey] = pk
			keys = append(keys, r.PartitionKey)
			size += tableEntrySize(r.PartitionKey)
		}
		ehk := -1
		if r.ExplicitHashKey != "" {
			if ehk, ok = hashKeyIndex[r.ExplicitHashKey]; !ok {
				ehk = len(hashKeys)
				hashKeyIndex[r.ExplicitHashKey] = ehk
				hashKeys = append(hashKeys, r.ExplicitHashKey)
				size += tableEntrySize(r.ExplicitHashKey)
			}
		}
		entries[i] = aggregatedEntry{pkIndex: pk, ehkIndex: ehk, data: r.Data}
		size += recordSize(pk, ehk, len(r.Data))
	}
	return appendAggregated(make([]byte, 0, size), keys, hashKeys, len(entries), func(i int) (int, int, []byte) {
		return entries[i].pkIndex, entries[i].ehkIndex, entries[i].data
	})
}
