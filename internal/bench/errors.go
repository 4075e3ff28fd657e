package bench

import (
	"errors"

	"github.com/aws/smithy-go"
)

// isThrottle reports whether an error code means the service refused the
// call for load (and a retry later would do), rather than an error.
func isThrottle(code string) bool {
	switch code {
	case "ProvisionedThroughputExceededException", "LimitExceededException",
		"ThrottlingException", "Throttling", "TooManyRequestsException",
		"RequestLimitExceeded", "KMSThrottlingException":
		return true
	}
	return false
}

// errorCode returns the service's error code of err, or "" when err is not
// an API error (a network error, say).
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}
