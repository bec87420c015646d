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

	It("takes the direct pipeline on a push exporter that traces, metrics and logs go through", func() {
		_, err := scenarios.Parse("m.yaml", []byte(strings.Replace(multi, "    backend: col\n", "    backend: col\n    pipeline: direct\n", 1)))
		Expect(err).NotTo(HaveOccurred())
	})

	DescribeTable("takes delta temporality where the server is said to take it",
		func(replacements ...string) {
			yaml := multi
			for i := 0; i < len(replacements); i += 2 {
				Expect(yaml).To(ContainSubstring(replacements[i]), "the row must change something")
				yaml = strings.Replace(yaml, replacements[i], replacements[i+1], 1)
			}
			_, err := scenarios.Parse("s.yaml", []byte(yaml))
			Expect(err).NotTo(HaveOccurred())
		},
		Entry("a started Prometheus with the feature flag",
			"temporality: cumulative", "temporality: delta",
			"    type: prometheus\n", "    type: prometheus\n    args: [\"--enable-feature=native-histograms,otlp-deltatocumulative\"]\n"),
		Entry("an external Prometheus, whose refusal is measured",
			"temporality: cumulative", "temporality: delta",
			"exporters: [scrape, push, grpc]", "exporters: [push, grpc]",
			"  - name: scrape\n    protocol: prometheus\n    backend: prom\n", "",
			"    type: prometheus\n", "    type: prometheus\n    external: {url: \"http://127.0.0.1:9090\"}\n"),
	)

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
		Entry("delta temporality into a started Prometheus without the feature flag, naming the fix", "temporality: cumulative", "temporality: delta",
			"s.yaml:27:18", `exporter "push" sends delta temporality, but Prometheus (backend "prom") refuses it (HTTP 500 "invalid temporality and type combination") unless started with --enable-feature=otlp-deltatocumulative; expected temporality: cumulative, or args: [--enable-feature=otlp-deltatocumulative] on backend "prom"`),
		Entry("delta temporality through a collector whose remote write would drop it", "    backend: col\n", "    backend: col\n    temporality: delta\n",
			"s.yaml:18:18", `exporter "grpc" sends delta temporality, but collector "col" forwards metrics to Prometheus "prom" with its remote-write exporter, which drops delta sums and histograms; expected temporality: cumulative, or a config: file for "col" whose metrics pipeline has the deltatocumulative processor`),
		Entry("an external collector without files_dir that must give logs back", "  - name: col\n    type: collector\n", "  - name: col\n    type: collector\n    external: {otlp_grpc: \"127.0.0.1:4317\"}\n",
			"s.yaml:13:15", `external collector "col" has no files_dir, so it cannot give logs back (workload "l" sends logs to it through exporter "grpc"); expected files_dir`),
		Entry("an external collector whose files_dir does not exist", "  - name: col\n    type: collector\n", "  - name: col\n    type: collector\n    external: {otlp_grpc: \"127.0.0.1:4317\", files_dir: /nonexistent/otelbench}\n",
			"s.yaml:13:56", `folder "/nonexistent/otelbench" does not exist or is not a folder; expected the folder the collector's file exporters write into`),
		Entry("a collector config that does not exist", "    forward_to: [jaeger, prom]\n", "    forward_to: [jaeger, prom]\n    config: no-such-file.yaml\n",
			"s.yaml:14:13", `read collector config: open no-such-file.yaml: no such file or directory; expected a collector configuration file`),
		Entry("a config on a backend that is not a collector", "type: zipkin\n", "type: zipkin\n    config: zipkin.yaml\n",
			"s.yaml:9:13", "config applies to collector backends only"),
		Entry("args on an external backend", "  - name: zipkin\n    type: zipkin\n", "  - name: zipkin\n    type: zipkin\n    args: [--x]\n    external: {url: \"http://127.0.0.1:9411\"}\n",
			"s.yaml:9:11", `args are command-line arguments for a backend otelbench starts; backend "zipkin" is not started`),
		Entry("a scrape endpoint for an external Prometheus", "  - name: prom\n    type: prometheus\n", "  - name: prom\n    type: prometheus\n    external: {url: \"http://127.0.0.1:9090\"}\n",
			"s.yaml:24:14", `exporter "scrape" serves a scrape endpoint that only a Prometheus otelbench starts is configured to scrape`),
		Entry("a sink two streams send to", "  - name: col\n    type: collector\n    forward_to: [jaeger, prom]\n", "  - name: col\n    type: sink\n",
			"s.yaml:11:5", `sink "col" would count 3 streams together (t/grpc, m/grpc, l/grpc), and a count cannot tell them apart`),
		Entry("an external sink without its metrics", "  - name: col\n    type: collector\n    forward_to: [jaeger, prom]\n", "  - name: col\n    type: sink\n    external: {otlp_grpc: \"127.0.0.1:4317\"}\n",
			"s.yaml:13:15", "an external sink backend needs metrics_url; expected metrics_url: its own metrics (otelcol_receiver_accepted_*)"),
		Entry("instances on an exporter a logs workload uses", "    backend: col\n", "    backend: col\n    instances: 2\n",
			"s.yaml:43:17", `exporter "grpc" has 2 instances, which otelbench builds for traces; logs go through one SDK pipeline`),
		Entry("the direct pipeline on a scrape endpoint", "    protocol: prometheus\n    backend: prom\n", "    protocol: prometheus\n    backend: prom\n    pipeline: direct\n",
			"s.yaml:24:15", "pipeline direct hands batches to a push exporter, and the prometheus exporter is scraped"),
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
