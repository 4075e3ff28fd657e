package catalog

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzDecodeStream feeds arbitrary stored values to the decoder and the
// validation Open runs on them: neither may panic, and a value accepted
// once must survive another encode and decode unchanged.
func FuzzDecodeStream(f *testing.F) {
	c, err := Open(f.TempDir() + "/catalog.db")
	require.NoError(f, err)
	s, err := c.CreateStream("s", 3, testNow, 0, "PROVISIONED", map[string]string{"k": "v"})
	require.NoError(f, err)
	s, err = c.AddShards("s", split(1, 7))
	require.NoError(f, err)
	require.NoError(f, c.Close())
	seed, err := json.Marshal(s)
	require.NoError(f, err)
	f.Add(seed)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"name":"x","id":1,"status":"ACTIVE","retention":3600000000000,"shards":[{"index":0,"uid":1,"parent":-1,"adjacent_parent":-1,"hash_start":"0","hash_end":"340282366920938463463374607431768211455"}]}`))
	f.Fuzz(func(t *testing.T, v []byte) {
		s, err := decodeStream(v)
		if err != nil || validateStream(s) != nil {
			return
		}
		again, err := json.Marshal(s)
		require.NoError(t, err)
		s2, err := decodeStream(again)
		require.NoError(t, err)
		require.NoError(t, validateStream(s2))
		require.Equal(t, cloneStream(s), cloneStream(s2))
	})
}
