package keyring

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCreateRotateReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "keyring.json")
	k, err := Open(path)
	require.NoError(t, err)
	_, _, err = k.Current("alias/x")
	require.ErrorIs(t, err, ErrKeyNotFound)

	require.NoError(t, k.Create("key-1", "alias/x"))
	require.Error(t, k.Create("key-2", "alias/x"), "alias taken")
	v, key1, err := k.Current("alias/x")
	require.NoError(t, err)
	require.Equal(t, uint32(1), v)
	require.Len(t, key1, KeySize)

	v2, err := k.Rotate("key-1")
	require.NoError(t, err)
	require.Equal(t, uint32(2), v2)
	v, key2, err := k.Current("key-1")
	require.NoError(t, err)
	require.Equal(t, uint32(2), v)
	require.NotEqual(t, key1, key2)
	old, err := k.Key("alias/x", 1)
	require.NoError(t, err)
	require.Equal(t, key1, old)
	_, err = k.Key("alias/x", 3)
	require.ErrorIs(t, err, ErrKeyNotFound)

	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	// Another process (here: another Keyring on the same file) sees the
	// rotation; a reopened keyring holds the same keys.
	k2, err := Open(path)
	require.NoError(t, err)
	_, err = k2.Rotate("alias/x")
	require.NoError(t, err)
	v, _, err = k.Current("alias/x")
	require.NoError(t, err)
	require.Equal(t, uint32(3), v)
	got, err := k2.Key("key-1", 1)
	require.NoError(t, err)
	require.Equal(t, key1, got)
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"not json":      "{",
		"unknown field": `{"keys":[],"extra":1}`,
		"short key":     `{"keys":[{"id":"a","versions":[{"version":1,"key":"AAAA"}]}]}`,
		"no versions":   `{"keys":[{"id":"a","versions":[]}]}`,
		"version zero":  `{"keys":[{"id":"a","versions":[{"version":0,"key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}]}]}`,
		"duplicate":     `{"keys":[{"id":"a","versions":[{"version":1,"key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}]},{"id":"a","versions":[{"version":1,"key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}]}]}`,
	} {
		path := filepath.Join(dir, name+".json")
		require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
		_, err := Open(path)
		require.Error(t, err, name)
	}
}
