package firehose

import "strings"

// ChannelPrefix starts the names of the delivery streams that run Kinesis
// channels (CreateChannel): ChannelPrefix + the channel's id. They are
// left out of ListDeliveryStreams; the channel owns them.
const ChannelPrefix = "eddy-channel."

// channelStream reports whether a delivery stream runs a channel.
func channelStream(name string) bool { return strings.HasPrefix(name, ChannelPrefix) }
