package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eddy-streaming/eddy/internal/sql/exec"
	"github.com/eddy-streaming/eddy/internal/sql/input"
)

func TestParseColumns(t *testing.T) {
	cols, err := parseColumns("TICKER VARCHAR(8) $.ticker, PRICE DECIMAL(8,2), n BIGINT $['n x']", input.JSON)
	require.NoError(t, err)
	require.Len(t, cols, 3)
	require.Equal(t, "$.ticker", cols[0].Mapping)
	require.Equal(t, "DECIMAL(8,2)", cols[1].Type.String())
	require.Equal(t, "$.PRICE", cols[1].Mapping)
	require.Equal(t, "$['n x']", cols[2].Mapping)

	_, err = parseColumns("TICKER", input.JSON)
	require.ErrorContains(t, err, "want NAME TYPE")
	_, err = parseColumns("X NOTATYPE", input.CSV)
	require.Error(t, err)
}

func TestLoadSQLSpec(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
input:
  stream: ticks
  format: csv
  columns: [{name: A, type: INTEGER}]
outputs:
  - {name: DESTINATION_SQL_STREAM, stream: out}
references:
  - {table: R, file: r.csv, format: csv, columns: [{name: K, type: VARCHAR(4)}]}
`), 0o644))
	spec, err := loadSQLSpec(path)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, "r.csv"), spec.References[0].File)
	schema := spec.Input.sourceSchema()
	require.Equal(t, "CSV", *schema.RecordFormat.RecordFormatType)
	require.Equal(t, ",", *schema.RecordFormat.MappingParameters.CSVMappingParameters.RecordColumnDelimiter)
	ref := referenceRequest(&spec.References[0], "arn:aws:iam::1:role/r")
	require.Equal(t, "file://"+dir, *ref.S3ReferenceDataSource.BucketARN)
	require.Equal(t, "r.csv", *ref.S3ReferenceDataSource.FileKey)

	require.NoError(t, os.WriteFile(path, []byte("input: {}\nbogus: 1\n"), 0o644))
	_, err = loadSQLSpec(path)
	require.ErrorContains(t, err, "bogus")
	require.NoError(t, os.WriteFile(path, []byte("input: {stream: s}\n"), 0o644))
	_, err = loadSQLSpec(path)
	require.ErrorContains(t, err, "outputs: at least one is required")
}

func TestRowPrinter(t *testing.T) {
	var out bytes.Buffer
	p := newRowPrinter(&out, []exec.Column{{Name: "TICKER"}, {Name: "N"}}, &queryFlags{output: "table", limit: 2})
	require.False(t, p.row([]byte(`{"TICKER":"AAPL","N":3}`)))
	require.True(t, p.row([]byte(`{"TICKER":null,"N":12345}`)))
	require.Equal(t, "TICKER  N\nAAPL    3\nNULL    12345\n", out.String())
}
