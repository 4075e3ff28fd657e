package seqnum

import (
	"crypto/md5"
	"math/big"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHashKeyVectors(t *testing.T) {
	// Computed independently (Python hashlib + int.from_bytes(..., "big")).
	tests := []struct {
		key  string
		want string
	}{
		{"", "281949768489412648962353822266799178366"},
		{"a", "16955237001963240173058271559858726497"},
		{"partitionKey-1", "159499196025307651934328298402289840726"},
		{"héllo", "252973414135665226741597071662034525008"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			require.Equal(t, tt.want, HashKey(tt.key).String())
		})
	}
}

func TestHashKeyAgainstBig(t *testing.T) {
	for i := range 2000 {
		key := "key-" + strconv.Itoa(i)
		sum := md5.Sum([]byte(key))
		want := new(big.Int).SetBytes(sum[:])
		require.Equal(t, want.String(), HashKey(key).String(), key)
	}
	// Around the stack-buffer limit, and multi-byte UTF-8.
	for _, n := range []int{31, 32, 33, 255, 256, 257, 1000} {
		for _, unit := range []string{"x", "é", "😀"} {
			key := strings.Repeat(unit, n)
			sum := md5.Sum([]byte(key))
			want := new(big.Int).SetBytes(sum[:])
			require.Equal(t, want.String(), HashKey(key).String(), "%d x %q", n, unit)
		}
	}
}

func TestHashRangeContains(t *testing.T) {
	r := HashRange{Start: Uint128{Lo: 10}, End: Uint128{Hi: 1, Lo: 5}}
	tests := []struct {
		k    Uint128
		want bool
	}{
		{Uint128{}, false},
		{Uint128{Lo: 9}, false},
		{Uint128{Lo: 10}, true},
		{Uint128{Lo: ^uint64(0)}, true},
		{Uint128{Hi: 1}, true},
		{Uint128{Hi: 1, Lo: 5}, true},
		{Uint128{Hi: 1, Lo: 6}, false},
		{MaxUint128, false},
	}
	for _, tt := range tests {
		t.Run(tt.k.String(), func(t *testing.T) {
			require.Equal(t, tt.want, r.Contains(tt.k))
		})
	}
	whole := HashRange{End: MaxUint128}
	require.True(t, whole.Contains(Uint128{}))
	require.True(t, whole.Contains(MaxUint128))
}

func TestSplitHashRange(t *testing.T) {
	space := new(big.Int).Lsh(big.NewInt(1), 128)
	for _, n := range []int{1, 2, 3, 4, 7, 10, 1000, 4096} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			ranges := SplitHashRange(n)
			require.Len(t, ranges, n)
			width := new(big.Int).Quo(space, big.NewInt(int64(n)))
			require.Equal(t, Uint128{}, ranges[0].Start)
			require.Equal(t, MaxUint128, ranges[n-1].End)
			for i, r := range ranges {
				require.True(t, r.Start.Cmp(r.End) <= 0, "range %d empty", i)
				wantStart := new(big.Int).Mul(width, big.NewInt(int64(i)))
				require.Equal(t, wantStart.String(), r.Start.String(), "start of %d", i)
				if i < n-1 {
					// Contiguous, and exactly floor(2^128/n) keys wide.
					require.Equal(t, ranges[i+1].Start, r.End.Add64(1), "gap after %d", i)
					size := new(big.Int).Sub(toBig(r.End), toBig(r.Start))
					require.Equal(t, width.String(), size.Add(size, big.NewInt(1)).String(), "width of %d", i)
				}
			}
		})
	}
}

func TestSplitHashRangeAWS(t *testing.T) {
	// What CreateStream with 2 and 3 shards returns on AWS.
	two := SplitHashRange(2)
	require.Equal(t, "170141183460469231731687303715884105727", two[0].End.String())
	require.Equal(t, "170141183460469231731687303715884105728", two[1].Start.String())
	three := SplitHashRange(3)
	require.Equal(t, "113427455640312821154458202477256070484", three[0].End.String())
	require.Equal(t, "226854911280625642308916404954512140969", three[1].End.String())
	require.Equal(t, "226854911280625642308916404954512140970", three[2].Start.String())
}

func TestSplitHashRangeInvalid(t *testing.T) {
	require.Nil(t, SplitHashRange(0))
	require.Nil(t, SplitHashRange(-1))
}

func BenchmarkHashKey(b *testing.B) {
	for _, bm := range []struct {
		name string
		key  string
	}{
		{"short", "user-1234"},
		{"256B", string(make([]byte, 256))},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = HashKey(bm.key)
			}
		})
	}
}
