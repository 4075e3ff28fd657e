package kinesis

import (
	"encoding/base64"
	"encoding/binary"
	"strings"

	"github.com/eddy-streaming/eddy/internal/awsproto"
)

// decodePutRecordsJSON decodes a JSON PutRecords body without reflection:
// record data is base64-decoded straight into one arena, and strings
// without escapes are sliced from the body. It accepts only the plain
// shapes SDKs send; on anything else it defers to the generic decoder, so
// its result and errors are always those of awsproto.Decode.
func decodePutRecordsJSON(body []byte, in *putRecordsInput) *awsproto.Error {
	s := putScanner{buf: body}
	if s.decode(in) {
		return nil
	}
	*in = putRecordsInput{}
	return awsproto.Decode(awsproto.JSON, body, in)
}

type putScanner struct {
	buf   []byte
	pos   int
	arena []byte
}

func (s *putScanner) ws() {
	for s.pos < len(s.buf) {
		switch s.buf[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
		default:
			return
		}
	}
}

// next skips white space and returns the next byte (0 at the end).
func (s *putScanner) next() byte {
	s.ws()
	if s.pos >= len(s.buf) {
		return 0
	}
	return s.buf[s.pos]
}

func (s *putScanner) consume(c byte) bool {
	if s.next() != c {
		return false
	}
	s.pos++
	return true
}

// literal consumes "null", "true" or "false".
func (s *putScanner) literal(lit string) bool {
	if len(s.buf)-s.pos >= len(lit) && string(s.buf[s.pos:s.pos+len(lit)]) == lit {
		s.pos += len(lit)
		return true
	}
	return false
}

// rawString returns the bytes of a string token without escapes, control
// characters or non-ASCII bytes (which would need decoding or UTF-8
// repair); ok is false for any other token.
func (s *putScanner) rawString() (raw []byte, ok bool) {
	if s.next() != '"' {
		return nil, false
	}
	start := s.pos + 1
	i := start
	// Skip eight plain bytes at a time: none is '"', '\\', a control
	// character or non-ASCII.
	for ; i+8 <= len(s.buf); i += 8 {
		if special(binary.LittleEndian.Uint64(s.buf[i:])) {
			break
		}
	}
	for ; i < len(s.buf); i++ {
		c := s.buf[i]
		if c == '"' {
			s.pos = i + 1
			return s.buf[start:i], true
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			return nil, false
		}
	}
	return nil, false
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special reports whether any byte of w is '"', '\\', below 0x20 or
// 0x80 and above (SWAR: a byte's high bit flags it).
func special(w uint64) bool {
	quote := w ^ (ones * '"')
	backslash := w ^ (ones * '\\')
	zeroQuote := (quote - ones) &^ quote
	zeroBackslash := (backslash - ones) &^ backslash
	control := (w - ones*0x20) &^ w
	return (zeroQuote|zeroBackslash|control|w)&highs != 0
}

// optString reads a string or null into *dst.
func (s *putScanner) optString(dst **string) bool {
	if s.next() == 'n' {
		if !s.literal("null") {
			return false
		}
		*dst = nil
		return true
	}
	raw, ok := s.rawString()
	if !ok {
		return false
	}
	str := string(raw)
	*dst = &str
	return true
}

// blob reads a base64 string or null into *dst.
func (s *putScanner) blob(dst *[]byte) bool {
	if s.next() == 'n' {
		if !s.literal("null") {
			return false
		}
		*dst = nil
		return true
	}
	raw, ok := s.rawString()
	if !ok {
		return false
	}
	if len(raw)%4 != 0 {
		return false // not padded base64: let the generic decoder word the error
	}
	n := base64.StdEncoding.DecodedLen(len(raw))
	if n == 0 {
		*dst = []byte{}
		return true
	}
	if cap(s.arena)-len(s.arena) < n {
		// Room for every blob still ahead in the body.
		s.arena = make([]byte, 0, max(n, (len(s.buf)-s.pos+len(raw))/4*3+4))
	}
	start := len(s.arena)
	m, err := base64.StdEncoding.Decode(s.arena[start:start+n], raw)
	if err != nil {
		return false
	}
	s.arena = s.arena[:start+m]
	*dst = s.arena[start : start+m : start+m]
	return true
}

// skipScalar skips a string, number or literal of an unknown key.
// Objects and arrays are not skipped: the caller falls back.
func (s *putScanner) skipScalar() bool {
	switch c := s.next(); {
	case c == '"':
		if _, ok := s.rawString(); ok {
			return true
		}
		return false
	case c == 'n':
		return s.literal("null")
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	}
	return false
}

// number consumes a JSON number, strictly.
func (s *putScanner) number() bool {
	b, i := s.buf, s.pos
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	s.pos = i
	return true
}

// object iterates the members of an object, calling member for each key;
// member consumes the value.
func (s *putScanner) object(member func(key string) bool) bool {
	if !s.consume('{') {
		return false
	}
	if s.consume('}') {
		return true
	}
	for {
		raw, ok := s.rawString()
		if !ok || !s.consume(':') || !member(string(raw)) {
			return false
		}
		if s.consume(',') {
			continue
		}
		return s.consume('}')
	}
}

// unknownKey skips the value of a key that names no field, unless it
// would match a field case-insensitively (encoding/json would set it).
func (s *putScanner) unknownKey(key string, fields ...string) bool {
	for _, f := range fields {
		if strings.EqualFold(key, f) {
			return false
		}
	}
	return s.skipScalar()
}

func (s *putScanner) decode(in *putRecordsInput) bool {
	seenRecords := false
	ok := s.object(func(key string) bool {
		switch key {
		case "StreamName":
			return s.optString(&in.StreamName)
		case "StreamARN":
			return s.optString(&in.StreamARN)
		case "Records":
			if seenRecords {
				return false
			}
			seenRecords = true
			return s.records(in)
		}
		return s.unknownKey(key, "StreamName", "StreamARN", "Records")
	})
	if !ok {
		return false
	}
	s.ws()
	return s.pos == len(s.buf)
}

func (s *putScanner) records(in *putRecordsInput) bool {
	if s.next() == 'n' {
		in.Records = nil
		return s.literal("null")
	}
	if !s.consume('[') {
		return false
	}
	in.Records = make([]*putRecordsEntry, 0, 16)
	if s.consume(']') {
		return true
	}
	entries := make([]putRecordsEntry, 0, 64)
	for {
		if s.next() == 'n' {
			if !s.literal("null") {
				return false
			}
			in.Records = append(in.Records, nil)
		} else {
			if len(entries) == cap(entries) {
				entries = make([]putRecordsEntry, 0, 2*cap(entries))
			}
			entries = entries[:len(entries)+1]
			e := &entries[len(entries)-1]
			seen := [3]bool{}
			ok := s.object(func(key string) bool {
				switch key {
				case "Data":
					return !seen[0] && set(&seen[0]) && s.blob(&e.Data)
				case "PartitionKey":
					return !seen[1] && set(&seen[1]) && s.optString(&e.PartitionKey)
				case "ExplicitHashKey":
					return !seen[2] && set(&seen[2]) && s.optString(&e.ExplicitHashKey)
				}
				return s.unknownKey(key, "Data", "PartitionKey", "ExplicitHashKey")
			})
			if !ok {
				return false
			}
			in.Records = append(in.Records, e)
		}
		if s.consume(',') {
			continue
		}
		return s.consume(']')
	}
}

func set(b *bool) bool {
	*b = true
	return true
}
