package awsproto

import (
	"mime"
	"strings"
)

// Format is a request or response body encoding.
type Format int

// The body encodings of the AWS JSON 1.1 protocol family.
const (
	// JSON is application/x-amz-json-1.1, spoken by the Go, Python and JS
	// SDKs and the AWS CLI.
	JSON Format = iota
	// CBOR is application/x-amz-cbor-1.1, the Java SDK's default.
	CBOR
)

// Content types of the two formats.
const (
	ContentTypeJSON = "application/x-amz-json-1.1"
	ContentTypeCBOR = "application/x-amz-cbor-1.1"
)

// ContentType returns the MIME type of the format.
func (f Format) ContentType() string {
	if f == CBOR {
		return ContentTypeCBOR
	}
	return ContentTypeJSON
}

func (f Format) String() string {
	if f == CBOR {
		return "cbor"
	}
	return "json"
}

// FormatOf returns the format named by a Content-Type header value, and
// false when the content type is neither of the two.
func FormatOf(contentType string) (Format, bool) {
	ct := strings.TrimSpace(contentType)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		if mt, _, err := mime.ParseMediaType(ct); err == nil {
			ct = mt
		} else {
			ct = strings.TrimSpace(ct[:i])
		}
	}
	switch strings.ToLower(ct) {
	case ContentTypeJSON:
		return JSON, true
	case ContentTypeCBOR:
		return CBOR, true
	}
	return JSON, false
}
