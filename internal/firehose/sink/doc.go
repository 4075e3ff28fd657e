// Package sink holds the destinations of delivery streams: buckets (a
// local directory or an S3-compatible server) that store named objects,
// a PostgreSQL table loaded with COPY, and an HTTP endpoint spoken to
// with AWS's HTTP endpoint delivery protocol. Sinks know nothing of
// delivery streams, buffering or retries: each call is one attempt, and
// errors say whether retrying can help (Permanent).
//
// Every sink is safe for concurrent use.
package sink

import "errors"

// PermanentError marks a failure that retrying the same request cannot
// fix (an HTTP 413, a bad object name, a missing table).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent reports whether err is marked permanent.
func Permanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}
