package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// analyticsTarget prefixes the X-Amz-Target of Kinesis Analytics calls.
const analyticsTarget = "KinesisAnalytics_20150814."

// analyticsAPI calls the Kinesis Analytics (SQL) API with raw JSON bodies
// (see jsonAPI), so that Eddy's extensions of the answers
// (DescribeApplication's EddyRuntime) come through. Its Kinesis client
// resolves stream names to ARNs.
type analyticsAPI struct{ *jsonAPI }

func (f *clientFlags) newAnalyticsAPI(ctx context.Context) (*analyticsAPI, error) {
	a, err := f.newJSONAPI(ctx, "kinesisanalytics", analyticsTarget)
	if err != nil {
		return nil, err
	}
	return &analyticsAPI{a}, nil
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
