package sql

import (
	"fmt"

	"github.com/eddy-streaming/eddy/internal/sql/exec"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// runningCount is a table function used by the scripts to exercise the
// TABLE(F(CURSOR(...), args)) mechanism: it passes its input through,
// appending a running count, and emits a summary row every `every` rows.
type runningCount struct {
	input []exec.Column
	every int64
	n     int64
}

func init() {
	exec.RegisterTableFunction("TEST_RUNNING_COUNT", func(input []exec.Column, args []value.Value) (exec.TableFunction, error) {
		if len(args) != 1 || args[0].K != value.Int || args[0].I <= 0 {
			return nil, fmt.Errorf("needs one positive integer argument")
		}
		return &runningCount{input: input, every: args[0].I}, nil
	})
}

func (f *runningCount) Columns() []exec.Column {
	return append(append([]exec.Column(nil), f.input...), exec.Column{Name: "RUNNING_COUNT", Type: value.Type{Name: "BIGINT", Kind: value.Int}})
}

func (f *runningCount) Push(rt int64, row []value.Value, emit func(int64, []value.Value)) error {
	f.n++
	out := append(append([]value.Value(nil), row[1:]...), value.IntValue(f.n))
	emit(rt, out)
	return nil
}

func (f *runningCount) Advance(int64, func(int64, []value.Value)) {}
func (f *runningCount) Save(e *value.Encoder)                     { e.Varint(f.n) }
func (f *runningCount) Load(d *value.Decoder) error {
	f.n = d.Varint()
	return d.Err()
}
