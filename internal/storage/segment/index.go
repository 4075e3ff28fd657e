package segment

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
)

// Index file sizes: part of the on-disk format.
const (
	IndexHeaderSize = 32
	ShardRowSize    = 48
	EntrySize       = 40
)

var indexMagic = [8]byte{'E', 'D', 'D', 'Y', 'I', 'D', 'X', 0}

// Entry locates one batch frame in a segment.
type Entry struct {
	ShardUID      uint64
	FirstOffset   uint64
	Count         uint32
	Length        uint32 // frame length, prefix included
	Position      uint64 // frame position in the segment file
	ArrivalMillis int64
}

// End returns the offset one past the batch's last record.
func (e Entry) End() uint64 { return e.FirstOffset + uint64(e.Count) }

// ShardRow summarises one shard's batches in a segment.
type ShardRow struct {
	ShardUID    uint64
	FirstOffset uint64
	EndOffset   uint64
	MinArrival  int64 // Unix ms
	MaxArrival  int64 // Unix ms
	EntryStart  uint32
	EntryCount  uint32
}

// IndexSummary is the part of an index file read when a store opens.
type IndexSummary struct {
	SegmentID uint64
	Shards    []ShardRow
	// Entries is the number of entries; EntriesOffset is where they start
	// in the file.
	Entries       uint32
	EntriesOffset int64
}

// BuildIndex sorts entries by (shard UID, offset) in place and returns the
// shard table for them.
func BuildIndex(entries []Entry) []ShardRow {
	slices.SortStableFunc(entries, func(a, b Entry) int {
		if c := cmp.Compare(a.ShardUID, b.ShardUID); c != 0 {
			return c
		}
		return cmp.Compare(a.FirstOffset, b.FirstOffset)
	})
	var rows []ShardRow
	for i, e := range entries {
		if len(rows) == 0 || rows[len(rows)-1].ShardUID != e.ShardUID {
			rows = append(rows, ShardRow{
				ShardUID: e.ShardUID, FirstOffset: e.FirstOffset,
				MinArrival: e.ArrivalMillis, MaxArrival: e.ArrivalMillis,
				EntryStart: uint32(i),
			})
		}
		r := &rows[len(rows)-1]
		r.EndOffset = e.End()
		r.MaxArrival = max(r.MaxArrival, e.ArrivalMillis)
		r.MinArrival = min(r.MinArrival, e.ArrivalMillis)
		r.EntryCount++
	}
	return rows
}

// AppendIndex encodes an index file for a segment. entries must be sorted
// as BuildIndex sorts them and rows must be BuildIndex's result for them.
func AppendIndex(dst []byte, segmentID uint64, rows []ShardRow, entries []Entry) []byte {
	start := len(dst)
	var h [IndexHeaderSize]byte
	copy(h[0:8], indexMagic[:])
	binary.LittleEndian.PutUint32(h[8:12], Version)
	binary.LittleEndian.PutUint32(h[12:16], uint32(len(rows)))
	binary.LittleEndian.PutUint64(h[16:24], segmentID)
	binary.LittleEndian.PutUint32(h[24:28], uint32(len(entries)))
	dst = append(dst, h[:]...)
	for _, r := range rows {
		dst = binary.LittleEndian.AppendUint64(dst, r.ShardUID)
		dst = binary.LittleEndian.AppendUint64(dst, r.FirstOffset)
		dst = binary.LittleEndian.AppendUint64(dst, r.EndOffset)
		dst = binary.LittleEndian.AppendUint64(dst, uint64(r.MinArrival))
		dst = binary.LittleEndian.AppendUint64(dst, uint64(r.MaxArrival))
		dst = binary.LittleEndian.AppendUint32(dst, r.EntryStart)
		dst = binary.LittleEndian.AppendUint32(dst, r.EntryCount)
	}
	dst = binary.LittleEndian.AppendUint32(dst, Checksum(dst[start:]))
	entriesStart := len(dst)
	for _, e := range entries {
		dst = binary.LittleEndian.AppendUint64(dst, e.ShardUID)
		dst = binary.LittleEndian.AppendUint64(dst, e.FirstOffset)
		dst = binary.LittleEndian.AppendUint32(dst, e.Count)
		dst = binary.LittleEndian.AppendUint32(dst, e.Length)
		dst = binary.LittleEndian.AppendUint64(dst, e.Position)
		dst = binary.LittleEndian.AppendUint64(dst, uint64(e.ArrivalMillis))
	}
	return binary.LittleEndian.AppendUint32(dst, Checksum(dst[entriesStart:]))
}

// SummaryPrefixSize returns how many bytes of an index file to read to
// decode its header and shard table, given its first IndexHeaderSize bytes.
func SummaryPrefixSize(header []byte) (int, error) {
	if len(header) < IndexHeaderSize {
		return 0, fmt.Errorf("index header: %w", ErrShort)
	}
	if [8]byte(header[0:8]) != indexMagic {
		return 0, fmt.Errorf("index header: bad magic: %w", ErrCorrupt)
	}
	if v := binary.LittleEndian.Uint32(header[8:12]); v != Version {
		return 0, fmt.Errorf("index header: unsupported version %d: %w", v, ErrCorrupt)
	}
	n := binary.LittleEndian.Uint32(header[12:16])
	if n > MaxFrameSize/ShardRowSize {
		return 0, fmt.Errorf("index header: %d shard rows: %w", n, ErrCorrupt)
	}
	return IndexHeaderSize + int(n)*ShardRowSize + 4, nil
}

// DecodeIndexSummary decodes the header and shard table of an index file
// (b must hold at least SummaryPrefixSize bytes) and checks their CRC.
func DecodeIndexSummary(b []byte) (IndexSummary, error) {
	n, err := SummaryPrefixSize(b)
	if err != nil {
		return IndexSummary{}, err
	}
	if len(b) < n {
		return IndexSummary{}, fmt.Errorf("index shard table: %w", ErrShort)
	}
	if binary.LittleEndian.Uint32(b[n-4:n]) != Checksum(b[:n-4]) {
		return IndexSummary{}, fmt.Errorf("index shard table: checksum mismatch: %w", ErrCorrupt)
	}
	s := IndexSummary{
		SegmentID:     binary.LittleEndian.Uint64(b[16:24]),
		Entries:       binary.LittleEndian.Uint32(b[24:28]),
		EntriesOffset: int64(n),
	}
	rows := b[IndexHeaderSize : n-4]
	for len(rows) > 0 {
		r := ShardRow{
			ShardUID:    binary.LittleEndian.Uint64(rows[0:8]),
			FirstOffset: binary.LittleEndian.Uint64(rows[8:16]),
			EndOffset:   binary.LittleEndian.Uint64(rows[16:24]),
			MinArrival:  int64(binary.LittleEndian.Uint64(rows[24:32])),
			MaxArrival:  int64(binary.LittleEndian.Uint64(rows[32:40])),
			EntryStart:  binary.LittleEndian.Uint32(rows[40:44]),
			EntryCount:  binary.LittleEndian.Uint32(rows[44:48]),
		}
		if uint64(r.EntryStart)+uint64(r.EntryCount) > uint64(s.Entries) || r.EndOffset < r.FirstOffset {
			return IndexSummary{}, fmt.Errorf("index shard row for %d out of range: %w", r.ShardUID, ErrCorrupt)
		}
		s.Shards = append(s.Shards, r)
		rows = rows[ShardRowSize:]
	}
	return s, nil
}

// EntriesSize returns the byte size of the entry section of an index with
// the given summary, its trailing CRC included.
func (s IndexSummary) EntriesSize() int { return int(s.Entries)*EntrySize + 4 }

// DecodeEntries decodes the entry section (EntriesSize bytes) of an index
// file and checks its CRC.
func DecodeEntries(b []byte, count uint32) ([]Entry, error) {
	n := int(count)*EntrySize + 4
	if len(b) < n {
		return nil, fmt.Errorf("index entries: %w", ErrShort)
	}
	if binary.LittleEndian.Uint32(b[n-4:n]) != Checksum(b[:n-4]) {
		return nil, fmt.Errorf("index entries: checksum mismatch: %w", ErrCorrupt)
	}
	out := make([]Entry, count)
	for i := range out {
		e := b[i*EntrySize:]
		out[i] = Entry{
			ShardUID:      binary.LittleEndian.Uint64(e[0:8]),
			FirstOffset:   binary.LittleEndian.Uint64(e[8:16]),
			Count:         binary.LittleEndian.Uint32(e[16:20]),
			Length:        binary.LittleEndian.Uint32(e[20:24]),
			Position:      binary.LittleEndian.Uint64(e[24:32]),
			ArrivalMillis: int64(binary.LittleEndian.Uint64(e[32:40])),
		}
	}
	return out, nil
}
