package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/spf13/cobra"

	"github.com/eddy-streaming/eddy/internal/sql"
	"github.com/eddy-streaming/eddy/internal/sql/exec"
	"github.com/eddy-streaming/eddy/internal/sql/input"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// queryFlags are the flags of eddy sql query.
type queryFlags struct {
	client  clientFlags
	stream  string
	from    string
	file    string
	format  string
	columns string
	result  string
	output  string
	limit   int
	timeout time.Duration
	rows    int
}

func newSQLQueryCmd() *cobra.Command {
	var f queryFlags
	cmd := &cobra.Command{
		Use:   "query --stream NAME [flags] 'SELECT STREAM ...'",
		Short: "Run a SELECT STREAM against a stream and print rows as they come",
		Long: `Run one continuous query against a stream, in this process, and print its rows
as they come. The stream is the in-application stream SOURCE_SQL_STREAM_001;
the query's rows go to RESULT_001 (--result names another stream of a program
with CREATE STREAM and PUMP statements). Rows that fail go to error_stream and
are printed on standard error.

The input columns come from --columns ("NAME TYPE [JSONPATH], ..."; for CSV
the columns are by position), or are discovered from the first records read,
as DiscoverInputSchema does (their names upper-cased, so that unquoted
identifiers match them). The stream is read through the Kinesis API from
--from (latest, the default, or trim-horizon); windows close as the clock
passes their end (with a 1 s slack for commits).

On a terminal, --output table (the default) redraws the newest rows like a
live table; otherwise rows are printed one per line. json and csv print the
rows as an application output would encode them. The query runs until
Ctrl-C, --limit rows or --timeout.`,
		Example: `  eddy sql query --stream ticks 'SELECT STREAM * FROM "SOURCE_SQL_STREAM_001"'
  eddy sql query --stream ticks --from trim-horizon --columns 'TICKER VARCHAR(8) $.ticker, PRICE DOUBLE $.price' \
    'SELECT STREAM ticker, COUNT(*) AS n, MAX(price) AS top FROM "SOURCE_SQL_STREAM_001"
     GROUP BY ticker, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '"'"'10'"'"' SECOND)'
  eddy sql query --stream logs --format csv --columns 'HOST VARCHAR(32), BYTES BIGINT' --output json --limit 5 \
    'SELECT STREAM host, bytes FROM "SOURCE_SQL_STREAM_001" WHERE bytes > 1000000'`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			code := ""
			if len(args) == 1 {
				code = args[0]
			}
			if f.file != "" {
				if code != "" {
					return usageErrorf("give the query as an argument or with --file, not both")
				}
				var err error
				if code, err = readCode(f.file, cmd.InOrStdin()); err != nil {
					return err
				}
			}
			if strings.TrimSpace(code) == "" {
				return usageErrorf("no query: give a SELECT STREAM as an argument or --file")
			}
			if err := requireStream(f.stream); err != nil {
				return err
			}
			return runQuery(cmd, &f, code)
		},
	}
	fs := cmd.Flags()
	f.client.register(fs)
	fs.StringVar(&f.stream, "stream", "", "stream to read (required)")
	fs.StringVar(&f.from, "from", "latest", "where to start reading: latest or trim-horizon")
	fs.StringVarP(&f.file, "file", "f", "", `read the query from a file ("-": standard input)`)
	fs.StringVar(&f.format, "format", "json", "record format of the stream: json or csv")
	fs.StringVar(&f.columns, "columns", "", `input columns "NAME TYPE [JSONPATH], ..." (default: discovered)`)
	fs.StringVar(&f.result, "result", "RESULT_001", "in-application stream whose rows are printed")
	fs.StringVar(&f.output, "output", "table", "output: table, json or csv")
	fs.IntVar(&f.limit, "limit", 0, "stop after this many rows (0: no limit)")
	fs.DurationVar(&f.timeout, "timeout", 0, "stop after this long (0: until interrupted)")
	fs.IntVar(&f.rows, "rows", 20, "rows a live table keeps on screen")
	return cmd
}

// parseColumns parses --columns: "NAME TYPE [PATH], ..."; a JSON column
// without a path maps $.NAME.
func parseColumns(spec string, format input.Format) ([]input.Column, error) {
	var cols []input.Column
	for _, part := range splitTopLevel(spec) {
		fields := strings.Fields(part)
		if len(fields) < 2 {
			return nil, fmt.Errorf("column %q: want NAME TYPE [JSONPATH]", strings.TrimSpace(part))
		}
		name, mapping := fields[0], ""
		typeText := strings.Join(fields[1:], " ")
		for i := 2; i < len(fields); i++ {
			if strings.HasPrefix(fields[i], "$") {
				mapping, typeText = strings.Join(fields[i:], " "), strings.Join(fields[1:i], " ")
				break
			}
		}
		t, err := value.ParseType(typeText)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", name, err)
		}
		if format == input.JSON && mapping == "" {
			mapping = "$." + name
		}
		cols = append(cols, input.Column{Name: name, Type: t, Mapping: mapping})
	}
	return cols, nil
}

// splitTopLevel splits on commas outside parentheses (DECIMAL(8,2)).
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if strings.TrimSpace(s[start:]) != "" {
		out = append(out, s[start:])
	}
	return out
}

func runQuery(cmd *cobra.Command, f *queryFlags, code string) error {
	format, err := input.ParseFormat(f.format)
	if err != nil {
		return usageErrorf("--format: %v", err)
	}
	var outFormat input.Format
	switch f.output {
	case "table", "json":
	case "csv":
		outFormat = input.CSV
	default:
		return usageErrorf("--output must be table, json or csv, got %q", f.output)
	}
	if f.from != "latest" && f.from != "trim-horizon" {
		return usageErrorf("--from must be latest or trim-horizon, got %q", f.from)
	}
	var schema *input.Schema
	if f.columns != "" {
		cols, err := parseColumns(f.columns, format)
		if err != nil {
			return usageErrorf("--columns: %v", err)
		}
		schema = &input.Schema{Format: format, Columns: cols}
	}
	ctx := cmd.Context()
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	client, err := f.client.newClient(ctx, clientOptions{})
	if err != nil {
		return err
	}
	rd := &streamReader{client: client, stream: f.stream, from: types.ShardIteratorTypeLatest}
	if f.from == "trim-horizon" {
		rd.from = types.ShardIteratorTypeTrimHorizon
	}
	if err := rd.open(ctx); err != nil {
		return err
	}
	// Without --columns, wait for records and discover the schema.
	var pending []sql.Record
	for schema == nil {
		recs, _, err := rd.poll(ctx)
		if err != nil {
			return endOfQuery(ctx, err)
		}
		pending = append(pending, recs...)
		if len(pending) == 0 {
			if err := pause(ctx, 200*time.Millisecond); err != nil {
				return endOfQuery(ctx, err)
			}
			continue
		}
		samples := make([][]byte, 0, len(pending))
		for _, r := range pending[:min(len(pending), 100)] {
			samples = append(samples, r.Data)
		}
		s, err := input.Discover(samples)
		if err != nil {
			return fmt.Errorf("discover the schema of %s (or give --columns): %w", f.stream, err)
		}
		if format == input.CSV && s.Format != input.CSV || format == input.JSON && s.Format != input.JSON {
			return fmt.Errorf("the records of %s look like %s, not %s (see --format)", f.stream, s.Format, format)
		}
		upperCaseNames(&s)
		schema = &s
		var names []string
		for _, c := range s.Columns {
			names = append(names, c.Name+" "+c.Type.String()+" "+c.Mapping)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "discovered columns: %s\n", strings.Join(names, ", "))
	}
	eng, err := sql.NewEngine(sql.Config{Code: code,
		Inputs:  []sql.InputConfig{{Name: "SOURCE_SQL_STREAM_001", Schema: *schema}},
		Outputs: []sql.OutputConfig{{Name: f.result, Format: outFormat}, {Name: exec.ErrorStreamName, Format: input.JSON}}})
	if err != nil {
		return usageErrorf("query: %v", err)
	}
	res, _ := eng.Graph().Stream(f.result)
	printer := newRowPrinter(cmd.OutOrStdout(), res.Columns, f)
	errOut := cmd.ErrOrStderr()
	emit := func(outs []sql.OutputRecord) bool {
		for _, o := range outs {
			if o.Output == 1 {
				fmt.Fprintf(errOut, "error_stream: %s\n", o.Data)
				continue
			}
			if printer.row(o.Data) {
				return true
			}
		}
		return false
	}
	process := func(recs []sql.Record) bool {
		sort.SliceStable(recs, func(i, j int) bool { return recs[i].ArrivalTime.Before(recs[j].ArrivalTime) })
		for _, r := range recs {
			if emit(eng.Process(0, r)) {
				return true
			}
		}
		return false
	}
	if process(pending) {
		return printer.done()
	}
	for {
		recs, atTip, err := rd.poll(ctx)
		if err != nil {
			_ = printer.done()
			return endOfQuery(ctx, err)
		}
		if process(recs) {
			return printer.done()
		}
		if atTip {
			if emit(eng.Advance(0, time.Now().Add(-time.Second))) {
				return printer.done()
			}
			if err := pause(ctx, 200*time.Millisecond); err != nil {
				_ = printer.done()
				return endOfQuery(ctx, err)
			}
		}
	}
}

// upperCaseNames upper-cases discovered column names, so that unquoted
// identifiers in the query (which fold to upper case) name them, unless
// two names would then collide.
func upperCaseNames(s *input.Schema) {
	seen := map[string]bool{}
	for _, c := range s.Columns {
		u := strings.ToUpper(c.Name)
		if seen[u] {
			return
		}
		seen[u] = true
	}
	for i := range s.Columns {
		s.Columns[i].Name = strings.ToUpper(s.Columns[i].Name)
	}
}

// endOfQuery turns the end of the context (Ctrl-C, --timeout) into a clean
// exit.
func endOfQuery(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// streamReader reads every shard of a stream through the Kinesis API,
// following resharding (a closed shard's children start at their
// beginning).
type streamReader struct {
	client    *kinesis.Client
	stream    string
	from      types.ShardIteratorType
	iterators map[string]string // shard ID → next iterator
}

func (r *streamReader) open(ctx context.Context) error {
	r.iterators = map[string]string{}
	var token *string
	for {
		in := &kinesis.ListShardsInput{NextToken: token}
		if token == nil {
			in.StreamName = aws.String(r.stream)
			in.ShardFilter = &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}
			if r.from == types.ShardIteratorTypeTrimHorizon {
				in.ShardFilter = &types.ShardFilter{Type: types.ShardFilterTypeAtTrimHorizon}
			}
		}
		out, err := r.client.ListShards(ctx, in)
		if err != nil {
			return apiError("list shards of "+r.stream, err)
		}
		for _, sh := range out.Shards {
			if err := r.start(ctx, aws.ToString(sh.ShardId), r.from); err != nil {
				return err
			}
		}
		if out.NextToken == nil {
			return nil
		}
		token = out.NextToken
	}
}

func (r *streamReader) start(ctx context.Context, shard string, typ types.ShardIteratorType) error {
	if _, ok := r.iterators[shard]; ok {
		return nil
	}
	out, err := r.client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(r.stream),
		ShardId: aws.String(shard), ShardIteratorType: typ})
	if err != nil {
		return apiError("read "+r.stream+" "+shard, err)
	}
	r.iterators[shard] = aws.ToString(out.ShardIterator)
	return nil
}

// poll reads once from every shard. atTip is set when every shard has
// been read to its end.
func (r *streamReader) poll(ctx context.Context) (recs []sql.Record, atTip bool, err error) {
	atTip = true
	shards := make([]string, 0, len(r.iterators))
	for id := range r.iterators {
		shards = append(shards, id)
	}
	sort.Strings(shards)
	for _, id := range shards {
		out, err := r.client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(r.iterators[id])})
		if err != nil {
			var throttled *types.ProvisionedThroughputExceededException
			if errors.As(err, &throttled) {
				atTip = false
				continue
			}
			return nil, false, apiError("read "+r.stream+" "+id, err)
		}
		for _, rec := range out.Records {
			recs = append(recs, sql.Record{Shard: id, PartitionKey: aws.ToString(rec.PartitionKey), Data: rec.Data,
				ArrivalTime: aws.ToTime(rec.ApproximateArrivalTimestamp), Position: aws.ToString(rec.SequenceNumber)})
		}
		if aws.ToInt64(out.MillisBehindLatest) > 0 {
			atTip = false
		}
		if out.NextShardIterator == nil {
			delete(r.iterators, id)
			for _, child := range out.ChildShards {
				if err := r.start(ctx, aws.ToString(child.ShardId), types.ShardIteratorTypeTrimHorizon); err != nil {
					return nil, false, err
				}
			}
			continue
		}
		r.iterators[id] = aws.ToString(out.NextShardIterator)
	}
	return recs, atTip, nil
}

// rowPrinter prints result rows: a live table on a terminal, aligned lines
// otherwise, or the encoded records (json, csv).
type rowPrinter struct {
	out     io.Writer
	columns []string
	output  string
	live    bool
	keep    int
	limit   int
	count   int
	widths  []int
	recent  [][]string
	header  bool
}

func newRowPrinter(out io.Writer, columns []exec.Column, f *queryFlags) *rowPrinter {
	p := &rowPrinter{out: out, output: f.output, keep: max(f.rows, 1), limit: f.limit}
	for _, c := range columns {
		p.columns = append(p.columns, c.Name)
		p.widths = append(p.widths, len(c.Name))
	}
	if file, ok := out.(*os.File); ok && isTerminal(file) && f.output == "table" {
		p.live = true
	}
	return p
}

// row prints one encoded row; it reports whether the limit is reached.
func (p *rowPrinter) row(data []byte) bool {
	p.count++
	switch p.output {
	case "json":
		fmt.Fprintf(p.out, "%s\n", data)
	case "csv":
		fmt.Fprintf(p.out, "%s", data)
	default:
		p.tableRow(data)
	}
	return p.limit > 0 && p.count >= p.limit
}

func (p *rowPrinter) tableRow(data []byte) {
	var obj map[string]json.RawMessage
	_ = json.Unmarshal(data, &obj)
	cells := make([]string, len(p.columns))
	for i, c := range p.columns {
		cells[i] = cellText(obj[c])
		p.widths[i] = max(p.widths[i], len(cells[i]))
	}
	if !p.live {
		if !p.header {
			p.printLine(p.columns)
			p.header = true
		}
		p.printLine(cells)
		return
	}
	p.recent = append(p.recent, cells)
	if len(p.recent) > p.keep {
		p.recent = p.recent[len(p.recent)-p.keep:]
	}
	fmt.Fprint(p.out, "\x1b[H\x1b[2J")
	p.printLine(p.columns)
	rule := make([]string, len(p.columns))
	for i := range rule {
		rule[i] = strings.Repeat("-", p.widths[i])
	}
	p.printLine(rule)
	for _, r := range p.recent {
		p.printLine(r)
	}
	fmt.Fprintf(p.out, "(%d rows)\n", p.count)
}

func (p *rowPrinter) printLine(cells []string) {
	var b strings.Builder
	for i, c := range cells {
		if i > 0 {
			b.WriteString("  ")
		}
		b.WriteString(c)
		if i < len(cells)-1 {
			b.WriteString(strings.Repeat(" ", max(0, p.widths[i]-len(c))))
		}
	}
	fmt.Fprintln(p.out, b.String())
}

func (p *rowPrinter) done() error { return nil }

// cellText renders a JSON value for the table: strings unquoted, null as
// NULL.
func cellText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return "NULL"
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
