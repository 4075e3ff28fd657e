package compress

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/stretchr/testify/require"
)

func TestRoundTrip(t *testing.T) {
	data := []byte(strings.Repeat(`{"a":1,"b":"hello"}`+"\n", 40000)) // > one hadoop block
	decode := map[string]func([]byte) ([]byte, error){
		Uncompressed: func(b []byte) ([]byte, error) { return b, nil },
		GZIP: func(b []byte) ([]byte, error) {
			r, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return nil, err
			}
			return io.ReadAll(r)
		},
		Snappy: func(b []byte) ([]byte, error) { return io.ReadAll(snappy.NewReader(bytes.NewReader(b))) },
		ZIP: func(b []byte) ([]byte, error) {
			zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				return nil, err
			}
			require.Equal(t, "entry", zr.File[0].Name)
			f, err := zr.File[0].Open()
			if err != nil {
				return nil, err
			}
			return io.ReadAll(f)
		},
		HadoopSnappy: ReadHadoopSnappy,
	}
	for format, dec := range decode {
		var buf bytes.Buffer
		w, err := NewWriter(format, &buf, "entry")
		require.NoError(t, err)
		_, err = w.Write(data[:1000])
		require.NoError(t, err)
		_, err = w.Write(data[1000:])
		require.NoError(t, err)
		require.NoError(t, w.Close())
		got, err := dec(buf.Bytes())
		require.NoError(t, err, format)
		require.Equal(t, data, got, format)
		require.True(t, Valid(format))
	}
	_, err := NewWriter("LZO", io.Discard, "")
	require.Error(t, err)
	require.Equal(t, ".gz", Extension(GZIP))
}
