package storage

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/keyring"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
	"github.com/eddy-streaming/eddy/internal/storage/segment"
)

func setKey(t testing.TB, s *Store, stream, keyID string) {
	t.Helper()
	_, err := s.UpdateStream(stream, func(m *catalog.Stream) error {
		if m.Attrs == nil {
			m.Attrs = map[string]string{}
		}
		if keyID == "" {
			delete(m.Attrs, AttrEncryptionKeyID)
		} else {
			m.Attrs[AttrEncryptionKeyID] = keyID
		}
		return nil
	})
	require.NoError(t, err)
}

func TestEncryptionAtRest(t *testing.T) {
	dir := t.TempDir()
	kr, err := keyring.Open(filepath.Join(dir, "keyring.json"))
	require.NoError(t, err)
	require.NoError(t, kr.Create("key-a", "alias/a"))
	opts := Options{Dir: dir, Keyring: kr}
	s, err := Open(opts)
	require.NoError(t, err)
	_, err = s.CreateStream("s", 1, 0, "", nil)
	require.NoError(t, err)
	ctx := context.Background()
	put := func(s *Store, data string) {
		res, err := s.Append(ctx, "s", 0, []Record{rec("k", data)})
		require.NoError(t, err)
		require.NoError(t, res[0].Err)
	}
	put(s, "plain-before")
	setKey(t, s, "s", "alias/a")
	put(s, "SECRET-v1")
	_, err = kr.Rotate("alias/a")
	require.NoError(t, err)
	put(s, "SECRET-v2")
	setKey(t, s, "s", "")
	put(s, "plain-after")
	require.NoError(t, s.Close())

	// The secrets are not on disk in the clear; everything survives a
	// restart and the rotation.
	seg, err := os.ReadFile(filepath.Join(logDir(dir), segmentName(1)))
	require.NoError(t, err)
	require.False(t, bytes.Contains(seg, []byte("SECRET")))
	require.True(t, bytes.Contains(seg, []byte("plain-before")))
	s, err = Open(opts)
	require.NoError(t, err)
	var got []string
	for _, r := range readAll(t, s, "s", 0) {
		got = append(got, string(r.Data))
	}
	require.Equal(t, []string{"plain-before", "SECRET-v1", "SECRET-v2", "plain-after"}, got)

	// A stream naming a key the keyring lacks refuses writes clearly.
	setKey(t, s, "s", "alias/missing")
	res, err := s.Append(ctx, "s", 0, []Record{rec("k", "x")})
	require.NoError(t, err)
	require.ErrorIs(t, res[0].Err, ErrKeyUnavailable)
	require.ErrorContains(t, res[0].Err, "alias/missing")
	require.NoError(t, s.Close())

	// Without the keyring, encrypted records cannot be read: a clear error,
	// never ciphertext.
	s, err = Open(Options{Dir: dir})
	require.NoError(t, err)
	_, err = s.Read("s", 0, 1, 10, 1<<20)
	require.ErrorIs(t, err, ErrKeyUnavailable)
	r, err := s.Read("s", 0, 0, 1, 1<<20)
	require.NoError(t, err)
	require.Equal(t, "plain-before", string(r.Records[0].Data))
	require.NoError(t, s.Close())

	// Tampered ciphertext, with the frame CRC recomputed so only
	// authentication can catch it, is detected and never served.
	res0, err := segment.Scan(bytes.NewReader(seg), int64(len(seg)))
	require.NoError(t, err)
	e := res0.Entries[1] // the SECRET-v1 batch
	frame := seg[e.Position : e.Position+uint64(e.Length)]
	frame[len(frame)-20] ^= 0x01
	fixFrameCRC(frame)
	require.NoError(t, os.WriteFile(filepath.Join(logDir(dir), segmentName(1)), seg, 0o644))
	s, err = Open(opts)
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Read("s", 0, 1, 10, 1<<20)
	require.ErrorIs(t, err, ErrCorrupt)
	r, err = s.Read("s", 0, 2, 10, 1<<20)
	require.NoError(t, err)
	require.Equal(t, "SECRET-v2", string(r.Records[0].Data))
}

func fixFrameCRC(f []byte) {
	c := segment.Checksum(f[8:])
	f[4], f[5], f[6], f[7] = byte(c), byte(c>>8), byte(c>>16), byte(c>>24)
}
