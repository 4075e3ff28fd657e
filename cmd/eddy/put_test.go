package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"testing/synctest"
	"time"

	"github.com/aws/smithy-go"
	"github.com/eddy-streaming/eddy/producer"
	"github.com/stretchr/testify/require"
)

// readAllLines drains a lineReader.
func readAllLines(t *testing.T, r io.Reader, maxSize int) ([]string, error) {
	t.Helper()
	lr := newLineReader(r, maxSize)
	var lines []string
	for {
		line, err := lr.Next()
		if errors.Is(err, io.EOF) {
			return lines, nil
		}
		if err != nil {
			return lines, err
		}
		lines = append(lines, string(line))
	}
}

func TestLineReader(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"empty", "", nil},
		{"one line", "a\n", []string{"a"}},
		{"no final newline", "a\nb", []string{"a", "b"}},
		{"crlf", "a\r\nb\r\n", []string{"a", "b"}},
		{"lone cr kept inside", "a\rb\n", []string{"a\rb"}},
		{"empty lines kept", "\n\na\n\n", []string{"", "", "a", ""}},
		{"utf8 and json", "{\"k\":\"é\"}\n", []string{`{"k":"é"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAllLines(t, strings.NewReader(tt.input), 100)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			// The same through a reader that returns one byte at a time.
			got, err = readAllLines(t, iotest.OneByteReader(strings.NewReader(tt.input)), 100)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestLineReaderLongLines(t *testing.T) {
	// Lines longer than bufio's buffer (64 KiB) are assembled whole.
	long := strings.Repeat("x", 200<<10)
	got, err := readAllLines(t, strings.NewReader("a\n"+long+"\nb\n"), 1<<20)
	require.NoError(t, err)
	require.Equal(t, []string{"a", long, "b"}, got)

	// Exactly the maximum is fine, with or without "\r\n"; one more byte
	// is an error naming the line.
	got, err = readAllLines(t, strings.NewReader("12345\r\n12345"), 5)
	require.NoError(t, err)
	require.Equal(t, []string{"12345", "12345"}, got)

	got, err = readAllLines(t, strings.NewReader("ok\n123456\nnever\n"), 5)
	require.ErrorIs(t, err, errLineTooLong)
	require.ErrorContains(t, err, "line 2")
	require.Equal(t, []string{"ok"}, got)

	_, err = readAllLines(t, strings.NewReader("ok\n"+long), 1<<10)
	require.ErrorIs(t, err, errLineTooLong)
}

func TestLineReaderReturnsOwnSlices(t *testing.T) {
	lr := newLineReader(strings.NewReader("first\nsecond\n"), 100)
	a, err := lr.Next()
	require.NoError(t, err)
	b, err := lr.Next()
	require.NoError(t, err)
	require.Equal(t, "first", string(a), "a later Next must not overwrite an earlier line")
	require.Equal(t, "second", string(b))
	require.Equal(t, 2, lr.Line())
}

func TestLineReaderReadError(t *testing.T) {
	boom := errors.New("boom")
	_, err := readAllLines(t, io.MultiReader(strings.NewReader("a\nb"), iotest.ErrReader(boom)), 100)
	require.ErrorIs(t, err, boom)
}

func TestJSONField(t *testing.T) {
	tests := []struct {
		line  string
		field string
		want  string
		ok    bool
	}{
		{`{"user":"ann","n":1}`, "user", "ann", true},
		{`{"user":"ann","n":1}`, "n", "1", true},
		{`{"n":1.50}`, "n", "1.50", true},
		{`{"b":true}`, "b", "true", true},
		{`{"o":{"x": [1, 2]}}`, "o", `{"x":[1,2]}`, true},
		{`{"a":[ "x" ]}`, "a", `["x"]`, true},
		{`{"s":"a\"b\u00e9"}`, "s", `a"bé`, true},
		{`{"user":"ann"}`, "missing", "", false},
		{`{"user":null}`, "user", "", false},
		{`{"user":""}`, "user", "", false},
		{`{"a":{"user":"nested"}}`, "user", "", false}, // top level only
		{`not json`, "user", "", false},
		{`["user"]`, "user", "", false},
		{`{"user":"ann"`, "user", "", false},
	}
	for _, tt := range tests {
		got, ok := jsonField([]byte(tt.line), tt.field)
		require.Equal(t, tt.ok, ok, "%s field %s", tt.line, tt.field)
		require.Equal(t, tt.want, got, "%s field %s", tt.line, tt.field)
	}
}

func TestKeyChooser(t *testing.T) {
	t.Run("fixed", func(t *testing.T) {
		k, err := newKeyChooser("host-1", "")
		require.NoError(t, err)
		for _, line := range []string{"a", `{"user":"x"}`} {
			key, err := k.key([]byte(line))
			require.NoError(t, err)
			require.Equal(t, "host-1", key)
		}
	})
	t.Run("random keys differ", func(t *testing.T) {
		k, err := newKeyChooser("", "")
		require.NoError(t, err)
		seen := map[string]bool{}
		for range 1000 {
			key, err := k.key([]byte("x"))
			require.NoError(t, err)
			require.NotEmpty(t, key)
			require.LessOrEqual(t, len(key), maxPartitionKeyLength)
			seen[key] = true
		}
		require.Greater(t, len(seen), 990)
		require.Zero(t, k.missing)
	})
	t.Run("field with fallback", func(t *testing.T) {
		k, err := newKeyChooser("", "user")
		require.NoError(t, err)
		key, err := k.key([]byte(`{"user":"ann"}`))
		require.NoError(t, err)
		require.Equal(t, "ann", key)
		key, err = k.key([]byte(`plain text`))
		require.NoError(t, err)
		require.NotEmpty(t, key)
		key, err = k.key([]byte(`{"other":1}`))
		require.NoError(t, err)
		require.NotEmpty(t, key)
		require.Equal(t, 2, k.missing)
	})
	t.Run("field too long", func(t *testing.T) {
		k, err := newKeyChooser("", "user")
		require.NoError(t, err)
		_, err = k.key([]byte(fmt.Sprintf(`{"user":%q}`, strings.Repeat("é", 257))))
		require.ErrorContains(t, err, "257 characters")
		// 256 characters (512 bytes) is allowed: the limit is in characters.
		key, err := k.key([]byte(fmt.Sprintf(`{"user":%q}`, strings.Repeat("é", 256))))
		require.NoError(t, err)
		require.Len(t, []rune(key), 256)
	})
	t.Run("usage errors", func(t *testing.T) {
		_, err := newKeyChooser("a", "b")
		require.Equal(t, 2, exitCode(err))
		_, err = newKeyChooser(strings.Repeat("k", 257), "")
		require.Equal(t, 2, exitCode(err))
	})
}

func TestReadRecordsSkipsEmptyLines(t *testing.T) {
	k, err := newKeyChooser("", "id")
	require.NoError(t, err)
	out := make(chan putRecord, 10)
	in := strings.NewReader("{\"id\":\"a\",\"v\":1}\n\n{\"id\":7}\r\nlast")
	require.NoError(t, readRecords(context.Background(), in, []string{"-"}, 1<<10, k, out))
	close(out)
	var got []putRecord
	for r := range out {
		got = append(got, r)
	}
	require.Len(t, got, 3)
	require.Equal(t, `{"id":"a","v":1}`, string(got[0].data))
	require.Equal(t, "a", got[0].key)
	require.Equal(t, `{"id":7}`, string(got[1].data))
	require.Equal(t, "7", got[1].key)
	require.Equal(t, "last", string(got[2].data))
	require.Equal(t, 1, k.missing)
}

func TestReadRecordsReportsLine(t *testing.T) {
	k, err := newKeyChooser("", "")
	require.NoError(t, err)
	out := make(chan putRecord, 10)
	err = readRecords(context.Background(), strings.NewReader("a\nbbbbbbbbbb\n"), []string{"-"}, 4, k, out)
	require.ErrorIs(t, err, errLineTooLong)
	require.ErrorContains(t, err, "stdin")
	require.ErrorContains(t, err, "line 2")
}

func TestPacer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		p := newPacer(100)
		start := time.Now()
		for range 101 {
			require.NoError(t, p.wait(ctx))
		}
		require.Equal(t, time.Second, time.Since(start), "101 events at 100/s take 1s")

		// After idle time, at most maxPaceLag is caught up: at 100/s,
		// 10 events at once, then one each 10ms.
		time.Sleep(time.Minute)
		start = time.Now()
		for range 11 {
			require.NoError(t, p.wait(ctx))
		}
		require.Zero(t, time.Since(start))
		for range 10 {
			require.NoError(t, p.wait(ctx))
		}
		require.Equal(t, 100*time.Millisecond, time.Since(start))

		// A high rate sleeps in steps of at least a millisecond, and
		// keeps its average.
		p = newPacer(1e6)
		start = time.Now()
		for range 100_001 {
			require.NoError(t, p.wait(ctx))
		}
		require.Equal(t, 100*time.Millisecond, time.Since(start).Round(time.Millisecond))

		// No limit, and a cancelled wait.
		require.NoError(t, newPacer(0).wait(ctx))
		cancelled, cancel := context.WithCancel(ctx)
		p = newPacer(0.1)
		require.NoError(t, p.wait(cancelled))
		go func() { time.Sleep(time.Second); cancel() }()
		require.ErrorIs(t, p.wait(cancelled), context.Canceled)
	})
}

func TestProgressLine(t *testing.T) {
	start := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	p := &progressLine{start: start}
	at := func(d time.Duration) time.Time { return start.Add(d) }
	require.Equal(t, "1,000 records  97.7 KiB  2,000 records/s",
		p.line(at(500*time.Millisecond), producer.Stats{Records: 1000, Bytes: 100_000}))
	require.Equal(t, "3,000 records  293.0 KiB  4,000 records/s  12 buffered",
		p.line(at(time.Second), producer.Stats{Records: 3000, Bytes: 300_000, BufferedRecords: 12}))
	// The rate is measured over the last two seconds.
	p.line(at(2*time.Second), producer.Stats{Records: 3000})
	p.line(at(3*time.Second), producer.Stats{Records: 3000})
	require.Equal(t, "3,000 records  0 B  0 records/s  1 failed",
		p.line(at(4*time.Second), producer.Stats{Records: 3000, Errors: 1}))

	require.Equal(t, "0", formatCount(0))
	require.Equal(t, "999", formatCount(999))
	require.Equal(t, "-1,234,567", formatCount(-1234567))
	require.Equal(t, "1023 B", formatBytes(1023))
	require.Equal(t, "1.0 MiB", formatBytes(1<<20))
}

func TestProgressLineRedraws(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf syncBuffer
		var records atomic.Int64
		p := startProgressLine(&buf, func() producer.Stats { return producer.Stats{Records: records.Load()} }, 250*time.Millisecond)
		records.Store(5)
		time.Sleep(1100 * time.Millisecond)
		p.stop()
		p.stop()
		out := buf.String()
		require.Equal(t, 4, strings.Count(out, "\r5 records"), out)
		require.True(t, strings.HasSuffix(out, "\r\x1b[K"), "the line is erased at the end")
		var nothing *progressLine
		nothing.stop()
	})
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestPutFailures(t *testing.T) {
	var f putFailures
	f.add(&producer.RecordError{Code: "ProvisionedThroughputExceededException", Message: "Rate exceeded"})
	f.add(errors.New("later"))
	err := f.err("s")
	require.Equal(t, exitFailure, exitCode(err))
	require.EqualError(t, err, "put records to s: 2 records failed: ProvisionedThroughputExceededException: Rate exceeded")

	f = putFailures{}
	f.add(&smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "Stream s under account 1 not found."})
	require.Equal(t, exitNotFound, exitCode(f.err("s")))

	f = putFailures{}
	f.add(producer.ErrClosed)
	require.Equal(t, exitInterrupted, exitCode(f.err("s")))
}

func TestPutSummary(t *testing.T) {
	f := &putFlags{stream: "s", aggregate: true, keyField: "user"}
	require.Equal(t, `eddy put: 1 record, 5 bytes to stream s in 1.5s (in 1 Kinesis record), 2 retries, 3 failed, 4 lines without field "user" got a random key`,
		putSummary(f, producer.Stats{Records: 1, Bytes: 5, KinesisRecords: 1, Retries: 2}, 4, 3, 1500*time.Millisecond))
	require.Equal(t, "eddy put: 20 records, 100 bytes to stream s in 0s",
		putSummary(&putFlags{stream: "s"}, producer.Stats{Records: 20, Bytes: 100}, 0, 0, 0))
}
