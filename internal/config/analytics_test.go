package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAnalytics(t *testing.T) {
	c, err := Parse([]byte("analytics:\n  checkpoint_interval: 2s\n  s3:\n    endpoint: http://127.0.0.1:7070\n    access_key_id: a\n    secret_access_key: b\n"))
	require.NoError(t, err)
	require.NoError(t, c.Validate())
	require.Equal(t, 2*time.Second, c.Analytics.CheckpointInterval)
	require.Equal(t, 10*time.Second, Default().Analytics.CheckpointInterval)

	c, err = Parse([]byte("analytics:\n  checkpoint_interval: 1ms\n  s3:\n    endpoint: ftp://x\n"))
	require.NoError(t, err)
	err = c.Validate()
	require.ErrorContains(t, err, "analytics.checkpoint_interval: 1ms must be between 100ms and 10m")
	require.ErrorContains(t, err, `analytics.s3.endpoint: "ftp://x" is not an http(s) URL`)
	require.ErrorContains(t, err, "analytics.s3: access_key_id and secret_access_key are required")
}
