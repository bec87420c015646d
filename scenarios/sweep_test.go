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
