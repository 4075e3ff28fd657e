package process

import (
	"encoding/json"
	"time"
)

// Error output types, the values of !{firehose:error-output-type}.
const (
	ErrorProcessingFailed       = "processing-failed"
	ErrorFormatConversionFailed = "format-conversion-failed"
	ErrorHTTPEndpointFailed     = "http-endpoint-failed"
	ErrorPostgreSQLFailed       = "postgresql-failed"
	ErrorDestinationFailed      = "delivery-failed"
)

// ErrorDocument is one line of an error-output object, in the shape
// Firehose writes for failed records.
type ErrorDocument struct {
	AttemptsMade           int    `json:"attemptsMade"`
	ArrivalTimestamp       int64  `json:"arrivalTimestamp"`
	ErrorCode              string `json:"errorCode"`
	ErrorMessage           string `json:"errorMessage"`
	AttemptEndingTimestamp int64  `json:"attemptEndingTimestamp"`
	RawData                []byte `json:"rawData"`
	LambdaArn              string `json:"lambdaArn,omitempty"`
	SubsequenceNumber      *int   `json:"subsequenceNumber,omitempty"`
	DataCatalogTable       any    `json:"dataCatalogTable,omitempty"`
}

// AppendErrorDocument appends the JSON line of doc, with a newline.
func AppendErrorDocument(b []byte, doc *ErrorDocument) []byte {
	j, err := json.Marshal(doc)
	if err != nil { // cannot happen: plain fields
		return b
	}
	b = append(b, j...)
	return append(b, '\n')
}

// Millis returns t as epoch milliseconds.
func Millis(t time.Time) int64 { return t.UnixMilli() }
