package kinesisanalytics

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"

	"github.com/eddy-streaming/eddy/internal/awsproto"
)

// Error types of the Kinesis Analytics API (the `__type` of error bodies).
const (
	typeValidation             = "ValidationException"
	typeInvalidArgument        = "InvalidArgumentException"
	typeResourceNotFound       = "ResourceNotFoundException"
	typeResourceInUse          = "ResourceInUseException"
	typeConcurrentModification = "ConcurrentModificationException"
	typeCodeValidation         = "CodeValidationException"
	typeInvalidConfiguration   = "InvalidApplicationConfigurationException"
	typeUnableToDetectSchema   = "UnableToDetectSchemaException"
	typeUnsupportedOperation   = "UnsupportedOperationException"
	typeTooManyTags            = "TooManyTagsException"
	typeServiceUnavailable     = "ServiceUnavailableException"
)

func apiError(typ, format string, args ...any) *awsproto.Error {
	return awsproto.NewError(typ, fmt.Sprintf(format, args...))
}

func invalidArgument(format string, args ...any) *awsproto.Error {
	return apiError(typeInvalidArgument, format, args...)
}

func notFound(name string) *awsproto.Error {
	return apiError(typeResourceNotFound, "Application %s is not found.", name)
}

func inUse(format string, args ...any) *awsproto.Error {
	return apiError(typeResourceInUse, format, args...)
}

func versionMismatch(name string, given, current int64) *awsproto.Error {
	return apiError(typeConcurrentModification,
		"Current application version id %d of application %s does not match the provided version id %d.", current, name, given)
}

func serviceUnavailable(msg string) *awsproto.Error {
	return &awsproto.Error{Type: typeServiceUnavailable, Message: msg, Status: http.StatusServiceUnavailable}
}

// unableToDetectSchema is DiscoverInputSchema's failure: the error carries
// the records it looked at, as AWS's does.
type unableToDetectSchema struct {
	Type                  string   `json:"__type"`
	Message               string   `json:"message"`
	RawInputRecords       []string `json:"RawInputRecords"`
	ProcessedInputRecords []string `json:"ProcessedInputRecords"`
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
