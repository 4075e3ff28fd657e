package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/eddy-streaming/eddy/producer"
)

// outputFormat is how `eddy tail` prints records.
type outputFormat int

const (
	// outputText prints each record's data as a line.
	outputText outputFormat = iota
	// outputJSON prints a JSON object a line.
	outputJSON
	// outputRaw writes the data bytes alone.
	outputRaw
)

// parseOutputFormat parses --output of eddy tail.
func parseOutputFormat(s string) (outputFormat, error) {
	switch s {
	case "text":
		return outputText, nil
	case "json":
		return outputJSON, nil
	case "raw":
		return outputRaw, nil
	}
	return 0, usageErrorf("--output must be text, json or raw, got %q", s)
}

// printRecords writes batches to w until batches is closed or count records
// (if count > 0) are written; then it calls done. It returns the number of
// records written.
func printRecords(w *bufio.Writer, batches <-chan shardBatch, format outputFormat, count int, done func()) (int, error) {
	printed := 0
	var writeErr error
	for b := range batches {
		if writeErr != nil || (count > 0 && printed >= count) {
			continue // drain so that readers never block
		}
		for _, r := range b.records {
			switch format {
			case outputJSON:
				writeErr = writeJSONRecord(w, b.shard, r)
			case outputRaw:
				_, writeErr = w.Write(r.Data)
			default:
				writeErr = writeTextRecord(w, r.Data)
			}
			if writeErr != nil {
				break
			}
			printed++
			if count > 0 && printed >= count {
				break
			}
		}
		if err := w.Flush(); err != nil && writeErr == nil {
			writeErr = err
		}
		if writeErr != nil || (count > 0 && printed >= count) {
			done()
		}
	}
	if writeErr != nil {
		return printed, fmt.Errorf("write output: %w", writeErr)
	}
	return printed, nil
}

// writeTextRecord writes a record's data as one line.
func writeTextRecord(w io.Writer, data []byte) error {
	if _, err := w.Write(data); err != nil {
		return err
	}
	if len(data) > 0 && data[len(data)-1] == '\n' {
		return nil
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// tailRecord is one line of `eddy tail --output json`.
type tailRecord struct {
	Shard          string `json:"shard"`
	SequenceNumber string `json:"sequence_number"`
	// SubSequenceNumber is the index of a user record in its aggregated
	// record; absent for records that were not aggregated.
	SubSequenceNumber *int   `json:"sub_sequence_number,omitempty"`
	PartitionKey      string `json:"partition_key"`
	ExplicitHashKey   string `json:"explicit_hash_key,omitempty"`
	ArrivalTime       string `json:"arrival_time,omitempty"`
	Data              string `json:"data"`
	// Encoding is "base64" when Data is base64 because the record is not
	// valid UTF-8.
	Encoding string `json:"encoding,omitempty"`
}

// arrivalTimeLayout is RFC 3339 with the milliseconds Kinesis keeps.
const arrivalTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// newTailRecord converts a record for JSON output.
func newTailRecord(shard string, r producer.UserRecord) tailRecord {
	t := tailRecord{
		Shard:           shard,
		SequenceNumber:  r.SequenceNumber,
		PartitionKey:    r.PartitionKey,
		ExplicitHashKey: r.ExplicitHashKey,
	}
	if r.Aggregated {
		sub := r.SubSequenceNumber
		t.SubSequenceNumber = &sub
	}
	if !r.ApproximateArrivalTimestamp.IsZero() {
		t.ArrivalTime = r.ApproximateArrivalTimestamp.UTC().Format(arrivalTimeLayout)
	}
	if utf8.Valid(r.Data) {
		t.Data = string(r.Data)
	} else {
		t.Data = base64.StdEncoding.EncodeToString(r.Data)
		t.Encoding = "base64"
	}
	return t
}

// writeJSONRecord writes a record as one JSON object and a newline. The
// data's <, > and & stay as they are.
func writeJSONRecord(w io.Writer, shard string, r producer.UserRecord) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(newTailRecord(shard, r))
}
