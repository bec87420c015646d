package generators_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
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
