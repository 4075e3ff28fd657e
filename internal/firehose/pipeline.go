package firehose

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/eddy-streaming/eddy/internal/firehose/convert"
	"github.com/eddy-streaming/eddy/internal/firehose/process"
	"github.com/eddy-streaming/eddy/internal/firehose/sink"
)

// destKind says where a pipeline delivers.
type destKind int

const (
	destS3 destKind = iota
	destHTTP
	destPostgreSQL
)

// output is where a buffer goes.
type output byte

const (
	outData   output = 'd'
	outError  output = 'e'
	outBackup output = 'b'
)

// pipeline is a compiled destination configuration.
type pipeline struct {
	version int64
	dest    destination
	kind    destKind

	sizeLimit int
	interval  time.Duration
	dynamic   bool

	prefix, errPrefix *process.Template
	extractor         *process.Extractor

	deagg        string // "", "JSON" or "DELIMITED"
	deaggDelim   []byte
	appendDelim  []byte
	transform    *process.Transformer
	lambdaARN    string
	transformTry int
	transformMax int // bytes per invocation

	converter   *convert.Converter
	compression string
	ext         string

	bucket, errBucket sink.Bucket

	backupAll    bool
	backupBucket sink.Bucket
	backupPrefix *process.Template
	backupComp   string

	http          *sink.HTTPEndpoint
	pg            *sink.PostgreSQL
	retryDuration time.Duration
}

func hints(h *BufferingHints, defSize, maxSize, defInterval int) (size, interval int, err error) {
	size, interval = defSize, defInterval
	if h != nil && h.SizeInMBs != nil {
		size = *h.SizeInMBs
	}
	if h != nil && h.IntervalInSeconds != nil {
		interval = *h.IntervalInSeconds
	}
	if size < 1 || size > maxSize {
		return 0, 0, validation(fmt.Sprintf("Value '%d' at 'bufferingHints.sizeInMBs' failed to satisfy constraint: Member must have value between 1 and %d", size, maxSize))
	}
	if interval < 0 || interval > 900 {
		return 0, 0, validation(fmt.Sprintf("Value '%d' at 'bufferingHints.intervalInSeconds' failed to satisfy constraint: Member must have value between 0 and 900", interval))
	}
	return size, interval, nil
}

func param(p Processor, name string) (string, bool) {
	for _, kv := range p.Parameters {
		if kv.ParameterName == name {
			return kv.ParameterValue, true
		}
	}
	return "", false
}

func isTrue(b *bool) bool { return b != nil && *b }

// compileProcessing reads a ProcessingConfiguration into p.
func (s *Service) compileProcessing(p *pipeline, pc *ProcessingConfiguration, streamARN string) error {
	if pc == nil || !isTrue(pc.Enabled) {
		return nil
	}
	for _, proc := range pc.Processors {
		switch proc.Type {
		case "RecordDeAggregation":
			t, _ := param(proc, "SubRecordType")
			switch t {
			case "JSON":
			case "DELIMITED":
				p.deaggDelim = []byte("\n")
				if d, ok := param(proc, "Delimiter"); ok {
					b, err := base64.StdEncoding.DecodeString(d)
					if err != nil || len(b) == 0 {
						return invalidArgument("RecordDeAggregation Delimiter must be base64-encoded and not empty")
					}
					p.deaggDelim = b
				}
			default:
				return invalidArgument("RecordDeAggregation SubRecordType must be JSON or DELIMITED")
			}
			p.deagg = t
		case "AppendDelimiterToRecord":
			p.appendDelim = []byte("\n")
			if d, ok := param(proc, "Delimiter"); ok {
				b, err := base64.StdEncoding.DecodeString(d)
				if err != nil {
					return invalidArgument("AppendDelimiterToRecord Delimiter must be base64-encoded")
				}
				p.appendDelim = b
			}
		case "MetadataExtraction":
			q, ok := param(proc, "MetadataExtractionQuery")
			if !ok || q == "" {
				return invalidArgument("MetadataExtraction requires the MetadataExtractionQuery parameter")
			}
			if eng, ok := param(proc, "JsonParsingEngine"); ok && eng != "JQ-1.6" {
				return invalidArgument("JsonParsingEngine must be JQ-1.6")
			}
			e, err := process.CompileQuery(q)
			if err != nil {
				return invalidArgument(err.Error())
			}
			p.extractor = e
		case "Lambda":
			arn, ok := param(proc, "LambdaArn")
			if !ok || arn == "" {
				return invalidArgument("Lambda processor requires the LambdaArn parameter")
			}
			url := arn
			if !strings.HasPrefix(arn, "http://") && !strings.HasPrefix(arn, "https://") {
				mapped, ok := s.opts.Transforms[arn]
				if !ok {
					return invalidArgument(fmt.Sprintf("LambdaArn %q is neither an http(s) URL nor a configured transform", arn))
				}
				url = mapped
			}
			p.lambdaARN = arn
			p.transform = &process.Transformer{URL: url, Client: s.opts.HTTPClient, DeliveryStreamARN: streamARN, Region: s.opts.Region}
			p.transformTry = 3
			if v, ok := param(proc, "NumberOfRetries"); ok {
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 || n > 5 {
					return invalidArgument("NumberOfRetries must be between 0 and 5")
				}
				p.transformTry = n
			}
			p.transformMax = 1 << 20
			if v, ok := param(proc, "BufferSizeInMBs"); ok {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil || f < 0.2 || f > 3 {
					return invalidArgument("BufferSizeInMBs must be between 0.2 and 3")
				}
				p.transformMax = int(f * (1 << 20))
			}
		case "Decompression", "CloudWatchLogProcessing":
			return invalidArgument(fmt.Sprintf("Processor type %s is not supported by Eddy", proc.Type))
		default:
			return invalidArgument(fmt.Sprintf("Unknown processor type %q", proc.Type))
		}
	}
	return nil
}
