package sink

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/klauspost/compress/gzip"
)

// HTTPEndpoint delivers batches of records to an HTTP endpoint with the
// protocol of AWS's HTTP endpoint delivery: a POST of
// {requestId, timestamp, records:[{data}]} with the X-Amz-Firehose-*
// headers, answered by a 200 whose JSON body echoes the requestId.
type HTTPEndpoint struct {
	URL       string
	AccessKey string
	// SourceARN is the delivery stream's ARN.
	SourceARN string
	// CommonAttributes are sent in X-Amz-Firehose-Common-Attributes.
	CommonAttributes map[string]string
	// GZIP compresses the body (Content-Encoding: gzip).
	GZIP bool
	// Client sends requests; nil means one with a 3-minute timeout.
	Client *http.Client
}

type httpRecord struct {
	Data string `json:"data"`
}

type httpRequest struct {
	RequestID string       `json:"requestId"`
	Timestamp int64        `json:"timestamp"`
	Records   []httpRecord `json:"records"`
}

type httpResponse struct {
	RequestID    string `json:"requestId"`
	Timestamp    int64  `json:"timestamp"`
	ErrorMessage string `json:"errorMessage"`
}

var defaultHTTPClient = &http.Client{Timeout: 3 * time.Minute}

// Deliver sends one request. requestID must stay the same across retries
// of the same batch (the receiver may deduplicate on it). A 413 is
// permanent; other failures may be retried.
func (h *HTTPEndpoint) Deliver(ctx context.Context, requestID string, now time.Time, records [][]byte) error {
	req := httpRequest{RequestID: requestID, Timestamp: now.UnixMilli(), Records: make([]httpRecord, len(records))}
	for i, r := range records {
		req.Records[i].Data = base64.StdEncoding.EncodeToString(r)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if h.GZIP {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = buf.Bytes()
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return &PermanentError{fmt.Errorf("build request: %w", err)}
	}
	hdr := hr.Header
	hdr.Set("Content-Type", "application/json")
	hdr.Set("User-Agent", "Amazon Kinesis Data Firehose Agent/1.0")
	hdr.Set("X-Amz-Firehose-Protocol-Version", "1.0")
	hdr.Set("X-Amz-Firehose-Request-Id", requestID)
	hdr.Set("X-Amz-Firehose-Source-Arn", h.SourceARN)
	if h.AccessKey != "" {
		hdr.Set("X-Amz-Firehose-Access-Key", h.AccessKey)
	}
	if len(h.CommonAttributes) > 0 {
		attrs, _ := json.Marshal(map[string]any{"commonAttributes": h.CommonAttributes})
		hdr.Set("X-Amz-Firehose-Common-Attributes", string(attrs))
	}
	if h.GZIP {
		hdr.Set("Content-Encoding", "gzip")
	}
	client := h.Client
	if client == nil {
		client = defaultHTTPClient
	}
	resp, err := client.Do(hr)
	if err != nil {
		return fmt.Errorf("send request: %w", err)
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	var out httpResponse
	_ = json.Unmarshal(respBody, &out)
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("endpoint returned HTTP %d: %s", resp.StatusCode, errorMessage(out, respBody))
		if resp.StatusCode == http.StatusRequestEntityTooLarge {
			return &PermanentError{err}
		}
		return err
	}
	if out.RequestID != requestID {
		return fmt.Errorf("endpoint response has requestId %q, want %q", out.RequestID, requestID)
	}
	return nil
}

func errorMessage(out httpResponse, body []byte) string {
	if out.ErrorMessage != "" {
		return out.ErrorMessage
	}
	if len(body) > 200 {
		body = body[:200]
	}
	return strconv.Quote(string(body))
}
