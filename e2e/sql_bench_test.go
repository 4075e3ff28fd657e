package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	ka "github.com/aws/aws-sdk-go-v2/service/kinesisanalytics"
	katypes "github.com/aws/aws-sdk-go-v2/service/kinesisanalytics/types"

	"github.com/eddy-streaming/eddy/internal/config"
)

// BenchmarkSQLApplicationServer runs a SQL application inside the server
// over 200k ~100-byte JSON records already in a 4-shard stream (fsync
// always, as eddy serve runs): each iteration creates the application,
// starts it at TRIM_HORIZON, waits until it has read every record, and
// deletes it. events/cpu-s divides by the CPU time of the whole process
// (server, HTTP, the application), so other load on the machine does not
// count.
//
//	go test -run '^$' -bench SQLApplicationServer -benchtime 3x ./e2e/
func BenchmarkSQLApplicationServer(b *testing.B) {
	const n = 200_000
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = b.TempDir()
	cfg.StatusDelay = 0
	url := startServerB(b, cfg)
	client := newClient(url)
	ac := newAnalyticsClient(url)
	ctx := context.Background()
	for _, s := range []struct {
		name   string
		shards int32
	}{{"bench-in", 4}, {"bench-out", 4}} {
		if _, err := client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(s.name), ShardCount: aws.Int32(s.shards)}); err != nil {
			b.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	sectors := []string{"TECHNOLOGY", "ENERGY", "HEALTHCARE", "RETAIL", "FINANCIAL"}
	for i := 0; i < n; i += 500 {
		recs := make([]types.PutRecordsRequestEntry, 500)
		for j := range recs {
			k := i + j
			recs[j] = types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprint(k)), Data: fmt.Appendf(nil,
				`{"ticker":"T%05d","sector":"%s","change":%d.%02d,"price":%d.%02d,"id":%d}`,
				k%100000, sectors[k%len(sectors)], k%7-3, k%100, 10+k%90, k%100, k)}
		}
		out, err := client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("bench-in"), Records: recs})
		if err != nil || aws.ToInt32(out.FailedRecordCount) > 0 {
			b.Fatal(err)
		}
	}
	role := aws.String("arn:aws:iam::000000000000:role/r")
	schema := &katypes.SourceSchema{RecordFormat: &katypes.RecordFormat{RecordFormatType: katypes.RecordFormatTypeJson},
		RecordColumns: []katypes.RecordColumn{
			{Name: aws.String("TICKER"), SqlType: aws.String("VARCHAR(8)"), Mapping: aws.String("$.ticker")},
			{Name: aws.String("SECTOR"), SqlType: aws.String("VARCHAR(16)"), Mapping: aws.String("$.sector")},
			{Name: aws.String("CHANGE"), SqlType: aws.String("DOUBLE"), Mapping: aws.String("$.change")},
			{Name: aws.String("PRICE"), SqlType: aws.String("DOUBLE"), Mapping: aws.String("$.price")},
		}}
	for _, q := range []struct{ name, code string }{
		{"filter-projection", `
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(8), price DOUBLE, pct DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM ticker, price, change / price * 100 FROM "SOURCE_SQL_STREAM_001" WHERE price > 50 AND sector <> 'ENERGY';`},
		{"tumbling-100k-keys", `
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(8), n BIGINT, total DOUBLE, top DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM ticker, COUNT(*), SUM(price), MAX(price) FROM "SOURCE_SQL_STREAM_001"
  GROUP BY ticker, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '10' SECOND);`},
	} {
		b.Run(q.name, func(b *testing.B) {
			var events int
			var cpu time.Duration
			var wall time.Duration
			for b.Loop() {
				_, err := ac.CreateApplication(ctx, &ka.CreateApplicationInput{ApplicationName: aws.String("bench"), ApplicationCode: aws.String(q.code),
					Inputs: []katypes.Input{{NamePrefix: aws.String("SOURCE_SQL_STREAM"), InputSchema: schema,
						KinesisStreamsInput: &katypes.KinesisStreamsInput{ResourceARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/bench-in"), RoleARN: role}}},
					Outputs: []katypes.Output{{Name: aws.String("DESTINATION_SQL_STREAM"), DestinationSchema: &katypes.DestinationSchema{RecordFormatType: katypes.RecordFormatTypeJson},
						KinesisStreamsOutput: &katypes.KinesisStreamsOutput{ResourceARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/bench-out"), RoleARN: role}}}})
				if err != nil {
					b.Fatal(err)
				}
				cpu0, t0 := processCPU(), time.Now()
				_, err = ac.StartApplication(ctx, &ka.StartApplicationInput{ApplicationName: aws.String("bench"),
					InputConfigurations: []katypes.InputConfiguration{{Id: aws.String("1.1"),
						InputStartingPositionConfiguration: &katypes.InputStartingPositionConfiguration{InputStartingPosition: katypes.InputStartingPositionTrimHorizon}}}})
				if err != nil {
					b.Fatal(err)
				}
				for recordsIn(b, url) < n {
					time.Sleep(20 * time.Millisecond)
				}
				cpu += processCPU() - cpu0
				wall += time.Since(t0)
				events += n
				d, err := ac.DescribeApplication(ctx, &ka.DescribeApplicationInput{ApplicationName: aws.String("bench")})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := ac.DeleteApplication(ctx, &ka.DeleteApplicationInput{ApplicationName: aws.String("bench"),
					CreateTimestamp: d.ApplicationDetail.CreateTimestamp}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(events)/wall.Seconds(), "events/s")
			b.ReportMetric(float64(events)/cpu.Seconds(), "events/cpu-s")
		})
	}
}

// recordsIn reads the application's input count (EddyRuntime) over raw
// JSON, since the SDK drops Eddy's extension.
func recordsIn(b *testing.B, url string) int64 {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(`{"ApplicationName":"bench"}`)))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "KinesisAnalytics_20150814.DescribeApplication")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kinesisanalytics/aws4_request, SignedHeaders=host, Signature=0")
	req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
	resp, err := benchClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ApplicationDetail struct {
			EddyRuntime *struct{ RecordsIn int64 }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		b.Fatal(err)
	}
	if out.ApplicationDetail.EddyRuntime == nil {
		return 0
	}
	return out.ApplicationDetail.EddyRuntime.RecordsIn
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
