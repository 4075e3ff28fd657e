// Package seqnum holds Eddy's 128-bit number types: hash keys and sequence
// numbers. It is pure: no IO, no goroutines, no clocks.
//
// # Hash keys
//
// A Kinesis hash key is an unsigned 128-bit integer written in decimal. A
// partition key routes to the hash key given by the MD5 digest of its UTF-8
// bytes read as a big-endian integer; a stream of N shards splits the space
// [0, 2^128-1] into N contiguous ranges of floor(2^128/N) keys each, the last
// range taking the remainder (the split AWS uses).
//
// # Sequence numbers
//
// A sequence number is a decimal string of a 128-bit integer laid out as
//
//	bit 127      always 1, so every number has exactly 39 decimal digits and
//	             string order equals numeric order
//	bits 126..96 zero (reserved)
//	bits 95..32  counter: the shard's base plus the record's offset in it
//	bits 31..0   shard index (the N in shardId-00000000000N)
//
// Within a shard the counter grows by one per record, so numbers increase
// strictly. A child shard's base is set above the last counter of every
// parent when it is created, so each of its numbers is greater than each of
// its parents' numbers. The shard is read off the low 32 bits.
package seqnum
