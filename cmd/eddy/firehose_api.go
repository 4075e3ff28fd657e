package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/smithy-go"
)

// firehoseTarget prefixes the X-Amz-Target of Firehose API calls.
const firehoseTarget = "Firehose_20150804."

// firehoseAPI calls the Firehose API with raw JSON bodies (see jsonAPI),
// so that Eddy's extensions (inline schema Columns, the PostgreSQL
// destination) come through.
type firehoseAPI struct{ *jsonAPI }

// newFirehoseAPI builds a Firehose caller from the flags, with the same
// endpoint, region, credentials and HTTP client as the Kinesis commands.
func (f *clientFlags) newFirehoseAPI(ctx context.Context) (*firehoseAPI, error) {
	a, err := f.newJSONAPI(ctx, "firehose", firehoseTarget)
	if err != nil {
		return nil, err
	}
	return &firehoseAPI{a}, nil
}

// firehoseError is an error answer of the Firehose API. It satisfies
// smithy.APIError, so apiError formats it like the SDK's.
type firehoseError struct {
	Code, Message string
	Status        int
}

var _ smithy.APIError = (*firehoseError)(nil)

func (e *firehoseError) Error() string {
	return fmt.Sprintf("%s: %s (HTTP %d)", e.Code, e.Message, e.Status)
}
func (e *firehoseError) ErrorCode() string    { return e.Code }
func (e *firehoseError) ErrorMessage() string { return e.Message }

// ErrorFault is unknown: only the code and status are sent.
func (e *firehoseError) ErrorFault() smithy.ErrorFault { return smithy.FaultUnknown }

// retryable reports whether the call may succeed if repeated.
func (e *firehoseError) retryable() bool {
	return e.Status >= 500 || e.Code == "ServiceUnavailableException" || e.Code == "ThrottlingException"
}

// decodeFirehoseError reads an AWS JSON error answer.
func decodeFirehoseError(resp *http.Response, body []byte) error {
	var e struct {
		Type         string `json:"__type"`
		Message      string `json:"message"`
		MessageUpper string `json:"Message"`
	}
	_ = json.Unmarshal(body, &e)
	code := e.Type
	if code == "" {
		code = resp.Header.Get("X-Amzn-Errortype")
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	code, _, _ = strings.Cut(code, ":")
	if code == "" {
		code = http.StatusText(resp.StatusCode)
	}
	msg := e.Message
	if msg == "" {
		msg = e.MessageUpper
	}
	if msg == "" && e.Type == "" {
		msg = strings.TrimSpace(string(body))
	}
	return &firehoseError{Code: code, Message: msg, Status: resp.StatusCode}
}
