package scenarios_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/scenarios"
)

// replaced applies from, to pairs to base, each of which must change something.
func replaced(base string, pairs ...string) string {
	GinkgoHelper()
	for i := 0; i+1 < len(pairs); i += 2 {
		Expect(base).To(ContainSubstring(pairs[i]), "the row must change something")
		base = strings.Replace(base, pairs[i], pairs[i+1], 1)
	}
	return base
}

var _ = Describe("strict values", func() {
	DescribeTable("refuses an explicit zero or empty value where it means nothing, at its place",
		func(base, from, to, wantAt, wantMsg string) {
			errs := errorsOf(replaced(base, from, to))
			Expect(errs.Error()).To(ContainSubstring(wantAt + ": " + wantMsg))
		},
		Entry("duration: 0s", valid, "duration: 10s", "duration: 0s",
			"s.yaml:4:11", "duration 0s is out of range; expected more than 0s and at most 24h0m0s"),
		Entry("an empty duration", valid, "duration: 10s", "duration:",
			"s.yaml:4:10", "duration 0s is out of range; expected more than 0s and at most 24h0m0s"),
		Entry("verify timeout: 0s", valid, "seed: 3\n", "seed: 3\nverify: {timeout: 0s}\n",
			"s.yaml:4:19", "verify.timeout 0s is out of range; expected a positive duration such as 30s (the default)"),
		Entry("batch_size: 0", valid, "batch_size: 100", "batch_size: 0",
			"s.yaml:12:17", "batch_size 0 is out of range; expected at least 1 item per export (default 512)"),
		Entry("queue_size: 0", valid, "batch_size: 100", "batch_size: 100\n    queue_size: 0",
			"s.yaml:13:17", "queue_size 0 is smaller than batch_size 100; expected at least 100"),
		Entry("batch_timeout: 0s", valid, "batch_size: 100", "batch_size: 100\n    batch_timeout: 0s",
			"s.yaml:13:20", "batch_timeout 0s is out of range; expected a positive duration such as 5s (the default)"),
		Entry("export_timeout: 0s", valid, "batch_size: 100", "batch_size: 100\n    export_timeout: 0s",
			"s.yaml:13:21", "export_timeout 0s is out of range; expected a positive duration such as 10s (the default)"),
		Entry("export_interval: 0s", valid, "batch_size: 100", "batch_size: 100\n    export_interval: 0s",
			"s.yaml:13:22", "export_interval 0s is out of range; expected a positive duration such as 1s (the default)"),
		Entry("an empty compression", valid, "batch_size: 100", "batch_size: 100\n    compression: \"\"",
			"s.yaml:13:18", "an empty compression; expected one of: none, gzip"),
		Entry("an empty pipeline", valid, "batch_size: 100", "batch_size: 100\n    pipeline: \"\"",
			"s.yaml:13:15", "an empty pipeline; expected one of: sdk, direct"),
		Entry("an empty temporality", multi, "temporality: cumulative", `temporality: ""`,
			"s.yaml:27:18", "an empty temporality; expected one of: cumulative, delta"),
		Entry("an empty signal", valid, "signal: traces", `signal: ""`,
			"s.yaml:15:13", "an empty signal; expected one of: traces, metrics, logs"),
		Entry("an empty backend type", valid, "type: jaeger", `type: ""`,
			"s.yaml:7:11", "an empty backend type; expected one of: collector, console, jaeger, prometheus, sink, victorialogs, victoriametrics, zipkin"),
		Entry("rate: 0 without stages", valid, "rate: 100", "rate: 0",
			"s.yaml:17:11", "rate 0 sends nothing; expected items per second above 0 (at most 5000000), or stages to ramp from 0"),
		Entry("stages: []", valid, "rate: 100", "rate: 100\n    stages: []",
			"s.yaml:18:13", "no stages; expected at least one {duration: <d>, target: <items per second>}, or no stages key for a constant rate"),
		Entry("spans: 0", valid, "spans: 4", "spans: 0",
			"s.yaml:19:14", "spans 0 is out of range; expected 1 to 10000"),
		Entry("depth: 0", valid, "depth: 2", "depth: 0",
			"s.yaml:20:14", "depth 0 is impossible with 4 spans per trace; expected 1 to 4"),
		Entry("a trace's attribute_size: 0", valid, "depth: 2", "depth: 2\n      attribute_size: 0",
			"s.yaml:21:23", "attribute_size 0 is out of range; expected 1 to 65536 bytes"),
		Entry("series: 0", multi, "series: 5", "series: 0",
			"s.yaml:39:15", "series 0 is out of range; expected 1 to 100000"),
		Entry("instruments: []", multi, "instruments: [counter, histogram]", "instruments: []",
			"s.yaml:38:20", "no instruments; expected one or more of: counter, updown_counter, gauge, histogram, exponential_histogram, or no instruments key for all five"),
		Entry("body_size: 0", multi, "body_size: 100", "body_size: 0",
			"s.yaml:46:18", "body_size 0 is out of range; expected 1 to 65536 bytes"),
		Entry("a log's attribute_size: 0", multi, "body_size: 100", "body_size: 100\n      attribute_size: 0",
			"s.yaml:47:23", "attribute_size 0 is out of range; expected 1 to 65536 bytes"),
		Entry("an empty severity", multi, "severity: warn", `severity: ""`,
			"s.yaml:45:17", "an empty severity; expected one of: trace, debug, info, warn, error, fatal"),
		Entry("an empty external", multi, "    type: zipkin\n", "    type: zipkin\n    external: {}\n",
			"s.yaml:9:15", `external has no endpoints; expected the running backend's endpoints (see docs/backends.md, "Bring your own backend"), or no external key for a backend otelbench starts`),
		Entry("an external with only empty endpoints", multi, "    type: zipkin\n", "    type: zipkin\n    external:\n      url:\n",
			"s.yaml:10:7", "external has no endpoints; expected"),
		Entry("an empty external endpoint", valid, "type: jaeger",
			"type: jaeger\n    external: {otlp_grpc: \"127.0.0.1:4317\", otlp_http: \"\", url: \"http://127.0.0.1:16686\"}",
			"s.yaml:8:56", "an empty otlp_http; expected a value, or no otlp_http key"),
	)

	DescribeTable("keeps a zero that means something",
		func(base string, pairs ...string) {
			_, err := scenarios.Parse("s.yaml", []byte(replaced(base, pairs...)))
			Expect(err).NotTo(HaveOccurred())
		},
		Entry("seed: 0", valid, "seed: 3", "seed: 0"),
		Entry("retention: 0, sized for the run", valid, "type: jaeger", "type: jaeger\n    retention: 0"),
		Entry("a trace's attributes: 0", valid, "depth: 2", "depth: 2\n      attributes: 0"),
		Entry("rate: 0 with stages ramping from it", valid, "rate: 100", "rate: 0\n    stages: [{duration: 10s, target: 100}]"),
		Entry("a stage's target: 0", valid, "rate: 100", "rate: 100\n    stages: [{duration: 10s, target: 0}]"),
		Entry("churn: 0 and cardinality_limit: 0 (the SDK's own)", multi, "series: 5", "series: 5\n      churn: 0\n      cardinality_limit: 0"),
		Entry("a log's attributes: 0", multi, "body_size: 100", "body_size: 100\n      attributes: 0"),
		Entry("forward_to: [] on a collector", multi, "forward_to: [jaeger, prom]", "forward_to: []",
			"exporters: [grpc, zip]", "exporters: [zip]"),
		Entry("image: \"\", the pinned image", valid, "type: jaeger", "type: jaeger\n    image: \"\""),
		Entry("compression: none on a zipkin exporter", multi, "    protocol: zipkin\n", "    protocol: zipkin\n    compression: none\n"),
	)

	It("keeps an explicit rate_tolerance: 0, and defaults an omitted one", func() {
		sc, err := scenarios.Parse("s.yaml", []byte(replaced(valid, "seed: 3\n", "seed: 3\nverify: {rate_tolerance: 0}\n")))
		Expect(err).NotTo(HaveOccurred())
		Expect(sc.Verify.RateTolerance).To(BeZero())
		sc, err = scenarios.Parse("s.yaml", []byte(valid))
		Expect(err).NotTo(HaveOccurred())
		Expect(sc.Verify.RateTolerance).To(Equal(scenarios.DefaultRateTolerance))
	})

	DescribeTable("refuses what the README rules out, at its place",
		func(base, from, to, wantAt, wantMsg string) {
			errs := errorsOf(replaced(base, from, to))
			Expect(errs.Error()).To(ContainSubstring(wantAt + ": " + wantMsg))
		},
		Entry("a scenario name outside [a-z0-9][a-z0-9_.-]*", valid, "name: t", "name: Smoke Test",
			"s.yaml:2:7", `name "Smoke Test" is not valid; expected lower-case letters, digits, '-', '_' or '.', starting with a letter or digit, at most 63 characters`),
		Entry("a scenario name starting with '-'", valid, "name: t", "name: -t",
			"s.yaml:2:7", `name "-t" is not valid`),
		Entry("a scenario name of 64 characters", valid, "name: t", "name: "+strings.Repeat("t", 64),
			"s.yaml:2:7", `name "`+strings.Repeat("t", 64)+`" is not valid; expected lower-case letters`),
		Entry("gzip on an exporter that has no compression", multi, "    protocol: zipkin\n", "    protocol: zipkin\n    compression: gzip\n",
			"s.yaml:20:18", "the zipkin exporter has no compression; expected compression: none (or no compression key), or protocol otlp-grpc or otlp-http for gzip"),
		Entry("forward_to, even empty, on a backend that is not a collector", multi, "type: zipkin\n", "type: zipkin\n    forward_to: []\n",
			"s.yaml:9:17", "forward_to applies to collector backends only; a zipkin backend stores what it receives; expected no forward_to here"),
		Entry("retention, even 0, on a backend that keeps no count", multi, "type: prometheus\n", "type: prometheus\n    retention: 0\n",
			"s.yaml:11:16", "retention applies to jaeger (traces) and zipkin (spans) backends; expected no retention on a prometheus backend"),
		Entry("a negative retention", valid, "type: jaeger", "type: jaeger\n    retention: -1",
			"s.yaml:8:16", "retention -1 is out of range; expected 0 (sized for the run) or more"),
		Entry("config, even empty, on a backend that is not a collector", multi, "type: zipkin\n", "type: zipkin\n    config: \"\"\n",
			"s.yaml:9:13", "config applies to collector backends only; expected args: for a zipkin backend's options"),
		Entry("an image on the console backend", multi, "exporters:\n", "  - {name: out, type: console, image: busybox}\nexporters:\n",
			"s.yaml:14:39", "a console backend is otelbench's own standard output and runs no image; expected no image"),
		Entry("an external key the backend type has no use for", valid, "type: jaeger",
			"type: jaeger\n    external: {otlp_grpc: \"127.0.0.1:4317\", url: \"http://127.0.0.1:16686\", files_dir: /tmp}",
			"s.yaml:8:87", "an external jaeger backend has no use for files_dir; expected it only on collector backends"),
		Entry("a stage longer than the 24h limit", valid, "rate: 100", "rate: 100\n    stages: [{duration: 25h, target: 10}]",
			"s.yaml:18:25", "a stage needs a positive duration; expected more than 0s and at most 24h0m0s, got 25h0m0s"),
		Entry("stages longer than 24h in all, even beyond what a duration holds", valid, "rate: 100",
			"rate: 100\n    stages: [{duration: 24h, target: 10}, {duration: 24h, target: 10}, {duration: 2562047h, target: 10}, {duration: 2562047h, target: 10}]",
			"s.yaml:18:13", "the stages last more than 24h0m0s; expected at most 24h0m0s in all"),
		Entry("a rate that is not a number", valid, "rate: 100", "rate: !!float NaN",
			"s.yaml:17:11", `workloads[0].rate: expected a finite number, got "NaN"`),
		Entry("a rate_tolerance that is not a number", valid, "seed: 3\n", "seed: 3\nverify: {rate_tolerance: !!float NaN}\n",
			"s.yaml:4:26", `verify.rate_tolerance: expected a finite number, got "NaN"`),
	)

	DescribeTable("refuses a collector whose forward_to loops back to it, naming the loop, where it starts",
		func(from, to, wantAt, wantMsg string) {
			errs := errorsOf(replaced(multi, from, to))
			Expect(errs.Error()).To(ContainSubstring(wantAt + ": " + wantMsg))
		},
		Entry("to itself", "forward_to: [jaeger, prom]", "forward_to: [jaeger, prom, col]",
			"s.yaml:13:32", `collector "col" forwards to itself directly; expected forward_to to reach non-collector backends without a loop`),
		Entry("through another collector, from the first",
			"    forward_to: [jaeger, prom]\n", "    forward_to: [jaeger, col2]\n  - name: col2\n    type: collector\n    forward_to: [col]\n",
			"s.yaml:13:26", `collector "col" forwards to itself through "col2" -> "col"; expected forward_to to reach non-collector backends without a loop`),
		Entry("through another collector, from the second",
			"    forward_to: [jaeger, prom]\n", "    forward_to: [jaeger, col2]\n  - name: col2\n    type: collector\n    forward_to: [col]\n",
			"s.yaml:16:18", `collector "col2" forwards to itself through "col" -> "col2"; expected`),
		Entry("through two others, by the shortest way",
			"    forward_to: [jaeger, prom]\n", "    forward_to: [jaeger, col2]\n  - {name: col2, type: collector, forward_to: [col3, col]}\n  - {name: col3, type: collector, forward_to: [col]}\n",
			"s.yaml:13:26", `collector "col" forwards to itself through "col2" -> "col"; expected`),
		Entry("through a chain of three",
			"    forward_to: [jaeger, prom]\n", "    forward_to: [jaeger, col2]\n  - {name: col2, type: collector, forward_to: [col3]}\n  - {name: col3, type: collector, forward_to: [col]}\n",
			"s.yaml:14:48", `collector "col2" forwards to itself through "col3" -> "col" -> "col2"; expected`),
		Entry("a collector into a loop it is not part of: the loop is named where it is",
			"    forward_to: [jaeger, prom]\n", "    forward_to: [jaeger, col2]\n  - {name: col2, type: collector, forward_to: [col2]}\n",
			"s.yaml:14:48", `collector "col2" forwards to itself directly; expected`),
		Entry("a collector into a loop it is not part of: its own entry",
			"    forward_to: [jaeger, prom]\n", "    forward_to: [jaeger, col2]\n  - {name: col2, type: collector, forward_to: [col2]}\n",
			"s.yaml:13:26", `a collector forwards to jaeger, prometheus, victorialogs, victoriametrics or zipkin backends, not to collector backend "col2"; expected one of those`),
	)

	DescribeTable("places a YAML syntax error even where the YAML parser names no line",
		func(from, to, wantAt, wantMsg string) {
			errs := errorsOf(replaced(valid, from, to))
			Expect(errs).To(HaveLen(1))
			Expect(errs[0].Error()).To(Equal(wantAt + ": " + wantMsg))
		},
		Entry("on the first line", valid, `"`, "s.yaml:1", "invalid YAML: found unexpected end of stream"),
		Entry("a control character", "seed: 3", "seed: \x01", "s.yaml:3:7", "invalid YAML: control characters are not allowed"),
		Entry("invalid UTF-8", "name: t", "name: \xff", "s.yaml:2:7", "invalid YAML: invalid leading UTF-8 octet"),
		Entry("an alias to no anchor", "rate: 100", "rate: *r", "s.yaml:17:11",
			"invalid YAML: unknown anchor 'r' referenced; expected an alias *name after an anchor &name"),
		Entry("in a second document", "seed: 3\n", "seed: 3\n---\n[\n", "s.yaml:5", "invalid YAML: did not find expected ',' or ']'"),
	)
})
