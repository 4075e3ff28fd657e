// Package compress writes the compression formats of Firehose output that
// is not converted to Parquet: GZIP, ZIP, Snappy (the framing format) and
// Hadoop-Snappy (Hadoop's BlockCompressorStream framing of raw Snappy
// blocks, readable by Hadoop, Spark and Hive).
//
// Writers are single-use and not safe for concurrent use.
package compress

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
)

// Formats, as the CompressionFormat field names them.
const (
	Uncompressed = "UNCOMPRESSED"
	GZIP         = "GZIP"
	ZIP          = "ZIP"
	Snappy       = "Snappy"
	HadoopSnappy = "HADOOP_SNAPPY"
)

// Valid reports whether f is a known format.
func Valid(f string) bool {
	switch f {
	case Uncompressed, GZIP, ZIP, Snappy, HadoopSnappy, "":
		return true
	}
	return false
}

// Extension returns the file extension Firehose gives objects of format f.
func Extension(f string) string {
	switch f {
	case GZIP:
		return ".gz"
	case ZIP:
		return ".zip"
	case Snappy, HadoopSnappy:
		return ".snappy"
	}
	return ""
}

// NewWriter returns a writer that compresses into w. entry names the single
// file inside a ZIP archive. Close flushes the compressor; it does not
// close w.
func NewWriter(format string, w io.Writer, entry string) (io.WriteCloser, error) {
	switch format {
	case Uncompressed, "":
		return nopCloser{w}, nil
	case GZIP:
		return gzip.NewWriter(w), nil
	case Snappy:
		return snappy.NewBufferedWriter(w), nil
	case HadoopSnappy:
		return &hadoopSnappyWriter{w: w, buf: make([]byte, 0, hadoopBlockSize)}, nil
	case ZIP:
		zw := zip.NewWriter(w)
		f, err := zw.Create(entry)
		if err != nil {
			return nil, err
		}
		return &zipWriter{zw: zw, f: f}, nil
	}
	return nil, fmt.Errorf("unknown compression format %q", format)
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

type zipWriter struct {
	zw *zip.Writer
	f  io.Writer
}

func (z *zipWriter) Write(p []byte) (int, error) { return z.f.Write(p) }
func (z *zipWriter) Close() error                { return z.zw.Close() }

// hadoopBlockSize is the uncompressed size of one Hadoop-Snappy block
// (Hadoop's io.compression.codec.snappy.buffersize default).
const hadoopBlockSize = 256 << 10

// hadoopSnappyWriter writes blocks of
//
//	uint32 BE uncompressed length | uint32 BE compressed length | snappy block
type hadoopSnappyWriter struct {
	w   io.Writer
	buf []byte
	out []byte
	err error
}

func (h *hadoopSnappyWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && h.err == nil {
		room := hadoopBlockSize - len(h.buf)
		take := min(room, len(p))
		h.buf = append(h.buf, p[:take]...)
		p = p[take:]
		if len(h.buf) == hadoopBlockSize {
			h.flush()
		}
	}
	if h.err != nil {
		return 0, h.err
	}
	return n, nil
}

func (h *hadoopSnappyWriter) flush() {
	if len(h.buf) == 0 || h.err != nil {
		return
	}
	h.out = snappy.Encode(h.out[:cap(h.out)], h.buf)
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[0:], uint32(len(h.buf)))
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(h.out)))
	if _, err := h.w.Write(hdr[:]); err != nil {
		h.err = err
		return
	}
	if _, err := h.w.Write(h.out); err != nil {
		h.err = err
	}
	h.buf = h.buf[:0]
}

func (h *hadoopSnappyWriter) Close() error {
	h.flush()
	return h.err
}

// ReadHadoopSnappy decodes a Hadoop-Snappy stream (for tests and tools).
func ReadHadoopSnappy(b []byte) ([]byte, error) {
	var out []byte
	for len(b) > 0 {
		if len(b) < 8 {
			return nil, fmt.Errorf("truncated hadoop-snappy block header")
		}
		raw := binary.BigEndian.Uint32(b[0:])
		clen := binary.BigEndian.Uint32(b[4:])
		b = b[8:]
		if uint32(len(b)) < clen {
			return nil, fmt.Errorf("truncated hadoop-snappy block")
		}
		d, err := snappy.Decode(nil, b[:clen])
		if err != nil {
			return nil, err
		}
		if uint32(len(d)) != raw {
			return nil, fmt.Errorf("hadoop-snappy block length %d, header says %d", len(d), raw)
		}
		out = append(out, d...)
		b = b[clen:]
	}
	return out, nil
}
