package kinesis

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/auth"
	"github.com/eddy-streaming/eddy/internal/policy"
)

// fixedVerifier authenticates every request as one principal.
type fixedVerifier struct{ principalARN string }

func (v *fixedVerifier) Verify(*http.Request, []byte) (auth.Identity, error) {
	return auth.Identity{AccessKeyID: "AKIATEST", PrincipalARN: v.principalARN}, nil
}

// TestEveryOperationIsAuthorized checks that no operation skips
// authorization: a caller of another account is refused every one, with
// the resource the operation's input names, before anything happens.
func TestEveryOperationIsAuthorized(t *testing.T) {
	clk := &clock{now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	verifier := &fixedVerifier{principalARN: "arn:aws:iam::000000000000:user/alice"}
	h, _ := newTestHandler(t, clk, func(o *Options) { o.Verifier = verifier })
	code, out := call(t, h, "CreateStream", map[string]any{"StreamName": "s", "ShardCount": 1})
	require.Equal(t, 200, code, out)
	code, out = call(t, h, "RegisterStreamConsumer", map[string]any{"StreamARN": h.streamARN("s"), "ConsumerName": "c"})
	require.Equal(t, 200, code, out)
	consumerARN := out["Consumer"].(map[string]any)["ConsumerARN"].(string)
	code, out = call(t, h, "GetShardIterator", map[string]any{"StreamName": "s", "ShardId": "shardId-000000000000", "ShardIteratorType": "LATEST"})
	require.Equal(t, 200, code, out)
	iterator := out["ShardIterator"].(string)

	verifier.principalARN = "arn:aws:iam::222222222222:user/mallory"
	body := map[string]any{
		"StreamName": "s", "StreamARN": h.streamARN("s"), "ResourceARN": h.streamARN("s"),
		"ConsumerARN": consumerARN, "ShardIterator": iterator,
	}
	for name := range operations {
		t.Run(name, func(t *testing.T) {
			op, ok := policy.OperationByName(name)
			require.True(t, ok, "operation missing from the policy table")
			in := body
			if len(op.Resources) > 0 && op.Resources[0] == policy.ResourceConsumer {
				in = map[string]any{"ConsumerARN": consumerARN, "StreamARN": h.streamARN("s"), "ConsumerName": "c"}
			}
			if len(op.Resources) > 0 && op.Resources[0] == policy.ResourceChannel {
				in = map[string]any{"ChannelName": "ch", "ChannelARN": h.channelARNOf("ch")}
			}
			code, out := call(t, h, name, in)
			require.Equal(t, 400, code, out)
			require.Equal(t, "AccessDeniedException", out["__type"], out)
			msg := out["message"].(string)
			require.True(t, strings.HasPrefix(msg, "User: arn:aws:iam::222222222222:user/mallory is not authorized to perform: kinesis:"+name+" on resource: "), msg)
			switch {
			case len(op.Resources) == 0:
				require.Contains(t, msg, "on resource: * because")
			case op.Resources[0] == policy.ResourceConsumer:
				require.Contains(t, msg, "on resource: "+consumerARN+" because")
			case op.Resources[0] == policy.ResourceChannel:
				require.Contains(t, msg, "on resource: "+h.channelARNOf("ch")+" because")
			default:
				require.Contains(t, msg, "on resource: "+h.streamARN("s")+" because")
			}
		})
	}
	// Nothing changed.
	verifier.principalARN = "arn:aws:iam::000000000000:user/alice"
	code, out = call(t, h, "DescribeStreamSummary", map[string]any{"StreamName": "s"})
	require.Equal(t, 200, code, out)
	require.EqualValues(t, 1, out["StreamDescriptionSummary"].(map[string]any)["ConsumerCount"])
}

// TestAuthorizeUnresolvableReference checks that a request whose resource
// reference does not resolve is refused with the handler's error, never
// let through unchecked.
func TestAuthorizeUnresolvableReference(t *testing.T) {
	clk := &clock{now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	h, _ := newTestHandler(t, clk, func(o *Options) { o.Verifier = &fixedVerifier{principalARN: "arn:aws:iam::000000000000:user/alice"} })
	for _, tt := range []struct {
		op   string
		in   map[string]any
		typ  string
		text string
	}{
		{"PutRecord", map[string]any{"PartitionKey": "k", "Data": ""}, errInvalidArgument, "Either StreamName or StreamARN"},
		{"PutRecord", map[string]any{"StreamARN": "arn:aws:kinesis:us-east-1:000000000000:nope"}, errInvalidArgument, "is invalid"},
		{"GetRecords", map[string]any{}, errValidation, "shardIterator"},
		{"GetRecords", map[string]any{"ShardIterator": "AAAA"}, errInvalidArgument, "Invalid ShardIterator."},
		{"UpdateStreamMode", map[string]any{}, errValidation, "streamARN"},
		{"DescribeStreamConsumer", map[string]any{"ConsumerName": "c"}, errInvalidArgument, "Either ConsumerARN"},
		{"GetResourcePolicy", map[string]any{}, errValidation, "resourceARN"},
		{"ListShards", map[string]any{"NextToken": "AAAA"}, errInvalidArgument, "Invalid NextToken."},
		{"SubscribeToShard", map[string]any{"ShardId": "shardId-000000000000"}, errValidation, "consumerARN"},
	} {
		code, out := call(t, h, tt.op, tt.in)
		require.Equal(t, 400, code, out)
		require.Equal(t, tt.typ, out["__type"], "%s %v: %v", tt.op, tt.in, out)
		require.Contains(t, out["message"], tt.text)
	}
}
