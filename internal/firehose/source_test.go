package firehose

import (
	"bufio"
	"bytes"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/storage"
	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

func TestParseStreamARN(t *testing.T) {
	name, ok := parseStreamARN("arn:aws:kinesis:us-east-1:000000000000:stream/clicks")
	require.True(t, ok)
	require.Equal(t, "clicks", name)
	for _, bad := range []string{"clicks", "arn:aws:s3:::b", "arn:aws:kinesis:us-east-1:0:stream/", "arn:aws:kinesis:us-east-1:0:table/x"} {
		_, ok := parseStreamARN(bad)
		require.False(t, ok, bad)
	}
}

// TestKinesisStreamAsSource reads an Eddy stream from LATEST, follows a
// shard split (children after their parent), survives a restart, and
// delivers every record once.
func TestKinesisStreamAsSource(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	_, err := e.store.CreateStream("clicks", 2, 0, "PROVISIONED", nil)
	require.NoError(t, err)
	_, err = e.store.UpdateStream("clicks", func(s *catalog.Stream) error { s.Status = catalog.StatusActive; return nil })
	require.NoError(t, err)
	put := func(from, to int) {
		var recs []storage.Record
		for i := from; i < to; i++ {
			recs = append(recs, storage.Record{PartitionKey: fmt.Sprint(i), Data: fmt.Appendf(nil, "click %d\n", i)})
		}
		res, err := e.store.Put(ctx, "clicks", recs)
		require.NoError(t, err)
		for _, r := range res {
			require.NoError(t, r.Err)
		}
	}
	put(-50, 0) // before the delivery stream: not delivered (LATEST)

	d := s3Dest("lake")
	_, err = e.client.CreateDeliveryStream(ctx, &fh.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("fromkinesis"),
		DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration: &types.KinesisStreamSourceConfiguration{
			KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/clicks"),
			RoleARN:          aws.String("arn:aws:iam::0:role/r"),
		},
		ExtendedS3DestinationConfiguration: d,
	})
	require.NoError(t, err)
	_, err = e.client.PutRecord(ctx, &fh.PutRecordInput{DeliveryStreamName: aws.String("fromkinesis"), Record: &types.Record{Data: []byte("x")}})
	requireAPIError(t, err, "InvalidArgumentException", "KinesisStreamAsSource")
	desc, err := e.client.DescribeDeliveryStream(ctx, &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("fromkinesis")})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:kinesis:us-east-1:000000000000:stream/clicks", aws.ToString(desc.DeliveryStreamDescription.Source.KinesisStreamSourceDescription.KinesisStreamARN))

	count := func() map[string]int {
		n := map[string]int{}
		for _, f := range e.files("lake") {
			sc := bufio.NewScanner(bytes.NewReader(e.read("lake", f)))
			for sc.Scan() {
				n[sc.Text()]++
			}
		}
		return n
	}
	put(0, 100)
	waitFor(t, "first records", func() bool { return len(count()) == 100 })

	// Split shard 0 in two.
	st, err := e.store.Stream("clicks")
	require.NoError(t, err)
	lo, _ := new(big.Int).SetString(st.Shards[0].HashKeyStart, 10)
	hi, _ := new(big.Int).SetString(st.Shards[0].HashKeyEnd, 10)
	mid := new(big.Int).Rsh(new(big.Int).Add(lo, hi), 1)
	_, err = e.store.Reshard(ctx, "clicks", []uint32{0}, []storage.NewShard{
		{ParentIndex: 0, AdjacentParentIndex: -1, HashKeyStart: lo.String(), HashKeyEnd: mid.String()},
		{ParentIndex: 0, AdjacentParentIndex: -1, HashKeyStart: new(big.Int).Add(mid, big.NewInt(1)).String(), HashKeyEnd: hi.String()},
	})
	require.NoError(t, err)
	put(100, 200)
	e.restart()
	put(200, 300)
	var got map[string]int
	waitFor(t, "every record after the split and the restart", func() bool { got = count(); return len(got) == 300 })
	for k, n := range got {
		require.Equal(t, 1, n, k)
		require.False(t, strings.HasPrefix(k, "click -"), "records from before the delivery stream are not delivered")
	}

	_, err = e.client.CreateDeliveryStream(ctx, &fh.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("nosource"),
		DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration: &types.KinesisStreamSourceConfiguration{
			KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/missing"), RoleARN: aws.String("arn:aws:iam::0:role/r")},
		ExtendedS3DestinationConfiguration: d,
	})
	requireAPIError(t, err, "InvalidArgumentException", "does not exist")
}
