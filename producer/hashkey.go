package producer

import (
	"crypto/md5"
	"encoding/binary"
	"math/bits"
)

// hashKey is a 128-bit Kinesis hash key: the MD5 of a partition key read as
// a big-endian unsigned integer, or an explicit hash key.
type hashKey struct{ hi, lo uint64 }

// maxHashKey is 2^128-1, the top of the hash key space.
var maxHashKey = hashKey{hi: ^uint64(0), lo: ^uint64(0)}

// hashOf returns the hash key Kinesis routes partitionKey to.
func hashOf(partitionKey string) hashKey {
	sum := md5.Sum([]byte(partitionKey))
	return hashKey{hi: binary.BigEndian.Uint64(sum[:8]), lo: binary.BigEndian.Uint64(sum[8:])}
}

func (h hashKey) less(o hashKey) bool {
	return h.hi < o.hi || (h.hi == o.hi && h.lo < o.lo)
}

// parseHashKey parses a decimal hash key in [0, 2^128-1], as Kinesis
// accepts in ExplicitHashKey and returns in HashKeyRange.
func parseHashKey(s string) (hashKey, bool) {
	if s == "" || len(s) > 39 {
		return hashKey{}, false
	}
	var h hashKey
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return hashKey{}, false
		}
		// h = h*10 + digit, failing on overflow past 128 bits.
		hiCarry, lo := bits.Mul64(h.lo, 10)
		hiHi, hi := bits.Mul64(h.hi, 10)
		hi, carry := bits.Add64(hi, hiCarry, 0)
		if hiHi != 0 || carry != 0 {
			return hashKey{}, false
		}
		lo, carry = bits.Add64(lo, uint64(c-'0'), 0)
		hi, carry = bits.Add64(hi, 0, carry)
		if carry != 0 {
			return hashKey{}, false
		}
		h = hashKey{hi: hi, lo: lo}
	}
	return h, true
}
