package producer

import (
	"context"
	"slices"
	"time"
)

const (
	// minRefreshInterval is the least time between two shard listings.
	// Failed listings back off from failedRefreshDelay to
	// maxRefreshInterval.
	minRefreshInterval = 100 * time.Millisecond
	failedRefreshDelay = time.Second
	maxRefreshInterval = 30 * time.Second
)

// run is the producer's loop: it starts the batches that are due and the
// shard listings, and sleeps until the next is due or it is kicked.
func (p *Producer) run() {
	defer p.wg.Done()
	timer := time.NewTimer(never)
	defer timer.Stop()
	for {
		p.mu.Lock()
		now := p.now()
		batches, refresh, wake := p.plan(now)
		records, bytes := p.bufferedRecords, p.bufferedBytes
		p.mu.Unlock()

		p.metrics.Buffered(records, bytes)
		if refresh {
			p.wg.Add(1)
			go p.refresh()
		}
		for _, b := range batches {
			p.wg.Add(1)
			go p.send(b)
		}
		timer.Reset(min(wake-now, time.Hour))
		select {
		case <-p.kick:
		case <-timer.C:
		case <-p.stop:
			return
		}
	}
}

// plan decides what to do now: the batches to send, whether to list the
// shards, and when to look again. Called with p.mu held.
func (p *Producer) plan(now time.Duration) (batches []*batch, refresh bool, wake time.Duration) {
	wake = never
	if p.aborted.Load() {
		return nil, false, wake
	}
	if p.pending != nil && p.inFlight == 0 {
		p.setShards(p.pending)
		p.pending = nil
		p.ready = true
	}
	if p.refreshWanted && !p.refreshing {
		if now >= p.nextRefresh {
			p.refreshWanted, p.refreshing, refresh = false, true, true
		} else {
			wake = p.nextRefresh
		}
	}
	if !p.ready || p.pending != nil || p.stale {
		p.nextWake = wake
		return nil, refresh, wake
	}
	forced := p.closed || len(p.flushes) > 0
	for _, s := range p.shards {
		if s.inFlight || s.queueLen() == 0 {
			continue
		}
		due := s.retryAt
		if !forced && !s.backlog && s.at(0).attempts == 0 && !s.full(&p.opts) {
			due = max(due, s.at(0).enqueued+p.opts.Linger)
		}
		if due > now {
			wake = min(wake, due)
			continue
		}
		s.inFlight = true
		p.inFlight++
		batches = append(batches, p.buildBatch(s))
	}
	p.nextWake = wake
	return batches, refresh, wake
}

// setShards replaces the shard map, moving the queued records to the new
// shards in order. Called with p.mu held and no batch in flight.
func (p *Producer) setShards(ranges []shardRange) {
	old := p.shards
	byID := make(map[string]*shard, len(old))
	for _, s := range old {
		byID[s.id] = s
	}
	p.ranges = ranges
	p.shards = make([]*shard, len(ranges))
	for i, r := range ranges {
		s := &shard{shardRange: r}
		if o, ok := byID[r.id]; ok { // keep the backoff of a shard that stays
			s.failures, s.retryAt = o.failures, o.retryAt
		}
		p.shards[i] = s
	}
	// Each key was in one old shard, so moving each old queue in order
	// keeps every key in order.
	for _, o := range old {
		for i := range o.queueLen() {
			r := o.at(i)
			p.shards[lookupShard(ranges, r.route)].push(*r)
		}
	}
	if old != nil {
		p.logger.Info("shard map updated", "shards", len(ranges))
	}
}

// refresh lists the stream's open shards and makes them the pending shard
// map if they changed.
func (p *Producer) refresh() {
	defer p.wg.Done()
	ctx, cancel := context.WithTimeout(p.ctx, p.opts.RequestTimeout)
	ranges, err := listOpenShards(ctx, p.client, p.stream)
	cancel()
	p.mu.Lock()
	defer p.wake()
	defer p.mu.Unlock()
	p.refreshing, p.stale = false, false
	if p.ctx.Err() != nil {
		return
	}
	now := p.now()
	if err != nil {
		p.refreshFailures++
		p.nextRefresh = now + min(maxRefreshInterval, failedRefreshDelay<<min(p.refreshFailures-1, 5))
		p.refreshWanted = true
		if !p.ready {
			p.logger.Warn("cannot list shards; sending without a shard map", "error", err)
			p.ready = true
		} else {
			p.logger.Warn("cannot list shards", "error", err)
		}
		return
	}
	p.refreshFailures = 0
	p.nextRefresh = now + minRefreshInterval
	if slices.Equal(ranges, p.ranges) {
		p.ready, p.pending = true, nil
		return
	}
	p.pending = ranges
}
