package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/keyring"
)

func TestKeyringCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyring.json")
	run := func(args ...string) (string, error) {
		root := newRootCmd()
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetArgs(append([]string{"keyring", "--keyring", path}, args...))
		err := root.Execute()
		return out.String(), err
	}
	out, err := run("list")
	require.NoError(t, err)
	require.Empty(t, out)
	_, err = run("create", "arn:aws:kms:us-east-1:000000000000:key/k1", "--alias", "alias/orders")
	require.NoError(t, err)
	out, err = run("rotate", "alias/orders")
	require.NoError(t, err)
	require.Contains(t, out, "version 2")
	_, err = run("rotate", "alias/nope")
	require.ErrorIs(t, err, keyring.ErrKeyNotFound)
	out, err = run("list")
	require.NoError(t, err)
	require.Contains(t, out, "arn:aws:kms:us-east-1:000000000000:key/k1  [alias/orders]  2")

	kr, err := keyring.Open(path)
	require.NoError(t, err)
	v, key, err := kr.Current("alias/orders")
	require.NoError(t, err)
	require.Equal(t, uint32(2), v)
	require.NotContains(t, out, string(key))
}
