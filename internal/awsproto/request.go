package awsproto

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Request is the protocol-level view of one API call, before its body is
// decoded for a particular operation.
type Request struct {
	// Format is the body encoding, from Content-Type.
	Format Format
	// Service and Operation come from X-Amz-Target ("Service.Operation").
	Service   string
	Operation string
	// Body is the raw request body. It is only valid until Release.
	Body []byte

	buf *bytes.Buffer
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// ParseRequest reads and checks the protocol envelope of r in the order
// AWS does: method, content type, target, body, then credentials. The
// body is read into a pooled buffer of at most maxBody bytes; call
// Release when done with the Request. xml is set when the error must be
// written with WriteXMLError (the content type names no known protocol).
//
// knownOperation reports whether the service accepts an operation; an
// unknown one is an UnknownOperationException.
func ParseRequest(r *http.Request, service string, knownOperation func(string) bool, maxBody int64) (req *Request, xml bool, perr *Error) {
	format, ok := FormatOf(r.Header.Get("Content-Type"))
	target := r.Header.Get("X-Amz-Target")
	svc, op, _ := strings.Cut(target, ".")
	if r.Method != http.MethodPost || !ok {
		if r.Header.Get("Authorization") == "" && !r.URL.Query().Has("X-Amz-Algorithm") {
			return nil, true, &Error{Type: TypeMissingAuthToken, Message: messageMissingAuthToken, Status: http.StatusForbidden}
		}
		return nil, true, &Error{Type: TypeAccessDenied, Message: messageOperationNotFound, Status: http.StatusForbidden}
	}
	known := svc == service && op != "" && knownOperation(op)

	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	if r.ContentLength > 0 && r.ContentLength <= maxBody {
		buf.Grow(int(r.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		bufPool.Put(buf)
		return nil, false, serializationError("")
	}
	if n > maxBody {
		bufPool.Put(buf)
		return nil, false, &Error{Type: TypeRequestEntityTooBig,
			Message: "Request body must be less than " + strconv.FormatInt(maxBody, 10) + " bytes", Status: http.StatusRequestEntityTooLarge}
	}
	req = &Request{Format: format, Service: svc, Operation: op, Body: buf.Bytes(), buf: buf}
	if len(req.Body) == 0 {
		req.Release()
		if !known {
			return nil, false, NewError(TypeUnknownOperation, "")
		}
		return nil, false, serializationError("")
	}
	if !known {
		req.Release()
		return nil, false, NewError(TypeUnknownOperation, "")
	}
	if e := CheckAuth(r); e != nil {
		req.Release()
		return nil, false, e
	}
	return req, false, nil
}

// Release returns the body buffer to the pool. Body must not be used after.
func (r *Request) Release() {
	if r.buf == nil {
		return
	}
	if r.buf.Cap() <= 16<<20 {
		bufPool.Put(r.buf)
	}
	r.buf, r.Body = nil, nil
}

// WriteResponse encodes v in format f and writes it with status 200.
func WriteResponse(w http.ResponseWriter, f Format, v any) error {
	b, err := Encode(f, v)
	if err != nil {
		return err
	}
	WriteBody(w, f, b)
	return nil
}

// WriteBody writes an already encoded response body with status 200.
func WriteBody(w http.ResponseWriter, f Format, b []byte) {
	h := w.Header()
	h.Set("Content-Type", f.ContentType())
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// Operation is one API operation of a service S: it decodes a request body
// in format f and runs. Services keep a table of them by operation name.
type Operation[S any] func(s S, ctx context.Context, f Format, body []byte) (any, error)

// Op adapts fn, which takes a decoded input, to an Operation: the body is
// decoded into a new In first, and a decoding error is returned as is.
func Op[S, In any](fn func(s S, ctx context.Context, in *In) (any, error)) Operation[S] {
	return func(s S, ctx context.Context, f Format, body []byte) (any, error) {
		in := new(In)
		if e := Decode(f, body, in); e != nil {
			return nil, e
		}
		return fn(s, ctx, in)
	}
}
