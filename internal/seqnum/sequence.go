package seqnum

import (
	"errors"
	"fmt"
)

// ErrNotEddySequence means a well-formed 128-bit number does not have the
// layout of an Eddy sequence number: bit 127 is unset or one of the
// reserved bits 126..96 is set.
var ErrNotEddySequence = errors.New("not an eddy sequence number")

// SequenceDigits is the length of every formatted sequence number.
const SequenceDigits = 39

// sequenceTag is bits 127..96 of every sequence number, as the top 32 bits
// of Uint128.Hi: bit 127 set, the reserved bits clear.
const sequenceTag = 1 << 31

// Sequence returns the sequence number of the record with the given
// counter in the shard with the given index:
// 1<<127 | counter<<32 | shardIndex.
func Sequence(counter uint64, shardIndex uint32) Uint128 {
	return Uint128{
		Hi: sequenceTag<<32 | counter>>32,
		Lo: counter<<32 | uint64(shardIndex),
	}
}

// FormatSequence returns Sequence(counter, shardIndex) in decimal. The
// result always has SequenceDigits digits, so comparing two results as
// strings gives the same order as comparing their values.
func FormatSequence(counter uint64, shardIndex uint32) string {
	var buf [SequenceDigits]byte
	return string(Sequence(counter, shardIndex).appendDecimal(buf[:0]))
}

// ParseSequence parses a sequence number and returns its counter and
// shard index. The error wraps ErrSyntax when s does not match
// 0|([1-9]\d{0,38}), ErrRange when its value exceeds 2^128-1, and
// ErrNotEddySequence when the value does not have the layout described in
// the package documentation.
func ParseSequence(s string) (counter uint64, shardIndex uint32, err error) {
	if !validDecimal(s) {
		return 0, 0, fmt.Errorf("parse sequence number %s: %w", quote(s), ErrSyntax)
	}
	u, ok := decimalValue(s)
	if !ok {
		return 0, 0, fmt.Errorf("parse sequence number %s: %w", quote(s), ErrRange)
	}
	if u.Hi>>32 != sequenceTag {
		return 0, 0, fmt.Errorf("parse sequence number %s: %w", quote(s), ErrNotEddySequence)
	}
	return u.Hi<<32 | u.Lo>>32, uint32(u.Lo), nil
}
