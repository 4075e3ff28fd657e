package exec

import (
	"fmt"
	"sync"

	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// TableFunction is a streaming table function used as
// TABLE(F(CURSOR(SELECT STREAM ...), args...)). It receives the cursor's
// rows (element 0 is ROWTIME) and emits rows of its own columns.
type TableFunction interface {
	// Columns are the output columns (without ROWTIME).
	Columns() []Column
	// Push processes one input row; emit sends an output row (values
	// without ROWTIME) at ROWTIME rt.
	Push(rt int64, row []value.Value, emit func(rt int64, vals []value.Value)) error
	// Advance tells the function that time has reached t.
	Advance(t int64, emit func(rt int64, vals []value.Value))
	// Save and Load checkpoint the function's state.
	Save(e *value.Encoder)
	Load(d *value.Decoder) error
}

// TableFunctionFactory makes a table function for an input (the cursor's
// columns, without ROWTIME) and its constant arguments.
type TableFunctionFactory func(input []Column, args []value.Value) (TableFunction, error)

var (
	tableFunctionsMu sync.RWMutex
	tableFunctions   = map[string]TableFunctionFactory{}
)

// RegisterTableFunction makes a table function available to programs under
// an upper-case name. It panics if the name is taken.
func RegisterTableFunction(name string, f TableFunctionFactory) {
	tableFunctionsMu.Lock()
	defer tableFunctionsMu.Unlock()
	if _, dup := tableFunctions[name]; dup {
		panic(fmt.Sprintf("exec: table function %s registered twice", name))
	}
	tableFunctions[name] = f
}

func lookupTableFunction(name string) (TableFunctionFactory, bool) {
	tableFunctionsMu.RLock()
	defer tableFunctionsMu.RUnlock()
	f, ok := tableFunctions[name]
	return f, ok
}

type tableFuncOp struct {
	g    *Graph
	pump string
	fn   TableFunction
	next node
	emit func(rt int64, vals []value.Value)
}

func newTableFuncOp(g *Graph, pump string, fn TableFunction) *tableFuncOp {
	o := &tableFuncOp{g: g, pump: pump, fn: fn}
	o.emit = func(rt int64, vals []value.Value) {
		row := make([]value.Value, len(vals)+1)
		row[0] = value.TimestampValue(rt)
		copy(row[1:], vals)
		o.next.push(rt, row)
	}
	return o
}

func (o *tableFuncOp) push(rt int64, row []value.Value) {
	if err := o.fn.Push(rt, row, o.emit); err != nil {
		o.g.evalError(o.pump, err, rt, row)
	}
}

func (o *tableFuncOp) advance(t int64) {
	o.fn.Advance(t, o.emit)
	o.next.advance(t)
}

func (o *tableFuncOp) save(e *value.Encoder) { o.fn.Save(e) }
func (o *tableFuncOp) load(d *value.Decoder) {
	if err := o.fn.Load(d); err != nil {
		d.Fail(err)
	}
}
