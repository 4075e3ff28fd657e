package producer

import (
	"crypto/md5"
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func (h hashKey) big() *big.Int {
	b := new(big.Int).SetUint64(h.hi)
	return b.Lsh(b, 64).Or(b, new(big.Int).SetUint64(h.lo))
}

func TestParseHashKey(t *testing.T) {
	max128 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))
	tests := []struct {
		in string
		ok bool
	}{
		{"0", true},
		{"1", true},
		{"18446744073709551615", true},
		{"18446744073709551616", true},
		{max128.String(), true},
		{new(big.Int).Add(max128, big.NewInt(1)).String(), false},
		{"999999999999999999999999999999999999999", false}, // 39 digits, > 2^128
		{"1000000000000000000000000000000000000000", false},
		{"", false},
		{"-1", false},
		{"12a", false},
		{" 1", false},
	}
	for _, tt := range tests {
		h, ok := parseHashKey(tt.in)
		require.Equal(t, tt.ok, ok, tt.in)
		if ok {
			require.Equal(t, tt.in, h.big().String())
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		want := hashKey{hi: r.Uint64() >> r.IntN(64), lo: r.Uint64()}
		got, ok := parseHashKey(want.big().String())
		require.True(t, ok)
		require.Equal(t, want, got)
	}
}

func TestHashOfIsMD5BigEndian(t *testing.T) {
	for _, key := range []string{"a", "partition-key", "ünïcödé", strconv.Itoa(12345)} {
		sum := md5.Sum([]byte(key))
		require.Equal(t, new(big.Int).SetBytes(sum[:]).String(), hashOf(key).big().String())
	}
}

func TestLookupShard(t *testing.T) {
	// Four equal ranges, as Kinesis creates them.
	var ranges []shardRange
	quarter := hashKey{hi: 1 << 62}
	for i := range uint64(4) {
		start := hashKey{hi: i << 62}
		end := hashKey{hi: start.hi + quarter.hi - 1, lo: ^uint64(0)}
		ranges = append(ranges, shardRange{id: strconv.FormatUint(i, 10), start: start, end: end})
	}
	require.Equal(t, 0, lookupShard(ranges, hashKey{}))
	require.Equal(t, 0, lookupShard(ranges, hashKey{hi: 1<<62 - 1, lo: ^uint64(0)}))
	require.Equal(t, 1, lookupShard(ranges, hashKey{hi: 1 << 62}))
	require.Equal(t, 2, lookupShard(ranges, hashKey{hi: 2<<62 + 5}))
	require.Equal(t, 3, lookupShard(ranges, maxHashKey))
	require.Equal(t, 0, lookupShard(wholeRange, maxHashKey))
}
