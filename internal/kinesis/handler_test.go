package kinesis

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// newTestHandler returns a Handler over a real store in a temporary
// directory, both on the given clock.
func newTestHandler(t *testing.T, clk *clock, adjust ...func(*Options)) (*Handler, *storage.Store) {
	t.Helper()
	opts := storage.DefaultOptions(t.TempDir())
	opts.Fsync = storage.FsyncNever
	opts.Now = clk.Now
	store, err := storage.Open(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	o := Options{IteratorKey: bytes.Repeat([]byte{7}, 32), Now: clk.Now}
	for _, fn := range adjust {
		fn(&o)
	}
	h, err := New(store, o)
	require.NoError(t, err)
	t.Cleanup(h.Close)
	return h, store
}

// call sends one JSON request and decodes the response into a map.
func call(t *testing.T, h http.Handler, op string, in any) (int, map[string]any) {
	t.Helper()
	body, err := json.Marshal(in)
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "Kinesis_20131202."+op)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host, Signature=c")
	r.Header.Set("X-Amz-Date", "20260101T000000Z")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var out map[string]any
	if w.Body.Len() > 0 {
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out), w.Body.String())
	}
	return w.Code, out
}

func TestIteratorExpires(t *testing.T) {
	clk := &clock{now: time.Date(2026, 1, 22, 1, 22, 2, 0, time.UTC)}
	h, _ := newTestHandler(t, clk)
	code, _ := call(t, h, "CreateStream", map[string]any{"StreamName": "s", "ShardCount": 1})
	require.Equal(t, 200, code)
	code, out := call(t, h, "GetShardIterator", map[string]any{"StreamName": "s", "ShardId": "shardId-000000000000", "ShardIteratorType": "TRIM_HORIZON"})
	require.Equal(t, 200, code, out)
	it := out["ShardIterator"].(string)

	clk.Advance(4 * time.Minute)
	code, out = call(t, h, "GetRecords", map[string]any{"ShardIterator": it})
	require.Equal(t, 200, code, out)

	clk.Advance(2 * time.Minute)
	code, out = call(t, h, "GetRecords", map[string]any{"ShardIterator": it})
	require.Equal(t, 400, code)
	require.Equal(t, "ExpiredIteratorException", out["__type"])
	require.Equal(t, "Iterator expired. The iterator was created at time Thu Jan 22 01:22:02 UTC 2026 while right now it is "+
		"Thu Jan 22 01:28:02 UTC 2026 which is further in the future than the tolerated delay of 300000 milliseconds.", out["message"])
}

func TestStatusTransitions(t *testing.T) {
	clk := &clock{now: time.Now()}
	h, store := newTestHandler(t, clk, func(o *Options) { o.StatusDelay = time.Hour })
	code, _ := call(t, h, "CreateStream", map[string]any{"StreamName": "slow", "ShardCount": 1})
	require.Equal(t, 200, code)
	s, err := store.Stream("slow")
	require.NoError(t, err)
	require.Equal(t, catalog.StatusCreating, s.Status)

	code, out := call(t, h, "DeleteStream", map[string]any{"StreamName": "slow"})
	require.Equal(t, 400, code)
	require.Equal(t, "ResourceInUseException", out["__type"])

	// Close completes the pending transition at once.
	h.Close()
	s, err = store.Stream("slow")
	require.NoError(t, err)
	require.Equal(t, catalog.StatusActive, s.Status)
}

func TestRecoverTransitions(t *testing.T) {
	clk := &clock{now: time.Now()}
	_, store := newTestHandler(t, clk)
	_, err := store.CreateStream("a", 1, 0, "PROVISIONED", nil)
	require.NoError(t, err)
	_, err = store.CreateStream("b", 1, 0, "PROVISIONED", nil)
	require.NoError(t, err)
	set := func(name, status string) {
		_, err := store.UpdateStream(name, func(s *catalog.Stream) error { s.Status = status; return nil })
		require.NoError(t, err)
	}
	set("a", catalog.StatusCreating)
	set("b", catalog.StatusDeleting)

	h2, err := New(store, Options{IteratorKey: bytes.Repeat([]byte{1}, 16)})
	require.NoError(t, err)
	h2.Close()
	a, err := store.Stream("a")
	require.NoError(t, err)
	require.Equal(t, catalog.StatusActive, a.Status)
	_, err = store.Stream("b")
	require.ErrorIs(t, err, storage.ErrStreamNotFound)
}

func TestTokens(t *testing.T) {
	clk := &clock{now: time.Now()}
	h, _ := newTestHandler(t, clk)
	tok := token{kind: tokenIterator, streamID: 9, shard: 3, offset: 1 << 40, name: "stream.name-1"}
	s := h.sealToken(tok)
	got, ok := h.unsealToken(tokenIterator, s)
	require.True(t, ok)
	require.Equal(t, tok.streamID, got.streamID)
	require.Equal(t, tok.shard, got.shard)
	require.Equal(t, tok.offset, got.offset)
	require.Equal(t, tok.name, got.name)
	require.Equal(t, clk.Now().UnixMilli(), got.issued.UnixMilli())

	_, ok = h.unsealToken(tokenListShards, s)
	require.False(t, ok, "a token of another kind")
	other, _ := newTestHandler(t, clk, func(o *Options) { o.IteratorKey = bytes.Repeat([]byte{8}, 32) })
	_, ok = other.unsealToken(tokenIterator, s)
	require.False(t, ok, "a token signed with another key")
	for i := range len(s) {
		b := []byte(s)
		b[i] ^= 0x01
		_, ok := h.unsealToken(tokenIterator, string(b))
		require.False(t, ok, "flipped byte %d", i)
	}
}

func TestHelpers(t *testing.T) {
	shardIDs := []struct {
		in   string
		want uint32
		ok   bool
	}{
		{"shardId-000000000000", 0, true},
		{"shardId-000000000042", 42, true},
		{"7", 7, true},
		{"shardId-", 0, false},
		{"shardId-0000000000001", 0, false},
		{"shard-1", 0, false},
		{"shardId-99999999999", 0, false},
	}
	for _, tt := range shardIDs {
		got, ok := parseShardID(tt.in)
		require.Equal(t, tt.ok, ok, tt.in)
		require.Equal(t, tt.want, got, tt.in)
	}

	arns := []struct {
		in                    string
		region, account, name string
		ok                    bool
	}{
		{"arn:aws:kinesis:us-east-1:000000000000:stream/s", "us-east-1", "000000000000", "s", true},
		{"arn:aws-cn:kinesis:cn-north-1:123456789012:stream/a.b", "cn-north-1", "123456789012", "a.b", true},
		{"arn:aws:kinesis:us-east-1:000000000000:stream/", "", "", "", false},
		{"arn:aws:sqs:us-east-1:000000000000:stream/s", "", "", "", false},
		{"arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/c:1", "", "", "", false},
	}
	for _, tt := range arns {
		region, account, name, ok := parseStreamARN(tt.in)
		require.Equal(t, tt.ok, ok, tt.in)
		require.Equal(t, []string{tt.region, tt.account, tt.name}, []string{region, account, name}, tt.in)
	}

	require.True(t, hashKeyInRange("0"))
	require.True(t, hashKeyInRange(maxHashKey))
	require.True(t, hashKeyInRange("99999999999999999999999999999999999999"))
	require.False(t, hashKeyInRange("340282366920938463463374607431768211456"))
	require.False(t, hashKeyInRange("1000000000000000000000000000000000000000"))
}

func TestValidatorMessages(t *testing.T) {
	long := string(bytes.Repeat([]byte("a"), 129))
	tests := []struct {
		name string
		run  func(v *validator)
		want string
	}{
		{"null", func(v *validator) { v.reqStr("streamName", nil, 1, 128, patternName) },
			"1 validation error detected: Value null at 'streamName' failed to satisfy constraint: Member must not be null"},
		{"pattern and length", func(v *validator) { s := long + "!"; v.str("streamName", &s, 1, 128, patternName) },
			"2 validation errors detected: Value '" + long + "!' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
				"Value '" + long + "!' at 'streamName' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{"range", func(v *validator) { n := int64(20000); v.intRange("limit", &n, 1, 10000) },
			"1 validation error detected: Value '20000' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000"},
		{"blob", func(v *validator) { v.blob("data", make([]byte, 11), 10) },
			"1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=11 cap=11]' at 'data' failed to satisfy constraint: Member must have length less than or equal to 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v validator
			tt.run(&v)
			require.EqualError(t, v.err(), "ValidationException: "+tt.want)
		})
	}
	var v validator
	require.NoError(t, v.err())
}
