package kinesisanalytics

import (
	"bytes"
	"context"
	"time"

	"github.com/eddy-streaming/eddy/internal/sql/input"
	"github.com/eddy-streaming/eddy/internal/sql/value"
	"github.com/eddy-streaming/eddy/internal/storage"
)

// DiscoverInputSchemaInput is the request of DiscoverInputSchema.
type DiscoverInputSchemaInput struct {
	ResourceARN                        *string                             `json:"ResourceARN"`
	RoleARN                            *string                             `json:"RoleARN"`
	InputStartingPositionConfiguration *InputStartingPositionConfiguration `json:"InputStartingPositionConfiguration"`
	S3Configuration                    *struct {
		RoleARN   *string `json:"RoleARN"`
		BucketARN *string `json:"BucketARN"`
		FileKey   *string `json:"FileKey"`
	} `json:"S3Configuration"`
	InputProcessingConfiguration *InputProcessingConfiguration `json:"InputProcessingConfiguration"`
}

// DiscoverInputSchemaOutput is its response.
type DiscoverInputSchemaOutput struct {
	InputSchema           *SourceSchema `json:"InputSchema"`
	ParsedInputRecords    [][]string    `json:"ParsedInputRecords"`
	ProcessedInputRecords []string      `json:"ProcessedInputRecords"`
	RawInputRecords       []string      `json:"RawInputRecords"`
}

// discoverSamples is how many records DiscoverInputSchema looks at.
const discoverSamples = 100

func (s *Service) discoverInputSchema(ctx context.Context, in *DiscoverInputSchemaInput) (any, error) {
	var v validator
	v.str("resourceARN", in.ResourceARN, 1, 2048, patternARN)
	v.str("roleARN", in.RoleARN, 1, 2048, patternARN)
	if p := in.InputStartingPositionConfiguration; p != nil {
		v.enum("inputStartingPositionConfiguration.inputStartingPosition", p.InputStartingPosition,
			positionNow, positionTrimHorizon, positionLastStopped)
	}
	if c := in.S3Configuration; c != nil {
		v.reqStr("s3Configuration.roleARN", c.RoleARN, 1, 2048, patternARN)
		v.reqStr("s3Configuration.bucketARN", c.BucketARN, 1, 2048, patternBucketOrDir)
		v.reqStr("s3Configuration.fileKey", c.FileKey, 1, 1024, nil)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if in.InputProcessingConfiguration != nil {
		return nil, invalidArgument("Input preprocessing with AWS Lambda is not supported by Eddy.")
	}
	var samples [][]byte
	switch {
	case in.S3Configuration != nil:
		b, err := s.readReference(ctx, S3ReferenceDataSource{BucketARN: in.S3Configuration.BucketARN, FileKey: in.S3Configuration.FileKey})
		if err != nil {
			return nil, err
		}
		for _, line := range bytes.Split(b, []byte("\n")) {
			if len(bytes.TrimSpace(line)) > 0 && len(samples) < discoverSamples {
				samples = append(samples, line)
			}
		}
	case in.ResourceARN != nil:
		if in.RoleARN == nil {
			return nil, invalidArgument("RoleARN is required with ResourceARN.")
		}
		stream, err := s.firehoseOf(*in.ResourceARN)
		if err != nil {
			if stream, err = s.streamOf(*in.ResourceARN); err != nil {
				return nil, err
			}
		}
		pos := storage.Position{Type: storage.Latest}
		if p := in.InputStartingPositionConfiguration; p != nil && deref(p.InputStartingPosition) == positionTrimHorizon {
			pos = storage.Position{Type: storage.TrimHorizon}
		}
		samples, err = s.sample(ctx, stream, pos)
		if err != nil {
			return nil, err
		}
	default:
		return nil, invalidArgument("Either ResourceARN or S3Configuration must be given.")
	}
	raw := make([]string, len(samples))
	for i, b := range samples {
		raw[i] = string(b)
	}
	if len(samples) == 0 {
		return nil, &unableToDetectSchema{Type: typeUnableToDetectSchema, Message: "No data found in the source to discover a schema from.",
			RawInputRecords: raw, ProcessedInputRecords: raw}
	}
	schema, err := input.Discover(samples)
	if err != nil {
		return nil, &unableToDetectSchema{Type: typeUnableToDetectSchema, Message: "Unable to detect a schema: " + err.Error(),
			RawInputRecords: raw, ProcessedInputRecords: raw}
	}
	out := &DiscoverInputSchemaOutput{InputSchema: fromSchema(schema), RawInputRecords: raw, ProcessedInputRecords: raw, ParsedInputRecords: [][]string{}}
	m, err := input.NewMapper(schema)
	if err != nil {
		return nil, err
	}
	for _, b := range samples {
		m.Map(b, func(row []value.Value) {
			cells := make([]string, len(row))
			for i, v := range row {
				if !v.IsNull() {
					cells[i] = v.String()
				}
			}
			out.ParsedInputRecords = append(out.ParsedInputRecords, cells)
		}, func(error, []byte) {})
	}
	return out, nil
}

// sample reads up to discoverSamples records of a stream from pos, waiting
// up to DiscoverWait for them at the tip.
func (s *Service) sample(ctx context.Context, stream string, pos storage.Position) ([][]byte, error) {
	st, err := s.store.Stream(stream)
	if err != nil {
		return nil, invalidArgument("Stream %s is not found.", stream)
	}
	next := map[uint32]uint64{}
	for _, sh := range st.Shards {
		off, err := s.store.Seek(stream, sh.Index, pos)
		if err != nil {
			return nil, err
		}
		next[sh.Index] = off
	}
	deadline := time.Now().Add(s.opts.DiscoverWait)
	var samples [][]byte
	for {
		for _, sh := range st.Shards {
			if len(samples) >= discoverSamples {
				break
			}
			res, err := s.store.Read(stream, sh.Index, next[sh.Index], discoverSamples-len(samples), 4<<20)
			if err != nil {
				continue
			}
			next[sh.Index] = res.Next
			for _, r := range res.Records {
				samples = append(samples, append([]byte(nil), r.Data...))
			}
		}
		if len(samples) > 0 || !time.Now().Before(deadline) || pos.Type == storage.TrimHorizon {
			return samples, nil
		}
		select {
		case <-ctx.Done():
			return samples, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
