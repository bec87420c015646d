package reports_test

import (
	"bytes"
	"encoding/json"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/reports"
)

func sample(passed bool) *reports.Report {
	p90 := 3.5
	row := reports.Exporter{
		Name: "otlp-grpc", Workload: "checkout", Signal: "traces", Protocol: "otlp-grpc", Backend: "jaeger",
		Sent: 1000, Verified: 1000, ThroughputPerS: 500,
		ExportLatencyMs:     reports.Latency{P50: 1.25, P90: &p90, P99: 4, Max: 9},
		VisibilityLatencyMs: reports.Latency{P50: 300, P99: 550, Max: 600},
		Passed:              passed,
	}
	if !passed {
		row.Verified, row.Lost, row.DroppedInSDK = 900, 100, 100
		row.Problems = []string{"checkout/otlp-grpc: trace 3 (abc) not found"}
	}
	return &reports.Report{SchemaVersion: reports.SchemaVersion, Scenario: "smoke", RunID: "r1",
		Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), DurationS: 20, Passed: passed, Exporters: []reports.Exporter{row}}
}

var _ = Describe("report.json", func() {
	It("has the documented fields, with their documented names", func() {
		var buf bytes.Buffer
		Expect(sample(true).WriteJSON(&buf)).To(Succeed())
		var doc map[string]any
		Expect(json.Unmarshal(buf.Bytes(), &doc)).To(Succeed())
		Expect(doc).To(HaveKeyWithValue("passed", true))
		Expect(doc).To(HaveKeyWithValue("schema_version", 1.0))
		row := doc["exporters"].([]any)[0].(map[string]any)
		for _, k := range []string{"name", "signal", "protocol", "backend", "sent", "verified", "lost", "dropped_in_sdk",
			"throughput_per_s", "export_latency_ms", "visibility_latency_ms"} {
			Expect(row).To(HaveKey(k))
		}
		Expect(row["export_latency_ms"]).To(HaveKeyWithValue("p90", 3.5))
		Expect(row["export_latency_ms"]).To(HaveKey("p50"))
		Expect(row["visibility_latency_ms"]).To(And(HaveKey("p50"), HaveKey("p99"), HaveKey("max"), Not(HaveKey("p90"))))
	})

	It("reads back into the same report", func() {
		var buf bytes.Buffer
		Expect(sample(false).WriteJSON(&buf)).To(Succeed())
		var back reports.Report
		Expect(json.Unmarshal(buf.Bytes(), &back)).To(Succeed())
		Expect(&back).To(Equal(sample(false)))
	})
})

var _ = Describe("the terminal table", func() {
	DescribeTable("shows each row and the verdict",
		func(passed bool, want []string) {
			var buf bytes.Buffer
			Expect(sample(passed).WriteText(&buf)).To(Succeed())
			for _, w := range want {
				Expect(buf.String()).To(ContainSubstring(w))
			}
		},
		Entry("a passing run", true, []string{"otlp-grpc", "1000", "1.25ms", "300ms", "PASS", "PASSED"}),
		Entry("a failing run names what failed", false, []string{"FAIL", "trace 3 (abc) not found", "FAILED"}),
	)
})

var _ = Describe("the compatibility section", func() {
	DescribeTable("says what each path changed, and says so when nothing was verified to judge by",
		func(verified int64, changes map[string]int64, want string) {
			rep := sample(verified > 0)
			rep.Exporters[0].Verified, rep.Exporters[0].Changes = verified, changes
			rep.Compatibility = reports.CompatibilityOf(rep.Exporters)
			var buf bytes.Buffer
			Expect(rep.WriteText(&buf)).To(Succeed())
			Expect(buf.String()).To(MatchRegexp(`traces\s+otlp-grpc\s+jaeger\s+` + want + `\n`))
		},
		Entry("a path that changed nothing", int64(1000), nil, "nothing"),
		Entry("a path that changed something", int64(1000), map[string]int64{"links dropped": 5}, "links dropped"),
		Entry("a path where nothing was verified", int64(0), nil, "no items verified"),
	)
})

var _ = Describe("a failing row's causes", func() {
	It("come first under the failed row, before the examples", func() {
		rep := sample(false)
		rep.Exporters[0].Causes = []string{`collector "gateway" failed to forward 9,216 spans to jaeger: ResourceExhausted`}
		var buf bytes.Buffer
		Expect(rep.WriteText(&buf)).To(Succeed())
		Expect(buf.String()).To(MatchRegexp(`checkout/otlp-grpc @ jaeger failed:\n  cause: collector "gateway" failed to forward 9,216 spans to jaeger: ResourceExhausted\n  checkout/otlp-grpc: trace 3`))
	})
})
