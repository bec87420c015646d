package main_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("the direct pipeline for metrics and logs", Label("docker", "e2e"), func() {
	It("hands data points and records straight to the exporter, and every one reads back from Prometheus and the collector", func(ctx SpecContext) {
		out, id := GinkgoT().TempDir(), runID("direct")
		scenario := writeScenario(`version: 1
name: direct
duration: 4s
verify: {timeout: 30s}
backends:
  - {name: prometheus, type: prometheus}
  - {name: collector, type: collector}
exporters:
  - {name: push, protocol: otlp-http, backend: prometheus, pipeline: direct}
  - {name: grpc, protocol: otlp-grpc, backend: collector, pipeline: direct, batch_timeout: 200ms}
  - {name: delta, protocol: otlp-http, backend: collector, pipeline: direct, temporality: delta}
workloads:
  - name: inventory
    signal: metrics
    exporters: [push, grpc, delta]
    rate: 5000
    metrics: {series: 50, churn: 1}
  - name: audit
    signal: logs
    exporters: [grpc]
    rate: 2000
    logs: {body_size: 256, attributes: 4, trace_correlation: true}
`)
		rep := passed(ctx, otelbench("run", scenario, "--out", out, "--run-id", id), out)
		Expect(rep.Exporters).To(HaveLen(4))
		for _, e := range rep.Exporters {
			Expect(e.Sent).To(BeNumerically(">", 0), e.Name)
			Expect(e.Verified).To(Equal(e.Sent), "%s via %s to %s", e.Workload, e.Name, e.Backend)
			Expect(e.DroppedInSDK).To(BeZero(), e.Name)
		}
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(3*time.Minute))
})
