package awsproto

import (
	"encoding/binary"
	"hash/crc32"
	"net/http"
)

// Event streams (application/vnd.amazon.eventstream) carry a sequence of
// binary messages, as SubscribeToShard responses do. One message:
//
//	+--------------+---------------+-------------+---------+---------+-------------+
//	| total length | headers length| prelude CRC | headers | payload | message CRC |
//	|   4 (BE)     |    4 (BE)     |   4 (BE)    |    n    |    m    |   4 (BE)    |
//	+--------------+---------------+-------------+---------+---------+-------------+
//
// The prelude CRC covers the first 8 bytes, the message CRC everything
// before it; both are CRC-32 (IEEE). Each header is a name length (1 byte),
// the name, a value type (1 byte; 7 is a string) and, for strings, the
// value length (2 bytes, BE) and the value.

// EventStreamContentType is the media type of an event-stream response.
const EventStreamContentType = "application/vnd.amazon.eventstream"

// Header is a string-valued event-stream message header.
type Header struct {
	Name, Value string
}

const (
	eventPreludeLen  = 12
	eventTrailerLen  = 4
	headerTypeString = 7
)

// AppendEventMessage appends one encoded message to dst. Header names must
// be shorter than 256 bytes and values shorter than 64 KiB.
func AppendEventMessage(dst []byte, headers []Header, payload []byte) []byte {
	headersLen := 0
	for _, h := range headers {
		headersLen += 1 + len(h.Name) + 1 + 2 + len(h.Value)
	}
	total := eventPreludeLen + headersLen + len(payload) + eventTrailerLen
	start := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, uint32(total))
	dst = binary.BigEndian.AppendUint32(dst, uint32(headersLen))
	dst = binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:start+8]))
	for _, h := range headers {
		dst = append(dst, byte(len(h.Name)))
		dst = append(dst, h.Name...)
		dst = append(dst, headerTypeString)
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(h.Value)))
		dst = append(dst, h.Value...)
	}
	dst = append(dst, payload...)
	return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:]))
}

// EventContentType is the :content-type of event payloads in format f.
func EventContentType(f Format) string {
	if f == CBOR {
		return "application/cbor"
	}
	return "application/json"
}

// AppendEvent appends an event message (:message-type event) of the given
// event type whose payload is encoded in format f.
func AppendEvent(dst []byte, f Format, eventType string, payload []byte) []byte {
	return AppendEventMessage(dst, []Header{
		{":event-type", eventType},
		{":content-type", EventContentType(f)},
		{":message-type", "event"},
	}, payload)
}

// AppendException appends an exception message (:message-type exception)
// carrying e in format f.
func AppendException(dst []byte, f Format, e *Error) []byte {
	body, err := Encode(f, errorBody{Type: e.Type, Message: e.Message})
	if err != nil {
		body = nil
	}
	return AppendEventMessage(dst, []Header{
		{":exception-type", e.Type},
		{":content-type", EventContentType(f)},
		{":message-type", "exception"},
	}, body)
}

// StartEventStream writes the status and headers of an event-stream
// response and flushes them, so that the client sees the stream open.
func StartEventStream(w http.ResponseWriter) error {
	h := w.Header()
	h.Set("Content-Type", EventStreamContentType)
	h.Del("Content-Length")
	w.WriteHeader(http.StatusOK)
	return http.NewResponseController(w).Flush()
}
