package auth

import (
	"fmt"
	"time"
)

// Error types, as AWS names them. All are sent with HTTP status 400 on
// AWS's JSON and CBOR protocols.
const (
	TypeMissingAuthToken    = "MissingAuthenticationTokenException"
	TypeIncompleteSignature = "IncompleteSignatureException"
	TypeInvalidSignature    = "InvalidSignatureException"
	TypeUnrecognizedClient  = "UnrecognizedClientException"
	// TypeThrottling is sent when the replay cache is full (see
	// Options.ReplayCacheSize); SDKs retry it.
	TypeThrottling = "ThrottlingException"
)

// Reason says, for logs and metrics, why a request was refused. It is
// never sent to the client.
type Reason string

// Reasons.
const (
	ReasonMissing       Reason = "missing"         // no credentials at all
	ReasonBothForms     Reason = "both_forms"      // header and query-string credentials
	ReasonMalformed     Reason = "malformed"       // a part missing or unparsable
	ReasonExpired       Reason = "expired"         // signed too long ago
	ReasonNotYetValid   Reason = "not_yet_valid"   // signed too far in the future
	ReasonScope         Reason = "scope"           // wrong region, service, date or terminator
	ReasonUnknownKey    Reason = "unknown_key"     // access key not configured
	ReasonPayloadHash   Reason = "payload_hash"    // X-Amz-Content-Sha256 refused or wrong
	ReasonSignature     Reason = "signature"       // signature mismatch
	ReasonReplay        Reason = "replay"          // signature seen before
	ReasonReplayCapFull Reason = "replay_cap_full" // replay cache full
)

// Error is a refused request: the AWS error type and message to send, and
// why. Verify returns only *Error values as errors.
type Error struct {
	// Type is the AWS error type, one of the Type constants.
	Type string
	// Message is AWS's message for the failure.
	Message string
	// Reason classifies the failure for logs and metrics.
	Reason Reason
	// Detail is extra context for server logs (on a signature mismatch,
	// the canonical request and string to sign the server computed). It
	// is never sent to the client.
	Detail string
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

func newError(typ string, reason Reason, message string) *Error {
	return &Error{Type: typ, Message: message, Reason: reason}
}

func errorf(typ string, reason Reason, format string, args ...any) *Error {
	return newError(typ, reason, fmt.Sprintf(format, args...))
}

const (
	messageMissingAuthToken  = "Missing Authentication Token"
	messageUnrecognizedToken = "The security token included in the request is invalid."
	messageSignatureMismatch = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	messageHostNotSigned = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	messageReplay        = "The request signature has already been used. Sign each request anew."
	messageReplayFull    = "Rate exceeded"
)

// expiredError is AWS's wording for a signature older than the window:
// "Signature expired: 20260101T000000Z is now earlier than
// 20260101T000500Z (20260101T001000Z - 5 min.)".
func expiredError(signed, now time.Time, window time.Duration) *Error {
	return errorf(TypeInvalidSignature, ReasonExpired, "Signature expired: %s is now earlier than %s (%s - %s)",
		formatTime(signed), formatTime(now.Add(-window)), formatTime(now), formatWindow(window))
}

// notYetCurrentError is AWS's wording for a signature from too far in the
// future.
func notYetCurrentError(signed, now time.Time, window time.Duration) *Error {
	return errorf(TypeInvalidSignature, ReasonNotYetValid, "Signature not yet current: %s is still later than %s (%s + %s)",
		formatTime(signed), formatTime(now.Add(window)), formatTime(now), formatWindow(window))
}

// formatWindow prints a duration as AWS does in skew messages: "5 min.",
// or "90 sec." when it is not a whole number of minutes.
func formatWindow(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min.", d/time.Minute)
	}
	return fmt.Sprintf("%d sec.", d/time.Second)
}
