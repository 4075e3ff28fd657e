package kinesis

import (
	"errors"
	"strings"

	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

var errShortKey = errors.New("kinesis: iterator key must be at least 16 bytes")

// streamARN returns the ARN of the named stream.
func (h *Handler) streamARN(name string) string {
	return "arn:aws:kinesis:" + h.opts.Region + ":" + h.opts.AccountID + ":stream/" + name
}

// parseStreamARN splits "arn:<partition>:kinesis:<region>:<account>:stream/<name>".
func parseStreamARN(arn string) (region, account, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "kinesis" {
		return "", "", "", false
	}
	name, ok = strings.CutPrefix(parts[5], "stream/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", "", "", false
	}
	return parts[3], parts[4], name, true
}

// streamName resolves a request's StreamName and StreamARN (already
// validated against the model) to a stream name. An ARN of another region
// or account names a stream that does not exist here.
func (h *Handler) streamName(ref streamRef) (string, error) {
	switch {
	case ref.StreamARN != nil:
		region, account, name, ok := parseStreamARN(*ref.StreamARN)
		if !ok {
			return "", invalidArgument("StreamARN %s is invalid.", *ref.StreamARN)
		}
		if ref.StreamName != nil && *ref.StreamName != name {
			return "", invalidArgument("StreamARN %s and StreamName %s do not identify the same stream.", *ref.StreamARN, *ref.StreamName)
		}
		if region != h.opts.Region || account != h.opts.AccountID {
			return "", apiErr(errResourceNotFound, "Stream %s under account %s not found.", name, account)
		}
		return name, nil
	case ref.StreamName != nil:
		return *ref.StreamName, nil
	}
	return "", invalidArgument("Either StreamName or StreamARN must be provided.")
}

// lookup returns the named stream in any status.
func (h *Handler) lookup(name string) (catalog.Stream, error) {
	s, err := h.store.Stream(name)
	if errors.Is(err, storage.ErrStreamNotFound) {
		return s, h.streamNotFound(name)
	}
	return s, err
}

// readable returns the named stream if it takes reads and writes: a
// stream still CREATING, or already DELETING, is not found, as on AWS.
func (h *Handler) readable(name string) (catalog.Stream, error) {
	s, err := h.lookup(name)
	if err != nil {
		return s, err
	}
	if s.Status == catalog.StatusCreating || s.Status == catalog.StatusDeleting {
		return s, h.streamNotFound(name)
	}
	return s, nil
}

// active returns the named stream if it is ACTIVE, as operations that
// change it require.
func (h *Handler) active(name string) (catalog.Stream, error) {
	s, err := h.lookup(name)
	if err != nil {
		return s, err
	}
	if s.Status != catalog.StatusActive {
		return s, h.streamInUse(name, s.Status)
	}
	return s, nil
}

// parseShardID parses "shardId-000000000001" (or a bare number) into a
// shard index.
func parseShardID(id string) (uint32, bool) {
	digits := id
	if rest, ok := strings.CutPrefix(id, "shardId-"); ok {
		digits = rest
	}
	if digits == "" || len(digits) > 12 {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if n > 1<<31-1 {
		return 0, false
	}
	return uint32(n), true
}

// shardByID returns the shard with the given ID of stream s.
func (h *Handler) shardByID(s catalog.Stream, id string) (catalog.Shard, error) {
	idx, ok := parseShardID(id)
	if !ok || int(idx) >= len(s.Shards) {
		return catalog.Shard{}, h.shardNotFound(id, s.Name)
	}
	return s.Shards[idx], nil
}
