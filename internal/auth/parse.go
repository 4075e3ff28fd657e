package auth

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm accepted.
const Algorithm = "AWS4-HMAC-SHA256"

// Query-string parameters of the presigned form.
const (
	queryAlgorithm     = "X-Amz-Algorithm"
	queryCredential    = "X-Amz-Credential"
	queryDate          = "X-Amz-Date"
	queryExpires       = "X-Amz-Expires"
	querySignedHeaders = "X-Amz-SignedHeaders"
	querySignature     = "X-Amz-Signature"
)

// UnsignedPayload is the X-Amz-Content-Sha256 value that leaves the body
// out of the signature.
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// MaxExpires is the longest X-Amz-Expires accepted: a week, in seconds.
const MaxExpires = 604800

// amzDateLayout is ISO 8601 basic format, as X-Amz-Date carries it.
const amzDateLayout = "20060102T150405Z"

// signature is the SigV4 parts of a request, in either form, before any
// of them is checked.
type signature struct {
	presigned     bool
	algorithm     string
	credential    string
	signedHeaders string
	signature     string
	// date is X-Amz-Date (header or query), or the Date header in the
	// header form when X-Amz-Date is absent (then httpDate is set).
	date     string
	httpDate bool
	// expires is X-Amz-Expires; "" when absent.
	expires string
	// query is the parsed query string.
	query url.Values
}

// extract finds the request's SigV4 parts and checks that none is missing.
func extract(r *http.Request) (signature, *Error) {
	header := r.Header.Get("Authorization")
	query := r.URL.Query()
	_, queryForm := query[queryAlgorithm]
	switch {
	case header != "" && queryForm:
		return signature{}, newError(TypeInvalidSignature, ReasonBothForms,
			"Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.")
	case queryForm:
		return extractQuery(query)
	case header == "" || !strings.HasPrefix(strings.TrimSpace(header), "AWS4-"):
		return signature{}, newError(TypeMissingAuthToken, ReasonMissing, messageMissingAuthToken)
	}
	sig, err := parseAuthorization(header)
	if err != nil {
		return signature{}, err
	}
	sig.query = query
	if d := r.Header.Get("X-Amz-Date"); d != "" {
		sig.date = d
	} else if d := r.Header.Get("Date"); d != "" {
		sig.date, sig.httpDate = d, true
	}
	var msg strings.Builder
	for _, p := range [...]struct{ name, value string }{
		{"Credential", sig.credential}, {"Signature", sig.signature}, {"SignedHeaders", sig.signedHeaders},
	} {
		if p.value == "" {
			msg.WriteString("Authorization header requires '" + p.name + "' parameter. ")
		}
	}
	if sig.date == "" {
		msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if msg.Len() > 0 {
		msg.WriteString("Authorization=" + header)
		return signature{}, newError(TypeIncompleteSignature, ReasonMalformed, msg.String())
	}
	return sig, nil
}

// parseAuthorization parses "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=...": the algorithm, then key=value parameters separated by
// commas and/or spaces. Unknown parameters are ignored; of a repeated one
// the first counts.
func parseAuthorization(header string) (signature, *Error) {
	header = strings.TrimSpace(header)
	algorithm, rest, _ := strings.Cut(header, " ")
	sig := signature{algorithm: algorithm}
	seen := map[string]bool{}
	for _, field := range strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		key, value, ok := strings.Cut(field, "=")
		if !ok {
			return signature{}, errorf(TypeIncompleteSignature, ReasonMalformed,
				"'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", field, header)
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		switch key {
		case "Credential":
			sig.credential = value
		case "SignedHeaders":
			sig.signedHeaders = value
		case "Signature":
			sig.signature = value
		}
	}
	return sig, nil
}

func extractQuery(query url.Values) (signature, *Error) {
	sig := signature{
		presigned:     true,
		algorithm:     query.Get(queryAlgorithm),
		credential:    query.Get(queryCredential),
		signedHeaders: query.Get(querySignedHeaders),
		signature:     query.Get(querySignature),
		date:          query.Get(queryDate),
		expires:       query.Get(queryExpires),
		query:         query,
	}
	var msg strings.Builder
	for _, p := range [...]struct{ name, value string }{
		{queryAlgorithm, sig.algorithm}, {queryCredential, sig.credential}, {querySignature, sig.signature},
		{querySignedHeaders, sig.signedHeaders}, {queryDate, sig.date},
	} {
		if p.value == "" {
			msg.WriteString("AWS query-string parameters must include '" + p.name + "'. ")
		}
	}
	if msg.Len() > 0 {
		msg.WriteString("Re-examine the query-string parameters.")
		return signature{}, newError(TypeIncompleteSignature, ReasonMalformed, msg.String())
	}
	return sig, nil
}

// signingTime parses the request's date. X-Amz-Date must be ISO 8601
// basic format; the Date header may be any HTTP date.
func (s signature) signingTime() (time.Time, *Error) {
	var t time.Time
	var err error
	if s.httpDate {
		t, err = http.ParseTime(s.date)
	} else if len(s.date) == len(amzDateLayout) {
		t, err = time.Parse(amzDateLayout, s.date)
	} else {
		err = strconv.ErrSyntax
	}
	if err != nil {
		return time.Time{}, errorf(TypeIncompleteSignature, ReasonMalformed,
			"Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", s.date)
	}
	return t.UTC(), nil
}

// expiry parses X-Amz-Expires: ok is false when it is absent.
func (s signature) expiry() (d time.Duration, ok bool, err *Error) {
	if s.expires == "" {
		return 0, false, nil
	}
	digits, negative := strings.CutPrefix(s.expires, "-")
	if !isDigits(digits) {
		return 0, false, newError(TypeIncompleteSignature, ReasonMalformed, "X-Amz-Expires should be a number")
	}
	if negative {
		return 0, false, newError(TypeIncompleteSignature, ReasonMalformed, "X-Amz-Expires must be non-negative")
	}
	n, perr := strconv.ParseInt(digits, 10, 64)
	if perr != nil || n > MaxExpires {
		return 0, false, errorf(TypeIncompleteSignature, ReasonMalformed,
			"X-Amz-Expires must be less than a week (in seconds) that is %d", MaxExpires)
	}
	return time.Duration(n) * time.Second, true, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// signedHeaderNames splits SignedHeaders ("host;x-amz-date") into
// lower-case names, in the order given.
func signedHeaderNames(s string) []string {
	names := strings.Split(s, ";")
	for i, n := range names {
		names[i] = strings.ToLower(strings.TrimSpace(n))
	}
	return names
}

// credential is the parsed X-Amz-Credential: keyid/date/region/service/term.
type credential struct {
	accessKeyID, date, region, service, terminator string
}

// scope returns "date/region/service/terminator", as signed.
func (c credential) scope() string {
	return c.date + "/" + c.region + "/" + c.service + "/" + c.terminator
}

// parseCredential splits a credential into its five parts; trailing
// slashes are ignored, as AWS does.
func parseCredential(s string) (credential, *Error) {
	parts := strings.Split(strings.TrimRight(s, "/"), "/")
	if len(parts) != 5 {
		return credential{}, errorf(TypeIncompleteSignature, ReasonMalformed,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", s)
	}
	return credential{accessKeyID: parts[0], date: parts[1], region: parts[2], service: parts[3], terminator: parts[4]}, nil
}

func formatTime(t time.Time) string { return t.UTC().Format(amzDateLayout) }
