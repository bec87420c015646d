package engine_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/engine"
	"github.com/otelbench/otelbench/scenarios"
)

var _ = Describe("a row's verdict on the rate", func() {
	DescribeTable("fails a stream that emitted more than the tolerance below its target",
		func(target, achieved, tolerance float64, behind bool) {
			Expect(engine.Behind(target, achieved, tolerance)).To(Equal(behind))
		},
		Entry("on target", 1000.0, 1000.0, 0.01, false),
		Entry("0.5% below, within 1%", 1000.0, 995.0, 0.01, false),
		Entry("exactly 1% below", 1000.0, 990.0, 0.01, false),
		Entry("1.1% below", 1000.0, 989.0, 0.01, true),
		Entry("half the target", 200000.0, 100000.0, 0.01, true),
		Entry("half the target with a loosened tolerance of 60%", 200000.0, 100000.0, 0.6, false),
		Entry("no target (nothing scheduled)", 0.0, 0.0, 0.01, false),
	)

	It("fails a run whose sender fell behind, saying so", func(ctx SpecContext) {
		// 10 000 spans per trace at 3 million spans a second: no machine builds spans that fast.
		sc := &scenarios.Scenario{
			Version: 1, Name: "behind", Duration: scenarios.Duration(time.Second),
			Verify:    scenarios.Verify{Timeout: scenarios.Duration(5 * time.Second)},
			Backends:  []scenarios.Backend{{Name: "stdout", Type: "console"}},
			Exporters: []scenarios.Exporter{{Name: "console", Protocol: "console", Backend: "stdout"}},
			Workloads: []scenarios.Workload{{Name: "w", Signal: "traces", Exporters: []string{"console"}, Rate: 3_000_000,
				Trace: scenarios.TraceShape{Spans: 10_000}}},
		}
		rep, err := engine.Run(ctx, sc, engine.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.Passed).To(BeFalse())
		row := rep.Exporters[0]
		Expect(row.AchievedRatePerS).To(BeNumerically("<", 0.99*row.TargetRatePerS))
		Expect(row.Causes).To(ContainElement(MatchRegexp(`^the sender fell behind its schedule: it emitted \d+ spans/s of the 3000000/s target, [\d.]+% below \(tolerance 1.0%, verify.rate_tolerance\)`)))
	}, SpecTimeout(time.Minute))
})
