package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Result is what one benchmark run measured. Its JSON form is the
// machine-readable output of `eddy bench --json`.
type Result struct {
	// Endpoint is a label for the endpoint, set by the caller.
	Endpoint string `json:"endpoint,omitempty"`
	// Stream is the stream's name, and Shards its open shard count.
	Stream string `json:"stream"`
	Shards int    `json:"shards"`
	// StreamCreated says the run created the stream; StreamDeleted that
	// it deleted it at the end.
	StreamCreated bool `json:"stream_created"`
	StreamDeleted bool `json:"stream_deleted"`

	// The load: API is "PutRecords" or "PutRecord".
	API        string `json:"api"`
	Producers  int    `json:"producers"`
	RecordSize int    `json:"record_size"`
	BatchSize  int    `json:"batch_size"`
	// Duration is the configured producing time, Elapsed the real one.
	Duration        time.Duration `json:"-"`
	Elapsed         time.Duration `json:"-"`
	DurationSeconds float64       `json:"duration_s"`
	ElapsedSeconds  float64       `json:"elapsed_s"`
	// Interrupted says the run was cancelled before its duration.
	Interrupted bool `json:"interrupted,omitempty"`

	// PutRecords and PutBytes count acknowledged records and their data
	// bytes; PutCalls the successful calls.
	PutRecords int64 `json:"put_records"`
	PutBytes   int64 `json:"put_bytes"`
	PutCalls   int64 `json:"put_calls"`
	// RecordsPerSecond and MBPerSecond (10^6 bytes) are the put rates over
	// Elapsed.
	RecordsPerSecond float64 `json:"records_per_s"`
	MBPerSecond      float64 `json:"mb_per_s"`
	// PutLatency is the latency of successful put calls.
	PutLatency Percentiles `json:"put_latency"`

	// ReadRecords counts benchmark records read by consumers;
	// ForeignRecords other records they saw. Reading is off when
	// ReadEnabled is false.
	ReadEnabled    bool  `json:"read_enabled"`
	ReadRecords    int64 `json:"read_records"`
	ForeignRecords int64 `json:"foreign_records,omitempty"`
	// PutToReadLatency runs from a record's send to the return of the
	// GetRecords call that read it.
	PutToReadLatency Percentiles `json:"put_to_read_latency"`

	// Errors counts failed put calls and failed PutRecords entries;
	// Throttles those refused for load. ReadErrors and ReadThrottles count
	// the same for GetRecords and GetShardIterator calls.
	Errors        int64 `json:"errors"`
	Throttles     int64 `json:"throttles"`
	ReadErrors    int64 `json:"read_errors"`
	ReadThrottles int64 `json:"read_throttles"`
	// LastError is the last error message seen, if any.
	LastError string `json:"last_error,omitempty"`

	putLatency, readLatency Histogram
}

func newResult(cfg Config, shards int, created bool) *Result {
	api := "PutRecords"
	if cfg.UsePutRecord {
		api = "PutRecord"
	}
	return &Result{
		Stream:          cfg.Stream,
		Shards:          shards,
		StreamCreated:   created,
		API:             api,
		Producers:       cfg.Producers,
		RecordSize:      cfg.RecordSize,
		BatchSize:       cfg.BatchSize,
		Duration:        cfg.Duration,
		DurationSeconds: cfg.Duration.Seconds(),
		ReadEnabled:     !cfg.NoRead,
	}
}

// fill copies the final counters and histogram summaries into r.
func (r *Result) fill(st *state) {
	r.ElapsedSeconds = r.Elapsed.Seconds()
	r.PutRecords = st.putRecords.Load()
	r.PutBytes = st.putBytes.Load()
	r.PutCalls = st.putCalls.Load()
	if secs := r.Elapsed.Seconds(); secs > 0 {
		r.RecordsPerSecond = float64(r.PutRecords) / secs
		r.MBPerSecond = float64(r.PutBytes) / secs / 1e6
	}
	r.PutLatency = r.putLatency.Summary()
	r.ReadRecords = st.readRecords.Load()
	r.ForeignRecords = st.foreignRecords.Load()
	r.PutToReadLatency = r.readLatency.Summary()
	r.Errors = st.errors.Load()
	r.Throttles = st.throttles.Load()
	r.ReadErrors = st.readErrors.Load()
	r.ReadThrottles = st.readThrottles.Load()
	r.LastError = st.getLastError()
}

// WriteText writes a human-readable summary of r to w.
func (r *Result) WriteText(w io.Writer) error {
	var b strings.Builder
	if r.Endpoint != "" {
		fmt.Fprintf(&b, "endpoint    %s\n", r.Endpoint)
	}
	var fate string
	switch {
	case r.StreamDeleted:
		fate = ", created and deleted"
	case r.StreamCreated:
		fate = ", created and kept"
	default:
		fate = ", existing"
	}
	fmt.Fprintf(&b, "stream      %s (%d shard%s%s)\n", r.Stream, r.Shards, plural(r.Shards), fate)
	load := fmt.Sprintf("%d × %d B records", r.BatchSize, r.RecordSize)
	if r.API == "PutRecord" {
		load = fmt.Sprintf("one %d B record", r.RecordSize)
	}
	fmt.Fprintf(&b, "load        %d producer%s, %s of %s, for %s\n",
		r.Producers, plural(r.Producers), r.API, load, r.Duration)
	if r.Interrupted {
		b.WriteString("            (interrupted)\n")
	}
	fmt.Fprintf(&b, "put         %s records, %.1f MB in %.2f s: %s records/s, %.2f MB/s (%s calls)\n",
		thousands(r.PutRecords), float64(r.PutBytes)/1e6, r.ElapsedSeconds,
		thousands(int64(r.RecordsPerSecond)), r.MBPerSecond, thousands(r.PutCalls))
	fmt.Fprintf(&b, "put call    %s\n", formatPercentiles(r.PutLatency))
	if r.ReadEnabled {
		fmt.Fprintf(&b, "put→read    %s (read %s of %s records)\n",
			formatPercentiles(r.PutToReadLatency), thousands(r.ReadRecords), thousands(r.PutRecords))
	} else {
		b.WriteString("put→read    not measured (reading off)\n")
	}
	fmt.Fprintf(&b, "errors      %s errors, %s throttles; reads: %s errors, %s throttles\n",
		thousands(r.Errors), thousands(r.Throttles), thousands(r.ReadErrors), thousands(r.ReadThrottles))
	if r.LastError != "" {
		fmt.Fprintf(&b, "last error  %s\n", r.LastError)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// formatPercentiles renders p50/p90/p99/max of latencies.
func formatPercentiles(p Percentiles) string {
	if p.Count == 0 {
		return "no samples"
	}
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  max %s",
		FormatLatency(p.P50), FormatLatency(p.P90), FormatLatency(p.P99), FormatLatency(p.Max))
}

// FormatLatency renders d in milliseconds with three significant digits
// (seconds from 10 s up).
func FormatLatency(d time.Duration) string {
	ms := float64(d) / 1e6
	switch {
	case ms >= 10_000:
		return fmt.Sprintf("%.1f s", ms/1e3)
	case ms >= 100:
		return fmt.Sprintf("%.0f ms", ms)
	case ms >= 10:
		return fmt.Sprintf("%.1f ms", ms)
	case ms >= 1:
		return fmt.Sprintf("%.2f ms", ms)
	default:
		return fmt.Sprintf("%.3f ms", ms)
	}
}

// thousands renders n with comma separators.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
