package bench

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Limits of the Kinesis API that the configuration is checked against.
const (
	maxBatchSize  = 500
	maxRecordSize = 10 << 20
)

// Config describes one benchmark run. Zero values mean the defaults of
// DefaultConfig, except where a field says otherwise.
type Config struct {
	// Stream is the stream to use. If it exists it is used as it is and
	// never deleted; otherwise it is created with Shards shards (and
	// deleted at the end unless Keep). Empty means a new stream named
	// "eddy-bench-<random>".
	Stream string
	// Shards is the shard count of a stream the run creates. Default 1.
	Shards int
	// Producers is the number of concurrent producer loops. Default 1.
	Producers int
	// RecordSize is each record's data size in bytes, at least
	// MinRecordSize. Default 100.
	RecordSize int
	// BatchSize is the number of records per PutRecords call, 1 to 500.
	// Default 1. Ignored when UsePutRecord.
	BatchSize int
	// UsePutRecord makes producers call PutRecord (one record per call)
	// instead of PutRecords.
	UsePutRecord bool
	// Duration is how long producers run. Default 10s.
	Duration time.Duration
	// NoRead turns the consumers off: no put-to-read latency is measured.
	NoRead bool
	// PollInterval is how long a consumer sleeps after an empty GetRecords.
	// Default 1ms; use 200ms or more against AWS (5 calls/s per shard).
	PollInterval time.Duration
	// DrainTimeout bounds how long consumers keep reading after producers
	// stop. Default 5s.
	DrainTimeout time.Duration
	// ActiveTimeout bounds the wait for the stream to become ACTIVE.
	// Default 2m.
	ActiveTimeout time.Duration
	// Keep leaves a stream the run created in place at the end.
	Keep bool
	// Progress, if not nil, is called every ProgressInterval while
	// producers run, from a goroutine of its own.
	Progress func(Progress)
	// ProgressInterval is the period of Progress calls. Default 1s.
	ProgressInterval time.Duration
	// Logger receives setup and teardown events; nil discards them.
	Logger *slog.Logger
}

// DefaultConfig returns the defaults that zero fields of a Config take.
func DefaultConfig() Config {
	return Config{
		Shards:           1,
		Producers:        1,
		RecordSize:       100,
		BatchSize:        1,
		Duration:         10 * time.Second,
		PollInterval:     time.Millisecond,
		DrainTimeout:     5 * time.Second,
		ActiveTimeout:    2 * time.Minute,
		ProgressInterval: time.Second,
	}
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Shards == 0 {
		c.Shards = d.Shards
	}
	if c.Producers == 0 {
		c.Producers = d.Producers
	}
	if c.RecordSize == 0 {
		c.RecordSize = d.RecordSize
	}
	if c.BatchSize == 0 {
		c.BatchSize = d.BatchSize
	}
	if c.UsePutRecord {
		c.BatchSize = 1
	}
	if c.Duration == 0 {
		c.Duration = d.Duration
	}
	if c.PollInterval == 0 {
		c.PollInterval = d.PollInterval
	}
	if c.DrainTimeout == 0 {
		c.DrainTimeout = d.DrainTimeout
	}
	if c.ActiveTimeout == 0 {
		c.ActiveTimeout = d.ActiveTimeout
	}
	if c.ProgressInterval == 0 {
		c.ProgressInterval = d.ProgressInterval
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports every problem with c (after defaults) at once.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.Shards < 1 {
		errs = append(errs, fmt.Errorf("shards must be at least 1, got %d", c.Shards))
	}
	if c.Producers < 1 {
		errs = append(errs, fmt.Errorf("producers must be at least 1, got %d", c.Producers))
	}
	if c.RecordSize < MinRecordSize || c.RecordSize > maxRecordSize {
		errs = append(errs, fmt.Errorf("record size must be %d to %d bytes, got %d", MinRecordSize, maxRecordSize, c.RecordSize))
	}
	if c.BatchSize < 1 || c.BatchSize > maxBatchSize {
		errs = append(errs, fmt.Errorf("batch size must be 1 to %d records, got %d", maxBatchSize, c.BatchSize))
	}
	if c.Duration < 0 {
		errs = append(errs, fmt.Errorf("duration must be positive, got %s", c.Duration))
	}
	if c.PollInterval < 0 || c.DrainTimeout < 0 || c.ActiveTimeout < 0 || c.ProgressInterval < 0 {
		errs = append(errs, errors.New("intervals and timeouts must not be negative"))
	}
	return errors.Join(errs...)
}
