package engine_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/engine"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/reports"
)

var _ = Describe("what a fault did to an exporter", func() {
	begin := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return begin.Add(time.Duration(s * float64(time.Second))) }
	ok := func(from, to float64, calls int64) generators.Outcomes {
		return generators.Outcomes{From: at(from), To: at(to), OK: true, Calls: calls, Items: calls * 10}
	}
	failed := func(from, to float64, calls int64) generators.Outcomes {
		return generators.Outcomes{From: at(from), To: at(to), OK: false, Calls: calls, Items: calls * 10}
	}
	down := []reports.FaultWindow{{Fault: 0, Backend: "collector", Action: "stop", From: 5, To: 8}}

	DescribeTable("counts the calls that failed from the fault's start to the recovery, and how long after its end the first export went through",
		func(segs []generators.Outcomes, windows []reports.FaultWindow, calls int64, recovery float64) {
			got := engine.Impact(segs, windows, begin, at(15))
			Expect(got.FailedCalls).To(Equal(calls))
			Expect(got.FailedItems).To(Equal(calls * 10))
			Expect(got.RecoveryS).To(BeNumerically("~", recovery, 1e-9))
			Expect(got.Windows).To(HaveLen(len(windows)))
		},
		Entry("nothing failed: nothing to recover from", []generators.Outcomes{ok(0.2, 14.8, 75)}, down, int64(0), 0.0),
		Entry("failures during the outage, back as soon as it ended", []generators.Outcomes{ok(0.2, 4.8, 24), failed(5.2, 7.8, 13), ok(8.3, 14.8, 33)}, down, int64(13), 0.3),
		Entry("failures past the outage (a reconnection backoff) count, and the recovery waits for them",
			[]generators.Outcomes{ok(0.2, 4.8, 24), failed(5.2, 10.2, 24), ok(10.6, 14.8, 20)}, down, int64(24), 2.6),
		Entry("failures before the fault are not its own", []generators.Outcomes{failed(0.2, 1, 3), ok(1.2, 14.8, 70)}, down, int64(0), 0.0),
		Entry("never recovered before the run ended", []generators.Outcomes{ok(0.2, 4.8, 24), failed(5.2, 14.8, 50)}, down, int64(50), -1.0),
		Entry("a fault never undone lasts to the end", []generators.Outcomes{ok(0.2, 4.8, 24), failed(5.2, 14.8, 50)},
			[]reports.FaultWindow{{Fault: 0, Backend: "collector", Action: "stop", From: 5, To: -1}}, int64(50), -1.0),
		Entry("two faults count a failed call once in the total; each is judged on its own and the longest recovery is the row's",
			[]generators.Outcomes{ok(0.2, 4.8, 24), failed(5.2, 7.8, 13), ok(8.3, 14.8, 33)},
			append(down, reports.FaultWindow{Fault: 1, Backend: "jaeger", Action: "pause", From: 6, To: 7}), int64(13), 1.3),
	)
})
