package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/scenarios"
)

var _ = Describe("a scenario's topology", func() {
	src := `version: 1
name: topology
duration: 1s
backends:
  - {name: jaeger, type: jaeger}
  - {name: prom, type: prometheus}
  - {name: col, type: collector, forward_to: [jaeger, prom]}
exporters:
  - {name: direct, protocol: otlp-grpc, backend: jaeger}
  - {name: via, protocol: otlp-http, backend: col}
workloads:
  - {name: checkout, signal: traces, exporters: [direct, via], rate: 10}
  - {name: usage, signal: metrics, exporters: [via], rate: 10}
`
	It("has one route per workload and exporter, each read back where its items end up", func() {
		sc, err := scenarios.Parse("topology.yaml", []byte(src))
		Expect(err).NotTo(HaveOccurred())
		top := sc.Topology()
		type route struct {
			Key, To, Signal, Protocol string
			Paths                     []string
		}
		var got []route
		for _, r := range top.Routes {
			rt := route{Key: r.Key(), To: r.To.Name, Signal: string(r.Signal), Protocol: r.Protocol.Name}
			for _, p := range r.Paths {
				rt.Paths = append(rt.Paths, p.Name)
			}
			got = append(got, rt)
		}
		Expect(got).To(Equal([]route{
			{"checkout/direct", "jaeger", "traces", "otlp-grpc", []string{"jaeger"}},
			{"checkout/via", "col", "traces", "otlp-http", []string{"jaeger"}},
			{"usage/via", "col", "metrics", "otlp-http", []string{"col", "prom"}},
		}))
		Expect(top.Node("col").Description.Forwarder).To(BeTrue())
		Expect(top.Node("col").Paths[generators.Logs]).To(HaveLen(1), "a collector gives logs back from its file exporters")
		Expect(top.Node("nowhere")).To(BeNil())
	})
})
