package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// object is a decoded JSON object that remembers its key order, so that
// errors name elements in document order.
type object struct {
	keys   []string
	values map[string]any
}

// maxDepth bounds nesting; a policy needs four levels.
const maxDepth = 16

// decodeStrict decodes one JSON value into object, []any, string,
// json.Number, bool or nil, refusing duplicate keys and trailing data.
func decodeStrict(doc []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the JSON document")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("JSON nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonErr(err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := object{values: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, jsonErr(err)
				}
				key := kt.(string)
				if _, dup := obj.values[key]; dup {
					return nil, fmt.Errorf("duplicate key %q", key)
				}
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				obj.keys = append(obj.keys, key)
				obj.values[key] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, jsonErr(err)
			}
			return obj, nil
		case '[':
			list := []any{}
			for dec.More() {
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, jsonErr(err)
			}
			return list, nil
		}
		return nil, fmt.Errorf("unexpected %q", t)
	default:
		return t, nil
	}
}

func jsonErr(err error) error {
	if errors.Is(err, io.EOF) {
		return errors.New("unexpected end of JSON")
	}
	return fmt.Errorf("malformed JSON: %w", err)
}

// jsonType names a decoded value's type for error messages.
func jsonType(v any) string {
	switch v.(type) {
	case object:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}
