package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDefaultIsValid(t *testing.T) {
	require.NoError(t, Default().Validate())
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		check   func(t *testing.T, c Config)
		wantErr string
	}{
		{
			name: "empty keeps defaults",
			yaml: "",
			check: func(t *testing.T, c Config) {
				require.Equal(t, Default(), c)
			},
		},
		{
			name: "overrides",
			yaml: "listen: 0.0.0.0:9000\nfsync: interval\nfsync_interval: 1s\nstatus_delay: 0s\nlimits:\n  max_record_size: 2097152\n",
			check: func(t *testing.T, c Config) {
				require.Equal(t, "0.0.0.0:9000", c.Listen)
				require.Equal(t, "interval", c.Fsync)
				require.Equal(t, time.Second, c.FsyncInterval)
				require.Equal(t, time.Duration(0), c.StatusDelay)
				require.Equal(t, 2<<20, c.Limits.MaxRecordSize)
				require.Equal(t, 500, c.Limits.PutRecordsMaxRecords, "unset limits keep defaults")
			},
		},
		{name: "unknown key", yaml: "listn: x\n", wantErr: "listn"},
		{name: "unknown nested key", yaml: "limits:\n  max_records: 3\n", wantErr: "max_records"},
		{name: "wrong type", yaml: "limits:\n  shard_limit: lots\n", wantErr: "shard_limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.yaml))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, c)
		})
	}
}

func TestValidateReportsAllProblems(t *testing.T) {
	c := Default()
	c.Listen = "nope"
	c.Fsync = "sometimes"
	c.LogLevel = "loud"
	c.AccountID = "123"
	c.Limits.MaxRecordSize = 11 << 20
	c.Limits.GetRecordsMaxRecords = 0
	err := c.Validate()
	require.Error(t, err)
	for _, want := range []string{"listen", "fsync", "log_level", "account_id", "limits.max_record_size", "limits.get_records_max_records"} {
		require.ErrorContains(t, err, want)
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "eddy.yaml")
	require.NoError(t, os.WriteFile(path, []byte("data_dir: /tmp/x\nregion: eu-west-1\n"), 0o600))
	c, err := Load(path)
	require.NoError(t, err)
	require.Equal(t, "/tmp/x", c.DataDir)
	require.Equal(t, "eu-west-1", c.Region)
	_, err = Load(filepath.Join(t.TempDir(), "missing.yaml"))
	require.Error(t, err)
}

func TestParseCapacityAndFanOut(t *testing.T) {
	c, err := Parse([]byte(`
throughput:
  enforce: true
  write_records_per_second: 10
on_demand:
  split_records_per_second: 50
  sustain: 2s
fan_out:
  session: 30s
  takeover_after: 1s
  heartbeat: 500ms
  max_consumers_per_stream: 5
tls_cert: c.pem
tls_key: k.pem
`))
	require.NoError(t, err)
	require.NoError(t, c.Validate())
	require.True(t, c.Throughput.Enforce)
	require.Equal(t, 10, c.Throughput.WriteRecordsPerSecond)
	require.Equal(t, 1<<20, c.Throughput.WriteBytesPerSecond, "unset rates keep AWS's")
	require.Equal(t, 50, c.OnDemand.SplitRecordsPerSecond)
	require.Equal(t, 2*time.Second, c.OnDemand.Sustain)
	require.Equal(t, 30*time.Second, c.FanOut.Session)
	require.Equal(t, 5, c.FanOut.MaxConsumersPerStream)
	require.Equal(t, "c.pem", c.TLSCert)

	c = Default()
	c.Throughput.ReadCallsPerSecond = 0
	c.OnDemand.Sustain = 2 * time.Minute
	c.FanOut.TakeoverAfter = time.Hour
	c.FanOut.Heartbeat = 0
	c.TLSCert = "only-cert.pem"
	err = c.Validate()
	for _, want := range []string{"throughput.read_calls_per_second", "on_demand.sustain", "fan_out.takeover_after", "fan_out.heartbeat", "tls_cert and tls_key"} {
		require.ErrorContains(t, err, want)
	}
}
