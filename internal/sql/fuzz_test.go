package sql

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddy-streaming/eddy/internal/sql/input"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// FuzzEngine plans arbitrary programs against a fixed input and runs a few
// records through the ones that plan: nothing may panic, and a snapshot
// must restore.
func FuzzEngine(f *testing.F) {
	for _, code := range checkpointPrograms {
		f.Add(code)
	}
	files, _ := filepath.Glob("testdata/scripts/*")
	for _, file := range files {
		b, _ := os.ReadFile(file)
		for _, part := range strings.Split(string(b), "\nsql\n")[1:] {
			f.Add(strings.Split(part, "\n----")[0])
		}
	}
	typ := func(s string) value.Type { t, _ := value.ParseType(s); return t }
	cols := []input.Column{
		{Name: "K", Type: typ("VARCHAR(4)"), Mapping: "$.k"},
		{Name: "V", Type: typ("DOUBLE"), Mapping: "$.v"},
		{Name: "T", Type: typ("TIMESTAMP"), Mapping: "$.t"},
	}
	f.Fuzz(func(t *testing.T, code string) {
		cfg := Config{Code: code, Inputs: []InputConfig{
			{Name: "IN", Schema: input.Schema{Format: input.JSON, Columns: cols}},
			{Name: "S", Schema: input.Schema{Format: input.JSON, Columns: cols}},
			{Name: "SOURCE_SQL_STREAM_001", Schema: input.Schema{Format: input.JSON, Columns: cols}},
		}}
		e, err := NewEngine(cfg)
		if err != nil {
			return
		}
		base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		for i, rec := range []string{`{"k":"a","v":1.5,"t":"2020-01-01 00:00:01"}`, `{"k":"b","v":0}`, `{"k":"a","v":-3}`, `{}`} {
			for in := range cfg.Inputs {
				e.Process(in, Record{Data: []byte(rec), ArrivalTime: base.Add(time.Duration(i) * 7 * time.Second)})
			}
		}
		snap := e.Snapshot()
		again, err := NewEngine(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := again.Restore(snap); err != nil {
			t.Fatalf("restore: %v", err)
		}
		for in := range cfg.Inputs {
			again.Advance(in, base.Add(time.Hour))
		}
	})
}
