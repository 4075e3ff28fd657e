package firehose

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/stretchr/testify/require"
)

func parquetDest(bucket string) *types.ExtendedS3DestinationConfiguration {
	return &types.ExtendedS3DestinationConfiguration{
		BucketARN:                        aws.String("arn:aws:s3:::" + bucket),
		RoleARN:                          aws.String("arn:aws:iam::000000000000:role/firehose"),
		Prefix:                           aws.String("customer=!{partitionKeyFromQuery:customer}/year=!{timestamp:yyyy}/"),
		ErrorOutputPrefix:                aws.String("errors/!{firehose:error-output-type}/"),
		BufferingHints:                   &types.BufferingHints{IntervalInSeconds: aws.Int32(0), SizeInMBs: aws.Int32(1)},
		DynamicPartitioningConfiguration: &types.DynamicPartitioningConfiguration{Enabled: aws.Bool(true)},
		ProcessingConfiguration: &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{{
			Type: types.ProcessorTypeMetadataExtraction,
			Parameters: []types.ProcessorParameter{
				{ParameterName: types.ProcessorParameterNameMetadataExtractionQuery, ParameterValue: aws.String("{customer:.customer}")},
				{ParameterName: types.ProcessorParameterNameJsonParsingEngine, ParameterValue: aws.String("JQ-1.6")},
			},
		}}},
		DataFormatConversionConfiguration: &types.DataFormatConversionConfiguration{
			Enabled:             aws.Bool(true),
			SchemaConfiguration: &types.SchemaConfiguration{DatabaseName: aws.String("db"), TableName: aws.String("t")},
			InputFormatConfiguration: &types.InputFormatConfiguration{Deserializer: &types.Deserializer{
				OpenXJsonSerDe: &types.OpenXJsonSerDe{CaseInsensitive: aws.Bool(true)}}},
			OutputFormatConfiguration: &types.OutputFormatConfiguration{Serializer: &types.Serializer{
				ParquetSerDe: &types.ParquetSerDe{Compression: types.ParquetCompressionSnappy}}},
		},
	}
}

// withColumns adds the inline schema (an Eddy extension the SDK has no
// field for) to a CreateDeliveryStream call.
func withColumns(cols string) func(*fh.Options) {
	return fh.WithAPIOptions(func(stack *middlewareStack) error { return addColumns(stack, cols) })
}

func TestParquetDynamicPartitioning(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	_, err := e.client.CreateDeliveryStream(ctx, &fh.CreateDeliveryStreamInput{
		DeliveryStreamName:                 aws.String("orders"),
		ExtendedS3DestinationConfiguration: parquetDest("lake"),
	}, withColumns(`[{"Name":"id","Type":"bigint"},{"Name":"customer","Type":"string"},{"Name":"amount","Type":"double"}]`))
	require.NoError(t, err)

	var recs []types.Record
	want := map[string]int{}
	for i := range 300 {
		c := fmt.Sprintf("c%d", i%3)
		want[c]++
		recs = append(recs, types.Record{Data: fmt.Appendf(nil, `{"id":%d,"customer":"%s","amount":%d.5}`, i, c, i)})
	}
	recs = append(recs, types.Record{Data: []byte(`not json`)}, types.Record{Data: []byte(`{"id":"x","customer":"c0"}`)})
	out, err := e.client.PutRecordBatch(ctx, &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("orders"), Records: recs})
	require.NoError(t, err)
	require.Zero(t, aws.ToInt32(out.FailedPutCount))
	require.Len(t, out.RequestResponses, len(recs))

	got := map[string]int{}
	ids := map[int64]bool{}
	var errDocs []map[string]any
	waitFor(t, "all rows", func() bool {
		got, ids, errDocs = map[string]int{}, map[int64]bool{}, nil
		for _, f := range e.files("lake") {
			if strings.HasPrefix(f, "errors/") {
				sc := bufio.NewScanner(bytes.NewReader(e.read("lake", f)))
				for sc.Scan() {
					var d map[string]any
					require.NoError(t, json.Unmarshal(sc.Bytes(), &d))
					errDocs = append(errDocs, d)
				}
				continue
			}
			require.True(t, strings.HasSuffix(f, ".parquet"), f)
			require.Regexp(t, `^customer=c\d/year=\d{4}/orders-1-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9a-f-]{36}\.parquet$`, f)
			c := strings.TrimPrefix(strings.Split(f, "/")[0], "customer=")
			for _, row := range parquetRows(t, e.read("lake", f)) {
				require.Equal(t, c, row["customer"])
				id := row["id"].(int64)
				require.False(t, ids[id], "row %d twice", id)
				ids[id] = true
				got[c]++
			}
		}
		return len(ids) == 300 && len(errDocs) == 2
	})
	require.Equal(t, want, got)
	codes := []string{errDocs[0]["errorCode"].(string), errDocs[1]["errorCode"].(string)}
	require.ElementsMatch(t, []string{"DynamicPartitioning.MetadataExtractionFailed", "DataFormatConversion.ParseError"}, codes)
}
