package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/auth"
)

const (
	ordersARN = "arn:aws:kinesis:us-east-1:" + secAccount + ":stream/orders"
	aliceARN  = "arn:aws:iam::" + secAccount + ":user/alice"
	bobARN    = "arn:aws:iam::" + secAccount + ":user/bob"
	rootARN   = "arn:aws:iam::" + secAccount + ":root"
)

// ordersPolicy: alice writes, bob reads (from loopback addresses only),
// the partner account may describe, nobody deletes the stream.
var ordersPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Producers", "Effect": "Allow", "Principal": {"AWS": "` + aliceARN + `"},
     "Action": ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStreamSummary"], "Resource": "` + ordersARN + `"},
    {"Sid": "ProducersFromTheOffice", "Effect": "Allow", "Principal": {"AWS": "` + aliceARN + `"},
     "Action": "kinesis:ListShards", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
    {"Sid": "Consumers", "Effect": "Allow", "Principal": {"AWS": "` + bobARN + `"},
     "Action": ["kinesis:Get*", "kinesis:Describe*", "kinesis:ListShards", "kinesis:ListStreamConsumers"], "Resource": "` + ordersARN + `",
     "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}},
    {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:role/reader"},
     "Action": ["kinesis:DescribeStreamSummary", "kinesis:ListShards"], "Resource": "` + ordersARN + `"},
    {"Sid": "Keep", "Effect": "Deny", "Principal": "*", "Action": "kinesis:DeleteStream", "Resource": "*"}
  ]
}`

// TestSecurityPolicyMatrix attaches resource policies to a stream and a
// consumer and checks, over the wire with the SDK, which calls each
// principal may make: same-account users, the account's root, and a
// principal of another account.
func TestSecurityPolicyMatrix(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, dir, withAuth(keyAlice, keyBob, keyRoot, keyPartner))
	clients := map[string]*kinesis.Client{}
	for _, k := range []auth.Key{keyAlice, keyBob, keyRoot, keyPartner} {
		clients[k.Principal] = keyClient(ts.url, k)
	}
	root := clients["root"]
	ts.client = root
	ts.createStream(t, "orders", 1)
	reg, err := root.RegisterStreamConsumer(ctx(t), &kinesis.RegisterStreamConsumerInput{StreamARN: aws.String(ordersARN), ConsumerName: aws.String("partner")})
	require.NoError(t, err)
	consumerARN := aws.ToString(reg.Consumer.ConsumerARN)
	require.Eventually(t, func() bool {
		out, err := root.DescribeStreamConsumer(ctx(t), &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(consumerARN)})
		return err == nil && out.ConsumerDescription.ConsumerStatus == types.ConsumerStatusActive
	}, 5*time.Second, 5*time.Millisecond)

	// Without policies the account's principals may do everything, other
	// accounts nothing.
	_, err = clients["alice"].GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{
		StreamName: aws.String("orders"), ShardId: aws.String(shardID(0)), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	require.NoError(t, err)
	_, err = clients["partner"].DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("orders")})
	requireAPIError(t, err, "AccessDeniedException", "User: arn:aws:iam::222222222222:role/reader is not authorized to perform: kinesis:DescribeStreamSummary on resource: "+
		ordersARN+" because no resource-based policy allows the kinesis:DescribeStreamSummary action")
	_, err = clients["partner"].ListStreams(ctx(t), &kinesis.ListStreamsInput{})
	requireAPIError(t, err, "AccessDeniedException", "on resource: * because the caller does not belong to the account that owns the resource")

	// Policies: refused documents, then the stream's and the consumer's.
	_, err = root.PutResourcePolicy(ctx(t), &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(ordersARN),
		Policy: aws.String(strings.Replace(ordersPolicy, "kinesis:PutRecords", "kinesis:PutRecordz", 1))})
	requireAPIError(t, err, "InvalidArgumentException", "kinesis:PutRecordz")
	_, err = root.PutResourcePolicy(ctx(t), &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(ordersARN),
		Policy: aws.String(strings.ReplaceAll(ordersPolicy, "stream/orders", "stream/other"))})
	requireAPIError(t, err, "InvalidArgumentException", "stream/other")
	_, err = root.PutResourcePolicy(ctx(t), &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(ordersARN + "x"), Policy: aws.String(ordersPolicy)})
	requireAPIError(t, err, "ResourceNotFoundException", "ordersx")
	got, err := root.GetResourcePolicy(ctx(t), &kinesis.GetResourcePolicyInput{ResourceARN: aws.String(ordersARN)})
	require.NoError(t, err)
	require.Equal(t, "{}", aws.ToString(got.Policy), "no policy yet")

	_, err = root.PutResourcePolicy(ctx(t), &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(ordersARN), Policy: aws.String(ordersPolicy)})
	require.NoError(t, err)
	consumerPolicy := `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:role/reader"},
		"Action": ["kinesis:SubscribeToShard", "kinesis:DescribeStreamConsumer"], "Resource": "` + ordersARN + `/consumer/partner:*"}}`
	_, err = root.PutResourcePolicy(ctx(t), &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(consumerARN), Policy: aws.String(consumerPolicy)})
	require.NoError(t, err)

	checkPolicyMatrix(t, clients, consumerARN)

	// Policies survive a restart and are still enforced.
	require.NoError(t, ts.Close(context.Background()))
	ts = startServer(t, dir, withAuth(keyAlice, keyBob, keyRoot, keyPartner))
	for _, k := range []auth.Key{keyAlice, keyBob, keyRoot, keyPartner} {
		clients[k.Principal] = keyClient(ts.url, k)
	}
	root = clients["root"]
	got, err = root.GetResourcePolicy(ctx(t), &kinesis.GetResourcePolicyInput{ResourceARN: aws.String(ordersARN)})
	require.NoError(t, err)
	require.Equal(t, ordersPolicy, aws.ToString(got.Policy), "stored verbatim")
	got, err = root.GetResourcePolicy(ctx(t), &kinesis.GetResourcePolicyInput{ResourceARN: aws.String(consumerARN)})
	require.NoError(t, err)
	require.Equal(t, consumerPolicy, aws.ToString(got.Policy))
	checkPolicyMatrix(t, clients, consumerARN)

	// A policy that denies everything to everyone cannot lock the root out
	// of the policy itself.
	denyAll := `{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Principal": "*", "Action": "kinesis:*", "Resource": "*"}}`
	_, err = root.PutResourcePolicy(ctx(t), &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(ordersARN), Policy: aws.String(denyAll)})
	require.NoError(t, err)
	_, err = root.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("orders")})
	requireAPIError(t, err, "AccessDeniedException", "with an explicit deny in a resource-based policy")
	_, err = root.GetResourcePolicy(ctx(t), &kinesis.GetResourcePolicyInput{ResourceARN: aws.String(ordersARN)})
	require.NoError(t, err)
	_, err = clients["alice"].DeleteResourcePolicy(ctx(t), &kinesis.DeleteResourcePolicyInput{ResourceARN: aws.String(ordersARN)})
	requireAPIError(t, err, "AccessDeniedException", "explicit deny")
	_, err = root.DeleteResourcePolicy(ctx(t), &kinesis.DeleteResourcePolicyInput{ResourceARN: aws.String(ordersARN)})
	require.NoError(t, err)

	// Without the policy the account is back to full access; a deleted and
	// re-created stream has no policy.
	_, err = clients["bob"].PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("orders"), PartitionKey: aws.String("k"), Data: []byte("x")})
	require.NoError(t, err)
	_, err = root.PutResourcePolicy(ctx(t), &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(ordersARN), Policy: aws.String(ordersPolicy)})
	require.NoError(t, err)
	_, err = root.DeleteStream(ctx(t), &kinesis.DeleteStreamInput{StreamName: aws.String("orders"), EnforceConsumerDeletion: aws.Bool(true)})
	requireAPIError(t, err, "AccessDeniedException", "explicit deny")
}

// checkPolicyMatrix makes every call of the matrix and checks which are
// allowed.
func checkPolicyMatrix(t *testing.T, clients map[string]*kinesis.Client, consumerARN string) {
	t.Helper()
	stream := aws.String("orders")
	iterator := func(c *kinesis.Client) (string, error) {
		out, err := c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: stream, ShardId: aws.String(shardID(0)),
			ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.ShardIterator), nil
	}
	bobIterator, err := iterator(clients["bob"])
	require.NoError(t, err)
	type call func(c *kinesis.Client) error
	var (
		putRecord = func(c *kinesis.Client) error {
			_, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: stream, PartitionKey: aws.String("k"), Data: []byte("order")})
			return err
		}
		putRecords = func(c *kinesis.Client) error {
			_, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamARN: aws.String(ordersARN),
				Records: []types.PutRecordsRequestEntry{{PartitionKey: aws.String("k"), Data: []byte("order")}}})
			return err
		}
		getIterator = func(c *kinesis.Client) error { _, err := iterator(c); return err }
		getRecords  = func(c *kinesis.Client) error {
			_, err := c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: aws.String(bobIterator)})
			return err
		}
		describe = func(c *kinesis.Client) error {
			_, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: stream})
			return err
		}
		summary = func(c *kinesis.Client) error {
			_, err := c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: stream})
			return err
		}
		listShards = func(c *kinesis.Client) error {
			_, err := c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: stream})
			return err
		}
		addTags = func(c *kinesis.Client) error {
			_, err := c.AddTagsToStream(ctx(t), &kinesis.AddTagsToStreamInput{StreamName: stream, Tags: map[string]string{"team": "x"}})
			return err
		}
		listStreams = func(c *kinesis.Client) error {
			_, err := c.ListStreams(ctx(t), &kinesis.ListStreamsInput{})
			return err
		}
		deleteStream = func(c *kinesis.Client) error {
			_, err := c.DeleteStream(ctx(t), &kinesis.DeleteStreamInput{StreamName: stream, EnforceConsumerDeletion: aws.Bool(true)})
			return err
		}
		getPolicy = func(c *kinesis.Client) error {
			_, err := c.GetResourcePolicy(ctx(t), &kinesis.GetResourcePolicyInput{ResourceARN: aws.String(ordersARN)})
			return err
		}
		describeConsumer = func(c *kinesis.Client) error {
			_, err := c.DescribeStreamConsumer(ctx(t), &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(consumerARN)})
			return err
		}
		deregisterConsumer = func(c *kinesis.Client) error {
			_, err := c.DeregisterStreamConsumer(ctx(t), &kinesis.DeregisterStreamConsumerInput{ConsumerARN: aws.String(consumerARN)})
			return err
		}
		subscribe = func(c *kinesis.Client) error {
			out, err := c.SubscribeToShard(ctx(t), &kinesis.SubscribeToShardInput{ConsumerARN: aws.String(consumerARN), ShardId: aws.String(shardID(0)),
				StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeLatest}})
			if err == nil {
				_ = out.GetStream().Close()
			}
			return err
		}
	)
	tests := []struct {
		who     string
		op      string
		call    call
		allowed bool
		reason  string // of a denial: "explicit" or "" (no Allow)
	}{
		{"alice", "PutRecord", putRecord, true, ""},
		{"alice", "PutRecords", putRecords, true, ""},
		{"alice", "DescribeStreamSummary", summary, true, ""},
		{"alice", "ListShards", listShards, false, ""}, // only from 10.0.0.0/8
		{"alice", "GetShardIterator", getIterator, false, ""},
		{"alice", "DescribeStream", describe, false, ""},
		{"alice", "DeleteStream", deleteStream, false, "explicit"},
		{"alice", "GetResourcePolicy", getPolicy, false, ""},
		{"alice", "ListStreams", listStreams, true, ""}, // account-level: no policy governs it
		{"bob", "GetShardIterator", getIterator, true, ""},
		{"bob", "GetRecords", getRecords, true, ""},
		{"bob", "DescribeStream", describe, true, ""},
		{"bob", "ListShards", listShards, true, ""},
		{"bob", "PutRecord", putRecord, false, ""},
		{"bob", "AddTagsToStream", addTags, false, ""},
		{"bob", "DescribeStreamConsumer", describeConsumer, false, ""}, // the consumer's policy governs it
		{"root", "PutRecord", putRecord, true, ""},
		{"root", "AddTagsToStream", addTags, true, ""},
		{"root", "GetResourcePolicy", getPolicy, true, ""},
		{"root", "DeleteStream", deleteStream, false, "explicit"},
		{"partner", "DescribeStreamSummary", summary, true, ""},
		{"partner", "ListShards", listShards, true, ""},
		{"partner", "DescribeStreamConsumer", describeConsumer, true, ""},
		{"partner", "SubscribeToShard", subscribe, true, ""},
		{"partner", "PutRecord", putRecord, false, ""},
		{"partner", "GetShardIterator", getIterator, false, ""},
		{"partner", "DeregisterStreamConsumer", deregisterConsumer, false, ""},
		{"partner", "GetResourcePolicy", getPolicy, false, "cross-account"},
		{"partner", "ListStreams", listStreams, false, "cross-account"},
	}
	for _, tt := range tests {
		err := tt.call(clients[tt.who])
		if tt.allowed {
			require.NoError(t, err, "%s %s", tt.who, tt.op)
			continue
		}
		msg := "because no resource-based policy allows the kinesis:" + tt.op + " action"
		switch tt.reason {
		case "explicit":
			msg = "with an explicit deny in a resource-based policy"
		case "cross-account":
			msg = "because the caller does not belong to the account that owns the resource"
		}
		requireAPIError(t, err, "AccessDeniedException", fmt.Sprintf("is not authorized to perform: kinesis:%s on resource: ", tt.op))
		requireAPIError(t, err, "AccessDeniedException", msg)
	}
}
