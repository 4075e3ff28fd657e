package awsproto

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/fxamacker/cbor/v2"
)

// Error is an error as AWS services return it: an error type (the
// `__type` of the body and the x-amzn-ErrorType header), a message and an
// HTTP status.
type Error struct {
	// Type is the error shape name, e.g. "ResourceNotFoundException".
	Type string
	// Message is the human-readable message; empty means none is sent.
	Message string
	// Status is the HTTP status; 0 means 400.
	Status int
}

// NewError returns a client error (HTTP 400) of the given type.
func NewError(typ, message string) *Error {
	return &Error{Type: typ, Message: message, Status: http.StatusBadRequest}
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Type
	}
	return e.Type + ": " + e.Message
}

// HTTPStatus returns the status to send, defaulting to 400.
func (e *Error) HTTPStatus() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

// Error types this package produces itself.
const (
	TypeSerialization        = "SerializationException"
	TypeUnknownOperation     = "UnknownOperationException"
	TypeMissingAuthToken     = "MissingAuthenticationTokenException"
	TypeIncompleteSignature  = "IncompleteSignatureException"
	TypeInvalidSignature     = "InvalidSignatureException"
	TypeAccessDenied         = "AccessDeniedException"
	TypeInternalFailure      = "InternalFailure"
	TypeServiceUnavailable   = "ServiceUnavailable"
	TypeRequestEntityTooBig  = "RequestEntityTooLarge"
	messageInternalFailure   = "An internal error occurred. Try again."
	messageMissingAuthToken  = "Missing Authentication Token"
	messageOperationNotFound = "Unable to determine service/operation name to be authorized"
)

// InternalFailure returns the error sent for unexpected server faults
// (HTTP 500). The cause is not disclosed to the client.
func InternalFailure() *Error {
	return &Error{Type: TypeInternalFailure, Message: messageInternalFailure, Status: http.StatusInternalServerError}
}

// errorBody is the wire shape of an error.
type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"message,omitempty"`
}

// WriteError writes e in the given format, with its status and the
// x-amzn-ErrorType header.
func WriteError(w http.ResponseWriter, f Format, e *Error) {
	body := errorBody{Type: e.Type, Message: e.Message}
	var b []byte
	var err error
	if f == CBOR {
		b, err = cbor.Marshal(body)
	} else {
		b, err = json.Marshal(body)
	}
	if err != nil { // cannot happen for two strings
		b = nil
	}
	h := w.Header()
	h.Set("Content-Type", f.ContentType())
	h.Set("X-Amzn-ErrorType", e.Type)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(b)
}

// WriteXMLError writes e as the XML document AWS sends when the request's
// content type names no known protocol.
func WriteXMLError(w http.ResponseWriter, e *Error) {
	b := []byte("<" + e.Type + ">\n  <Message>" + xmlEscape(e.Message) + "</Message>\n</" + e.Type + ">\n")
	h := w.Header()
	h.Set("X-Amzn-ErrorType", e.Type)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(b)
}

func xmlEscape(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			out = append(out, "&lt;"...)
		case '>':
			out = append(out, "&gt;"...)
		case '&':
			out = append(out, "&amp;"...)
		default:
			out = append(out, c)
		}
	}
	return string(out)
}
