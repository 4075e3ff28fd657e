package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBucketIndexRoundTrip(t *testing.T) {
	// Every bucket's range maps back to that bucket, and ranges tile the
	// number line without gaps.
	var next int64
	for i := 0; i < bucketCount; i++ {
		lo, hi := bucketRange(i)
		require.Equal(t, next, lo, "bucket %d starts where the previous ended", i)
		require.LessOrEqual(t, lo, hi)
		require.Equal(t, i, bucketIndex(lo), "lo of bucket %d", i)
		require.Equal(t, i, bucketIndex(hi), "hi of bucket %d", i)
		if hi == math.MaxInt64 {
			require.Equal(t, bucketCount-1, i, "only the last bucket reaches MaxInt64")
			return
		}
		next = hi + 1
	}
	t.Fatal("buckets do not reach MaxInt64")
}

func TestBucketPrecision(t *testing.T) {
	for _, v := range []int64{0, 1, 127, 128, 129, 1000, 12345, 999_999, 1 << 40, math.MaxInt64 / 3} {
		lo, hi := bucketRange(bucketIndex(v))
		require.LessOrEqual(t, lo, v)
		require.GreaterOrEqual(t, hi, v)
		// The bucket is no wider than 1/128 of its lower bound.
		require.LessOrEqual(t, float64(hi-lo), float64(lo)/subBucketCount+1e-9, "v=%d", v)
	}
}

func TestHistogramEmpty(t *testing.T) {
	var h Histogram
	require.Zero(t, h.Count())
	require.Zero(t, h.Quantile(0.5))
	require.Zero(t, h.Max())
	require.Zero(t, h.Mean())
	s := h.Summary()
	require.Zero(t, s.Count)
	require.Zero(t, s.P99)
}

func TestHistogramSmallExact(t *testing.T) {
	// Values below 128 are exact.
	var h Histogram
	for v := int64(1); v <= 100; v++ {
		h.Record(v)
	}
	require.EqualValues(t, 100, h.Count())
	require.EqualValues(t, 1, h.Min())
	require.EqualValues(t, 100, h.Max())
	require.InDelta(t, 50.5, h.Mean(), 1e-9)
	tests := []struct {
		q    float64
		want int64
	}{
		{0, 1},
		{0.01, 1},
		{0.5, 50},
		{0.9, 90},
		{0.99, 99},
		{0.999, 100},
		{1, 100},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, h.Quantile(tt.q), "q=%v", tt.q)
	}
}

func TestHistogramAgainstSorted(t *testing.T) {
	// Quantiles agree with an exact computation on sorted samples to within
	// the bucket precision, for a wide (log-normal-ish) distribution.
	rng := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	values := make([]int64, 0, 100_000)
	for range 100_000 {
		v := int64(math.Exp(rng.NormFloat64()*2 + 12)) // around 160 µs, wide tails
		values = append(values, v)
		h.Record(v)
	}
	slices.Sort(values)
	for _, q := range []float64{0.1, 0.5, 0.9, 0.99, 0.999} {
		rank := int(math.Ceil(q*float64(len(values)))) - 1
		exact := values[rank]
		got := h.Quantile(q)
		require.GreaterOrEqual(t, got, exact, "q=%v never below the true value", q)
		require.LessOrEqual(t, float64(got-exact), float64(exact)/subBucketCount+1, "q=%v within precision", q)
	}
	require.Equal(t, values[len(values)-1], h.Max())
	require.Equal(t, values[0], h.Min())
	require.Equal(t, h.Max(), h.Quantile(1))
}

func TestHistogramMerge(t *testing.T) {
	var a, b, all Histogram
	for v := int64(0); v < 10_000; v += 7 {
		a.Record(v * 1000)
		all.Record(v * 1000)
	}
	for v := int64(5); v < 20_000; v += 11 {
		b.Record(v * 997)
		all.Record(v * 997)
	}
	var merged Histogram
	merged.Merge(&a)
	merged.Merge(&b)
	merged.Merge(&Histogram{}) // empty merges change nothing
	require.Equal(t, all.Count(), merged.Count())
	require.Equal(t, all.Min(), merged.Min())
	require.Equal(t, all.Max(), merged.Max())
	for _, q := range []float64{0.5, 0.9, 0.99} {
		require.Equal(t, all.Quantile(q), merged.Quantile(q))
	}
}

func TestHistogramNegativeAndRecordN(t *testing.T) {
	var h Histogram
	h.Record(-5)
	h.RecordN(1000, 3)
	h.RecordN(7, 0)
	require.EqualValues(t, 4, h.Count())
	require.EqualValues(t, 0, h.Min())
	require.EqualValues(t, 1000, h.Max())
	require.Equal(t, int64(1000), h.Quantile(0.5))
}

func TestSummaryMillis(t *testing.T) {
	var h Histogram
	h.RecordDuration(1500 * time.Microsecond)
	s := h.Summary()
	require.EqualValues(t, 1, s.Count)
	require.Equal(t, 1500*time.Microsecond, s.Max)
	require.InDelta(t, 1.5, s.MaxMillis, 1e-9)
	// p50 is the bucket's upper bound clamped to max: exact for one value.
	require.Equal(t, 1500*time.Microsecond, s.P50)
}

func BenchmarkHistogramRecord(b *testing.B) {
	var h Histogram
	v := int64(1)
	for b.Loop() {
		h.Record(v)
		v = v*31 + 7
		if v < 0 {
			v = 1
		}
	}
}
