package generators_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/generators"
)

var _ = Describe("Shape", func() {
	DescribeTable("Parents",
		func(spans, depth int, want []int) {
			Expect(generators.Shape{Spans: spans, Depth: depth}.Parents()).To(Equal(want))
		},
		Entry("a lone root", 1, 1, []int{-1}),
		Entry("a flat fan-out", 4, 2, []int{-1, 0, 0, 0}),
		Entry("a chain", 4, 4, []int{-1, 0, 1, 2}),
		Entry("5 spans over 3 levels", 5, 3, []int{-1, 0, 1, 0, 3}),
	)

	It("reaches the configured depth", func() {
		parents := generators.Shape{Spans: 50, Depth: 7}.Parents()
		depth := func(i int) int {
			d := 1
			for parents[i] >= 0 {
				i = parents[i]
				d++
			}
			return d
		}
		deepest := 0
		for i := range parents {
			Expect(parents[i]).To(BeNumerically("<", i))
			deepest = max(deepest, depth(i))
		}
		Expect(deepest).To(Equal(7))
	})
})

var _ = Describe("IDs", func() {
	It("derives the same IDs from the same inputs and different IDs otherwise", func() {
		a := generators.NewIDs(42, "run-a")
		Expect(a.TraceID("w/e", 7)).To(Equal(generators.NewIDs(42, "run-a").TraceID("w/e", 7)))
		seen := map[string]bool{}
		for _, ids := range []generators.IDs{a, generators.NewIDs(43, "run-a"), generators.NewIDs(42, "run-b")} {
			for _, stream := range []string{"w/e", "w/f"} {
				for seq := range uint64(1000) {
					id := ids.TraceID(stream, seq)
					Expect(id.IsValid()).To(BeTrue())
					Expect(seen).NotTo(HaveKey(id.String()))
					seen[id.String()] = true
				}
			}
		}
	})

	It("gives every span of a trace a distinct valid ID", func() {
		tid := generators.NewIDs(1, "r").TraceID("s", 0)
		seen := map[string]bool{}
		for i := range 10_000 {
			id := generators.SpanID(tid, i)
			Expect(id.IsValid()).To(BeTrue())
			Expect(seen).NotTo(HaveKey(id.String()))
			seen[id.String()] = true
		}
	})
})

var _ = Describe("Values", func() {
	It("is reproducible from the seed and has the configured size", func() {
		a, b := generators.NewValues(7, 32), generators.NewValues(7, 32)
		Expect(a.Value(3, 1, 2)).To(Equal(b.Value(3, 1, 2)))
		Expect(a.Value(3, 1, 2)).To(HaveLen(32))
		Expect(generators.NewValues(8, 32).Value(3, 1, 2)).NotTo(Equal(a.Value(3, 1, 2)))
	})
})
