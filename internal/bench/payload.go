package bench

import "errors"

// Payload layout (all ASCII, so `eddy tail` prints it readably):
//
//	+--------+--------------------------------+----------------------+
//	| "eb1:" | send time, 16 lowercase hex    | filler "." to size   |
//	|        | digits of Unix nanoseconds     |                      |
//	+--------+--------------------------------+----------------------+
//	 4 bytes   16 bytes                         RecordSize-20 bytes
const (
	payloadMagic = "eb1:"
	// MinRecordSize is the smallest record the benchmark can send: the
	// payload header.
	MinRecordSize = len(payloadMagic) + 16
)

var errNotBenchPayload = errors.New("not a benchmark payload")

// newPayload returns a payload of size bytes (size >= MinRecordSize) with
// the filler written and a zero timestamp.
func newPayload(size int) []byte {
	p := make([]byte, size)
	copy(p, payloadMagic)
	for i := len(payloadMagic); i < size; i++ {
		p[i] = '.'
	}
	stampPayload(p, 0)
	return p
}

// stampPayload writes the send time nanos into payload p in place.
func stampPayload(p []byte, nanos int64) {
	const digits = "0123456789abcdef"
	u := uint64(nanos)
	for i := MinRecordSize - 1; i >= len(payloadMagic); i-- {
		p[i] = digits[u&0xf]
		u >>= 4
	}
}

// payloadTime returns the send time stamped in payload p.
func payloadTime(p []byte) (int64, error) {
	if len(p) < MinRecordSize || string(p[:len(payloadMagic)]) != payloadMagic {
		return 0, errNotBenchPayload
	}
	var u uint64
	for _, c := range p[len(payloadMagic):MinRecordSize] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		default:
			return 0, errNotBenchPayload
		}
		u = u<<4 | uint64(c)
	}
	return int64(u), nil
}
