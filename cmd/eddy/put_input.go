package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"unicode/utf8"
)

// putRecord is one line on its way to the stream.
type putRecord struct {
	data []byte
	key  string
	// source and line say where the record was read, for messages.
	source string
	line   int
}

// readRecords reads the lines of each input ("-" is in) and sends them as
// records, skipping empty lines.
func readRecords(ctx context.Context, in io.Reader, inputs []string, maxSize int, keys *keyChooser, out chan<- putRecord) error {
	for _, name := range inputs {
		if name == "-" {
			if err := readInput(ctx, in, "stdin", maxSize, keys, out); err != nil {
				return err
			}
			continue
		}
		file, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("open input: %w", err)
		}
		// Fail on a directory at once rather than at the first read.
		if info, err := file.Stat(); err == nil && info.IsDir() {
			file.Close()
			return fmt.Errorf("open input: %s is a directory", name)
		}
		err = readInput(ctx, file, name, maxSize, keys, out)
		file.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// readInput reads the lines of one input named name.
func readInput(ctx context.Context, r io.Reader, name string, maxSize int, keys *keyChooser, out chan<- putRecord) error {
	lines := newLineReader(r, maxSize)
	for {
		line, err := lines.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if len(line) == 0 {
			continue
		}
		key, err := keys.key(line)
		if err != nil {
			return fmt.Errorf("%s line %d: %w", name, lines.Line(), err)
		}
		select {
		case out <- putRecord{data: line, key: key, source: name, line: lines.Line()}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// lineReader splits an input into lines of bounded length.
type lineReader struct {
	r    *bufio.Reader
	max  int
	line int
}

// errLineTooLong is returned for a line longer than the reader's maximum.
var errLineTooLong = errors.New("line too long")

func newLineReader(r io.Reader, maxSize int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: maxSize}
}

// Line returns the number (from 1) of the line Next returned last.
func (l *lineReader) Line() int { return l.line }

// Next returns the next line without its "\n" or "\r\n", in a slice of its
// own, or io.EOF after the last line. A last line without a newline counts.
// A line longer than the maximum is an error wrapping errLineTooLong.
func (l *lineReader) Next() ([]byte, error) {
	var line []byte
	for {
		chunk, err := l.r.ReadSlice('\n')
		if len(line)+len(chunk) > l.max+2 { // room for "\r\n"
			l.line++
			return nil, fmt.Errorf("line %d: %w (over %d bytes)", l.line, errLineTooLong, l.max)
		}
		line = append(line, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			if len(line) == 0 {
				return nil, io.EOF
			}
			break
		}
		if err != nil {
			return nil, err
		}
		break
	}
	l.line++
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) > l.max {
		return nil, fmt.Errorf("line %d: %w (over %d bytes)", l.line, errLineTooLong, l.max)
	}
	return line, nil
}

// maxPartitionKeyLength is the longest partition key, in Unicode characters.
const maxPartitionKeyLength = 256

// keyChooser picks each record's partition key: fixed, from a JSON field,
// or random.
type keyChooser struct {
	fixed string
	field string
	rng   *rand.Rand
	// missing counts lines whose field was absent, so got a random key.
	missing int
}

// newKeyChooser checks the --key and --key-field flags.
func newKeyChooser(fixed, field string) (*keyChooser, error) {
	if fixed != "" && field != "" {
		return nil, usageErrorf("--key and --key-field are mutually exclusive")
	}
	if n := utf8.RuneCountInString(fixed); n > maxPartitionKeyLength {
		return nil, usageErrorf("--key is %d characters long; partition keys have at most %d", n, maxPartitionKeyLength)
	}
	return &keyChooser{
		fixed: fixed,
		field: field,
		rng:   rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
	}, nil
}

// key returns the partition key of a line.
func (k *keyChooser) key(line []byte) (string, error) {
	if k.fixed != "" {
		return k.fixed, nil
	}
	if k.field != "" {
		key, ok := jsonField(line, k.field)
		if ok {
			if n := utf8.RuneCountInString(key); n > maxPartitionKeyLength {
				return "", fmt.Errorf("field %q is %d characters long; partition keys have at most %d", k.field, n, maxPartitionKeyLength)
			}
			return key, nil
		}
		k.missing++
	}
	return strconv.FormatUint(k.rng.Uint64(), 36), nil
}

// jsonField returns the top-level field of a JSON object line as a
// partition key: a string's value, or the JSON text of a number, boolean,
// object or array. ok is false when the line is not a JSON object, or the
// field is absent, null or the empty string.
func jsonField(line []byte, field string) (key string, ok bool) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		return "", false
	}
	raw, found := obj[field]
	if !found {
		return "", false
	}
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", false
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil || s == "" {
			return "", false
		}
		return s, true
	case raw[0] == '{' || raw[0] == '[':
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return "", false
		}
		return compact.String(), true
	default:
		return string(raw), true
	}
}
