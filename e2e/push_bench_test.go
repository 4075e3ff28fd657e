package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/eddy-streaming/eddy/internal/config"
	"github.com/eddy-streaming/eddy/internal/server"
)

// BenchmarkSubscribeToShardPushLatency measures put-to-event latency of
// enhanced fan-out, unloaded: one PutRecord at a time, each waited for
// on a SubscribeToShard subscription read with the AWS SDK for Go v2,
// from the start of the PutRecord call to the event's arrival in the
// SDK's event channel. It reports p50, p99 and max in microseconds, and
// the same from the put's acknowledgement (ack-to-event).
//
//	go test ./e2e -run '^$' -bench SubscribeToShardPushLatency -benchtime 2000x
//
// With PUSH_BENCH_ENDPOINT=http://host:port it measures that endpoint (a
// peer such as kinesis-local) instead, over HTTP/1.1.
func BenchmarkSubscribeToShardPushLatency(b *testing.B) {
	type benchCase struct {
		name     string
		fsync    string
		h2c      bool
		endpoint string
	}
	cases := []benchCase{
		{name: "fsync=always/http1", fsync: "always"},
		{name: "fsync=always/h2c", fsync: "always", h2c: true},
		{name: "fsync=never/http1", fsync: "never"},
	}
	if ep := os.Getenv("PUSH_BENCH_ENDPOINT"); ep != "" {
		cases = []benchCase{{name: "peer", endpoint: ep}}
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			url := bc.endpoint
			if url == "" {
				cfg := config.Default()
				cfg.Listen = "127.0.0.1:0"
				cfg.DataDir = b.TempDir()
				cfg.Fsync = bc.fsync
				cfg.StatusDelay = 0
				srv, err := server.New(cfg, nil)
				if err != nil {
					b.Fatal(err)
				}
				if err := srv.Start(); err != nil {
					b.Fatal(err)
				}
				defer srv.Close(context.Background())
				url = srv.URL()
			}
			ctx := context.Background()
			putter := newClient(url)
			tr := http.DefaultTransport.(*http.Transport).Clone()
			if bc.h2c {
				tr.Protocols = new(http.Protocols)
				tr.Protocols.SetUnencryptedHTTP2(true)
			}
			subscriber := clientWith(url, tr)

			stream := fmt.Sprintf("lat-%d", time.Now().UnixNano())
			if _, err := putter.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(stream), ShardCount: aws.Int32(1)}); err != nil {
				b.Fatal(err)
			}
			for {
				out, err := putter.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(stream)})
				if err == nil && out.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			reg, err := putter.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{
				StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/" + stream), ConsumerName: aws.String("bench")})
			if err != nil {
				b.Fatal(err)
			}
			for {
				out, err := putter.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: reg.Consumer.ConsumerARN})
				if err == nil && out.ConsumerDescription.ConsumerStatus == types.ConsumerStatusActive {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			sub, err := subscriber.SubscribeToShard(ctx, &kinesis.SubscribeToShardInput{ConsumerARN: reg.Consumer.ConsumerARN,
				ShardId: aws.String(shardID(0)), StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeLatest}})
			if err != nil {
				b.Fatal(err)
			}
			events := sub.GetStream()
			defer events.Close()
			arrivals := make(chan time.Time, 16)
			go func() {
				for ev := range events.Events() {
					now := time.Now()
					if e, ok := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent); ok {
						for range e.Value.Records {
							arrivals <- now
						}
					}
				}
				close(arrivals)
			}()

			putToEvent := make([]time.Duration, 0, b.N)
			ackToEvent := make([]time.Duration, 0, b.N)
			data := []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				if _, err := putter.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(stream),
					PartitionKey: aws.String(strconv.Itoa(i)), Data: data}); err != nil {
					b.Fatal(err)
				}
				acked := time.Now()
				select {
				case at, ok := <-arrivals:
					if !ok {
						b.Fatalf("subscription ended: %v", events.Err())
					}
					putToEvent = append(putToEvent, at.Sub(start))
					ackToEvent = append(ackToEvent, max(at.Sub(acked), 0))
				case <-time.After(10 * time.Second):
					b.Fatal("no event within 10s")
				}
			}
			b.StopTimer()
			report := func(name string, d []time.Duration) {
				slices.Sort(d)
				q := func(p float64) float64 { return float64(d[int(p*float64(len(d)-1))].Microseconds()) }
				b.ReportMetric(q(0.50), name+"-p50-µs")
				b.ReportMetric(q(0.99), name+"-p99-µs")
				b.ReportMetric(float64(d[len(d)-1].Microseconds()), name+"-max-µs")
			}
			report("put-to-event", putToEvent)
			report("ack-to-event", ackToEvent)
		})
	}
}
