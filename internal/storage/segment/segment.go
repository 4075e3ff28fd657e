// Package segment encodes and decodes the bytes of Eddy's data log: segment
// headers, batch frames and index files. The layouts are part of the
// on-disk format and are documented in docs/format/log.md; change them only
// with a new format version.
//
// The package is pure: it reads and writes byte slices and io.ReaderAt
// values, starts no goroutines and keeps no state.
//
// Writing a batch:
//
//	frame := segment.AppendBatch(buf[:0], segment.BatchHeader{
//		ShardUID: uid, FirstOffset: next, ArrivalMillis: now}, records)
//
// Reading one back:
//
//	h, recs, err := segment.DecodeBatch(frame) // verifies length and CRC
//	for recs.Next() { use(recs.PartitionKey(), recs.Data()) }
package segment

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Sizes and magic numbers: part of the on-disk format.
const (
	// HeaderSize is the size of a segment file header.
	HeaderSize = 24
	// FramePrefixSize is the size of the length and CRC that start a frame.
	FramePrefixSize = 8
	// BatchHeaderSize is the size of a frame's fixed fields, prefix included.
	BatchHeaderSize = 40
	// Version is the current format version of segment and index files.
	Version = 1
	// MaxFrameSize bounds a frame, prefix included. Appenders split larger
	// batches.
	MaxFrameSize = 1 << 30
)

var (
	segmentMagic = [8]byte{'E', 'D', 'D', 'Y', 'S', 'E', 'G', 0}
	castagnoli   = crc32.MakeTable(crc32.Castagnoli)
)

// ErrCorrupt is returned (wrapped) for bytes that fail validation.
var ErrCorrupt = errors.New("corrupt log data")

// ErrShort is returned (wrapped) when fewer bytes are available than a
// frame's length field announces; at the end of the active segment this is
// a torn write.
var ErrShort = errors.New("truncated frame")

// Checksum returns the CRC32C of b.
func Checksum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// AppendHeader appends a segment header for the given segment ID.
func AppendHeader(dst []byte, segmentID uint64) []byte {
	var h [HeaderSize]byte
	copy(h[0:8], segmentMagic[:])
	binary.LittleEndian.PutUint32(h[8:12], Version)
	binary.LittleEndian.PutUint64(h[16:24], segmentID)
	binary.LittleEndian.PutUint32(h[12:16], headerChecksum(h[:]))
	return append(dst, h[:]...)
}

func headerChecksum(h []byte) uint32 {
	c := crc32.Update(0, castagnoli, h[0:12])
	return crc32.Update(c, castagnoli, h[16:24])
}

// ParseHeader validates a segment header and returns its segment ID.
func ParseHeader(b []byte) (uint64, error) {
	if len(b) < HeaderSize {
		return 0, fmt.Errorf("segment header: %w", ErrShort)
	}
	if [8]byte(b[0:8]) != segmentMagic {
		return 0, fmt.Errorf("segment header: bad magic: %w", ErrCorrupt)
	}
	if v := binary.LittleEndian.Uint32(b[8:12]); v != Version {
		return 0, fmt.Errorf("segment header: unsupported version %d: %w", v, ErrCorrupt)
	}
	if binary.LittleEndian.Uint32(b[12:16]) != headerChecksum(b[:HeaderSize]) {
		return 0, fmt.Errorf("segment header: checksum mismatch: %w", ErrCorrupt)
	}
	return binary.LittleEndian.Uint64(b[16:24]), nil
}

// Batch flags: part of the on-disk format.
const (
	// FlagEncrypted marks a batch whose records are sealed with AES-256-GCM
	// (see AppendEncryptedBatch).
	FlagEncrypted uint32 = 1 << 0

	knownFlags = FlagEncrypted
)

// BatchHeader holds the fixed fields of a batch frame.
type BatchHeader struct {
	ShardUID      uint64
	FirstOffset   uint64
	Count         uint32
	ArrivalMillis int64
	Flags         uint32
}

// Encrypted reports whether the batch's records are encrypted; they are
// then read with DecryptBatch.
func (h BatchHeader) Encrypted() bool { return h.Flags&FlagEncrypted != 0 }

// Record is one record to encode.
type Record struct {
	PartitionKey string
	Data         []byte
}

// BatchSize returns the encoded size of a frame holding recs.
func BatchSize(recs []Record) int {
	n := BatchHeaderSize
	for _, r := range recs {
		n += uvarintLen(uint64(len(r.PartitionKey))) + len(r.PartitionKey)
		n += uvarintLen(uint64(len(r.Data))) + len(r.Data)
	}
	return n
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// AppendBatch appends a frame holding recs to dst. h.Count is set from
// len(recs), which must be at least 1.
func AppendBatch(dst []byte, h BatchHeader, recs []Record) []byte {
	start := len(dst)
	size := BatchSize(recs)
	if cap(dst)-len(dst) < size {
		grown := make([]byte, len(dst), len(dst)+size)
		copy(grown, dst)
		dst = grown
	}
	dst = dst[:start+BatchHeaderSize]
	f := dst[start:]
	binary.LittleEndian.PutUint32(f[0:4], uint32(size-FramePrefixSize))
	binary.LittleEndian.PutUint64(f[8:16], h.ShardUID)
	binary.LittleEndian.PutUint64(f[16:24], h.FirstOffset)
	binary.LittleEndian.PutUint32(f[24:28], uint32(len(recs)))
	binary.LittleEndian.PutUint64(f[28:36], uint64(h.ArrivalMillis))
	binary.LittleEndian.PutUint32(f[36:40], 0)
	for _, r := range recs {
		dst = binary.AppendUvarint(dst, uint64(len(r.PartitionKey)))
		dst = append(dst, r.PartitionKey...)
		dst = binary.AppendUvarint(dst, uint64(len(r.Data)))
		dst = append(dst, r.Data...)
	}
	f = dst[start:]
	binary.LittleEndian.PutUint32(f[4:8], Checksum(f[FramePrefixSize:]))
	return dst
}

// FrameLength returns the total size of the frame that starts with prefix
// (at least FramePrefixSize bytes), prefix included.
func FrameLength(prefix []byte) (int, error) {
	if len(prefix) < FramePrefixSize {
		return 0, fmt.Errorf("frame prefix: %w", ErrShort)
	}
	n := binary.LittleEndian.Uint32(prefix[0:4])
	if n < BatchHeaderSize-FramePrefixSize || n > MaxFrameSize-FramePrefixSize {
		return 0, fmt.Errorf("frame length %d out of range: %w", n, ErrCorrupt)
	}
	return int(n) + FramePrefixSize, nil
}

// DecodeBatch validates the frame at the start of b (length, CRC, record
// framing) and returns its header and an iterator over its records. The
// iterator's slices alias b. For an encrypted batch the iterator is empty:
// use DecryptBatch.
func DecodeBatch(b []byte) (BatchHeader, Records, error) {
	n, err := FrameLength(b)
	if err != nil {
		return BatchHeader{}, Records{}, err
	}
	if len(b) < n {
		return BatchHeader{}, Records{}, fmt.Errorf("frame of %d bytes, %d available: %w", n, len(b), ErrShort)
	}
	f := b[:n]
	if binary.LittleEndian.Uint32(f[4:8]) != Checksum(f[FramePrefixSize:]) {
		return BatchHeader{}, Records{}, fmt.Errorf("frame checksum mismatch: %w", ErrCorrupt)
	}
	h := BatchHeader{
		ShardUID:      binary.LittleEndian.Uint64(f[8:16]),
		FirstOffset:   binary.LittleEndian.Uint64(f[16:24]),
		Count:         binary.LittleEndian.Uint32(f[24:28]),
		ArrivalMillis: int64(binary.LittleEndian.Uint64(f[28:36])),
		Flags:         binary.LittleEndian.Uint32(f[36:40]),
	}
	if h.Count == 0 {
		return BatchHeader{}, Records{}, fmt.Errorf("frame with no records: %w", ErrCorrupt)
	}
	if h.Flags&^knownFlags != 0 {
		return BatchHeader{}, Records{}, fmt.Errorf("frame has unknown flags %#x: %w", h.Flags, ErrCorrupt)
	}
	if h.Encrypted() {
		// The records can only be checked once decrypted.
		return h, Records{}, nil
	}
	recs := Records{body: f[BatchHeaderSize:], left: h.Count}
	// Validate the record framing once, so that iteration cannot fail.
	check := recs
	for check.Next() {
	}
	if check.err != nil {
		return BatchHeader{}, Records{}, check.err
	}
	if len(check.body) != 0 {
		return BatchHeader{}, Records{}, fmt.Errorf("frame has %d trailing bytes: %w", len(check.body), ErrCorrupt)
	}
	return h, recs, nil
}

// Records iterates over the records of a decoded batch. The slices it
// returns alias the frame passed to DecodeBatch.
type Records struct {
	body []byte
	left uint32
	key  []byte
	data []byte
	err  error
}

// Next advances to the next record and reports whether there is one.
func (r *Records) Next() bool {
	if r.left == 0 || r.err != nil {
		return false
	}
	var ok bool
	if r.key, ok = r.field(); !ok {
		return false
	}
	if r.data, ok = r.field(); !ok {
		return false
	}
	r.left--
	return true
}

func (r *Records) field() ([]byte, bool) {
	n, w := binary.Uvarint(r.body)
	// w != uvarintLen(n) rejects over-long encodings, so that a record has
	// exactly one encoding.
	if w <= 0 || w != uvarintLen(n) || n > uint64(len(r.body)-w) {
		r.err = fmt.Errorf("record field overruns frame: %w", ErrCorrupt)
		return nil, false
	}
	f := r.body[w : w+int(n)]
	r.body = r.body[w+int(n):]
	return f, true
}

// PartitionKey returns the current record's partition key bytes.
func (r *Records) PartitionKey() []byte { return r.key }

// Data returns the current record's data.
func (r *Records) Data() []byte { return r.data }

// Err returns the first framing error met, if any.
func (r *Records) Err() error { return r.err }

// ScanResult describes the valid prefix of a segment file.
type ScanResult struct {
	// SegmentID is the ID from the header.
	SegmentID uint64
	// Entries describe the valid frames, in file order.
	Entries []Entry
	// ValidSize is the offset just past the last valid frame; bytes from
	// there on are a torn or corrupt tail.
	ValidSize int64
	// TailErr says why scanning stopped before the end of the file, or is
	// nil when the file ends exactly at ValidSize.
	TailErr error
}

// Scan reads a whole segment of the given size from r, validating every
// frame, and stops at the first invalid one. It fails only if the header is
// unreadable or invalid.
func Scan(r io.ReaderAt, size int64) (ScanResult, error) {
	var hdr [HeaderSize]byte
	if size < HeaderSize {
		return ScanResult{}, fmt.Errorf("segment of %d bytes: %w", size, ErrShort)
	}
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return ScanResult{}, fmt.Errorf("read segment header: %w", err)
	}
	id, err := ParseHeader(hdr[:])
	if err != nil {
		return ScanResult{}, err
	}
	res := ScanResult{SegmentID: id, ValidSize: HeaderSize}
	const chunk = 4 << 20
	buf := make([]byte, 0, chunk)
	bufStart := int64(HeaderSize) // file offset of buf[0]
	pos := int64(HeaderSize)
	fill := func(need int) error {
		// Make buf hold [pos, pos+need) if the file has it.
		if off := pos - bufStart; off > 0 {
			buf = append(buf[:0], buf[off:]...)
			bufStart = pos
		}
		if len(buf) >= need {
			return nil
		}
		want := max(need, chunk)
		if int64(want) > size-bufStart {
			want = int(size - bufStart)
		}
		if want < need {
			return ErrShort
		}
		if cap(buf) < want {
			grown := make([]byte, len(buf), want)
			copy(grown, buf)
			buf = grown
		}
		n, err := r.ReadAt(buf[len(buf):want], bufStart+int64(len(buf)))
		buf = buf[:len(buf)+n]
		if len(buf) < need {
			if err == nil || err == io.EOF {
				return ErrShort
			}
			return err
		}
		return nil
	}
	for pos < size {
		if err := fill(FramePrefixSize); err != nil {
			res.TailErr = fmt.Errorf("frame at %d: %w", pos, err)
			break
		}
		n, err := FrameLength(buf)
		if err != nil {
			res.TailErr = fmt.Errorf("frame at %d: %w", pos, err)
			break
		}
		if err := fill(n); err != nil {
			res.TailErr = fmt.Errorf("frame at %d: %w", pos, err)
			break
		}
		h, _, err := DecodeBatch(buf[:n])
		if err != nil {
			res.TailErr = fmt.Errorf("frame at %d: %w", pos, err)
			break
		}
		res.Entries = append(res.Entries, Entry{
			ShardUID: h.ShardUID, FirstOffset: h.FirstOffset, Count: h.Count,
			Length: uint32(n), Position: uint64(pos), ArrivalMillis: h.ArrivalMillis,
		})
		pos += int64(n)
		res.ValidSize = pos
	}
	return res, nil
}
