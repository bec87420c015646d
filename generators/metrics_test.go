package generators_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelbench/otelbench/generators"
)

var _ = Describe("MetricPlan", func() {
	plan := generators.MetricPlan{Kinds: []string{generators.Counter, generators.Gauge}, Series: 3, Slots: 12}

	DescribeTable("At spreads measurements over instruments and series",
		func(k uint64, wantKind int, wantSeries string) {
			kind, series, _ := plan.At(k)
			Expect(kind).To(Equal(wantKind))
			Expect(series).To(Equal(wantSeries))
		},
		Entry("first", uint64(0), 0, "g0-s0"),
		Entry("second instrument", uint64(1), 1, "g0-s0"),
		Entry("next series", uint64(2), 0, "g0-s1"),
		Entry("wraps around the series", uint64(6), 0, "g0-s0"),
	)

	It("replaces the series churn times over the run", func() {
		churned := generators.MetricPlan{Kinds: []string{generators.Counter}, Series: 2, Churn: 1, Slots: 10}
		_, first, _ := churned.At(0)
		_, last, _ := churned.At(9)
		Expect(first).To(Equal("g0-s0"))
		Expect(last).To(Equal("g1-s1"))
		Expect(churned.Expect(10)).To(HaveLen(4))
	})

	It("names series the way Prometheus translates them", func() {
		want := map[string]string{
			generators.Counter:              "otelbench_requests_total",
			generators.UpDownCounter:        "otelbench_inflight",
			generators.Gauge:                "otelbench_queue_size_bytes",
			generators.Histogram:            "otelbench_duration_seconds",
			generators.ExponentialHistogram: "otelbench_payload_size_bytes",
		}
		for kind, name := range want {
			in, ok := generators.InstrumentOf(kind)
			Expect(ok).To(BeTrue())
			Expect(in.PrometheusName()).To(Equal(name), kind)
		}
	})
})

var _ = Describe("MetricStream", func() {
	It("records every scheduled measurement, and the SDK's final state is what the plan replays", func(ctx SpecContext) {
		reader := sdkmetric.NewManualReader()
		kinds := []string{generators.Counter, generators.UpDownCounter, generators.Gauge, generators.Histogram, generators.ExponentialHistogram}
		sched := generators.Constant(2000, 100*time.Millisecond)
		plan := generators.MetricPlan{Kinds: kinds, Series: 4, Slots: sched.Slots()}
		s, err := generators.NewMetricStream(generators.MetricStreamConfig{
			Stream: "m/test", Workload: "m", Exporter: "test", RunID: "r", Plan: plan, Schedule: sched,
			Reader: reader, Recorder: generators.NewRecorder(), Pull: true,
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Run(ctx)).To(Succeed())
		Expect(s.Emitted()).To(BeNumerically(">=", 190))

		var rm metricdata.ResourceMetrics
		Expect(reader.Collect(ctx, &rm)).To(Succeed())
		Expect(generators.DataPoints(&rm)).To(Equal(5 * 4))
		want := plan.Expect(s.Emitted())
		for _, m := range rm.ScopeMetrics[0].Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					series, _ := dp.Attributes.Value(generators.AttrSeries)
					kind := generators.Counter
					if !d.IsMonotonic {
						kind = generators.UpDownCounter
					}
					Expect(float64(dp.Value)).To(Equal(want[generators.SeriesKey{Kind: kind, Series: series.AsString()}].Sum), m.Name)
				}
			case metricdata.Gauge[float64]:
				for _, dp := range d.DataPoints {
					series, _ := dp.Attributes.Value(generators.AttrSeries)
					Expect(dp.Value).To(Equal(want[generators.SeriesKey{Kind: generators.Gauge, Series: series.AsString()}].Last))
				}
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					series, _ := dp.Attributes.Value(generators.AttrSeries)
					w := want[generators.SeriesKey{Kind: generators.Histogram, Series: series.AsString()}]
					Expect(dp.Count).To(Equal(w.Count))
					Expect(dp.Sum).To(BeNumerically("~", w.Sum, 1e-9))
				}
			case metricdata.ExponentialHistogram[float64]:
				for _, dp := range d.DataPoints {
					series, _ := dp.Attributes.Value(generators.AttrSeries)
					w := want[generators.SeriesKey{Kind: generators.ExponentialHistogram, Series: series.AsString()}]
					Expect(dp.Count).To(Equal(w.Count))
					Expect(dp.Sum).To(BeNumerically("~", w.Sum, 1e-9))
				}
			default:
				Fail("unexpected aggregation for " + m.Name)
			}
		}
		Expect(s.Close(context.Background())).To(Succeed())
	})
})

// memoryMetricExporter keeps every export.
type memoryMetricExporter struct {
	exports []*metricdata.ResourceMetrics
}

func (m *memoryMetricExporter) Temporality(sdkmetric.InstrumentKind) metricdata.Temporality {
	return metricdata.CumulativeTemporality
}
func (m *memoryMetricExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}
func (m *memoryMetricExporter) Export(_ context.Context, rm *metricdata.ResourceMetrics) error {
	m.exports = append(m.exports, rm)
	return nil
}
func (m *memoryMetricExporter) ForceFlush(context.Context) error { return nil }
func (m *memoryMetricExporter) Shutdown(context.Context) error   { return nil }

// seriesPoint is one series' state as a backend would sum it up: value or count and sum, and bucket counts
// (explicit, or exponential at scale 3, by bucket index).
type seriesPoint struct {
	Value, Sum, Min, Max float64
	Count                uint64
	Buckets              map[int32]uint64
}

// fold adds the data points of rm to acc (delta: summed; cumulative: replaced).
func fold(acc map[generators.SeriesKey]seriesPoint, rm *metricdata.ResourceMetrics) {
	for _, m := range rm.ScopeMetrics[0].Metrics {
		key := func(kind string, attrs attribute.Set) generators.SeriesKey {
			v, _ := attrs.Value(generators.AttrSeries)
			return generators.SeriesKey{Kind: kind, Series: v.AsString()}
		}
		switch d := m.Data.(type) {
		case metricdata.Sum[int64]:
			kind := generators.Counter
			if !d.IsMonotonic {
				kind = generators.UpDownCounter
			}
			for _, dp := range d.DataPoints {
				k := key(kind, dp.Attributes)
				p := acc[k]
				if d.Temporality == metricdata.DeltaTemporality {
					p.Value += float64(dp.Value)
				} else {
					p.Value = float64(dp.Value)
				}
				acc[k] = p
			}
		case metricdata.Gauge[float64]:
			for _, dp := range d.DataPoints {
				acc[key(generators.Gauge, dp.Attributes)] = seriesPoint{Value: dp.Value}
			}
		case metricdata.Histogram[float64]:
			for _, dp := range d.DataPoints {
				k := key(generators.Histogram, dp.Attributes)
				p := acc[k]
				if d.Temporality != metricdata.DeltaTemporality || p.Buckets == nil {
					p = seriesPoint{Buckets: map[int32]uint64{}}
				}
				p.Count += dp.Count
				p.Sum += dp.Sum
				for i, c := range dp.BucketCounts {
					p.Buckets[int32(i)] += c
				}
				acc[k] = p
			}
		case metricdata.ExponentialHistogram[float64]:
			for _, dp := range d.DataPoints {
				k := key(generators.ExponentialHistogram, dp.Attributes)
				p := acc[k]
				if d.Temporality != metricdata.DeltaTemporality || p.Buckets == nil {
					p = seriesPoint{Buckets: map[int32]uint64{}}
				}
				p.Count += dp.Count
				p.Sum += dp.Sum
				for i, c := range dp.PositiveBucket.Counts {
					p.Buckets[(dp.PositiveBucket.Offset+int32(i))>>(dp.Scale-3)] += c // to scale 3
				}
				acc[k] = p
			}
		}
	}
}

var _ = Describe("the direct metrics pipeline", func() {
	kinds := []string{generators.Counter, generators.UpDownCounter, generators.Gauge, generators.Histogram, generators.ExponentialHistogram}

	// reference is what the SDK itself exports for the first n measurements of plan.
	reference := func(ctx context.Context, plan generators.MetricPlan, n uint64) map[generators.SeriesKey]seriesPoint {
		reader := sdkmetric.NewManualReader()
		exp, _ := generators.InstrumentOf(generators.ExponentialHistogram)
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithView(sdkmetric.NewView(
			sdkmetric.Instrument{Name: exp.Name},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}},
		)))
		meter := mp.Meter("reference")
		record := map[string]func(float64, metric.MeasurementOption){}
		for _, kind := range kinds {
			in, _ := generators.InstrumentOf(kind)
			switch kind {
			case generators.Counter:
				c, _ := meter.Int64Counter(in.Name)
				record[kind] = func(v float64, o metric.MeasurementOption) { c.Add(ctx, int64(v), o) }
			case generators.UpDownCounter:
				c, _ := meter.Int64UpDownCounter(in.Name)
				record[kind] = func(v float64, o metric.MeasurementOption) { c.Add(ctx, int64(v), o) }
			case generators.Gauge:
				g, _ := meter.Float64Gauge(in.Name)
				record[kind] = func(v float64, o metric.MeasurementOption) { g.Record(ctx, v, o) }
			default:
				h, _ := meter.Float64Histogram(in.Name)
				record[kind] = func(v float64, o metric.MeasurementOption) { h.Record(ctx, v, o) }
			}
		}
		for k := range n {
			kind, series, v := plan.At(k)
			record[plan.Kinds[kind]](v, metric.WithAttributes(attribute.String(generators.AttrSeries, series)))
		}
		var rm metricdata.ResourceMetrics
		Expect(reader.Collect(ctx, &rm)).To(Succeed())
		got := map[generators.SeriesKey]seriesPoint{}
		fold(got, &rm)
		return got
	}

	DescribeTable("exports, for every series, what the SDK's own aggregation exports",
		func(ctx SpecContext, temporality string) {
			sched := generators.Constant(4000, 300*time.Millisecond)
			plan := generators.MetricPlan{Kinds: kinds, Series: 6, Churn: 1, Slots: sched.Slots()}
			mem := &memoryMetricExporter{}
			rec := generators.NewRecorder()
			s, err := generators.NewMetricStream(generators.MetricStreamConfig{
				Stream: "m/direct", Workload: "m", Exporter: "direct", RunID: "r", Plan: plan, Schedule: sched, Recorder: rec,
				Pipeline: generators.PipelineDirect, PushExporter: generators.MeasureMetricExporter(mem, rec),
				ExportInterval: 50 * time.Millisecond, ExportTimeout: time.Second, Temporality: temporality,
			})
			Expect(err).NotTo(HaveOccurred())
			Expect(s.Run(ctx)).To(Succeed())
			Expect(len(mem.exports)).To(BeNumerically(">=", 2), "collections every interval, and the final one")

			got := map[generators.SeriesKey]seriesPoint{}
			for _, rm := range mem.exports {
				fold(got, rm)
			}
			want := reference(ctx, plan, s.Emitted())
			Expect(got).To(HaveLen(len(want)), "every series, both churn generations")
			for key, w := range want {
				g := got[key]
				Expect(g.Value).To(Equal(w.Value), "%v", key)
				Expect(g.Count).To(Equal(w.Count), "%v", key)
				Expect(g.Sum).To(BeNumerically("~", w.Sum, 1e-6), "%v", key)
				for i, c := range w.Buckets {
					Expect(g.Buckets[i]).To(Equal(c), "%v bucket %d", key, i)
				}
			}
			// A store of milliseconds (Prometheus) keeps two data points of a series in one millisecond as one
			// sample: the schedule, whole intervals long, ends on a collection, and the final one must not repeat it.
			seen := map[int64]bool{}
			for _, rm := range mem.exports {
				ms := exportMillis(rm)
				Expect(seen).NotTo(HaveKey(ms), "two collections in millisecond %d", ms)
				seen[ms] = true
			}
			Expect(rec.Stats().Exported).To(Equal(int64(generators.DataPoints(mem.exports[len(mem.exports)-1]))+
				sumPoints(mem.exports[:len(mem.exports)-1])), "the recorder counts every data point exported")
		},
		Entry("cumulative", "cumulative"),
		Entry("delta", "delta"),
	)

	It("ends a schedule that ends on a collection without a second one in the same millisecond", func(ctx SpecContext) {
		// A slot every 10 ms and a collection due every 8 ms: every measurement is followed by a collection, the
		// last one included, which then already holds the final state.
		sched := generators.Constant(100, 300*time.Millisecond)
		plan := generators.MetricPlan{Kinds: kinds, Series: 2, Slots: sched.Slots()}
		mem := &memoryMetricExporter{}
		rec := generators.NewRecorder()
		s, err := generators.NewMetricStream(generators.MetricStreamConfig{
			Stream: "m/direct", Workload: "m", Exporter: "direct", RunID: "r", Plan: plan, Schedule: sched, Recorder: rec,
			Pipeline: generators.PipelineDirect, PushExporter: generators.MeasureMetricExporter(mem, rec),
			ExportInterval: 8 * time.Millisecond, ExportTimeout: time.Second,
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Run(ctx)).To(Succeed())
		seen := map[int64]bool{}
		for _, rm := range mem.exports {
			ms := exportMillis(rm)
			Expect(seen).NotTo(HaveKey(ms), "two collections in millisecond %d", ms)
			seen[ms] = true
		}
		got := map[generators.SeriesKey]seriesPoint{}
		fold(got, mem.exports[len(mem.exports)-1])
		Expect(got).To(HaveLen(len(kinds)*2), "the last collection holds every series")
	})
})

// exportMillis is the millisecond of a collection's data points (one collection, one timestamp).
func exportMillis(rm *metricdata.ResourceMetrics) int64 {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				if len(d.DataPoints) > 0 {
					return d.DataPoints[0].Time.UnixMilli()
				}
			case metricdata.Gauge[float64]:
				if len(d.DataPoints) > 0 {
					return d.DataPoints[0].Time.UnixMilli()
				}
			}
		}
	}
	return -1
}

func sumPoints(rms []*metricdata.ResourceMetrics) int64 {
	var n int64
	for _, rm := range rms {
		n += int64(generators.DataPoints(rm))
	}
	return n
}
