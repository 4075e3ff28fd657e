package kinesis

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeDelivery records channel deliveries.
type fakeDelivery struct {
	mu        sync.Mutex
	specs     map[string]ChannelSpec
	freshness map[string]int
}

func (f *fakeDelivery) CreateChannelDelivery(_ context.Context, id string, spec ChannelSpec) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.specs[id] = spec
	return nil
}

func (f *fakeDelivery) UpdateChannelDelivery(_ context.Context, id string, n int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.freshness[id] = n
	return nil
}

func (f *fakeDelivery) DeleteChannelDelivery(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.specs, id)
	return nil
}

func channelRequest(name, stream string) map[string]any {
	return map[string]any{
		"ChannelName": name, "ServiceExecutionRoleARN": "arn:aws:iam::000000000000:role/r",
		"StreamConfigurationList": []any{map[string]any{
			"StreamARN": "arn:aws:kinesis:us-east-1:000000000000:stream/" + stream, "RecordConfiguration": map[string]any{"RecordFormatType": "BYTE_ARRAY"}}},
		"S3DestinationConfiguration": map[string]any{"StorageConfiguration": map[string]any{
			"BucketARN": "arn:aws:s3:::b", "CompressionType": "GZIP", "ExpectedBucketOwner": "000000000000"}},
	}
}

// TestChannelsWithoutStatusDelay checks that channels settle at once
// without a status delay, map their configuration onto the delivery, and
// are kept in the channels file.
func TestChannelsWithoutStatusDelay(t *testing.T) {
	clk := &clock{now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	file := filepath.Join(t.TempDir(), "channels.json")
	h, store := newTestHandler(t, clk, func(o *Options) { o.ChannelsFile = file })
	fd := &fakeDelivery{specs: map[string]ChannelSpec{}, freshness: map[string]int{}}

	code, out := call(t, h, "CreateStream", map[string]any{"StreamName": "s", "StreamModeDetails": map[string]any{"StreamMode": "ON_DEMAND"}})
	require.Equal(t, 200, code, out)
	code, out = call(t, h, "CreateChannel", channelRequest("c", "s"))
	require.Equal(t, 400, code, out)
	require.Equal(t, "InvalidArgumentException", out["__type"]) // no delivery

	h.SetChannelDelivery(fd)
	code, out = call(t, h, "CreateChannel", channelRequest("c", "s"))
	require.Equal(t, 200, code, out)
	d := out["ChannelDescription"].(map[string]any)
	id := d["ChannelId"].(string)
	require.Equal(t, ChannelSpec{
		StreamARN: "arn:aws:kinesis:us-east-1:000000000000:stream/s", RoleARN: "arn:aws:iam::000000000000:role/r",
		RecordFormat: "BYTE_ARRAY", BucketARN: "arn:aws:s3:::b", Compression: "GZIP", Prefix: "channels/c/",
		ErrorBucketARN: "arn:aws:s3:::b", ErrorPrefix: "channel-errors/c/", FreshnessSeconds: 300,
	}, fd.specs[id])
	arn := h.channelARNOf("c")
	code, out = call(t, h, "DescribeChannel", map[string]any{"ChannelARN": arn})
	require.Equal(t, 200, code, out)
	require.Equal(t, "ACTIVE", out["ChannelDescription"].(map[string]any)["ChannelStatus"])

	code, out = call(t, h, "UpdateChannel", map[string]any{"ChannelARN": arn, "S3DestinationConfiguration": map[string]any{"DataFreshnessInSeconds": 60}})
	require.Equal(t, 200, code, out)
	require.Equal(t, 60, fd.freshness[id])

	// A new handler on the same file sees the channel.
	h.Close()
	h2, err := New(store, Options{IteratorKey: h.opts.IteratorKey, Now: clk.Now, ChannelsFile: file})
	require.NoError(t, err)
	t.Cleanup(h2.Close)
	h2.SetChannelDelivery(fd)
	code, out = call(t, h2, "DescribeChannel", map[string]any{"ChannelARN": arn})
	require.Equal(t, 200, code, out)
	s3 := out["ChannelDescription"].(map[string]any)["S3DestinationConfiguration"].(map[string]any)
	require.EqualValues(t, 60, s3["DataFreshnessInSeconds"])

	code, out = call(t, h2, "DeleteChannel", map[string]any{"ChannelARN": arn})
	require.Equal(t, 200, code, out)
	require.Empty(t, fd.specs)
	code, out = call(t, h2, "DescribeChannel", map[string]any{"ChannelARN": arn})
	require.Equal(t, 400, code, out)
	require.Equal(t, "ResourceNotFoundException", out["__type"])
}
