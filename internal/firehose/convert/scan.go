package convert

import (
	"bytes"
	"errors"
	"fmt"
)

// A scanned JSON value kind.
const (
	vString byte = 's'
	vNumber byte = 'n'
	vTrue   byte = 't'
	vFalse  byte = 'f'
	vNull   byte = 'z'
	vObject byte = 'o'
	vArray  byte = 'a'
)

var errNotObject = errors.New("record is not a JSON object")

// scanner walks the members of one top-level JSON object without
// allocating. It validates what it walks only as far as needed to find
// the end of every value; values of mapped columns are validated when
// they are converted.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) syntax(what string) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", s.i, what)
}

// begin consumes the opening brace.
func (s *scanner) begin() error {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return errNotObject
	}
	s.i++
	return nil
}

// next returns the next member: its key (raw, between the quotes), whether
// the key has escapes, the value kind and the raw value (for strings: the
// text between the quotes). done is set after the closing brace.
func (s *scanner) next(first bool) (key []byte, keyEsc bool, kind byte, val []byte, valEsc bool, done bool, err error) {
	s.ws()
	if s.i >= len(s.b) {
		return nil, false, 0, nil, false, false, s.syntax("unexpected end")
	}
	if s.b[s.i] == '}' {
		s.i++
		s.ws()
		if s.i != len(s.b) {
			return nil, false, 0, nil, false, false, s.syntax("data after the object")
		}
		return nil, false, 0, nil, false, true, nil
	}
	if !first {
		if s.b[s.i] != ',' {
			return nil, false, 0, nil, false, false, s.syntax("expected ',' or '}'")
		}
		s.i++
		s.ws()
	}
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false, 0, nil, false, false, s.syntax("expected a key")
	}
	key, keyEsc, err = s.str()
	if err != nil {
		return
	}
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != ':' {
		return nil, false, 0, nil, false, false, s.syntax("expected ':'")
	}
	s.i++
	kind, val, valEsc, err = s.value()
	return
}

// str reads a string starting at its opening quote. Control characters
// inside strings are tolerated.
func (s *scanner) str() ([]byte, bool, error) {
	s.i++
	start := s.i
	// Short strings (keys, codes) end within a few bytes: a plain loop
	// beats the call overhead of IndexByte.
	for j := start; j < len(s.b) && j < start+24; j++ {
		c := s.b[j]
		if c == '"' {
			s.i = j + 1
			return s.b[start:j], false, nil
		}
		if c == '\\' {
			break
		}
	}
	esc := false
	for {
		j := bytes.IndexByte(s.b[s.i:], '"')
		if j < 0 {
			return nil, false, s.syntax("unterminated string")
		}
		end := s.i + j
		// The quote is escaped if an odd number of backslashes precede it.
		k := end
		for k > start && s.b[k-1] == '\\' {
			k--
		}
		if !esc && bytes.IndexByte(s.b[s.i:end], '\\') >= 0 {
			esc = true
		}
		if (end-k)%2 == 0 {
			s.i = end + 1
			return s.b[start:end], esc, nil
		}
		s.i = end + 1
	}
}

func (s *scanner) value() (byte, []byte, bool, error) {
	s.ws()
	if s.i >= len(s.b) {
		return 0, nil, false, s.syntax("expected a value")
	}
	switch c := s.b[s.i]; {
	case c == '"':
		v, esc, err := s.str()
		return vString, v, esc, err
	case c == '{' || c == '[':
		start := s.i
		if err := s.skipContainer(); err != nil {
			return 0, nil, false, err
		}
		kind := vObject
		if c == '[' {
			kind = vArray
		}
		return kind, s.b[start:s.i], false, nil
	case c == 't':
		return vTrue, nil, false, s.literal("true")
	case c == 'f':
		return vFalse, nil, false, s.literal("false")
	case c == 'n':
		return vNull, nil, false, s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		start := s.i
		for s.i < len(s.b) {
			c := s.b[s.i]
			if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
				s.i++
				continue
			}
			break
		}
		return vNumber, s.b[start:s.i], false, nil
	}
	return 0, nil, false, s.syntax("unexpected character")
}

func (s *scanner) literal(word string) error {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return s.syntax("invalid literal")
	}
	s.i += len(word)
	return nil
}

func (s *scanner) skipContainer() error {
	depth := 0
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '"':
			if _, _, err := s.str(); err != nil {
				return err
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				s.i++
				return nil
			}
		}
		s.i++
	}
	return s.syntax("unterminated object or array")
}
