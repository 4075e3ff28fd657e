// Package convert turns JSON records into Parquet files, as Firehose's
// record format conversion does: the schema is a list of Glue (Hive)
// columns given inline (there is no Glue catalog), records are read the
// way the OpenX JSON SerDe reads them (case-insensitive keys, key
// mappings, dots in keys turned into underscores, several timestamp
// forms), and files are written with parquet-go and a Parquet codec
// (UNCOMPRESSED, SNAPPY, GZIP or ZSTD).
//
// Flat schemas (scalar columns only) take a fast path: a non-allocating
// scanner walks each record's top-level members and writes parquet.Values
// straight into reused rows. Schemas with array, map or struct columns
// decode records with encoding/json and deconstruct them through the
// schema.
//
// A Converter is immutable and safe for concurrent use; each Write call
// uses its own buffers.
package convert

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
)

// Column is one column of the inline schema.
type Column struct {
	Name string
	Type string
}

// Options configure a Converter.
type Options struct {
	// Columns is the schema, in order. Required.
	Columns []Column
	// CaseInsensitive matches JSON keys to columns ignoring case (the
	// OpenX SerDe default; set it explicitly).
	CaseInsensitive bool
	// ColumnToJSONKeyMappings maps a column name to the JSON key it reads.
	ColumnToJSONKeyMappings map[string]string
	// ConvertDotsInJSONKeysToUnderscores replaces '.' in JSON keys with '_'
	// before matching.
	ConvertDotsInJSONKeysToUnderscores bool
	// TimestampFormats are tried first for timestamp columns: "millis"
	// (epoch milliseconds) or Java date-time patterns.
	TimestampFormats []string
	// Compression is the Parquet codec: UNCOMPRESSED, SNAPPY (default),
	// GZIP or ZSTD.
	Compression string
	// PageSizeBytes is the page size. Default 1 MiB.
	PageSizeBytes int
	// BlockSizeBytes bounds a row group, approximated in rows from the
	// first rows written. Default 256 MiB.
	BlockSizeBytes int
	// EnableDictionaryCompression turns on dictionary encoding.
	EnableDictionaryCompression bool
}

// Converter writes JSON records as Parquet files of one schema.
type Converter struct {
	schema  *parquet.Schema
	columns []column
	byKey   map[string]int
	flat    bool
	order   []int       // column indexes in Parquet (name) order
	nullRow parquet.Row // a row of nulls (flat schemas)
	leaves  int         // number of leaf columns
	opts    Options
	ts      *timestampParser
	codec   compress.Codec
	writers sync.Pool // of *parquet.Writer
}

type column struct {
	name string
	key  string // the JSON key as it appears when it needs no folding
	typ  *Type
	leaf int // index of the column's first leaf in the Parquet schema
}

// ErrConversion wraps the failure of one record.
var ErrConversion = errors.New("format conversion failed")

// New builds a Converter, reporting every problem of the options at once.
func New(opts Options) (*Converter, error) {
	var errs []error
	if len(opts.Columns) == 0 {
		errs = append(errs, errors.New("schema has no columns"))
	}
	c := &Converter{opts: opts, byKey: make(map[string]int), flat: true}
	group := parquet.Group{}
	for _, col := range opts.Columns {
		name := col.Name
		if opts.CaseInsensitive {
			name = strings.ToLower(name)
		}
		t, err := ParseType(col.Type)
		if err != nil {
			errs = append(errs, fmt.Errorf("column %q: %w", col.Name, err))
			continue
		}
		if _, dup := group[name]; dup || name == "" {
			errs = append(errs, fmt.Errorf("column name %q is empty or repeated", col.Name))
			continue
		}
		group[name] = t.node()
		if !t.Scalar() {
			c.flat = false
		}
		key := name
		if m, ok := opts.ColumnToJSONKeyMappings[col.Name]; ok {
			key = m
		}
		if opts.CaseInsensitive {
			key = strings.ToLower(key)
		}
		c.byKey[key] = len(c.columns)
		c.columns = append(c.columns, column{name: name, key: key, typ: t})
	}
	ts, err := newTimestampParser(opts.TimestampFormats)
	if err != nil {
		errs = append(errs, err)
	}
	c.ts = ts
	switch strings.ToUpper(opts.Compression) {
	case "", "SNAPPY":
		c.codec = &parquet.Snappy
	case "UNCOMPRESSED":
		c.codec = &parquet.Uncompressed
	case "GZIP":
		c.codec = &parquet.Gzip
	case "ZSTD":
		c.codec = &parquet.Zstd
	default:
		errs = append(errs, fmt.Errorf("unsupported Parquet compression %q (want UNCOMPRESSED, SNAPPY, GZIP or ZSTD)", opts.Compression))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	c.schema = parquet.NewSchema("firehose", group)
	for i := range c.columns {
		c.order = append(c.order, i)
	}
	slices.SortFunc(c.order, func(a, b int) int { return strings.Compare(c.columns[a].name, c.columns[b].name) })
	for _, i := range c.order {
		c.columns[i].leaf = c.leaves
		c.leaves += c.columns[i].typ.leafCount()
	}
	for i := range c.leaves {
		c.nullRow = append(c.nullRow, parquet.Value{}.Level(0, 0, i))
	}
	if c.leaves != len(c.schema.Columns()) {
		return nil, fmt.Errorf("internal error: %d leaf columns, schema has %d", c.leaves, len(c.schema.Columns()))
	}
	if c.opts.PageSizeBytes <= 0 {
		c.opts.PageSizeBytes = 1 << 20
	}
	if c.opts.BlockSizeBytes <= 0 {
		c.opts.BlockSizeBytes = 256 << 20
	}
	return c, nil
}

// Schema returns the Parquet schema files are written with.
func (c *Converter) Schema() *parquet.Schema { return c.schema }

// lookup finds the column of a JSON key.
func (c *Converter) lookup(key []byte, scratch *[]byte) (int, bool) {
	needsCopy := false
	for _, ch := range key {
		if ch >= 'A' && ch <= 'Z' && c.opts.CaseInsensitive || ch == '.' && c.opts.ConvertDotsInJSONKeysToUnderscores {
			needsCopy = true
			break
		}
	}
	if !needsCopy {
		i, ok := c.byKey[string(key)]
		return i, ok
	}
	b := (*scratch)[:0]
	for _, ch := range key {
		if c.opts.CaseInsensitive && ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		} else if ch == '.' && c.opts.ConvertDotsInJSONKeysToUnderscores {
			ch = '_'
		}
		b = append(b, ch)
	}
	*scratch = b
	i, ok := c.byKey[string(b)]
	return i, ok
}

const writeBatch = 1024

// Write writes records as one Parquet file to w. A record that cannot be
// converted is left out and reported to failed (with an error wrapping
// ErrConversion); the others are written. rows is the number written. An
// error is returned only when writing to w fails.
func (c *Converter) Write(w io.Writer, records [][]byte, failed func(i int, err error)) (rows int, err error) {
	pw, _ := c.writers.Get().(*parquet.Writer)
	if pw == nil {
		pw = parquet.NewWriter(w, c.schema,
			parquet.Compression(c.codec),
			parquet.PageBufferSize(c.opts.PageSizeBytes),
			parquet.CreatedBy("eddy", "firehose", ""),
		)
	} else {
		pw.Reset(w)
	}
	// Writers keep their buffers between files: reuse them.
	defer c.writers.Put(pw)
	if c.flat {
		return c.writeFlat(pw, records, failed)
	}
	batch := make([]parquet.Row, 0, writeBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := pw.WriteRows(batch); err != nil {
			return err
		}
		batch = batch[:0]
		return nil
	}
	for i, rec := range records {
		row, err := c.nestedRow(rec)
		if err != nil {
			if failed != nil {
				failed(i, fmt.Errorf("%w: %w", ErrConversion, err))
			}
			continue
		}
		batch = append(batch, row)
		rows++
		if len(batch) == writeBatch {
			if err := flush(); err != nil {
				return rows, err
			}
		}
	}
	if err := flush(); err != nil {
		return rows, err
	}
	return rows, pw.Close()
}

// writeFlat writes a flat schema column by column: each record's values
// are gathered per column and handed to the column writers in batches,
// which skips parquet-go's row-to-column split.
func (c *Converter) writeFlat(pw *parquet.Writer, records [][]byte, failed func(i int, err error)) (rows int, err error) {
	writers := pw.ColumnWriters()
	cols := make([][]parquet.Value, c.leaves)
	for j := range cols {
		cols[j] = make([]parquet.Value, writeBatch)
	}
	st := &rowState{set: make([]bool, c.leaves)}
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		for j, cw := range writers {
			if _, err := cw.WriteRowValues(cols[j][:n]); err != nil {
				return err
			}
		}
		n = 0
		st.arena = st.arena[:0]
		return nil
	}
	for i, rec := range records {
		if err := c.flatRow(rec, cols, n, st); err != nil {
			if failed != nil {
				failed(i, fmt.Errorf("%w: %w", ErrConversion, err))
			}
			continue
		}
		n++
		rows++
		if n == writeBatch {
			if err := flush(); err != nil {
				return rows, err
			}
		}
	}
	if err := flush(); err != nil {
		return rows, err
	}
	return rows, pw.Close()
}
