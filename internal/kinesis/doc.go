// Package kinesis implements the Amazon Kinesis Data Streams API
// (Kinesis_20131202) over a durable Store.
//
// Handler is an http.Handler for POST / requests carrying an X-Amz-Target
// header. It parses the protocol envelope with package awsproto, decodes
// the operation's input, runs the operation and writes its output. Every
// operation is a method that returns (result, error); one wrapper writes
// the response, and one table (errors.go) maps storage errors to AWS error
// types and statuses. Files group operations by family: streams.go
// (create, delete, describe, list), shards.go (ListShards), put.go
// (PutRecord, PutRecords), get.go (GetShardIterator, GetRecords),
// retention.go and tags.go (tags and DescribeLimits), reshard.go
// (SplitShard, MergeShards, UpdateShardCount), settings.go (stream mode,
// enhanced monitoring, record size, warm throughput, record
// distribution), account.go (account settings), consumers.go (enhanced
// fan-out consumers) and subscribe.go (SubscribeToShard, which streams
// its response as an event stream instead of returning a value).
//
// Load: meter.go counts per-shard writes and reads when a stream needs it
// (throughput limits on, ON_DEMAND mode, or shard-level metrics enabled);
// throttle.go applies the limits, ondemand.go splits hot ON_DEMAND shards
// from a background goroutine, and metrics.go exports shard-level metrics
// to Prometheus.
//
// Request validation follows the Kinesis model: violations of a member's
// constraints produce one ValidationException listing them all, in AWS's
// wording; semantic errors (unknown stream, bad sequence number, ...) are
// InvalidArgumentException, ResourceNotFoundException and so on, worded as
// AWS words them.
//
// Shard iterators and pagination tokens are sealed tokens (token.go):
// opaque, signed with a server key, expiring after five minutes, and bound
// to a stream's ID so that they never read a re-created stream.
//
// Stream status: a created stream is CREATING for Options.StatusDelay, then
// ACTIVE; a deleted one is DELETING for as long, then gone; a resharded
// one is UPDATING for as long (the layout itself changes before the call
// returns), then ACTIVE. Consumers go CREATING → ACTIVE and DELETING →
// gone the same way. Handler keeps the timers; Close ends subscriptions,
// stops the scaler and completes pending transitions at once.
package kinesis
