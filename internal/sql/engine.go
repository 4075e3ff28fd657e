package sql

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/eddy-streaming/eddy/internal/sql/exec"
	"github.com/eddy-streaming/eddy/internal/sql/input"
	"github.com/eddy-streaming/eddy/internal/sql/parser"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// InputConfig is one in-application input stream (KDA names them
// SOURCE_SQL_STREAM_001 ... from the input's name prefix and parallelism).
type InputConfig struct {
	Name   string
	Schema input.Schema
}

// ReferenceConfig is an in-application reference table and its data
// (the contents of the reference file or object).
type ReferenceConfig struct {
	Name   string
	Schema input.Schema
	Data   []byte
}

// OutputConfig routes an in-application stream (or error_stream) to the
// application output with the same index in the Runner's sinks.
type OutputConfig struct {
	Name   string // in-application stream name, exactly as created
	Format input.Format
}

// Config defines an application.
type Config struct {
	// Code is the application code (KDA's ApplicationCode).
	Code       string
	Inputs     []InputConfig
	References []ReferenceConfig
	Outputs    []OutputConfig
}

// InputNames returns the in-application stream names KDA gives an input
// with a name prefix and an InputParallelism count: PREFIX_001, PREFIX_002...
func InputNames(prefix string, parallelism int) []string {
	names := make([]string, max(parallelism, 1))
	for i := range names {
		names[i] = fmt.Sprintf("%s_%03d", prefix, i+1)
	}
	return names
}

// Record is a record from a source.
type Record struct {
	// Shard scopes Position: a checkpoint keeps the last position per shard.
	Shard        string
	PartitionKey string
	Data         []byte
	// ArrivalTime is the stream's approximate arrival timestamp; it becomes
	// the row's ROWTIME.
	ArrivalTime time.Time
	// Position is opaque to the engine (a sequence number); reading resumes
	// after it.
	Position string
}

// OutputRecord is an encoded row for an application output.
type OutputRecord struct {
	Output       int // index into Config.Outputs
	PartitionKey string
	Data         []byte
	Rowtime      time.Time
}

// Engine is a running application's state machine. It is not safe for
// concurrent use.
type Engine struct {
	cfg         Config
	graph       *exec.Graph
	mappers     []*input.Mapper
	positions   []map[string]string
	out         []OutputRecord
	fingerprint uint64
	encoders    []*encoder
}

// ErrCheckpointMismatch is returned by Restore for a snapshot of another
// program or input configuration.
var ErrCheckpointMismatch = errors.New("checkpoint was made by a different application version")

// NewEngine parses, validates and plans an application. Syntax errors are
// *parser.Error, program errors *exec.PlanError; both carry the position.
func NewEngine(cfg Config) (*Engine, error) {
	prog, err := parser.Parse(cfg.Code)
	if err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg}
	var plan exec.PlanConfig
	for _, in := range cfg.Inputs {
		m, err := input.NewMapper(in.Schema)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", in.Name, err)
		}
		e.mappers = append(e.mappers, m)
		e.positions = append(e.positions, map[string]string{})
		plan.Inputs = append(plan.Inputs, exec.StreamDef{Name: in.Name, Columns: columnsOf(in.Schema)})
	}
	for _, ref := range cfg.References {
		t, err := loadTable(ref)
		if err != nil {
			return nil, fmt.Errorf("reference table %s: %w", ref.Name, err)
		}
		plan.Tables = append(plan.Tables, t)
	}
	g, err := exec.Plan(prog, plan)
	if err != nil {
		return nil, err
	}
	e.graph = g
	for i, o := range cfg.Outputs {
		s, ok := g.Stream(o.Name)
		if !ok {
			return nil, fmt.Errorf("output %d: the application has no in-application stream %q", i, o.Name)
		}
		enc := &encoder{format: o.Format, columns: s.Columns}
		e.encoders = append(e.encoders, enc)
		idx := i
		prev := s.OnRow
		s.OnRow = func(row []value.Value) {
			if prev != nil {
				prev(row)
			}
			e.out = append(e.out, enc.encode(idx, row))
		}
	}
	e.fingerprint = fingerprint(prog, cfg)
	return e, nil
}

func columnsOf(s input.Schema) []exec.Column {
	cols := make([]exec.Column, len(s.Columns))
	for i, c := range s.Columns {
		cols[i] = exec.Column{Name: c.Name, Type: c.Type}
	}
	return cols
}

func loadTable(ref ReferenceConfig) (*exec.Table, error) {
	m, err := input.NewMapper(ref.Schema)
	if err != nil {
		return nil, err
	}
	t := &exec.Table{Name: ref.Name, Columns: columnsOf(ref.Schema)}
	var errs []error
	data := ref.Data
	if ref.Schema.Format == input.JSON {
		// A JSON reference file holds one object per line.
		for _, line := range strings.Split(string(data), "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			m.Map([]byte(line), func(row []value.Value) {
				t.Rows = append(t.Rows, append([]value.Value{{}}, row...))
			}, func(err error, _ []byte) { errs = append(errs, err) })
		}
	} else {
		m.Map(data, func(row []value.Value) {
			t.Rows = append(t.Rows, append([]value.Value{{}}, row...))
		}, func(err error, _ []byte) { errs = append(errs, err) })
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return t, nil
}

func fingerprint(prog *parser.Program, cfg Config) uint64 {
	h := fnv.New64a()
	h.Write([]byte(prog.String()))
	for _, in := range cfg.Inputs {
		fmt.Fprintf(h, "|in %s %s", in.Name, in.Schema.Format)
		for _, c := range in.Schema.Columns {
			fmt.Fprintf(h, ",%s %s %s", c.Name, c.Type, c.Mapping)
		}
	}
	for _, ref := range cfg.References {
		fmt.Fprintf(h, "|ref %s", ref.Name)
	}
	return h.Sum64()
}

// Graph exposes the planned program (streams, for tests and tools).
func (e *Engine) Graph() *exec.Graph { return e.graph }

// Config returns the application definition.
func (e *Engine) Config() Config { return e.cfg }

// Process maps one record of input i to rows and runs them through the
// program. It returns the output records produced (owned by the caller).
func (e *Engine) Process(i int, rec Record) []OutputRecord {
	name := e.cfg.Inputs[i].Name
	rt := rec.ArrivalTime.UnixMilli()
	if s, ok := e.graph.Stream(name); ok {
		// A record below the source's watermark (a broken promise) or the
		// stream's ROWTIME is stamped with the stream's current time.
		rt = max(rt, s.Rowtime, s.Watermark)
	}
	// Time reaches the record first: windows ending by then close, and an
	// error for the record is stamped with its time.
	e.graph.Advance(name, rt)
	e.mappers[i].Map(rec.Data, func(row []value.Value) {
		_ = e.graph.Insert(name, rt, row)
	}, func(err error, raw []byte) {
		kind := exec.ErrorNameCoercion
		var ce *input.CoercionError
		if !errors.As(err, &ce) {
			kind = exec.ErrorNameParse
		}
		e.graph.ReportInputError(kind, err.Error(), rt, raw)
	})
	if rec.Shard != "" || rec.Position != "" {
		e.positions[i][rec.Shard] = rec.Position
	}
	return e.take()
}

// Advance moves input i's time to t (its source's watermark), closing the
// windows that end by then.
func (e *Engine) Advance(i int, t time.Time) []OutputRecord {
	e.graph.Advance(e.cfg.Inputs[i].Name, t.UnixMilli())
	return e.take()
}

// Positions returns a copy of input i's last processed position per shard.
func (e *Engine) Positions(i int) map[string]string {
	out := make(map[string]string, len(e.positions[i]))
	for k, v := range e.positions[i] {
		out[k] = v
	}
	return out
}

func (e *Engine) take() []OutputRecord {
	if len(e.out) == 0 {
		return nil
	}
	out := e.out
	e.out = nil
	return out
}

// Stats returns the pumps' row and error counters in program order, then
// the input errors (under the name ""), for DescribeApplication and metrics.
func (e *Engine) Stats() []exec.PumpStats { return e.graph.Stats() }
