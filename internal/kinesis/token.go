package kinesis

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/eddy-streaming/eddy/internal/awsproto"
)

// Shard iterators and pagination tokens are sealed tokens: opaque base64
// strings whose contents the server signs with HMAC-SHA256 under
// Options.IteratorKey, so a client can neither forge nor alter one. The
// key is persisted by the caller, so tokens stay valid across a restart.
//
// Layout (big-endian), before base64:
//
//	+------+---------+----------+-------+--------+-----+--------+-------+------+------+
//	| kind | issued  | streamID | shard | offset | aux | filter | nlen  | name | mac  |
//	|  1   | 8 (ms)  |    8     |   4   |   8    |  8  |   1    |   2   | nlen |  16  |
//	+------+---------+----------+-------+--------+-----+--------+-------+------+------+
//
// The stream ID (not just its name) is inside, so a token of a deleted
// stream never reads a new stream of the same name.

// Token kinds.
const (
	tokenIterator    byte = 1
	tokenListShards  byte = 2
	tokenListStreams byte = 3
)

const (
	tokenHeaderLen = 1 + 8 + 8 + 4 + 8 + 8 + 1 + 2
	tokenMACLen    = 16
	// tokenTTL is how long an iterator or a NextToken stays valid.
	tokenTTL = 5 * time.Minute
)

// token is the decoded content of a sealed token.
type token struct {
	kind     byte
	issued   time.Time
	streamID uint64
	shard    uint32
	offset   uint64
	aux      int64 // ListShards: filter timestamp (ms)
	filter   byte  // ListShards: filter type index + 1
	name     string
}

func (h *Handler) sealToken(t token) string {
	if t.issued.IsZero() {
		t.issued = h.opts.Now()
	}
	name := t.name
	if len(name) > 0xffff {
		name = name[:0xffff]
	}
	buf := make([]byte, tokenHeaderLen, tokenHeaderLen+len(name)+sha256.Size)
	buf[0] = t.kind
	binary.BigEndian.PutUint64(buf[1:], uint64(t.issued.UnixMilli()))
	binary.BigEndian.PutUint64(buf[9:], t.streamID)
	binary.BigEndian.PutUint32(buf[17:], t.shard)
	binary.BigEndian.PutUint64(buf[21:], t.offset)
	binary.BigEndian.PutUint64(buf[29:], uint64(t.aux))
	buf[37] = t.filter
	binary.BigEndian.PutUint16(buf[38:], uint16(len(name)))
	buf = append(buf, name...)
	mac := hmac.New(sha256.New, h.opts.IteratorKey)
	mac.Write(buf)
	buf = mac.Sum(buf)[:len(buf)+tokenMACLen]
	return base64.StdEncoding.EncodeToString(buf)
}

// unsealToken decodes and authenticates a token of the given kind. It does
// not check expiry.
func (h *Handler) unsealToken(kind byte, s string) (token, bool) {
	if len(s) > 4096 {
		return token{}, false
	}
	buf, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(buf) < tokenHeaderLen+tokenMACLen || buf[0] != kind {
		return token{}, false
	}
	body, sum := buf[:len(buf)-tokenMACLen], buf[len(buf)-tokenMACLen:]
	mac := hmac.New(sha256.New, h.opts.IteratorKey)
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil)[:tokenMACLen], sum) {
		return token{}, false
	}
	nameLen := int(binary.BigEndian.Uint16(body[38:]))
	if len(body) != tokenHeaderLen+nameLen {
		return token{}, false
	}
	return token{
		kind:     body[0],
		issued:   time.UnixMilli(int64(binary.BigEndian.Uint64(body[1:]))),
		streamID: binary.BigEndian.Uint64(body[9:]),
		shard:    binary.BigEndian.Uint32(body[17:]),
		offset:   binary.BigEndian.Uint64(body[21:]),
		aux:      int64(binary.BigEndian.Uint64(body[29:])),
		filter:   body[37],
		name:     string(body[tokenHeaderLen:]),
	}, true
}

// amzTimeLayout is how AWS prints times in expiry messages
// ("Thu Jan 22 01:22:02 UTC 2015").
const amzTimeLayout = "Mon Jan 02 15:04:05 UTC 2006"

// openIterator decodes a shard iterator and checks that it has not
// expired.
func (h *Handler) openIterator(s string) (token, error) {
	t, ok := h.unsealToken(tokenIterator, s)
	now := h.opts.Now()
	if !ok || t.issued.After(now.Add(time.Minute)) {
		return token{}, invalidArgument("Invalid ShardIterator.")
	}
	if now.Sub(t.issued) > tokenTTL {
		return token{}, apiErr(errExpiredIterator,
			"Iterator expired. The iterator was created at time %s while right now it is %s which is further in the future than the tolerated delay of %d milliseconds.",
			t.issued.UTC().Format(amzTimeLayout), now.UTC().Format(amzTimeLayout), tokenTTL.Milliseconds())
	}
	return t, nil
}

// openToken decodes a pagination token and checks that it has not
// expired.
func (h *Handler) openToken(kind byte, s string) (token, *awsproto.Error) {
	t, ok := h.unsealToken(kind, s)
	if !ok {
		return token{}, invalidArgument("Invalid NextToken.")
	}
	if h.opts.Now().Sub(t.issued) > tokenTTL {
		return token{}, apiErr(errExpiredNextToken, "The NextToken has expired. NextTokens are valid for %d seconds.", int(tokenTTL.Seconds()))
	}
	return t, nil
}
