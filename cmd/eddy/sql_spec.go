package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"

	ka "github.com/eddy-streaming/eddy/internal/kinesisanalytics"
)

// sqlSpec is the YAML description of an application's input, outputs
// and reference tables (its code is a separate .sql file):
//
//	input:
//	  stream: ticks            # stream name or ARN
//	  format: json             # json (default) or csv
//	  parallelism: 1           # in-application input streams
//	  columns:                 # omitted: discovered from the stream
//	    - {name: TICKER, type: VARCHAR(8), mapping: $.ticker}
//	outputs:
//	  - {name: DESTINATION_SQL_STREAM, stream: alerts, format: json}
//	references:
//	  - {table: COMPANY, file: companies.csv, format: csv, columns: [...]}
type sqlSpec struct {
	Description string             `yaml:"description"`
	Role        string             `yaml:"role"`
	Input       *sqlInputSpec      `yaml:"input"`
	Outputs     []sqlOutputSpec    `yaml:"outputs"`
	References  []sqlReferenceSpec `yaml:"references"`
}

type SQLFormat struct {
	Format          string          `yaml:"format"`
	RowDelimiter    string          `yaml:"row_delimiter"`
	ColumnDelimiter string          `yaml:"column_delimiter"`
	RecordRowPath   string          `yaml:"record_row_path"`
	Columns         []sqlColumnSpec `yaml:"columns"`
}

type sqlInputSpec struct {
	Stream      string `yaml:"stream"`
	NamePrefix  string `yaml:"name_prefix"`
	Parallelism int64  `yaml:"parallelism"`
	// Discover picks where DiscoverInputSchema samples when columns are
	// omitted: trim-horizon (default) or now.
	Discover  string `yaml:"discover"`
	SQLFormat `yaml:",inline"`
}

type sqlColumnSpec struct {
	Name    string `yaml:"name"`
	Type    string `yaml:"type"`
	Mapping string `yaml:"mapping"`
}

type sqlOutputSpec struct {
	Name   string `yaml:"name"`
	Stream string `yaml:"stream"`
	Format string `yaml:"format"`
}

type sqlReferenceSpec struct {
	Table string `yaml:"table"`
	// File is a local file (relative to the spec); or Bucket and Key name
	// an object of the server's reference store.
	File      string `yaml:"file"`
	Bucket    string `yaml:"bucket"`
	Key       string `yaml:"key"`
	SQLFormat `yaml:",inline"`
}

// loadSQLSpec reads and checks a spec file; relative reference files are
// made absolute against the spec's directory.
func loadSQLSpec(path string) (*sqlSpec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	spec := &sqlSpec{}
	if err := yaml.UnmarshalWithOptions(b, spec, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	var errs []error
	if spec.Input == nil || spec.Input.Stream == "" {
		errs = append(errs, errors.New("input.stream is required"))
	}
	if len(spec.Outputs) == 0 {
		errs = append(errs, errors.New("outputs: at least one is required"))
	}
	for i, o := range spec.Outputs {
		if o.Name == "" || o.Stream == "" {
			errs = append(errs, fmt.Errorf("outputs[%d]: name and stream are required", i))
		}
	}
	for i := range spec.References {
		r := &spec.References[i]
		if r.Table == "" || len(r.Columns) == 0 {
			errs = append(errs, fmt.Errorf("references[%d]: table and columns are required", i))
		}
		switch {
		case r.File != "" && r.Bucket == "":
			if !filepath.IsAbs(r.File) {
				r.File = filepath.Join(filepath.Dir(path), r.File)
			}
			if abs, err := filepath.Abs(r.File); err == nil {
				r.File = abs
			}
		case r.File == "" && r.Bucket != "" && r.Key != "":
		default:
			errs = append(errs, fmt.Errorf("references[%d]: give file, or bucket and key", i))
		}
	}
	return spec, errors.Join(errs...)
}

func ptrTo[T any](v T) *T { return &v }

// sourceSchema converts a format and columns to the API's SourceSchema.
func (f *SQLFormat) sourceSchema() *ka.SourceSchema {
	format := strings.ToUpper(f.Format)
	if format == "" {
		format = "JSON"
	}
	s := &ka.SourceSchema{RecordFormat: &ka.RecordFormat{RecordFormatType: ptrTo(format)}, RecordEncoding: ptrTo("UTF-8")}
	if format == "CSV" {
		s.RecordFormat.MappingParameters = &ka.MappingParameters{CSVMappingParameters: &ka.CSVMappingParameters{
			RecordRowDelimiter: ptrTo(orString(f.RowDelimiter, "\n")), RecordColumnDelimiter: ptrTo(orString(f.ColumnDelimiter, ","))}}
	} else {
		s.RecordFormat.MappingParameters = &ka.MappingParameters{JSONMappingParameters: &ka.JSONMappingParameters{
			RecordRowPath: ptrTo(orString(f.RecordRowPath, "$"))}}
	}
	for _, c := range f.Columns {
		col := ka.RecordColumn{Name: ptrTo(c.Name), SqlType: ptrTo(c.Type)}
		if c.Mapping != "" {
			col.Mapping = ptrTo(c.Mapping)
		}
		s.RecordColumns = append(s.RecordColumns, col)
	}
	return s
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// createRequest builds CreateApplication's input from the spec, resolving
// stream names to ARNs and discovering the input schema when the spec
// gives no columns.
func (a *analyticsAPI) createRequest(ctx context.Context, name, code string, spec *sqlSpec) (*ka.CreateApplicationInput, error) {
	inARN, err := a.streamARN(ctx, spec.Input.Stream)
	if err != nil {
		return nil, err
	}
	role := orString(spec.Role, defaultRole(inARN))
	in := ka.Input{NamePrefix: ptrTo(orString(spec.Input.NamePrefix, "SOURCE_SQL_STREAM")),
		KinesisStreamsInput: &ka.ResourceRole{ResourceARN: ptrTo(inARN), RoleARN: ptrTo(role)}}
	if spec.Input.Parallelism > 0 {
		in.InputParallelism = &ka.InputParallelism{Count: ptrTo(spec.Input.Parallelism)}
	}
	if len(spec.Input.Columns) > 0 {
		in.InputSchema = spec.Input.sourceSchema()
	} else {
		position := "TRIM_HORIZON"
		if strings.EqualFold(spec.Input.Discover, "now") {
			position = "NOW"
		}
		var out struct{ InputSchema *ka.SourceSchema }
		err := a.call(ctx, "DiscoverInputSchema", ka.DiscoverInputSchemaInput{ResourceARN: ptrTo(inARN), RoleARN: ptrTo(role),
			InputStartingPositionConfiguration: &ka.InputStartingPositionConfiguration{InputStartingPosition: ptrTo(position)}}, &out)
		if err != nil {
			return nil, apiError("discover the schema of "+spec.Input.Stream+" (or give input.columns)", err)
		}
		in.InputSchema = out.InputSchema
	}
	req := &ka.CreateApplicationInput{ApplicationName: ptrTo(name), ApplicationCode: ptrTo(code), Inputs: []ka.Input{in}}
	if spec.Description != "" {
		req.ApplicationDescription = ptrTo(spec.Description)
	}
	for _, o := range spec.Outputs {
		arn, err := a.streamARN(ctx, o.Stream)
		if err != nil {
			return nil, err
		}
		req.Outputs = append(req.Outputs, ka.Output{Name: ptrTo(o.Name),
			KinesisStreamsOutput: &ka.ResourceRole{ResourceARN: ptrTo(arn), RoleARN: ptrTo(role)},
			DestinationSchema:    &ka.DestinationSchema{RecordFormatType: ptrTo(strings.ToUpper(orString(o.Format, "JSON")))}})
	}
	return req, nil
}

// referenceRequest is the ReferenceDataSource of a spec's reference.
func referenceRequest(r *sqlReferenceSpec, role string) *ka.ReferenceDataSource {
	src := &ka.S3ReferenceDataSource{ReferenceRoleARN: ptrTo(role)}
	if r.File != "" {
		src.BucketARN, src.FileKey = ptrTo("file://"+filepath.Dir(r.File)), ptrTo(filepath.Base(r.File))
	} else {
		src.BucketARN, src.FileKey = ptrTo("arn:aws:s3:::"+r.Bucket), ptrTo(r.Key)
	}
	return &ka.ReferenceDataSource{TableName: ptrTo(r.Table), S3ReferenceDataSource: src, ReferenceSchema: r.sourceSchema()}
}

// readCode reads a SQL file ("-" is standard input).
func readCode(path string, stdin io.Reader) (string, error) {
	var b []byte
	var err error
	if path == "-" {
		var buf bytes.Buffer
		_, err = buf.ReadFrom(stdin)
		b = buf.Bytes()
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return "", fmt.Errorf("read SQL: %w", err)
	}
	return string(b), nil
}
