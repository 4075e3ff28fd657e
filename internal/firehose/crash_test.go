package firehose

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/firehose/sink"
)

// crashBucket stores objects like the bucket it wraps, but from the
// failAt-th put on it fails after storing: the object is written, the
// worker never learns it, and never checkpoints it — the window of a
// crash between writing an object and recording progress.
type crashBucket struct {
	inner  sink.Bucket
	failAt int

	mu      sync.Mutex
	puts    int
	crashed chan struct{}
	once    sync.Once
}

func (c *crashBucket) Put(ctx context.Context, name string, data []byte) error {
	c.mu.Lock()
	c.puts++
	n := c.puts
	c.mu.Unlock()
	if n < c.failAt {
		return c.inner.Put(ctx, name, data)
	}
	if n == c.failAt {
		if err := c.inner.Put(ctx, name, data); err != nil {
			return err
		}
	}
	c.once.Do(func() { close(c.crashed) })
	return errors.New("simulated crash")
}

func TestExactlyOnceAcrossCrash(t *testing.T) {
	for _, failAt := range []int{1, 3} {
		t.Run(fmt.Sprint(failAt), func(t *testing.T) {
			var crash *crashBucket
			e := newEnv(t, func(o *Options) {
				crash = &crashBucket{inner: &sink.LocalBucket{Dir: filepath.Join(o.BucketDir, "lake")}, failAt: failAt, crashed: make(chan struct{})}
				o.Buckets = map[string]sink.Bucket{"lake": crash}
			})
			ctx := ctxT(t)
			_, err := e.client.CreateDeliveryStream(ctx, &fh.CreateDeliveryStreamInput{
				DeliveryStreamName: aws.String("events"),
				ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
					BucketARN:      aws.String("arn:aws:s3:::lake"),
					RoleARN:        aws.String("arn:aws:iam::000000000000:role/r"),
					BufferingHints: &types.BufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(1)},
					ProcessingConfiguration: &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{
						{Type: types.ProcessorTypeAppendDelimiterToRecord}}},
				},
			})
			require.NoError(t, err)
			pad := bytes.Repeat([]byte("x"), 10_000)
			const total = 600
			for batch := 0; batch < total/100; batch++ {
				var recs []types.Record
				for i := batch * 100; i < (batch+1)*100; i++ {
					recs = append(recs, types.Record{Data: fmt.Appendf(nil, `{"id":%d,"pad":"%s"}`, i, pad)})
				}
				out, err := e.client.PutRecordBatch(ctx, &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("events"), Records: recs})
				require.NoError(t, err)
				require.Zero(t, aws.ToInt32(out.FailedPutCount))
			}
			<-crash.crashed
			before := e.files("lake")
			require.NotEmpty(t, before)

			e.opts.Buckets = nil // the restarted server writes to the directory directly
			e.restart()
			counts := map[int]int{}
			waitFor(t, "every record", func() bool {
				counts = map[int]int{}
				for _, f := range e.files("lake") {
					sc := bufio.NewScanner(bytes.NewReader(e.read("lake", f)))
					sc.Buffer(nil, 1<<20)
					for sc.Scan() {
						var id int
						_, err := fmt.Sscanf(sc.Text(), `{"id":%d,`, &id)
						require.NoError(t, err)
						counts[id]++
					}
				}
				return len(counts) == total
			})
			for id, n := range counts {
				require.Equal(t, 1, n, "record %d delivered %d times", id, n)
			}
			after := e.files("lake")
			for _, f := range before {
				require.Contains(t, after, f, "the replay reuses the names of objects written before the crash")
			}
		})
	}
}
