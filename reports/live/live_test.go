package live_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelbench/otelbench/reports"
	"github.com/otelbench/otelbench/reports/live"
)

// collect reads m through the SDK, as an exporter would, and returns every int64 data point as
// "metric{workload,cause}" -> value, and the histogram data points by workload.
func collect(ctx context.Context, m *live.Metrics) (map[string]int64, map[string]metricdata.HistogramDataPoint[float64]) {
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(m))
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	DeferCleanup(provider.Shutdown)
	var rm metricdata.ResourceMetrics
	Expect(reader.Collect(ctx, &rm)).To(Succeed())
	points := map[string]int64{}
	hists := map[string]metricdata.HistogramDataPoint[float64]{}
	key := func(name string, set attribute.Set) string {
		w, _ := set.Value("workload")
		k := name + "{" + w.AsString()
		if c, ok := set.Value("cause"); ok {
			k += "," + c.AsString()
		}
		return k + "}"
	}
	for _, sm := range rm.ScopeMetrics {
		for _, mt := range sm.Metrics {
			switch d := mt.Data.(type) {
			case metricdata.Sum[int64]:
				Expect(d.IsMonotonic).To(BeTrue(), mt.Name)
				Expect(d.Temporality).To(Equal(metricdata.CumulativeTemporality), mt.Name)
				for _, p := range d.DataPoints {
					points[key(mt.Name, p.Attributes)] = p.Value
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					points[key(mt.Name, p.Attributes)] = p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					w, _ := p.Attributes.Value("workload")
					hists[w.AsString()] = p
				}
			}
		}
	}
	return points, hists
}

var _ = Describe("live figures of a run", func() {
	var (
		m    *live.Metrics
		rows []live.Row
	)
	BeforeEach(func() {
		m = live.New(live.Labels{Scenario: "smoke", RunID: "r1"})
		rows = []live.Row{{
			Workload: "checkout", Exporter: "grpc", Backend: "jaeger", Signal: "traces",
			Emitted: 500, Exported: 400, ExportFailed: 50, ExportCalls: 9, ExportFailedCalls: 1, BytesSent: 12345, Verified: 300,
			Latency: live.Histogram{Counts: []uint64{0, 2, 5, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}, Count: 10, Sum: 90 * time.Millisecond},
		}}
		m.Follow(func() []live.Row { return rows })
	})

	It("says nothing before the run hands over its counters, but that it is in progress", func(ctx SpecContext) {
		points, hists := collect(ctx, live.New(live.Labels{}))
		Expect(points).To(Equal(map[string]int64{"otelbench.run.in_progress{}": 1}))
		Expect(hists).To(BeEmpty())
	})

	It("carries every counter of a row while the run sends, nothing it does not know yet", func(ctx SpecContext) {
		points, hists := collect(ctx, m)
		Expect(points).To(Equal(map[string]int64{
			"otelbench.items.emitted{checkout}": 500, "otelbench.items.exported{checkout}": 400,
			"otelbench.items.export_failed{checkout}": 50, "otelbench.export.calls{checkout}": 9,
			"otelbench.export.failed_calls{checkout}": 1, "otelbench.export.bytes{checkout}": 12345,
			"otelbench.items.verified{checkout}": 300, "otelbench.run.in_progress{}": 1,
		}))
		h := hists["checkout"]
		Expect(h.Count).To(BeEquivalentTo(10))
		Expect(h.Bounds).To(HaveLen(len(live.Bounds)))
		Expect(h.Bounds[0]).To(Equal(0.001))
		// Per bucket: none up to 1 ms, 2 up to 2.5 ms, 3 more up to 5 ms, 4 more up to 10 ms, one above 10 s.
		Expect(h.BucketCounts).To(Equal([]uint64{0, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}))
		Expect(h.Sum).To(BeNumerically("~", 0.09, 1e-9))
	})

	It("ends with the report's figures: sent, verified, lost by cause, drops, and the verdicts", func(ctx SpecContext) {
		rep := &reports.Report{Passed: false, Exporters: []reports.Exporter{
			{Workload: "checkout", Name: "grpc", Backend: "jaeger", Signal: "traces", Emitted: 520, Sent: 520, Verified: 470, Lost: 50,
				DroppedInSDK: 0, ExportCalls: 10, ExportFailedCalls: 1, ExportFailedItems: 50, BytesSent: 13000,
				LostByCause: map[string]int64{"export_failed": 50}},
			{Workload: "shop", Name: "shop", Backend: "jaeger", Signal: "traces", Emitted: 40, Sent: 40, Verified: 40, Passed: true},
		}}
		m.Final(rep)
		points, _ := collect(ctx, m)
		Expect(points).To(HaveKeyWithValue("otelbench.items.emitted{checkout}", BeEquivalentTo(520)))
		Expect(points).To(HaveKeyWithValue("otelbench.items.sent{checkout}", BeEquivalentTo(520)))
		Expect(points).To(HaveKeyWithValue("otelbench.items.verified{checkout}", BeEquivalentTo(470)))
		Expect(points).To(HaveKeyWithValue("otelbench.items.lost{checkout,export_failed}", BeEquivalentTo(50)))
		Expect(points).To(HaveKeyWithValue("otelbench.export.calls{checkout}", BeEquivalentTo(10)))
		Expect(points).To(HaveKeyWithValue("otelbench.export.bytes{checkout}", BeEquivalentTo(13000)))
		Expect(points).To(HaveKeyWithValue("otelbench.row.passed{checkout}", BeEquivalentTo(0)))
		// A row the counters did not have (an application's workload) comes with the report.
		Expect(points).To(HaveKeyWithValue("otelbench.items.verified{shop}", BeEquivalentTo(40)))
		Expect(points).To(HaveKeyWithValue("otelbench.items.lost{shop,none}", BeEquivalentTo(0)))
		Expect(points).To(HaveKeyWithValue("otelbench.row.passed{shop}", BeEquivalentTo(1)))
		Expect(points).To(HaveKeyWithValue("otelbench.run.passed{}", BeEquivalentTo(0)))
		Expect(points).To(HaveKeyWithValue("otelbench.run.in_progress{}", BeEquivalentTo(0)))
	})
})
