package kinesis

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/eddy-streaming/eddy/internal/awsproto"
	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// Enhanced fan-out consumers: RegisterStreamConsumer,
// DescribeStreamConsumer, ListStreamConsumers, DeregisterStreamConsumer.
//
// A stream's consumers are kept in its catalog Attrs (attrConsumers, a
// JSON list), so registering and deregistering are catalog transactions
// and survive restarts. A consumer is CREATING for Options.StatusDelay
// after it is registered, then ACTIVE; DELETING for as long after it is
// deregistered, then gone. Its ARN holds its creation time in seconds:
// arn:aws:kinesis:<region>:<account>:stream/<stream>/consumer/<name>:<seconds>.

// attrConsumers is the JSON list of a stream's consumers.
const attrConsumers = "kinesis.consumers"

// Consumer statuses.
const (
	consumerCreating = "CREATING"
	consumerActive   = "ACTIVE"
	consumerDeleting = "DELETING"
)

// consumer is one registered consumer as stored.
type consumer struct {
	Name    string `json:"name"`
	Created int64  `json:"created_ms"`
	Status  string `json:"status"`
	// Policy is the consumer's resource policy document (policy.go).
	Policy string `json:"policy,omitempty"`
}

func (c consumer) createdAt() time.Time { return time.UnixMilli(c.Created) }

func consumersOf(s catalog.Stream) []consumer {
	var list []consumer
	if v := s.Attrs[attrConsumers]; v != "" {
		_ = json.Unmarshal([]byte(v), &list)
	}
	return list
}

func setConsumers(s *catalog.Stream, list []consumer) {
	if len(list) == 0 {
		setAttr(s, attrConsumers, "")
		return
	}
	b, _ := json.Marshal(list)
	setAttr(s, attrConsumers, string(b))
}

func (h *Handler) consumerARN(stream string, c consumer) string {
	return h.streamARN(stream) + "/consumer/" + c.Name + ":" + strconv.FormatInt(c.Created/1000, 10)
}

func (h *Handler) consumerOut(stream string, c consumer) consumerOut {
	return consumerOut{ConsumerName: c.Name, ConsumerARN: h.consumerARN(stream, c), ConsumerStatus: c.Status,
		ConsumerCreationTimestamp: awsproto.Timestamp{Time: c.createdAt()}}
}

// parseConsumerARN splits a consumer ARN into its stream ARN, consumer
// name and creation second.
func parseConsumerARN(arn string) (streamARN, name string, created int64, ok bool) {
	streamARN, rest, ok := strings.Cut(arn, "/consumer/")
	if !ok {
		return "", "", 0, false
	}
	name, secs, ok := strings.Cut(rest, ":")
	if !ok || name == "" {
		return "", "", 0, false
	}
	created, err := strconv.ParseInt(secs, 10, 64)
	if err != nil {
		return "", "", 0, false
	}
	return streamARN, name, created, true
}

var (
	patternConsumerARN = mustPattern(`^(arn):aws.*:kinesis:.*:\d{12}:.*stream\/[a-zA-Z0-9_.-]+\/consumer\/[a-zA-Z0-9_.-]+:[0-9]+`)
	errConsumerState   = errors.New("consumer state")
)

func (h *Handler) consumerNotFound(name, stream string) *awsproto.Error {
	return apiErr(errResourceNotFound, "Consumer %s under stream %s under account %s not found.", name, stream, h.opts.AccountID)
}

func (h *Handler) registerStreamConsumer(_ context.Context, in *registerStreamConsumerInput) (any, error) {
	var v validator
	v.reqStr("streamARN", in.StreamARN, 1, 2048, patternStreamARN)
	v.reqStr("consumerName", in.ConsumerName, 1, 128, patternName)
	if in.Tags != nil {
		v.tagMap("tags", in.Tags, 0, 50)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := h.streamName(streamRef{StreamARN: in.StreamARN})
	if err != nil {
		return nil, err
	}
	if _, err := h.readable(name); err != nil {
		return nil, err
	}
	c := consumer{Name: *in.ConsumerName, Created: h.opts.Now().UnixMilli(), Status: consumerActive}
	if h.opts.StatusDelay > 0 {
		c.Status = consumerCreating
	}
	var apiError error
	s, err := h.store.UpdateStream(name, func(s *catalog.Stream) error {
		list := consumersOf(*s)
		for _, x := range list {
			if x.Name == c.Name {
				apiError = apiErr(errResourceInUse, "Consumer %s under stream %s already exists for account %s.", c.Name, name, h.opts.AccountID)
				return errConsumerState
			}
		}
		if len(list) >= h.opts.FanOut.MaxConsumersPerStream {
			apiError = apiErr(errLimitExceeded, "Consumer limit of %d for stream %s under account %s has been reached.",
				h.opts.FanOut.MaxConsumersPerStream, name, h.opts.AccountID)
			return errConsumerState
		}
		setConsumers(s, append(list, c))
		return nil
	})
	if apiError != nil {
		return nil, apiError
	}
	if errors.Is(err, storage.ErrStreamNotFound) {
		return nil, h.streamNotFound(name)
	}
	if err != nil {
		return nil, err
	}
	if c.Status == consumerCreating {
		id := s.ID
		h.lifecycle.after(h.opts.StatusDelay, func() { h.setConsumerStatus(name, id, c, consumerActive) })
	}
	return &registerStreamConsumerOutput{Consumer: h.consumerOut(name, c)}, nil
}

// setConsumerStatus moves a consumer to status, or removes it if status
// is empty.
func (h *Handler) setConsumerStatus(stream string, id uint64, c consumer, status string) {
	_, err := h.store.UpdateStream(stream, func(s *catalog.Stream) error {
		if s.ID != id {
			return errNoChange
		}
		list := consumersOf(*s)
		for i, x := range list {
			if x.Name == c.Name && x.Created == c.Created {
				if status == "" {
					list = append(list[:i], list[i+1:]...)
				} else {
					list[i].Status = status
				}
				setConsumers(s, list)
				return nil
			}
		}
		return errNoChange
	})
	if err != nil && !errors.Is(err, errNoChange) && !errors.Is(err, storage.ErrStreamNotFound) {
		h.opts.Logger.Error("update consumer", "stream", stream, "consumer", c.Name, "error", err)
	}
}

// findConsumer resolves a consumerRef to its stream and consumer.
func (h *Handler) findConsumer(ref consumerRef) (catalog.Stream, consumer, error) {
	var v validator
	v.str("streamARN", ref.StreamARN, 1, 2048, patternStreamARN)
	v.str("consumerName", ref.ConsumerName, 1, 128, patternName)
	v.str("consumerARN", ref.ConsumerARN, 1, 2048, patternConsumerARN)
	if err := v.err(); err != nil {
		return catalog.Stream{}, consumer{}, err
	}
	var streamARN, name string
	created := int64(-1)
	switch {
	case ref.ConsumerARN != nil:
		var ok bool
		if streamARN, name, created, ok = parseConsumerARN(*ref.ConsumerARN); !ok {
			return catalog.Stream{}, consumer{}, invalidArgument("ConsumerARN %s is invalid.", *ref.ConsumerARN)
		}
	case ref.StreamARN != nil && ref.ConsumerName != nil:
		streamARN, name = *ref.StreamARN, *ref.ConsumerName
	default:
		return catalog.Stream{}, consumer{}, invalidArgument("Either ConsumerARN or both ConsumerName and StreamARN must be provided.")
	}
	stream, err := h.streamName(streamRef{StreamARN: &streamARN})
	if err != nil {
		return catalog.Stream{}, consumer{}, err
	}
	s, err := h.lookup(stream)
	if err != nil {
		return s, consumer{}, err
	}
	for _, c := range consumersOf(s) {
		if c.Name == name && (created < 0 || c.Created/1000 == created) {
			return s, c, nil
		}
	}
	return s, consumer{}, h.consumerNotFound(name, stream)
}

func (h *Handler) describeStreamConsumer(_ context.Context, in *consumerRef) (any, error) {
	s, c, err := h.findConsumer(*in)
	if err != nil {
		return nil, err
	}
	return &describeStreamConsumerOutput{ConsumerDescription: consumerDescription{
		consumerOut: h.consumerOut(s.Name, c), StreamARN: h.streamARN(s.Name)}}, nil
}

func (h *Handler) deregisterStreamConsumer(_ context.Context, in *consumerRef) (any, error) {
	s, c, err := h.findConsumer(*in)
	if err != nil {
		return nil, err
	}
	if c.Status == consumerDeleting {
		return nil, apiErr(errResourceInUse, "Consumer %s under stream %s under account %s is being deleted.", c.Name, s.Name, h.opts.AccountID)
	}
	h.subs.endConsumer(s.ID, c, h.consumerNotFound(c.Name, s.Name))
	if h.opts.StatusDelay > 0 {
		h.setConsumerStatus(s.Name, s.ID, c, consumerDeleting)
		name, id := s.Name, s.ID
		h.lifecycle.after(h.opts.StatusDelay, func() { h.setConsumerStatus(name, id, c, "") })
		return nil, nil
	}
	h.setConsumerStatus(s.Name, s.ID, c, "")
	return nil, nil
}

// tokenListConsumers is the token kind of ListStreamConsumers.
const tokenListConsumers byte = 4

func (h *Handler) listStreamConsumers(_ context.Context, in *listStreamConsumersInput) (any, error) {
	var v validator
	v.reqStr("streamARN", in.StreamARN, 1, 2048, patternStreamARN)
	v.str("nextToken", in.NextToken, 1, 1048576, nil)
	v.intRange("maxResults", in.MaxResults, 1, 10000)
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := h.streamName(streamRef{StreamARN: in.StreamARN})
	if err != nil {
		return nil, err
	}
	s, err := h.lookup(name)
	if err != nil {
		return nil, err
	}
	if in.StreamCreationTimestamp != nil && !in.StreamCreationTimestamp.Time.Equal(s.CreatedAt.Truncate(time.Millisecond)) &&
		!in.StreamCreationTimestamp.Time.Equal(s.CreatedAt) {
		return nil, h.streamNotFound(name)
	}
	start := 0
	if in.NextToken != nil {
		tok, terr := h.openToken(tokenListConsumers, *in.NextToken)
		if terr != nil {
			return nil, terr
		}
		if tok.streamID != s.ID {
			return nil, invalidArgument("Invalid NextToken.")
		}
		start = int(tok.offset)
	}
	limit := 100
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	list := consumersOf(s)
	out := &listStreamConsumersOutput{Consumers: []consumerOut{}}
	i := start
	for ; i < len(list) && len(out.Consumers) < limit; i++ {
		out.Consumers = append(out.Consumers, h.consumerOut(name, list[i]))
	}
	if i < len(list) {
		tok := h.sealToken(token{kind: tokenListConsumers, name: name, streamID: s.ID, offset: uint64(i)})
		out.NextToken = &tok
	}
	return out, nil
}

// recoverConsumers completes consumer transitions an earlier process
// left pending.
func (h *Handler) recoverConsumers(s catalog.Stream) {
	for _, c := range consumersOf(s) {
		switch c.Status {
		case consumerCreating:
			h.setConsumerStatus(s.Name, s.ID, c, consumerActive)
		case consumerDeleting:
			h.setConsumerStatus(s.Name, s.ID, c, "")
		}
	}
}
