// Package config holds the configuration of eddy serve: its YAML form,
// its defaults (all in Default) and its validation.
//
// A config file is decoded strictly (unknown keys and duplicate keys are
// errors) over the defaults, so a file only needs the settings it
// changes. Command-line flags are applied after the file and override it.
// Validate reports every problem at once.
package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"time"

	"github.com/goccy/go-yaml"
)

// Config is the configuration of the server.
type Config struct {
	// Listen is the host:port the HTTP API listens on. Default
	// 127.0.0.1:4567. Port 0 picks a free port.
	Listen string `yaml:"listen"`
	// DataDir is the directory of the store and the server key. Default
	// ./eddy-data.
	DataDir string `yaml:"data_dir"`
	// Fsync is the durability policy: always (acknowledge after fsync,
	// the default), interval or never.
	Fsync string `yaml:"fsync"`
	// FsyncInterval is the fsync period under fsync: interval. Default
	// 200ms.
	FsyncInterval time.Duration `yaml:"fsync_interval"`
	// LogLevel is debug, info (the default), warn or error.
	LogLevel string `yaml:"log_level"`
	// Region and AccountID appear in ARNs. Defaults us-east-1 and
	// 000000000000.
	Region    string `yaml:"region"`
	AccountID string `yaml:"account_id"`
	// StatusDelay is how long a new stream stays CREATING and a deleted
	// one DELETING. Default 50ms; 0 makes both immediate.
	StatusDelay time.Duration `yaml:"status_delay"`
	// Limits bound API requests.
	Limits Limits `yaml:"limits"`
	// Throughput holds the per-shard throughput limits, off by default.
	Throughput Throughput `yaml:"throughput"`
	// OnDemand says when ON_DEMAND streams split hot shards.
	OnDemand OnDemand `yaml:"on_demand"`
	// FanOut configures enhanced fan-out (SubscribeToShard).
	FanOut FanOut `yaml:"fan_out"`
	// TLSCert and TLSKey are PEM files; when both are set the server
	// serves HTTPS (HTTP/1.1 and HTTP/2) instead of plain HTTP (HTTP/1.1
	// and h2c). Default empty.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// Firehose configures delivery streams; see firehose.go.
	Firehose Firehose `yaml:"firehose"`
	// Analytics configures streaming SQL applications; see analytics.go.
	Analytics Analytics `yaml:"analytics"`
	// TLS holds TLS requirements; see security.go.
	TLS TLS `yaml:"tls"`
	// Auth configures SigV4 authentication; see security.go.
	Auth Auth `yaml:"auth"`
	// Encryption configures encryption at rest; see security.go.
	Encryption Encryption `yaml:"encryption"`
}

// Throughput holds per-shard throughput limits as AWS enforces them on
// provisioned shards. Calls over a limit fail with
// ProvisionedThroughputExceededException. Rates are per second; a shard
// may burst up to one second's worth.
type Throughput struct {
	// Enforce switches the limits on. Default false: nothing throttles.
	Enforce bool `yaml:"enforce"`
	// WriteBytesPerSecond bounds data plus partition keys written to one
	// shard. Default 1 MiB.
	WriteBytesPerSecond int `yaml:"write_bytes_per_second"`
	// WriteRecordsPerSecond bounds records written to one shard. Default
	// 1000.
	WriteRecordsPerSecond int `yaml:"write_records_per_second"`
	// ReadBytesPerSecond bounds data GetRecords returns from one shard.
	// Default 2 MiB. A large read borrows from the next seconds.
	ReadBytesPerSecond int `yaml:"read_bytes_per_second"`
	// ReadCallsPerSecond bounds GetRecords calls on one shard. Default 5.
	ReadCallsPerSecond int `yaml:"read_calls_per_second"`
}

// OnDemand configures the automatic scaling of ON_DEMAND streams: a shard
// whose write load stays at or above either threshold for Sustain is
// split in two at the middle of its hash range.
type OnDemand struct {
	// SplitBytesPerSecond is the write-bytes threshold. Default 1 MiB.
	SplitBytesPerSecond int `yaml:"split_bytes_per_second"`
	// SplitRecordsPerSecond is the write-records threshold. Default 1000.
	SplitRecordsPerSecond int `yaml:"split_records_per_second"`
	// Sustain is how long the load must last (averaged). Default 10s; 1s
	// to 60s.
	Sustain time.Duration `yaml:"sustain"`
	// CheckInterval is how often shard loads are checked. Default 1s.
	CheckInterval time.Duration `yaml:"check_interval"`
}

// FanOut configures enhanced fan-out consumers and SubscribeToShard.
type FanOut struct {
	// MaxConsumersPerStream bounds RegisterStreamConsumer. Default 20.
	MaxConsumersPerStream int `yaml:"max_consumers_per_stream"`
	// Session is how long one subscription lasts. Default 5m.
	Session time.Duration `yaml:"session"`
	// TakeoverAfter is how old a subscription must be before another for
	// the same consumer and shard replaces it; younger ones make the new
	// call fail with ResourceInUseException. Default 5s.
	TakeoverAfter time.Duration `yaml:"takeover_after"`
	// Heartbeat is the longest time without an event on an idle
	// subscription. Default 5s.
	Heartbeat time.Duration `yaml:"heartbeat"`
}

// Limits bound API requests. Sizes are in bytes.
type Limits struct {
	// MaxRecordSize is the largest record (data plus partition key).
	// Default 1 MiB (1048576); at most 10 MiB.
	MaxRecordSize int `yaml:"max_record_size"`
	// PutRecordsMaxRecords is the most records of one PutRecords. Default
	// 500.
	PutRecordsMaxRecords int `yaml:"put_records_max_records"`
	// PutRecordsMaxBytes bounds the data and partition keys of one
	// PutRecords. Default 10 MiB, AWS's limit.
	PutRecordsMaxBytes int `yaml:"put_records_max_bytes"`
	// GetRecordsMaxRecords is the largest GetRecords Limit. Default 10000.
	GetRecordsMaxRecords int `yaml:"get_records_max_records"`
	// GetRecordsMaxBytes bounds the data one GetRecords returns. Default
	// 10 MiB.
	GetRecordsMaxBytes int `yaml:"get_records_max_bytes"`
	// ShardLimit is the most open shards across all streams. Default 1000.
	ShardLimit int `yaml:"shard_limit"`
	// OnDemandStreamLimit is the most ON_DEMAND streams. Default 50.
	OnDemandStreamLimit int `yaml:"on_demand_stream_limit"`
}

const (
	mib = 1 << 20
	// MaxRecordSizeCeiling is the largest record size Kinesis allows.
	MaxRecordSizeCeiling = 10 * mib
)

// Default returns the configuration of eddy serve without flags or file.
func Default() Config {
	return Config{
		Listen:        "127.0.0.1:4567",
		DataDir:       "./eddy-data",
		Fsync:         "always",
		FsyncInterval: 200 * time.Millisecond,
		LogLevel:      "info",
		Region:        "us-east-1",
		AccountID:     "000000000000",
		StatusDelay:   50 * time.Millisecond,
		Limits: Limits{
			MaxRecordSize:        1 * mib,
			PutRecordsMaxRecords: 500,
			PutRecordsMaxBytes:   10 * mib,
			GetRecordsMaxRecords: 10000,
			GetRecordsMaxBytes:   10 * mib,
			ShardLimit:           1000,
			OnDemandStreamLimit:  50,
		},
		Throughput: Throughput{
			WriteBytesPerSecond:   1 * mib,
			WriteRecordsPerSecond: 1000,
			ReadBytesPerSecond:    2 * mib,
			ReadCallsPerSecond:    5,
		},
		OnDemand: OnDemand{
			SplitBytesPerSecond:   1 * mib,
			SplitRecordsPerSecond: 1000,
			Sustain:               10 * time.Second,
			CheckInterval:         time.Second,
		},
		FanOut: FanOut{
			MaxConsumersPerStream: 20,
			Session:               5 * time.Minute,
			TakeoverAfter:         5 * time.Second,
			Heartbeat:             5 * time.Second,
		},
		Firehose:  defaultFirehose(),
		Analytics: defaultAnalytics(),
	}
}

// Load reads a YAML config file over the defaults. It does not validate.
func Load(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	return Parse(b)
}

// Parse decodes YAML over the defaults, strictly. It does not validate.
func Parse(b []byte) (Config, error) {
	c := Default()
	// An empty document (or one of comments only) would zero c.
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return Config{}, fmt.Errorf("parse config: %w", err)
	}
	if doc == nil {
		return c, nil
	}
	if err := yaml.UnmarshalWithOptions(b, &c, yaml.Strict()); err != nil {
		return Config{}, fmt.Errorf("parse config: %w", err)
	}
	return c, nil
}

var (
	regionPattern  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	accountPattern = regexp.MustCompile(`^\d{12}$`)
)

// Validate reports every problem of c at once, joined.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if _, port, err := net.SplitHostPort(c.Listen); err != nil || port == "" {
		bad("listen: %q is not host:port", c.Listen)
	}
	if c.DataDir == "" {
		bad("data_dir: must not be empty")
	}
	switch c.Fsync {
	case "always", "interval", "never":
	default:
		bad("fsync: %q is not always, interval or never", c.Fsync)
	}
	if c.FsyncInterval <= 0 {
		bad("fsync_interval: %v must be positive", c.FsyncInterval)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level: %q is not debug, info, warn or error", c.LogLevel)
	}
	if !regionPattern.MatchString(c.Region) {
		bad("region: %q is not a region name like us-east-1", c.Region)
	}
	if !accountPattern.MatchString(c.AccountID) {
		bad("account_id: %q is not 12 digits", c.AccountID)
	}
	if c.StatusDelay < 0 || c.StatusDelay > time.Minute {
		bad("status_delay: %v must be between 0 and 1m", c.StatusDelay)
	}
	l := c.Limits
	if l.MaxRecordSize < 1 || l.MaxRecordSize > MaxRecordSizeCeiling {
		bad("limits.max_record_size: %d must be between 1 and %d", l.MaxRecordSize, MaxRecordSizeCeiling)
	}
	if l.PutRecordsMaxRecords < 1 || l.PutRecordsMaxRecords > 10000 {
		bad("limits.put_records_max_records: %d must be between 1 and 10000", l.PutRecordsMaxRecords)
	}
	if l.PutRecordsMaxBytes < 1 || l.PutRecordsMaxBytes > 64*mib {
		bad("limits.put_records_max_bytes: %d must be between 1 and %d", l.PutRecordsMaxBytes, 64*mib)
	}
	if l.GetRecordsMaxRecords < 1 || l.GetRecordsMaxRecords > 10000 {
		bad("limits.get_records_max_records: %d must be between 1 and 10000", l.GetRecordsMaxRecords)
	}
	if l.GetRecordsMaxBytes < 1 || l.GetRecordsMaxBytes > 64*mib {
		bad("limits.get_records_max_bytes: %d must be between 1 and %d", l.GetRecordsMaxBytes, 64*mib)
	}
	if l.ShardLimit < 1 {
		bad("limits.shard_limit: %d must be positive", l.ShardLimit)
	}
	if l.OnDemandStreamLimit < 1 {
		bad("limits.on_demand_stream_limit: %d must be positive", l.OnDemandStreamLimit)
	}
	tp := c.Throughput
	for _, f := range []struct {
		name  string
		value int
	}{
		{"throughput.write_bytes_per_second", tp.WriteBytesPerSecond},
		{"throughput.write_records_per_second", tp.WriteRecordsPerSecond},
		{"throughput.read_bytes_per_second", tp.ReadBytesPerSecond},
		{"throughput.read_calls_per_second", tp.ReadCallsPerSecond},
		{"on_demand.split_bytes_per_second", c.OnDemand.SplitBytesPerSecond},
		{"on_demand.split_records_per_second", c.OnDemand.SplitRecordsPerSecond},
		{"fan_out.max_consumers_per_stream", c.FanOut.MaxConsumersPerStream},
	} {
		if f.value < 1 {
			bad("%s: %d must be positive", f.name, f.value)
		}
	}
	if od := c.OnDemand; od.Sustain < time.Second || od.Sustain > time.Minute {
		bad("on_demand.sustain: %v must be between 1s and 1m", od.Sustain)
	}
	if od := c.OnDemand; od.CheckInterval < 10*time.Millisecond || od.CheckInterval > time.Minute {
		bad("on_demand.check_interval: %v must be between 10ms and 1m", od.CheckInterval)
	}
	fo := c.FanOut
	if fo.Session < time.Second || fo.Session > time.Hour {
		bad("fan_out.session: %v must be between 1s and 1h", fo.Session)
	}
	if fo.TakeoverAfter <= 0 || fo.TakeoverAfter > fo.Session {
		bad("fan_out.takeover_after: %v must be positive and at most fan_out.session", fo.TakeoverAfter)
	}
	if fo.Heartbeat < 10*time.Millisecond || fo.Heartbeat > time.Minute {
		bad("fan_out.heartbeat: %v must be between 10ms and 1m", fo.Heartbeat)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("tls_cert and tls_key: set both or neither")
	}
	errs = append(errs, c.Firehose.validate()...)
	errs = append(errs, c.Analytics.validate()...)
	errs = append(errs, c.validateSecurity()...)
	return errors.Join(errs...)
}
