package scenarios_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/scenarios"
)

// multi is a valid scenario with every backend type and signal; the rows below each break one thing in it.
const multi = `version: 1
name: m
duration: 10s
backends:
  - name: jaeger
    type: jaeger
  - name: zipkin
    type: zipkin
  - name: prom
    type: prometheus
  - name: col
    type: collector
    forward_to: [jaeger, prom]
exporters:
  - name: grpc
    protocol: otlp-grpc
    backend: col
  - name: zip
    protocol: zipkin
    backend: zipkin
  - name: scrape
    protocol: prometheus
    backend: prom
  - name: push
    protocol: otlp-http
    backend: prom
    temporality: cumulative
workloads:
  - name: t
    signal: traces
    exporters: [grpc, zip]
    rate: 100
  - name: m
    signal: metrics
    exporters: [scrape, push, grpc]
    rate: 50
    metrics:
      instruments: [counter, histogram]
      series: 5
  - name: l
    signal: logs
    exporters: [grpc]
    rate: 10
    logs:
      severity: warn
      body_size: 100
`

var _ = Describe("signals and backend paths", func() {
	It("reads a scenario with every signal and backend type, and knows where items can be read back", func() {
		sc, err := scenarios.Parse("m.yaml", []byte(multi))
		Expect(err).NotTo(HaveOccurred())
		col := sc.Backend("col")
		Expect(sc.Signals(col)).To(ConsistOf("traces", "metrics", "logs"))
		Expect(sc.Paths(col, "traces")).To(ConsistOf(sc.Backend("jaeger")))
		Expect(sc.Paths(col, "metrics")).To(ConsistOf(col, sc.Backend("prom")))
		Expect(sc.Paths(col, "logs")).To(ConsistOf(col))
		Expect(sc.Workloads[1].Metrics.Series).To(Equal(5))
		Expect(sc.Workloads[2].Logs.AttributeSize).To(Equal(16))
		Expect(sc.Exporter("push").Temporality).To(Equal("cumulative"))
	})

	DescribeTable("rejects what cannot work, saying where and why",
		func(from, to, wantAt, wantMsg string) {
			Expect(multi).To(ContainSubstring(from), "the row must change something")
			errs := errorsOf(strings.Replace(multi, from, to, 1))
			Expect(errs.Error()).To(ContainSubstring(wantAt + ": " + wantMsg))
		},
		Entry("a protocol that cannot carry the signal", "exporters: [scrape, push, grpc]\n    rate: 50", "exporters: [scrape, push, grpc, zip]\n    rate: 50",
			"s.yaml:35:37", `exporter "zip" (zipkin) cannot send metrics`),
		Entry("a backend that cannot give the signal back", "exporters: [grpc]\n    rate: 10", "exporters: [scrape]\n    rate: 10",
			"s.yaml:42:17", `exporter "scrape" (prometheus) cannot send logs`),
		Entry("a collector without a trace backend", "forward_to: [jaeger, prom]", "forward_to: [prom]",
			"s.yaml:31:17", `exporter "grpc" sends to collector backend "col", which cannot give traces back`),
		Entry("forward_to on a non-collector", "type: zipkin\n", "type: zipkin\n    forward_to: [jaeger]\n",
			"s.yaml:9:17", "forward_to applies to collector backends only"),
		Entry("forwarding to an unknown backend", "forward_to: [jaeger, prom]", "forward_to: [jaeger, tempo]",
			"s.yaml:13:26", `backend "tempo" is not defined`),
		Entry("delta temporality into Prometheus", "temporality: cumulative", "temporality: delta",
			"s.yaml:27:18", `exporter "push" reaches Prometheus, which rejects delta temporality`),
		Entry("an unknown instrument", "instruments: [counter, histogram]", "instruments: [counter, summary]",
			"s.yaml:38:30", `instrument "summary" is not supported`),
		Entry("a trace section on a metrics workload", "    metrics:\n      instruments", "    trace:\n      spans: 2\n    metrics:\n      instruments",
			"s.yaml:38:7", "trace: applies to traces workloads"),
		Entry("an unknown severity", "severity: warn", "severity: loud",
			"s.yaml:45:17", `severity "loud" is not supported`),
		Entry("an external backend without its query URL", "  - name: jaeger\n    type: jaeger\n", "  - name: jaeger\n    type: jaeger\n    external: {otlp_grpc: \"127.0.0.1:4317\"}\n",
			"s.yaml:7:15", "an external jaeger backend needs url"),
		Entry("a retention the run would overflow", "  - name: zipkin\n    type: zipkin\n", "  - name: zipkin\n    type: zipkin\n    retention: 500\n",
			"s.yaml:9:16", `backend "zipkin" keeps 500 spans but the run sends it 1000`),
	)
})
