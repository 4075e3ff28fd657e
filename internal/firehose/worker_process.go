package firehose

import (
	"bytes"
	"context"
	"strings"

	"github.com/eddy-streaming/eddy/internal/firehose/process"
	"github.com/eddy-streaming/eddy/internal/storage"
)

// process runs a batch of stored records through the pipeline into
// buffers. It returns an error only when ctx is done.
func (w *worker) process(ctx context.Context, recs []storage.StoredRecord) error {
	p := w.pipe
	items := make([]item, 0, len(recs))
	// Pass 1: de-aggregation and backup. Nothing of the batch is in a
	// data buffer yet, so the watermark must not pass its first record.
	w.cursor = recs[0].Offset
	for _, r := range recs {
		pos := process.Position{Shard: w.shard, Offset: r.Offset}
		subs := [][]byte{r.Data}
		switch p.deagg {
		case "JSON":
			parts, err := process.SplitJSON(r.Data)
			if err != nil {
				if err := w.addError(ctx, item{pos: pos, arrival: r.ArrivalTime, data: bytes.Clone(r.Data), attempts: 1},
					process.ErrorProcessingFailed, "DeAggregation.FailedToDeAggregate", err.Error()); err != nil {
					return err
				}
				continue
			}
			subs = parts
		case "DELIMITED":
			subs = process.SplitDelimited(r.Data, p.deaggDelim)
		}
		for i, sub := range subs {
			it := item{pos: pos, arrival: r.ArrivalTime, data: bytes.Clone(sub)}
			it.pos.Sub = uint32(i)
			items = append(items, it)
			if p.backupAll {
				if err := w.addBackup(ctx, it); err != nil {
					return err
				}
			}
		}
	}
	results, err := w.transform(ctx, items)
	if err != nil {
		return err
	}
	// Pass 2: partitioning into data buffers, in source order.
	for i, it := range items {
		w.cursor = it.pos.Offset
		var lambdaKeys map[string]string
		if results != nil {
			r := results[i]
			switch {
			case r.errCode != "":
				it.attempts = r.attempts
				if err := w.addError(ctx, it, process.ErrorProcessingFailed, r.errCode, r.errMsg); err != nil {
					return err
				}
				continue
			case r.result == process.ResultDropped:
				continue
			case r.result == process.ResultProcessingFailed:
				it.attempts = 1
				if err := w.addError(ctx, it, process.ErrorProcessingFailed, "Lambda.ProcessingFailed", "The record was marked ProcessingFailed by the transform."); err != nil {
					return err
				}
				continue
			}
			it.data, lambdaKeys = r.data, r.keys
			if badKeys(lambdaKeys) {
				if err := w.addError(ctx, it, process.ErrorProcessingFailed, "DynamicPartitioning.InvalidPartitionKey", "A partition key from the transform holds a NUL character."); err != nil {
					return err
				}
				continue
			}
		}
		key := "d"
		if p.kind == destS3 {
			var queryKeys map[string]string
			if p.extractor != nil {
				k, err := p.extractor.Extract(it.data)
				if err != nil {
					if err := w.addError(ctx, it, process.ErrorProcessingFailed, "DynamicPartitioning.MetadataExtractionFailed", err.Error()); err != nil {
						return err
					}
					continue
				}
				queryKeys = k
			}
			w.keyBuf = append(w.keyBuf[:0], byte(outData))
			kb, err := p.prefix.Append(w.keyBuf, &process.Values{Time: it.arrival, QueryKeys: queryKeys, LambdaKeys: lambdaKeys, Random: process.RandomPlaceholder})
			if err != nil {
				if err := w.addError(ctx, it, process.ErrorProcessingFailed, "DynamicPartitioning.PartitionKeyMissing", err.Error()); err != nil {
					return err
				}
				continue
			}
			w.keyBuf = kb
			key = string(kb)
		}
		if err := w.add(ctx, outData, key, "", it); err != nil {
			return err
		}
	}
	return nil
}

func (w *worker) addError(ctx context.Context, it item, errType, code, msg string) error {
	it.errCode, it.errMsg = code, msg
	if it.attempts == 0 {
		it.attempts = 1
	}
	prefix, err := w.pipe.errPrefix.Eval(&process.Values{Time: it.arrival, ErrorType: errType, Random: process.RandomPlaceholder})
	if err != nil {
		return nil // the error prefix uses no keys; cannot happen
	}
	w.ds.metrics.failed(errType, 1)
	return w.add(ctx, outError, string(outError)+prefix, errType, it)
}

func (w *worker) addBackup(ctx context.Context, it item) error {
	prefix, err := w.pipe.backupPrefix.Eval(&process.Values{Time: it.arrival, Random: process.RandomPlaceholder})
	if err != nil {
		return nil
	}
	return w.add(ctx, outBackup, string(outBackup)+prefix, "", it)
}

func badKeys(keys map[string]string) bool {
	for _, v := range keys {
		if strings.IndexByte(v, 0) >= 0 {
			return true
		}
	}
	return false
}
