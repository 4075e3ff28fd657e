package seqnum

import (
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// referenceSequence computes the sequence number with math/big.
func referenceSequence(counter uint64, shardIndex uint32) string {
	v := new(big.Int).Lsh(big.NewInt(1), 127)
	v.Or(v, new(big.Int).Lsh(new(big.Int).SetUint64(counter), 32))
	v.Or(v, big.NewInt(int64(shardIndex)))
	return v.String()
}

func TestFormatSequence(t *testing.T) {
	tests := []struct {
		counter uint64
		shard   uint32
		want    string
	}{
		{0, 0, "170141183460469231731687303715884105728"},
		{0, 1, "170141183460469231731687303715884105729"},
		{1, 0, "170141183460469231731687303720179073024"},
		{^uint64(0), ^uint32(0), "170141183539697394245951641309428056063"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := FormatSequence(tt.counter, tt.shard)
			require.Equal(t, tt.want, got)
			require.Equal(t, referenceSequence(tt.counter, tt.shard), got)
			require.Equal(t, got, Sequence(tt.counter, tt.shard).String())
			counter, shard, err := ParseSequence(got)
			require.NoError(t, err)
			require.Equal(t, tt.counter, counter)
			require.Equal(t, tt.shard, shard)
		})
	}
}

func TestSequenceRoundTripAndOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	type seq struct {
		counter uint64
		shard   uint32
	}
	randomSeq := func() seq {
		// Mix small and large counters.
		return seq{counter: r.Uint64() >> r.IntN(64), shard: r.Uint32() >> r.IntN(32)}
	}
	for range 20000 {
		a, b := randomSeq(), randomSeq()
		sa, sb := FormatSequence(a.counter, a.shard), FormatSequence(b.counter, b.shard)
		require.Len(t, sa, SequenceDigits)
		require.Equal(t, referenceSequence(a.counter, a.shard), sa)

		counter, shard, err := ParseSequence(sa)
		require.NoError(t, err)
		require.Equal(t, a, seq{counter, shard})

		// String order is numeric order.
		require.Equal(t,
			Sequence(a.counter, a.shard).Cmp(Sequence(b.counter, b.shard)),
			strings.Compare(sa, sb), "%s vs %s", sa, sb)
		// Within a shard, a higher counter gives a higher number.
		if a.counter != b.counter {
			less := a.counter < b.counter
			require.Equal(t, less, FormatSequence(a.counter, 9) < FormatSequence(b.counter, 9))
		}
	}
}

func TestParseSequence(t *testing.T) {
	tests := []struct {
		name string
		in   string
		err  error
	}{
		{"empty", "", ErrSyntax},
		{"sign", "+170141183460469231731687303715884105728", ErrSyntax},
		{"space", " 170141183460469231731687303715884105728", ErrSyntax},
		{"letter", "17014118346046923173168730371588410572x", ErrSyntax},
		{"leading zero", "0170141183460469231731687303715884105728", ErrSyntax},
		{"too long", strings.Repeat("1", 40), ErrSyntax},
		{"very long", strings.Repeat("1", 200), ErrSyntax},
		{"over 128 bits", "340282366920938463463374607431768211456", ErrRange},
		{"zero", "0", ErrNotEddySequence},
		{"small", "12345", ErrNotEddySequence},
		{"bit 127 unset", "170141183460469231731687303715884105727", ErrNotEddySequence},
		{"reserved bit 126", new(big.Int).Lsh(big.NewInt(3), 126).String(), ErrNotEddySequence},
		{"reserved bit 96", new(big.Int).Or(new(big.Int).Lsh(big.NewInt(1), 127), new(big.Int).Lsh(big.NewInt(1), 96)).String(), ErrNotEddySequence},
		{"max", MaxUint128.String(), ErrNotEddySequence},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			counter, shard, err := ParseSequence(tt.in)
			require.ErrorIs(t, err, tt.err)
			require.Zero(t, counter)
			require.Zero(t, shard)
		})
	}
}

func BenchmarkFormatSequence(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = FormatSequence(1<<40, 3)
	}
}

func BenchmarkParseSequence(b *testing.B) {
	s := FormatSequence(1<<40, 3)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseSequence(s); err != nil {
			b.Fatal(err)
		}
	}
}
