package process

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// SplitJSON splits a record holding several concatenated JSON values
// (optionally separated by whitespace or newlines) into one slice per
// value, aliasing data. A record with trailing garbage is an error.
func SplitJSON(data []byte) ([][]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var out [][]byte
	var prev int64
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("de-aggregate JSON record: %w", err)
		}
		end := dec.InputOffset()
		out = append(out, bytes.TrimSpace(data[prev:end]))
		prev = end
	}
	return out, nil
}

// SplitDelimited splits a record on delim, dropping a trailing empty
// piece, aliasing data.
func SplitDelimited(data, delim []byte) [][]byte {
	if len(delim) == 0 {
		return [][]byte{data}
	}
	parts := bytes.Split(data, delim)
	if n := len(parts); n > 1 && len(parts[n-1]) == 0 {
		parts = parts[:n-1]
	}
	return parts
}
