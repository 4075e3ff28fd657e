package bench

import (
	"sync"
	"sync/atomic"
	"time"
)

// state is what producers, consumers and the progress reporter share.
type state struct {
	putRecords atomic.Int64 // acknowledged records
	putBytes   atomic.Int64 // data bytes of acknowledged records
	putCalls   atomic.Int64 // successful calls
	errors     atomic.Int64 // failed put calls and failed entries
	throttles  atomic.Int64 // throttled put calls and throttled entries

	readRecords    atomic.Int64 // benchmark records read
	foreignRecords atomic.Int64 // other records read (not written by the benchmark)
	readErrors     atomic.Int64
	readThrottles  atomic.Int64

	// producersDone is closed when every producer has stopped; then
	// consumers drain until drainDeadline.
	producersDone chan struct{}
	drainDeadline atomic.Int64 // Unix nanoseconds

	mu        sync.Mutex
	lastError string
}

func newState() *state {
	return &state{producersDone: make(chan struct{})}
}

// noteError counts a failed call as an error or a throttle.
func (s *state) noteError(err error, throttle, read bool) {
	switch {
	case read && throttle:
		s.readThrottles.Add(1)
	case read:
		s.readErrors.Add(1)
	case throttle:
		s.throttles.Add(1)
	default:
		s.errors.Add(1)
	}
	if !throttle {
		s.setLastError(err.Error())
	}
}

// noteEntryError counts a failed PutRecords entry.
func (s *state) noteEntryError(code, message string) {
	if isThrottle(code) {
		s.throttles.Add(1)
		return
	}
	s.errors.Add(1)
	s.setLastError(code + ": " + message)
}

func (s *state) setLastError(msg string) {
	s.mu.Lock()
	s.lastError = msg
	s.mu.Unlock()
}

func (s *state) getLastError() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastError
}

// drained reports whether consumers should stop: producers are done and
// either every acknowledged record has been read or the drain time is up.
func (s *state) drained() bool {
	select {
	case <-s.producersDone:
	default:
		return false
	}
	return s.readRecords.Load() >= s.putRecords.Load() ||
		time.Now().UnixNano() >= s.drainDeadline.Load()
}
