package seqnum

import (
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// toBig converts u to a big.Int: the reference the tests compare against.
func toBig(u Uint128) *big.Int {
	b := new(big.Int).SetUint64(u.Hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(u.Lo))
}

// fromBig converts b, which must be in [0, 2^128-1].
func fromBig(t testing.TB, b *big.Int) Uint128 {
	t.Helper()
	require.True(t, b.Sign() >= 0 && b.BitLen() <= 128, "out of range: %s", b)
	lo := new(big.Int).And(b, new(big.Int).SetUint64(^uint64(0)))
	hi := new(big.Int).Rsh(b, 64)
	return Uint128{Hi: hi.Uint64(), Lo: lo.Uint64()}
}

// randomUint128 returns a value with a random bit length, so that small
// and large values are both common.
func randomUint128(r *rand.Rand) Uint128 {
	u := Uint128{Hi: r.Uint64(), Lo: r.Uint64()}
	shift := r.IntN(129)
	switch {
	case shift >= 128:
		return Uint128{}
	case shift >= 64:
		return Uint128{Lo: u.Hi >> (shift - 64)}
	case shift > 0:
		return Uint128{Hi: u.Hi >> shift, Lo: u.Lo>>shift | u.Hi<<(64-shift)}
	}
	return u
}

func TestParseUint128(t *testing.T) {
	tests := []struct {
		in   string
		want Uint128
		err  error
	}{
		{in: "0", want: Uint128{}},
		{in: "1", want: Uint128{Lo: 1}},
		{in: "9", want: Uint128{Lo: 9}},
		{in: "10", want: Uint128{Lo: 10}},
		{in: "9999999999999999999", want: Uint128{Lo: 9999999999999999999}},
		{in: "10000000000000000000", want: Uint128{Lo: 10000000000000000000}},
		{in: "18446744073709551615", want: Uint128{Lo: ^uint64(0)}},
		{in: "18446744073709551616", want: Uint128{Hi: 1}},
		{in: "170141183460469231731687303715884105728", want: Uint128{Hi: 1 << 63}},
		{in: "340282366920938463463374607431768211455", want: MaxUint128},
		{in: "340282366920938463463374607431768211456", err: ErrRange},
		{in: "999999999999999999999999999999999999999", err: ErrRange},
		{in: "9999999999999999999999999999999999999999", err: ErrSyntax}, // 40 digits
		{in: "3402823669209384634633746074317682114550", err: ErrSyntax},
		{in: "", err: ErrSyntax},
		{in: "00", err: ErrSyntax},
		{in: "007", err: ErrSyntax},
		{in: "01", err: ErrSyntax},
		{in: "+1", err: ErrSyntax},
		{in: "-1", err: ErrSyntax},
		{in: "-0", err: ErrSyntax},
		{in: " 1", err: ErrSyntax},
		{in: "1 ", err: ErrSyntax},
		{in: "1 2", err: ErrSyntax},
		{in: "1_000", err: ErrSyntax},
		{in: "0x10", err: ErrSyntax},
		{in: "1e3", err: ErrSyntax},
		{in: "12a", err: ErrSyntax},
		{in: "١٢", err: ErrSyntax}, // Arabic-Indic digits
		{in: "34028236692093846346337460743176821145a", err: ErrSyntax},
		{in: "99999999999999999999999999999999999999x", err: ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseUint128(tt.in)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				require.Equal(t, Uint128{}, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.in, got.String())
		})
	}
}

func TestParseUint128ErrorMessage(t *testing.T) {
	_, err := ParseUint128(strings.Repeat("7", 1000))
	require.ErrorIs(t, err, ErrSyntax)
	require.Less(t, len(err.Error()), 100, "long input must be cut short: %v", err)
}

func TestUint128String(t *testing.T) {
	tests := []struct {
		in   Uint128
		want string
	}{
		{Uint128{}, "0"},
		{Uint128{Lo: 1}, "1"},
		{Uint128{Lo: ^uint64(0)}, "18446744073709551615"},
		{Uint128{Hi: 1}, "18446744073709551616"},
		{Uint128{Hi: 1, Lo: 1}, "18446744073709551617"},
		{Uint128{Hi: 5421010862427522170, Lo: 687399551400673280}, "100000000000000000000000000000000000000"}, // 10^38
		{Uint128{Hi: 5421010862427522170, Lo: 687399551400673279}, "99999999999999999999999999999999999999"},
		{Uint128{Hi: 1 << 63}, "170141183460469231731687303715884105728"},
		{MaxUint128, "340282366920938463463374607431768211455"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			require.Equal(t, tt.want, tt.in.String())
			require.Equal(t, toBig(tt.in).String(), tt.in.String())
		})
	}
}

func TestUint128AgainstBig(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	mod := new(big.Int).Lsh(big.NewInt(1), 128)
	for range 20000 {
		u, v := randomUint128(r), randomUint128(r)
		x := r.Uint64()
		bu, bv := toBig(u), toBig(v)

		s := u.String()
		require.Equal(t, bu.String(), s)
		parsed, err := ParseUint128(s)
		require.NoError(t, err)
		require.Equal(t, u, parsed)

		require.Equal(t, bu.Cmp(bv), u.Cmp(v), "%s cmp %s", u, v)
		require.Equal(t, 0, u.Cmp(u))
		require.Equal(t, bu.Sign() == 0, u.IsZero())

		bx := new(big.Int).SetUint64(x)
		sum := new(big.Int).Add(bu, bx)
		require.Equal(t, fromBig(t, sum.Mod(sum, mod)), u.Add64(x), "%s + %d", u, x)
		diff := new(big.Int).Sub(bu, bx)
		require.Equal(t, fromBig(t, diff.Mod(diff, mod)), u.Sub64(x), "%s - %d", u, x)
		prod := new(big.Int).Mul(bu, bx)
		require.Equal(t, fromBig(t, new(big.Int).Mod(prod, mod)), u.mul64(x), "%s * %d", u, x)

		a := r.Uint64()
		got, overflow := u.mulAdd64(x, a)
		want := prod.Add(prod, new(big.Int).SetUint64(a))
		require.Equal(t, want.BitLen() > 128, overflow, "%s * %d + %d", u, x, a)
		if !overflow {
			require.Equal(t, fromBig(t, want), got)
		}

		if x != 0 {
			q, rem := u.divMod64(x)
			bq, brem := new(big.Int).QuoRem(bu, bx, new(big.Int))
			require.Equal(t, fromBig(t, bq), q, "%s / %d", u, x)
			require.Equal(t, brem.Uint64(), rem, "%s %% %d", u, x)
		}
	}
}

func TestUint128Wraps(t *testing.T) {
	require.Equal(t, Uint128{}, MaxUint128.Add64(1))
	require.Equal(t, MaxUint128, Uint128{}.Sub64(1))
	require.Equal(t, Uint128{Hi: 1}, Uint128{Lo: ^uint64(0)}.Add64(1))
	require.Equal(t, Uint128{Lo: ^uint64(0)}, Uint128{Hi: 1}.Sub64(1))
}

func BenchmarkUint128String(b *testing.B) {
	for _, bm := range []struct {
		name string
		u    Uint128
	}{
		{"small", Uint128{Lo: 123456789}},
		{"max", MaxUint128},
		{"sequence", Sequence(1<<40, 7)},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = bm.u.String()
			}
		})
	}
}

func BenchmarkParseUint128(b *testing.B) {
	s := MaxUint128.String()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseUint128(s); err != nil {
			b.Fatal(err)
		}
	}
}
