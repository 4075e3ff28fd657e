// Package awsproto implements the wire protocol of AWS JSON-RPC services as
// Kinesis Data Streams speaks it: request decoding and response encoding
// for application/x-amz-json-1.1 and application/x-amz-cbor-1.1, the error
// envelope, and the shape check of the SigV4 Authorization header.
//
// The package knows nothing of Kinesis operations. A request is decoded
// into a caller-supplied struct whose fields carry `json` tags; the same
// tags drive the CBOR codec. Blobs are []byte (base64 in JSON, CBOR byte
// strings in CBOR) and timestamps are Timestamp (epoch seconds as a number
// in JSON, epoch milliseconds as an integer in CBOR).
//
// Every decoding failure is returned as an *Error of type
// SerializationException, ready to be written with WriteError.
//
// The package is stateless and safe for concurrent use.
package awsproto
