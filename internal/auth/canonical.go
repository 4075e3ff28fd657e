package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The canonical request, as AWS specifies it and the AWS SDKs build it:
//
//	METHOD \n
//	canonical URI      URI-encoded escaped path (so a %XX becomes %25XX), "/" if empty
//	canonical query    every name=value URI-encoded, sorted by name then value
//	canonical headers  "name:value\n" per signed header, names lower case, values
//	                   trimmed with runs of spaces folded, repeated headers joined by ","
//	signed headers     the SignedHeaders list
//	payload hash       hex SHA-256 of the body, or UNSIGNED-PAYLOAD
//
// The path is encoded once more, as for every service but S3, and is not
// normalized: clients sign the path they send.

// canonicalRequest builds the canonical request of r for the given signed
// header names (lower case) and payload hash.
func canonicalRequest(r *http.Request, query url.Values, presigned bool, signedHeaders string, names []string, payloadHash string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(query, presigned))
	b.WriteByte('\n')
	writeCanonicalHeaders(&b, r, names)
	b.WriteByte('\n')
	b.WriteString(signedHeaders)
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// canonicalURI URI-encodes the request's escaped path, keeping '/'.
func canonicalURI(u *url.URL) string {
	path := u.EscapedPath()
	if u.Opaque != "" {
		// "//host/path" or "/path": the path starts at the first lone '/'.
		opaque := strings.TrimPrefix(u.Opaque, "//")
		if i := strings.IndexByte(opaque, '/'); i >= 0 {
			path = opaque[i:]
		} else {
			path = ""
		}
	}
	if path == "" {
		return "/"
	}
	return uriEncode(path, false)
}

// canonicalQuery encodes and sorts the query parameters. In the presigned
// form X-Amz-Signature is left out: it is the signature itself.
func canonicalQuery(query url.Values, presigned bool) string {
	type pair struct{ key, value string }
	pairs := make([]pair, 0, len(query))
	for k, vs := range query {
		if presigned && k == querySignature {
			continue
		}
		ek := uriEncode(k, true)
		for _, v := range vs {
			pairs = append(pairs, pair{ek, uriEncode(v, true)})
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// writeCanonicalHeaders writes "name:value\n" for each signed header.
func writeCanonicalHeaders(b *strings.Builder, r *http.Request, names []string) {
	for _, name := range names {
		b.WriteString(name)
		b.WriteByte(':')
		switch name {
		case "host", ":authority":
			b.WriteString(foldSpaces(r.Host))
		default:
			values := r.Header[textproto.CanonicalMIMEHeaderKey(name)]
			if len(values) == 0 && name == "content-length" && r.ContentLength >= 0 {
				values = []string{strconv.FormatInt(r.ContentLength, 10)}
			}
			for i, v := range values {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(foldSpaces(v))
			}
		}
		b.WriteByte('\n')
	}
}

// foldSpaces trims a header value and folds runs of spaces into one, as
// the SDKs do.
func foldSpaces(v string) string {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

// uriEncode percent-encodes every byte but the unreserved characters
// (A-Z a-z 0-9 - _ . ~), and '/' unless encodeSlash, with upper-case hex.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) && (encodeSlash || s[i] != '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	out := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (!encodeSlash && c == '/') {
			out = append(out, c)
			continue
		}
		out = append(out, '%', hexDigits[c>>4], hexDigits[c&0xf])
	}
	return string(out)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

// stringToSign is the string the signature is the HMAC of.
func stringToSign(amzDate, scope, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// deriveKey computes the signing key of a secret for one day, region and
// service.
func deriveKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// payloadSHA256 returns the hex SHA-256 of a body.
func payloadSHA256(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}
