package kinesis

import (
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eddy-streaming/eddy/internal/storage/catalog"
)

// ShardMetrics exports the shard-level metrics that streams turned on
// with EnableEnhancedMonitoring, one series per open or closed shard that
// has seen traffic since the server started, labelled stream and shard:
//
//	IncomingBytes                       eddy_kinesis_shard_incoming_bytes_total
//	IncomingRecords                     eddy_kinesis_shard_incoming_records_total
//	OutgoingBytes                       eddy_kinesis_shard_outgoing_bytes_total
//	OutgoingRecords                     eddy_kinesis_shard_outgoing_records_total
//	WriteProvisionedThroughputExceeded  eddy_kinesis_shard_write_throughput_exceeded_total
//	ReadProvisionedThroughputExceeded   eddy_kinesis_shard_read_throughput_exceeded_total
//	IteratorAgeMilliseconds             eddy_kinesis_shard_iterator_age_milliseconds (gauge)
//
// DisableEnhancedMonitoring removes a metric's series.
type ShardMetrics struct {
	h *Handler
}

// ShardMetrics returns the collector of h's shard-level metrics; register
// it with the server's registry.
func (h *Handler) ShardMetrics() *ShardMetrics { return &ShardMetrics{h: h} }

var shardMetricDescs = map[string]*prometheus.Desc{
	"IncomingBytes":                      shardDesc("incoming_bytes_total", "Bytes (data and partition keys) written to the shard."),
	"IncomingRecords":                    shardDesc("incoming_records_total", "Records written to the shard."),
	"OutgoingBytes":                      shardDesc("outgoing_bytes_total", "Bytes returned by GetRecords and SubscribeToShard."),
	"OutgoingRecords":                    shardDesc("outgoing_records_total", "Records returned by GetRecords and SubscribeToShard."),
	"WriteProvisionedThroughputExceeded": shardDesc("write_throughput_exceeded_total", "Records refused for exceeding the shard's write limits."),
	"ReadProvisionedThroughputExceeded":  shardDesc("read_throughput_exceeded_total", "GetRecords calls refused for exceeding the shard's read limits."),
	"IteratorAgeMilliseconds":            shardDesc("iterator_age_milliseconds", "Lag of the latest read behind the shard's newest record."),
}

func shardDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc("eddy_kinesis_shard_"+name, help+" Only while the stream has the metric enabled (enhanced monitoring).",
		[]string{"stream", "shard"}, nil)
}

// Describe sends the descriptors.
func (c *ShardMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range shardMetricDescs {
		ch <- d
	}
}

// Collect sends the current values.
func (c *ShardMetrics) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.h.store.Streams() {
		enabled := shardMetrics(s)
		if len(enabled) == 0 {
			continue
		}
		for _, sh := range s.Shards {
			m := c.h.meters.peek(shardKey{s.ID, sh.Index})
			if m == nil {
				continue
			}
			c.collectShard(ch, s, sh, enabled, m.counters())
		}
	}
}

func (c *ShardMetrics) collectShard(ch chan<- prometheus.Metric, s catalog.Stream, sh catalog.Shard, enabled []string, v shardCounters) {
	values := map[string]int64{
		"IncomingBytes": v.IncomingBytes, "IncomingRecords": v.IncomingRecords,
		"OutgoingBytes": v.OutgoingBytes, "OutgoingRecords": v.OutgoingRecords,
		"WriteProvisionedThroughputExceeded": v.WriteThroughputExceeded,
		"ReadProvisionedThroughputExceeded":  v.ReadThroughputExceeded,
		"IteratorAgeMilliseconds":            v.IteratorAgeMilliseconds,
	}
	for _, name := range shardMetricNames {
		if !slices.Contains(enabled, name) {
			continue
		}
		kind := prometheus.CounterValue
		if name == "IteratorAgeMilliseconds" {
			kind = prometheus.GaugeValue
		}
		m, err := prometheus.NewConstMetric(shardMetricDescs[name], kind, float64(values[name]), s.Name, catalog.ShardID(sh.Index))
		if err == nil {
			ch <- m
		}
	}
}
