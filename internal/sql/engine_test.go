package sql

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/sql/exec"
	"github.com/eddy-streaming/eddy/internal/sql/input"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// baseDate is the date of script times written as HH:MM:SS.
var baseDate = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func parseScriptTime(t *testing.T, s string) time.Time {
	for _, layout := range []string{"15:04:05.000", "15:04:05"} {
		if tm, err := time.Parse(layout, s); err == nil {
			return baseDate.Add(time.Duration(tm.Hour())*time.Hour + time.Duration(tm.Minute())*time.Minute +
				time.Duration(tm.Second())*time.Second + time.Duration(tm.Nanosecond()))
		}
	}
	ms, err := value.ParseTimestamp(s)
	require.NoError(t, err, "time %q", s)
	return time.UnixMilli(ms).UTC()
}

func formatScriptTime(ms int64) string {
	tm := time.UnixMilli(ms).UTC()
	if tm.Truncate(24 * time.Hour).Equal(baseDate) {
		if ms%1000 != 0 {
			return tm.Format("15:04:05.000")
		}
		return tm.Format("15:04:05")
	}
	return value.FormatTimestamp(ms)
}

// scriptApp is the state of one datadriven script.
type scriptApp struct {
	cfg     Config
	eng     *Engine
	out     strings.Builder
	outputs bool
	watch   map[string]bool
}

func (a *scriptApp) hook(t *testing.T) {
	for _, s := range a.eng.Graph().Streams() {
		s := s
		prev := s.OnRow
		if isInput(a.cfg, s.Name) {
			continue
		}
		if a.watch != nil && !a.watch[s.Name] {
			continue
		}
		s.OnRow = func(row []value.Value) {
			fmt.Fprintf(&a.out, "%s %s:", s.Name, formatScriptTime(row[0].I))
			for i, c := range s.Columns {
				if i > 0 {
					a.out.WriteString(",")
				}
				v := row[i+1]
				txt := formatValue(v, c.Type)
				if v.K == value.Timestamp {
					txt = formatScriptTime(v.I)
				} else if v.K == value.String {
					txt = "'" + v.S + "'"
				}
				fmt.Fprintf(&a.out, " %s=%s", c.Name, txt)
			}
			a.out.WriteString("\n")
			if prev != nil {
				prev(row)
			}
		}
	}
}

func isInput(cfg Config, name string) bool {
	for _, in := range cfg.Inputs {
		if in.Name == name {
			return true
		}
	}
	return false
}

func (a *scriptApp) printOutputs(recs []OutputRecord) {
	if !a.outputs {
		return
	}
	for _, r := range recs {
		fmt.Fprintf(&a.out, "> %s %s", a.cfg.Outputs[r.Output].Name, strings.TrimSuffix(string(r.Data), "\n"))
		a.out.WriteString("\n")
	}
}

func parseSchemaLine(t *testing.T, line string) input.Column {
	f := strings.Fields(line)
	require.GreaterOrEqual(t, len(f), 2, "column line %q", line)
	typ, err := value.ParseType(f[1])
	require.NoError(t, err)
	c := input.Column{Name: f[0], Type: typ}
	if len(f) > 2 {
		c.Mapping = f[2]
	}
	return c
}

// parseApp reads the `app` command's definition.
func parseApp(t *testing.T, text string) (Config, bool, []string) {
	var cfg Config
	var sqlLines []string
	var watch []string
	inSQL := false
	outputs := false
	var schema *input.Schema
	var ref *ReferenceConfig
	for _, line := range strings.Split(text, "\n") {
		if inSQL {
			sqlLines = append(sqlLines, line)
			continue
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch {
		case strings.HasPrefix(line, " "):
			if f[0] == "data" {
				ref.Data = append(ref.Data, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "data"))+"\n"...)
				continue
			}
			schema.Columns = append(schema.Columns, parseSchemaLine(t, line))
		case f[0] == "input" || f[0] == "reference":
			format, err := input.ParseFormat(f[2])
			require.NoError(t, err)
			if f[0] == "input" {
				cfg.Inputs = append(cfg.Inputs, InputConfig{Name: f[1], Schema: input.Schema{Format: format}})
				schema = &cfg.Inputs[len(cfg.Inputs)-1].Schema
			} else {
				cfg.References = append(cfg.References, ReferenceConfig{Name: f[1], Schema: input.Schema{Format: format}})
				ref = &cfg.References[len(cfg.References)-1]
				schema = &ref.Schema
			}
		case f[0] == "output":
			format, err := input.ParseFormat(f[2])
			require.NoError(t, err)
			cfg.Outputs = append(cfg.Outputs, OutputConfig{Name: f[1], Format: format})
			outputs = true
		case f[0] == "watch":
			watch = append(watch, f[1:]...)
		case f[0] == "sql":
			inSQL = true
		default:
			t.Fatalf("unknown app line %q", line)
		}
	}
	cfg.Code = strings.Join(sqlLines, "\n")
	return cfg, outputs, watch
}

func (a *scriptApp) inputIndex(t *testing.T, d *datadriven.TestData) int {
	name := a.cfg.Inputs[0].Name
	if d.HasArg("input") {
		d.ScanArgs(t, "input", &name)
	}
	for i, in := range a.cfg.Inputs {
		if in.Name == name {
			return i
		}
	}
	t.Fatalf("no input %s", name)
	return 0
}

func TestScripts(t *testing.T) {
	datadriven.Walk(t, "testdata/scripts", func(t *testing.T, path string) {
		var a *scriptApp
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "app":
				cfg, outputs, watch := parseApp(t, d.Input)
				eng, err := NewEngine(cfg)
				if err != nil {
					return "error: " + err.Error() + "\n"
				}
				a = &scriptApp{cfg: cfg, eng: eng, outputs: outputs}
				if len(watch) > 0 {
					a.watch = map[string]bool{}
					for _, w := range watch {
						a.watch[w] = true
					}
				}
				a.hook(t)
				return "ok\n"
			case "records":
				a.out.Reset()
				i := a.inputIndex(t, d)
				for n, line := range strings.Split(d.Input, "\n") {
					if strings.TrimSpace(line) == "" {
						continue
					}
					// "TIME DATA": TIME is HH:MM:SS[.mmm] or "yyyy-MM-dd HH:MM:SS[.mmm]".
					var tm, data string
					if len(line) > 10 && line[4] == '-' && line[10] == ' ' {
						parts := strings.SplitN(line, " ", 3)
						tm, data = parts[0]+" "+parts[1], parts[2]
					} else {
						tm, data, _ = strings.Cut(line, " ")
					}
					recs := a.eng.Process(i, Record{Shard: "shard-0", Position: fmt.Sprint(n), Data: []byte(data),
						ArrivalTime: parseScriptTime(t, tm)})
					a.printOutputs(recs)
				}
				return a.out.String()
			case "advance":
				a.out.Reset()
				var to string
				d.ScanArgs(t, "to", &to)
				tm := parseScriptTime(t, to)
				for i := range a.cfg.Inputs {
					if d.HasArg("input") && i != a.inputIndex(t, d) {
						continue
					}
					a.printOutputs(a.eng.Advance(i, tm))
				}
				return a.out.String()
			case "restart":
				snap := a.eng.Snapshot()
				eng, err := NewEngine(a.cfg)
				require.NoError(t, err)
				require.NoError(t, eng.Restore(snap))
				a.eng = eng
				a.hook(t)
				return fmt.Sprintf("restarted (%d-byte checkpoint)\n", len(snap))
			case "explain":
				return a.eng.Graph().Explain()
			case "stats":
				var b strings.Builder
				for _, st := range a.eng.Stats() {
					fmt.Fprintf(&b, "%q in=%d out=%d errors=%d\n", st.Name, st.RowsIn, st.RowsOut, st.Errors)
				}
				return b.String()
			case "streams":
				var b strings.Builder
				for _, s := range a.eng.Graph().Streams() {
					cols := make([]string, len(s.Columns))
					for i, c := range s.Columns {
						cols[i] = c.Name + " " + c.Type.String()
						if c.Type.Kind == value.Null {
							cols[i] = c.Name
						}
					}
					fmt.Fprintf(&b, "%s(%s)\n", s.Name, strings.Join(cols, ", "))
				}
				return b.String()
			}
			t.Fatalf("unknown command %s", d.Cmd)
			return ""
		})
	})
}

var _ = exec.ErrorStreamName
