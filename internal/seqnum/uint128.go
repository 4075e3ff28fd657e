package seqnum

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
)

// Errors returned by the parsers. They come wrapped with the input; test
// with errors.Is.
var (
	// ErrSyntax means the input is not a decimal number matching the
	// Kinesis pattern 0|([1-9]\d{0,38}): no sign, no spaces, no leading
	// zeros, at most 39 digits.
	ErrSyntax = errors.New("invalid syntax")
	// ErrRange means the input is well formed but greater than 2^128-1.
	ErrRange = errors.New("value out of range")
)

// MaxDigits is the most decimal digits a Uint128 has (2^128-1 has 39).
const MaxDigits = 39

// Uint128 is an unsigned 128-bit integer: Hi holds bits 127..64, Lo bits
// 63..0. The zero value is 0.
type Uint128 struct{ Hi, Lo uint64 }

// MaxUint128 is 2^128-1, the largest hash key.
var MaxUint128 = Uint128{Hi: ^uint64(0), Lo: ^uint64(0)}

// ten19 is 10^19, the largest power of ten below 2^64: Uint128 values are
// converted in chunks of 19 digits.
const ten19 = 10_000_000_000_000_000_000

// ParseUint128 parses a decimal string matching 0|([1-9]\d{0,38}). It
// returns an error wrapping ErrSyntax when s does not match the pattern
// (including strings longer than 39 digits) and one wrapping ErrRange when
// s matches but its value exceeds 2^128-1.
func ParseUint128(s string) (Uint128, error) {
	if !validDecimal(s) {
		return Uint128{}, fmt.Errorf("parse uint128 %s: %w", quote(s), ErrSyntax)
	}
	u, ok := decimalValue(s)
	if !ok {
		return Uint128{}, fmt.Errorf("parse uint128 %s: %w", quote(s), ErrRange)
	}
	return u, nil
}

// validDecimal reports whether s matches 0|([1-9]\d{0,38}).
func validDecimal(s string) bool {
	if len(s) == 0 || len(s) > MaxDigits {
		return false
	}
	if s[0] == '0' {
		return len(s) == 1
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// decimalValue converts s, which validDecimal accepted, and reports false
// on overflow.
func decimalValue(s string) (Uint128, bool) {
	first := len(s) % 19
	if first == 0 {
		first = 19
	}
	u := Uint128{Lo: chunkValue(s[:first])}
	for i := first; i < len(s); i += 19 {
		var overflow bool
		u, overflow = u.mulAdd64(ten19, chunkValue(s[i:i+19]))
		if overflow {
			return Uint128{}, false
		}
	}
	return u, true
}

// chunkValue converts at most 19 decimal digits, which cannot overflow.
func chunkValue(s string) uint64 {
	var v uint64
	for i := 0; i < len(s); i++ {
		v = v*10 + uint64(s[i]-'0')
	}
	return v
}

// quote quotes s for an error message, cutting it short if it is long.
func quote(s string) string {
	const limit = 48
	if len(s) > limit {
		return strconv.Quote(s[:limit]) + "..."
	}
	return strconv.Quote(s)
}

// String returns u in decimal, without leading zeros.
func (u Uint128) String() string {
	if u.Hi == 0 {
		return strconv.FormatUint(u.Lo, 10)
	}
	var buf [MaxDigits]byte
	return string(u.appendDecimal(buf[:0]))
}

// appendDecimal appends u in decimal to b.
func (u Uint128) appendDecimal(b []byte) []byte {
	if u.Hi == 0 {
		return strconv.AppendUint(b, u.Lo, 10)
	}
	// u >= 2^64 > 10^19, so it has two or three chunks of 19 digits.
	q1, r0 := u.divMod64(ten19)
	if q1.Hi == 0 {
		b = strconv.AppendUint(b, q1.Lo, 10)
		return appendPadded19(b, r0)
	}
	q2, r1 := q1.divMod64(ten19) // q2 < 2^128/10^38 < 4, so q2.Hi == 0
	b = strconv.AppendUint(b, q2.Lo, 10)
	b = appendPadded19(b, r1)
	return appendPadded19(b, r0)
}

// appendPadded19 appends v < 10^19 as exactly 19 digits.
func appendPadded19(b []byte, v uint64) []byte {
	var d [19]byte
	for i := len(d) - 1; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[:]...)
}

// Cmp returns -1, 0 or +1 as u is less than, equal to or greater than v.
func (u Uint128) Cmp(v Uint128) int {
	switch {
	case u.Hi < v.Hi:
		return -1
	case u.Hi > v.Hi:
		return 1
	case u.Lo < v.Lo:
		return -1
	case u.Lo > v.Lo:
		return 1
	}
	return 0
}

// IsZero reports whether u is 0.
func (u Uint128) IsZero() bool { return u.Hi == 0 && u.Lo == 0 }

// Add64 returns u+x, wrapping around modulo 2^128.
func (u Uint128) Add64(x uint64) Uint128 {
	lo, carry := bits.Add64(u.Lo, x, 0)
	return Uint128{Hi: u.Hi + carry, Lo: lo}
}

// Sub64 returns u-x, wrapping around modulo 2^128.
func (u Uint128) Sub64(x uint64) Uint128 {
	lo, borrow := bits.Sub64(u.Lo, x, 0)
	return Uint128{Hi: u.Hi - borrow, Lo: lo}
}

// mul64 returns u*m modulo 2^128.
func (u Uint128) mul64(m uint64) Uint128 {
	hi, lo := bits.Mul64(u.Lo, m)
	return Uint128{Hi: hi + u.Hi*m, Lo: lo}
}

// mulAdd64 returns u*m+a and whether the result overflowed 128 bits.
func (u Uint128) mulAdd64(m, a uint64) (Uint128, bool) {
	hiLo, lo := bits.Mul64(u.Lo, m)
	hiHi, hi := bits.Mul64(u.Hi, m)
	hi, carryMul := bits.Add64(hi, hiLo, 0)
	lo, carryAdd := bits.Add64(lo, a, 0)
	hi, carryHi := bits.Add64(hi, 0, carryAdd)
	return Uint128{Hi: hi, Lo: lo}, hiHi != 0 || carryMul != 0 || carryHi != 0
}

// divMod64 returns u/d and u%d. d must not be 0.
func (u Uint128) divMod64(d uint64) (Uint128, uint64) {
	qHi, r := u.Hi/d, u.Hi%d
	qLo, r := bits.Div64(r, u.Lo, d)
	return Uint128{Hi: qHi, Lo: qLo}, r
}
