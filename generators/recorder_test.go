package generators_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/generators"
)

var _ = Describe("Recorder.LatencyCounts", func() {
	bounds := []time.Duration{time.Millisecond, 10 * time.Millisecond, time.Second}
	DescribeTable("counts the export calls at most each bound, cumulatively",
		func(calls []time.Duration, want []uint64) {
			rec := generators.NewRecorder()
			var total time.Duration
			for _, d := range calls {
				rec.Record(1, d, nil)
				total += d
			}
			counts, count, sum := rec.LatencyCounts(bounds)
			Expect(counts).To(Equal(want))
			Expect(count).To(BeEquivalentTo(len(calls)))
			Expect(sum).To(BeNumerically("~", total, total/500+time.Microsecond))
		},
		Entry("no calls", nil, []uint64{0, 0, 0}),
		Entry("one in each bucket and one above every bound",
			[]time.Duration{500 * time.Microsecond, 5 * time.Millisecond, 200 * time.Millisecond, 3 * time.Second}, []uint64{1, 2, 3}),
		Entry("values on a bound count in its bucket",
			[]time.Duration{time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond}, []uint64{1, 3, 3}),
		Entry("all fast", []time.Duration{100 * time.Microsecond, 200 * time.Microsecond}, []uint64{2, 2, 2}),
	)
})
