package auth

import (
	"encoding/hex"
	"sync"
	"time"
)

// replayCache remembers accepted signatures for at least one window (the
// span during which a signature can be accepted: twice the skew). It
// keeps two generations, each covering one window: a lookup checks both,
// and when the current generation is a window old it becomes the previous
// one and the older one is dropped. Memory is bounded by limit entries
// across both generations.
type replayCache struct {
	window time.Duration
	limit  int

	mu       sync.Mutex
	started  time.Time // start of the current generation
	current  map[[32]byte]struct{}
	previous map[[32]byte]struct{}
}

func newReplayCache(window time.Duration, limit int) *replayCache {
	return &replayCache{window: window, limit: limit, current: map[[32]byte]struct{}{}, previous: map[[32]byte]struct{}{}}
}

// check records an accepted signature (64 hex digits) and refuses one seen
// before.
func (c *replayCache) check(signature string, now time.Time) *Error {
	var key [32]byte
	if n, err := hex.Decode(key[:], []byte(signature)); err != nil || n != len(key) {
		// Cannot happen: the signature matched a computed one.
		return newError(TypeInvalidSignature, ReasonSignature, messageSignatureMismatch)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch age := now.Sub(c.started); {
	case c.started.IsZero() || age >= 2*c.window:
		clear(c.previous)
		clear(c.current)
		c.started = now
	case age >= c.window: // a clock that went back rotates nothing
		c.previous, c.current = c.current, c.previous
		clear(c.current)
		c.started = c.started.Add(c.window)
	}
	if _, seen := c.current[key]; seen {
		return newError(TypeInvalidSignature, ReasonReplay, messageReplay)
	}
	if _, seen := c.previous[key]; seen {
		return newError(TypeInvalidSignature, ReasonReplay, messageReplay)
	}
	if len(c.current)+len(c.previous) >= c.limit {
		return newError(TypeThrottling, ReasonReplayCapFull, messageReplayFull)
	}
	c.current[key] = struct{}{}
	return nil
}
