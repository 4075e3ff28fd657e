package segment_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/eddy-streaming/eddy/internal/storage/segment"
)

// Random bytes almost never carry a matching CRC, which would leave
// everything behind the CRC check unexplored. So the targets take a flag
// that makes them fix the CRCs of the input before decoding it.

// fixFrameCRCAt rewrites, in place, the CRC of the frame at the start of b
// if its length field is in range and the frame lies in b.
func fixFrameCRCAt(b []byte) (int, bool) {
	n, err := segment.FrameLength(b)
	if err != nil || n > len(b) {
		return 0, false
	}
	fixFrameCRC(b[:n])
	return n, true
}

func seedFrames() [][]byte {
	return [][]byte{
		segment.AppendBatch(nil, segment.BatchHeader{ShardUID: 1, FirstOffset: 0, ArrivalMillis: 1}, []segment.Record{{PartitionKey: "k", Data: []byte("v")}}),
		segment.AppendBatch(nil, segment.BatchHeader{ShardUID: 2, FirstOffset: 10, ArrivalMillis: -1}, []segment.Record{{}, {PartitionKey: "a"}, {Data: []byte{0, 1}}}),
		segment.AppendBatch(nil, segment.BatchHeader{ShardUID: 3}, []segment.Record{{PartitionKey: sized(128), Data: []byte(sized(130))}}),
		segment.AppendBatch(nil, segment.BatchHeader{ShardUID: 4}, recordsOf(5, 20)),
		craftFrame(1, 0, 0, 0, nil),
		craftFrame(1, 0, 2, 0, rec("k", "v")),
		craftFrame(1, 0, 1, 0, []byte{0x81, 0x00, 'k', 0x00}),
		craftFrame(1, 0, 1, 0, append(rec("k", "v"), 0)),
	}
}

func FuzzDecodeBatch(f *testing.F) {
	for _, fr := range seedFrames() {
		f.Add(fr, false)
		f.Add(fr, true)
		f.Add(fr[:len(fr)-1], false)
		f.Add(append(bytes.Clone(fr), fr...), false)
	}
	f.Add([]byte{}, false)
	f.Add(make([]byte, 64), true)

	f.Fuzz(func(t *testing.T, b []byte, fixCRC bool) {
		if fixCRC {
			b = bytes.Clone(b)
			fixFrameCRCAt(b)
		}
		h, it, err := segment.DecodeBatch(b)
		if err != nil {
			if !errors.Is(err, segment.ErrCorrupt) && !errors.Is(err, segment.ErrShort) {
				t.Fatalf("error wraps neither ErrCorrupt nor ErrShort: %v", err)
			}
			if it.Next() {
				t.Fatal("records from a rejected frame")
			}
			return
		}
		n, err := segment.FrameLength(b)
		if err != nil {
			t.Fatalf("DecodeBatch accepted a frame FrameLength rejects: %v", err)
		}
		var recs []segment.Record
		for it.Next() {
			recs = append(recs, segment.Record{PartitionKey: string(it.PartitionKey()), Data: it.Data()})
		}
		if it.Err() != nil {
			t.Fatalf("iteration failed after a successful decode: %v", it.Err())
		}
		if uint32(len(recs)) != h.Count || h.Count == 0 {
			t.Fatalf("header count %d, %d records", h.Count, len(recs))
		}
		if got := segment.BatchSize(recs); got != n {
			t.Fatalf("BatchSize %d, frame length %d", got, n)
		}
		if again := segment.AppendBatch(nil, h, recs); !bytes.Equal(again, b[:n]) {
			t.Fatalf("re-encoding differs from the input frame\ninput: %x\nagain: %x", b[:n], again)
		}
	})
}

// fixFrameCRCs walks b as a sequence of frames and fixes each one's CRC,
// stopping at the first frame that does not fit.
func fixFrameCRCs(b []byte) {
	for {
		n, ok := fixFrameCRCAt(b)
		if !ok {
			return
		}
		b = b[n:]
	}
}

func FuzzScan(f *testing.F) {
	frames := seedFrames()
	var all []byte
	for _, fr := range frames[:4] {
		all = append(all, fr...)
	}
	f.Add([]byte{}, false)
	f.Add(all, false)
	f.Add(all[:len(all)-3], false)
	f.Add(append(bytes.Clone(all), make([]byte, 40)...), false)
	f.Add(append(bytes.Clone(all), 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04, 0x05), false)
	for _, fr := range frames {
		f.Add(fr, false)
		f.Add(append(bytes.Clone(frames[0]), fr...), true)
	}

	f.Fuzz(func(t *testing.T, tail []byte, fixCRCs bool) {
		const id = 7
		if fixCRCs {
			tail = bytes.Clone(tail)
			fixFrameCRCs(tail)
		}
		file := append(segment.AppendHeader(nil, id), tail...)
		size := int64(len(file))
		res, err := segment.Scan(bytes.NewReader(file), size)
		if err != nil {
			t.Fatalf("Scan failed with a valid header: %v", err)
		}
		if res.SegmentID != id {
			t.Fatalf("segment ID %d", res.SegmentID)
		}
		if res.ValidSize < segment.HeaderSize || res.ValidSize > size {
			t.Fatalf("ValidSize %d out of [%d, %d]", res.ValidSize, segment.HeaderSize, size)
		}
		if (res.TailErr == nil) != (res.ValidSize == size) {
			t.Fatalf("ValidSize %d of %d with TailErr %v", res.ValidSize, size, res.TailErr)
		}
		if res.TailErr != nil && !errors.Is(res.TailErr, segment.ErrCorrupt) && !errors.Is(res.TailErr, segment.ErrShort) {
			t.Fatalf("TailErr wraps neither ErrCorrupt nor ErrShort: %v", res.TailErr)
		}
		pos := int64(segment.HeaderSize)
		for i, e := range res.Entries {
			if int64(e.Position) != pos {
				t.Fatalf("entry %d at %d, want %d", i, e.Position, pos)
			}
			end := pos + int64(e.Length)
			if end > res.ValidSize {
				t.Fatalf("entry %d ends at %d, past ValidSize %d", i, end, res.ValidSize)
			}
			h, it, err := segment.DecodeBatch(file[pos:end])
			if err != nil {
				t.Fatalf("entry %d does not re-decode: %v", i, err)
			}
			if h != (segment.BatchHeader{ShardUID: e.ShardUID, FirstOffset: e.FirstOffset, Count: e.Count, ArrivalMillis: e.ArrivalMillis}) {
				t.Fatalf("entry %d: %+v, frame header %+v", i, e, h)
			}
			var n uint32
			for it.Next() {
				n++
			}
			if n != e.Count {
				t.Fatalf("entry %d: count %d, %d records", i, e.Count, n)
			}
			pos = end
		}
		if pos != res.ValidSize {
			t.Fatalf("entries end at %d, ValidSize %d", pos, res.ValidSize)
		}
	})
}

// fixIndexCRCs fixes, in place, the summary CRC of an index and, if the
// entry section fits, its CRC.
func fixIndexCRCs(b []byte) {
	n, err := segment.SummaryPrefixSize(b)
	if err != nil || n > len(b) {
		return
	}
	binary.LittleEndian.PutUint32(b[n-4:], crc32c(b[:n-4]))
	m := int(binary.LittleEndian.Uint32(b[24:28]))*segment.EntrySize + 4
	if m <= len(b)-n {
		binary.LittleEndian.PutUint32(b[n+m-4:], crc32c(b[n:n+m-4]))
	}
}

func FuzzDecodeIndex(f *testing.F) {
	for _, es := range [][]segment.Entry{nil, {ent(1, 0, 1, 1)}, manyEntries(4)} {
		b, _ := encodeIndex(5, append([]segment.Entry(nil), es...))
		f.Add(b, uint32(len(es)), false)
		f.Add(b, uint32(len(es)), true)
		f.Add(b[:len(b)-1], uint32(len(es)), false)
	}
	f.Add([]byte("EDDYIDX\x00\x01\x00\x00\x00\xff\xff\xff\xff"), uint32(0), false)
	f.Add(make([]byte, 100), uint32(2), true)

	f.Fuzz(func(t *testing.T, b []byte, count uint32, fixCRCs bool) {
		if fixCRCs {
			b = bytes.Clone(b)
			fixIndexCRCs(b)
		}
		checkErr := func(err error) {
			if err != nil && !errors.Is(err, segment.ErrCorrupt) && !errors.Is(err, segment.ErrShort) {
				t.Fatalf("error wraps neither ErrCorrupt nor ErrShort: %v", err)
			}
		}
		// Entries decode from any bytes.
		if es, err := segment.DecodeEntries(b, count); err == nil {
			if len(es) != int(count) {
				t.Fatalf("%d entries, want %d", len(es), count)
			}
		} else {
			checkErr(err)
		}

		n, err := segment.SummaryPrefixSize(b)
		checkErr(err)
		s, err := segment.DecodeIndexSummary(b)
		checkErr(err)
		if err != nil {
			return
		}
		if s.EntriesOffset != int64(n) || n != segment.IndexHeaderSize+len(s.Shards)*segment.ShardRowSize+4 {
			t.Fatalf("EntriesOffset %d, prefix size %d, %d rows", s.EntriesOffset, n, len(s.Shards))
		}
		for _, r := range s.Shards {
			if uint64(r.EntryStart)+uint64(r.EntryCount) > uint64(s.Entries) || r.EndOffset < r.FirstOffset {
				t.Fatalf("row out of range accepted: %+v with %d entries", r, s.Entries)
			}
		}
		rest := b[s.EntriesOffset:]
		es, err := segment.DecodeEntries(rest, s.Entries)
		checkErr(err)
		if err != nil {
			return
		}
		// With a zero reserved field, the index re-encodes to its bytes.
		if bytes.Equal(b[28:32], []byte{0, 0, 0, 0}) {
			again := segment.AppendIndex(nil, s.SegmentID, s.Shards, es)
			if !bytes.Equal(again, b[:len(again)]) {
				t.Fatalf("re-encoding differs\ninput: %x\nagain: %x", b[:len(again)], again)
			}
		}
	})
}
