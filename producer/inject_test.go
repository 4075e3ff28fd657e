package producer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
)

// faultyTransport is an http.RoundTripper that makes PutRecords calls
// fail the way Kinesis does under load. Each call, with the given
// probabilities, is throttled as a whole (HTTP 400
// ProvisionedThroughputExceededException, nothing written), or loses its
// response after the server wrote its records (the client sees an error,
// as after a timeout), or else has some entries fail: those are removed
// from the request before it reaches the server and come back as
// ProvisionedThroughputExceededException or InternalFailure entries. The
// first three calls have one fault of each kind, for sure.
type faultyTransport struct {
	next http.RoundTripper

	mu             sync.Mutex
	rand           *rand.Rand
	throttleCall   float64
	loseResponse   float64
	failEntry      float64
	calls          atomic.Int64
	throttledCalls atomic.Int64
	lostResponses  atomic.Int64
	failedEntries  atomic.Int64
}

func newFaultyTransport(next http.RoundTripper, seed uint64, throttleCall, loseResponse, failEntry float64) *faultyTransport {
	return &faultyTransport{
		next: next, rand: rand.New(rand.NewPCG(seed, seed)),
		throttleCall: throttleCall, loseResponse: loseResponse, failEntry: failEntry,
	}
}

func (f *faultyTransport) chance(p float64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rand.Float64() < p
}

// putRecordsBody is the JSON body of a PutRecords request.
type putRecordsBody struct {
	Records    []json.RawMessage `json:"Records"`
	StreamName string            `json:"StreamName,omitempty"`
	StreamARN  string            `json:"StreamARN,omitempty"`
}

func (f *faultyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("X-Amz-Target") != "Kinesis_20131202.PutRecords" {
		return f.next.RoundTrip(req)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body.Close()
	call := f.calls.Add(1)
	if call == 2 || f.chance(f.throttleCall) {
		f.throttledCalls.Add(1)
		return jsonResponse(req, http.StatusBadRequest, map[string]string{
			"__type": "ProvisionedThroughputExceededException", "message": "Rate exceeded (injected)",
		}), nil
	}
	var in putRecordsBody
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("faulty transport: %w", err)
	}
	// Pick the entries to fail; forward the others.
	failed := make([]bool, len(in.Records))
	kept := in.Records[:0:0]
	for i, r := range in.Records {
		if failed[i] = (call == 1 && i == 0) || f.chance(f.failEntry); !failed[i] {
			kept = append(kept, r)
		}
	}
	var results []map[string]any
	if len(kept) > 0 {
		fwd := in
		fwd.Records = kept
		b, _ := json.Marshal(fwd)
		out := req.Clone(req.Context())
		out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		out.Header.Set("Content-Length", strconv.Itoa(len(b)))
		resp, err := f.next.RoundTrip(out)
		if err != nil {
			return nil, err
		}
		rb, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body = io.NopCloser(bytes.NewReader(rb))
			return resp, nil
		}
		if call == 3 || f.chance(f.loseResponse) {
			f.lostResponses.Add(1)
			return nil, errors.New("connection reset (injected)")
		}
		var res struct{ Records []map[string]any }
		if err := json.Unmarshal(rb, &res); err != nil {
			return nil, fmt.Errorf("faulty transport: %w", err)
		}
		results = res.Records
	}
	merged := make([]map[string]any, 0, len(in.Records))
	failedCount := 0
	for i := range in.Records {
		if !failed[i] {
			merged, results = append(merged, results[0]), results[1:]
			continue
		}
		f.failedEntries.Add(1)
		failedCount++
		code := "ProvisionedThroughputExceededException"
		if i%3 == 0 {
			code = "InternalFailure"
		}
		merged = append(merged, map[string]any{"ErrorCode": code, "ErrorMessage": "injected"})
	}
	return jsonResponse(req, http.StatusOK, map[string]any{"FailedRecordCount": failedCount, "Records": merged}), nil
}

func jsonResponse(req *http.Request, status int, v any) *http.Response {
	b, _ := json.Marshal(v)
	return &http.Response{
		Status: http.StatusText(status), StatusCode: status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amzn-Requestid": {"injected"}},
		Body:          io.NopCloser(bytes.NewReader(b)),
		ContentLength: int64(len(b)),
		Request:       req,
	}
}
