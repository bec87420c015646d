package main_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("metrics at the SDK's cardinality limit", Label("docker", "e2e"), func() {
	// 5000 measurements/s a stream for 3 s touch every one of the 2000 series of each of the 5 instruments (the
	// plan goes round them in order) with room to spare on a busy 2-core machine; at 20000/s a stream the sender
	// could fall behind its schedule there, a failure of its own that is not what these specs are about.
	scenario := func(limit string) string {
		return writeScenario(fmt.Sprintf(`version: 1
name: cardinality
duration: 3s
verify: {timeout: 30s}
backends:
  - {name: prometheus, type: prometheus}
  - {name: collector, type: collector}
exporters:
  - {name: push, protocol: otlp-http, backend: prometheus}
  - {name: via-collector, protocol: otlp-grpc, backend: collector}
workloads:
  - name: inventory
    signal: metrics
    exporters: [push, via-collector]
    rate: 5000
    metrics: {series: 2000%s}
`, limit))
	}

	It("names the series the SDK folded into its overflow series, and verifies every other data point", func(ctx SpecContext) {
		out, id := GinkgoT().TempDir(), runID("cardinality")
		rep := failedWith(ctx, otelbench("run", scenario(""), "--out", out, "--run-id", id), out)
		Expect(rep.Exporters).To(HaveLen(2))
		for _, e := range rep.Exporters {
			// 2000 attribute sets per instrument, the overflow series included: the 2000th series of each goes there.
			Expect(e.OverflowedSeries).To(ConsistOf("counter g0-s1999", "updown_counter g0-s1999", "gauge g0-s1999",
				"histogram g0-s1999", "exponential_histogram g0-s1999"), e.Backend)
			Expect(e.Overflowed).To(BeNumerically(">", 0), e.Backend)
			Expect(e.Lost).To(BeZero(), e.Backend)
			Expect(e.Altered).To(BeZero(), e.Backend)
			Expect(e.Verified+e.Overflowed).To(Equal(e.Sent), e.Backend)
			Expect(e.Causes).To(ContainElement(ContainSubstring("the SDK's cardinality limit (2000 attribute sets per instrument")), e.Backend)
		}
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(3*time.Minute))

	It("passes whole with the limit raised by the scenario", func(ctx SpecContext) {
		out, id := GinkgoT().TempDir(), runID("cardinality-raised")
		rep := passed(ctx, otelbench("run", scenario(", cardinality_limit: 2001"), "--out", out, "--run-id", id), out)
		for _, e := range rep.Exporters {
			Expect(e.Verified).To(Equal(e.Sent), e.Backend)
			Expect(e.Overflowed).To(BeZero(), e.Backend)
		}
	}, SpecTimeout(3*time.Minute))
})
