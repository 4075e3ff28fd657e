package firehose

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

func TestPromName(t *testing.T) {
	for in, want := range map[string]string{
		"IncomingRecords":              "eddy_firehose_incoming_records_total",
		"DeliveryToS3.Records":         "eddy_firehose_delivery_to_s3_records_total",
		"DeliveryToS3.DataFreshness":   "eddy_firehose_delivery_to_s3_data_freshness_seconds",
		"DeliveryToHttpEndpoint.Bytes": "eddy_firehose_delivery_to_http_endpoint_bytes_total",
		"DeliveryToPostgreSQL.Success": "eddy_firehose_delivery_to_postgre_sql_success_total",
	} {
		got, _, _ := promName(in)
		require.Equal(t, want, got, in)
	}
	m, l, v := promName("FailedRecords.processing-failed")
	require.Equal(t, "eddy_firehose_failed_records_total", m)
	require.Equal(t, "error_output_type", l)
	require.Equal(t, "processing-failed", v)
}

func TestCollector(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	_, err := e.client.CreateDeliveryStream(ctx, &fh.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("m"), ExtendedS3DestinationConfiguration: s3Dest("lake")})
	require.NoError(t, err)
	putN(t, e, "m", 7, func(i int) string { return "x\n" })
	waitFor(t, "delivery", func() bool { return len(e.files("lake")) > 0 })
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(NewCollector(e.svc)))
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP eddy_firehose_incoming_records_total Firehose metric IncomingRecords.
# TYPE eddy_firehose_incoming_records_total counter
eddy_firehose_incoming_records_total{delivery_stream="m"} 7
`), "eddy_firehose_incoming_records_total"))
	waitFor(t, "delivered records metric", func() bool {
		n, err := testutil.GatherAndCount(reg, "eddy_firehose_delivery_to_s3_records_total")
		return err == nil && n == 1
	})
}
