package firehose

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/eddy-streaming/eddy/internal/firehose/compress"
	"github.com/eddy-streaming/eddy/internal/firehose/process"
	"github.com/eddy-streaming/eddy/internal/firehose/sink"
)

// transformResult is the transform's outcome for one item.
type transformResult struct {
	result          string
	data            []byte
	keys            map[string]string
	errCode, errMsg string
	attempts        int
}

// transform runs the items through the HTTP transform, in invocations of
// at most transformMax bytes, each retried NumberOfRetries times. nil
// without a transform. It returns an error only when ctx is done.
func (w *worker) transform(ctx context.Context, items []item) ([]transformResult, error) {
	p := w.pipe
	if p.transform == nil || len(items) == 0 {
		return nil, nil
	}
	results := make([]transformResult, len(items))
	for start := 0; start < len(items); {
		end, size := start, 0
		for end < len(items) && (end == start || size+len(items[end].data) <= p.transformMax) {
			size += len(items[end].data)
			end++
		}
		batch := items[start:end]
		recs := make([]process.TransformRecord, len(batch))
		for i, it := range batch {
			recs[i] = process.TransformRecord{RecordID: fmt.Sprintf("%d.%d", it.pos.Offset, it.pos.Sub), Arrival: it.arrival, Data: it.data}
		}
		seed := process.Seed{StreamID: w.ds.streamID, Start: batch[0].pos, Kind: "transform"}
		var out []process.TransformResult
		var err error
		attempts := 0
		for attempt := 0; attempt <= p.transformTry; attempt++ {
			attempts++
			out, err = p.transform.Invoke(ctx, seed.ID(), recs)
			if err == nil || ctx.Err() != nil {
				break
			}
			w.logger.Warn("transform failed", "attempt", attempt+1, "error", err)
			if attempt < p.transformTry {
				if err := sleep(ctx, w.backoff(attempt)); err != nil {
					return nil, err
				}
			}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		for i := range batch {
			r := &results[start+i]
			if err != nil {
				code, msg := "Lambda.InvokeFailed", err.Error()
				var te *process.TransformError
				if errors.As(err, &te) {
					code, msg = te.Code, te.Message
				}
				r.errCode, r.errMsg, r.attempts = code, msg, attempts
				continue
			}
			r.result, r.data, r.keys = out[i].Result, out[i].Data, out[i].PartitionKeys
		}
		start = end
	}
	return results, nil
}

// backoff returns the wait before retry number attempt (0-based):
// exponential from RetryBase, capped at RetryMax, with jitter.
func (w *worker) backoff(attempt int) time.Duration {
	d := w.svc.opts.RetryBase << min(attempt, 20)
	if d > w.svc.opts.RetryMax || d <= 0 {
		d = w.svc.opts.RetryMax
	}
	return d/2 + rand.N(d/2+1)
}

// retry calls fn until it succeeds, fails permanently, ctx is done, or
// (limit > 0) the limit has passed since the first attempt. It returns the
// last error and the number of attempts.
func (w *worker) retry(ctx context.Context, limit time.Duration, what string, fn func(context.Context) error) (int, error) {
	start := w.svc.opts.Now()
	for attempt := 0; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			if attempt > 0 {
				w.ds.setFailure(nil)
			}
			return attempt + 1, nil
		}
		if ctx.Err() != nil {
			return attempt + 1, ctx.Err()
		}
		w.ds.setFailure(&FailureDescription{Type: "UNKNOWN_ERROR", Details: what + ": " + err.Error()})
		w.logger.Warn("delivery failed", "what", what, "attempt", attempt+1, "error", err)
		if sink.Permanent(err) {
			return attempt + 1, err
		}
		wait := w.backoff(attempt)
		if limit >= 0 && limit != noLimit {
			left := limit - w.svc.opts.Now().Sub(start)
			if left <= 0 {
				return attempt + 1, err
			}
			wait = min(wait, left)
		}
		if err := sleep(ctx, wait); err != nil {
			return attempt + 1, err
		}
	}
}

// noLimit makes retry go on until success.
const noLimit = time.Duration(-1)

// objectName names the object of a buffer, or of one of its side outputs
// (kind), under prefix (the buffer's key for data and backups).
func (w *worker) objectName(prefix string, b *buffer, kind, ext string) (string, process.Seed) {
	seed := process.Seed{StreamID: w.ds.streamID, Key: b.key, Start: b.start, Kind: kind}
	prefix = strings.ReplaceAll(prefix, process.RandomPlaceholder, seed.RandomString())
	return process.ObjectName(prefix, w.ds.name, w.pipe.version, b.first, seed.ID(), ext), seed
}

// put stores an object, retrying until it is stored. A permanent failure
// is logged and the object dropped (it cannot be stored anywhere).
func (w *worker) put(ctx context.Context, bucket sink.Bucket, name string, data []byte) error {
	_, err := w.retry(ctx, noLimit, "put object "+name, func(ctx context.Context) error {
		return bucket.Put(ctx, name, data)
	})
	if err != nil && ctx.Err() == nil {
		w.logger.Error("object dropped after a permanent failure", "object", name, "error", err)
		return nil
	}
	return err
}

// deliver writes a buffer to its output. It returns an error only when
// ctx is done.
func (w *worker) deliver(ctx context.Context, b *buffer) error {
	p := w.pipe
	switch b.out {
	case outError:
		return w.writeErrors(ctx, b, b.key[1:], "", b.items)
	case outBackup:
		var raw bytes.Buffer
		for _, it := range b.items {
			raw.Write(it.data)
		}
		body, err := compressBody(p.backupComp, raw.Bytes(), "")
		if err != nil {
			return nil
		}
		name, _ := w.objectName(b.key[1:], b, "", compress.Extension(p.backupComp))
		return w.put(ctx, p.backupBucket, name, body)
	}
	defer w.ds.metrics.freshness(w.svc.opts.Now().Sub(b.first))
	switch p.kind {
	case destHTTP:
		return w.deliverHTTP(ctx, b)
	case destPostgreSQL:
		return w.deliverPostgreSQL(ctx, b)
	}
	return w.deliverS3(ctx, b)
}

func (w *worker) deliverS3(ctx context.Context, b *buffer) error {
	p := w.pipe
	var body []byte
	rows := len(b.items)
	if p.converter != nil {
		recs := make([][]byte, len(b.items))
		for i, it := range b.items {
			recs[i] = it.data
		}
		var failed []item
		var buf bytes.Buffer
		n, err := p.converter.Write(&buf, recs, func(i int, err error) {
			it := b.items[i]
			it.errCode, it.errMsg, it.attempts = "DataFormatConversion.ParseError", err.Error(), 1
			failed = append(failed, it)
		})
		if err != nil {
			return fmt.Errorf("write parquet: %w", err) // writing to memory cannot fail
		}
		if len(failed) > 0 {
			w.ds.metrics.failed(process.ErrorFormatConversionFailed, len(failed))
			prefix, _ := p.errPrefix.Eval(&process.Values{Time: failed[0].arrival, ErrorType: process.ErrorFormatConversionFailed, Random: process.RandomPlaceholder})
			if err := w.writeErrors(ctx, b, prefix, "conversion", failed); err != nil {
				return err
			}
		}
		if n == 0 {
			return nil
		}
		rows, body = n, buf.Bytes()
	} else {
		var raw bytes.Buffer
		for _, it := range b.items {
			raw.Write(it.data)
			raw.Write(p.appendDelim)
		}
		name, _ := w.objectName("", b, "", "")
		entry := name[strings.LastIndexByte(name, '/')+1:]
		var err error
		if body, err = compressBody(p.compression, raw.Bytes(), entry); err != nil {
			return nil
		}
	}
	name, _ := w.objectName(b.key[1:], b, "", p.ext)
	if err := w.put(ctx, p.bucket, name, body); err != nil {
		return err
	}
	w.ds.metrics.delivered("S3", rows, len(body))
	return nil
}

func compressBody(format string, raw []byte, entry string) ([]byte, error) {
	if format == compress.Uncompressed || format == "" {
		return raw, nil
	}
	var out bytes.Buffer
	cw, err := compress.NewWriter(format, &out, entry)
	if err != nil {
		return nil, err
	}
	if _, err := cw.Write(raw); err != nil {
		return nil, err
	}
	if err := cw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func (w *worker) deliverHTTP(ctx context.Context, b *buffer) error {
	p := w.pipe
	recs := make([][]byte, len(b.items))
	for i, it := range b.items {
		recs[i] = append(it.data, p.appendDelim...)
	}
	seed := process.Seed{StreamID: w.ds.streamID, Key: b.key, Start: b.start}
	attempts, err := w.retry(ctx, p.retryDuration, "deliver to HTTP endpoint", func(ctx context.Context) error {
		return p.http.Deliver(ctx, seed.ID(), w.svc.opts.Now(), recs)
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return w.failBuffer(ctx, b, process.ErrorHTTPEndpointFailed, "HttpEndpoint.RequestFailed", err, attempts)
	}
	w.ds.metrics.delivered("HttpEndpoint", len(recs), b.size)
	return nil
}

func (w *worker) deliverPostgreSQL(ctx context.Context, b *buffer) error {
	p := w.pipe
	rows := make([]sink.Row, len(b.items))
	for i, it := range b.items {
		rows[i] = sink.Row{Offset: it.pos.Offset, Sub: it.pos.Sub, Data: it.data}
	}
	attempts, err := w.retry(ctx, p.retryDuration, "deliver to PostgreSQL", func(ctx context.Context) error {
		return p.pg.Deliver(ctx, w.ds.name, b.key, w.shard, rows)
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return w.failBuffer(ctx, b, process.ErrorPostgreSQLFailed, "PostgreSQL.DeliveryFailed", err, attempts)
	}
	w.ds.metrics.delivered("PostgreSQL", len(rows), b.size)
	return nil
}

// failBuffer sends a buffer whose delivery ran out of retries to the
// error output.
func (w *worker) failBuffer(ctx context.Context, b *buffer, errType, code string, cause error, attempts int) error {
	items := make([]item, len(b.items))
	for i, it := range b.items {
		it.errCode, it.errMsg, it.attempts = code, cause.Error(), attempts
		items[i] = it
	}
	w.ds.metrics.failed(errType, len(items))
	prefix, _ := w.pipe.errPrefix.Eval(&process.Values{Time: b.first, ErrorType: errType, Random: process.RandomPlaceholder})
	return w.writeErrors(ctx, b, prefix, "failed", items)
}

// writeErrors writes items as one error-output object of AWS error
// documents.
func (w *worker) writeErrors(ctx context.Context, b *buffer, prefix, kind string, items []item) error {
	var body []byte
	now := w.svc.opts.Now()
	for _, it := range items {
		doc := process.ErrorDocument{
			AttemptsMade: it.attempts, ArrivalTimestamp: it.arrival.UnixMilli(), ErrorCode: it.errCode,
			ErrorMessage: it.errMsg, AttemptEndingTimestamp: now.UnixMilli(), RawData: it.data,
		}
		if strings.HasPrefix(it.errCode, "Lambda.") {
			doc.LambdaArn = w.pipe.lambdaARN
		}
		body = process.AppendErrorDocument(body, &doc)
	}
	name, _ := w.objectName(prefix, b, kind, "")
	return w.put(ctx, w.pipe.errBucket, name, body)
}
