package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/scenarios"
)

const sweep = `version: 1
name: sweep
duration: 3s
backends: [{name: sink, type: sink}]
exporters: [{name: grpc, protocol: otlp-grpc, backend: sink}]
workloads: [{name: t, signal: traces, exporters: [grpc], rate: 100}]
sweep:
  exporter: grpc
  axes:
    batch_size: [1, 4096]
    compression: [none, gzip]
  replicates: 3
  warmup: 1s
`

var _ = Describe("sweep", func() {
	It("expands its axes into named configurations of the exporter, each a valid scenario", func() {
		sc, err := scenarios.Parse("s.yaml", []byte(sweep))
		Expect(err).NotTo(HaveOccurred())
		configs, err := sc.Configurations()
		Expect(err).NotTo(HaveOccurred())
		var names []string
		for _, c := range configs {
			names = append(names, c.Name)
			Expect(c.Scenario.Exporters).To(HaveLen(1))
			Expect(c.Scenario.Workloads[0].Exporters).To(Equal([]string{"grpc"}))
		}
		Expect(names).To(Equal([]string{"batch_size=1,compression=none", "batch_size=1,compression=gzip",
			"batch_size=4096,compression=none", "batch_size=4096,compression=gzip"}))
		Expect(configs[2].Scenario.Exporters[0].BatchSize).To(Equal(4096))
		Expect(configs[2].Scenario.Exporters[0].QueueSize).To(Equal(4096), "the default queue follows the batch")
		Expect(configs[1].Scenario.Exporters[0].Compression).To(Equal("gzip"))
	})

	DescribeTable("refuses what cannot work, at the axis that makes it",
		func(from, to, want string) {
			Expect(sweep).To(ContainSubstring(from))
			Expect(errorsOf(replaceOnce(sweep, from, to)).Error()).To(ContainSubstring(want))
		},
		Entry("an axis no sweep can vary", "    compression: [none, gzip]", "    colour: [red]",
			"s.yaml:11:13: colour is not a setting a sweep can vary"),
		Entry("a value that makes an invalid exporter", "[none, gzip]", "[none, brotli]",
			`s.yaml:11:25: configuration batch_size=1,compression=brotli cannot work`),
		Entry("a combination that cannot work", "    batch_size: [1, 4096]\n", "    batch_size: [1, 4096]\n    protocol: [otlp-grpc, zipkin]\n",
			"configuration batch_size=1,compression=gzip,protocol=zipkin cannot work"),
		Entry("an unknown exporter", "  exporter: grpc", "  exporter: http", `s.yaml:8:13: exporter "http" is not defined`),
		Entry("a warmup as long as the run", "warmup: 1s", "warmup: 3s", "s.yaml:13:11: warmup 3s is out of range"),
		Entry("an unknown objective", "  warmup: 1s", "  warmup: 1s\n  objective: speed", `s.yaml:14:14: objective "speed" is not known; expected one of: capacity, throughput`),
		Entry("an unknown test", "  warmup: 1s", "  warmup: 1s\n  test: t-test", `s.yaml:14:9: test "t-test" is not known; expected one of: welch, mann-whitney`),
		Entry("a design that can never reach significance", "  warmup: 1s", "  warmup: 1s\n  test: mann-whitney",
			"s.yaml:12:15: replicates 3 cannot tell configurations apart at alpha 0.01 with mann-whitney: the smallest p-value of a Mann-Whitney U test of 5 runs against 5 is 0.00794, below alpha 0.01; expected at least 5, or test: welch"),
		Entry("a common rate with the capacity objective", "  warmup: 1s", "  warmup: 1s\n  rate: 5000", "s.yaml:14:9: rate is the common rate of cost, bytes"),
		Entry("a negative common rate", "  warmup: 1s", "  warmup: 1s\n  objective: cost\n  rate: -5", "s.yaml:15:9: rate -5 is out of range"),
		Entry("a search floor above its ceiling", "  warmup: 1s", "  warmup: 1s\n  capacity: {min: 5000, max: 100}", "capacity min 5000 and max 100: expected 0 < min <= max"),
		Entry("an explicit zero", "  warmup: 1s", "  warmup: 1s\n  capacity: {start: 0}", "s.yaml:14:21: start 0 is out of range"),
		Entry("a precision of 1", "  warmup: 1s", "  warmup: 1s\n  capacity: {precision: 1}", "s.yaml:14:25: precision 1 is out of range"),
		Entry("a probe no longer than the warm-up", "  warmup: 1s", "  warmup: 1s\n  capacity: {probe: 1s}", "s.yaml:14:21: probe 1s is not longer than the warm-up 1s"),
		Entry("a negative export p99 bound", "  warmup: 1s", "  warmup: 1s\n  capacity: {export_p99: -1s}", "export_p99 -1s is out of range"),
		Entry("stages under a capacity search", "rate: 100}]", "rate: 100, stages: [{duration: 3s, target: 200}]}]", "objective capacity offers rates of its own"),
	)
})

func replaceOnce(s, from, to string) string {
	i := indexOf(s, from)
	return s[:i] + to + s[i+len(from):]
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
