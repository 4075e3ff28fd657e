package firehose

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/eddy-streaming/eddy/internal/storage"
)

// partitionCounter spreads records over the hidden stream's shards.
var partitionCounter atomic.Uint64

func (s *Service) putRecord(ctx context.Context, in *PutRecordInput) (any, error) {
	if err := checkName(in.DeliveryStreamName, "deliveryStreamName"); err != nil {
		return nil, err
	}
	if in.Record == nil {
		return nil, validation("Value null at 'record' failed to satisfy constraint: Member must not be null")
	}
	if len(in.Record.Data) > s.opts.MaxRecordSize {
		return nil, validation(fmt.Sprintf("Value at 'record.data' failed to satisfy constraint: Member must have length less than or equal to %d", s.opts.MaxRecordSize))
	}
	ds, err := s.lookup(*in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	res, err := s.put(ctx, ds, []Record{*in.Record})
	if err != nil {
		return nil, err
	}
	if res[0].Err != nil {
		return nil, serviceUnavailable("Slow down. " + res[0].Err.Error())
	}
	return &PutRecordOutput{RecordId: res[0].SequenceNumber, Encrypted: ds.encrypted()}, nil
}

func (s *Service) putRecordBatch(ctx context.Context, in *PutRecordBatchInput) (any, error) {
	if err := checkName(in.DeliveryStreamName, "deliveryStreamName"); err != nil {
		return nil, err
	}
	if in.Records == nil {
		return nil, validation("Value null at 'records' failed to satisfy constraint: Member must not be null")
	}
	if len(in.Records) < 1 {
		return nil, validation("Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(in.Records) > s.opts.BatchMaxRecords {
		return nil, validation(fmt.Sprintf("Value at 'records' failed to satisfy constraint: Member must have length less than or equal to %d", s.opts.BatchMaxRecords))
	}
	total := 0
	for i, r := range in.Records {
		if len(r.Data) > s.opts.MaxRecordSize {
			return nil, validation(fmt.Sprintf("Value at 'records.%d.member.data' failed to satisfy constraint: Member must have length less than or equal to %d", i+1, s.opts.MaxRecordSize))
		}
		total += len(r.Data)
	}
	if total > s.opts.BatchMaxBytes {
		return nil, invalidArgument(fmt.Sprintf("Records size exceeds %d MB limit", s.opts.BatchMaxBytes>>20))
	}
	ds, err := s.lookup(*in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	res, err := s.put(ctx, ds, in.Records)
	if err != nil {
		return nil, err
	}
	out := &PutRecordBatchOutput{Encrypted: ds.encrypted(), RequestResponses: make([]PutRecordBatchResponseEntry, len(res))}
	for i, r := range res {
		if r.Err != nil {
			out.FailedPutCount++
			code, msg := typeServiceUnavailable, "Slow down."
			if errors.Is(r.Err, storage.ErrWriteRefused) {
				code, msg = "InternalFailure", "The record could not be stored."
			}
			out.RequestResponses[i] = PutRecordBatchResponseEntry{ErrorCode: code, ErrorMessage: msg}
			continue
		}
		out.RequestResponses[i] = PutRecordBatchResponseEntry{RecordId: r.SequenceNumber}
	}
	return out, nil
}

// put appends records to the hidden stream and returns once they are
// durable.
func (s *Service) put(ctx context.Context, ds *deliveryStream, recs []Record) ([]storage.PutResult, error) {
	if ds.source() {
		return nil, invalidArgument("This operation is not permitted on KinesisStreamAsSource delivery stream type.")
	}
	srecs := make([]storage.Record, len(recs))
	base := partitionCounter.Add(uint64(len(recs)))
	for i, r := range recs {
		srecs[i] = storage.Record{PartitionKey: strconv.FormatUint(base+uint64(i), 36), Data: r.Data}
		if ds.shards == 1 {
			srecs[i].PartitionKey = "0"
		}
	}
	res, err := s.store.Put(ctx, ds.hidden, srecs)
	if errors.Is(err, storage.ErrStreamNotFound) {
		return nil, notFound(ds.name, s.opts.AccountID)
	}
	if errors.Is(err, storage.ErrClosed) {
		return nil, serviceUnavailable("The service is shutting down.")
	}
	if err != nil {
		return nil, err
	}
	ds.metrics.incoming(recs)
	return res, nil
}

// source reports whether the delivery stream reads a Kinesis stream.
func (ds *deliveryStream) source() bool {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	return ds.meta.Source != nil
}
