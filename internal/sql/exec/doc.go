// Package exec plans and runs KDA SQL programs: it turns the parser's AST
// into a graph of in-application streams, reference tables and push-based
// operators, and drives rows and time through it.
//
// Model. Every row is a []value.Value whose element 0 is its ROWTIME
// (a TIMESTAMP). Streams keep ROWTIME non-decreasing. Inserting a row into
// a stream pushes it, depth first and in program order, through every pump
// that reads the stream; a pump is a chain of operators ending in an insert
// into its target stream. Time progresses by Advance(t) calls that flow the
// same way: an operator closes the windows that end at or before t, emits
// their rows, then passes the advance on. A stream written by several pumps
// only advances to the minimum of its writers' times, so downstream windows
// never close before every writer has caught up.
//
// Everything is single-goroutine and deterministic: the same inputs in the
// same order give the same outputs, and Save/Load capture every operator's
// state so a restored graph continues exactly where the saved one stopped.
//
// Errors in the data (a failed cast, a division by zero, an out-of-order
// ROWTIME) never stop the graph: the row is dropped and a row describing the
// problem goes to error_stream. Errors in the program are *PlanError values
// naming the unsupported feature or the unknown name.
package exec
