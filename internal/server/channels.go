package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/eddy-streaming/eddy/internal/awsproto"
	"github.com/eddy-streaming/eddy/internal/firehose"
	"github.com/eddy-streaming/eddy/internal/kinesis"
)

// channelsFile, in the data directory, holds the Kinesis channels.
const channelsFile = "channels.json"

// channelDelivery runs each Kinesis channel as a delivery stream of the
// firehose service: KinesisStreamAsSource from the channel's stream to
// its bucket, named firehose.ChannelPrefix + the channel id. The delivery
// stream persists (and resumes) through the firehose service itself.
type channelDelivery struct {
	fh *firehose.Service
}

var _ kinesis.ChannelDelivery = channelDelivery{}

func channelStreamName(id string) string { return firehose.ChannelPrefix + id }

func (c channelDelivery) call(ctx context.Context, op string, in any) (any, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	return c.fh.Call(ctx, op, body)
}

// CreateChannelDelivery creates the channel's delivery stream. The record
// format maps to a newline after each record (JSON, STRING) or none
// (BYTE_ARRAY); the data freshness is the buffering interval; the
// dead-letter prefix is the error output prefix.
func (c channelDelivery) CreateChannelDelivery(ctx context.Context, id string, spec kinesis.ChannelSpec) error {
	compression := "UNCOMPRESSED"
	if spec.Compression == "GZIP" {
		compression = "GZIP"
	}
	dest := firehose.ExtendedS3DestinationConfiguration{
		RoleARN: spec.RoleARN, BucketARN: spec.BucketARN, Prefix: spec.Prefix, ErrorOutputPrefix: spec.ErrorPrefix,
		BufferingHints:    &firehose.BufferingHints{IntervalInSeconds: &spec.FreshnessSeconds},
		CompressionFormat: compression,
	}
	if spec.RecordFormat != "BYTE_ARRAY" {
		on := true
		dest.ProcessingConfiguration = &firehose.ProcessingConfiguration{Enabled: &on, Processors: []firehose.Processor{{
			Type:       "AppendDelimiterToRecord",
			Parameters: []firehose.ProcessorParameter{{ParameterName: "Delimiter", ParameterValue: base64.StdEncoding.EncodeToString([]byte("\n"))}},
		}}}
	}
	name := channelStreamName(id)
	_, err := c.call(ctx, "CreateDeliveryStream", firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: &name,
		DeliveryStreamType: "KinesisStreamAsSource",
		KinesisStreamSourceConfiguration: &firehose.KinesisStreamSourceConfiguration{
			KinesisStreamARN: spec.StreamARN, RoleARN: spec.RoleARN,
		},
		ExtendedS3DestinationConfiguration: &dest,
	})
	return err
}

// UpdateChannelDelivery sets the buffering interval of the channel's
// delivery stream.
func (c channelDelivery) UpdateChannelDelivery(ctx context.Context, id string, freshnessSeconds int) error {
	name := channelStreamName(id)
	out, err := c.call(ctx, "DescribeDeliveryStream", firehose.DescribeDeliveryStreamInput{DeliveryStreamName: &name})
	if err != nil {
		return err
	}
	d, ok := out.(*firehose.DescribeDeliveryStreamOutput)
	if !ok {
		return fmt.Errorf("describe %s: unexpected %T", name, out)
	}
	version := d.DeliveryStreamDescription.VersionId
	destID := "destinationId-000000000001"
	_, err = c.call(ctx, "UpdateDestination", firehose.UpdateDestinationInput{
		DeliveryStreamName: &name, CurrentDeliveryStreamVersionId: &version, DestinationId: &destID,
		ExtendedS3DestinationUpdate: &firehose.ExtendedS3DestinationConfiguration{
			BufferingHints: &firehose.BufferingHints{IntervalInSeconds: &freshnessSeconds},
		},
	})
	return err
}

// DeleteChannelDelivery deletes the channel's delivery stream; one
// already gone is fine.
func (c channelDelivery) DeleteChannelDelivery(ctx context.Context, id string) error {
	name := channelStreamName(id)
	_, err := c.call(ctx, "DeleteDeliveryStream", firehose.DeleteDeliveryStreamInput{DeliveryStreamName: &name})
	var e *awsproto.Error
	if errors.As(err, &e) && e.Type == "ResourceNotFoundException" {
		return nil
	}
	return err
}
