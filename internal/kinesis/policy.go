package kinesis

import (
	"context"
	"errors"
	"net/http"

	"github.com/eddy-streaming/eddy/internal/auth"
	"github.com/eddy-streaming/eddy/internal/policy"
	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// Authorization: the second security hook (docs/security-design.md). Once
// an operation's input is decoded, and before its handler validates it or
// acts, authorize finds the resource the input names, that resource's
// policy, and asks policy.Authorize whether the authenticated caller may
// perform the operation's action on it. It is on exactly when
// authentication put an identity in the context. A refused caller learns
// nothing, not even whether the resource exists, and changes nothing.
//
// Resource policies are stored with what they govern: a stream's in its
// catalog attribute attrResourcePolicy, a consumer's in its entry of the
// stream's consumer list. Deleting the stream or deregistering the
// consumer deletes the policy with it.

// attrResourcePolicy is the catalog attribute holding a stream's resource
// policy document, verbatim.
const attrResourcePolicy = "kinesis.resource_policy"

// authorize checks that the caller may perform operation on the resource
// in names. Without an identity in ctx (authentication off) it allows.
func (h *Handler) authorize(ctx context.Context, operation string, in any) error {
	id, ok := auth.FromContext(ctx)
	if !ok {
		return nil
	}
	op, ok := policy.OperationByName(operation)
	if !ok {
		return apiErr(errAccessDenied, "User: %s is not authorized to perform: kinesis:%s", id.PrincipalARN, operation)
	}
	arn, doc, err := h.resourceOf(op, in)
	if err != nil {
		return err
	}
	p, err := h.policies.Get(doc)
	if err != nil {
		return err // a stored document that no longer parses: refuse
	}
	facts := requestFactsFrom(ctx)
	err = policy.Authorize(p, policy.Request{
		Principal: id.PrincipalARN, Action: op.Action, Resource: arn, Account: h.opts.AccountID,
		SourceIP: facts.sourceIP, SecureTransport: facts.secure, Time: facts.time,
	})
	var denied *policy.AccessDeniedError
	if errors.As(err, &denied) {
		if h.opts.AuthzDenied != nil {
			h.opts.AuthzDenied.WithLabelValues(op.Action).Inc()
		}
		h.opts.Logger.Info("access denied", "principal", id.PrincipalARN, "action", op.Action, "resource", arn)
		return apiErr(errAccessDenied, "%s", denied.Error())
	}
	return err
}

// Inputs name their resource in one of these ways.
type (
	// streamNamer is every input that names a stream by StreamName or
	// StreamARN (streamRef is embedded in most).
	streamNamer interface {
		streamReference() (ref streamRef, arnRequired bool)
	}
	// resourceNamer is every input with a ResourceARN.
	resourceNamer interface{ resourceARN() *string }
	// consumerNamer is every input that names a consumer.
	consumerNamer interface{ consumerReference() consumerRef }
)

func (r streamRef) streamReference() (streamRef, bool) { return r, false }

func (in *registerStreamConsumerInput) streamReference() (streamRef, bool) {
	return streamRef{StreamARN: in.StreamARN}, true
}

func (in *listStreamConsumersInput) streamReference() (streamRef, bool) {
	return streamRef{StreamARN: in.StreamARN}, true
}

func (in *updateStreamModeInput) streamReference() (streamRef, bool) {
	return streamRef{StreamARN: in.StreamARN}, true
}

func (in *updateMaxRecordSizeInput) streamReference() (streamRef, bool) {
	return streamRef{StreamARN: in.StreamARN}, true
}

func (in *updateRecordDistributionInput) streamReference() (streamRef, bool) {
	return streamRef{StreamARN: in.StreamARN}, true
}

func (in *tagResourceInput) resourceARN() *string         { return in.ResourceARN }
func (in *untagResourceInput) resourceARN() *string       { return in.ResourceARN }
func (in *listTagsForResourceInput) resourceARN() *string { return in.ResourceARN }
func (in *resourcePolicyInput) resourceARN() *string      { return in.ResourceARN }
func (in *putResourcePolicyInput) resourceARN() *string   { return in.ResourceARN }

func (r *consumerRef) consumerReference() consumerRef { return *r }

func (in *subscribeToShardInput) consumerReference() consumerRef {
	return consumerRef{ConsumerARN: in.ConsumerARN}
}

// resourceOf returns the ARN of the resource in names (empty for
// account-level operations) and the policy document attached to it
// (empty when it has none, or does not exist here). A reference that does
// not resolve is the error the handler would return, so that a bad
// request never skips the check.
func (h *Handler) resourceOf(op policy.Operation, in any) (arn, doc string, err error) {
	if len(op.Resources) == 0 {
		return "", "", nil
	}
	switch x := in.(type) {
	case *getRecordsInput:
		return h.iteratorResource(x)
	case *subscribeToShardInput:
		if x.ConsumerARN == nil {
			var v validator
			v.required("consumerARN", false)
			return "", "", v.err()
		}
	case *listShardsInput:
		if x.StreamName == nil && x.StreamARN == nil && x.NextToken != nil {
			tok, terr := h.openToken(tokenListShards, *x.NextToken)
			if terr != nil {
				return "", "", terr
			}
			return h.streamResource(tok.name)
		}
	}
	switch x := in.(type) {
	case channelNamer:
		arn, err := x.channelARN(h)
		return arn, "", err
	case streamNamer:
		ref, arnRequired := x.streamReference()
		return h.streamRefResource(ref, arnRequired)
	case resourceNamer:
		return h.arnResource(x.resourceARN())
	case consumerNamer:
		return h.consumerRefResource(x.consumerReference())
	}
	return "", "", errors.New("authorize: input names no resource")
}

// streamResource is a local stream's ARN and policy.
func (h *Handler) streamResource(name string) (arn, doc string, err error) {
	s, err := h.store.Stream(name)
	switch {
	case errors.Is(err, storage.ErrStreamNotFound):
		return h.streamARN(name), "", nil
	case err != nil:
		return "", "", err
	}
	return h.streamARN(name), s.Attrs[attrResourcePolicy], nil
}

func (h *Handler) streamRefResource(ref streamRef, arnRequired bool) (arn, doc string, err error) {
	if ref.StreamARN == nil && arnRequired {
		var v validator
		v.required("streamARN", false)
		return "", "", v.err()
	}
	if ref.StreamARN != nil {
		region, account, _, ok := parseStreamARN(*ref.StreamARN)
		if !ok {
			return "", "", invalidArgument("StreamARN %s is invalid.", *ref.StreamARN)
		}
		if region != h.opts.Region || account != h.opts.AccountID {
			return *ref.StreamARN, "", nil // not here: no policy
		}
	}
	name, err := h.streamName(ref)
	if err != nil {
		return "", "", err
	}
	return h.streamResource(name)
}

// iteratorResource is the stream a GetRecords iterator reads.
func (h *Handler) iteratorResource(in *getRecordsInput) (arn, doc string, err error) {
	if in.ShardIterator == nil {
		var v validator
		v.required("shardIterator", false)
		return "", "", v.err()
	}
	it, err := h.openIterator(*in.ShardIterator)
	if err != nil {
		return "", "", err
	}
	s, err := h.store.Stream(it.name)
	if err != nil || s.ID != it.streamID {
		return h.streamARN(it.name), "", nil // the handler refuses it
	}
	return h.streamARN(it.name), s.Attrs[attrResourcePolicy], nil
}

// arnResource resolves a ResourceARN: a stream or a consumer.
func (h *Handler) arnResource(arn *string) (string, string, error) {
	if arn == nil {
		var v validator
		v.required("resourceARN", false)
		return "", "", v.err()
	}
	switch policy.ResourceTypeOf(*arn) {
	case policy.ResourceStream:
		return h.streamRefResource(streamRef{StreamARN: arn}, true)
	case policy.ResourceConsumer:
		return h.consumerRefResource(consumerRef{ConsumerARN: arn})
	}
	// Channels are not served; anything else names nothing here.
	return *arn, "", nil
}

func (h *Handler) consumerRefResource(ref consumerRef) (arn, doc string, err error) {
	var streamARN, name string
	created := int64(-1)
	switch {
	case ref.ConsumerARN != nil:
		var ok bool
		if streamARN, name, created, ok = parseConsumerARN(*ref.ConsumerARN); !ok {
			return "", "", invalidArgument("ConsumerARN %s is invalid.", *ref.ConsumerARN)
		}
		arn = *ref.ConsumerARN
	case ref.StreamARN != nil && ref.ConsumerName != nil:
		streamARN, name = *ref.StreamARN, *ref.ConsumerName
		arn = streamARN + "/consumer/" + name
	default:
		return "", "", invalidArgument("Either ConsumerARN or both ConsumerName and StreamARN must be provided.")
	}
	region, account, stream, ok := parseStreamARN(streamARN)
	if !ok {
		return "", "", invalidArgument("StreamARN %s is invalid.", streamARN)
	}
	if region != h.opts.Region || account != h.opts.AccountID {
		return arn, "", nil
	}
	s, err := h.store.Stream(stream)
	if errors.Is(err, storage.ErrStreamNotFound) {
		return arn, "", nil
	}
	if err != nil {
		return "", "", err
	}
	for _, c := range consumersOf(s) {
		if c.Name == name && (created < 0 || c.Created/1000 == created) {
			return h.consumerARN(stream, c), c.Policy, nil
		}
	}
	return arn, "", nil
}

// PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy.

type putResourcePolicyInput struct {
	ResourceARN *string `json:"ResourceARN"`
	Policy      *string `json:"Policy"`
}

type resourcePolicyInput struct {
	ResourceARN *string `json:"ResourceARN"`
}

type getResourcePolicyOutput struct {
	Policy string `json:"Policy"`
}

// emptyPolicy is what GetResourcePolicy returns for a resource without one.
const emptyPolicy = "{}"

func (h *Handler) putResourcePolicy(_ context.Context, in *putResourcePolicyInput) (any, error) {
	var v validator
	v.reqStr("resourceARN", in.ResourceARN, 1, 2048, patternResourceARN)
	v.required("policy", in.Policy != nil)
	if err := v.err(); err != nil {
		return nil, err
	}
	target, err := h.policyTarget(*in.ResourceARN)
	if err != nil {
		return nil, err
	}
	if _, err := policy.Parse(*in.Policy, target.arn); err != nil {
		var bad *policy.InvalidPolicyError
		if errors.As(err, &bad) {
			return nil, invalidArgument("%s", bad.Msg)
		}
		return nil, err
	}
	return nil, h.setPolicy(target, *in.Policy)
}

func (h *Handler) getResourcePolicy(_ context.Context, in *resourcePolicyInput) (any, error) {
	var v validator
	v.reqStr("resourceARN", in.ResourceARN, 1, 2048, patternResourceARN)
	if err := v.err(); err != nil {
		return nil, err
	}
	target, err := h.policyTarget(*in.ResourceARN)
	if err != nil {
		return nil, err
	}
	doc := target.stream.Attrs[attrResourcePolicy]
	if target.consumer != nil {
		doc = target.consumer.Policy
	}
	if doc == "" {
		doc = emptyPolicy
	}
	return &getResourcePolicyOutput{Policy: doc}, nil
}

func (h *Handler) deleteResourcePolicy(_ context.Context, in *resourcePolicyInput) (any, error) {
	var v validator
	v.reqStr("resourceARN", in.ResourceARN, 1, 2048, patternResourceARN)
	if err := v.err(); err != nil {
		return nil, err
	}
	target, err := h.policyTarget(*in.ResourceARN)
	if err != nil {
		return nil, err
	}
	return nil, h.setPolicy(target, "")
}

// policyTarget is the stream, or the consumer of a stream, a policy
// operation names.
type policyTarget struct {
	arn      string
	stream   catalog.Stream
	consumer *consumer // nil for the stream itself
}

func (h *Handler) policyTarget(arn string) (policyTarget, error) {
	if policy.ResourceTypeOf(arn) == policy.ResourceConsumer {
		s, c, err := h.findConsumer(consumerRef{ConsumerARN: &arn})
		if err != nil {
			return policyTarget{}, err
		}
		return policyTarget{arn: h.consumerARN(s.Name, c), stream: s, consumer: &c}, nil
	}
	if policy.ResourceTypeOf(arn) != policy.ResourceStream {
		return policyTarget{}, apiErr(errResourceNotFound, "Resource %s not found.", arn)
	}
	name, err := h.resourceStream(&arn)
	if err != nil {
		return policyTarget{}, err
	}
	s, err := h.lookup(name)
	if err != nil {
		return policyTarget{}, err
	}
	return policyTarget{arn: h.streamARN(name), stream: s}, nil
}

// setPolicy stores doc ("" deletes) on the target, in one catalog
// transaction.
func (h *Handler) setPolicy(t policyTarget, doc string) error {
	var missing error
	_, err := h.store.UpdateStream(t.stream.Name, func(s *catalog.Stream) error {
		if s.ID != t.stream.ID {
			missing = h.streamNotFound(t.stream.Name)
			return errNoChange
		}
		if t.consumer == nil {
			setAttr(s, attrResourcePolicy, doc)
			return nil
		}
		list := consumersOf(*s)
		for i, c := range list {
			if c.Name == t.consumer.Name && c.Created == t.consumer.Created {
				list[i].Policy = doc
				setConsumers(s, list)
				return nil
			}
		}
		missing = h.consumerNotFound(t.consumer.Name, t.stream.Name)
		return errNoChange
	})
	if missing != nil {
		return missing
	}
	return h.storeErr(t.stream.Name, err)
}

// Authorize checks that the caller authenticated in r's context may
// perform a Kinesis operation on the stream or consumer with the given
// ARN. Other APIs call it when they act on a Kinesis resource on the
// caller's behalf (a Firehose delivery stream reading a Kinesis stream).
// Without an identity in the context it allows. The error is an
// AccessDeniedException or the error of an unusable ARN.
func (h *Handler) Authorize(r *http.Request, operation, resourceARN string) error {
	ctx := r.Context()
	if _, ok := auth.FromContext(ctx); !ok {
		return nil
	}
	ctx = withRequestFacts(ctx, requestFacts{sourceIP: remoteAddr(r), secure: r.TLS != nil, time: h.opts.Now()})
	return h.authorize(ctx, operation, &resourcePolicyInput{ResourceARN: &resourceARN})
}
