// Package sql runs Kinesis Data Analytics SQL applications.
//
// An Engine is one application: a parsed and planned program (see
// internal/sql/exec) plus its input mappings and output encodings. It is a
// pure state machine — no goroutines, no clock, no IO: the caller hands it
// source records and watermarks and gets back encoded output records; it
// can Snapshot and Restore its whole state, including the input positions,
// so a restarted application recomputes identical windows.
//
// A Runner is the IO loop around an Engine: it reads the application's
// Sources, merges them by arrival time, writes outputs to Sinks, and saves
// checkpoints once the outputs before them are acknowledged
// (at-least-once). The server creates one Runner per running application.
//
// See docs/sql-design.md for the model and docs/sql.md for the dialect.
package sql
