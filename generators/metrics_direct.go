package generators

import (
	"context"
	"math"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// explicitBounds are the SDK's default explicit histogram bucket boundaries, which the SDK pipeline uses.
var explicitBounds = []float64{0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000}

// directExpScale is the exponential histogram scale of the direct pipeline: the plan's values (1 to 4096) span
// 12 powers of two, which at 8 buckets per power fit the 160 buckets the SDK pipeline allows, the scale the SDK
// itself settles at for them.
const directExpScale = 3

// expIndex is the exponential bucket of v > 0 at scale: bucket i holds (base^i, base^(i+1)], base = 2^(2^-scale).
func expIndex(v float64, scale int) int32 {
	frac, exp := math.Frexp(v) // v = frac · 2^exp, frac in [0.5, 1)
	if frac == 0.5 {           // an exact power of two is the upper bound of its bucket
		return int32((exp-1)<<scale) - 1
	}
	return int32(math.Ceil(math.Log2(v)*float64(int(1)<<scale))) - 1
}

// directSeries is what one series accumulated: since the stream started (cumulative) or since the last export
// (delta).
type directSeries struct {
	attrs    attribute.Set
	sum      float64
	count    uint64
	last     float64
	min, max float64
	buckets  []uint64 // explicit: one per bound and +Inf; exponential: from expOffset
	start    time.Time
	touched  bool // measured since the last export
}

// expOffset is the first exponential bucket a directSeries keeps: the bucket of 1, the plan's smallest value.
var expOffset = expIndex(1, directExpScale)

// directMetrics aggregates measurements as the SDK would, without attribute-set lookups or locks: series are
// indexed by the plan's own numbers. It belongs to one goroutine.
type directMetrics struct {
	cfg    MetricStreamConfig
	delta  bool
	series []*directSeries // by (generation·Series + series)·kinds + kind
	order  []int           // series indexes in the order first measured: the order of every export
	res    metricdata.ResourceMetrics
	last   time.Time // when the last collection was taken
	dirty  bool      // a measurement was recorded since
}

func newDirectMetrics(cfg MetricStreamConfig) *directMetrics {
	n := (cfg.Plan.Churn + 1) * max(cfg.Plan.Series, 1) * len(cfg.Plan.Kinds)
	return &directMetrics{
		cfg: cfg, delta: cfg.Temporality == "delta", series: make([]*directSeries, n),
		res: metricdata.ResourceMetrics{Resource: metricResource(cfg)},
	}
}

// record adds measurement k, taken at now.
func (d *directMetrics) record(k uint64, now time.Time) {
	kind, gen, s, value := d.cfg.Plan.at(k)
	d.dirty = true
	nk := len(d.cfg.Plan.Kinds)
	i := (int(gen)*max(d.cfg.Plan.Series, 1)+int(s))*nk + kind
	ser := d.series[i]
	if ser == nil {
		ser = &directSeries{
			attrs: attribute.NewSet(attribute.String(AttrStream, d.cfg.Stream), attribute.String(AttrSeries, seriesName(gen, s))),
			start: now, min: value, max: value,
		}
		switch d.cfg.Plan.Kinds[kind] {
		case Histogram:
			ser.buckets = make([]uint64, len(explicitBounds)+1)
		case ExponentialHistogram:
			ser.buckets = make([]uint64, expIndex(4096, directExpScale)-expOffset+1)
		}
		d.series[i] = ser
		d.order = append(d.order, i)
	}
	if !ser.touched {
		ser.touched = true
		if ser.count == 0 {
			ser.min, ser.max = value, value
		}
	}
	ser.sum += value
	ser.count++
	ser.last = value
	ser.min, ser.max = min(ser.min, value), max(ser.max, value)
	switch d.cfg.Plan.Kinds[kind] {
	case Histogram:
		b := len(explicitBounds)
		for j, bound := range explicitBounds {
			if value <= bound {
				b = j
				break
			}
		}
		ser.buckets[b]++
	case ExponentialHistogram:
		if j := int(expIndex(value, directExpScale) - expOffset); j >= 0 && j < len(ser.buckets) {
			ser.buckets[j]++
		}
	}
}

// collect returns the data points of every series due at now, as the SDK's reader would collect them: every
// series seen (cumulative), or every series measured since the last collection (delta), whose state it resets.
// The result shares nothing with the aggregator, so it can be exported on another goroutine.
func (d *directMetrics) collect(now time.Time) *metricdata.ResourceMetrics {
	kinds := d.cfg.Plan.Kinds
	metrics := make([]metricdata.Metrics, len(kinds))
	temporality := metricdata.CumulativeTemporality
	if d.delta {
		temporality = metricdata.DeltaTemporality
	}
	counters := make([][]metricdata.DataPoint[int64], len(kinds))
	gauges := make([][]metricdata.DataPoint[float64], len(kinds))
	hists := make([][]metricdata.HistogramDataPoint[float64], len(kinds))
	exps := make([][]metricdata.ExponentialHistogramDataPoint[float64], len(kinds))
	for _, i := range d.order {
		ser := d.series[i]
		if d.delta && !ser.touched {
			continue
		}
		kind := i % len(kinds)
		start := ser.start
		switch kinds[kind] {
		case Counter, UpDownCounter:
			counters[kind] = append(counters[kind], metricdata.DataPoint[int64]{Attributes: ser.attrs, StartTime: start, Time: now, Value: int64(ser.sum)})
		case Gauge:
			gauges[kind] = append(gauges[kind], metricdata.DataPoint[float64]{Attributes: ser.attrs, StartTime: start, Time: now, Value: ser.last})
		case Histogram:
			hists[kind] = append(hists[kind], metricdata.HistogramDataPoint[float64]{
				Attributes: ser.attrs, StartTime: start, Time: now, Count: ser.count, Sum: ser.sum,
				Bounds: explicitBounds, BucketCounts: append([]uint64(nil), ser.buckets...),
				Min: metricdata.NewExtrema(ser.min), Max: metricdata.NewExtrema(ser.max),
			})
		case ExponentialHistogram:
			lo, hi := 0, len(ser.buckets)
			for lo < hi && ser.buckets[lo] == 0 {
				lo++
			}
			for hi > lo && ser.buckets[hi-1] == 0 {
				hi--
			}
			exps[kind] = append(exps[kind], metricdata.ExponentialHistogramDataPoint[float64]{
				Attributes: ser.attrs, StartTime: start, Time: now, Count: ser.count, Sum: ser.sum,
				Scale: directExpScale, PositiveBucket: metricdata.ExponentialBucket{
					Offset: expOffset + int32(lo), Counts: append([]uint64(nil), ser.buckets[lo:hi]...),
				},
				Min: metricdata.NewExtrema(ser.min), Max: metricdata.NewExtrema(ser.max),
			})
		}
		ser.touched = false
		if d.delta {
			ser.sum, ser.count, ser.start = 0, 0, now
			clear(ser.buckets)
		}
	}
	for kind, k := range kinds {
		in, _ := InstrumentOf(k)
		m := metricdata.Metrics{Name: in.Name, Unit: in.Unit, Description: in.description()}
		switch k {
		case Counter, UpDownCounter:
			m.Data = metricdata.Sum[int64]{DataPoints: counters[kind], Temporality: temporality, IsMonotonic: k == Counter}
		case Gauge:
			m.Data = metricdata.Gauge[float64]{DataPoints: gauges[kind]}
		case Histogram:
			m.Data = metricdata.Histogram[float64]{DataPoints: hists[kind], Temporality: temporality}
		case ExponentialHistogram:
			m.Data = metricdata.ExponentialHistogram[float64]{DataPoints: exps[kind], Temporality: temporality}
		}
		metrics[kind] = m
	}
	d.last, d.dirty = now, false
	return &metricdata.ResourceMetrics{
		Resource:     d.res.Resource,
		ScopeMetrics: []metricdata.ScopeMetrics{{Scope: instrumentation.Scope{Name: scopeName}, Metrics: metrics}},
	}
}

// runDirect is Run for PipelineDirect: measurements are aggregated by directMetrics, and every ExportInterval
// (or, when the previous export is still running, as soon as it returns, as the SDK's periodic reader does) the
// collected data points are handed to the exporter on its own goroutine. The last collection, after the
// schedule ends, carries the final state.
func (s *MetricStream) runDirect(ctx context.Context) error {
	cfg := s.cfg
	agg := newDirectMetrics(cfg)
	collections := make(chan *metricdata.ResourceMetrics, 1)
	exported := make(chan struct{})
	go func() {
		defer close(exported)
		for rm := range collections {
			ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ExportTimeout)
			_ = cfg.PushExporter.Export(ectx, rm) // measured and recorded by the exporter's wrapper
			cancel()
		}
	}()
	interval := cfg.ExportInterval
	if interval <= 0 {
		interval = time.Second
	}
	var k uint64
	s.stats.Start, s.stats.End, k = Drive(ctx, cfg.Schedule, &s.emitted, func(j uint64) {
		now := time.Now()
		if agg.last.IsZero() {
			agg.last = now
		}
		agg.record(cfg.Plan.Stripe.Seq(j), now)
		// One collection waits at most: while the exporter is busy, measurements keep accumulating.
		if now.Sub(agg.last) >= interval && len(collections) == 0 {
			collections <- agg.collect(now)
		}
	})
	s.finishStats(k)
	// The last collection carries the final state. A schedule of whole intervals ends on a collection: when
	// nothing was measured since, that one already holds the final state, and another would repeat it at a
	// timestamp in the same millisecond, which a store of milliseconds (Prometheus) keeps as one sample. When
	// something was, the final collection is taken in a later millisecond than the previous one, for the same
	// reason.
	if k > 0 && agg.dirty {
		if next := agg.last.Truncate(time.Millisecond).Add(time.Millisecond); time.Now().Before(next) {
			time.Sleep(time.Until(next))
		}
		collections <- agg.collect(time.Now())
	}
	close(collections)
	<-exported
	s.stats.Flushed = time.Now()
	if err := cfg.PushExporter.Shutdown(context.WithoutCancel(ctx)); err != nil && ctx.Err() == nil {
		return flushError(cfg.Stream, err)
	}
	return nil
}
