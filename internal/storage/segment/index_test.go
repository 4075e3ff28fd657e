package segment_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/storage/segment"
)

func ent(uid, first uint64, count uint32, arrival int64) segment.Entry {
	return segment.Entry{
		ShardUID: uid, FirstOffset: first, Count: count, ArrivalMillis: arrival,
		Length: 36 + 2*count, Position: 1000*uid + first,
	}
}

func TestEntryEnd(t *testing.T) {
	require.Equal(t, uint64(15), ent(1, 10, 5, 0).End())
	require.Equal(t, uint64(10), segment.Entry{FirstOffset: 10}.End())
}

func TestBuildIndex(t *testing.T) {
	tests := []struct {
		name    string
		entries []segment.Entry
		sorted  []segment.Entry
		rows    []segment.ShardRow
	}{
		{name: "no entries"},
		{
			name:    "one entry",
			entries: []segment.Entry{ent(7, 100, 3, 55)},
			sorted:  []segment.Entry{ent(7, 100, 3, 55)},
			rows:    []segment.ShardRow{{ShardUID: 7, FirstOffset: 100, EndOffset: 103, MinArrival: 55, MaxArrival: 55, EntryStart: 0, EntryCount: 1}},
		},
		{
			name: "one shard, in order",
			entries: []segment.Entry{
				ent(1, 0, 2, 10), ent(1, 2, 5, 10), ent(1, 7, 1, 12),
			},
			sorted: []segment.Entry{
				ent(1, 0, 2, 10), ent(1, 2, 5, 10), ent(1, 7, 1, 12),
			},
			rows: []segment.ShardRow{{ShardUID: 1, FirstOffset: 0, EndOffset: 8, MinArrival: 10, MaxArrival: 12, EntryStart: 0, EntryCount: 3}},
		},
		{
			name: "interleaved shards, file order",
			entries: []segment.Entry{
				ent(3, 50, 1, 100), ent(1, 10, 2, 101), ent(2, 0, 4, 101),
				ent(1, 12, 1, 102), ent(3, 51, 9, 103), ent(1, 13, 7, 104),
			},
			sorted: []segment.Entry{
				ent(1, 10, 2, 101), ent(1, 12, 1, 102), ent(1, 13, 7, 104),
				ent(2, 0, 4, 101),
				ent(3, 50, 1, 100), ent(3, 51, 9, 103),
			},
			rows: []segment.ShardRow{
				{ShardUID: 1, FirstOffset: 10, EndOffset: 20, MinArrival: 101, MaxArrival: 104, EntryStart: 0, EntryCount: 3},
				{ShardUID: 2, FirstOffset: 0, EndOffset: 4, MinArrival: 101, MaxArrival: 101, EntryStart: 3, EntryCount: 1},
				{ShardUID: 3, FirstOffset: 50, EndOffset: 60, MinArrival: 100, MaxArrival: 103, EntryStart: 4, EntryCount: 2},
			},
		},
		{
			name: "offsets out of order within a shard",
			entries: []segment.Entry{
				ent(5, 30, 10, 3), ent(5, 0, 10, 1), ent(5, 10, 20, 2),
			},
			sorted: []segment.Entry{
				ent(5, 0, 10, 1), ent(5, 10, 20, 2), ent(5, 30, 10, 3),
			},
			rows: []segment.ShardRow{{ShardUID: 5, FirstOffset: 0, EndOffset: 40, MinArrival: 1, MaxArrival: 3, EntryStart: 0, EntryCount: 3}},
		},
		{
			name: "arrival not monotonic: min and max over all batches",
			entries: []segment.Entry{
				ent(1, 0, 1, 50), ent(1, 1, 1, 20), ent(1, 2, 1, 90), ent(1, 3, 1, 70),
			},
			sorted: []segment.Entry{
				ent(1, 0, 1, 50), ent(1, 1, 1, 20), ent(1, 2, 1, 90), ent(1, 3, 1, 70),
			},
			rows: []segment.ShardRow{{ShardUID: 1, FirstOffset: 0, EndOffset: 4, MinArrival: 20, MaxArrival: 90, EntryStart: 0, EntryCount: 4}},
		},
		{
			name: "negative arrival times",
			entries: []segment.Entry{
				ent(2, 0, 1, -500), ent(1, 0, 1, -7), ent(2, 1, 1, -300),
			},
			sorted: []segment.Entry{
				ent(1, 0, 1, -7), ent(2, 0, 1, -500), ent(2, 1, 1, -300),
			},
			rows: []segment.ShardRow{
				{ShardUID: 1, FirstOffset: 0, EndOffset: 1, MinArrival: -7, MaxArrival: -7, EntryStart: 0, EntryCount: 1},
				{ShardUID: 2, FirstOffset: 0, EndOffset: 2, MinArrival: -500, MaxArrival: -300, EntryStart: 1, EntryCount: 2},
			},
		},
		{
			name: "extreme values",
			entries: []segment.Entry{
				ent(math.MaxUint64, math.MaxUint64-5, 5, math.MaxInt64), ent(0, 0, 1, math.MinInt64),
			},
			sorted: []segment.Entry{
				ent(0, 0, 1, math.MinInt64), ent(math.MaxUint64, math.MaxUint64-5, 5, math.MaxInt64),
			},
			rows: []segment.ShardRow{
				{ShardUID: 0, FirstOffset: 0, EndOffset: 1, MinArrival: math.MinInt64, MaxArrival: math.MinInt64, EntryStart: 0, EntryCount: 1},
				{ShardUID: math.MaxUint64, FirstOffset: math.MaxUint64 - 5, EndOffset: math.MaxUint64, MinArrival: math.MaxInt64, MaxArrival: math.MaxInt64, EntryStart: 1, EntryCount: 1},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := segment.BuildIndex(tt.entries)
			require.Equal(t, tt.sorted, tt.entries, "entries sorted in place")
			require.Equal(t, tt.rows, rows)
		})
	}
}

func TestBuildIndexRandom(t *testing.T) {
	// Rows agree with a straightforward computation over many shards.
	r := rand.New(rand.NewPCG(11, 12))
	var entries []segment.Entry
	next := map[uint64]uint64{}
	for range 2000 {
		uid := uint64(r.IntN(50))
		c := uint32(1 + r.IntN(10))
		entries = append(entries, ent(uid, next[uid], c, r.Int64N(1000)-500))
		next[uid] += uint64(c)
	}
	r.Shuffle(len(entries), func(i, j int) { entries[i], entries[j] = entries[j], entries[i] })
	rows := segment.BuildIndex(entries)
	require.Len(t, rows, len(next))
	for i := 1; i < len(entries); i++ {
		a, b := entries[i-1], entries[i]
		require.True(t, a.ShardUID < b.ShardUID || a.ShardUID == b.ShardUID && a.FirstOffset < b.FirstOffset, "sorted at %d", i)
	}
	var covered uint32
	for i, row := range rows {
		if i > 0 {
			require.Less(t, rows[i-1].ShardUID, row.ShardUID)
		}
		require.Equal(t, covered, row.EntryStart)
		covered += row.EntryCount
		es := entries[row.EntryStart : row.EntryStart+row.EntryCount]
		minA, maxA := es[0].ArrivalMillis, es[0].ArrivalMillis
		for _, e := range es {
			require.Equal(t, row.ShardUID, e.ShardUID)
			minA, maxA = min(minA, e.ArrivalMillis), max(maxA, e.ArrivalMillis)
		}
		require.Equal(t, uint64(0), row.FirstOffset)
		require.Equal(t, next[row.ShardUID], row.EndOffset)
		require.Equal(t, minA, row.MinArrival)
		require.Equal(t, maxA, row.MaxArrival)
	}
	require.Equal(t, uint32(len(entries)), covered)
}

// encodeIndex builds an index for entries the way a sealer does.
func encodeIndex(segmentID uint64, entries []segment.Entry) ([]byte, []segment.ShardRow) {
	rows := segment.BuildIndex(entries)
	return segment.AppendIndex(nil, segmentID, rows, entries), rows
}

// decodeIndex decodes an index file the way a store does: the header, then
// the summary prefix, then the entries.
func decodeIndex(t testing.TB, b []byte) (segment.IndexSummary, []segment.Entry) {
	t.Helper()
	n, err := segment.SummaryPrefixSize(b[:segment.IndexHeaderSize])
	require.NoError(t, err)
	s, err := segment.DecodeIndexSummary(b[:n])
	require.NoError(t, err)
	require.Equal(t, int64(n), s.EntriesOffset)
	es, err := segment.DecodeEntries(b[s.EntriesOffset:s.EntriesOffset+int64(s.EntriesSize())], s.Entries)
	require.NoError(t, err)
	return s, es
}

func manyEntries(n int) []segment.Entry {
	r := rand.New(rand.NewPCG(uint64(n), 1))
	out := make([]segment.Entry, n)
	next := map[uint64]uint64{}
	for i := range out {
		uid := uint64(r.IntN(7)) + 100
		out[i] = segment.Entry{
			ShardUID: uid, FirstOffset: next[uid], Count: uint32(1 + r.IntN(500)),
			Length: uint32(36 + r.IntN(1<<20)), Position: uint64(24 + i*1000), ArrivalMillis: 1_700_000_000_000 + int64(i),
		}
		next[uid] += uint64(out[i].Count)
	}
	return out
}

func TestIndexRoundTrip(t *testing.T) {
	tests := []struct {
		name      string
		segmentID uint64
		entries   []segment.Entry
	}{
		{"zero entries", 1, nil},
		{"one entry", 2, []segment.Entry{ent(9, 4, 2, 77)}},
		{"one shard", 3, []segment.Entry{ent(1, 0, 2, 1), ent(1, 2, 3, 2)}},
		{"many shards", 4, manyEntries(1000)},
		{"extreme values", math.MaxUint64, []segment.Entry{{
			ShardUID: math.MaxUint64, FirstOffset: math.MaxUint64 - 1, Count: 1,
			Length: math.MaxUint32, Position: math.MaxUint64, ArrivalMillis: math.MinInt64,
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := append([]segment.Entry(nil), tt.entries...)
			b, rows := encodeIndex(tt.segmentID, es)

			m, n := len(es), len(rows)
			require.Len(t, b, segment.IndexHeaderSize+n*segment.ShardRowSize+4+m*segment.EntrySize+4)

			// Layout from docs/format/log.md.
			require.Equal(t, []byte("EDDYIDX\x00"), b[0:8])
			require.Equal(t, uint32(1), binary.LittleEndian.Uint32(b[8:12]))
			require.Equal(t, uint32(n), binary.LittleEndian.Uint32(b[12:16]))
			require.Equal(t, tt.segmentID, binary.LittleEndian.Uint64(b[16:24]))
			require.Equal(t, uint32(m), binary.LittleEndian.Uint32(b[24:28]))
			require.Equal(t, []byte{0, 0, 0, 0}, b[28:32], "reserved")
			tableEnd := segment.IndexHeaderSize + n*segment.ShardRowSize
			require.Equal(t, crc32c(b[:tableEnd]), binary.LittleEndian.Uint32(b[tableEnd:]))
			require.Equal(t, crc32c(b[tableEnd+4:len(b)-4]), binary.LittleEndian.Uint32(b[len(b)-4:]))
			for i, e := range es {
				p := b[tableEnd+4+i*segment.EntrySize:]
				require.Equal(t, e.ShardUID, binary.LittleEndian.Uint64(p[0:]))
				require.Equal(t, e.FirstOffset, binary.LittleEndian.Uint64(p[8:]))
				require.Equal(t, e.Count, binary.LittleEndian.Uint32(p[16:]))
				require.Equal(t, e.Length, binary.LittleEndian.Uint32(p[20:]))
				require.Equal(t, e.Position, binary.LittleEndian.Uint64(p[24:]))
				require.Equal(t, uint64(e.ArrivalMillis), binary.LittleEndian.Uint64(p[32:]))
			}

			s, got := decodeIndex(t, b)
			require.Equal(t, tt.segmentID, s.SegmentID)
			require.Equal(t, uint32(m), s.Entries)
			require.Equal(t, int64(tableEnd+4), s.EntriesOffset)
			require.Equal(t, m*segment.EntrySize+4, s.EntriesSize())
			if n == 0 {
				require.Empty(t, s.Shards)
			} else {
				require.Equal(t, rows, s.Shards)
			}
			if m == 0 {
				require.Empty(t, got)
			} else {
				require.Equal(t, es, got)
			}

			// The whole file decodes too, and appending keeps a prefix.
			s2, err := segment.DecodeIndexSummary(b)
			require.NoError(t, err)
			require.Equal(t, s, s2)
			prefix := []byte("some prefix")
			withPrefix := segment.AppendIndex(bytes.Clone(prefix), tt.segmentID, rows, es)
			require.Equal(t, prefix, withPrefix[:len(prefix)])
			require.Equal(t, b, withPrefix[len(prefix):])
		})
	}
}

func TestIndexOfScannedSegment(t *testing.T) {
	file, _ := segmentFile(21, smallBatches(40)...)
	res := scanBytes(t, file)
	require.NoError(t, res.TailErr)
	entries := append([]segment.Entry(nil), res.Entries...)
	idx, rows := encodeIndex(res.SegmentID, entries)
	s, got := decodeIndex(t, idx)
	require.Equal(t, uint64(21), s.SegmentID)
	require.Equal(t, rows, s.Shards)
	require.Equal(t, entries, got)
	for _, row := range s.Shards {
		for _, e := range got[row.EntryStart : row.EntryStart+row.EntryCount] {
			h, _, err := segment.DecodeBatch(file[e.Position : e.Position+uint64(e.Length)])
			require.NoError(t, err)
			require.Equal(t, row.ShardUID, h.ShardUID)
			require.Equal(t, e.FirstOffset, h.FirstOffset)
			require.Equal(t, e.Count, h.Count)
		}
	}
}

func TestIndexBitFlips(t *testing.T) {
	b, rows := encodeIndex(8, manyEntries(5))
	entriesOff := segment.IndexHeaderSize + len(rows)*segment.ShardRowSize + 4
	t.Run("summary", func(t *testing.T) {
		for bit := range entriesOff * 8 {
			c := bytes.Clone(b)
			c[bit/8] ^= 1 << (bit % 8)
			// Given the summary prefix only, and given the whole file.
			_, err := segment.DecodeIndexSummary(c[:entriesOff])
			requireCorruptOrShort(t, err)
			_, err = segment.DecodeIndexSummary(c)
			requireCorruptOrShort(t, err)
		}
	})
	t.Run("entries", func(t *testing.T) {
		s, err := segment.DecodeIndexSummary(b)
		require.NoError(t, err)
		for bit := entriesOff * 8; bit < len(b)*8; bit++ {
			c := bytes.Clone(b)
			c[bit/8] ^= 1 << (bit % 8)
			_, err := segment.DecodeEntries(c[entriesOff:], s.Entries)
			require.ErrorIs(t, err, segment.ErrCorrupt, "bit %d", bit)
			// The summary does not cover the entries.
			_, err = segment.DecodeIndexSummary(c)
			require.NoError(t, err)
		}
	})
}

func TestSummaryPrefixSizeErrors(t *testing.T) {
	valid, _ := encodeIndex(3, manyEntries(3))
	mut := func(f func(h []byte)) []byte { h := bytes.Clone(valid[:segment.IndexHeaderSize]); f(h); return h }
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, segment.ErrShort},
		{"one byte short", valid[:segment.IndexHeaderSize-1], segment.ErrShort},
		{"bad magic", mut(func(h []byte) { h[3] = 'x' }), segment.ErrCorrupt},
		{"segment magic", mut(func(h []byte) { copy(h, "EDDYSEG\x00") }), segment.ErrCorrupt},
		{"version 0", mut(func(h []byte) { binary.LittleEndian.PutUint32(h[8:], 0) }), segment.ErrCorrupt},
		{"version 2", mut(func(h []byte) { binary.LittleEndian.PutUint32(h[8:], 2) }), segment.ErrCorrupt},
		{"too many rows", mut(func(h []byte) { binary.LittleEndian.PutUint32(h[12:], math.MaxUint32) }), segment.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := segment.SummaryPrefixSize(tt.in)
			require.ErrorIs(t, err, tt.want)
			_, err = segment.DecodeIndexSummary(tt.in)
			require.ErrorIs(t, err, tt.want)
		})
	}
	for _, n := range []uint32{0, 1, 1000} {
		h := mut(func(h []byte) { binary.LittleEndian.PutUint32(h[12:], n) })
		got, err := segment.SummaryPrefixSize(h)
		require.NoError(t, err)
		require.Equal(t, segment.IndexHeaderSize+int(n)*segment.ShardRowSize+4, got)
	}
}

// fixSummaryCRC recomputes the header and table CRC of an index in place.
func fixSummaryCRC(b []byte) {
	n := binary.LittleEndian.Uint32(b[12:16])
	end := segment.IndexHeaderSize + int(n)*segment.ShardRowSize
	binary.LittleEndian.PutUint32(b[end:], crc32c(b[:end]))
}

func TestDecodeIndexSummaryErrors(t *testing.T) {
	entries := []segment.Entry{ent(1, 0, 2, 5), ent(1, 2, 2, 6), ent(2, 9, 1, 7)}
	valid, _ := encodeIndex(3, entries)
	const row0 = segment.IndexHeaderSize
	mut := func(f func(b []byte)) []byte { b := bytes.Clone(valid); f(b); fixSummaryCRC(b); return b }
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"cut in header", valid[:10], segment.ErrShort},
		{"cut in table", valid[:row0+10], segment.ErrShort},
		{"cut before table CRC", valid[:row0+2*segment.ShardRowSize], segment.ErrShort},
		{"cut in table CRC", valid[:row0+2*segment.ShardRowSize+3], segment.ErrShort},
		{"row count lowered, CRC not fixed", func() []byte {
			b := bytes.Clone(valid)
			binary.LittleEndian.PutUint32(b[12:], 1)
			return b
		}(), segment.ErrCorrupt},
		{"entries past the entry count", mut(func(b []byte) { binary.LittleEndian.PutUint32(b[row0+44:], 4) }), segment.ErrCorrupt},
		{"entry start past the entry count", mut(func(b []byte) { binary.LittleEndian.PutUint32(b[row0+segment.ShardRowSize+40:], 3) }), segment.ErrCorrupt},
		{"entry start overflow", mut(func(b []byte) {
			binary.LittleEndian.PutUint32(b[row0+40:], math.MaxUint32)
			binary.LittleEndian.PutUint32(b[row0+44:], 2)
		}), segment.ErrCorrupt},
		{"entry count lowered", mut(func(b []byte) { binary.LittleEndian.PutUint32(b[24:], 2) }), segment.ErrCorrupt},
		{"end before first offset", mut(func(b []byte) {
			binary.LittleEndian.PutUint64(b[row0+16:], 0)
			binary.LittleEndian.PutUint64(b[row0+8:], 1)
		}), segment.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := segment.DecodeIndexSummary(tt.in)
			require.ErrorIs(t, err, tt.want)
		})
	}

	// The valid index still decodes, and so does a row with an empty range.
	_, err := segment.DecodeIndexSummary(valid)
	require.NoError(t, err)
	s, err := segment.DecodeIndexSummary(mut(func(b []byte) { binary.LittleEndian.PutUint64(b[row0+16:], 0) }))
	require.NoError(t, err)
	require.Equal(t, uint64(0), s.Shards[0].EndOffset)
}

func TestDecodeEntriesErrors(t *testing.T) {
	entries := manyEntries(4)
	b, rows := encodeIndex(1, entries)
	sec := b[segment.IndexHeaderSize+len(rows)*segment.ShardRowSize+4:]
	require.Len(t, sec, 4*segment.EntrySize+4)

	for n := range len(sec) {
		_, err := segment.DecodeEntries(sec[:n], 4)
		require.ErrorIs(t, err, segment.ErrShort, "cut at %d", n)
	}
	got, err := segment.DecodeEntries(sec, 4)
	require.NoError(t, err)
	require.Equal(t, entries, got)

	tests := []struct {
		name  string
		in    []byte
		count uint32
		want  error
	}{
		{"count too high", sec, 5, segment.ErrShort},
		{"count too low", sec, 3, segment.ErrCorrupt},
		{"huge count", sec, math.MaxUint32, segment.ErrShort},
		{"zero entries, no CRC", nil, 0, segment.ErrShort},
		{"zero entries, wrong CRC", []byte{1, 0, 0, 0}, 0, segment.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := segment.DecodeEntries(tt.in, tt.count)
			require.ErrorIs(t, err, tt.want)
		})
	}

	// Zero entries: the section is the CRC of nothing.
	empty := binary.LittleEndian.AppendUint32(nil, crc32c(nil))
	got, err = segment.DecodeEntries(empty, 0)
	require.NoError(t, err)
	require.Empty(t, got)
}
