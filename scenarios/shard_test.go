package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/scenarios"
)

var _ = Describe("A scenario for shards of one run", func() {
	const external = `version: 1
name: s
duration: 5s
backends:
  - {name: jaeger, type: jaeger, external: {otlp_grpc: "127.0.0.1:4317", url: "http://127.0.0.1:16686"}}
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: jaeger}
workloads:
  - {name: w, signal: traces, exporters: [grpc], rate: 100}
`
	It("is one whose backends are all external", func() {
		sc, err := scenarios.Parse("s.yaml", []byte(external))
		Expect(err).NotTo(HaveOccurred())
		Expect(sc.CheckShardable()).To(Succeed())
	})

	DescribeTable("is refused where it would start something, or could not be split, at the line and column",
		func(yaml, want string) {
			sc, err := scenarios.Parse("s.yaml", []byte(yaml))
			Expect(err).NotTo(HaveOccurred())
			Expect(sc.CheckShardable()).To(MatchError(ContainSubstring(want)))
		},
		Entry("a backend otelbench would start", `version: 1
name: s
duration: 5s
backends:
  - {name: jaeger, type: jaeger}
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: jaeger}
workloads:
  - {name: w, signal: traces, exporters: [grpc], rate: 100}
`, `s.yaml:5:5: backend "jaeger" would be started, but shards of one run share the system under test and start nothing; expected external: endpoints`),
		Entry("a sink", `version: 1
name: s
duration: 5s
backends:
  - {name: jaeger, type: jaeger, external: {otlp_grpc: "127.0.0.1:4317", url: "http://127.0.0.1:16686"}}
  - {name: count, type: sink, external: {otlp_grpc: "127.0.0.1:4327", metrics_url: "http://127.0.0.1:8888/metrics"}}
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: count}
workloads:
  - {name: w, signal: traces, exporters: [grpc], rate: 100}
`, `s.yaml:6:5: backend "count" is a sink: it counts what every shard sends`),
	)
})
