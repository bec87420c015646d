package scenarios_test

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/scenarios"
)

// thresholded is a valid scenario with rows of an exporter (checkout through grpc) and of an application (shop),
// and neither sampling nor faults; a row below edits it (replaced) and ends it with its own thresholds: block, whose
// first expr stands at line 22 (column 11 as "- expr: ...", 12 as "- {expr: ...}").
const thresholded = `version: 1
name: t
duration: 10s
backends:
  - {name: jaeger, type: jaeger}
  - {name: col, type: collector, forward_to: [jaeger]}
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: jaeger}
apps:
  - name: shop
    dir: apps/flask
    python: requirements.txt
    command: [python, app.py]
    traces: {backend: col}
workloads:
  - {name: checkout, signal: traces, exporters: [grpc], rate: 10}
  - name: load
    app: shop
    rate: 10
    requests: [{path: /hello}]
thresholds:
`

// Edits of thresholded: no application, no exporter, sampling in one place or another, faults.
var (
	noApp = []string{"apps:\n  - name: shop\n    dir: apps/flask\n    python: requirements.txt\n    command: [python, app.py]\n    traces: {backend: col}\n", "",
		"  - name: load\n    app: shop\n    rate: 10\n    requests: [{path: /hello}]\n", ""}
	noExporter = []string{"exporters:\n  - {name: grpc, protocol: otlp-grpc, backend: jaeger}\n", "",
		"  - {name: checkout, signal: traces, exporters: [grpc], rate: 10}\n", ""}
	workloadSampling  = []string{"rate: 10}", "rate: 10, sampling: {ratio: 0.5}}"}
	appSampling       = []string{"    traces: {backend: col}\n", "    traces: {backend: col}\n    sampling: {sampler: traceidratio, ratio: 0.5}\n"}
	appSamplerEnv     = []string{"    traces: {backend: col}\n", "    traces: {backend: col}\n    env: {OTEL_TRACES_SAMPLER: always_off}\n"}
	collectorSampling = []string{"forward_to: [jaeger]}", "forward_to: [jaeger], sampling: {ratio: 0.5}}"}
	unsampledParents  = []string{"    rate: 10\n    requests", "    rate: 10\n    parents: {unsampled: 0.5}\n    requests"}
	withFaults        = []string{"thresholds:\n", "faults:\n  - {action: restart, backend: col, at: 5s}\nthresholds:\n"}
)

// withThresholds is thresholded with edits applied and thresholds (the block's lines) after it.
func withThresholds(edits []string, thresholds string) string {
	GinkgoHelper()
	return replaced(thresholded, edits...) + thresholds
}

var _ = Describe("thresholds", func() {
	DescribeTable("accept what some row of the scenario can answer",
		func(edits []string, thresholds string) {
			_, err := scenarios.Parse("s.yaml", []byte(withThresholds(edits, thresholds)))
			Expect(err).NotTo(HaveOccurred())
		},
		Entry("a count on every row", nil, "  - expr: lost == 0\n"),
		Entry("a percentile against a plain number of milliseconds", nil, "  - expr: p99(export_latency) < 50\n"),
		Entry("a percentile against a duration", nil, "  - {expr: \"p99(export_latency) < 50ms\", exporters: [grpc]}\n"),
		Entry("an application's number, with an application among the rows", nil, "  - expr: \"p99(http_latency) < 500ms\"\n  - expr: http_failed == 0\n"),
		Entry("an application's number on its rows", nil, "  - {expr: \"answered >= 0.99 * requests\", exporters: [shop]}\n"),
		Entry("an exporter's number on its rows", nil, "  - {expr: dropped_in_sdk == 0, exporters: [grpc, shop]}\n"),
		Entry("a workload's sampling", workloadSampling, "  - expr: \"sampled_ratio between 0.4 and 0.6\"\n"),
		Entry("an application's sampling", appSampling, "  - {expr: unexpected_sampled == 0, exporters: [shop]}\n"),
		Entry("an application's sampler in its env", appSamplerEnv, "  - {expr: not_sampled > 0, exporters: [shop]}\n"),
		Entry("a sampling collector on an application's path", collectorSampling, "  - {expr: \"sampled_ratio < 0.6\", exporters: [shop]}\n"),
		Entry("requests with unsampled parents", unsampledParents, "  - expr: unexpected_sampled == 0\n"),
		Entry("a recovery in a run with faults", withFaults, "  - expr: recovery_s < 3\n  - {expr: lost_during_faults == 0, exporters: [grpc]}\n"),
	)

	DescribeTable("refuse what can never be evaluated, at the expr's line:col and column in it, saying what is expected",
		func(edits []string, thresholds, wantAt, wantMsg string) {
			Expect(errorsOf(withThresholds(edits, thresholds)).Error()).To(ContainSubstring(wantAt + ": " + wantMsg))
		},
		Entry("a count against a duration", nil, "  - expr: \"lost < 50ms\"\n",
			"s.yaml:22:11", `at column 8 of "lost < 50ms": lost is in items and 50ms is a duration, in milliseconds: they cannot be compared; expected a plain number of items, or another number in items`),
		Entry("a rate against a duration", nil, "  - expr: throughput >= 2s\n",
			"s.yaml:22:11", `at column 15 of "throughput >= 2s": throughput is in items/s and 2s is a duration, in milliseconds: they cannot be compared`),
		Entry("seconds against a duration", withFaults, "  - expr: recovery_s < 3s\n",
			"s.yaml:24:11", `at column 14 of "recovery_s < 3s": recovery_s is in seconds and 3s is a duration, in milliseconds: they cannot be compared; expected a plain number of seconds (a duration such as 3s counts in milliseconds), as in recovery_s < 3`),
		Entry("a percentile against a count", nil, "  - expr: p99(export_latency) < 0.01 * sent\n",
			"s.yaml:22:11", `at column 23 of "p99(export_latency) < 0.01 * sent": p99(export_latency) is in milliseconds and 0.01 * sent is in items: they cannot be compared; expected a duration (50ms), a plain number of milliseconds or a latency percentile`),
		Entry("no metric at all", nil, "  - expr: 1 < 2\n",
			"s.yaml:22:11", `at column 1 of "1 < 2": it names no metric and no percentile, so it holds or fails whatever the run does; expected a row's number, as in lost == 0`),
		Entry("an application's number without an application", noApp, "  - expr: http_failed == 0\n",
			"s.yaml:12:11", `at column 1 of "http_failed == 0": http_failed is measured on applications' rows only, and no row this threshold applies to is one; expected an application under test among its rows`),
		Entry("an application's latency limited to exporters", nil, "  - {expr: \"p99(http_latency) < 500ms\", exporters: [grpc]}\n",
			"s.yaml:22:12", `at column 1 of "p99(http_latency) < 500ms": p99(http_latency) is measured on applications' rows only`),
		Entry("requests not sent, limited to exporters", nil, "  - expr: not_sent == 0\n    exporters: [grpc]\n",
			"s.yaml:22:11", `at column 1 of "not_sent == 0": not_sent is measured on applications' rows only`),
		Entry("an exporter's number limited to applications", nil, "  - {expr: export_failed_calls == 0, exporters: [shop]}\n",
			"s.yaml:22:12", `at column 1 of "export_failed_calls == 0": export_failed_calls is measured on the rows of otelbench's exporters only, and this threshold applies to applications' rows alone; expected exporters: naming an exporter, or a number applications' rows have`),
		Entry("SDK drops with applications alone", noExporter, "  - expr: dropped_in_sdk == 0\n",
			"s.yaml:19:11", `at column 1 of "dropped_in_sdk == 0": dropped_in_sdk is measured on the rows of otelbench's exporters only`),
		Entry("a sampling metric without sampling", nil, "  - expr: \"sampled_ratio between 0.4 and 0.6\"\n",
			"s.yaml:22:11", `at column 1 of "sampled_ratio between 0.4 and 0.6": sampled_ratio is measured on rows with sampling only, and no row this threshold applies to has any; expected sampling on a traces workload (sampling: {ratio: 0.25}), on an application (sampling:, or OTEL_TRACES_SAMPLER in its env) or on the collector its traces go to`),
		Entry("a sampling metric limited to rows without it", appSampling, "  - {expr: unexpected_sampled == 0, exporters: [grpc]}\n",
			"s.yaml:23:12", `at column 1 of "unexpected_sampled == 0": unexpected_sampled is measured on rows with sampling only`),
		Entry("a recovery without faults", nil, "  - expr: recovery_s < 3\n",
			"s.yaml:22:11", `at column 1 of "recovery_s < 3": recovery_s is measured in a run with faults only, and the scenario has none; expected a faults: block`),
		Entry("loss during faults without faults", nil, "  - expr: lost_during_faults == 0\n",
			"s.yaml:22:11", `at column 1 of "lost_during_faults == 0": lost_during_faults is measured in a run with faults only`),
		Entry("a fault metric limited to applications", withFaults, "  - {expr: readable_s < 5, exporters: [shop]}\n",
			"s.yaml:24:12", `at column 1 of "readable_s < 5": readable_s is measured on the rows of otelbench's exporters only`),
	)

	It("are checked as the shipped scenarios write them", func() {
		var checked []string
		Expect(filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(path) != ".yaml" || strings.HasPrefix(path, "testdata") {
				return err
			}
			if data, err := os.ReadFile(path); err != nil || !strings.Contains(string(data), "\nthresholds:") {
				return err
			}
			_, err = scenarios.Load(path)
			Expect(err).NotTo(HaveOccurred(), path)
			checked = append(checked, path)
			return nil
		})).To(Succeed())
		Expect(checked).To(ContainElements("flask-app.yaml", "flask-sampled.yaml", "faults-jaeger-down.yaml"))
	})
})
