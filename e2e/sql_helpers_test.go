package e2e

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	ka "github.com/aws/aws-sdk-go-v2/service/kinesisanalytics"
	katypes "github.com/aws/aws-sdk-go-v2/service/kinesisanalytics/types"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/sql"
	"github.com/eddy-streaming/eddy/internal/sql/input"
	"github.com/eddy-streaming/eddy/internal/sql/value"
	"github.com/eddy-streaming/eddy/producer"
)

// sqlWindowCode counts and sums per key in 1-second tumbling windows; each
// result carries its window, so results are unique and comparable.
const sqlWindowCode = `
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (w TIMESTAMP, k VARCHAR(8), n INTEGER, total BIGINT);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '1' SECOND), k, COUNT(*), SUM(v)
  FROM "SOURCE_SQL_STREAM_001"
  GROUP BY k, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '1' SECOND);`

func sqlWindowSchema() input.Schema {
	typ := func(s string) value.Type { t, err := value.ParseType(s); must(err); return t }
	return input.Schema{Format: input.JSON, Columns: []input.Column{
		{Name: "K", Type: typ("VARCHAR(8)"), Mapping: "$.k"},
		{Name: "V", Type: typ("BIGINT"), Mapping: "$.v"},
	}}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func sqlWindowInput(stream, out string) ([]katypes.Input, []katypes.Output) {
	role := aws.String("arn:aws:iam::000000000000:role/sql")
	return []katypes.Input{{NamePrefix: aws.String("SOURCE_SQL_STREAM"),
			KinesisStreamsInput: &katypes.KinesisStreamsInput{ResourceARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/" + stream), RoleARN: role},
			InputSchema: &katypes.SourceSchema{RecordFormat: &katypes.RecordFormat{RecordFormatType: katypes.RecordFormatTypeJson},
				RecordColumns: []katypes.RecordColumn{
					{Name: aws.String("K"), SqlType: aws.String("VARCHAR(8)"), Mapping: aws.String("$.k")},
					{Name: aws.String("V"), SqlType: aws.String("BIGINT"), Mapping: aws.String("$.v")},
				}}}},
		[]katypes.Output{{Name: aws.String("DESTINATION_SQL_STREAM"), DestinationSchema: &katypes.DestinationSchema{RecordFormatType: katypes.RecordFormatTypeJson},
			KinesisStreamsOutput: &katypes.KinesisStreamsOutput{ResourceARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/" + out), RoleARN: role}}}
}

func newAnalyticsClient(url string) *ka.Client {
	return ka.New(ka.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")})
}

// produce runs n producers that each put one record every interval until
// d has passed; record i of producer p is {"k":"k<i%keys>","v":<p*1e6+i>}.
// It returns how many records were put.
func produce(t *testing.T, client *kinesis.Client, stream string, from, n int, d, interval time.Duration) int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for p := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prod, err := producer.New(client, stream, producer.Options{Linger: 5 * time.Millisecond})
			if err != nil {
				t.Error(err)
				return
			}
			count := 0
			for end := time.Now().Add(d); time.Now().Before(end); count++ {
				i := from + count
				if err := prod.Put(context.Background(), fmt.Sprint("p", p, "-", i), fmt.Appendf(nil, `{"k":"k%d","v":%d}`, i%5, p*1_000_000+i)); err != nil {
					t.Error(err)
					return
				}
				time.Sleep(interval)
			}
			if err := prod.Close(context.Background()); err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += count
			mu.Unlock()
		}()
	}
	wg.Wait()
	return total
}

// streamRecord is a record read back with its shard's index.
type streamRecord struct {
	shard int
	rec   types.Record
}

// readStream reads every record of every shard of a stream.
func readStream(t *testing.T, client *kinesis.Client, stream string) []streamRecord {
	t.Helper()
	shards, err := client.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	require.NoError(t, err)
	var out []streamRecord
	for i, sh := range shards.Shards {
		it, err := client.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: aws.String(stream),
			ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		require.NoError(t, err)
		iter := it.ShardIterator
		for iter != nil {
			res, err := client.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: iter})
			require.NoError(t, err)
			for _, r := range res.Records {
				out = append(out, streamRecord{shard: i, rec: r})
			}
			if len(res.Records) == 0 && aws.ToInt64(res.MillisBehindLatest) == 0 {
				break
			}
			iter = res.NextShardIterator
		}
	}
	return out
}

// dataOf returns the records' data, sorted.
func dataOf(recs []streamRecord) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = string(r.rec.Data)
	}
	sort.Strings(out)
	return out
}

// expectedWindows computes, with the engine alone, the window results of
// sqlWindowCode over the records of the input stream in the order an
// application reads them (arrival time, then shard), with every window
// closed.
func expectedWindows(t *testing.T, recs []streamRecord) []string {
	t.Helper()
	sort.SliceStable(recs, func(i, j int) bool {
		a, b := recs[i].rec.ApproximateArrivalTimestamp.UnixMilli(), recs[j].rec.ApproximateArrivalTimestamp.UnixMilli()
		return a < b || a == b && recs[i].shard < recs[j].shard
	})
	eng, err := sql.NewEngine(sql.Config{Code: sqlWindowCode,
		Inputs:  []sql.InputConfig{{Name: "SOURCE_SQL_STREAM_001", Schema: sqlWindowSchema()}},
		Outputs: []sql.OutputConfig{{Name: "DESTINATION_SQL_STREAM", Format: input.JSON}}})
	require.NoError(t, err)
	var out []string
	for _, r := range recs {
		for _, o := range eng.Process(0, sql.Record{Data: r.rec.Data, ArrivalTime: *r.rec.ApproximateArrivalTimestamp}) {
			out = append(out, string(o.Data))
		}
	}
	for _, o := range eng.Advance(0, time.Now().Add(time.Hour)) {
		out = append(out, string(o.Data))
	}
	sort.Strings(out)
	return out
}

// distinct returns the sorted distinct values of a sorted slice.
func distinct(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
