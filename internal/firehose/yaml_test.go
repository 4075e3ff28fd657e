package firehose

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCreateRequestFromYAML(t *testing.T) {
	src := []byte(`
DeliveryStreamName: orders
ExtendedS3DestinationConfiguration:
  BucketARN: arn:aws:s3:::lake
  Prefix: "orders/customer=!{partitionKeyFromQuery:customer}/"
  ErrorOutputPrefix: "errors/!{firehose:error-output-type}/"
  BufferingHints: {SizeInMBs: 64, IntervalInSeconds: 0}
  DynamicPartitioningConfiguration: {Enabled: true}
  ProcessingConfiguration:
    Enabled: true
    Processors:
      - Type: MetadataExtraction
        Parameters:
          - {ParameterName: MetadataExtractionQuery, ParameterValue: "{customer: .customer}"}
  DataFormatConversionConfiguration:
    Enabled: true
    SchemaConfiguration:
      Columns:
        - {Name: id, Type: bigint}
        - {Name: customer, Type: string}
    OutputFormatConfiguration:
      Serializer: {ParquetSerDe: {Compression: ZSTD}}
`)
	body, err := CreateRequestFromYAML(src, "")
	require.NoError(t, err)
	e := newEnv(t)
	_, err = e.svc.Call(ctxT(t), "CreateDeliveryStream", body)
	require.NoError(t, err)
	desc, err := e.svc.Call(ctxT(t), "DescribeDeliveryStream", []byte(`{"DeliveryStreamName":"orders"}`))
	require.NoError(t, err)
	x := desc.(*DescribeDeliveryStreamOutput).DeliveryStreamDescription.Destinations[0].ExtendedS3DestinationDescription
	require.Equal(t, "bigint", x.DataFormatConversionConfiguration.SchemaConfiguration.Columns[0].Type)

	body, err = CreateRequestFromYAML(src, "renamed")
	require.NoError(t, err)
	require.Contains(t, string(body), `"DeliveryStreamName":"renamed"`)
	_, err = CreateRequestFromYAML([]byte("DeliveryStreamName: x\nBogus: 1\n"), "")
	require.ErrorContains(t, err, "Bogus")
	_, err = CreateRequestFromYAML([]byte("a: [1"), "")
	require.Error(t, err)
}
