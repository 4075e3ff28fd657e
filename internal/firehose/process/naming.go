package process

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Position is a record's place in its delivery stream's source: the shard
// of the hidden storage stream, the record's offset there, and the index
// of the sub-record after de-aggregation (0 without it).
type Position struct {
	Shard  uint32
	Offset uint64
	Sub    uint32
}

// Less orders positions within one shard.
func (p Position) Less(q Position) bool {
	if p.Offset != q.Offset {
		return p.Offset < q.Offset
	}
	return p.Sub < q.Sub
}

// Seed identifies a buffer for naming: the delivery stream's unique id,
// the buffer's key (its evaluated prefix) and its first record's position.
type Seed struct {
	StreamID uint64
	Key      string
	Start    Position
	// Kind separates the objects of one buffer start written to
	// different outputs (data, error output, backup).
	Kind string
}

func (s Seed) sum() [32]byte {
	h := sha256.New()
	var b [28]byte
	binary.BigEndian.PutUint64(b[0:], s.StreamID)
	binary.BigEndian.PutUint32(b[8:], s.Start.Shard)
	binary.BigEndian.PutUint64(b[12:], s.Start.Offset)
	binary.BigEndian.PutUint32(b[20:], s.Start.Sub)
	binary.BigEndian.PutUint32(b[24:], uint32(len(s.Key)))
	h.Write(b[:])
	h.Write([]byte(s.Key))
	h.Write([]byte(s.Kind))
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// ID returns the UUID-shaped object id of the seed.
func (s Seed) ID() string {
	sum := s.sum()
	sum[6] = sum[6]&0x0f | 0x40
	sum[8] = sum[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], sum[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], sum[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], sum[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], sum[8:10])
	out[23] = '-'
	hex.Encode(out[24:], sum[10:16])
	return string(out[:])
}

const randomAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// RandomString returns the 11-character string that replaces
// !{firehose:random-string} for the seed's buffer.
func (s Seed) RandomString() string {
	sum := s.sum()
	var out [11]byte
	for i := range out {
		out[i] = randomAlphabet[int(sum[16+i])%len(randomAlphabet)]
	}
	return string(out[:])
}

// ObjectName returns the object name Firehose gives a file:
// <prefix><stream>-<version>-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<id><ext>,
// with the time in UTC.
func ObjectName(prefix, stream string, version int64, t time.Time, id, ext string) string {
	t = t.UTC()
	var b strings.Builder
	b.Grow(len(prefix) + len(stream) + 64 + len(ext))
	b.WriteString(prefix)
	b.WriteString(stream)
	b.WriteByte('-')
	b.WriteString(strconv.FormatInt(version, 10))
	b.WriteByte('-')
	b.WriteString(t.Format("2006-01-02-15-04-05"))
	b.WriteByte('-')
	b.WriteString(id)
	b.WriteString(ext)
	return b.String()
}
