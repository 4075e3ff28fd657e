package kinesis

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/eddy-streaming/eddy/internal/awsproto"
	"github.com/eddy-streaming/eddy/internal/storage"
)

// Kinesis error types (the `__type` of error responses).
const (
	errValidation            = "ValidationException"
	errResourceNotFound      = "ResourceNotFoundException"
	errResourceInUse         = "ResourceInUseException"
	errInvalidArgument       = "InvalidArgumentException"
	errLimitExceeded         = "LimitExceededException"
	errExpiredIterator       = "ExpiredIteratorException"
	errExpiredNextToken      = "ExpiredNextTokenException"
	errThroughputExceeded    = "ProvisionedThroughputExceededException"
	errAccessDenied          = "AccessDeniedException"
	errInternalFailure       = "InternalFailure"
	errServiceUnavailable    = "ServiceUnavailable"
	messageServiceShutdown   = "The service is shutting down. Try again."
	messageInternalFailureKV = "An internal error occurred. Try again."
	messageKeyUnavailable    = "The KMS key that encrypted the records, or the version of it they use, is not in the keyring."
)

// errorTable maps storage errors that reach the API edge without a more
// specific translation to AWS error types and statuses. Handlers translate
// the errors they expect (stream not found, bad sequence number, ...) with
// the stream and shard in the message; this table is the fallback.
var errorTable = []struct {
	err    error
	typ    string
	status int
}{
	{storage.ErrStreamNotFound, errResourceNotFound, http.StatusBadRequest},
	{storage.ErrShardNotFound, errResourceNotFound, http.StatusBadRequest},
	{storage.ErrStreamExists, errResourceInUse, http.StatusBadRequest},
	{storage.ErrShardClosed, errResourceInUse, http.StatusBadRequest},
	{storage.ErrRecordTooLarge, errValidation, http.StatusBadRequest},
	{storage.ErrBadSequence, errInvalidArgument, http.StatusBadRequest},
	{storage.ErrBadHashKey, errInvalidArgument, http.StatusBadRequest},
	{storage.ErrClosed, errServiceUnavailable, http.StatusServiceUnavailable},
	{storage.ErrWriteRefused, errInternalFailure, http.StatusInternalServerError},
	{storage.ErrCorrupt, errInternalFailure, http.StatusInternalServerError},
	{storage.ErrKeyUnavailable, errKMSNotFound, http.StatusBadRequest},
	{context.Canceled, errInternalFailure, http.StatusInternalServerError},
	{context.DeadlineExceeded, errInternalFailure, http.StatusInternalServerError},
}

// toAPIError converts any error a handler returns to the AWS error sent
// to the client. internal reports whether the error is a server fault
// that should be logged.
func toAPIError(err error) (apiErr *awsproto.Error, internal bool) {
	var e *awsproto.Error
	if errors.As(err, &e) {
		return e, e.HTTPStatus() >= 500
	}
	for _, row := range errorTable {
		if errors.Is(err, row.err) {
			msg := err.Error()
			if row.typ == errKMSNotFound {
				msg = messageKeyUnavailable
			}
			if row.status >= 500 {
				msg = messageInternalFailureKV
				if row.typ == errServiceUnavailable {
					msg = messageServiceShutdown
				}
			}
			return &awsproto.Error{Type: row.typ, Message: msg, Status: row.status}, row.status >= 500
		}
	}
	return awsproto.InternalFailure(), true
}

// Constructors for the errors handlers return, with AWS's wording.

func apiErr(typ, format string, args ...any) *awsproto.Error {
	return awsproto.NewError(typ, fmt.Sprintf(format, args...))
}

func (h *Handler) streamNotFound(name string) *awsproto.Error {
	return apiErr(errResourceNotFound, "Stream %s under account %s not found.", name, h.opts.AccountID)
}

func (h *Handler) streamInUse(name, status string) *awsproto.Error {
	return apiErr(errResourceInUse, "Stream %s under account %s not ACTIVE, instead in state %s", name, h.opts.AccountID, status)
}

func (h *Handler) shardNotFound(shardID, stream string) *awsproto.Error {
	return apiErr(errResourceNotFound, "Shard %s in stream %s under account %s does not exist", shardID, stream, h.opts.AccountID)
}

func invalidArgument(format string, args ...any) *awsproto.Error {
	return apiErr(errInvalidArgument, format, args...)
}
