package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// Discover infers an input schema from sample records, as KDA's
// DiscoverInputSchema does: JSON objects become one column per leaf
// (nested objects flattened, with a JSONPath mapping each), CSV records
// one column per position (COL_0, COL_1, ...). Types: BOOLEAN, INTEGER or
// BIGINT for whole numbers, REAL for other numbers, TIMESTAMP for strings
// that all parse as timestamps, and VARCHAR(n) with n the next power of
// two of the longest value (at least 4). Arrays map as one VARCHAR column.
func Discover(samples [][]byte) (Schema, error) {
	var nonEmpty [][]byte
	for _, s := range samples {
		if len(bytes.TrimSpace(s)) > 0 {
			nonEmpty = append(nonEmpty, s)
		}
	}
	if len(nonEmpty) == 0 {
		return Schema{}, errors.New("no records to discover a schema from")
	}
	discover := discoverCSV
	if bytes.HasPrefix(bytes.TrimSpace(nonEmpty[0]), []byte("{")) {
		discover = discoverJSON
	}
	schema, err := discover(nonEmpty)
	if err != nil {
		return Schema{}, err
	}
	if err := schema.Validate(); err != nil {
		return Schema{}, fmt.Errorf("discover schema: %w", err)
	}
	if _, err := NewMapper(schema); err != nil {
		return Schema{}, fmt.Errorf("discover schema: %w", err)
	}
	return schema, nil
}

// typeGuess accumulates what the values of one column look like.
type typeGuess struct {
	path                           string
	name                           string
	seen, bools, ints, nums, times int
	maxLen                         int
	bigInt                         bool
	order                          int
}

func (g *typeGuess) addText(s string) {
	g.seen++
	g.maxLen = max(g.maxLen, len(s))
	if _, err := value.ParseTimestamp(s); err == nil && len(s) >= 10 {
		g.times++
	}
}

func (g *typeGuess) addNumber(text string) {
	g.seen++
	g.maxLen = max(g.maxLen, len(text))
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		g.ints++
		if i > math.MaxInt32 || i < math.MinInt32 {
			g.bigInt = true
		}
		return
	}
	g.nums++
}

func (g *typeGuess) sqlType() value.Type {
	var name string
	switch {
	case g.seen > 0 && g.bools == g.seen:
		name = "BOOLEAN"
	case g.seen > 0 && g.ints == g.seen && g.bigInt:
		name = "BIGINT"
	case g.seen > 0 && g.ints == g.seen:
		name = "INTEGER"
	case g.seen > 0 && g.ints+g.nums == g.seen:
		name = "REAL"
	case g.seen > 0 && g.times == g.seen:
		name = "TIMESTAMP"
	default:
		n := 4
		for n < g.maxLen {
			n *= 2
		}
		t, _ := value.NewType("VARCHAR", []int{min(n, value.MaxLength)})
		return t
	}
	t, _ := value.NewType(name, nil)
	return t
}

func discoverJSON(samples [][]byte) (Schema, error) {
	guesses := map[string]*typeGuess{}
	var walk func(path, leaf string, v any)
	add := func(path, leaf string) *typeGuess {
		g := guesses[path]
		if g == nil {
			g = &typeGuess{path: path, name: leaf, order: len(guesses)}
			guesses[path] = g
		}
		return g
	}
	walk = func(path, leaf string, v any) {
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				switch {
				case k == "" || strings.Contains(k, "'") && strings.Contains(k, `"`):
					continue // not addressable by a JSONPath
				case strings.Contains(k, "'"):
					walk(path+`["`+k+`"]`, k, v[k])
					continue
				case strings.ContainsAny(k, ".[]\" "):
					walk(path+"['"+k+"']", k, v[k])
					continue
				}
				walk(path+"."+k, k, v[k])
			}
		case []any:
			raw, _ := json.Marshal(v)
			add(path, leaf).addText(string(raw))
		case string:
			add(path, leaf).addText(v)
		case json.Number:
			add(path, leaf).addNumber(v.String())
		case bool:
			g := add(path, leaf)
			g.seen++
			g.bools++
		case nil:
			add(path, leaf)
		}
	}
	for i, s := range samples {
		dec := json.NewDecoder(bytes.NewReader(s))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			return Schema{}, fmt.Errorf("record %d is not a JSON object: %w", i, err)
		}
		// Keep the document order of the first record's keys when possible.
		walk("$", "$", obj)
	}
	list := make([]*typeGuess, 0, len(guesses))
	for _, g := range guesses {
		list = append(list, g)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].order < list[j].order })
	schema := Schema{Format: JSON, RecordRowPath: "$"}
	used := map[string]int{}
	for _, g := range list {
		name := g.name
		if name == "" || name == "$" {
			name = "COL"
		}
		used[name]++
		if used[name] > 1 {
			name = fmt.Sprintf("%s_%d", name, used[name]-1)
		}
		schema.Columns = append(schema.Columns, Column{Name: name, Type: g.sqlType(), Mapping: g.path})
	}
	return schema, nil
}

func discoverCSV(samples [][]byte) (Schema, error) {
	delim := ","
	first := string(samples[0])
	for _, d := range []string{",", "\t", "|", ";"} {
		if strings.Contains(first, d) {
			delim = d
			break
		}
	}
	var guesses []*typeGuess
	for _, rec := range samples {
		for _, line := range strings.Split(strings.TrimRight(string(rec), "\r\n"), "\n") {
			for i, f := range strings.Split(strings.TrimSuffix(line, "\r"), delim) {
				for len(guesses) <= i {
					guesses = append(guesses, &typeGuess{name: fmt.Sprintf("COL_%d", len(guesses))})
				}
				g := guesses[i]
				switch {
				case f == "":
				case strings.EqualFold(f, "true") || strings.EqualFold(f, "false"):
					g.seen++
					g.bools++
				default:
					if _, err := strconv.ParseFloat(f, 64); err == nil {
						g.addNumber(f)
					} else {
						g.addText(f)
					}
				}
			}
		}
	}
	schema := Schema{Format: CSV, RowDelimiter: "\n", ColumnDelimiter: delim}
	for _, g := range guesses {
		schema.Columns = append(schema.Columns, Column{Name: g.name, Type: g.sqlType()})
	}
	return schema, nil
}
