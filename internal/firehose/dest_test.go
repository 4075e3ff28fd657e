package firehose

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

func putN(t *testing.T, e *env, stream string, n int, data func(i int) string) {
	t.Helper()
	for start := 0; start < n; start += 500 {
		var recs []types.Record
		for i := start; i < min(n, start+500); i++ {
			recs = append(recs, types.Record{Data: []byte(data(i))})
		}
		out, err := e.client.PutRecordBatch(ctxT(t), &fh.PutRecordBatchInput{DeliveryStreamName: aws.String(stream), Records: recs})
		require.NoError(t, err)
		require.Zero(t, aws.ToInt32(out.FailedPutCount))
	}
}

// TestHTTPEndpointDownThenUp: the endpoint fails for a while; records
// wait, are retried with the same request id, then all arrive.
func TestHTTPEndpointDownThenUp(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	var mu sync.Mutex
	seen := map[string]bool{} // request ids delivered
	attempts := map[string]int{}
	got := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Amz-Firehose-Request-Id")
		mu.Lock()
		attempts[id]++
		mu.Unlock()
		if down.Load() {
			http.Error(w, `{"errorMessage":"down for maintenance"}`, http.StatusServiceUnavailable)
			return
		}
		require.Equal(t, "secret", r.Header.Get("X-Amz-Firehose-Access-Key"))
		var req struct {
			RequestID string                  `json:"requestId"`
			Records   []struct{ Data string } `json:"records"`
		}
		require.NoError(t, json.NewDecoder(r.Body).Decode(&req))
		mu.Lock()
		if !seen[req.RequestID] { // deduplicate replays on the request id
			seen[req.RequestID] = true
			for _, rec := range req.Records {
				d, _ := base64.StdEncoding.DecodeString(rec.Data)
				got[string(d)]++
			}
		}
		mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"requestId": req.RequestID, "timestamp": time.Now().UnixMilli()})
	}))
	defer srv.Close()

	e := newEnv(t)
	ctx := ctxT(t)
	_, err := e.client.CreateDeliveryStream(ctx, &fh.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("hooks"),
		HttpEndpointDestinationConfiguration: &types.HttpEndpointDestinationConfiguration{
			EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String(srv.URL), Name: aws.String("test"), AccessKey: aws.String("secret")},
			BufferingHints:        &types.HttpEndpointBufferingHints{IntervalInSeconds: aws.Int32(0), SizeInMBs: aws.Int32(1)},
			RetryOptions:          &types.HttpEndpointRetryOptions{DurationInSeconds: aws.Int32(600)},
			S3Configuration:       &types.S3DestinationConfiguration{BucketARN: aws.String("arn:aws:s3:::backup"), RoleARN: aws.String("arn:aws:iam::0:role/r")},
		},
	})
	require.NoError(t, err)
	putN(t, e, "hooks", 50, func(i int) string { return fmt.Sprintf("r%d", i) })
	waitFor(t, "retries while down", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, n := range attempts {
			if n >= 3 {
				return true
			}
		}
		return false
	})
	desc, err := e.client.DescribeDeliveryStream(ctx, &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("hooks")})
	require.NoError(t, err)
	require.NotNil(t, desc.DeliveryStreamDescription.FailureDescription)
	require.Contains(t, aws.ToString(desc.DeliveryStreamDescription.FailureDescription.Details), "503")
	require.Equal(t, srv.URL, aws.ToString(desc.DeliveryStreamDescription.Destinations[0].HttpEndpointDestinationDescription.EndpointConfiguration.Url))
	down.Store(false)
	waitFor(t, "all records", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 50
	})
	mu.Lock()
	for k, n := range got {
		require.Equal(t, 1, n, k)
	}
	mu.Unlock()
}

// TestHTTPEndpointRetriesExhausted: after RetryOptions runs out, the
// records go to the error output of the S3 configuration.
func TestHTTPEndpointRetriesExhausted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "too big", http.StatusRequestEntityTooLarge)
	}))
	defer srv.Close()
	e := newEnv(t)
	ctx := ctxT(t)
	_, err := e.client.CreateDeliveryStream(ctx, &fh.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("hooks"),
		HttpEndpointDestinationConfiguration: &types.HttpEndpointDestinationConfiguration{
			EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String(srv.URL)},
			BufferingHints:        &types.HttpEndpointBufferingHints{IntervalInSeconds: aws.Int32(0), SizeInMBs: aws.Int32(1)},
			S3Configuration:       &types.S3DestinationConfiguration{BucketARN: aws.String("arn:aws:s3:::backup"), RoleARN: aws.String("arn:aws:iam::0:role/r")},
		},
	})
	require.NoError(t, err)
	putN(t, e, "hooks", 3, func(i int) string { return fmt.Sprintf("r%d", i) })
	waitFor(t, "error output", func() bool {
		for _, f := range e.files("backup") {
			if strings.HasPrefix(f, "http-endpoint-failed/") && strings.Count(string(e.read("backup", f)), "\n") == 3 {
				return true
			}
		}
		return false
	})
	f := e.files("backup")[0]
	var doc map[string]any
	line := strings.SplitN(string(e.read("backup", f)), "\n", 2)[0]
	require.NoError(t, json.Unmarshal([]byte(line), &doc))
	require.Equal(t, "HttpEndpoint.RequestFailed", doc["errorCode"])
	require.Equal(t, base64.StdEncoding.EncodeToString([]byte("r0")), doc["rawData"])
}

// TestLambdaTransform: the HTTP transform with the Lambda contract
// rewrites, drops, fails and partitions records.
func TestLambdaTransform(t *testing.T) {
	transform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			Records []struct {
				RecordID string `json:"recordId"`
				Data     []byte `json:"data"`
			} `json:"records"`
		}
		require.NoError(t, json.NewDecoder(r.Body).Decode(&ev))
		var out []map[string]any
		for _, rec := range ev.Records {
			var v struct{ Kind, Msg string }
			_ = json.Unmarshal(rec.Data, &v)
			res := map[string]any{"recordId": rec.RecordID, "result": "Ok"}
			switch v.Kind {
			case "drop":
				res["result"] = "Dropped"
			case "fail":
				res["result"] = "ProcessingFailed"
			default:
				res["data"] = []byte(strings.ToUpper(v.Msg) + "\n")
				res["metadata"] = map[string]any{"partitionKeys": map[string]string{"kind": v.Kind}}
			}
			out = append(out, res)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"records": out})
	}))
	defer transform.Close()
	e := newEnv(t)
	ctx := ctxT(t)
	_, err := e.client.CreateDeliveryStream(ctx, &fh.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("tx"),
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
			BucketARN:                        aws.String("arn:aws:s3:::lake"),
			RoleARN:                          aws.String("arn:aws:iam::0:role/r"),
			Prefix:                           aws.String("kind=!{partitionKeyFromLambda:kind}/"),
			ErrorOutputPrefix:                aws.String("err/!{firehose:error-output-type}/!{timestamp:yyyy}/"),
			BufferingHints:                   &types.BufferingHints{IntervalInSeconds: aws.Int32(0), SizeInMBs: aws.Int32(1)},
			CompressionFormat:                types.CompressionFormatUncompressed,
			DynamicPartitioningConfiguration: &types.DynamicPartitioningConfiguration{Enabled: aws.Bool(true)},
			ProcessingConfiguration: &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{{
				Type:       types.ProcessorTypeLambda,
				Parameters: []types.ProcessorParameter{{ParameterName: types.ProcessorParameterNameLambdaArn, ParameterValue: aws.String(transform.URL)}},
			}}},
		},
	})
	require.NoError(t, err)
	kinds := []string{"a", "b", "drop", "fail"}
	putN(t, e, "tx", 40, func(i int) string { return fmt.Sprintf(`{"kind":%q,"msg":"m%d"}`, kinds[i%4], i) })
	waitFor(t, "partitions and errors", func() bool {
		n := map[string]int{}
		for _, f := range e.files("lake") {
			n[strings.SplitN(f, "/", 2)[0]] += strings.Count(string(e.read("lake", f)), "\n")
		}
		return n["kind=a"] == 10 && n["kind=b"] == 10 && n["err"] == 10
	})
	for _, f := range e.files("lake") {
		if strings.HasPrefix(f, "kind=a/") {
			require.Contains(t, string(e.read("lake", f)), "M0\n")
		}
		if strings.HasPrefix(f, "err/") {
			require.True(t, strings.HasPrefix(f, "err/processing-failed/20"), f)
			require.Contains(t, string(e.read("lake", f)), `"errorCode":"Lambda.ProcessingFailed"`)
		}
	}
}

func testPostgresDSN(t *testing.T) string {
	dsn := os.Getenv("EDDY_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	c, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(c, dsn)
	if err != nil {
		if os.Getenv("EDDY_TEST_POSTGRES_REQUIRED") != "" {
			t.Fatalf("no PostgreSQL reachable at %s (EDDY_TEST_POSTGRES_REQUIRED is set): %v", dsn, err)
		}
		t.Skipf("no PostgreSQL reachable at %s (set EDDY_TEST_POSTGRES; .ci/run starts one): %v", dsn, err)
	}
	_ = conn.Close(c)
	return dsn
}

// TestPostgreSQLDestination delivers rows with COPY, across a restart.
func TestPostgreSQLDestination(t *testing.T) {
	dsn := testPostgresDSN(t)
	ctx := ctxT(t)
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, `DROP TABLE IF EXISTS fh_orders; CREATE TABLE fh_orders (id int PRIMARY KEY, customer text, amount numeric(10,2))`)
	require.NoError(t, err)
	_, _ = conn.Exec(ctx, `DELETE FROM eddy_firehose_progress WHERE delivery_stream = 'pgorders'`)

	e := newEnv(t)
	body := fmt.Sprintf(`{"DeliveryStreamName":"pgorders","PostgreSQLDestinationConfiguration":{
		"ConnectionString":%q,"Table":"public.fh_orders","Mode":"columns",
		"BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0},
		"S3Configuration":{"BucketARN":"arn:aws:s3:::pgbackup"}}}`, dsn)
	_, err = e.svc.Call(ctx, "CreateDeliveryStream", []byte(body))
	require.NoError(t, err)
	putN(t, e, "pgorders", 700, func(i int) string { return fmt.Sprintf(`{"id":%d,"customer":"c%d","amount":%d.25}`, i, i%7, i) })
	count := func() int {
		var n int
		require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM fh_orders`).Scan(&n))
		return n
	}
	waitFor(t, "700 rows", func() bool { return count() == 700 })
	e.restart()
	putN(t, e, "pgorders", 10, func(i int) string { return fmt.Sprintf(`{"id":%d}`, 1000+i) })
	waitFor(t, "710 rows", func() bool { return count() == 710 })
	var sum float64
	require.NoError(t, conn.QueryRow(ctx, `SELECT sum(amount)::float8 FROM fh_orders`).Scan(&sum))
	require.InDelta(t, 699*700/2+700*0.25, sum, 1e-6)
}
