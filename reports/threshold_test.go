package reports_test

import (
	"bytes"

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

	DescribeTable("records the unit of the value, and never for a recovery that did not come",
		func(src string, value float64, unit string, never bool) {
			t, err := reports.ParseThreshold(src)
			Expect(err).NotTo(HaveOccurred())
			r := &reports.Report{Exporters: []reports.Exporter{{Name: "grpc", ThroughputPerS: 1200, ExportLatencyMs: reports.Latency{P99: 13.2314},
				Faults: &reports.FaultImpact{RecoveryS: -1}}}}
			r.EvaluateThresholds([]reports.Threshold{t}, [][]string{nil})
			Expect(r.Thresholds).To(ConsistOf(And(HaveField("Value", value), HaveField("Unit", unit), HaveField("Never", never))))
		},
		Entry("a latency, in milliseconds to the microsecond", "p99(export_latency) < 10ms", 13.231, "ms", false),
		Entry("a rate", "throughput >= 2000", 1200.0, "items/s", false),
		Entry("a recovery that never came", "recovery_s < 3", -1.0, "s", true),
	)
})

var _ = Describe("A threshold's value as a user reads it", func() {
	DescribeTable("has three significant digits, whole numbers exactly, and its unit",
		func(value float64, unit string, never bool, want string) {
			Expect(reports.ThresholdResult{Value: value, Unit: unit, Never: never}.Reading()).To(Equal(want))
		},
		Entry("a latency", 13.231, "ms", false, "13.2 ms"),
		Entry("a rate", 1200.0, "items/s", false, "1200 items/s"),
		Entry("a large rate, not rounded away", 20512.5, "items/s", false, "20512 items/s"),
		Entry("a count", 12345.0, "items", false, "12345 items"),
		Entry("a ratio, without unit", 0.98, "", false, "0.98"),
		Entry("a small share", 0.0012, "", false, "0.0012"),
		Entry("a recovery that never came", -1.0, "s", true, "never"),
		Entry("a difference that is -1", -1.0, "items", false, "-1 items"),
		Entry("a report.json written before units: the number alone", 13.231, "", false, "13.2"),
	)

	breached := func() *reports.Report {
		r := &reports.Report{Scenario: "s", Passed: true, Exporters: []reports.Exporter{{Name: "grpc", Workload: "checkout", Backend: "jaeger",
			Signal: "traces", Protocol: "otlp-grpc", Sent: 10, Verified: 10, Passed: true}},
			Thresholds: []reports.ThresholdResult{
				{Expr: "p99(export_latency) < 10ms", Exporter: "grpc", Workload: "checkout", Backend: "jaeger", Value: 13.231, Unit: "ms"},
				{Expr: "throughput >= 2000", Exporter: "grpc", Workload: "checkout", Backend: "jaeger", Value: 1200, Unit: "items/s"},
				{Expr: "recovery_s < 3", Exporter: "grpc", Workload: "checkout", Backend: "jaeger", Value: -1, Unit: "s", Never: true},
				{Expr: "lost / sent < 0.01", Exporter: "grpc", Workload: "checkout", Backend: "jaeger", Value: 0, Passed: true},
			}}
		return r
	}
	render := func(r *reports.Report, write func(*reports.Report, *bytes.Buffer) error) string {
		var b bytes.Buffer
		Expect(write(r, &b)).To(Succeed())
		return b.String()
	}
	DescribeTable("shows it in every format",
		func(write func(*reports.Report, *bytes.Buffer) error, want []string) {
			out := render(breached(), write)
			for _, w := range want {
				Expect(out).To(ContainSubstring(w))
			}
			Expect(out).NotTo(ContainSubstring("13.231"), "rounded for a human")
		},
		Entry("text", asText, []string{"BREACHED p99(export_latency) < 10ms on checkout/grpc @ jaeger: 13.2 ms\n",
			"BREACHED throughput >= 2000 on checkout/grpc @ jaeger: 1200 items/s\n", "BREACHED recovery_s < 3 on checkout/grpc @ jaeger: never\n",
			"held     lost / sent < 0.01 on checkout/grpc @ jaeger: 0\n"}),
		Entry("markdown", asMarkdown, []string{"| `p99(export_latency) < 10ms` | grpc | jaeger | 13.2 ms | **breached** |",
			"| `throughput >= 2000` | grpc | jaeger | 1200 items/s | **breached** |", "| `recovery_s < 3` | grpc | jaeger | never | **breached** |",
			"| `lost / sent < 0.01` | grpc | jaeger | 0 | held |"}),
		Entry("html", asHTML, []string{"<td><code>p99(export_latency) &lt; 10ms</code></td><td>grpc</td><td>jaeger</td><td>13.2 ms</td>",
			"<td>1200 items/s</td>", "<td>never</td>"}),
		Entry("junit", asJUnit, []string{`message="threshold p99(export_latency) &lt; 10ms breached: value 13.2 ms"`,
			`message="threshold throughput &gt;= 2000 breached: value 1200 items/s"`, `message="threshold recovery_s &lt; 3 breached: value never"`}),
	)

	It("re-renders a report.json written before units with the number alone", func() {
		r, err := reports.Parse([]byte(`{"schema_version": 1, "scenario": "s", "passed": true, "exporters": [{"name": "grpc", "workload": "checkout",
			"backend": "jaeger", "sent": 10, "verified": 10, "passed": true}], "thresholds": [{"expr": "p99(export_latency) < 10ms",
			"exporter": "grpc", "workload": "checkout", "backend": "jaeger", "value": 13.231, "passed": false}]}`))
		Expect(err).NotTo(HaveOccurred())
		Expect(render(r, asText)).To(ContainSubstring("BREACHED p99(export_latency) < 10ms on checkout/grpc @ jaeger: 13.2\n"))
	})
})
