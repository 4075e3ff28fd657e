package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newPutCmd) }

// Limits of one PutRecords call that AWS, Eddy and kinesalite all accept.
const (
	maxPutRecords = 500
	maxPutBytes   = 5 << 20 // data and partition keys
)

// putFlags are the flags of `eddy put`.
type putFlags struct {
	client        clientFlags
	stream        string
	key           string
	keyField      string
	linger        time.Duration
	maxRecordSize int
	retries       int
}

func newPutCmd() *cobra.Command {
	var f putFlags
	cmd := &cobra.Command{
		Use:   "put --stream NAME [FILE...]",
		Short: "Put records into a stream, one per input line",
		Long: `Put records into a stream: each line of the files (or of standard input, also
named "-") becomes one record, without its line ending. Empty lines are
skipped. Records are sent in PutRecords calls of up to 500 records; entries
the service fails (throttling, say) are retried. The partition key is random,
fixed (--key), or a top-level field of each JSON line (--key-field; lines that
lack it get a random key). A summary goes to standard error.`,
		Example: `  echo '{"user":"ann","event":"login"}' | eddy put --stream events --key-field user
  eddy put --stream logs /var/log/app.log
  tail -F app.log | eddy put --stream logs --key "$(hostname)"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPut(cmd, &f, args)
		},
	}
	usageFlagErrors(cmd)
	f.client.register(cmd.Flags())
	fs := cmd.Flags()
	fs.StringVar(&f.stream, "stream", "", "stream name or ARN (required)")
	fs.StringVar(&f.key, "key", "", "fixed partition key for every record")
	fs.StringVar(&f.keyField, "key-field", "", "top-level field of each JSON line to use as its partition key")
	fs.DurationVar(&f.linger, "linger", 100*time.Millisecond, "longest time a read line waits to be sent with more")
	fs.IntVar(&f.maxRecordSize, "max-record-size", 1<<20, "largest record in bytes; a longer line is an error")
	fs.IntVar(&f.retries, "retries", 10, "times failed entries are retried")
	return cmd
}

func runPut(cmd *cobra.Command, f *putFlags, args []string) error {
	if err := requireStream(f.stream); err != nil {
		return err
	}
	keys, err := newKeyChooser(f.key, f.keyField)
	if err != nil {
		return err
	}
	if f.maxRecordSize < 1 || f.maxRecordSize > maxPutBytes {
		return usageErrorf("--max-record-size must be 1 to %d", maxPutBytes)
	}
	if f.retries < 0 {
		return usageErrorf("--retries must not be negative")
	}
	if len(args) == 0 {
		args = []string{"-"}
	}
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	kc, err := f.client.newClient(ctx, clientOptions{})
	if err != nil {
		return err
	}
	p := &putter{api: kc, stream: parseStreamRef(f.stream), retries: f.retries}
	start := time.Now()
	records := make(chan putRecord, 2*maxPutRecords)
	readErr := make(chan error, 1)
	go func() {
		defer close(records)
		readErr <- readRecords(ctx, cmd.InOrStdin(), args, f.maxRecordSize, keys, records)
	}()
	sendErr := p.sendAll(ctx, records, f.linger)
	if sendErr == nil {
		sendErr = <-readErr
	}
	summary := fmt.Sprintf("eddy put: %d %s, %d bytes to stream %s in %s",
		p.records, plural(p.records, "record", "records"), p.bytes, p.stream, time.Since(start).Round(time.Millisecond))
	if p.retried > 0 {
		summary += fmt.Sprintf(", %d entries retried", p.retried)
	}
	if keys.missing > 0 {
		summary += fmt.Sprintf(", %d lines without field %q got a random key", keys.missing, f.keyField)
	}
	fmt.Fprintln(cmd.ErrOrStderr(), summary)
	return sendErr
}

// plural returns one or many by n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// putRecord is one line on its way to the stream.
type putRecord struct {
	data []byte
	key  string
}

// readRecords reads the lines of each input ("-" is in) and sends them as
// records, skipping empty lines.
func readRecords(ctx context.Context, in io.Reader, inputs []string, maxSize int, keys *keyChooser, out chan<- putRecord) error {
	for _, name := range inputs {
		if name == "-" {
			if err := readInput(ctx, in, "stdin", maxSize, keys, out); err != nil {
				return err
			}
			continue
		}
		file, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("open input: %w", err)
		}
		err = readInput(ctx, file, name, maxSize, keys, out)
		file.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// readInput reads the lines of one input named name.
func readInput(ctx context.Context, r io.Reader, name string, maxSize int, keys *keyChooser, out chan<- putRecord) error {
	lines := newLineReader(r, maxSize)
	for {
		line, err := lines.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if len(line) == 0 {
			continue
		}
		key, err := keys.key(line)
		if err != nil {
			return fmt.Errorf("%s line %d: %w", name, lines.Line(), err)
		}
		select {
		case out <- putRecord{data: line, key: key}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// putRecordsAPI is the call `eddy put` makes.
type putRecordsAPI interface {
	PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, opts ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error)
}

// putter batches records into PutRecords calls and retries failed entries.
type putter struct {
	api     putRecordsAPI
	stream  streamRef
	retries int
	// backoff is the wait before the first retry; it doubles up to 5s.
	// Zero means 100ms.
	backoff time.Duration

	records, bytes, retried int
}

// sendAll sends the records from in in batches of up to 500 records or
// 5 MiB, sending a partial batch once its first record has waited linger.
func (p *putter) sendAll(ctx context.Context, in <-chan putRecord, linger time.Duration) error {
	var (
		batch     []types.PutRecordsRequestEntry
		size      int
		timer     = time.NewTimer(time.Hour)
		lingering bool
	)
	timer.Stop()
	defer timer.Stop()
	flush := func() error {
		if lingering {
			timer.Stop()
			lingering = false
		}
		if len(batch) == 0 {
			return nil
		}
		err := p.send(ctx, batch)
		batch, size = nil, 0
		return err
	}
	for {
		select {
		case rec, ok := <-in:
			if !ok {
				return flush()
			}
			recSize := len(rec.data) + len(rec.key)
			if len(batch) > 0 && size+recSize > maxPutBytes {
				if err := flush(); err != nil {
					return err
				}
			}
			batch = append(batch, types.PutRecordsRequestEntry{Data: rec.data, PartitionKey: aws.String(rec.key)})
			size += recSize
			if len(batch) >= maxPutRecords {
				if err := flush(); err != nil {
					return err
				}
			} else if !lingering {
				timer.Reset(linger)
				lingering = true
			}
		case <-timer.C:
			lingering = false
			if err := flush(); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// send puts entries with PutRecords, retrying failed entries up to
// p.retries times with exponential backoff.
func (p *putter) send(ctx context.Context, entries []types.PutRecordsRequestEntry) error {
	backoff := p.backoff
	if backoff == 0 {
		backoff = 100 * time.Millisecond
	}
	for attempt := 0; ; attempt++ {
		out, err := p.api.PutRecords(ctx, &kinesis.PutRecordsInput{
			StreamName: p.stream.name,
			StreamARN:  p.stream.arn,
			Records:    entries,
		})
		if err != nil {
			return apiError("put records to "+p.stream.String(), err)
		}
		if len(out.Records) != len(entries) {
			return fmt.Errorf("put records to %s: sent %d records, got %d results", p.stream, len(entries), len(out.Records))
		}
		var failed []types.PutRecordsRequestEntry
		var lastCode, lastMessage string
		for i, r := range out.Records {
			if r.ErrorCode != nil {
				failed = append(failed, entries[i])
				lastCode, lastMessage = *r.ErrorCode, aws.ToString(r.ErrorMessage)
				continue
			}
			p.records++
			p.bytes += len(entries[i].Data)
		}
		if len(failed) == 0 {
			return nil
		}
		if attempt >= p.retries {
			return fmt.Errorf("put records to %s: %d records failed after %d retries: %s: %s",
				p.stream, len(failed), p.retries, lastCode, lastMessage)
		}
		p.retried += len(failed)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return ctx.Err()
		}
		backoff = min(2*backoff, 5*time.Second)
		entries = failed
	}
}

// lineReader splits an input into lines of bounded length.
type lineReader struct {
	r    *bufio.Reader
	max  int
	line int
}

// errLineTooLong is returned for a line longer than the reader's maximum.
var errLineTooLong = errors.New("line too long")

func newLineReader(r io.Reader, maxSize int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: maxSize}
}

// Line returns the number (from 1) of the line Next returned last.
func (l *lineReader) Line() int { return l.line }

// Next returns the next line without its "\n" or "\r\n", in a slice of its
// own, or io.EOF after the last line. A last line without a newline counts.
// A line longer than the maximum is an error wrapping errLineTooLong.
func (l *lineReader) Next() ([]byte, error) {
	var line []byte
	for {
		chunk, err := l.r.ReadSlice('\n')
		if len(line)+len(chunk) > l.max+2 { // room for "\r\n"
			l.line++
			return nil, fmt.Errorf("line %d: %w (over %d bytes)", l.line, errLineTooLong, l.max)
		}
		line = append(line, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			if len(line) == 0 {
				return nil, io.EOF
			}
			break
		}
		if err != nil {
			return nil, err
		}
		break
	}
	l.line++
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) > l.max {
		return nil, fmt.Errorf("line %d: %w (over %d bytes)", l.line, errLineTooLong, l.max)
	}
	return line, nil
}

// maxPartitionKeyLength is the longest partition key, in Unicode characters.
const maxPartitionKeyLength = 256

// keyChooser picks each record's partition key: fixed, from a JSON field,
// or random.
type keyChooser struct {
	fixed string
	field string
	rng   *rand.Rand
	// missing counts lines whose field was absent, so got a random key.
	missing int
}

// newKeyChooser checks the --key and --key-field flags.
func newKeyChooser(fixed, field string) (*keyChooser, error) {
	if fixed != "" && field != "" {
		return nil, usageErrorf("--key and --key-field are mutually exclusive")
	}
	if n := utf8.RuneCountInString(fixed); n > maxPartitionKeyLength {
		return nil, usageErrorf("--key is %d characters long; partition keys have at most %d", n, maxPartitionKeyLength)
	}
	return &keyChooser{
		fixed: fixed,
		field: field,
		rng:   rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
	}, nil
}

// key returns the partition key of a line.
func (k *keyChooser) key(line []byte) (string, error) {
	if k.fixed != "" {
		return k.fixed, nil
	}
	if k.field != "" {
		key, ok := jsonField(line, k.field)
		if ok {
			if n := utf8.RuneCountInString(key); n > maxPartitionKeyLength {
				return "", fmt.Errorf("field %q is %d characters long; partition keys have at most %d", k.field, n, maxPartitionKeyLength)
			}
			return key, nil
		}
		k.missing++
	}
	return strconv.FormatUint(k.rng.Uint64(), 36), nil
}

// jsonField returns the top-level field of a JSON object line as a
// partition key: a string's value, or the JSON text of a number, boolean,
// object or array. ok is false when the line is not a JSON object, or the
// field is absent, null or the empty string.
func jsonField(line []byte, field string) (key string, ok bool) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		return "", false
	}
	raw, found := obj[field]
	if !found {
		return "", false
	}
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", false
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil || s == "" {
			return "", false
		}
		return s, true
	case raw[0] == '{' || raw[0] == '[':
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return "", false
		}
		return compact.String(), true
	default:
		return string(raw), true
	}
}
