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
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// jsonAPI calls an AWS JSON 1.1 API (Firehose, Kinesis Analytics) with raw
// bodies signed with SigV4. Raw bodies let Eddy's extensions of the request
// and response shapes through, which the SDKs' typed clients would drop.
// It shares the endpoint, region, credentials and HTTP client of the
// Kinesis client the flags build.
type jsonAPI struct {
	kinesis  *kinesis.Client
	service  string // SigV4 service name, e.g. "firehose"
	target   string // X-Amz-Target prefix, e.g. "Firehose_20150804."
	endpoint string // base URL
	region   string
	creds    aws.CredentialsProvider
	http     interface {
		Do(*http.Request) (*http.Response, error)
	}
	signer *v4.Signer
}

// newJSONAPI builds a caller of service (its SigV4 name) whose operations
// are addressed as target+operation.
func (f *clientFlags) newJSONAPI(ctx context.Context, service, target string) (*jsonAPI, error) {
	kc, err := f.newClient(ctx, clientOptions{})
	if err != nil {
		return nil, err
	}
	o := kc.Options()
	endpoint := strings.TrimSuffix(aws.ToString(o.BaseEndpoint), "/")
	if endpoint == "" {
		endpoint = "https://" + service + "." + o.Region + ".amazonaws.com"
	}
	return &jsonAPI{
		kinesis: kc, service: service, target: target, endpoint: endpoint, region: o.Region,
		creds: o.Credentials, http: o.HTTPClient, signer: v4.NewSigner(),
	}, nil
}

// call sends operation with body (a []byte of JSON, or a value to encode)
// and decodes the answer into out, unless out is nil. Error answers are
// *firehoseError values (the AWS JSON error shape), which apiError formats.
func (a *jsonAPI) call(ctx context.Context, operation string, body, out any) error {
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
	req.Header.Set("X-Amz-Target", a.target+operation)
	creds, err := a.creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("retrieve credentials: %w", err)
	}
	sum := sha256.Sum256(raw)
	if err := a.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), a.service, a.region, time.Now()); err != nil {
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
