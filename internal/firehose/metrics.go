package firehose

import (
	"sort"
	"sync"
	"time"
)

// streamMetrics counts what a delivery stream takes in and delivers, under
// Firehose's CloudWatch metric names.
type streamMetrics struct {
	mu     sync.Mutex
	values map[string]float64
}

func (m *streamMetrics) add(name string, v float64) {
	m.mu.Lock()
	if m.values == nil {
		m.values = map[string]float64{}
	}
	m.values[name] += v
	m.mu.Unlock()
}

func (m *streamMetrics) set(name string, v float64) {
	m.mu.Lock()
	if m.values == nil {
		m.values = map[string]float64{}
	}
	m.values[name] = v
	m.mu.Unlock()
}

func (m *streamMetrics) incoming(recs []Record) {
	n := 0
	for _, r := range recs {
		n += len(r.Data)
	}
	m.add("IncomingRecords", float64(len(recs)))
	m.add("IncomingBytes", float64(n))
	m.add("IncomingPutRequests", 1)
}

func (m *streamMetrics) delivered(dest string, records, bytes int) {
	m.add("DeliveryTo"+dest+".Records", float64(records))
	m.add("DeliveryTo"+dest+".Bytes", float64(bytes))
	m.add("DeliveryTo"+dest+".Success", 1)
}

func (m *streamMetrics) freshness(d time.Duration) {
	m.set("DeliveryToS3.DataFreshness", d.Seconds())
}

func (m *streamMetrics) failed(errType string, n int) {
	m.add("FailedRecords."+errType, float64(n))
}

func (m *streamMetrics) snapshot() map[string]float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]float64, len(m.values))
	for k, v := range m.values {
		out[k] = v
	}
	return out
}

// StreamMetrics is a snapshot of one delivery stream's counters: metric
// name (Firehose's: IncomingRecords, IncomingBytes, DeliveryToS3.Records,
// DeliveryToS3.Success, DeliveryToS3.DataFreshness, ...) to value.
type StreamMetrics struct {
	DeliveryStream string
	Values         map[string]float64
}

// Metrics returns the counters of every delivery stream, sorted by name,
// for an exporter (Prometheus) to publish.
func (s *Service) Metrics() []StreamMetrics {
	s.mu.Lock()
	out := make([]StreamMetrics, 0, len(s.streams))
	for name, ds := range s.streams {
		out = append(out, StreamMetrics{DeliveryStream: name, Values: ds.metrics.snapshot()})
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].DeliveryStream < out[j].DeliveryStream })
	return out
}
