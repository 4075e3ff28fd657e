package bench

import (
	"math"
	"math/bits"
	"time"
)

// subBucketBits sets the histogram's precision: each power-of-two range of
// values is split into 2^subBucketBits linear sub-buckets, so a reported
// value is within 1/2^subBucketBits (under 0.8%) of the recorded one.
const subBucketBits = 7

const (
	subBucketCount = 1 << subBucketBits
	// bucketCount covers every non-negative int64: values below
	// subBucketCount are exact, and each higher power of two adds
	// subBucketCount buckets.
	bucketCount = (64 - subBucketBits) * subBucketCount
)

// Histogram records non-negative int64 values (durations in nanoseconds
// here) in log-linear buckets, like an HDR histogram with fixed precision.
// Memory is constant (about 58 KiB) whatever the values. The zero value is
// empty and ready to use. A Histogram is not safe for concurrent use.
type Histogram struct {
	counts [bucketCount]uint64
	total  uint64
	sum    float64
	min    int64
	max    int64
}

// bucketIndex returns the bucket holding v (v >= 0).
func bucketIndex(v int64) int {
	u := uint64(v)
	if u < subBucketCount {
		return int(u)
	}
	shift := bits.Len64(u) - subBucketBits - 1
	return (shift+1)*subBucketCount + int(u>>shift) - subBucketCount
}

// bucketRange returns the smallest and largest values that fall into bucket i.
func bucketRange(i int) (lo, hi int64) {
	if i < subBucketCount {
		return int64(i), int64(i)
	}
	shift := i/subBucketCount - 1
	sub := uint64(i%subBucketCount + subBucketCount)
	lo64 := sub << shift
	hi64 := (sub+1)<<shift - 1
	if hi64 > math.MaxInt64 {
		hi64 = math.MaxInt64
	}
	return int64(lo64), int64(hi64)
}

// Record adds one value. Negative values are recorded as 0.
func (h *Histogram) Record(v int64) { h.RecordN(v, 1) }

// RecordN adds the value v n times.
func (h *Histogram) RecordN(v int64, n uint64) {
	if n == 0 {
		return
	}
	if v < 0 {
		v = 0
	}
	if h.total == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.counts[bucketIndex(v)] += n
	h.total += n
	h.sum += float64(v) * float64(n)
}

// RecordDuration adds a duration, in nanoseconds.
func (h *Histogram) RecordDuration(d time.Duration) { h.Record(int64(d)) }

// Merge adds all of other's values to h.
func (h *Histogram) Merge(other *Histogram) {
	if other.total == 0 {
		return
	}
	if h.total == 0 || other.min < h.min {
		h.min = other.min
	}
	if other.max > h.max {
		h.max = other.max
	}
	for i, c := range other.counts {
		h.counts[i] += c
	}
	h.total += other.total
	h.sum += other.sum
}

// Reset empties the histogram.
func (h *Histogram) Reset() { *h = Histogram{} }

// Count returns the number of recorded values.
func (h *Histogram) Count() uint64 { return h.total }

// Min returns the smallest recorded value, exactly; 0 when empty.
func (h *Histogram) Min() int64 { return h.min }

// Max returns the largest recorded value, exactly; 0 when empty.
func (h *Histogram) Max() int64 { return h.max }

// Mean returns the mean of the recorded values; 0 when empty.
func (h *Histogram) Mean() float64 {
	if h.total == 0 {
		return 0
	}
	return h.sum / float64(h.total)
}

// Quantile returns the value at quantile q (0 <= q <= 1): the largest value
// of the bucket that holds the ceil(q*count)-th smallest value, clamped to
// the recorded minimum and maximum. So Quantile(1) is Max exactly, and no
// reported value is below the true one by more than the bucket width. It
// returns 0 when the histogram is empty.
func (h *Histogram) Quantile(q float64) int64 {
	if h.total == 0 {
		return 0
	}
	if q <= 0 {
		return h.min
	}
	if q >= 1 {
		return h.max
	}
	rank := uint64(math.Ceil(q * float64(h.total)))
	if rank == 0 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			_, hi := bucketRange(i)
			return min(max(hi, h.min), h.max)
		}
	}
	return h.max
}

// Percentiles summarises a histogram of durations.
type Percentiles struct {
	Count uint64        `json:"count"`
	Mean  time.Duration `json:"-"`
	P50   time.Duration `json:"-"`
	P90   time.Duration `json:"-"`
	P99   time.Duration `json:"-"`
	Max   time.Duration `json:"-"`
	// The same values in milliseconds, for JSON output.
	MeanMillis float64 `json:"mean_ms"`
	P50Millis  float64 `json:"p50_ms"`
	P90Millis  float64 `json:"p90_ms"`
	P99Millis  float64 `json:"p99_ms"`
	MaxMillis  float64 `json:"max_ms"`
}

// Summary returns the count, mean, p50, p90, p99 and max of a histogram of
// nanosecond durations.
func (h *Histogram) Summary() Percentiles {
	p := Percentiles{
		Count: h.total,
		Mean:  time.Duration(h.Mean()),
		P50:   time.Duration(h.Quantile(0.50)),
		P90:   time.Duration(h.Quantile(0.90)),
		P99:   time.Duration(h.Quantile(0.99)),
		Max:   time.Duration(h.max),
	}
	p.MeanMillis = millis(p.Mean)
	p.P50Millis = millis(p.P50)
	p.P90Millis = millis(p.P90)
	p.P99Millis = millis(p.P99)
	p.MaxMillis = millis(p.Max)
	return p
}

// millis converts d to milliseconds rounded to microseconds.
func millis(d time.Duration) float64 {
	return math.Round(float64(d)/1e3) / 1e3
}
