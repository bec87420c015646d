package sampling_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/verify/sampling"
)

var _ = Describe("checking an observed sampling ratio", func() {
	DescribeTable("the expected ratio against the Wilson interval of what was kept",
		func(kept, total int, expected float64, consistent bool) {
			c, err := sampling.CheckRatio(kept, total, expected, 0.99)
			Expect(err).NotTo(HaveOccurred())
			Expect(c.Consistent).To(Equal(consistent), "%d of %d against %v: interval %.4f..%.4f", kept, total, expected, c.Lo, c.Hi)
			Expect(c.Lo).To(BeNumerically("<=", c.Observed))
			Expect(c.Hi).To(BeNumerically(">=", c.Observed))
		},
		Entry("half of 1000, expected half", 500, 1000, 0.5, true),
		Entry("460 of 1000 is still half at 99%", 460, 1000, 0.5, true),
		Entry("430 of 1000 is not half", 430, 1000, 0.5, false),
		Entry("a tenth of 10000, expected 0.1", 1003, 10000, 0.1, true),
		Entry("a tenth of 10000 is not 0.12", 1000, 10000, 0.12, false),
		Entry("3 of 6 cannot tell 0.5 from 0.2", 3, 6, 0.2, true),
		Entry("none kept of 400, expected 0", 0, 400, 0.0, true),
		Entry("none kept of 400 is not 0.05", 0, 400, 0.05, false),
		Entry("all kept of 400, expected 1", 400, 400, 1.0, true),
	)

	It("narrows with more traces", func() {
		small, _ := sampling.CheckRatio(50, 100, 0.5, 0.99)
		large, _ := sampling.CheckRatio(5000, 10000, 0.5, 0.99)
		Expect(large.Hi - large.Lo).To(BeNumerically("<", (small.Hi-small.Lo)/5))
	})

	DescribeTable("refusing what cannot be checked",
		func(kept, total int, expected, confidence float64, msg string) {
			_, err := sampling.CheckRatio(kept, total, expected, confidence)
			Expect(err).To(MatchError(ContainSubstring(msg)))
		},
		Entry("no traces", 0, 0, 0.5, 0.99, "total > 0"),
		Entry("more kept than sent", 5, 4, 0.5, 0.99, "kept <= total"),
		Entry("a ratio above 1", 1, 4, 1.2, 0.99, "from 0 to 1"),
		Entry("a confidence of 1", 1, 4, 0.5, 1.0, "between 0 and 1"),
	)
})
