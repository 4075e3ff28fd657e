package firehose

import (
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchRecord is a JSON record of 10 fields, about 300 bytes.
func benchRecord(i int) []byte {
	return fmt.Appendf(nil, `{"event_id":"evt-%012d","customer_id":"customer-%06d","event_type":"page_view","url":"https://example.com/products/item-%d?ref=home","amount":%d.%02d,"quantity":%d,"success":%t,"event_time":"2026-03-07T09:%02d:%02d.123Z","country":"NO","user_agent":"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/124.0"}`,
		i, i%5000, i%997, i%1000, i%100, i%10, i%2 == 0, (i/60)%60, i%60)
}

const benchColumns = `[{"Name":"event_id","Type":"string"},{"Name":"customer_id","Type":"string"},{"Name":"event_type","Type":"string"},{"Name":"url","Type":"string"},{"Name":"amount","Type":"double"},{"Name":"quantity","Type":"int"},{"Name":"success","Type":"boolean"},{"Name":"event_time","Type":"timestamp"},{"Name":"country","Type":"string"},{"Name":"user_agent","Type":"string"}]`

// BenchmarkEndToEndParquet measures the whole path: PutRecordBatch over
// HTTP (AWS SDK, 8 concurrent producers, 500 records per call, fsync
// always) into a delivery stream converting to Parquet (Snappy) on local
// disk, until every row is in a file.
func BenchmarkEndToEndParquet(b *testing.B) {
	const perRound = 1_000_000
	const producers = 8
	e := newBenchEnv(b)
	dest := parquetDest("lake")
	dest.Prefix = aws.String("events/")
	dest.ErrorOutputPrefix = aws.String("errors/")
	dest.DynamicPartitioningConfiguration = nil
	dest.ProcessingConfiguration = nil
	dest.BufferingHints = &types.BufferingHints{IntervalInSeconds: aws.Int32(1), SizeInMBs: aws.Int32(64)}
	_, err := e.client.CreateDeliveryStream(b.Context(), &fh.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("bench"), ExtendedS3DestinationConfiguration: dest,
	}, withColumns(benchColumns))
	if err != nil {
		b.Fatal(err)
	}
	batches := make([][]types.Record, perRound/500)
	bytesPerRound := 0
	for i := range batches {
		for j := range 500 {
			r := benchRecord(i*500 + j)
			bytesPerRound += len(r)
			batches[i] = append(batches[i], types.Record{Data: r})
		}
	}
	delivered := func() float64 {
		for _, m := range e.svc.Metrics() {
			return m.Values["DeliveryToS3.Records"]
		}
		return 0
	}
	rounds := 0
	cpu0 := cpuTime()
	b.SetBytes(int64(bytesPerRound))
	for b.Loop() {
		rounds++
		var wg sync.WaitGroup
		next := make(chan []types.Record)
		for range producers {
			wg.Go(func() {
				for recs := range next {
					out, err := e.client.PutRecordBatch(b.Context(), &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("bench"), Records: recs})
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
		for delivered() < float64(rounds*perRound) {
			time.Sleep(5 * time.Millisecond)
		}
	}
	rows := float64(rounds * perRound)
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(rows/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
	b.ReportMetric(0, "ns/op")
}
