package main

// In-process specs of a run's exit and its last line (package main: verdict is unexported).

import (
	"errors"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/reports"
)

var _ = Describe("The last line of a run that did not pass", func() {
	row := func(name string, passed bool, sent, verified, lost int64) reports.Exporter {
		return reports.Exporter{Name: name, Workload: "checkout", Backend: "jaeger", Passed: passed, Sent: sent, Verified: verified, Lost: lost}
	}
	DescribeTable("names everything that failed, with the run's exit code",
		func(rep reports.Report, code int, want []string) {
			err := verdict(&rep)
			var ee *exitError
			Expect(errors.As(err, &ee)).To(BeTrue())
			Expect(ee.code).To(Equal(code))
			for _, w := range want {
				Expect(err.Error()).To(ContainSubstring(w))
			}
		},
		Entry("lost items and a breached threshold", reports.Report{
			Exporters: []reports.Exporter{row("grpc", false, 100, 97, 3), row("http", true, 100, 100, 0)},
			Thresholds: []reports.ThresholdResult{{Expr: "p99(export_latency) < 5", Exporter: "http", Workload: "checkout", Backend: "jaeger", Value: 7.5, Unit: "ms"},
				{Expr: "lost == 0", Exporter: "grpc", Workload: "checkout", Backend: "jaeger", Value: 3, Unit: "items"}},
		}, exitFailed, []string{"verification failed: checkout/grpc @ jaeger (sent 100, verified 97, lost 3)",
			"thresholds breached too: p99(export_latency) < 5 on checkout/http @ jaeger (value 7.5 ms); lost == 0 on checkout/grpc @ jaeger (value 3 items)"}),
		Entry("only a breached threshold", reports.Report{Passed: true,
			Exporters:  []reports.Exporter{row("grpc", true, 100, 100, 0)},
			Thresholds: []reports.ThresholdResult{{Expr: "throughput > 500", Exporter: "grpc", Workload: "checkout", Backend: "jaeger", Value: 120, Unit: "items/s"}},
		}, exitThreshold, []string{"thresholds breached: throughput > 500 on checkout/grpc @ jaeger (value 120 items/s)"}),
		Entry("a latency rounded for a human, a recovery that never came, and a ratio", reports.Report{Passed: true,
			Exporters: []reports.Exporter{row("grpc", true, 100, 100, 0)},
			Thresholds: []reports.ThresholdResult{{Expr: "p99(export_latency) < 10ms", Exporter: "grpc", Workload: "checkout", Backend: "jaeger", Value: 13.231, Unit: "ms"},
				{Expr: "recovery_s < 3", Exporter: "grpc", Workload: "checkout", Backend: "jaeger", Value: -1, Unit: "s", Never: true},
				{Expr: "lost / sent < 0.01", Exporter: "grpc", Workload: "checkout", Backend: "jaeger", Value: 0.02}},
		}, exitThreshold, []string{"thresholds breached: p99(export_latency) < 10ms on checkout/grpc @ jaeger (value 13.2 ms); " +
			"recovery_s < 3 on checkout/grpc @ jaeger (value never); lost / sent < 0.01 on checkout/grpc @ jaeger (value 0.02)"}),
		Entry("a report.json written before units", reports.Report{Passed: true,
			Exporters:  []reports.Exporter{row("grpc", true, 100, 100, 0)},
			Thresholds: []reports.ThresholdResult{{Expr: "throughput > 500", Exporter: "grpc", Workload: "checkout", Backend: "jaeger", Value: 120.25}},
		}, exitThreshold, []string{"thresholds breached: throughput > 500 on checkout/grpc @ jaeger (value 120)"}),
		Entry("a merged report missing a shard", reports.Report{
			Exporters: []reports.Exporter{row("grpc", true, 100, 100, 0)}, Merged: &reports.Merged{Missing: []int{1}},
		}, exitFailed, []string{"shards missing: [1]"}),
	)
})
