package streamio

import (
	"context"
	"errors"
	"fmt"

	"github.com/eddy-streaming/eddy/internal/sql"
	"github.com/eddy-streaming/eddy/internal/storage"
)

// Putter is the part of the durable log a Sink writes through.
type Putter interface {
	Put(ctx context.Context, stream string, recs []storage.Record) ([]storage.PutResult, error)
}

// Sink puts an application output's records into an Eddy stream.
type Sink struct {
	log    Putter
	stream string
}

var _ sql.Sink = (*Sink)(nil)

// NewSink makes a sink writing to stream.
func NewSink(log Putter, stream string) *Sink { return &Sink{log: log, stream: stream} }

// Write puts the records; it returns once all are stored, or an error
// naming how many were not (the Runner then retries the batch, which may
// duplicate the ones that were: at-least-once).
func (s *Sink) Write(ctx context.Context, recs []sql.OutputRecord) error {
	batch := make([]storage.Record, len(recs))
	for i, r := range recs {
		batch[i] = storage.Record{PartitionKey: r.PartitionKey, Data: r.Data}
	}
	for len(batch) > 0 {
		n := min(len(batch), 500)
		res, err := s.log.Put(ctx, s.stream, batch[:n])
		if err != nil {
			return fmt.Errorf("put to %s: %w", s.stream, err)
		}
		var errs []error
		for _, r := range res {
			if r.Err != nil {
				errs = append(errs, r.Err)
			}
		}
		if len(errs) > 0 {
			return fmt.Errorf("put to %s: %d of %d records failed: %w", s.stream, len(errs), n, errors.Join(errs...))
		}
		batch = batch[n:]
	}
	return nil
}
