package awsproto

import (
	"net/http"
	"strings"
)

// CheckAuth checks the shape of a request's SigV4 credentials, in the
// Authorization header or in the query string (presigned). It does not
// verify the signature: any well-formed one is accepted.
//
// A request with neither gets MissingAuthenticationTokenException; a
// malformed one IncompleteSignatureException, with AWS's message listing
// every missing part; one with both InvalidSignatureException. All are
// HTTP 400, as AWS sends them on the JSON and CBOR protocols.
func CheckAuth(r *http.Request) *Error {
	header := r.Header.Get("Authorization")
	query := r.URL.Query()
	_, hasQueryAuth := query["X-Amz-Algorithm"]
	switch {
	case header != "" && hasQueryAuth:
		return NewError(TypeInvalidSignature,
			"Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.")
	case header == "" && !hasQueryAuth:
		return NewError(TypeMissingAuthToken, messageMissingAuthToken)
	case header != "":
		return checkAuthHeader(header, r.Header.Get("X-Amz-Date") != "" || r.Header.Get("Date") != "")
	default:
		return checkAuthQuery(query)
	}
}

func checkAuthHeader(header string, hasDate bool) *Error {
	params := authParams(header)
	var msg strings.Builder
	for _, p := range [...]string{"Credential", "Signature", "SignedHeaders"} {
		if params[p] == "" {
			msg.WriteString("Authorization header requires '" + p + "' parameter. ")
		}
	}
	if !hasDate {
		msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if msg.Len() == 0 {
		return nil
	}
	msg.WriteString("Authorization=" + header)
	return NewError(TypeIncompleteSignature, msg.String())
}

// authParams parses "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=c, Signature=d"
// into its key=value parameters; the first word is the algorithm.
func authParams(header string) map[string]string {
	fields := strings.FieldsFunc(header, func(r rune) bool { return r == ',' || r == ' ' })
	params := make(map[string]string, 3)
	if len(fields) == 0 {
		return params
	}
	for _, f := range fields[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		params[k] = v
	}
	return params
}

func checkAuthQuery(query map[string][]string) *Error {
	var msg strings.Builder
	for _, p := range [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"} {
		if v := query[p]; len(v) == 0 || v[0] == "" {
			msg.WriteString("AWS query-string parameters must include '" + p + "'. ")
		}
	}
	if msg.Len() == 0 {
		return nil
	}
	msg.WriteString("Re-examine the query-string parameters.")
	return NewError(TypeIncompleteSignature, msg.String())
}
