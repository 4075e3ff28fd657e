package kinesisanalytics

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/eddy-streaming/eddy/internal/sql"
	"github.com/eddy-streaming/eddy/internal/sql/input"
	"github.com/eddy-streaming/eddy/internal/sql/parser"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// Application statuses, as KDA names them. READY and RUNNING are stored;
// the others are transitions that only exist in memory.
const (
	statusReady    = "READY"
	statusStarting = "STARTING"
	statusRunning  = "RUNNING"
	statusStopping = "STOPPING"
	statusUpdating = "UPDATING"
	statusDeleting = "DELETING"
)

// Starting positions.
const (
	positionNow         = "NOW"
	positionTrimHorizon = "TRIM_HORIZON"
	positionLastStopped = "LAST_STOPPED_POINT"
)

// application is the stored definition of an application: what the
// catalog keeps, as JSON, under the application's name.
type application struct {
	Name        string    `json:"name"`
	Description *string   `json:"description,omitempty"`
	Code        string    `json:"code"`
	Version     int64     `json:"version"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	// Running is the desired state: a running application is started
	// again when the server starts.
	Running    bool              `json:"running"`
	Inputs     []inputDef        `json:"inputs,omitempty"`
	Outputs    []outputDef       `json:"outputs,omitempty"`
	References []referenceDef    `json:"references,omitempty"`
	Logging    []loggingDef      `json:"logging,omitempty"`
	Tags       map[string]string `json:"tags,omitempty"`
	NextID     int               `json:"next_id"`
}

// inputDef is a streaming input.
type inputDef struct {
	ID          string        `json:"id"`
	NamePrefix  string        `json:"name_prefix"`
	Parallelism int           `json:"parallelism"`
	Schema      SourceSchema  `json:"schema"`
	Stream      *ResourceRole `json:"stream,omitempty"`
	Firehose    *ResourceRole `json:"firehose,omitempty"`
	// Position is the starting position given at the last start. Origin
	// (NOW or TRIM_HORIZON) and Started (the time of a start with NOW)
	// say where the shards without a checkpointed position are read from,
	// including after LAST_STOPPED_POINT and server restarts.
	Position string    `json:"position,omitempty"`
	Origin   string    `json:"origin,omitempty"`
	Started  time.Time `json:"started,omitzero"`
}

// outputDef is a destination.
type outputDef struct {
	ID       string        `json:"id"`
	Name     string        `json:"name"`
	Format   string        `json:"format"`
	Stream   *ResourceRole `json:"stream,omitempty"`
	Firehose *ResourceRole `json:"firehose,omitempty"`
	Lambda   *ResourceRole `json:"lambda,omitempty"`
}

// referenceDef is a reference table.
type referenceDef struct {
	ID     string                `json:"id"`
	Table  string                `json:"table"`
	Source S3ReferenceDataSource `json:"source"`
	Schema SourceSchema          `json:"schema"`
}

type loggingDef struct {
	ID        string `json:"id"`
	LogStream string `json:"log_stream"`
	Role      string `json:"role"`
}

func (a *application) clone() *application {
	b, _ := json.Marshal(a)
	c := &application{}
	_ = json.Unmarshal(b, c)
	return c
}

// newID returns the next id of an input, output, reference or logging
// option ("1.1", "1.2", ...), never reused within the application.
func (a *application) newID() string {
	a.NextID++
	return fmt.Sprintf("1.%d", a.NextID)
}

// inAppStreams returns the in-application stream names of an input.
func (in *inputDef) inAppStreams() []string {
	return sql.InputNames(in.NamePrefix, in.Parallelism)
}

// toSchema converts a wire schema to the engine's.
func toSchema(s *SourceSchema) (input.Schema, error) {
	var out input.Schema
	if s == nil || s.RecordFormat == nil || s.RecordFormat.RecordFormatType == nil {
		return out, errors.New("the schema has no record format")
	}
	f, err := input.ParseFormat(*s.RecordFormat.RecordFormatType)
	if err != nil {
		return out, err
	}
	out.Format = f
	if mp := s.RecordFormat.MappingParameters; mp != nil {
		if j := mp.JSONMappingParameters; j != nil && j.RecordRowPath != nil {
			out.RecordRowPath = *j.RecordRowPath
		}
		if c := mp.CSVMappingParameters; c != nil {
			if c.RecordRowDelimiter != nil {
				out.RowDelimiter = *c.RecordRowDelimiter
			}
			if c.RecordColumnDelimiter != nil {
				out.ColumnDelimiter = *c.RecordColumnDelimiter
			}
		}
	}
	var errs []error
	for _, c := range s.RecordColumns {
		name, sqlType, mapping := deref(c.Name), deref(c.SqlType), deref(c.Mapping)
		t, err := value.ParseType(sqlType)
		if err != nil {
			errs = append(errs, fmt.Errorf("column %s: %w", name, err))
			continue
		}
		if f == input.JSON && mapping == "" {
			// KDA maps a JSON column without a mapping to $.name.
			mapping = "$." + name
		}
		out.Columns = append(out.Columns, input.Column{Name: name, Type: t, Mapping: mapping})
	}
	if len(errs) > 0 {
		return out, errors.Join(errs...)
	}
	if err := out.Validate(); err != nil {
		return out, err
	}
	return out, nil
}

// fromSchema converts an engine schema (from discovery) to the wire form.
func fromSchema(s input.Schema) *SourceSchema {
	typ := s.Format.String()
	out := &SourceSchema{RecordFormat: &RecordFormat{RecordFormatType: &typ}, RecordEncoding: ptr("UTF-8"), RecordColumns: []RecordColumn{}}
	if s.Format == input.CSV {
		out.RecordFormat.MappingParameters = &MappingParameters{CSVMappingParameters: &CSVMappingParameters{
			RecordRowDelimiter: ptr(orDefault(s.RowDelimiter, "\n")), RecordColumnDelimiter: ptr(orDefault(s.ColumnDelimiter, ","))}}
	} else {
		out.RecordFormat.MappingParameters = &MappingParameters{JSONMappingParameters: &JSONMappingParameters{RecordRowPath: ptr(orDefault(s.RecordRowPath, "$"))}}
	}
	for _, c := range s.Columns {
		col := RecordColumn{Name: ptr(c.Name), SqlType: ptr(c.Type.String())}
		if s.Format == input.JSON {
			col.Mapping = ptr(c.Mapping)
		}
		out.RecordColumns = append(out.RecordColumns, col)
	}
	return out
}

// sqlConfig builds the engine configuration of the application. data
// holds the reference tables' contents by table name (nil: empty tables,
// enough to validate).
func (a *application) sqlConfig(data map[string][]byte) (sql.Config, error) {
	cfg := sql.Config{Code: a.Code}
	for _, in := range a.Inputs {
		schema, err := toSchema(&in.Schema)
		if err != nil {
			return cfg, fmt.Errorf("input %s: %w", in.ID, err)
		}
		for _, name := range in.inAppStreams() {
			cfg.Inputs = append(cfg.Inputs, sql.InputConfig{Name: name, Schema: schema})
		}
	}
	for _, ref := range a.References {
		schema, err := toSchema(&ref.Schema)
		if err != nil {
			return cfg, fmt.Errorf("reference data source %s: %w", ref.ID, err)
		}
		cfg.References = append(cfg.References, sql.ReferenceConfig{Name: ref.Table, Schema: schema, Data: data[ref.Table]})
	}
	for _, o := range a.Outputs {
		f, err := input.ParseFormat(o.Format)
		if err != nil {
			return cfg, fmt.Errorf("output %s: %w", o.ID, err)
		}
		cfg.Outputs = append(cfg.Outputs, sql.OutputConfig{Name: o.Name, Format: f})
	}
	return cfg, nil
}

// validate checks the application the way KDA does when it is created or
// changed: schemas always; the code once there is some, planned against
// the inputs and reference tables once there is an input.
func (a *application) validate() error {
	cfg, err := a.sqlConfig(nil)
	if err != nil {
		return invalidArgument("%v", err)
	}
	if strings.TrimSpace(a.Code) == "" || len(a.Inputs) == 0 {
		if strings.TrimSpace(a.Code) != "" {
			cfg.Outputs = nil
			cfg.Inputs = nil
			if _, err := sql.NewEngine(cfg); err != nil && isSyntaxError(err) {
				return apiError(typeCodeValidation, "%v", err)
			}
		}
		return nil
	}
	if _, err := sql.NewEngine(cfg); err != nil {
		return apiError(typeCodeValidation, "%v", err)
	}
	return nil
}

// isSyntaxError reports whether err is the parser's (not the planner's).
func isSyntaxError(err error) bool {
	var pe *parser.Error
	return errors.As(err, &pe)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ptr[T any](v T) *T { return &v }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
