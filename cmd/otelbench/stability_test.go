//go:build stability

// The stability spec runs in make bench (go test -tags stability), not in make test: it runs a sweep twice.
package main_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/reports"
)

var _ = Describe("otelbench bench verdicts", Label("docker", "e2e", "stability"), func() {
	It("do not contradict themselves when the same sweep runs twice", func(ctx SpecContext) {
		scenario := benchSweep("batch_size", "[64, 512, 8192]", "")
		first, second := runBench(ctx, scenario, 0), runBench(ctx, scenario, 0)
		rank := func(b reports.Bench) map[string]int {
			out := map[string]int{}
			for _, c := range b.Configurations {
				out[c.Config] = c.Rank
			}
			return out
		}
		a, b := rank(first), rank(second)
		Expect(a).To(HaveLen(3))
		for x := range a {
			for y := range a {
				// x above y in one run (a significant difference) must not be x below y in the other.
				contradicts := a[x] < a[y] && b[x] > b[y]
				Expect(contradicts).To(BeFalse(), "%s ranked above %s in the first run (%d < %d) and below it in the second (%d > %d)",
					x, y, a[x], a[y], b[x], b[y])
			}
		}
		top := func(b reports.Bench) []string { return b.Groups[0].Members }
		Expect(top(first)).To(ContainElement(BeElementOf(top(second))), "the top tie groups meet: %v and %v", top(first), top(second))
		GinkgoWriter.Printf("first: %v\nsecond: %v\n", first.Groups, second.Groups)
	}, SpecTimeout(30*time.Minute))
})
