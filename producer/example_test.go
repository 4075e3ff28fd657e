package producer_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/eddy-streaming/eddy/internal/config"
	"github.com/eddy-streaming/eddy/internal/server"
	"github.com/eddy-streaming/eddy/producer"
)

// endpoint is the eddy server the examples write to. TestMain starts one
// and creates their streams.
var endpoint = "http://127.0.0.1:4567"

func TestMain(m *testing.M) {
	os.Exit(runWithServer(m))
}

func runWithServer(m *testing.M) int {
	dir, err := os.MkdirTemp("", "producer-examples-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.Listen, cfg.DataDir, cfg.Fsync, cfg.StatusDelay = "127.0.0.1:0", dir, "never", 0
	srv, err := server.New(cfg, nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		log.Fatal(err)
	}
	defer srv.Close(context.Background())
	endpoint = "http://" + srv.Addr()
	client := newClient()
	for name, shards := range map[string]int32{"events": 4, "orders": 4, "metrics": 1} {
		ctx := context.Background()
		if _, err := client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}); err != nil {
			log.Fatal(err)
		}
		for {
			out, err := client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
			if err != nil {
				log.Fatal(err)
			}
			if out.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	return m.Run()
}

func newClient() *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("x", "x", ""),
	})
}

// A producer writing small JSON records, aggregated, to a stream of 4
// shards.
func Example() {
	ctx := context.Background()
	// With AWS: cfg, err := config.LoadDefaultConfig(ctx); client := kinesis.NewFromConfig(cfg)
	client := kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint), // an eddy serve, such as http://127.0.0.1:4567
		Credentials:  credentials.NewStaticCredentialsProvider("x", "x", ""),
	})
	p, err := producer.New(client, "events", producer.Options{
		Aggregate: true, // many small records per Kinesis record
		OnResult: func(r producer.Result) {
			if r.Err != nil {
				log.Printf("record of %s failed: %v", r.Record.PartitionKey, r.Err)
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	for i := range 1000 {
		user := fmt.Sprintf("user-%d", i%10)
		if err := p.Put(ctx, user, fmt.Appendf(nil, `{"user":%q,"n":%d}`, user, i)); err != nil {
			log.Fatal(err)
		}
	}
	// Close sends what is buffered and waits for every record's result.
	if err := p.Close(ctx); err != nil {
		log.Fatal(err)
	}
	st := p.Stats()
	fmt.Printf("%d records written, %d failed, %d shards\n", st.Records, st.Errors, st.Shards)
	// Output: 1000 records written, 0 failed, 4 shards
}

// The result of one record, through its Done callback.
func ExampleProducer_PutRecord() {
	ctx := context.Background()
	p, err := producer.New(newClient(), "orders", producer.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close(ctx)

	done := make(chan producer.Result, 1)
	err = p.PutRecord(ctx, producer.Record{
		PartitionKey: "order-42",
		Data:         []byte(`{"status":"paid"}`),
		Done:         func(r producer.Result) { done <- r },
	})
	if err != nil {
		log.Fatal(err)
	}
	r := <-done // within Options.Linger (100ms)
	if r.Err != nil {
		log.Fatal(r.Err)
	}
	fmt.Println("written to", r.ShardID, "after", r.Attempts, "attempt")
	// Output: written to shardId-000000000001 after 1 attempt
}

// A consumer reading aggregated records: DeaggregateRecords returns the
// user records the producer put.
func ExampleDeaggregateRecords() {
	ctx := context.Background()
	client := newClient()
	p, err := producer.New(client, "metrics", producer.Options{Aggregate: true, Linger: time.Second})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range []string{"cpu=0.5", "mem=0.7", "disk=0.2"} {
		if err := p.Put(ctx, "host-1", []byte(m)); err != nil {
			log.Fatal(err)
		}
	}
	if err := p.Close(ctx); err != nil {
		log.Fatal(err)
	}

	it, err := client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
		StreamName: aws.String("metrics"), ShardId: aws.String("shardId-000000000000"),
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		log.Fatal(err)
	}
	out, err := client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(out.Records), "Kinesis record")
	for _, u := range producer.DeaggregateRecords(out.Records) {
		fmt.Println(u.PartitionKey, string(u.Data), u.SubSequenceNumber)
	}
	// Output:
	// 1 Kinesis record
	// host-1 cpu=0.5 0
	// host-1 mem=0.7 1
	// host-1 disk=0.2 2
}

// Aggregate and Deaggregate work on the data of one Kinesis record.
func ExampleDeaggregate() {
	data := producer.Aggregate([]producer.Record{
		{PartitionKey: "a", Data: []byte("one")},
		{PartitionKey: "b", Data: []byte("two"), ExplicitHashKey: "42"},
	})
	fmt.Printf("% x\n", data[:4])
	users, err := producer.Deaggregate(data)
	if err != nil {
		log.Fatal(err)
	}
	for _, u := range users {
		fmt.Printf("%s %q %q\n", u.PartitionKey, u.ExplicitHashKey, u.Data)
	}
	_, err = producer.Deaggregate([]byte("plain data"))
	fmt.Println(err)
	// Output:
	// f3 89 9a c2
	// a "" "one"
	// b "42" "two"
	// not an aggregated record
}
