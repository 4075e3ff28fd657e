package firehose

import (
	"bytes"
	"encoding/base64"

	"github.com/eddy-streaming/eddy/internal/awsproto"
)

// decodePutBatchJSON decodes a JSON PutRecordBatch body without
// reflection: every record's base64 data is decoded straight into one
// arena. It handles the plain shape SDKs send ({"DeliveryStreamName":
// "...","Records":[{"Data":"..."}, ...]}, any member order, no escapes in
// the name); on anything else it falls back to the generic decoder, so
// results and errors are always those of awsproto.Decode.
func decodePutBatchJSON(body []byte, in *PutRecordBatchInput) *awsproto.Error {
	s := batchScanner{b: body}
	if s.decode(in) {
		return nil
	}
	*in = PutRecordBatchInput{}
	return awsproto.Decode(awsproto.JSON, body, in)
}

type batchScanner struct {
	b []byte
	i int
}

func (s *batchScanner) peek() byte {
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return c
		}
	}
	return 0
}

// end reports whether only white space is left.
func (s *batchScanner) end() bool {
	s.peek()
	return s.i == len(s.b)
}

func (s *batchScanner) eat(c byte) bool {
	if s.peek() != c {
		return false
	}
	s.i++
	return true
}

// str returns a string's raw content; false if it has escapes.
func (s *batchScanner) str() ([]byte, bool) {
	if !s.eat('"') {
		return nil, false
	}
	j := bytes.IndexByte(s.b[s.i:], '"')
	if j < 0 {
		return nil, false
	}
	v := s.b[s.i : s.i+j]
	for _, c := range v {
		if c < 0x20 || c >= 0x80 || c == '\\' {
			return nil, false // escapes, control bytes, non-ASCII: generic path
		}
	}
	s.i += j + 1
	return v, true
}

func (s *batchScanner) decode(in *PutRecordBatchInput) bool {
	if !s.eat('{') {
		return false
	}
	if s.eat('}') {
		return s.end()
	}
	for {
		key, ok := s.str()
		if !ok || !s.eat(':') {
			return false
		}
		switch string(key) {
		case "DeliveryStreamName":
			v, ok := s.str()
			if !ok {
				return false
			}
			name := string(v)
			in.DeliveryStreamName = &name
		case "Records":
			if !s.records(in) {
				return false
			}
		default:
			return false
		}
		if s.eat(',') {
			continue
		}
		return s.eat('}') && s.end()
	}
}

func (s *batchScanner) records(in *PutRecordBatchInput) bool {
	if !s.eat('[') {
		return false
	}
	// One arena for all records: base64 shrinks by 3/4.
	arena := make([]byte, 0, len(s.b)*3/4)
	recs := make([]Record, 0, 500)
	if s.eat(']') {
		in.Records = recs
		return true
	}
	for {
		if !s.eat('{') {
			return false
		}
		var data []byte
		seen := false
		if !s.eat('}') {
			for {
				key, ok := s.str()
				if !ok || string(key) != "Data" || seen || !s.eat(':') {
					return false
				}
				v, ok := s.str()
				if !ok {
					return false
				}
				n := base64.StdEncoding.DecodedLen(len(v))
				start := len(arena)
				if cap(arena)-start < n {
					return false
				}
				m, err := base64.StdEncoding.Decode(arena[start:start+n], v)
				if err != nil {
					return false
				}
				data = arena[start : start+m : start+m]
				arena = arena[:start+m]
				seen = true
				if s.eat(',') {
					continue
				}
				if !s.eat('}') {
					return false
				}
				break
			}
		}
		if !seen {
			return false // a record without Data: let the generic decoder decide
		}
		recs = append(recs, Record{Data: data})
		if s.eat(',') {
			continue
		}
		if !s.eat(']') {
			return false
		}
		in.Records = recs
		return true
	}
}
