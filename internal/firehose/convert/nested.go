package convert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// Nested columns are written with the Dremel algorithm: every leaf column
// gets one value per occurrence (or one null), tagged with its repetition
// level (which repeated ancestor a new element starts) and definition
// level (how many optional or repeated ancestors are present). Leaves are
// numbered in parquet-go's order: group members sorted by name, a map's
// key before its value.

// leafCount returns the number of leaf columns under t.
func (t *Type) leafCount() int {
	switch t.Kind {
	case Array:
		return t.Elem.leafCount()
	case Map:
		return 1 + t.Value.leafCount()
	case Struct:
		n := 0
		for _, f := range t.Fields {
			n += f.Type.leafCount()
		}
		return n
	}
	return 1
}

// sortedFields returns the struct's fields in Parquet (name) order.
func (t *Type) sortedFields() []*Field {
	fs := slices.Clone(t.Fields)
	slices.SortFunc(fs, func(a, b *Field) int { return strings.Compare(a.Name, b.Name) })
	return fs
}

type emitter struct {
	c    *Converter
	cols [][]parquet.Value
}

func (e *emitter) nulls(t *Type, r, d, leaf int) {
	for i := leaf; i < leaf+t.leafCount(); i++ {
		e.cols[i] = append(e.cols[i], parquet.Value{}.Level(r, d, i))
	}
}

// optional writes v under an optional node whose parent is defined at
// level d.
func (e *emitter) optional(t *Type, v any, r, d, depth, leaf int) error {
	if v == nil {
		e.nulls(t, r, d, leaf)
		return nil
	}
	return e.bare(t, v, r, d+1, depth, leaf)
}

func (e *emitter) bare(t *Type, v any, r, d, depth, leaf int) error {
	switch t.Kind {
	case Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("expected an object for a struct")
		}
		for _, f := range t.sortedFields() {
			fv, ok := obj[f.Name]
			if !ok && e.c.opts.CaseInsensitive {
				for k, x := range obj {
					if strings.EqualFold(k, f.Name) {
						fv = x
						break
					}
				}
			}
			if err := e.optional(f.Type, fv, r, d, depth, leaf); err != nil {
				return fmt.Errorf("field %q: %w", f.Name, err)
			}
			leaf += f.Type.leafCount()
		}
		return nil
	case Array:
		list, ok := v.([]any)
		if !ok {
			return fmt.Errorf("expected an array")
		}
		if len(list) == 0 {
			e.nulls(t, r, d, leaf)
			return nil
		}
		for i, x := range list {
			rep := r
			if i > 0 {
				rep = depth + 1
			}
			if err := e.optional(t.Elem, x, rep, d+1, depth+1, leaf); err != nil {
				return err
			}
		}
		return nil
	case Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("expected an object for a map")
		}
		if len(obj) == 0 {
			e.nulls(t, r, d, leaf)
			return nil
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			rep := r
			if i > 0 {
				rep = depth + 1
			}
			kv, err := e.c.scalar(t.Key, vString, []byte(k), false, &rowState{})
			if err != nil {
				return fmt.Errorf("map key %q: %w", k, err)
			}
			e.cols[leaf] = append(e.cols[leaf], kv.Level(rep, d+1, leaf))
			if err := e.optional(t.Value, obj[k], rep, d+1, depth+1, leaf+1); err != nil {
				return err
			}
		}
		return nil
	}
	kind, raw := jsonScalar(v)
	pv, err := e.c.scalar(t, kind, raw, false, &rowState{})
	if err != nil {
		return err
	}
	e.cols[leaf] = append(e.cols[leaf], pv.Level(r, d, leaf))
	return nil
}

func jsonScalar(v any) (byte, []byte) {
	switch x := v.(type) {
	case string:
		return vString, []byte(x)
	case json.Number:
		return vNumber, []byte(x)
	case bool:
		if x {
			return vTrue, nil
		}
		return vFalse, nil
	case []any:
		b, _ := json.Marshal(x)
		return vArray, b
	}
	b, _ := json.Marshal(v)
	return vObject, b
}

// nestedRow converts a record for a schema with container columns.
func (c *Converter) nestedRow(rec []byte) (parquet.Row, error) {
	dec := json.NewDecoder(bytes.NewReader(rec))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, errNotObject
	}
	if dec.More() {
		return nil, fmt.Errorf("data after the object")
	}
	vals := make([]any, len(c.columns))
	var scratch []byte
	for k, v := range m {
		if idx, ok := c.lookup([]byte(k), &scratch); ok {
			vals[idx] = v
		}
	}
	e := &emitter{c: c, cols: make([][]parquet.Value, c.leaves)}
	for _, idx := range c.order {
		col := &c.columns[idx]
		if err := e.optional(col.typ, vals[idx], 0, 0, 0, col.leaf); err != nil {
			return nil, fmt.Errorf("column %q: %w", col.name, err)
		}
	}
	var row parquet.Row
	for _, vs := range e.cols {
		row = append(row, vs...)
	}
	return row, nil
}
