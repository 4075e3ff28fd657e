package firehose

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"

	"github.com/eddy-streaming/eddy/internal/awsproto"
)

// Firehose error types.
const (
	typeInvalidArgument        = "InvalidArgumentException"
	typeValidation             = "ValidationException"
	typeResourceNotFound       = "ResourceNotFoundException"
	typeResourceInUse          = "ResourceInUseException"
	typeLimitExceeded          = "LimitExceededException"
	typeConcurrentModification = "ConcurrentModificationException"
	typeServiceUnavailable     = "ServiceUnavailableException"
)

func invalidArgument(msg string) *awsproto.Error { return awsproto.NewError(typeInvalidArgument, msg) }

func validation(msg string) *awsproto.Error {
	return awsproto.NewError(typeValidation, "1 validation error detected: "+msg)
}

func notFound(name, account string) *awsproto.Error {
	return awsproto.NewError(typeResourceNotFound, fmt.Sprintf("Firehose %s under account %s not found.", name, account))
}

func inUse(msg string) *awsproto.Error { return awsproto.NewError(typeResourceInUse, msg) }

func serviceUnavailable(msg string) *awsproto.Error {
	return &awsproto.Error{Type: typeServiceUnavailable, Message: msg, Status: http.StatusServiceUnavailable}
}

// newRequestID returns a random UUID (version 4), as AWS request IDs are.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
