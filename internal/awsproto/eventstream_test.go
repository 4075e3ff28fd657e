package awsproto

import (
	"bytes"
	"testing"

	"github.com/aws/smithy-go/eventstream"
	"github.com/stretchr/testify/require"
)

// The AWS SDK's own decoder reads what AppendEventMessage writes.
func TestEventMessageDecodesWithSDK(t *testing.T) {
	var buf []byte
	buf = AppendEvent(buf, JSON, "initial-response", []byte("{}"))
	buf = AppendEvent(buf, JSON, "SubscribeToShardEvent", []byte(`{"Records":[]}`))
	buf = AppendException(buf, JSON, NewError("ResourceInUseException", "taken over"))
	buf = AppendEventMessage(buf, nil, nil)

	dec := eventstream.NewDecoder()
	r := bytes.NewReader(buf)
	msg, err := dec.Decode(r, nil)
	require.NoError(t, err)
	require.Equal(t, "initial-response", msg.Headers.Get(":event-type").String())
	require.Equal(t, "event", msg.Headers.Get(":message-type").String())
	require.Equal(t, "application/json", msg.Headers.Get(":content-type").String())
	require.Equal(t, "{}", string(msg.Payload))

	msg, err = dec.Decode(r, nil)
	require.NoError(t, err)
	require.Equal(t, "SubscribeToShardEvent", msg.Headers.Get(":event-type").String())
	require.Equal(t, `{"Records":[]}`, string(msg.Payload))

	msg, err = dec.Decode(r, nil)
	require.NoError(t, err)
	require.Equal(t, "exception", msg.Headers.Get(":message-type").String())
	require.Equal(t, "ResourceInUseException", msg.Headers.Get(":exception-type").String())
	require.JSONEq(t, `{"__type":"ResourceInUseException","message":"taken over"}`, string(msg.Payload))

	msg, err = dec.Decode(r, nil)
	require.NoError(t, err)
	require.Empty(t, msg.Payload)
	require.Zero(t, r.Len())
}

// A flipped bit fails the checksums.
func TestEventMessageChecksums(t *testing.T) {
	buf := AppendEvent(nil, JSON, "x", []byte("payload"))
	for _, i := range []int{2, 20, len(buf) - 6} {
		bad := bytes.Clone(buf)
		bad[i] ^= 1
		_, err := eventstream.NewDecoder().Decode(bytes.NewReader(bad), nil)
		require.Error(t, err, "flip at %d", i)
	}
}
