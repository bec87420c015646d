package engine_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/engine"
	"github.com/otelbench/otelbench/scenarios"
)

const gib = int64(1) << 30

// traceScenario sends rate spans per second of 5-span traces with attrs attributes of size bytes, for duration,
// to a Jaeger and a Zipkin (the second backend, line 7).
func traceScenario(duration string, rate, attrs, size int) *scenarios.Scenario {
	src := fmt.Sprintf(`version: 1
name: memory
duration: %s
backends:
  - name: jaeger
    type: jaeger
  - name: zipkin
    type: zipkin
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: jaeger}
  - {name: zip, protocol: zipkin, backend: zipkin}
workloads:
  - name: w
    signal: traces
    exporters: [grpc, zip]
    rate: %d
    trace: {spans: 5, attributes: %d, attribute_size: %d}
`, duration, rate, attrs, size)
	sc, err := scenarios.Parse("memory.yaml", []byte(src))
	Expect(err).NotTo(HaveOccurred())
	return sc
}

var _ = Describe("Memory check before a run", func() {
	DescribeTable("refuses only a run whose backends would not fit",
		func(sc func() *scenarios.Scenario, available int64, want string) {
			err := engine.CheckMemory(sc(), available)
			if want == "" {
				Expect(err).NotTo(HaveOccurred())
				return
			}
			var errs scenarios.Errors
			Expect(err).To(BeAssignableToTypeOf(errs))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("the smoke scenario on a small machine", func() *scenarios.Scenario {
			sc, err := scenarios.Load("../scenarios/smoke.yaml")
			Expect(err).NotTo(HaveOccurred())
			return sc
		}, 2*gib, ""),
		Entry("the exporters matrix on a small machine", func() *scenarios.Scenario {
			sc, err := scenarios.Load("../scenarios/exporters-matrix.yaml")
			Expect(err).NotTo(HaveOccurred())
			return sc
		}, 4*gib, ""),
		Entry("a minute of small spans on 24 GiB", func() *scenarios.Scenario { return traceScenario("1m", 10_000, 4, 32) }, 24*gib, ""),
		Entry("an hour of 10 KiB spans on 24 GiB: Zipkin's heap is the biggest share", func() *scenarios.Scenario {
			return traceScenario("1h", 10_000, 10, 1024)
		}, 24*gib, `memory.yaml:7:5: backend "zipkin" would hold room for`),
		Entry("the same when the memory cannot be read: nothing is refused", func() *scenarios.Scenario {
			return traceScenario("1h", 10_000, 10, 1024)
		}, int64(0), ""),
		Entry("big spans through a collector count against the backends it forwards to", func() *scenarios.Scenario {
			sc, err := scenarios.Parse("fwd.yaml", []byte(`version: 1
name: fwd
duration: 30m
backends:
  - {name: jaeger, type: jaeger}
  - {name: collector, type: collector, forward_to: [jaeger]}
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: collector}
workloads:
  - {name: w, signal: traces, exporters: [grpc], rate: 20000, trace: {spans: 4, attributes: 8, attribute_size: 2048}}
`))
			Expect(err).NotTo(HaveOccurred())
			return sc
		}, 24*gib, `fwd.yaml:5:5: backend "jaeger" would hold 36000000 spans`),
		Entry("an external backend takes nothing here", func() *scenarios.Scenario {
			sc, err := scenarios.Parse("ext.yaml", []byte(`version: 1
name: ext
duration: 1h
backends:
  - {name: jaeger, type: jaeger, external: {otlp_grpc: "127.0.0.1:4317", url: "http://127.0.0.1:16686"}}
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: jaeger}
workloads:
  - {name: w, signal: traces, exporters: [grpc], rate: 100000, trace: {spans: 5, attributes: 10, attribute_size: 1024}}
`))
			Expect(err).NotTo(HaveOccurred())
			return sc
		}, 1*gib, ""),
	)
})
