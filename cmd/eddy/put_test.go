package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
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

// scriptedPutRecords answers PutRecords calls: entries whose data is in
// failures fail that many times with the given code, then succeed.
type scriptedPutRecords struct {
	mu       sync.Mutex
	failures map[string]int
	code     string
	calls    [][]string // the data of each call's entries
	callErr  error
}

func (s *scriptedPutRecords) PutRecords(_ context.Context, in *kinesis.PutRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var call []string
	out := &kinesis.PutRecordsOutput{FailedRecordCount: aws.Int32(0)}
	for i, e := range in.Records {
		data := string(e.Data)
		call = append(call, data)
		if s.failures[data] > 0 {
			s.failures[data]--
			out.Records = append(out.Records, types.PutRecordsResultEntry{ErrorCode: aws.String(s.code), ErrorMessage: aws.String("slow down")})
			*out.FailedRecordCount++
			continue
		}
		out.Records = append(out.Records, types.PutRecordsResultEntry{
			ShardId:        aws.String("shardId-000000000000"),
			SequenceNumber: aws.String(fmt.Sprint(i)),
		})
	}
	s.calls = append(s.calls, call)
	if s.callErr != nil {
		return nil, s.callErr
	}
	return out, nil
}

func entries(data ...string) []types.PutRecordsRequestEntry {
	var es []types.PutRecordsRequestEntry
	for _, d := range data {
		es = append(es, types.PutRecordsRequestEntry{Data: []byte(d), PartitionKey: aws.String("k")})
	}
	return es
}

func TestPutterRetriesFailedEntries(t *testing.T) {
	api := &scriptedPutRecords{
		failures: map[string]int{"b": 1, "d": 2},
		code:     "ProvisionedThroughputExceededException",
	}
	p := &putter{api: api, stream: parseStreamRef("s"), retries: 3, backoff: time.Millisecond}
	require.NoError(t, p.send(context.Background(), entries("a", "b", "c", "d")))
	require.Equal(t, [][]string{{"a", "b", "c", "d"}, {"b", "d"}, {"d"}}, api.calls, "only failed entries are resent, in order")
	require.Equal(t, 4, p.records)
	require.Equal(t, 4, p.bytes)
	require.Equal(t, 3, p.retried)
}

func TestPutterGivesUp(t *testing.T) {
	api := &scriptedPutRecords{failures: map[string]int{"b": 10}, code: "InternalFailure"}
	p := &putter{api: api, stream: parseStreamRef("s"), retries: 2, backoff: time.Millisecond}
	err := p.send(context.Background(), entries("a", "b"))
	require.ErrorContains(t, err, "1 records failed after 2 retries: InternalFailure")
	require.Len(t, api.calls, 3)
	require.Equal(t, 1, p.records)
}

func TestPutterCallError(t *testing.T) {
	api := &scriptedPutRecords{callErr: errors.New("connection refused")}
	p := &putter{api: api, stream: parseStreamRef("s"), retries: 2}
	err := p.send(context.Background(), entries("a"))
	require.ErrorContains(t, err, "put records to s")
	require.ErrorContains(t, err, "connection refused")
	require.Zero(t, p.records)
}

func TestSendAllBatches(t *testing.T) {
	api := &scriptedPutRecords{}
	p := &putter{api: api, stream: parseStreamRef("s")}
	in := make(chan putRecord, 2000)
	// 1,200 small records: two full batches of 500 and one of 200.
	for i := range 1200 {
		in <- putRecord{data: []byte(fmt.Sprint(i)), key: "k"}
	}
	close(in)
	require.NoError(t, p.sendAll(context.Background(), in, time.Hour))
	require.Len(t, api.calls, 3)
	require.Len(t, api.calls[0], 500)
	require.Len(t, api.calls[1], 500)
	require.Len(t, api.calls[2], 200)
	require.Equal(t, "0", api.calls[0][0])
	require.Equal(t, "1199", api.calls[2][199])
	require.Equal(t, 1200, p.records)
}

func TestSendAllByteLimit(t *testing.T) {
	api := &scriptedPutRecords{}
	p := &putter{api: api, stream: parseStreamRef("s")}
	in := make(chan putRecord, 20)
	big := strings.Repeat("x", 1<<20) // 1 MiB: five fit under 5 MiB with keys, not six
	for range 12 {
		in <- putRecord{data: []byte(big), key: "k"}
	}
	close(in)
	require.NoError(t, p.sendAll(context.Background(), in, time.Hour))
	var sizes []int
	for _, c := range api.calls {
		sizes = append(sizes, len(c))
	}
	require.Equal(t, []int{4, 4, 4}, sizes)
}

func TestSendAllLinger(t *testing.T) {
	// A partial batch is sent once it has waited the linger time, without
	// waiting for the input to end.
	api := &scriptedPutRecords{}
	p := &putter{api: api, stream: parseStreamRef("s")}
	in := make(chan putRecord)
	done := make(chan error, 1)
	go func() { done <- p.sendAll(context.Background(), in, 10*time.Millisecond) }()
	in <- putRecord{data: []byte("a"), key: "k"}
	in <- putRecord{data: []byte("b"), key: "k"}
	require.Eventually(t, func() bool {
		api.mu.Lock()
		defer api.mu.Unlock()
		return len(api.calls) == 1
	}, 5*time.Second, 5*time.Millisecond)
	in <- putRecord{data: []byte("c"), key: "k"}
	close(in)
	require.NoError(t, <-done)
	require.Equal(t, [][]string{{"a", "b"}, {"c"}}, api.calls)
}
