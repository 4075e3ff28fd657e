package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Shard-level metrics as `eddy serve` exports them on GET /metrics
// (internal/kinesis.ShardMetrics), labelled stream and shard.
const (
	metricIncomingRecords = "eddy_kinesis_shard_incoming_records_total"
	metricIncomingBytes   = "eddy_kinesis_shard_incoming_bytes_total"
	metricOutgoingRecords = "eddy_kinesis_shard_outgoing_records_total"
	metricOutgoingBytes   = "eddy_kinesis_shard_outgoing_bytes_total"
	metricWriteThrottled  = "eddy_kinesis_shard_write_throughput_exceeded_total"
	metricReadThrottled   = "eddy_kinesis_shard_read_throughput_exceeded_total"
	metricIteratorAge     = "eddy_kinesis_shard_iterator_age_milliseconds"
)

// shardCounters are the values of one shard's metrics at one time.
type shardCounters struct {
	incomingRecords, incomingBytes float64
	outgoingRecords, outgoingBytes float64
	writeThrottled, readThrottled  float64
	iteratorAgeMillis              float64
}

// metricsSample is the shard metrics of one stream at one time.
type metricsSample struct {
	at     time.Time
	shards map[string]shardCounters
}

// metricsURL returns the URL of the metrics of the server at endpoint.
func metricsURL(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return "", usageErrorf("cannot derive the metrics URL from endpoint %q: give --metrics-url", endpoint)
	}
	u.Path, u.RawQuery, u.Fragment = "/metrics", "", ""
	return u.String(), nil
}

// httpDoer is the HTTP client stats scrapes with.
type httpDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// scrapeMetrics reads the shard metrics of stream from the Prometheus
// endpoint at url.
func scrapeMetrics(ctx context.Context, client httpDoer, url, stream string) (metricsSample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return metricsSample{}, usageErrorf("bad metrics URL %q: %v", url, err)
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := client.Do(req)
	if err != nil {
		return metricsSample{}, apiError("read metrics from "+url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return metricsSample{}, fmt.Errorf("read metrics from %s: %s %s: is this an Eddy server?",
			url, resp.Status, strings.Join(strings.Fields(string(body)), " "))
	}
	sample, err := parseMetrics(resp.Body, stream)
	if err != nil {
		return metricsSample{}, fmt.Errorf("read metrics from %s: %w", url, err)
	}
	sample.at = time.Now()
	return sample, nil
}

// parseMetrics parses the Prometheus text format and keeps the shard
// metrics of stream.
func parseMetrics(r io.Reader, stream string) (metricsSample, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return metricsSample{}, err
	}
	sample := metricsSample{shards: map[string]shardCounters{}}
	fields := map[string]func(*shardCounters) *float64{
		metricIncomingRecords: func(c *shardCounters) *float64 { return &c.incomingRecords },
		metricIncomingBytes:   func(c *shardCounters) *float64 { return &c.incomingBytes },
		metricOutgoingRecords: func(c *shardCounters) *float64 { return &c.outgoingRecords },
		metricOutgoingBytes:   func(c *shardCounters) *float64 { return &c.outgoingBytes },
		metricWriteThrottled:  func(c *shardCounters) *float64 { return &c.writeThrottled },
		metricReadThrottled:   func(c *shardCounters) *float64 { return &c.readThrottled },
		metricIteratorAge:     func(c *shardCounters) *float64 { return &c.iteratorAgeMillis },
	}
	for name, field := range fields {
		family, ok := families[name]
		if !ok {
			continue
		}
		for _, m := range family.GetMetric() {
			if label(m, "stream") != stream {
				continue
			}
			shard := label(m, "shard")
			c := sample.shards[shard]
			*field(&c) = metricValue(m)
			sample.shards[shard] = c
		}
	}
	return sample, nil
}

// label returns the value of a metric's label.
func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// metricValue returns a counter's, a gauge's or an untyped metric's value.
func metricValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	return math.NaN()
}

// shardRates are one shard's rates over an interval.
type shardRates struct {
	Shard string `json:"shard"`
	// Open is false for a shard closed by resharding.
	Open              bool    `json:"open"`
	IncomingRecords   float64 `json:"incoming_records_per_s"`
	IncomingBytes     float64 `json:"incoming_bytes_per_s"`
	OutgoingRecords   float64 `json:"outgoing_records_per_s"`
	OutgoingBytes     float64 `json:"outgoing_bytes_per_s"`
	WriteThrottled    float64 `json:"write_throttled_per_s"`
	ReadThrottled     float64 `json:"read_throttled_per_s"`
	IteratorAgeMillis float64 `json:"iterator_age_ms"`
}

// statsReport is one line of `eddy stats --output json`: the rates of a
// stream's shards over the last interval.
type statsReport struct {
	Time     time.Time    `json:"time"`
	Stream   string       `json:"stream"`
	Interval float64      `json:"interval_s"`
	Shards   []shardRates `json:"shards"`
	Total    shardRates   `json:"total"`
}

// computeRates turns two samples into per-second rates for the open shards
// and the closed shards with traffic. A counter that went down (the server
// restarted) counts from zero.
func computeRates(stream string, prev, cur metricsSample, shards []types.Shard) statsReport {
	seconds := cur.at.Sub(prev.at).Seconds()
	report := statsReport{Time: cur.at.UTC(), Stream: stream, Interval: math.Round(seconds*1000) / 1000, Shards: []shardRates{}}
	rate := func(before, after float64) float64 {
		if seconds <= 0 {
			return 0
		}
		if after < before {
			before = 0
		}
		return math.Round((after-before)/seconds*1000) / 1000
	}
	open := map[string]bool{}
	ids := []string{}
	for _, s := range shards {
		id := aws.ToString(s.ShardId)
		ids = append(ids, id)
		open[id] = s.SequenceNumberRange == nil || s.SequenceNumberRange.EndingSequenceNumber == nil
	}
	for id := range cur.shards {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	report.Total.Shard = "TOTAL"
	for _, id := range ids {
		p, c := prev.shards[id], cur.shards[id]
		r := shardRates{
			Shard:             id,
			Open:              open[id],
			IncomingRecords:   rate(p.incomingRecords, c.incomingRecords),
			IncomingBytes:     rate(p.incomingBytes, c.incomingBytes),
			OutgoingRecords:   rate(p.outgoingRecords, c.outgoingRecords),
			OutgoingBytes:     rate(p.outgoingBytes, c.outgoingBytes),
			WriteThrottled:    rate(p.writeThrottled, c.writeThrottled),
			ReadThrottled:     rate(p.readThrottled, c.readThrottled),
			IteratorAgeMillis: c.iteratorAgeMillis,
		}
		active := r.IncomingRecords > 0 || r.OutgoingRecords > 0 || r.WriteThrottled > 0 || r.ReadThrottled > 0
		if !r.Open && !active {
			continue
		}
		report.Shards = append(report.Shards, r)
		t := &report.Total
		t.Open = t.Open || r.Open
		t.IncomingRecords += r.IncomingRecords
		t.IncomingBytes += r.IncomingBytes
		t.OutgoingRecords += r.OutgoingRecords
		t.OutgoingBytes += r.OutgoingBytes
		t.WriteThrottled += r.WriteThrottled
		t.ReadThrottled += r.ReadThrottled
		t.IteratorAgeMillis = max(t.IteratorAgeMillis, r.IteratorAgeMillis)
	}
	return report
}
