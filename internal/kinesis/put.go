package kinesis

import (
	"context"
	"errors"
	"strconv"

	"github.com/eddy-streaming/eddy/internal/awsproto"
	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// maxHashKey is 2^128-1, the largest ExplicitHashKey.
const maxHashKey = "340282366920938463463374607431768211455"

// hashKeyInRange reports whether a decimal string (already matching
// patternHashKey) is at most 2^128-1.
func hashKeyInRange(k string) bool {
	if len(k) != len(maxHashKey) {
		return len(k) < len(maxHashKey)
	}
	return k <= maxHashKey
}

func (h *Handler) badHashKey(k string) error {
	return invalidArgument("Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was %s", k)
}

func (h *Handler) putRecord(ctx context.Context, in *putRecordInput) (any, error) {
	var v validator
	v.streamRef(in.streamRef)
	if v.required("data", in.Data != nil) {
		v.blob("data", in.Data, maxRecordSizeCeiling)
	}
	v.reqStr("partitionKey", in.PartitionKey, 1, maxPartitionKeyChars, nil)
	v.str("explicitHashKey", in.ExplicitHashKey, 0, 0, patternHashKey)
	v.str("sequenceNumberForOrdering", in.SequenceNumberForOrdering, 0, 0, patternSequence)
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := h.streamName(in.streamRef)
	if err != nil {
		return nil, err
	}
	rec := storage.Record{PartitionKey: *in.PartitionKey, Data: in.Data}
	if in.ExplicitHashKey != nil {
		if !hashKeyInRange(*in.ExplicitHashKey) {
			return nil, h.badHashKey(*in.ExplicitHashKey)
		}
		rec.ExplicitHashKey = *in.ExplicitHashKey
	}
	s, err := h.readable(name)
	if err != nil {
		return nil, err
	}
	if size := len(rec.Data) + len(rec.PartitionKey); size > h.maxRecordSize(s) {
		return nil, h.recordTooLarge(s, size)
	}
	recs := []storage.Record{rec}
	if distributionOf(s) == distributionAuto {
		distributeAuto(recs)
	}
	if h.opts.Throughput.Enforce {
		if errs := h.admitWrites(s, recs); errs[0] != nil {
			return nil, errs[0]
		}
	}
	// SequenceNumberForOrdering is accepted: sequence numbers already
	// increase strictly within a shard, which is the guarantee it asks for.
	res, err := h.store.Put(ctx, name, recs)
	if err != nil {
		return nil, h.putError(name, err)
	}
	if len(res) != 1 {
		return nil, errors.New("store returned no result for the record")
	}
	if res[0].Err != nil {
		return nil, h.putError(name, res[0].Err)
	}
	if h.metered(s) {
		h.countWrites(s, recs, res)
	}
	encType, _ := encryptionOf(s)
	return &putRecordOutput{
		ShardId:        catalog.ShardID(res[0].ShardIndex),
		SequenceNumber: res[0].SequenceNumber,
		EncryptionType: encType,
	}, nil
}

func (h *Handler) recordTooLarge(s catalog.Stream, size int) *awsproto.Error {
	return invalidArgument("Record size %d bytes exceeds the maximum record size of %d bytes for stream %s under account %s.",
		size, h.maxRecordSize(s), s.Name, h.opts.AccountID)
}

// putError translates a whole-call error of Store.Put.
func (h *Handler) putError(name string, err error) error {
	switch {
	case errors.Is(err, storage.ErrStreamNotFound):
		return h.streamNotFound(name)
	case errors.Is(err, storage.ErrBadHashKey):
		return invalidArgument("Invalid ExplicitHashKey. %s", err.Error())
	case errors.Is(err, storage.ErrRecordTooLarge):
		return invalidArgument("Record is too large for stream %s under account %s.", name, h.opts.AccountID)
	case errors.Is(err, storage.ErrKeyUnavailable):
		h.opts.Logger.Warn("write refused: encryption key unavailable", "stream", name, "error", err)
		return h.keyUnavailable(name)
	}
	return err
}

// putRecords decodes its input with a specialised JSON decoder (the hot
// path) and the generic one for CBOR.
func (h *Handler) putRecords(ctx context.Context, req *awsproto.Request) (any, error) {
	in := new(putRecordsInput)
	if req.Format == awsproto.JSON {
		if err := decodePutRecordsJSON(req.Body, in); err != nil {
			return nil, err
		}
	} else if e := awsproto.Decode(req.Format, req.Body, in); e != nil {
		return nil, e
	}
	if err := h.authorize(ctx, req.Operation, in); err != nil {
		return nil, err
	}
	return h.doPutRecords(ctx, in)
}

func (h *Handler) doPutRecords(ctx context.Context, in *putRecordsInput) (any, error) {
	var v validator
	v.streamRef(in.streamRef)
	if v.required("records", in.Records != nil) {
		if len(in.Records) < 1 {
			v.fail("[]", true, "records", "Member must have length greater than or equal to 1")
		}
		if len(in.Records) > h.opts.Limits.PutRecordsMaxRecords {
			v.fail(recordsString(len(in.Records)), true, "records",
				"Member must have length less than or equal to "+strconv.Itoa(h.opts.Limits.PutRecordsMaxRecords))
		}
	}
	total := 0
	for i, r := range in.Records {
		field := "records." + strconv.Itoa(i+1) + ".member."
		if r == nil {
			v.fail("null", false, "records."+strconv.Itoa(i+1)+".member", "Member must not be null")
			continue
		}
		if v.required(field+"data", r.Data != nil) {
			v.blob(field+"data", r.Data, maxRecordSizeCeiling)
		}
		v.reqStr(field+"partitionKey", r.PartitionKey, 1, maxPartitionKeyChars, nil)
		v.str(field+"explicitHashKey", r.ExplicitHashKey, 0, 0, patternHashKey)
		total += len(r.Data)
		if r.PartitionKey != nil {
			total += len(*r.PartitionKey)
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := h.streamName(in.streamRef)
	if err != nil {
		return nil, err
	}
	if total > h.opts.Limits.PutRecordsMaxBytes {
		return nil, invalidArgument("Records size exceeds %d MB limit", h.opts.Limits.PutRecordsMaxBytes>>20)
	}
	for _, r := range in.Records {
		if r.ExplicitHashKey != nil && !hashKeyInRange(*r.ExplicitHashKey) {
			return nil, h.badHashKey(*r.ExplicitHashKey)
		}
	}
	s, err := h.readable(name)
	if err != nil {
		return nil, err
	}

	// Records over the stream's record size fail alone; the others are
	// stored. index maps each stored record back to its request entry.
	encType, _ := encryptionOf(s)
	out := &putRecordsOutput{Records: make([]putRecordsResultEntry, len(in.Records)), EncryptionType: encType}
	recs := make([]storage.Record, 0, len(in.Records))
	index := make([]int, 0, len(in.Records))
	maxSize := h.maxRecordSize(s)
	for i, r := range in.Records {
		if size := len(r.Data) + len(*r.PartitionKey); size > maxSize {
			h.failEntry(&out.Records[i], h.recordTooLarge(s, size))
			out.FailedRecordCount++
			continue
		}
		rec := storage.Record{PartitionKey: *r.PartitionKey, Data: r.Data}
		if r.ExplicitHashKey != nil {
			rec.ExplicitHashKey = *r.ExplicitHashKey
		}
		recs = append(recs, rec)
		index = append(index, i)
	}
	if distributionOf(s) == distributionAuto {
		distributeAuto(recs)
	}
	if h.opts.Throughput.Enforce && len(recs) > 0 {
		// Records over their shard's rate fail alone.
		errs := h.admitWrites(s, recs)
		kept, keptIndex := recs[:0], index[:0]
		for j, e := range errs {
			if e != nil {
				h.failEntry(&out.Records[index[j]], e)
				out.FailedRecordCount++
				continue
			}
			kept, keptIndex = append(kept, recs[j]), append(keptIndex, index[j])
		}
		recs, index = kept, keptIndex
	}
	if len(recs) > 0 {
		res, err := h.store.Put(ctx, name, recs)
		if err != nil {
			return nil, h.putError(name, err)
		}
		if len(res) != len(recs) {
			return nil, errors.New("store returned a result count unlike the record count")
		}
		if err := allKeyUnavailable(res); err != nil {
			// The stream's key is gone: nothing was stored.
			return nil, h.putError(name, err)
		}
		for j, r := range res {
			entry := &out.Records[index[j]]
			if r.Err != nil {
				h.failEntry(entry, h.putError(name, r.Err))
				out.FailedRecordCount++
				continue
			}
			shardID, seq := catalog.ShardID(r.ShardIndex), r.SequenceNumber
			entry.ShardId, entry.SequenceNumber = &shardID, &seq
		}
		if h.metered(s) {
			h.countWrites(s, recs, res)
		}
	}
	return out, nil
}

// failEntry records a per-record failure: client errors keep their type,
// anything else is an InternalFailure.
func (h *Handler) failEntry(entry *putRecordsResultEntry, err error) {
	e, internal := toAPIError(err)
	code, msg := e.Type, e.Message
	if internal {
		h.opts.Logger.Error("put record", "error", err)
		code, msg = errInternalFailure, "Internal service failure."
	}
	entry.ErrorCode, entry.ErrorMessage = &code, &msg
}

func recordsString(n int) string {
	return "[" + strconv.Itoa(n) + " records]"
}
