package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// analyticsTarget prefixes the X-Amz-Target of Kinesis Analytics calls.
const analyticsTarget = "KinesisAnalytics_20150814."

// analyticsAPI calls the Kinesis Analytics (SQL) API with raw JSON 1.1
// bodies signed with SigV4, so that Eddy's extensions of the answers
// (DescribeApplication's EddyRuntime) come through. It shares the
// endpoint, region, credentials and HTTP client of the Kinesis client,
// which the commands also use to resolve stream names to ARNs.
type analyticsAPI struct {
	kinesis  *kinesis.Client
	endpoint string
	region   string
	creds    aws.CredentialsProvider
	http     interface {
		Do(*http.Request) (*http.Response, error)
	}
	signer *v4.Signer
}

func (f *clientFlags) newAnalyticsAPI(ctx context.Context) (*analyticsAPI, error) {
	kc, err := f.newClient(ctx, clientOptions{})
	if err != nil {
		return nil, err
	}
	o := kc.Options()
	endpoint := strings.TrimSuffix(aws.ToString(o.BaseEndpoint), "/")
	if endpoint == "" {
		endpoint = "https://kinesisanalytics." + o.Region + ".amazonaws.com"
	}
	return &analyticsAPI{kinesis: kc, endpoint: endpoint, region: o.Region, creds: o.Credentials, http: o.HTTPClient, signer: v4.NewSigner()}, nil
}

// call sends operation with body (a value encoded as JSON) and decodes the
// answer into out, unless out is nil. Error answers are *firehoseError
// values (the same AWS JSON error shape), which apiError formats.
func (a *analyticsAPI) call(ctx context.Context, operation string, body, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode %s request: %w", operation, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.endpoint+"/", bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", analyticsTarget+operation)
	creds, err := a.creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("retrieve credentials: %w", err)
	}
	sum := sha256.Sum256(raw)
	if err := a.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "kinesisanalytics", a.region, time.Now()); err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("read %s response: %w", operation, err)
	}
	if resp.StatusCode != http.StatusOK {
		return decodeFirehoseError(resp, answer)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return fmt.Errorf("decode %s response: %w", operation, err)
	}
	return nil
}

// streamARN resolves a stream name (or an ARN, returned as is) to its ARN.
func (a *analyticsAPI) streamARN(ctx context.Context, stream string) (string, error) {
	if strings.HasPrefix(stream, "arn:") {
		return stream, nil
	}
	out, err := a.kinesis.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(stream)})
	if err != nil {
		return "", apiError("look up stream "+stream, err)
	}
	return aws.ToString(out.StreamDescriptionSummary.StreamARN), nil
}

// defaultRole is the role ARN the commands send where the API requires
// one (Eddy ignores roles), in the account of a stream ARN.
func defaultRole(streamARN string) string {
	account := "000000000000"
	if parts := strings.Split(streamARN, ":"); len(parts) > 4 && parts[4] != "" {
		account = parts[4]
	}
	return "arn:aws:iam::" + account + ":role/eddy-sql"
}

// applicationDetail is the part of DescribeApplication's answer the
// commands read.
type applicationDetail struct {
	ApplicationName      string
	ApplicationARN       string
	ApplicationStatus    string
	ApplicationVersionId int64
	ApplicationCode      string
	CreateTimestamp      float64
	InputDescriptions    []struct {
		InputId                            string
		NamePrefix                         string
		InAppStreamNames                   []string
		KinesisStreamsInputDescription     *struct{ ResourceARN string }
		KinesisFirehoseInputDescription    *struct{ ResourceARN string }
		InputStartingPositionConfiguration *struct{ InputStartingPosition string }
		InputSchema                        struct {
			RecordFormat  struct{ RecordFormatType string }
			RecordColumns []struct{ Name, SqlType, Mapping string }
		}
	}
	OutputDescriptions []struct {
		OutputId                         string
		Name                             string
		KinesisStreamsOutputDescription  *struct{ ResourceARN string }
		KinesisFirehoseOutputDescription *struct{ ResourceARN string }
		DestinationSchema                struct{ RecordFormatType string }
	}
	ReferenceDataSourceDescriptions []struct {
		ReferenceId                      string
		TableName                        string
		S3ReferenceDataSourceDescription struct{ BucketARN, FileKey string }
	}
	EddyRuntime *struct {
		RecordsIn, RecordsOut, Checkpoints, LagMillis int64
		Pumps                                         []struct {
			Name                    string
			RowsIn, RowsOut, Errors int64
		}
		LastError string
	}
}

func (a *analyticsAPI) describe(ctx context.Context, name string) (*applicationDetail, json.RawMessage, error) {
	var out struct{ ApplicationDetail json.RawMessage }
	if err := a.call(ctx, "DescribeApplication", map[string]any{"ApplicationName": name}, &out); err != nil {
		return nil, nil, apiError("describe application "+name, err)
	}
	d := &applicationDetail{}
	if err := json.Unmarshal(out.ApplicationDetail, d); err != nil {
		return nil, nil, fmt.Errorf("describe application %s: %w", name, err)
	}
	return d, out.ApplicationDetail, nil
}
