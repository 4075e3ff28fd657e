package seqnum

import (
	"errors"
	"math/big"
	"regexp"
	"testing"
)

// kinesisDecimal is the pattern Kinesis gives for hash keys.
var kinesisDecimal = regexp.MustCompile(`^(0|([1-9]\d{0,38}))$`)

var seeds = []string{
	"", "0", "00", "1", "-1", "+1", " 1", "1 ", "007", "1e9", "0x1f",
	"18446744073709551615", "18446744073709551616",
	"170141183460469231731687303715884105727",
	"170141183460469231731687303715884105728",
	"170141183460469231731687303720179073025",
	"340282366920938463463374607431768211455",
	"340282366920938463463374607431768211456",
	"999999999999999999999999999999999999999",
	"1000000000000000000000000000000000000000",
}

// checkUint128 checks ParseUint128 against the pattern and math/big.
func checkUint128(t *testing.T, s string) (Uint128, bool) {
	u, err := ParseUint128(s)
	if !kinesisDecimal.MatchString(s) {
		if !errors.Is(err, ErrSyntax) {
			t.Fatalf("ParseUint128(%q) = %v, %v; want ErrSyntax", s, u, err)
		}
		return Uint128{}, false
	}
	want, _ := new(big.Int).SetString(s, 10)
	if want.BitLen() > 128 {
		if !errors.Is(err, ErrRange) {
			t.Fatalf("ParseUint128(%q) = %v, %v; want ErrRange", s, u, err)
		}
		return Uint128{}, false
	}
	if err != nil {
		t.Fatalf("ParseUint128(%q): %v", s, err)
	}
	if toBig(u).Cmp(want) != 0 {
		t.Fatalf("ParseUint128(%q) = %s, want %s", s, toBig(u), want)
	}
	if got := u.String(); got != s {
		t.Fatalf("ParseUint128(%q).String() = %q", s, got)
	}
	return u, true
}

func FuzzParseUint128(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkUint128(t, s)
	})
}

func FuzzParseSequence(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add(FormatSequence(0, 0))
	f.Add(FormatSequence(^uint64(0), ^uint32(0)))
	f.Add(FormatSequence(123456789, 42))
	f.Fuzz(func(t *testing.T, s string) {
		counter, shard, err := ParseSequence(s)
		u, ok := checkUint128(t, s)
		if !ok {
			if err == nil {
				t.Fatalf("ParseSequence(%q) accepted what ParseUint128 rejects", s)
			}
			return
		}
		if u.Hi>>32 != 1<<31 {
			if !errors.Is(err, ErrNotEddySequence) {
				t.Fatalf("ParseSequence(%q) = %d, %d, %v; want ErrNotEddySequence", s, counter, shard, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("ParseSequence(%q): %v", s, err)
		}
		if got := FormatSequence(counter, shard); got != s {
			t.Fatalf("FormatSequence(ParseSequence(%q)) = %q", s, got)
		}
		if Sequence(counter, shard) != u {
			t.Fatalf("Sequence(%d, %d) = %v, want %v", counter, shard, Sequence(counter, shard), u)
		}
	})
}
