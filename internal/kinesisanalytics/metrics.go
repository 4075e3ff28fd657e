package kinesisanalytics

import (
	"sort"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics describes the applications' metrics. Counters count since the
// application's runner last started (a restart resets them, which
// Prometheus treats as a counter reset).
type metrics struct {
	status      *prometheus.Desc
	records     *prometheus.Desc
	pumpRows    *prometheus.Desc
	pumpErrors  *prometheus.Desc
	lag         *prometheus.Desc
	checkpoints *prometheus.Desc
}

var metricDescs = metrics{
	status: prometheus.NewDesc("eddy_sql_application_running", "1 if the SQL application is RUNNING, else 0.",
		[]string{"application"}, nil),
	records: prometheus.NewDesc("eddy_sql_records_total", "Records read from the application's inputs (in) and written to its outputs (out).",
		[]string{"application", "direction"}, nil),
	pumpRows: prometheus.NewDesc("eddy_sql_pump_rows_total", "Rows a pump read from its FROM streams (in) and inserted into its target stream (out).",
		[]string{"application", "pump", "direction"}, nil),
	pumpErrors: prometheus.NewDesc("eddy_sql_errors_total", "Rows a pump sent to error_stream (pump=\"(input)\": records that did not fit the input schema).",
		[]string{"application", "pump"}, nil),
	lag: prometheus.NewDesc("eddy_sql_lag_seconds", "How far the application's time (its lowest input watermark) is behind the clock.",
		[]string{"application"}, nil),
	checkpoints: prometheus.NewDesc("eddy_sql_checkpoints_total", "Checkpoints the application saved.",
		[]string{"application"}, nil),
}

// inputErrorsPump names, in metrics and DescribeApplication, the errors
// of the input mapping, which belong to no pump.
const inputErrorsPump = "(input)"

// Collector returns the Prometheus collector of the applications'
// metrics, to register on the server's registry.
func (s *Service) Collector() prometheus.Collector { return collector{s} }

type collector struct{ s *Service }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	m := metricDescs
	for _, d := range []*prometheus.Desc{m.status, m.records, m.pumpRows, m.pumpErrors, m.lag, m.checkpoints} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	s, m := c.s, metricDescs
	type entry struct {
		name    string
		running bool
		exec    *execution
	}
	s.mu.Lock()
	entries := make([]entry, 0, len(s.apps))
	for name, a := range s.apps {
		entries = append(entries, entry{name, a.status == statusRunning, a.exec})
	}
	s.mu.Unlock()
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	now := s.opts.Now()
	for _, e := range entries {
		running := 0.0
		if e.running {
			running = 1
		}
		ch <- prometheus.MustNewConstMetric(m.status, prometheus.GaugeValue, running, e.name)
		if e.exec == nil {
			continue
		}
		st, _, ok := e.exec.stats()
		if !ok {
			continue
		}
		ch <- prometheus.MustNewConstMetric(m.records, prometheus.CounterValue, float64(st.RecordsIn), e.name, "in")
		ch <- prometheus.MustNewConstMetric(m.records, prometheus.CounterValue, float64(st.RecordsOut), e.name, "out")
		ch <- prometheus.MustNewConstMetric(m.checkpoints, prometheus.CounterValue, float64(st.Checkpoints), e.name)
		if !st.Watermark.IsZero() {
			ch <- prometheus.MustNewConstMetric(m.lag, prometheus.GaugeValue, max(0, now.Sub(st.Watermark).Seconds()), e.name)
		}
		for _, p := range st.Pumps {
			if p.Name == "" {
				// Records that did not map to input rows.
				ch <- prometheus.MustNewConstMetric(m.pumpErrors, prometheus.CounterValue, float64(p.Errors), e.name, inputErrorsPump)
				continue
			}
			ch <- prometheus.MustNewConstMetric(m.pumpRows, prometheus.CounterValue, float64(p.RowsIn), e.name, p.Name, "in")
			ch <- prometheus.MustNewConstMetric(m.pumpRows, prometheus.CounterValue, float64(p.RowsOut), e.name, p.Name, "out")
			ch <- prometheus.MustNewConstMetric(m.pumpErrors, prometheus.CounterValue, float64(p.Errors), e.name, p.Name)
		}
	}
}
