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
	)

	DescribeTable("refuses what it cannot evaluate, saying where and what is expected",
		func(src, want string) {
			_, err := reports.ParseThreshold(src)
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("no comparison", "lost", "at column 5 of \"lost\": expected a comparison"),
		Entry("an unknown metric", "lots == 0", `unknown metric "lots"; expected one of:`),
		Entry("a percentile of a count", "p99(lost) < 5", "expected export_latency, visibility_latency or http_latency in p99()"),
		Entry("a lone =", "lost = 0", `at column 6 of "lost = 0": expected a comparison`),
		Entry("a bad unit", "p99(export_latency) < 50parsecs", `unexpected "50parsecs"`),
		Entry("trailing text", "lost == 0 0", "expected the end of the threshold"),
	)
})
