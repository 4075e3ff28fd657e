package e2e

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/eddy-streaming/eddy/internal/config"
)

// firehoseBenchRecord is a JSON record of 10 fields, about 300 bytes.
func firehoseBenchRecord(i int) []byte {
	return fmt.Appendf(nil, `{"event_id":"evt-%012d","customer_id":"customer-%06d","event_type":"page_view","url":"https://example.com/products/item-%d?ref=home","amount":%d.%02d,"quantity":%d,"success":%t,"event_time":"2026-03-07T09:%02d:%02d.123Z","country":"NO","user_agent":"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/124.0"}`,
		i, i%5000, i%997, i%1000, i%100, i%10, i%2 == 0, (i/60)%60, i%60)
}

var firehoseBenchColumns = []config.FirehoseColumn{
	{Name: "event_id", Type: "string"}, {Name: "customer_id", Type: "string"}, {Name: "event_type", Type: "string"},
	{Name: "url", Type: "string"}, {Name: "amount", Type: "double"}, {Name: "quantity", Type: "int"},
	{Name: "success", Type: "boolean"}, {Name: "event_time", Type: "timestamp"}, {Name: "country", Type: "string"},
	{Name: "user_agent", Type: "string"},
}

// BenchmarkFirehoseServeParquet measures eddy serve end to end:
// PutRecordBatch over HTTP (AWS SDK, 8 concurrent producers, 500 records
// per call, fsync always) into a delivery stream that converts to Parquet
// (Snappy) in the local data lake, until /metrics reports every row
// delivered. rows/cpu-s counts the CPU time of the whole process, the SDK
// clients included.
func BenchmarkFirehoseServeParquet(b *testing.B) {
	for _, shards := range []int{1, 2} {
		b.Run(fmt.Sprintf("source_shards=%d", shards), func(b *testing.B) {
			benchFirehoseServe(b, shards)
		})
	}
}

func benchFirehoseServe(b *testing.B, shards int) {
	const perRound = 1_000_000
	const producers = 8
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = b.TempDir()
	cfg.Firehose.SourceShards = shards
	cfg.Firehose.Tables = map[string][]config.FirehoseColumn{"bench.events": firehoseBenchColumns}
	url := startServerB(b, cfg)
	c := fh.New(fh.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
		HTTPClient:  &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * producers}},
	})
	_, err := c.CreateDeliveryStream(b.Context(), &fh.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("bench"),
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
			BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String("arn:aws:iam::000000000000:role/r"),
			Prefix: aws.String("events/"), ErrorOutputPrefix: aws.String("errors/"),
			BufferingHints: &fhtypes.BufferingHints{IntervalInSeconds: aws.Int32(1), SizeInMBs: aws.Int32(64)},
			DataFormatConversionConfiguration: &fhtypes.DataFormatConversionConfiguration{
				Enabled: aws.Bool(true),
				SchemaConfiguration: &fhtypes.SchemaConfiguration{DatabaseName: aws.String("bench"), TableName: aws.String("events"),
					RoleARN: aws.String("arn:aws:iam::000000000000:role/r")},
				InputFormatConfiguration:  &fhtypes.InputFormatConfiguration{Deserializer: &fhtypes.Deserializer{OpenXJsonSerDe: &fhtypes.OpenXJsonSerDe{}}},
				OutputFormatConfiguration: &fhtypes.OutputFormatConfiguration{Serializer: &fhtypes.Serializer{ParquetSerDe: &fhtypes.ParquetSerDe{}}},
			},
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	batches := make([][]fhtypes.Record, perRound/500)
	bytesPerRound := 0
	for i := range batches {
		for j := range 500 {
			r := firehoseBenchRecord(i*500 + j)
			bytesPerRound += len(r)
			batches[i] = append(batches[i], fhtypes.Record{Data: r})
		}
	}
	rounds := 0
	cpu0 := processCPUTime()
	b.SetBytes(int64(bytesPerRound))
	for b.Loop() {
		rounds++
		var wg sync.WaitGroup
		next := make(chan []fhtypes.Record)
		for range producers {
			wg.Go(func() {
				for recs := range next {
					out, err := c.PutRecordBatch(b.Context(), &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("bench"), Records: recs})
					if err != nil || aws.ToInt32(out.FailedPutCount) != 0 {
						b.Error(err)
						return
					}
				}
			})
		}
		for _, recs := range batches {
			next <- recs
		}
		close(next)
		wg.Wait()
		for deliveredRows(b, url, "bench") < float64(rounds*perRound) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	rows := float64(rounds * perRound)
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(rows/(processCPUTime()-cpu0).Seconds(), "rows/cpu-s")
	b.ReportMetric(0, "ns/op")
}

// deliveredRows reads DeliveryToS3.Records of a delivery stream from GET
// /metrics.
func deliveredRows(b *testing.B, url, stream string) float64 {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	prefix := `eddy_firehose_delivery_to_s3_records_total{delivery_stream="` + stream + `"} `
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return n
		}
	}
	return 0
}

func processCPUTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
