package firehose

import (
	"strings"
	"unicode"

	"github.com/prometheus/client_golang/prometheus"
)

// Collector exports the delivery streams' counters to Prometheus, one
// series per delivery stream, named after Firehose's metrics:
// IncomingRecords becomes eddy_firehose_incoming_records_total,
// DeliveryToS3.DataFreshness becomes
// eddy_firehose_delivery_to_s3_data_freshness_seconds (a gauge), and
// FailedRecords.<error-output-type> becomes
// eddy_firehose_failed_records_total{error_output_type=...}.
type Collector struct {
	svc *Service
}

// NewCollector returns a Collector of svc's metrics; register it with the
// server's registry.
func NewCollector(svc *Service) *Collector { return &Collector{svc: svc} }

// Describe sends no descriptors: the set of series is dynamic (an
// unchecked collector).
func (c *Collector) Describe(chan<- *prometheus.Desc) {}

// Collect sends the current values.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, sm := range c.svc.Metrics() {
		for name, v := range sm.Values {
			metric, labelName, labelValue := promName(name)
			labels := []string{"delivery_stream"}
			values := []string{sm.DeliveryStream}
			if labelName != "" {
				labels = append(labels, labelName)
				values = append(values, labelValue)
			}
			kind := prometheus.CounterValue
			if strings.HasSuffix(metric, "_seconds") {
				kind = prometheus.GaugeValue
			}
			desc := prometheus.NewDesc(metric, "Firehose metric "+name+".", labels, nil)
			m, err := prometheus.NewConstMetric(desc, kind, v, values...)
			if err == nil {
				ch <- m
			}
		}
	}
}

// promName maps a Firehose metric name to a Prometheus name and an
// optional label.
func promName(name string) (metric, labelName, labelValue string) {
	if t, ok := strings.CutPrefix(name, "FailedRecords."); ok {
		return "eddy_firehose_failed_records_total", "error_output_type", t
	}
	var b strings.Builder
	b.WriteString("eddy_firehose_")
	prevLower := false
	for _, r := range name {
		switch {
		case r == '.':
			b.WriteByte('_')
			prevLower = false
		case unicode.IsUpper(r):
			if prevLower {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			prevLower = false
		default:
			b.WriteRune(r)
			prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
		}
	}
	metric = b.String()
	if strings.HasSuffix(metric, "_data_freshness") {
		return metric + "_seconds", "", ""
	}
	return metric + "_total", "", ""
}
