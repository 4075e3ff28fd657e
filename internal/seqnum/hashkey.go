package seqnum

import (
	"crypto/md5"
	"encoding/binary"
)

// maxPartitionKeyLen is the longest partition key HashKey hashes without
// allocating, in bytes: Kinesis allows 256 characters, which is 256 bytes
// for ASCII keys. Longer keys cost one allocation.
const maxPartitionKeyLen = 256

// HashKey returns the hash key a partition key routes to: the MD5 digest
// of its UTF-8 bytes read as a big-endian 128-bit integer.
func HashKey(partitionKey string) Uint128 {
	var sum [md5.Size]byte
	if len(partitionKey) <= maxPartitionKeyLen {
		// Copy into a buffer on the stack: converting the string would
		// allocate for keys longer than 32 bytes.
		var buf [maxPartitionKeyLen]byte
		n := copy(buf[:], partitionKey)
		sum = md5.Sum(buf[:n])
	} else {
		sum = md5.Sum([]byte(partitionKey))
	}
	return Uint128{
		Hi: binary.BigEndian.Uint64(sum[:8]),
		Lo: binary.BigEndian.Uint64(sum[8:]),
	}
}

// HashRange is a range of hash keys, both ends inclusive.
type HashRange struct{ Start, End Uint128 }

// Contains reports whether k lies in r.
func (r HashRange) Contains(k Uint128) bool {
	return r.Start.Cmp(k) <= 0 && k.Cmp(r.End) <= 0
}

// SplitHashRange splits the hash-key space [0, 2^128-1] into n contiguous
// ranges, in order, the way AWS splits a new stream: each range is
// floor(2^128/n) keys wide and the last one also takes the remainder, so
// it ends at 2^128-1. It returns nil if n < 1.
func SplitHashRange(n int) []HashRange {
	if n < 1 {
		return nil
	}
	if n == 1 {
		return []HashRange{{End: MaxUint128}}
	}
	// floor(2^128/n) is floor((2^128-1)/n), plus one when n divides 2^128.
	width, rem := MaxUint128.divMod64(uint64(n))
	if rem == uint64(n)-1 {
		width = width.Add64(1)
	}
	ranges := make([]HashRange, n)
	for i := range ranges {
		ranges[i].Start = width.mul64(uint64(i))
		if i > 0 {
			ranges[i-1].End = ranges[i].Start.Sub64(1)
		}
	}
	ranges[n-1].End = MaxUint128
	return ranges
}
