package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// firehoseTarget prefixes the X-Amz-Target of Firehose API calls.
const firehoseTarget = "Firehose_20150804."

// firehoseAPI calls the Firehose API with raw JSON 1.1 bodies signed with
// SigV4. Raw bodies let Eddy's extensions of the request and response
// shapes through (inline schema Columns, the PostgreSQL destination),
// which the SDK's typed client would drop.
type firehoseAPI struct {
	endpoint string // base URL
	region   string
	creds    aws.CredentialsProvider
	http     interface {
		Do(*http.Request) (*http.Response, error)
	}
	signer *v4.Signer
}

// newFirehoseAPI builds a Firehose caller from the flags, with the same
// endpoint, region, credentials and HTTP client as the Kinesis commands.
func (f *clientFlags) newFirehoseAPI(ctx context.Context) (*firehoseAPI, error) {
	kc, err := f.newClient(ctx, clientOptions{})
	if err != nil {
		return nil, err
	}
	o := kc.Options()
	endpoint := strings.TrimSuffix(aws.ToString(o.BaseEndpoint), "/")
	if endpoint == "" {
		endpoint = "https://firehose." + o.Region + ".amazonaws.com"
	}
	return &firehoseAPI{endpoint: endpoint, region: o.Region, creds: o.Credentials, http: o.HTTPClient, signer: v4.NewSigner()}, nil
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

// call sends operation with body (a []byte of JSON, or a value to encode)
// and decodes the answer into out, unless out is nil.
func (a *firehoseAPI) call(ctx context.Context, operation string, body, out any) error {
	raw, ok := body.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return fmt.Errorf("encode %s request: %w", operation, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.endpoint+"/", bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", firehoseTarget+operation)
	creds, err := a.creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("retrieve credentials: %w", err)
	}
	sum := sha256.Sum256(raw)
	if err := a.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "firehose", a.region, time.Now()); err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("read %s response: %w", operation, err)
	}
	if resp.StatusCode != http.StatusOK {
		return decodeFirehoseError(resp, answer)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return fmt.Errorf("decode %s response: %w", operation, err)
	}
	return nil
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
