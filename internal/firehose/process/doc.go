// Package process holds the pure record-processing steps of a delivery
// stream: Java-style timestamp patterns, S3 prefix templates with their
// !{namespace:value} expressions, jq metadata extraction (partition keys),
// record de-aggregation, object names derived from source positions, AWS
// error-output documents, and the client of the Lambda Firehose
// transformation contract spoken over HTTP.
//
// Everything here is deterministic given its inputs: object names and the
// "random" strings of prefixes are derived from a seed (the buffer's source
// position), so delivering the same buffer twice yields the same names.
// Compiled values (Pattern, Template, Extractor) are immutable and safe for
// concurrent use; nothing here starts goroutines.
package process
