package main

import (
	"context"
	"time"
)

// pacer spaces events to at most a rate per second: the n-th wait returns
// no earlier than n/rate after the first. Waits shorter than minPaceSleep
// are gathered into longer ones, so high rates cost no timer per event.
// A pacer that falls behind (a sleep that overran, a slow input) catches
// up by at most maxPaceLag: longer idle time is not saved up for a burst.
type pacer struct {
	interval time.Duration // 0: no limit
	next     time.Time
}

const (
	// minPaceSleep is the shortest sleep a pacer makes.
	minPaceSleep = time.Millisecond
	// maxPaceLag is how far behind schedule a pacer may be and catch up.
	maxPaceLag = 100 * time.Millisecond
)

// newPacer returns a pacer for rate events per second; 0 means no limit.
func newPacer(rate float64) *pacer {
	if rate <= 0 {
		return &pacer{}
	}
	return &pacer{interval: max(time.Duration(float64(time.Second)/rate), 1)}
}

// wait returns when the next event may happen, or ctx's error.
func (p *pacer) wait(ctx context.Context) error {
	if p.interval == 0 {
		return ctx.Err()
	}
	now := time.Now()
	if p.next.IsZero() {
		p.next = now
	}
	if now.Sub(p.next) > maxPaceLag {
		p.next = now.Add(-maxPaceLag)
	}
	if ahead := p.next.Sub(now); ahead >= minPaceSleep {
		timer := time.NewTimer(ahead)
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
	}
	p.next = p.next.Add(p.interval)
	return ctx.Err()
}
