package main

import (
	"math/big"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// position is where reading a shard starts: --from of eddy tail.
type position struct {
	typ types.ShardIteratorType
	// at is the time of AT_TIMESTAMP.
	at time.Time
	// sequence is the sequence number of AT_SEQUENCE_NUMBER.
	sequence string
}

// String returns the position as --from spells it.
func (p position) String() string {
	switch p.typ {
	case types.ShardIteratorTypeAtTimestamp:
		return p.at.UTC().Format(time.RFC3339Nano)
	case types.ShardIteratorTypeAtSequenceNumber, types.ShardIteratorTypeAfterSequenceNumber:
		return p.sequence
	case types.ShardIteratorTypeTrimHorizon:
		return "trim-horizon"
	}
	return "latest"
}

// fromHelp documents --from.
const fromHelp = `where to start: latest (new records only), trim-horizon (oldest retained),
an RFC 3339 time (2026-11-25T10:00:00Z), a time relative to now (-15m),
or a sequence number (its shard only, from that record)`

// parsePosition parses --from: latest, trim-horizon, an RFC 3339 time, a
// negative duration (that long before now), or a sequence number.
func parsePosition(s string, now time.Time) (position, error) {
	s = strings.TrimSpace(s)
	switch strings.ReplaceAll(strings.ToLower(s), "_", "-") {
	case "latest", "now":
		return position{typ: types.ShardIteratorTypeLatest}, nil
	case "trim-horizon", "oldest", "beginning":
		return position{typ: types.ShardIteratorTypeTrimHorizon}, nil
	}
	if isSequenceNumber(s) {
		return position{typ: types.ShardIteratorTypeAtSequenceNumber, sequence: s}, nil
	}
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		d, err := time.ParseDuration(rest)
		if err != nil || d <= 0 {
			return position{}, usageErrorf("--from %q: want a duration before now such as -15m", s)
		}
		return position{typ: types.ShardIteratorTypeAtTimestamp, at: now.Add(-d)}, nil
	}
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return position{}, usageErrorf("--from must be latest, trim-horizon, an RFC 3339 time, -DURATION or a sequence number, got %q", s)
	}
	if at.After(now) {
		return position{}, usageErrorf("--from %s is in the future", s)
	}
	return position{typ: types.ShardIteratorTypeAtTimestamp, at: at}, nil
}

// isSequenceNumber reports whether s looks like a Kinesis sequence number:
// decimal digits, at most 128 of them.
func isSequenceNumber(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// untilHelp documents --until.
const untilHelp = `stop at records that arrived at or after this RFC 3339 time, or this long
after the start (30s, 5m); shards are read up to it, then eddy tail exits`

// parseUntil parses --until: an RFC 3339 time, or a positive duration from
// now.
func parseUntil(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return time.Time{}, usageErrorf("--until %q: the duration must be positive", s)
		}
		return now.Add(d), nil
	}
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, usageErrorf("--until must be an RFC 3339 time or a duration such as 30s, got %q", s)
	}
	return at, nil
}

// compareSequence compares two decimal sequence numbers.
func compareSequence(a, b string) int {
	x, okX := new(big.Int).SetString(a, 10)
	y, okY := new(big.Int).SetString(b, 10)
	if !okX || !okY {
		return strings.Compare(a, b)
	}
	return x.Cmp(y)
}

// shardMayHold reports whether sequence lies in the sequence number range
// of shard s.
func shardMayHold(s types.Shard, sequence string) bool {
	r := s.SequenceNumberRange
	if r == nil {
		return true
	}
	if start := aws.ToString(r.StartingSequenceNumber); start != "" && compareSequence(sequence, start) < 0 {
		return false
	}
	if end := aws.ToString(r.EndingSequenceNumber); end != "" && compareSequence(sequence, end) > 0 {
		return false
	}
	return true
}
