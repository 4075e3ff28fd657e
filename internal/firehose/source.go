package firehose

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// KinesisStreamAsSource: a delivery stream reads an Eddy stream from
// LATEST (at creation) on every open shard, and follows resharding: a
// child shard is delivered from its start once all its parents are
// delivered to their end, so records of one partition key keep their
// order. Each source shard has its own worker and checkpoint.

// parseStreamARN returns the stream name of a Kinesis stream ARN.
func parseStreamARN(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "kinesis" {
		return "", false
	}
	name, ok := strings.CutPrefix(parts[5], "stream/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", false
	}
	return name, true
}

// newSource checks the source configuration and records where delivery
// starts: LATEST on every open shard.
func (s *Service) newSource(c *KinesisStreamSourceConfiguration) (*sourceMeta, error) {
	if c == nil || c.KinesisStreamARN == "" {
		return nil, invalidArgument("KinesisStreamSourceConfiguration with a KinesisStreamARN is required when DeliveryStreamType is KinesisStreamAsSource")
	}
	name, ok := parseStreamARN(c.KinesisStreamARN)
	if !ok {
		return nil, invalidArgument(fmt.Sprintf("KinesisStreamARN %q is not a Kinesis stream ARN", c.KinesisStreamARN))
	}
	st, err := s.store.Stream(name)
	if errors.Is(err, storage.ErrStreamNotFound) || strings.HasPrefix(name, HiddenPrefix) {
		return nil, invalidArgument(fmt.Sprintf("Kinesis stream %s does not exist", name))
	}
	if err != nil {
		return nil, err
	}
	if st.Status != catalog.StatusActive && st.Status != catalog.StatusUpdating {
		return nil, invalidArgument(fmt.Sprintf("Kinesis stream %s is not ACTIVE", name))
	}
	src := &sourceMeta{Stream: name, ARN: c.KinesisStreamARN, RoleARN: c.RoleARN, Start: map[uint32]uint64{},
		Known: uint32(len(st.Shards)), Started: s.opts.Now().UTC()}
	for _, sh := range st.Shards {
		if sh.Closed {
			continue
		}
		off, err := s.store.Seek(name, sh.Index, storage.Position{Type: storage.Latest})
		if err != nil {
			return nil, fmt.Errorf("find the end of %s shard %d: %w", name, sh.Index, err)
		}
		src.Start[sh.Index] = off
	}
	return src, nil
}

// manageSource runs a worker per source shard, starting children once
// their parents are finished, until ctx is done.
func (ds *deliveryStream) manageSource(ctx context.Context, src *sourceMeta) {
	logger := ds.svc.logger.With("delivery_stream", ds.name, "source", src.Stream)
	var mu sync.Mutex
	running := map[uint32]bool{}
	finished := map[uint32]bool{}
	var wg sync.WaitGroup
	defer wg.Wait()
	changed := make(chan struct{}, 1)
	// Shards already finished before a restart.
	if st, err := ds.svc.store.Stream(ds.hidden); err == nil {
		for _, sh := range sourceShards(ds.svc.store, src.Stream) {
			if c, err := ds.loadCheckpointFrom(st, sh.Index); err == nil && c.Finished {
				finished[sh.Index] = true
			}
		}
	}
	done := func(i uint32) bool {
		if i < src.Known {
			if _, tracked := src.Start[i]; !tracked {
				return true // closed before the delivery stream existed
			}
		}
		return finished[i]
	}
	for ctx.Err() == nil {
		st, err := ds.svc.store.Stream(src.Stream)
		if err != nil {
			ds.setFailure(&FailureDescription{Type: "UNKNOWN_ERROR", Details: fmt.Sprintf("Source Kinesis stream %s: %v", src.Stream, err)})
		} else {
			mu.Lock()
			for _, sh := range st.Shards {
				i := sh.Index
				if running[i] || done(i) {
					continue
				}
				start := uint64(0)
				if i < src.Known {
					start = src.Start[i]
				} else if (sh.ParentIndex >= 0 && !done(uint32(sh.ParentIndex))) ||
					(sh.AdjacentParentIndex >= 0 && !done(uint32(sh.AdjacentParentIndex))) {
					continue // parents first
				}
				running[i] = true
				w := newWorker(ds, src.Stream, i, start)
				wg.Add(1)
				go func() {
					defer wg.Done()
					fin := w.run(ctx)
					mu.Lock()
					delete(running, i)
					if fin {
						finished[i] = true
						logger.Info("source shard delivered to its end", "shard", i)
					}
					mu.Unlock()
					select {
					case changed <- struct{}{}:
					default:
					}
				}()
			}
			mu.Unlock()
		}
		if err := sleepOrSignal(ctx, idleCheck, changed); err != nil {
			return
		}
	}
}

// sleepOrSignal waits d, a signal on ch, or the end of ctx (an error).
func sleepOrSignal(ctx context.Context, d time.Duration, ch <-chan struct{}) error {
	wctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	select {
	case <-wctx.Done():
		return ctx.Err()
	case <-ch:
		return nil
	}
}

func sourceShards(store Store, stream string) []catalog.Shard {
	st, err := store.Stream(stream)
	if err != nil {
		return nil
	}
	return st.Shards
}
