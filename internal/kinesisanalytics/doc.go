// Package kinesisanalytics serves the Kinesis Data Analytics for SQL
// applications API (X-Amz-Target KinesisAnalytics_20150814.*, JSON 1.1)
// and runs the applications it defines on Eddy streams.
//
// Model: an application is a stored definition (code, one streaming input
// with its schema and InputParallelism, up to three outputs, reference
// tables, tags) with a version that every change increments, and a
// status. Definitions live in a bbolt file of their own
// (Options.Dir/applications.db); each change is one transaction. READY
// and RUNNING are stored (as the desired state); STARTING, STOPPING,
// UPDATING and DELETING exist only during a call or a restart.
//
// Running: a RUNNING application is one execution — a goroutine around a
// sql.Runner (internal/sql) with one streamio.Source per in-application
// input stream (SOURCE_SQL_STREAM_001...; with InputParallelism n, shard i
// goes to stream i mod n, children of resharded shards included), one
// streamio.Sink per output, and a checkpoint file
// (Options.Dir/checkpoints/app-NAME.ckpt). StopApplication and Close stop
// the runner, which writes a final checkpoint: LAST_STOPPED_POINT and a
// server restart resume from it with identical windows. NOW and
// TRIM_HORIZON discard it. A runner that fails is rebuilt from its last
// checkpoint after a backoff. Shards without a checkpointed position are
// read from the input's origin: TRIM_HORIZON, or the time of the start
// with NOW.
//
// Concurrency: calls that change applications are serialized; Describe,
// List and the metrics collector only take the state lock.
//
// Eddy extensions: DescribeApplication's ApplicationDetail carries
// EddyRuntime (records in and out, per-pump rows and errors, lag); a
// reference data source's BucketARN may be file:///DIR; Lambda
// preprocessing and Lambda outputs are refused (InvalidArgumentException,
// or UnsupportedOperationException for the preprocessing operations).
package kinesisanalytics
