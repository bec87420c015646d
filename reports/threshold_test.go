package reports_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/reports"
)

var _ = Describe("Threshold", func() {
	p90 := 30.0
	row := &reports.Exporter{Sent: 1000, Verified: 990, Lost: 10, DroppedInSDK: 4, ThroughputPerS: 20500,
		TargetRatePerS: 20000, AchievedRatePerS: 19900, ExportLatencyMs: reports.Latency{P50: 12, P90: &p90, P99: 48, Max: 90},
		App: &reports.App{Requests: 1000, Answered: 998, Failed: 2, LatencyMs: reports.Latency{P50: 3, P99: 120, Max: 300}}}

	DescribeTable("evaluates a row's numbers",
		func(src string, want float64, holds bool) {
			t, err := reports.ParseThreshold(src)
			Expect(err).NotTo(HaveOccurred())
			got, ok := t.Holds(row)
			Expect(got).To(BeNumerically("~", want, 1e-9))
			Expect(ok).To(Equal(holds))
		},
		Entry("a count", "lost == 0", 10.0, false),
		Entry("a rate", "throughput >= 20000", 20500.0, true),
		Entry("a percentile against a duration, in milliseconds", "p99(export_latency) < 50ms", 48.0, true),
		Entry("a duration in seconds", "max(export_latency) < 0.05s", 90.0, false),
		Entry("a product on the right", "achieved_rate >= 0.99 * target_rate", 19900.0, true),
		Entry("arithmetic on the left", "lost - dropped_in_sdk <= 5", 6.0, false),
		Entry("p90", "p90(export_latency) != 30", 30.0, false),
		Entry("an application's request latency", "p99(http_latency) < 100ms", 120.0, false),
		Entry("an application's requests without an answer", "http_failed == 0", 2.0, false),
		Entry("the share of an application's requests answered", "answered >= 0.99 * requests", 998.0, true),
		Entry("a value between two bounds, bounds included", "throughput between 20000 and 20500", 20500.0, true),
		Entry("a value outside them", "p99(export_latency) between 10ms and 40ms", 48.0, false),
	)

	It("judges sampling only on the rows that have it, and fails a gate on sampling that no row can answer", func() {
		sampled := reports.Exporter{Name: "app", App: &reports.App{Answered: 800}, Sampling: &reports.Sampling{ObservedRatio: 0.49, NotSampled: 408}}
		unsampled := reports.Exporter{Name: "app", Signal: "metrics", App: &reports.App{Answered: 800}}
		t, err := reports.ParseThreshold("sampled_ratio between 0.45 and 0.55")
		Expect(err).NotTo(HaveOccurred())
		r := &reports.Report{Exporters: []reports.Exporter{sampled, unsampled}}
		r.EvaluateThresholds([]reports.Threshold{t}, [][]string{nil})
		Expect(r.Thresholds).To(HaveLen(1), "the metrics row has no sampling to judge")
		Expect(r.Thresholds[0].Value).To(Equal(0.49))
		Expect(r.ThresholdsPassed).To(BeTrue())

		none := &reports.Report{Exporters: []reports.Exporter{unsampled}}
		none.EvaluateThresholds([]reports.Threshold{t}, [][]string{nil})
		Expect(none.ThresholdsPassed).To(BeFalse(), "a gate on sampling with no row to judge must not pass")
	})

})
