package segment_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/storage/segment"
)

// crc32c is computed independently of segment.Checksum, so that the layout
// tests check the documented polynomial rather than the package's own.
func crc32c(b []byte) uint32 { return crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)) }

// requireCorruptOrShort fails unless err wraps ErrCorrupt or ErrShort.
func requireCorruptOrShort(t testing.TB, err error) {
	t.Helper()
	require.Error(t, err)
	require.True(t, errors.Is(err, segment.ErrCorrupt) || errors.Is(err, segment.ErrShort),
		"error %q wraps neither ErrCorrupt nor ErrShort", err)
}

// decodeAll decodes the frame at the start of b and collects its records.
func decodeAll(t testing.TB, b []byte) (segment.BatchHeader, []segment.Record) {
	t.Helper()
	h, it, err := segment.DecodeBatch(b)
	require.NoError(t, err)
	var recs []segment.Record
	for it.Next() {
		recs = append(recs, segment.Record{
			PartitionKey: string(it.PartitionKey()),
			Data:         bytes.Clone(it.Data()),
		})
	}
	require.NoError(t, it.Err())
	require.False(t, it.Next(), "Next after the last record")
	return h, recs
}

// craftFrame builds a frame by hand with the given fixed fields and record
// body, a correct length field and a correct CRC, so that only the checks
// after the CRC can reject it.
func craftFrame(uid, first uint64, count uint32, arrival int64, body []byte) []byte {
	f := make([]byte, segment.BatchHeaderSize, segment.BatchHeaderSize+len(body))
	binary.LittleEndian.PutUint64(f[8:16], uid)
	binary.LittleEndian.PutUint64(f[16:24], first)
	binary.LittleEndian.PutUint32(f[24:28], count)
	binary.LittleEndian.PutUint64(f[28:36], uint64(arrival))
	f = append(f, body...)
	binary.LittleEndian.PutUint32(f[0:4], uint32(len(f)-segment.FramePrefixSize))
	fixFrameCRC(f)
	return f
}

// fixFrameCRC recomputes the CRC of the frame f (whole slice) in place.
func fixFrameCRC(f []byte) {
	binary.LittleEndian.PutUint32(f[4:8], crc32c(f[segment.FramePrefixSize:]))
}

// rec builds a record body by hand: uvarint key length, key, uvarint data
// length, data.
func rec(key, data string) []byte {
	b := binary.AppendUvarint(nil, uint64(len(key)))
	b = append(b, key...)
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestHeaderRoundTrip(t *testing.T) {
	for _, id := range []uint64{0, 1, 2, 42, 1 << 32, math.MaxUint64 - 1, math.MaxUint64} {
		t.Run(fmt.Sprint(id), func(t *testing.T) {
			prefix := []byte("prefix")
			b := segment.AppendHeader(bytes.Clone(prefix), id)
			require.Len(t, b, len(prefix)+segment.HeaderSize)
			require.Equal(t, prefix, b[:len(prefix)], "prefix kept")
			h := b[len(prefix):]

			// Layout from docs/format/log.md.
			require.Equal(t, []byte("EDDYSEG\x00"), h[0:8])
			require.Equal(t, uint32(1), binary.LittleEndian.Uint32(h[8:12]))
			require.Equal(t, id, binary.LittleEndian.Uint64(h[16:24]))
			sum := append(bytes.Clone(h[0:12]), h[16:24]...)
			require.Equal(t, crc32c(sum), binary.LittleEndian.Uint32(h[12:16]))

			got, err := segment.ParseHeader(h)
			require.NoError(t, err)
			require.Equal(t, id, got)

			// Bytes after the header are ignored.
			got, err = segment.ParseHeader(append(bytes.Clone(h), 0xff, 0xee))
			require.NoError(t, err)
			require.Equal(t, id, got)
		})
	}
}

func TestParseHeaderErrors(t *testing.T) {
	valid := segment.AppendHeader(nil, 77)
	// withCRC rewrites the header CRC after mutating, so that the check
	// under test fires rather than the checksum.
	withCRC := func(mut func(h []byte)) []byte {
		h := bytes.Clone(valid)
		mut(h)
		sum := append(bytes.Clone(h[0:12]), h[16:24]...)
		binary.LittleEndian.PutUint32(h[12:16], crc32c(sum))
		return h
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, segment.ErrShort},
		{"one byte", valid[:1], segment.ErrShort},
		{"one byte short", valid[:segment.HeaderSize-1], segment.ErrShort},
		{"bad magic", withCRC(func(h []byte) { h[0] = 'X' }), segment.ErrCorrupt},
		{"index magic", withCRC(func(h []byte) { copy(h, "EDDYIDX\x00") }), segment.ErrCorrupt},
		{"magic without NUL", withCRC(func(h []byte) { h[7] = ' ' }), segment.ErrCorrupt},
		{"zeros", make([]byte, segment.HeaderSize), segment.ErrCorrupt},
		{"version 0", withCRC(func(h []byte) { binary.LittleEndian.PutUint32(h[8:12], 0) }), segment.ErrCorrupt},
		{"version 2", withCRC(func(h []byte) { binary.LittleEndian.PutUint32(h[8:12], 2) }), segment.ErrCorrupt},
		{"version big-endian 1", withCRC(func(h []byte) { binary.BigEndian.PutUint32(h[8:12], 1) }), segment.ErrCorrupt},
		{"bad CRC", func() []byte { h := bytes.Clone(valid); h[12] ^= 1; return h }(), segment.ErrCorrupt},
		{"ID changed", func() []byte { h := bytes.Clone(valid); h[16]++; return h }(), segment.ErrCorrupt},
		{"version changed, CRC not", func() []byte { h := bytes.Clone(valid); h[9] = 1; return h }(), segment.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := segment.ParseHeader(tt.in)
			require.ErrorIs(t, err, tt.want)
		})
	}
}

func TestParseHeaderBitFlips(t *testing.T) {
	valid := segment.AppendHeader(nil, 0x0123456789abcdef)
	for bit := range segment.HeaderSize * 8 {
		h := bytes.Clone(valid)
		h[bit/8] ^= 1 << (bit % 8)
		_, err := segment.ParseHeader(h)
		require.ErrorIs(t, err, segment.ErrCorrupt, "bit %d", bit)
	}
}

// sized returns a string of n bytes with a recognisable pattern.
func sized(n int) string {
	var sb strings.Builder
	for i := range n {
		sb.WriteByte(byte('a' + i%26))
	}
	return sb.String()
}

func TestBatchRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	many := make([]segment.Record, 1000)
	for i := range many {
		many[i] = segment.Record{
			PartitionKey: fmt.Sprintf("key-%d", i),
			Data:         randBytes(r, r.IntN(300)),
		}
	}
	tests := []struct {
		name string
		h    segment.BatchHeader
		recs []segment.Record
	}{
		{"one record", segment.BatchHeader{ShardUID: 1, FirstOffset: 0, ArrivalMillis: 1_700_000_000_000},
			[]segment.Record{{PartitionKey: "k", Data: []byte("hello")}}},
		{"many records", segment.BatchHeader{ShardUID: 9, FirstOffset: 123456, ArrivalMillis: 5}, many},
		{"empty key and data", segment.BatchHeader{ShardUID: 2},
			[]segment.Record{{PartitionKey: "", Data: nil}}},
		{"several empty records", segment.BatchHeader{ShardUID: 2},
			[]segment.Record{{}, {}, {}, {PartitionKey: "x"}, {Data: []byte{0}}}},
		{"large data 1MiB", segment.BatchHeader{ShardUID: 3, FirstOffset: 7},
			[]segment.Record{{PartitionKey: "big", Data: randBytes(r, 1<<20)}}},
		{"large data and small records", segment.BatchHeader{ShardUID: 3, FirstOffset: 7},
			[]segment.Record{{PartitionKey: "a", Data: []byte("1")}, {PartitionKey: "big", Data: randBytes(r, 1<<20)}, {PartitionKey: "b"}}},
		{"binary key and data", segment.BatchHeader{ShardUID: 4},
			[]segment.Record{{PartitionKey: "\x00\xff\x80", Data: []byte{0, 0, 0, 0x80, 0xff}}}},
		{"extreme header fields", segment.BatchHeader{ShardUID: math.MaxUint64, FirstOffset: math.MaxUint64 - 1, ArrivalMillis: math.MinInt64},
			[]segment.Record{{PartitionKey: "k", Data: []byte("v")}}},
		{"max arrival", segment.BatchHeader{ArrivalMillis: math.MaxInt64},
			[]segment.Record{{PartitionKey: "k"}}},
		{"negative arrival", segment.BatchHeader{ArrivalMillis: -1},
			[]segment.Record{{PartitionKey: "k"}}},
	}
	// Lengths at which the uvarint length prefix grows a byte.
	for _, n := range []int{127, 128, 16383, 16384} {
		tests = append(tests,
			struct {
				name string
				h    segment.BatchHeader
				recs []segment.Record
			}{fmt.Sprintf("key of %d bytes", n), segment.BatchHeader{ShardUID: 5},
				[]segment.Record{{PartitionKey: sized(n), Data: []byte("d")}, {PartitionKey: "k", Data: []byte("e")}}},
			struct {
				name string
				h    segment.BatchHeader
				recs []segment.Record
			}{fmt.Sprintf("data of %d bytes", n), segment.BatchHeader{ShardUID: 6},
				[]segment.Record{{PartitionKey: "k", Data: []byte(sized(n))}, {PartitionKey: "k2", Data: []byte("e")}}},
			struct {
				name string
				h    segment.BatchHeader
				recs []segment.Record
			}{fmt.Sprintf("key and data of %d bytes", n), segment.BatchHeader{ShardUID: 7},
				[]segment.Record{{PartitionKey: sized(n), Data: []byte(sized(n))}}},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := segment.AppendBatch(nil, tt.h, tt.recs)
			require.Len(t, frame, segment.BatchSize(tt.recs), "BatchSize is the encoded length")

			n, err := segment.FrameLength(frame)
			require.NoError(t, err)
			require.Equal(t, len(frame), n)

			h, recs := decodeAll(t, frame)
			want := tt.h
			want.Count = uint32(len(tt.recs))
			require.Equal(t, want, h)
			require.Len(t, recs, len(tt.recs))
			for i := range recs {
				require.Equal(t, tt.recs[i].PartitionKey, recs[i].PartitionKey, "record %d key", i)
				require.Equal(t, len(tt.recs[i].Data), len(recs[i].Data), "record %d data length", i)
				if len(tt.recs[i].Data) > 0 {
					require.True(t, bytes.Equal(tt.recs[i].Data, recs[i].Data), "record %d data", i)
				}
			}

			// Bytes after the frame do not affect decoding.
			h2, recs2 := decodeAll(t, append(bytes.Clone(frame), segment.AppendBatch(nil, tt.h, tt.recs)...))
			require.Equal(t, h, h2)
			require.Equal(t, recs, recs2)
		})
	}
}

func TestBatchLayout(t *testing.T) {
	h := segment.BatchHeader{ShardUID: 0x1122334455667788, FirstOffset: 0x99, ArrivalMillis: -2}
	recs := []segment.Record{
		{PartitionKey: "ab", Data: []byte("xyz")},
		{PartitionKey: sized(200), Data: nil},
	}
	f := segment.AppendBatch(nil, h, recs)

	wantBody := rec("ab", "xyz")
	wantBody = append(wantBody, rec(sized(200), "")...)
	require.Len(t, f, segment.BatchHeaderSize+len(wantBody))
	require.Equal(t, uint32(len(f)-8), binary.LittleEndian.Uint32(f[0:4]), "length")
	require.Equal(t, crc32c(f[8:]), binary.LittleEndian.Uint32(f[4:8]), "CRC32C of the rest")
	require.Equal(t, segment.Checksum(f[8:]), binary.LittleEndian.Uint32(f[4:8]))
	require.Equal(t, h.ShardUID, binary.LittleEndian.Uint64(f[8:16]))
	require.Equal(t, h.FirstOffset, binary.LittleEndian.Uint64(f[16:24]))
	require.Equal(t, uint32(2), binary.LittleEndian.Uint32(f[24:28]))
	require.Equal(t, uint64(math.MaxUint64-1), binary.LittleEndian.Uint64(f[28:36]))
	require.Equal(t, uint32(0), binary.LittleEndian.Uint32(f[36:40]), "flags")
	require.Equal(t, wantBody, f[40:])

	// A hand-built frame with the same fields is byte-identical.
	require.Equal(t, craftFrame(h.ShardUID, h.FirstOffset, 2, h.ArrivalMillis, wantBody), f)
}

func TestAppendBatchIgnoresHeaderCount(t *testing.T) {
	recs := []segment.Record{{PartitionKey: "a"}, {PartitionKey: "b"}}
	f := segment.AppendBatch(nil, segment.BatchHeader{ShardUID: 1, Count: 99}, recs)
	h, got := decodeAll(t, f)
	require.Equal(t, uint32(2), h.Count)
	require.Len(t, got, 2)
}

func TestAppendBatchNoRecords(t *testing.T) {
	// AppendBatch requires at least one record; the frame it produces
	// without any must not pass for a valid one.
	f := segment.AppendBatch(nil, segment.BatchHeader{ShardUID: 1}, nil)
	require.Len(t, f, segment.BatchSize(nil))
	_, _, err := segment.DecodeBatch(f)
	require.ErrorIs(t, err, segment.ErrCorrupt)
}

func TestAppendBatchKeepsPrefix(t *testing.T) {
	h := segment.BatchHeader{ShardUID: 3, FirstOffset: 10, ArrivalMillis: 99}
	recs := []segment.Record{{PartitionKey: "p", Data: []byte("data")}, {PartitionKey: "q", Data: []byte(sized(300))}}
	size := segment.BatchSize(recs)
	prefix := segment.AppendBatch(segment.AppendHeader(nil, 1), segment.BatchHeader{ShardUID: 1}, []segment.Record{{PartitionKey: "first"}})

	tests := []struct {
		name    string
		dst     []byte
		inPlace bool // the frame fits in dst's spare capacity
	}{
		{"nil", nil, false},
		{"empty with capacity", make([]byte, 0, size), true},
		{"prefix, exact length capacity", bytes.Clone(prefix), false},
		{"prefix, one byte short of capacity", append(make([]byte, 0, len(prefix)+size-1), prefix...), false},
		{"prefix, exact capacity", append(make([]byte, 0, len(prefix)+size), prefix...), true},
		{"prefix, spare capacity", append(make([]byte, 0, len(prefix)+size+100), prefix...), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := len(tt.dst)
			before := bytes.Clone(tt.dst)
			out := segment.AppendBatch(tt.dst, h, recs)
			require.Len(t, out, start+size)
			require.True(t, bytes.Equal(before, out[:start]), "prefix intact")
			if tt.inPlace {
				require.Same(t, &tt.dst[:1][0], &out[0], "frame appended in place")
			}
			got, gotRecs := decodeAll(t, out[start:])
			require.Equal(t, h.ShardUID, got.ShardUID)
			require.Equal(t, recs, gotRecs)
			require.Equal(t, segment.AppendBatch(nil, h, recs), out[start:])
			if start > 0 {
				// The earlier frame is still readable.
				_, err := segment.ParseHeader(out)
				require.NoError(t, err)
				decodeAll(t, out[segment.HeaderSize:])
			}
		})
	}
}

func TestDecodeBatchBitFlips(t *testing.T) {
	h := segment.BatchHeader{ShardUID: 42, FirstOffset: 1000, ArrivalMillis: 1_700_000_000_123}
	recs := []segment.Record{
		{PartitionKey: "user-1", Data: []byte("hello")},
		{PartitionKey: "", Data: []byte{0, 1, 2}},
		{PartitionKey: "k", Data: nil},
	}
	frame := segment.AppendBatch(nil, h, recs)
	next := segment.AppendBatch(nil, segment.BatchHeader{ShardUID: 43}, recs)
	for _, tt := range []struct {
		name  string
		after []byte // bytes following the frame in the buffer
	}{
		{"frame alone", nil},
		{"frame then another frame", next},
		{"frame then zeros", make([]byte, 1024)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for bit := range len(frame) * 8 {
				b := append(bytes.Clone(frame), tt.after...)
				b[bit/8] ^= 1 << (bit % 8)
				gotH, it, err := segment.DecodeBatch(b)
				if err == nil {
					var n int
					for it.Next() {
						n++
					}
					t.Fatalf("bit %d: flip not detected: header %+v, %d records", bit, gotH, n)
				}
				requireCorruptOrShort(t, err)
			}
		})
	}
}

func TestDecodeBatchTruncated(t *testing.T) {
	frame := segment.AppendBatch(nil, segment.BatchHeader{ShardUID: 1, FirstOffset: 2, ArrivalMillis: 3},
		[]segment.Record{{PartitionKey: "a", Data: []byte("first")}, {PartitionKey: sized(130), Data: []byte(sized(200))}})
	for n := range len(frame) {
		_, _, err := segment.DecodeBatch(frame[:n])
		requireCorruptOrShort(t, err)
		// The length field is intact, so a cut is always reported as short.
		require.ErrorIs(t, err, segment.ErrShort, "cut at %d", n)
	}
	decodeAll(t, frame)
}

func TestFrameLength(t *testing.T) {
	prefix := func(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }
	tests := []struct {
		name string
		in   []byte
		want int
		err  error
	}{
		{"empty", nil, 0, segment.ErrShort},
		{"seven bytes", make([]byte, 7), 0, segment.ErrShort},
		{"length 0", append(prefix(0), 0, 0, 0, 0), 0, segment.ErrCorrupt},
		{"length 31", append(prefix(31), 0, 0, 0, 0), 0, segment.ErrCorrupt},
		{"length 32, the minimum", append(prefix(32), 0, 0, 0, 0), 40, nil},
		{"largest length", append(prefix(segment.MaxFrameSize-8), 0, 0, 0, 0), segment.MaxFrameSize, nil},
		{"length over the maximum", append(prefix(segment.MaxFrameSize-7), 0, 0, 0, 0), 0, segment.ErrCorrupt},
		{"length 0xffffffff", append(prefix(math.MaxUint32), 0, 0, 0, 0), 0, segment.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := segment.FrameLength(tt.in)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, n)
		})
	}
}

func TestDecodeBatchMalformed(t *testing.T) {
	good := rec("k", "v")
	// A frame whose CRC is right but whose prefix is not.
	withLength := func(n uint32, body []byte) []byte {
		f := craftFrame(1, 0, 1, 0, body)
		binary.LittleEndian.PutUint32(f[0:4], n)
		return f
	}
	nonCanonical := []byte{0x81, 0x00} // 1 in two bytes
	nonCanonical = append(nonCanonical, 'k', 0x00)
	overflow := append(bytes.Repeat([]byte{0xff}, 10), 0x01)
	tests := []struct {
		name  string
		frame []byte
		want  error
	}{
		{"count 0, no body", craftFrame(1, 0, 0, 0, nil), segment.ErrCorrupt},
		{"count 0 with a record", craftFrame(1, 0, 0, 0, good), segment.ErrCorrupt},
		{"trailing byte", craftFrame(1, 0, 1, 0, append(bytes.Clone(good), 0)), segment.ErrCorrupt},
		{"trailing record", craftFrame(1, 0, 1, 0, append(bytes.Clone(good), good...)), segment.ErrCorrupt},
		{"count 2, body of 1 record", craftFrame(1, 0, 2, 0, good), segment.ErrCorrupt},
		{"count 1, no body", craftFrame(1, 0, 1, 0, nil), segment.ErrCorrupt},
		{"count max, body of 1 record", craftFrame(1, 0, math.MaxUint32, 0, good), segment.ErrCorrupt},
		{"key length overruns frame", craftFrame(1, 0, 1, 0, []byte{5, 'a', 'b', 0}), segment.ErrCorrupt},
		{"key length one past the end", craftFrame(1, 0, 1, 0, []byte{2, 'a'}), segment.ErrCorrupt},
		{"data length overruns frame", craftFrame(1, 0, 1, 0, []byte{1, 'a', 3, 'x', 'y'}), segment.ErrCorrupt},
		{"data length missing", craftFrame(1, 0, 1, 0, []byte{1, 'a'}), segment.ErrCorrupt},
		{"huge key length", craftFrame(1, 0, 1, 0, binary.AppendUvarint(nil, math.MaxUint64)), segment.ErrCorrupt},
		{"huge data length", craftFrame(1, 0, 1, 0, append([]byte{0}, binary.AppendUvarint(nil, 1<<62)...)), segment.ErrCorrupt},
		{"varint cut at end of frame", craftFrame(1, 0, 1, 0, []byte{0x80}), segment.ErrCorrupt},
		{"varint overflow", craftFrame(1, 0, 1, 0, overflow), segment.ErrCorrupt},
		{"second record overruns", craftFrame(1, 0, 2, 0, append(bytes.Clone(good), 1, 'a', 9, 'b')), segment.ErrCorrupt},
		{"non-canonical varint", craftFrame(1, 0, 1, 0, nonCanonical), segment.ErrCorrupt},
		{"length field below minimum", withLength(27, good), segment.ErrCorrupt},
		{"length field zero", withLength(0, good), segment.ErrCorrupt},
		{"length field over maximum", withLength(segment.MaxFrameSize, good), segment.ErrCorrupt},
		{"length field past end of input", withLength(uint32(segment.BatchHeaderSize-8+len(good)+1), good), segment.ErrShort},
		{"length field shorter than records", withLength(uint32(segment.BatchHeaderSize-8+len(good)-1), good), segment.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, it, err := segment.DecodeBatch(tt.frame)
			require.ErrorIs(t, err, tt.want)
			require.Equal(t, segment.BatchHeader{}, h)
			require.False(t, it.Next(), "no records from an invalid frame")
		})
	}
}

func TestDecodeBatchLengthShorterThanRecordsWithValidCRC(t *testing.T) {
	// The frame is cut short by its own length field and its CRC matches
	// the shorter length: the record framing check must reject it.
	body := rec("key", "value")
	f := craftFrame(1, 0, 1, 0, body)
	f = f[:len(f)-2]
	binary.LittleEndian.PutUint32(f[0:4], uint32(len(f)-8))
	fixFrameCRC(f)
	_, _, err := segment.DecodeBatch(f)
	require.ErrorIs(t, err, segment.ErrCorrupt)
}

func TestRecordsAliasFrame(t *testing.T) {
	f := segment.AppendBatch(nil, segment.BatchHeader{}, []segment.Record{{PartitionKey: "k", Data: []byte("abc")}})
	_, it, err := segment.DecodeBatch(f)
	require.NoError(t, err)
	require.True(t, it.Next())
	require.Equal(t, []byte("k"), it.PartitionKey())
	require.Equal(t, []byte("abc"), it.Data())
	f[len(f)-1] = 'Z'
	require.Equal(t, []byte("abZ"), it.Data(), "Data aliases the frame")
	require.False(t, it.Next())
	require.NoError(t, it.Err())

	var zero segment.Records
	require.False(t, zero.Next())
	require.NoError(t, zero.Err())
}

// segmentFile builds a segment with the given batches and returns its bytes
// and the entries a scan must report.
func segmentFile(id uint64, batches ...batch) ([]byte, []segment.Entry) {
	b := segment.AppendHeader(nil, id)
	var entries []segment.Entry
	for _, bt := range batches {
		pos := len(b)
		b = segment.AppendBatch(b, bt.h, bt.recs)
		entries = append(entries, segment.Entry{
			ShardUID: bt.h.ShardUID, FirstOffset: bt.h.FirstOffset, Count: uint32(len(bt.recs)),
			Length: uint32(len(b) - pos), Position: uint64(pos), ArrivalMillis: bt.h.ArrivalMillis,
		})
	}
	return b, entries
}

type batch struct {
	h    segment.BatchHeader
	recs []segment.Record
}

func smallBatches(n int) []batch {
	out := make([]batch, n)
	for i := range out {
		recs := make([]segment.Record, 1+i%4)
		for j := range recs {
			recs[j] = segment.Record{PartitionKey: fmt.Sprintf("k%d.%d", i, j), Data: []byte(sized(i*37 + j))}
		}
		out[i] = batch{
			h:    segment.BatchHeader{ShardUID: uint64(i % 3), FirstOffset: uint64(i * 10), ArrivalMillis: int64(1000 + i)},
			recs: recs,
		}
	}
	return out
}

func scanBytes(t testing.TB, b []byte) segment.ScanResult {
	t.Helper()
	res, err := segment.Scan(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	return res
}

// checkEntries checks that every entry re-decodes from its position in b to
// the same header, and that entries are contiguous from the header on.
func checkEntries(t testing.TB, b []byte, res segment.ScanResult) {
	t.Helper()
	pos := uint64(segment.HeaderSize)
	for i, e := range res.Entries {
		require.Equal(t, pos, e.Position, "entry %d position", i)
		h, it, err := segment.DecodeBatch(b[e.Position : e.Position+uint64(e.Length)])
		require.NoError(t, err, "entry %d", i)
		require.Equal(t, segment.BatchHeader{ShardUID: e.ShardUID, FirstOffset: e.FirstOffset, Count: e.Count, ArrivalMillis: e.ArrivalMillis}, h)
		var n uint32
		for it.Next() {
			n++
		}
		require.Equal(t, e.Count, n)
		pos += uint64(e.Length)
	}
	require.Equal(t, int64(pos), res.ValidSize)
}

var errAnyTail = errors.New("ErrCorrupt or ErrShort")

func TestScan(t *testing.T) {
	full, entries := segmentFile(5, smallBatches(6)...)
	last := entries[len(entries)-1]
	lastEnd := int64(last.Position) + int64(last.Length)
	require.Equal(t, int64(len(full)), lastEnd)
	corruptMiddle := bytes.Clone(full)
	corruptMiddle[entries[3].Position+20] ^= 0x40
	lengthMiddle := bytes.Clone(full)
	binary.LittleEndian.PutUint32(lengthMiddle[entries[2].Position:], 3)
	garbage := randBytes(rand.New(rand.NewPCG(3, 4)), 500)

	tests := []struct {
		name    string
		file    []byte
		entries []segment.Entry
		tailErr error // nil: TailErr must be nil; errAnyTail: ErrCorrupt or ErrShort
	}{
		{"header only", segment.AppendHeader(nil, 5), nil, nil},
		{"one frame", func() []byte { b, _ := segmentFile(5, smallBatches(1)...); return b }(), entries[:1], nil},
		{"several frames", full, entries, nil},
		{"torn in last frame's prefix", full[:last.Position+3], entries[:5], segment.ErrShort},
		{"torn after last frame's prefix", full[:last.Position+8], entries[:5], segment.ErrShort},
		{"torn in last frame's fixed fields", full[:last.Position+20], entries[:5], segment.ErrShort},
		{"torn in last frame's records", full[:lastEnd-1], entries[:5], segment.ErrShort},
		{"one stray byte after valid frames", append(bytes.Clone(full), 0x01), entries, segment.ErrShort},
		{"zeros after valid frames", append(bytes.Clone(full), make([]byte, 4096)...), entries, segment.ErrCorrupt},
		{"a few zeros after valid frames", append(bytes.Clone(full), make([]byte, 5)...), entries, segment.ErrShort},
		{"garbage after valid frames", append(bytes.Clone(full), garbage...), entries, errAnyTail},
		{"corrupted middle frame", corruptMiddle, entries[:3], segment.ErrCorrupt},
		{"bad length in middle frame", lengthMiddle, entries[:2], segment.ErrCorrupt},
		{"zeros right after header", append(segment.AppendHeader(nil, 5), make([]byte, 100)...), nil, segment.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := scanBytes(t, tt.file)
			require.Equal(t, uint64(5), res.SegmentID)
			if len(tt.entries) == 0 {
				require.Empty(t, res.Entries)
			} else {
				require.Equal(t, tt.entries, res.Entries)
			}
			checkEntries(t, tt.file, res)
			require.LessOrEqual(t, res.ValidSize, int64(len(tt.file)))
			switch {
			case tt.tailErr == errAnyTail:
				requireCorruptOrShort(t, res.TailErr)
			case tt.tailErr == nil:
				require.NoError(t, res.TailErr)
				require.Equal(t, int64(len(tt.file)), res.ValidSize)
			default:
				require.ErrorIs(t, res.TailErr, tt.tailErr)
				require.Less(t, res.ValidSize, int64(len(tt.file)))
			}
		})
	}
}

func TestScanTornAtEveryLength(t *testing.T) {
	full, entries := segmentFile(9, smallBatches(4)...)
	for n := segment.HeaderSize; n <= len(full); n++ {
		res := scanBytes(t, full[:n])
		// The valid prefix is every frame that fits whole.
		var want []segment.Entry
		validSize := int64(segment.HeaderSize)
		for _, e := range entries {
			if end := int64(e.Position) + int64(e.Length); end <= int64(n) {
				want = append(want, e)
				validSize = end
			}
		}
		require.Equal(t, validSize, res.ValidSize, "cut at %d", n)
		require.Len(t, res.Entries, len(want), "cut at %d", n)
		if validSize == int64(n) {
			require.NoError(t, res.TailErr, "cut at %d", n)
		} else {
			require.ErrorIs(t, res.TailErr, segment.ErrShort, "cut at %d", n)
		}
	}
}

func TestScanBitFlips(t *testing.T) {
	// A flipped bit in a frame ends the valid prefix at or before that
	// frame; frames before it are kept.
	full, entries := segmentFile(9, smallBatches(3)...)
	for bit := segment.HeaderSize * 8; bit < len(full)*8; bit++ {
		b := bytes.Clone(full)
		b[bit/8] ^= 1 << (bit % 8)
		res := scanBytes(t, b)
		checkEntries(t, b, res)
		requireCorruptOrShort(t, res.TailErr)
		for i, e := range entries {
			if int(e.Position) <= bit/8 && bit/8 < int(e.Position+uint64(e.Length)) {
				require.Len(t, res.Entries, i, "bit %d", bit)
				if i > 0 {
					require.Equal(t, entries[:i], res.Entries, "bit %d", bit)
				}
				require.Equal(t, int64(e.Position), res.ValidSize)
			}
		}
	}
}

func TestScanHeaderErrors(t *testing.T) {
	valid, _ := segmentFile(3, smallBatches(2)...)
	badCRC := bytes.Clone(valid)
	badCRC[16] ^= 1
	tests := []struct {
		name string
		file []byte
		size int64
		want error
	}{
		{"empty", nil, 0, segment.ErrShort},
		{"short header", valid[:segment.HeaderSize-1], segment.HeaderSize - 1, segment.ErrShort},
		{"size larger than data", valid[:10], segment.HeaderSize, io.EOF},
		{"bad magic", append([]byte("XXXXXXXX"), valid[8:]...), int64(len(valid)), segment.ErrCorrupt},
		{"bad CRC", badCRC, int64(len(badCRC)), segment.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := segment.Scan(bytes.NewReader(tt.file), tt.size)
			require.ErrorIs(t, err, tt.want)
		})
	}
}

func TestScanSizeArgument(t *testing.T) {
	full, entries := segmentFile(4, smallBatches(5)...)
	end2 := int64(entries[1].Position) + int64(entries[1].Length)

	// A size below the reader's length scans only that prefix.
	res, err := segment.Scan(bytes.NewReader(full), end2)
	require.NoError(t, err)
	require.Equal(t, entries[:2], res.Entries)
	require.Equal(t, end2, res.ValidSize)
	require.NoError(t, res.TailErr)

	// A size beyond what the reader holds is a torn tail.
	res, err = segment.Scan(bytes.NewReader(full), int64(len(full))+100)
	require.NoError(t, err)
	require.Equal(t, entries, res.Entries)
	require.Equal(t, int64(len(full)), res.ValidSize)
	require.ErrorIs(t, res.TailErr, segment.ErrShort)
}

// eofReader returns io.EOF along with a full read that ends at the end of
// the data, which io.ReaderAt allows.
type eofReader struct{ b []byte }

func (r eofReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := bytes.NewReader(r.b).ReadAt(p, off)
	if err == nil && off+int64(n) == int64(len(r.b)) {
		err = io.EOF
	}
	return n, err
}

// countingReader records the reads made.
type countingReader struct {
	r     io.ReaderAt
	reads int
	max   int
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.reads++
	c.max = max(c.max, len(p))
	return c.r.ReadAt(p, off)
}

// failingReader fails every read that touches [failAt, ∞).
type failingReader struct {
	b      []byte
	failAt int64
}

var errIO = errors.New("injected I/O error")

func (r failingReader) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > r.failAt {
		n := 0
		if off < r.failAt {
			n = copy(p, r.b[off:r.failAt])
		}
		return n, errIO
	}
	return copy(p, r.b[off:]), nil
}

func TestScanReaders(t *testing.T) {
	full, entries := segmentFile(4, smallBatches(5)...)

	res, err := segment.Scan(eofReader{full}, int64(len(full)))
	require.NoError(t, err)
	require.Equal(t, entries, res.Entries)
	require.NoError(t, res.TailErr)

	// A read error is reported as the tail error, not as a corrupt frame.
	failAt := int64(entries[0].Position) + 10
	res, err = segment.Scan(failingReader{full, failAt}, int64(len(full)))
	require.NoError(t, err)
	require.ErrorIs(t, res.TailErr, errIO)
	require.NotErrorIs(t, res.TailErr, segment.ErrCorrupt)
	require.Empty(t, res.Entries)

	_, err = segment.Scan(failingReader{full, 5}, int64(len(full)))
	require.ErrorIs(t, err, errIO)
}

const scanChunk = 4 << 20 // Scan's read size

func TestScanLargeFile(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var batches []batch
	size := segment.HeaderSize
	offsets := map[uint64]uint64{}
	add := func(uid uint64, dataSizes ...int) {
		recs := make([]segment.Record, len(dataSizes))
		for i, n := range dataSizes {
			recs[i] = segment.Record{PartitionKey: fmt.Sprintf("pk-%d", r.IntN(1000)), Data: randBytes(r, n)}
		}
		batches = append(batches, batch{
			h:    segment.BatchHeader{ShardUID: uid, FirstOffset: offsets[uid], ArrivalMillis: int64(len(batches))},
			recs: recs,
		})
		offsets[uid] += uint64(len(recs))
		size += segment.BatchSize(recs)
	}
	// About 10 MiB of frames between 1 byte and 700 KiB, so that frames
	// straddle the chunk boundaries, then one frame bigger than a chunk,
	// then more small frames.
	for size < 10<<20 {
		add(uint64(r.IntN(4)), r.IntN(700<<10), r.IntN(100))
	}
	add(99, 6<<20)
	for range 20 {
		add(uint64(r.IntN(4)), r.IntN(64<<10))
	}
	full, entries := segmentFile(12, batches...)
	require.Equal(t, size, len(full))

	straddles := 0
	for _, e := range entries {
		if e.Position/scanChunk != (e.Position+uint64(e.Length)-1)/scanChunk {
			straddles++
		}
	}
	require.Greater(t, straddles, 1, "test data must straddle chunk boundaries")

	t.Run("whole", func(t *testing.T) {
		cr := &countingReader{r: bytes.NewReader(full)}
		res, err := segment.Scan(cr, int64(len(full)))
		require.NoError(t, err)
		require.NoError(t, res.TailErr)
		require.Equal(t, entries, res.Entries)
		require.Equal(t, int64(len(full)), res.ValidSize)
		checkEntries(t, full, res)
		require.Greater(t, cr.reads, 3, "the file is read in chunks")
	})
	t.Run("torn inside the big frame", func(t *testing.T) {
		big := entries[slices.IndexFunc(entries, func(e segment.Entry) bool { return e.ShardUID == 99 })]
		require.Greater(t, big.Length, uint32(scanChunk))
		for _, cut := range []uint64{8, scanChunk - 1, scanChunk, scanChunk + 1, uint64(big.Length) - 1} {
			b := full[:big.Position+cut]
			res := scanBytes(t, b)
			require.Equal(t, int64(big.Position), res.ValidSize, "cut %d", cut)
			require.ErrorIs(t, res.TailErr, segment.ErrShort)
			checkEntries(t, b, res)
		}
	})
	t.Run("corrupt inside the big frame", func(t *testing.T) {
		i := slices.IndexFunc(entries, func(e segment.Entry) bool { return e.ShardUID == 99 })
		big := entries[i]
		b := bytes.Clone(full)
		b[big.Position+scanChunk+7] ^= 1
		res := scanBytes(t, b)
		require.Equal(t, entries[:i], res.Entries)
		require.Equal(t, int64(big.Position), res.ValidSize)
		require.ErrorIs(t, res.TailErr, segment.ErrCorrupt)
	})
	t.Run("torn at every chunk-relative cut", func(t *testing.T) {
		// Cuts around each multiple of the chunk size.
		for k := int64(1); k*scanChunk < int64(len(full)); k++ {
			for _, d := range []int64{-9, -1, 0, 1, 9} {
				n := k*scanChunk + d
				res := scanBytes(t, full[:n])
				checkEntries(t, full[:n], res)
				if res.ValidSize < n {
					require.ErrorIs(t, res.TailErr, segment.ErrShort)
				}
			}
		}
	})
}

func recordsOf(n, size int) []segment.Record {
	r := rand.New(rand.NewPCG(7, 8))
	recs := make([]segment.Record, n)
	for i := range recs {
		recs[i] = segment.Record{PartitionKey: fmt.Sprintf("partition-%04d", i), Data: randBytes(r, size)}
	}
	return recs
}

func BenchmarkAppendBatch(b *testing.B) {
	recs := recordsOf(500, 1<<10)
	h := segment.BatchHeader{ShardUID: 1, ArrivalMillis: 1_700_000_000_000}
	buf := make([]byte, 0, segment.BatchSize(recs))
	b.SetBytes(int64(segment.BatchSize(recs)))
	b.ReportAllocs()
	for b.Loop() {
		buf = segment.AppendBatch(buf[:0], h, recs)
	}
}

func BenchmarkDecodeBatch(b *testing.B) {
	recs := recordsOf(500, 1<<10)
	frame := segment.AppendBatch(nil, segment.BatchHeader{ShardUID: 1}, recs)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	var total int
	for b.Loop() {
		_, it, err := segment.DecodeBatch(frame)
		if err != nil {
			b.Fatal(err)
		}
		for it.Next() {
			total += len(it.Data())
		}
	}
	if total == 0 {
		b.Fatal("no data decoded")
	}
}
