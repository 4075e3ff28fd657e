package exec

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/eddy-streaming/eddy/internal/sql/functions"
	"github.com/eddy-streaming/eddy/internal/sql/parser"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// Column is a named, typed column of a stream or table.
type Column struct {
	Name string
	Type value.Type
}

// PlanError is an error in the program: an unknown name or an unsupported
// feature. Pos is where it was found (zero when not known).
type PlanError struct {
	Pos parser.Pos
	Msg string
}

func (e *PlanError) Error() string {
	if e.Pos.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("line %d, column %d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
}

func planErrorf(pos parser.Pos, format string, args ...any) error {
	return &PlanError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// node receives rows and time from upstream.
type node interface {
	push(rt int64, row []value.Value)
	advance(t int64)
}

// stateful operators take part in checkpoints.
type stateful interface {
	save(e *value.Encoder)
	load(d *value.Decoder)
}

// ErrorStreamName is the name of the system error stream.
const ErrorStreamName = "error_stream"

// ErrorColumns are error_stream's columns, as in KDA.
var ErrorColumns = []Column{
	{Name: "ERROR_TIME", Type: value.Type{Name: "TIMESTAMP", Kind: value.Timestamp}},
	{Name: "ERROR_LEVEL", Type: value.Type{Name: "VARCHAR", Kind: value.String, Length: 10}},
	{Name: "ERROR_NAME", Type: value.Type{Name: "VARCHAR", Kind: value.String, Length: 32}},
	{Name: "MESSAGE", Type: value.Type{Name: "VARCHAR", Kind: value.String, Length: 4096}},
	{Name: "DATA_ROWTIME", Type: value.Type{Name: "TIMESTAMP", Kind: value.Timestamp}},
	{Name: "DATA_ROW", Type: value.Type{Name: "VARCHAR", Kind: value.String, Length: 49152}},
	{Name: "PUMP_NAME", Type: value.Type{Name: "VARCHAR", Kind: value.String, Length: 128}},
}

// Error names written to error_stream.
const (
	ErrorNameParse      = "PARSE_ERROR"
	ErrorNameCoercion   = "COERCION_ERROR"
	ErrorNameEvaluation = "EVALUATION_ERROR"
	ErrorNameOutOfOrder = "ROWTIME_OUT_OF_ORDER"
)

// Stream is an in-application stream.
type Stream struct {
	Name    string
	Columns []Column
	// Rowtime is the ROWTIME of the last row inserted.
	Rowtime int64
	// Watermark is the time the stream has advanced to.
	Watermark int64
	// OnRow, when set, sees every row inserted (the application's output
	// hook). The row is only valid during the call.
	OnRow func(row []value.Value)

	graph       *Graph
	subscribers []node
	writerMarks []int64 // per writer (input source or pump): time advanced to
	input       bool
}

// addWriter registers a writer and returns its index.
func (s *Stream) addWriter() int {
	s.writerMarks = append(s.writerMarks, minTime)
	return len(s.writerMarks) - 1
}

const minTime = -1 << 63

// insert appends a row (element 0 is ROWTIME) and pushes it downstream.
func (s *Stream) insert(row []value.Value, pump string) {
	rt := row[0].I
	if rt < s.Rowtime {
		s.graph.reportError(ErrorNameOutOfOrder, fmt.Sprintf("ROWTIME %s is before %s's current ROWTIME %s",
			value.FormatTimestamp(rt), s.Name, value.FormatTimestamp(s.Rowtime)), rt, rowText(row), pump)
		return
	}
	s.Rowtime = rt
	if s.OnRow != nil {
		s.OnRow(row)
	}
	for _, sub := range s.subscribers {
		sub.push(rt, row)
	}
}

// advanceFrom records that writer w has reached time t, and advances the
// stream's subscribers to the minimum over all writers.
func (s *Stream) advanceFrom(w int, t int64) {
	if t <= s.writerMarks[w] {
		return
	}
	s.writerMarks[w] = t
	low := t
	for _, m := range s.writerMarks {
		low = min(low, m)
	}
	if low <= s.Watermark {
		return
	}
	s.Watermark = low
	for _, sub := range s.subscribers {
		sub.advance(low)
	}
}

func rowText(row []value.Value) string {
	var b strings.Builder
	for i, v := range row {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(v.String())
	}
	return b.String()
}

// Table is an in-application reference table.
type Table struct {
	Name    string
	Columns []Column
	Rows    [][]value.Value // element 0 is a NULL ROWTIME slot
}

// Graph is a planned program.
type Graph struct {
	streams  map[string]*Stream
	order    []*Stream // creation order
	tables   map[string]*Table
	inputs   map[string]int // input stream name → its writer index
	stateful []stateful
	pumps    []string
	errors   *Stream
	inserts  []*insertOp
	labels   map[node]string // operator descriptions for Explain
	errCount map[string]int64
	inCount  map[string]*int64
	now      int64
	fctx     functions.Context
}

// Stream returns an in-application stream by exact name.
func (g *Graph) Stream(name string) (*Stream, bool) {
	s, ok := g.streams[name]
	return s, ok
}

// Streams lists the in-application streams in creation order (inputs
// first, then error_stream, then the program's streams).
func (g *Graph) Streams() []*Stream { return g.order }

// Pumps lists the pump names in program order.
func (g *Graph) Pumps() []string { return g.pumps }

// Now returns the graph's current time: the highest time advanced to.
func (g *Graph) Now() int64 { return g.now }

// Insert inserts one row into an input stream. vals are the input
// columns (without ROWTIME); they are copied. The row's ROWTIME is rt,
// raised to the stream's current ROWTIME if it is earlier. The input is
// first advanced to rt, so every window ending at or before rt closes
// before the row is processed.
func (g *Graph) Insert(input string, rt int64, vals []value.Value) error {
	s, ok := g.streams[input]
	if !ok || !s.input {
		return fmt.Errorf("no input stream %q", input)
	}
	if rt < s.Rowtime {
		rt = s.Rowtime
	}
	g.Advance(input, rt)
	row := make([]value.Value, len(vals)+1)
	row[0] = value.TimestampValue(rt)
	copy(row[1:], vals)
	s.insert(row, "")
	return nil
}

// Advance moves an input stream's time to t (a source watermark).
func (g *Graph) Advance(input string, t int64) {
	s, ok := g.streams[input]
	if !ok || !s.input {
		return
	}
	if t > g.now {
		g.now = t
		g.fctx.Now = t
	}
	s.advanceFrom(0, t)
}

// ReportInputError writes an error_stream row for a source record that
// did not map to rows.
func (g *Graph) ReportInputError(name string, msg string, rt int64, data []byte) {
	g.reportError(name, msg, rt, strings.ToUpper(hex.EncodeToString(data)), "")
}

func (g *Graph) reportError(name, msg string, rt int64, data string, pump string) {
	if g.errors == nil {
		return
	}
	if len(msg) > 4096 {
		msg = msg[:4096]
	}
	if len(data) > 49152 {
		data = data[:49152]
	}
	if g.errCount == nil {
		g.errCount = map[string]int64{}
	}
	g.errCount[pump]++
	et := max(g.now, g.errors.Rowtime)
	row := []value.Value{
		value.TimestampValue(et),
		value.TimestampValue(et),
		value.StringValue("ERROR"),
		value.StringValue(name),
		value.StringValue(msg),
		value.TimestampValue(rt),
		value.StringValue(data),
		value.StringValue(pump),
	}
	g.errors.insert(row, "")
}

func (g *Graph) evalError(pump string, err error, rt int64, row []value.Value) {
	g.reportError(ErrorNameEvaluation, err.Error(), rt, rowText(row), pump)
}

// PumpStats are a pump's counters since the graph was planned (they are
// not part of checkpoints).
type PumpStats struct {
	Name    string
	RowsIn  int64 // rows read from the streams in its FROM clause
	RowsOut int64 // rows inserted into the target stream
	Errors  int64 // rows sent to error_stream by this pump
}

func (g *Graph) rowsIn(pump string) *int64 {
	if g.inCount == nil {
		g.inCount = map[string]*int64{}
	}
	if g.inCount[pump] == nil {
		g.inCount[pump] = new(int64)
	}
	return g.inCount[pump]
}

// Stats returns the pumps' counters in program order, then the input
// errors under the name "".
func (g *Graph) Stats() []PumpStats {
	out := make([]PumpStats, 0, len(g.inserts)+1)
	for _, o := range g.inserts {
		if o.pump == "" {
			continue
		}
		in := int64(0)
		if c := g.inCount[o.pump]; c != nil {
			in = *c
		}
		out = append(out, PumpStats{Name: o.pump, RowsIn: in, RowsOut: o.rows, Errors: g.errCount[o.pump]})
	}
	return append(out, PumpStats{Errors: g.errCount[""]})
}
