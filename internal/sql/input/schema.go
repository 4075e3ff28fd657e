// Package input maps source records to the rows of an in-application input
// stream, following KDA's input schema: JSON records through a JSONPath
// subset (with `$.array[0:].field` exploding one record into one row per
// array element) or CSV records by column position, and KDA's rules for
// coercing JSON and text values to SQL types.
//
// A record that does not fit (malformed JSON, a value that cannot be
// coerced) is reported through the fail callback and produces no row; the
// engine turns it into an error_stream row. Nothing here stops the
// application.
package input

import (
	"errors"
	"fmt"
	"strings"

	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// Format is the record format of an input.
type Format int

// Record formats.
const (
	JSON Format = iota
	CSV
)

func (f Format) String() string {
	if f == CSV {
		return "CSV"
	}
	return "JSON"
}

// ParseFormat parses "JSON" or "CSV" (KDA's RecordFormatType).
func ParseFormat(s string) (Format, error) {
	switch strings.ToUpper(s) {
	case "JSON", "":
		return JSON, nil
	case "CSV":
		return CSV, nil
	}
	return 0, fmt.Errorf("unknown record format %q (want JSON or CSV)", s)
}

// Column is one column of an input schema (KDA's RecordColumn).
type Column struct {
	Name    string     // in-application column name (case kept)
	Type    value.Type // SqlType
	Mapping string     // JSONPath for JSON; unused for CSV
}

// Schema is an input schema (KDA's SourceSchema).
type Schema struct {
	Format  Format
	Columns []Column
	// RecordRowPath is the JSON path of the row; only "$" (the default) is
	// supported.
	RecordRowPath string
	// RowDelimiter and ColumnDelimiter split CSV records; defaults "\n" and ",".
	RowDelimiter    string
	ColumnDelimiter string
}

// Validate reports every problem of the schema at once.
func (s *Schema) Validate() error {
	var errs []error
	if len(s.Columns) == 0 {
		errs = append(errs, errors.New("input schema has no columns"))
	}
	seen := map[string]bool{}
	for _, c := range s.Columns {
		if c.Name == "" {
			errs = append(errs, errors.New("input column with an empty name"))
		}
		if seen[c.Name] {
			errs = append(errs, fmt.Errorf("duplicate input column %q", c.Name))
		}
		seen[c.Name] = true
		if s.Format == JSON && c.Mapping == "" {
			errs = append(errs, fmt.Errorf("JSON input column %q has no mapping", c.Name))
		}
	}
	if s.Format == JSON && s.RecordRowPath != "" && s.RecordRowPath != "$" {
		errs = append(errs, fmt.Errorf("RecordRowPath %q is not supported (only \"$\")", s.RecordRowPath))
	}
	return errors.Join(errs...)
}

// Mapper turns records into rows. It is not safe for concurrent use.
type Mapper struct {
	schema Schema
	json   *jsonPlan
	scan   *jsonScanner
	row    []value.Value
	rows   [][]value.Value
}

// NewMapper compiles a schema.
func NewMapper(s Schema) (*Mapper, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if s.RowDelimiter == "" {
		s.RowDelimiter = "\n"
	}
	if s.ColumnDelimiter == "" {
		s.ColumnDelimiter = ","
	}
	m := &Mapper{schema: s, row: make([]value.Value, len(s.Columns))}
	if s.Format == JSON {
		plan, err := compileJSON(s.Columns)
		if err != nil {
			return nil, err
		}
		m.json = plan
	}
	return m, nil
}

// Schema returns the mapper's schema.
func (m *Mapper) Schema() Schema { return m.schema }

// Map decodes one record. emit is called once per row with the row's
// values (valid only during the call); fail is called for each part of the
// record that does not fit, with the error and the offending bytes.
func (m *Mapper) Map(data []byte, emit func(row []value.Value), fail func(err error, raw []byte)) {
	if m.schema.Format == CSV {
		m.mapCSV(data, emit, fail)
		return
	}
	m.mapJSON(data, emit, fail)
}

// CoercionError is a value that does not fit its column.
type CoercionError struct {
	Column string
	Err    error
}

func (e *CoercionError) Error() string { return fmt.Sprintf("column %s: %v", e.Column, e.Err) }
func (e *CoercionError) Unwrap() error { return e.Err }

func (m *Mapper) mapCSV(data []byte, emit func([]value.Value), fail func(error, []byte)) {
	text := string(data)
	for _, line := range strings.Split(text, m.schema.RowDelimiter) {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		fields := strings.Split(line, m.schema.ColumnDelimiter)
		ok := true
		for i, c := range m.schema.Columns {
			if i >= len(fields) {
				m.row[i] = value.Value{}
				continue
			}
			v, err := coerceText(fields[i], c.Type, true)
			if err != nil {
				fail(&CoercionError{Column: c.Name, Err: err}, []byte(line))
				ok = false
				break
			}
			m.row[i] = v
		}
		if ok {
			emit(m.row)
		}
	}
}
