package kinesisanalytics_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ka "github.com/aws/aws-sdk-go-v2/service/kinesisanalytics"
	"github.com/aws/aws-sdk-go-v2/service/kinesisanalytics/types"
	"github.com/aws/smithy-go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/eddy-streaming/eddy/internal/kinesisanalytics"
	"github.com/eddy-streaming/eddy/internal/storage"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// env is a Service over a real store, served over loopback HTTP to the
// AWS SDK's kinesisanalytics client.
type env struct {
	t      *testing.T
	dir    string
	store  *storage.Store
	svc    *kinesisanalytics.Service
	srv    *httptest.Server
	client *ka.Client
}

func newEnv(t *testing.T) *env {
	e := &env{t: t, dir: t.TempDir()}
	opts := storage.DefaultOptions(filepath.Join(e.dir, "data"))
	opts.Fsync = storage.FsyncNever
	store, err := storage.Open(opts)
	require.NoError(t, err)
	e.store = store
	e.open()
	t.Cleanup(func() {
		e.close()
		require.NoError(t, e.store.Close())
	})
	return e
}

func (e *env) open() {
	svc, err := kinesisanalytics.New(e.store, kinesisanalytics.Options{Dir: filepath.Join(e.dir, "analytics"),
		CheckpointInterval: 50 * time.Millisecond, IdleInterval: 20 * time.Millisecond, DiscoverWait: 200 * time.Millisecond,
		RestartBackoff: 20 * time.Millisecond})
	require.NoError(e.t, err)
	e.svc = svc
	e.srv = httptest.NewServer(svc)
	e.client = ka.New(ka.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")})
}

func (e *env) close() {
	if e.svc == nil {
		return
	}
	e.srv.Close()
	require.NoError(e.t, e.svc.Close())
	e.svc = nil
}

func (e *env) stream(name string, shards int) string {
	_, err := e.store.CreateStream(name, shards, 0, "PROVISIONED", nil)
	require.NoError(e.t, err)
	return "arn:aws:kinesis:us-east-1:000000000000:stream/" + name
}

func (e *env) put(stream string, recs ...string) {
	for _, r := range recs {
		res, err := e.store.Put(context.Background(), stream, []storage.Record{{PartitionKey: r, Data: []byte(r)}})
		require.NoError(e.t, err)
		require.NoError(e.t, res[0].Err)
	}
}

// read returns every record of a stream, sorted.
func (e *env) read(stream string) []string {
	st, err := e.store.Stream(stream)
	require.NoError(e.t, err)
	var out []string
	for _, sh := range st.Shards {
		res, err := e.store.Read(stream, sh.Index, 0, 10000, 1<<30)
		require.NoError(e.t, err)
		for _, r := range res.Records {
			out = append(out, string(r.Data))
		}
	}
	sort.Strings(out)
	return out
}

func ctx() context.Context { return context.Background() }

func requireAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var apiErr smithy.APIError
	require.True(t, errors.As(err, &apiErr), "not an API error: %v", err)
	require.Equal(t, code, apiErr.ErrorCode(), apiErr.ErrorMessage())
	require.Contains(t, apiErr.ErrorMessage(), msg)
}

const filterCode = `
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), price DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM ticker, price FROM "SOURCE_SQL_STREAM_001" WHERE price > 10;`

func tickerSchema() *types.SourceSchema {
	return &types.SourceSchema{
		RecordFormat: &types.RecordFormat{RecordFormatType: types.RecordFormatTypeJson,
			MappingParameters: &types.MappingParameters{JSONMappingParameters: &types.JSONMappingParameters{RecordRowPath: aws.String("$")}}},
		RecordColumns: []types.RecordColumn{
			{Name: aws.String("TICKER"), SqlType: aws.String("VARCHAR(4)"), Mapping: aws.String("$.ticker")},
			{Name: aws.String("PRICE"), SqlType: aws.String("DOUBLE"), Mapping: aws.String("$.price")},
		},
	}
}

func (e *env) create(name, code string, parallelism int32, in, out string) *ka.CreateApplicationOutput {
	res, err := e.client.CreateApplication(ctx(), &ka.CreateApplicationInput{
		ApplicationName: aws.String(name), ApplicationCode: aws.String(code),
		Inputs: []types.Input{{NamePrefix: aws.String("SOURCE_SQL_STREAM"), InputSchema: tickerSchema(),
			InputParallelism:    &types.InputParallelism{Count: aws.Int32(parallelism)},
			KinesisStreamsInput: &types.KinesisStreamsInput{ResourceARN: aws.String(in), RoleARN: aws.String("arn:aws:iam::000000000000:role/r")}}},
		Outputs: []types.Output{{Name: aws.String("DESTINATION_SQL_STREAM"), DestinationSchema: &types.DestinationSchema{RecordFormatType: types.RecordFormatTypeJson},
			KinesisStreamsOutput: &types.KinesisStreamsOutput{ResourceARN: aws.String(out), RoleARN: aws.String("arn:aws:iam::000000000000:role/r")}}},
	})
	require.NoError(e.t, err)
	return res
}

func (e *env) start(name string, pos types.InputStartingPosition) {
	_, err := e.client.StartApplication(ctx(), &ka.StartApplicationInput{ApplicationName: aws.String(name),
		InputConfigurations: []types.InputConfiguration{{Id: aws.String("1.1"),
			InputStartingPositionConfiguration: &types.InputStartingPositionConfiguration{InputStartingPosition: pos}}}})
	require.NoError(e.t, err)
}

func (e *env) describe(name string) *types.ApplicationDetail {
	out, err := e.client.DescribeApplication(ctx(), &ka.DescribeApplicationInput{ApplicationName: aws.String(name)})
	require.NoError(e.t, err)
	return out.ApplicationDetail
}

func (e *env) waitOutput(stream string, n int) []string {
	var got []string
	require.Eventually(e.t, func() bool { got = e.read(stream); return len(got) >= n }, 10*time.Second, 10*time.Millisecond)
	return got
}

// TestApplicationLifecycle drives an application through the SDK: create,
// start from TRIM_HORIZON, results in the output stream, describe with
// runtime counters, metrics, stop and start from LAST_STOPPED_POINT (no
// repeats), a restart of the service (the application runs again), and
// delete.
func TestApplicationLifecycle(t *testing.T) {
	e := newEnv(t)
	in, out := e.stream("ticks", 2), e.stream("alerts", 1)
	e.put("ticks", `{"ticker":"A","price":5}`, `{"ticker":"B","price":15}`, `{"ticker":"C","price":25}`)

	created := e.create("app1", filterCode, 1, in, out)
	require.Equal(t, types.ApplicationStatusReady, created.ApplicationSummary.ApplicationStatus)
	require.Equal(t, "arn:aws:kinesisanalytics:us-east-1:000000000000:application/app1", *created.ApplicationSummary.ApplicationARN)

	e.start("app1", types.InputStartingPositionTrimHorizon)
	require.Equal(t, []string{`{"TICKER":"B","PRICE":15.0}`, `{"TICKER":"C","PRICE":25.0}`}, e.waitOutput("alerts", 2))
	d := e.describe("app1")
	require.Equal(t, types.ApplicationStatusRunning, d.ApplicationStatus)
	require.Equal(t, int64(1), *d.ApplicationVersionId)
	require.Equal(t, []string{"SOURCE_SQL_STREAM_001"}, d.InputDescriptions[0].InAppStreamNames)
	require.Equal(t, types.InputStartingPositionTrimHorizon, d.InputDescriptions[0].InputStartingPositionConfiguration.InputStartingPosition)

	reg := prometheus.NewRegistry()
	reg.MustRegister(e.svc.Collector())
	require.Eventually(t, func() bool {
		n, err := testutil.GatherAndCount(reg, "eddy_sql_pump_rows_total")
		return err == nil && n == 2
	}, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP eddy_sql_pump_rows_total Rows a pump read from its FROM streams (in) and inserted into its target stream (out).
# TYPE eddy_sql_pump_rows_total counter
eddy_sql_pump_rows_total{application="app1",direction="in",pump="STREAM_PUMP"} 3
eddy_sql_pump_rows_total{application="app1",direction="out",pump="STREAM_PUMP"} 2
`), "eddy_sql_pump_rows_total"))
	rt := e.runtime("app1")
	require.Equal(t, int64(3), rt.RecordsIn)
	require.Equal(t, "STREAM_PUMP", rt.Pumps[0].Name)
	require.Equal(t, int64(2), rt.Pumps[0].RowsOut)

	// Starting a running application is refused.
	_, err := e.client.StartApplication(ctx(), &ka.StartApplicationInput{ApplicationName: aws.String("app1"),
		InputConfigurations: []types.InputConfiguration{{Id: aws.String("1.1"),
			InputStartingPositionConfiguration: &types.InputStartingPositionConfiguration{InputStartingPosition: types.InputStartingPositionNow}}}})
	var inUse *types.ResourceInUseException
	require.ErrorAs(t, err, &inUse)

	_, err = e.client.StopApplication(ctx(), &ka.StopApplicationInput{ApplicationName: aws.String("app1")})
	require.NoError(t, err)
	require.Equal(t, types.ApplicationStatusReady, e.describe("app1").ApplicationStatus)

	e.put("ticks", `{"ticker":"D","price":35}`)
	e.start("app1", types.InputStartingPositionLastStoppedPoint)
	got := e.waitOutput("alerts", 3)
	require.Len(t, got, 3, "LAST_STOPPED_POINT repeats nothing")
	require.Contains(t, got, `{"TICKER":"D","PRICE":35.0}`)

	// The application was running: a new service over the same directory
	// runs it again from its final checkpoint.
	e.close()
	e.open()
	require.Eventually(t, func() bool { return e.describe("app1").ApplicationStatus == types.ApplicationStatusRunning },
		5*time.Second, 10*time.Millisecond)
	e.put("ticks", `{"ticker":"E","price":45}`)
	got = e.waitOutput("alerts", 4)
	require.Len(t, got, 4)

	list, err := e.client.ListApplications(ctx(), &ka.ListApplicationsInput{})
	require.NoError(t, err)
	require.Len(t, list.ApplicationSummaries, 1)
	require.False(t, *list.HasMoreApplications)

	_, err = e.client.DeleteApplication(ctx(), &ka.DeleteApplicationInput{ApplicationName: aws.String("app1"),
		CreateTimestamp: aws.Time(time.Unix(1, 0))})
	var conflict *types.ConcurrentModificationException
	require.ErrorAs(t, err, &conflict)
	_, err = e.client.DeleteApplication(ctx(), &ka.DeleteApplicationInput{ApplicationName: aws.String("app1"),
		CreateTimestamp: e.describe("app1").CreateTimestamp})
	require.NoError(t, err)
	_, err = e.client.DescribeApplication(ctx(), &ka.DescribeApplicationInput{ApplicationName: aws.String("app1")})
	var nf *types.ResourceNotFoundException
	require.ErrorAs(t, err, &nf)
}

// TestValidation checks AWS's error types and messages.
func TestValidation(t *testing.T) {
	e := newEnv(t)
	in, out := e.stream("in", 1), e.stream("out", 1)

	_, err := e.client.CreateApplication(ctx(), &ka.CreateApplicationInput{ApplicationName: aws.String("bad name")})
	requireAPIError(t, err, "ValidationException", "1 validation error detected: Value 'bad name' at 'applicationName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")

	_, err = e.client.CreateApplication(ctx(), &ka.CreateApplicationInput{ApplicationName: aws.String("x"), ApplicationCode: aws.String("SELECT STREAM FROM")})
	requireAPIError(t, err, "CodeValidationException", "line 1")

	e.create("app", filterCode, 1, in, out)
	_, err = e.client.CreateApplication(ctx(), &ka.CreateApplicationInput{ApplicationName: aws.String("app")})
	requireAPIError(t, err, "ResourceInUseException", "Application app already exists.")

	// Code that names an unknown stream is refused once there is an input.
	_, err = e.client.UpdateApplication(ctx(), &ka.UpdateApplicationInput{ApplicationName: aws.String("app"), CurrentApplicationVersionId: aws.Int64(1),
		ApplicationUpdate: &types.ApplicationUpdate{ApplicationCodeUpdate: aws.String(strings.ReplaceAll(filterCode, "SOURCE_SQL_STREAM_001", "NOPE"))}})
	requireAPIError(t, err, "CodeValidationException", "NOPE")

	_, err = e.client.UpdateApplication(ctx(), &ka.UpdateApplicationInput{ApplicationName: aws.String("app"), CurrentApplicationVersionId: aws.Int64(7),
		ApplicationUpdate: &types.ApplicationUpdate{ApplicationCodeUpdate: aws.String(filterCode)}})
	requireAPIError(t, err, "ConcurrentModificationException", "does not match")

	_, err = e.client.AddApplicationOutput(ctx(), &ka.AddApplicationOutputInput{ApplicationName: aws.String("app"), CurrentApplicationVersionId: aws.Int64(1),
		Output: &types.Output{Name: aws.String("error_stream"), DestinationSchema: &types.DestinationSchema{RecordFormatType: types.RecordFormatTypeCsv},
			KinesisStreamsOutput: &types.KinesisStreamsOutput{ResourceARN: aws.String(out), RoleARN: aws.String("arn:aws:iam::1:role/r")}}})
	require.NoError(t, err)
	d := e.describe("app")
	require.Equal(t, int64(2), *d.ApplicationVersionId)
	require.Len(t, d.OutputDescriptions, 2)
	_, err = e.client.DeleteApplicationOutput(ctx(), &ka.DeleteApplicationOutputInput{ApplicationName: aws.String("app"),
		CurrentApplicationVersionId: aws.Int64(2), OutputId: d.OutputDescriptions[1].OutputId})
	require.NoError(t, err)
	require.Len(t, e.describe("app").OutputDescriptions, 1)

	_, err = e.client.AddApplicationInput(ctx(), &ka.AddApplicationInputInput{ApplicationName: aws.String("app"), CurrentApplicationVersionId: aws.Int64(3),
		Input: &types.Input{NamePrefix: aws.String("S"), InputSchema: tickerSchema(),
			KinesisStreamsInput: &types.KinesisStreamsInput{ResourceARN: aws.String(in), RoleARN: aws.String("arn:aws:iam::1:role/r")}}})
	requireAPIError(t, err, "InvalidArgumentException", "only one streaming input")

	_, err = e.client.CreateApplication(ctx(), &ka.CreateApplicationInput{ApplicationName: aws.String("y"),
		Inputs: []types.Input{{NamePrefix: aws.String("S"), InputSchema: tickerSchema(),
			KinesisStreamsInput: &types.KinesisStreamsInput{ResourceARN: aws.String("arn:aws:kinesis:eu-west-1:000000000000:stream/in"), RoleARN: aws.String("arn:aws:iam::1:role/r")}}}})
	requireAPIError(t, err, "InvalidArgumentException", "not in region us-east-1")

	// A start whose input stream is missing fails and leaves it READY.
	e.create("orphan", filterCode, 1, "arn:aws:kinesis:us-east-1:000000000000:stream/missing", out)
	_, err = e.client.StartApplication(ctx(), &ka.StartApplicationInput{ApplicationName: aws.String("orphan"),
		InputConfigurations: []types.InputConfiguration{{Id: aws.String("1.1"),
			InputStartingPositionConfiguration: &types.InputStartingPositionConfiguration{InputStartingPosition: types.InputStartingPositionNow}}}})
	requireAPIError(t, err, "InvalidApplicationConfigurationException", "missing")
	require.Equal(t, types.ApplicationStatusReady, e.describe("orphan").ApplicationStatus)

	_, err = e.client.TagResource(ctx(), &ka.TagResourceInput{ResourceARN: aws.String("arn:aws:kinesisanalytics:us-east-1:000000000000:application/app"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("data")}}})
	require.NoError(t, err)
	tags, err := e.client.ListTagsForResource(ctx(), &ka.ListTagsForResourceInput{ResourceARN: aws.String("arn:aws:kinesisanalytics:us-east-1:000000000000:application/app")})
	require.NoError(t, err)
	require.Len(t, tags.Tags, 1)
	require.Equal(t, "data", *tags.Tags[0].Value)
}

// TestParallelismAndReference runs an application with InputParallelism 2
// over a 4-shard stream, joining a reference table read from a file.
func TestParallelismAndReference(t *testing.T) {
	e := newEnv(t)
	in, out := e.stream("in", 4), e.stream("out", 1)
	refDir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(refDir, "names.csv"), []byte("A,Alpha\nB,Beta\n"), 0o644))

	code := `
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), name VARCHAR(16), price DOUBLE);
CREATE OR REPLACE PUMP "P1" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM s.ticker, r.name, s.price FROM "SOURCE_SQL_STREAM_001" AS s LEFT JOIN "NAMES" AS r ON s.ticker = r.ticker;
CREATE OR REPLACE PUMP "P2" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM s.ticker, r.name, s.price FROM "SOURCE_SQL_STREAM_002" AS s LEFT JOIN "NAMES" AS r ON s.ticker = r.ticker;`
	e.create("par", "", 2, in, out)
	_, err := e.client.AddApplicationReferenceDataSource(ctx(), &ka.AddApplicationReferenceDataSourceInput{ApplicationName: aws.String("par"),
		CurrentApplicationVersionId: aws.Int64(1), ReferenceDataSource: &types.ReferenceDataSource{TableName: aws.String("NAMES"),
			S3ReferenceDataSource: &types.S3ReferenceDataSource{BucketARN: aws.String("file://" + refDir), FileKey: aws.String("names.csv"),
				ReferenceRoleARN: aws.String("arn:aws:iam::1:role/r")},
			ReferenceSchema: &types.SourceSchema{RecordFormat: &types.RecordFormat{RecordFormatType: types.RecordFormatTypeCsv,
				MappingParameters: &types.MappingParameters{CSVMappingParameters: &types.CSVMappingParameters{RecordRowDelimiter: aws.String("\n"), RecordColumnDelimiter: aws.String(",")}}},
				RecordColumns: []types.RecordColumn{{Name: aws.String("TICKER"), SqlType: aws.String("VARCHAR(4)")}, {Name: aws.String("NAME"), SqlType: aws.String("VARCHAR(16)")}}}}})
	require.NoError(t, err)
	_, err = e.client.UpdateApplication(ctx(), &ka.UpdateApplicationInput{ApplicationName: aws.String("par"), CurrentApplicationVersionId: aws.Int64(2),
		ApplicationUpdate: &types.ApplicationUpdate{ApplicationCodeUpdate: aws.String(code)}})
	require.NoError(t, err)
	d := e.describe("par")
	require.Equal(t, []string{"SOURCE_SQL_STREAM_001", "SOURCE_SQL_STREAM_002"}, d.InputDescriptions[0].InAppStreamNames)

	e.start("par", types.InputStartingPositionNow)
	var want []string
	for i := range 40 {
		tk := []string{"A", "B", "C"}[i%3]
		e.put("in", fmt.Sprintf(`{"ticker":%q,"price":%d}`, tk, i))
		name := map[string]string{"A": `"Alpha"`, "B": `"Beta"`, "C": "null"}[tk]
		want = append(want, fmt.Sprintf(`{"TICKER":%q,"NAME":%s,"PRICE":%d.0}`, tk, name, i))
	}
	sort.Strings(want)
	require.Equal(t, want, e.waitOutput("out", 40))

	out2, err := e.client.DescribeApplication(ctx(), &ka.DescribeApplicationInput{ApplicationName: aws.String("par")})
	require.NoError(t, err)
	require.Len(t, out2.ApplicationDetail.ReferenceDataSourceDescriptions, 1)
}

// TestDiscoverInputSchema samples a stream.
func TestDiscoverInputSchema(t *testing.T) {
	e := newEnv(t)
	arn := e.stream("in", 2)
	_, err := e.client.DiscoverInputSchema(ctx(), &ka.DiscoverInputSchemaInput{ResourceARN: aws.String(arn), RoleARN: aws.String("arn:aws:iam::1:role/r"),
		InputStartingPositionConfiguration: &types.InputStartingPositionConfiguration{InputStartingPosition: types.InputStartingPositionNow}})
	var unable *types.UnableToDetectSchemaException
	require.ErrorAs(t, err, &unable)

	e.put("in", `{"ticker":"AAPL","price":12.5,"n":3}`, `{"ticker":"MSFT","price":20,"n":4}`)
	res, err := e.client.DiscoverInputSchema(ctx(), &ka.DiscoverInputSchemaInput{ResourceARN: aws.String(arn), RoleARN: aws.String("arn:aws:iam::1:role/r"),
		InputStartingPositionConfiguration: &types.InputStartingPositionConfiguration{InputStartingPosition: types.InputStartingPositionTrimHorizon}})
	require.NoError(t, err)
	require.Equal(t, types.RecordFormatTypeJson, res.InputSchema.RecordFormat.RecordFormatType)
	var cols []string
	for _, c := range res.InputSchema.RecordColumns {
		cols = append(cols, *c.Name+" "+*c.SqlType+" "+*c.Mapping)
	}
	require.ElementsMatch(t, []string{"n INTEGER $.n", "price REAL $.price", "ticker VARCHAR(4) $.ticker"}, cols)
	require.Len(t, res.RawInputRecords, 2)
	require.Len(t, res.ParsedInputRecords, 2)
}

// runtime reads DescribeApplication's EddyRuntime extension, which the
// SDK does not decode, over plain JSON.
func (e *env) runtime(name string) kinesisanalytics.Runtime {
	out, err := e.svc.Call(ctx(), "DescribeApplication", []byte(`{"ApplicationName":"`+name+`"}`))
	require.NoError(e.t, err)
	return *out.(*kinesisanalytics.DescribeApplicationOutput).ApplicationDetail.EddyRuntime
}

// TestParallelismUpdate raises a running application's InputParallelism:
// its checkpoint no longer fits (two inputs instead of one), yet reading
// resumes where it stopped, on every shard.
func TestParallelismUpdate(t *testing.T) {
	e := newEnv(t)
	in, out := e.stream("in", 2), e.stream("out", 1)
	e.create("app", filterCode, 1, in, out)
	e.start("app", types.InputStartingPositionTrimHorizon)
	for i := range 10 {
		e.put("in", fmt.Sprintf(`{"ticker":"A%d","price":%d}`, i, 20+i))
	}
	e.waitOutput("out", 10)
	code := strings.ReplaceAll(filterCode, "STREAM_PUMP", "P1") + strings.ReplaceAll(strings.ReplaceAll(
		filterCode[strings.Index(filterCode, "CREATE OR REPLACE PUMP"):], "STREAM_PUMP", "P2"), "_001", "_002")
	_, err := e.client.UpdateApplication(ctx(), &ka.UpdateApplicationInput{ApplicationName: aws.String("app"), CurrentApplicationVersionId: aws.Int64(1),
		ApplicationUpdate: &types.ApplicationUpdate{ApplicationCodeUpdate: aws.String(code),
			InputUpdates: []types.InputUpdate{{InputId: aws.String("1.1"), InputParallelismUpdate: &types.InputParallelismUpdate{CountUpdate: aws.Int32(2)}}}}})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return e.describe("app").ApplicationStatus == types.ApplicationStatusRunning }, 5*time.Second, 10*time.Millisecond)
	for i := range 10 {
		e.put("in", fmt.Sprintf(`{"ticker":"B%d","price":%d}`, i, 20+i))
	}
	got := e.waitOutput("out", 20)
	time.Sleep(200 * time.Millisecond)
	require.Len(t, e.read("out"), 20, "nothing read twice: %v", got)
	require.Equal(t, []string{"SOURCE_SQL_STREAM_001", "SOURCE_SQL_STREAM_002"}, e.describe("app").InputDescriptions[0].InAppStreamNames)
}
