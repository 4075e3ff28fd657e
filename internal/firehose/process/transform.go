package process

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Results of a transformed record, as the Lambda contract names them.
const (
	ResultOk               = "Ok"
	ResultDropped          = "Dropped"
	ResultProcessingFailed = "ProcessingFailed"
)

// Transformer calls a record transformation over HTTP with the Lambda
// Firehose-transformation event contract, so that existing Lambda code can
// run behind a small HTTP wrapper. The request body is the event the
// Lambda function would receive; the response body is what it would
// return.
type Transformer struct {
	// URL receives the POST.
	URL string
	// Client sends it; nil means http.DefaultClient.
	Client *http.Client
	// DeliveryStreamARN and Region are passed in the event.
	DeliveryStreamARN, Region string
}

// TransformRecord is one record sent to the transform.
type TransformRecord struct {
	RecordID string
	Arrival  time.Time
	Data     []byte
}

// TransformResult is the transform's answer for one record.
type TransformResult struct {
	RecordID      string
	Result        string
	Data          []byte
	PartitionKeys map[string]string
}

type transformEvent struct {
	InvocationID      string           `json:"invocationId"`
	DeliveryStreamArn string           `json:"deliveryStreamArn"`
	Region            string           `json:"region"`
	Records           []transformInRec `json:"records"`
}

type transformInRec struct {
	RecordID                    string `json:"recordId"`
	ApproximateArrivalTimestamp int64  `json:"approximateArrivalTimestamp"`
	Data                        []byte `json:"data"`
}

type transformResponse struct {
	Records []struct {
		RecordID string `json:"recordId"`
		Result   string `json:"result"`
		Data     []byte `json:"data"`
		Metadata struct {
			PartitionKeys map[string]string `json:"partitionKeys"`
		} `json:"metadata"`
	} `json:"records"`
}

// TransformError is a failed invocation; Permanent is set when retrying
// the same batch cannot help (a malformed response).
type TransformError struct {
	Code, Message string
}

func (e *TransformError) Error() string { return e.Code + ": " + e.Message }

// Invoke sends one batch and returns one result per input record, in
// input order. The response must name every input record exactly once
// with a known result; anything else fails the whole batch.
func (t *Transformer) Invoke(ctx context.Context, invocationID string, recs []TransformRecord) ([]TransformResult, error) {
	ev := transformEvent{InvocationID: invocationID, DeliveryStreamArn: t.DeliveryStreamARN, Region: t.Region,
		Records: make([]transformInRec, len(recs))}
	for i, r := range recs {
		ev.Records[i] = transformInRec{RecordID: r.RecordID, ApproximateArrivalTimestamp: r.Arrival.UnixMilli(), Data: r.Data}
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(body))
	if err != nil {
		return nil, &TransformError{Code: "Lambda.InvokeAccessDenied", Message: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	client := t.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, &TransformError{Code: "Lambda.InvokeLimitExceeded", Message: err.Error()}
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, &TransformError{Code: "Lambda.FunctionError", Message: err.Error()}
	}
	if resp.StatusCode/100 != 2 {
		return nil, &TransformError{Code: "Lambda.FunctionError",
			Message: fmt.Sprintf("The Lambda function was successfully invoked but it returned an error result (HTTP %d).", resp.StatusCode)}
	}
	var out transformResponse
	if err := json.Unmarshal(respBody, &out); err != nil {
		return nil, &TransformError{Code: "Lambda.JsonProcessingException", Message: "Check that the response returned is valid JSON: " + err.Error()}
	}
	index := make(map[string]int, len(recs))
	for i, r := range recs {
		index[r.RecordID] = i
	}
	results := make([]TransformResult, len(recs))
	seen := make([]bool, len(recs))
	for _, r := range out.Records {
		i, ok := index[r.RecordID]
		if !ok {
			return nil, &TransformError{Code: "Lambda.InvalidRecordId", Message: fmt.Sprintf("The record ID %q in the Lambda response does not match any record ID in the request.", r.RecordID)}
		}
		if seen[i] {
			return nil, &TransformError{Code: "Lambda.DuplicatedRecordId", Message: fmt.Sprintf("Multiple records in the Lambda response have the same record ID %q.", r.RecordID)}
		}
		switch r.Result {
		case ResultOk, ResultDropped, ResultProcessingFailed:
		default:
			return nil, &TransformError{Code: "Lambda.InvalidResultValue", Message: fmt.Sprintf("The result %q for record ID %q must be Ok, Dropped or ProcessingFailed.", r.Result, r.RecordID)}
		}
		seen[i] = true
		results[i] = TransformResult{RecordID: r.RecordID, Result: r.Result, Data: r.Data, PartitionKeys: r.Metadata.PartitionKeys}
	}
	for i, ok := range seen {
		if !ok {
			return nil, &TransformError{Code: "Lambda.MissingRecordId", Message: fmt.Sprintf("The record ID %q is missing in the Lambda response.", recs[i].RecordID)}
		}
	}
	return results, nil
}
