package sampling_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/verify/sampling"
)

// The Java SDK's decisions are recorded by testdata/JavaDecisions.java, run against opentelemetry-sdk-trace 1.68.0's
// jars: at each ratio, at its bound's edges and their negations, at Long.MIN_VALUE and Long.MAX_VALUE, and on random
// trace IDs.
var _ = Describe("predicting the Java SDK's TraceIdRatioBased", func() {
	It("agrees with every decision the Java SDK recorded", func() {
		replayRecorded("testdata/java_decisions.json", sampling.RuleJava)
	})

	// The decisions below are the Java SDK's, as testdata/java_decisions.json records them.
	DescribeTable("at the bound's edges: Math.abs(low 64 bits as a signed long) < idUpperBound",
		func(ratio float64, low uint64, kept bool) {
			s, err := sampling.New(sampling.RuleJava, ratio)
			Expect(err).NotTo(HaveOccurred())
			Expect(s.Sampled(idWithLow(low))).To(Equal(kept), "ratio %v, low bytes %#x", ratio, low)
		},
		Entry("0.5 keeps just under its bound 2^62", 0.5, uint64(1)<<62-1, true),
		Entry("0.5 drops its bound", 0.5, uint64(1)<<62, false),
		Entry("0.5 keeps the negation of just under its bound", 0.5, uint64(0xc000000000000001), true),
		Entry("0.5 drops the negation of its bound", 0.5, uint64(0xc000000000000000), false),
		Entry("0.5 keeps all ones (-1)", 0.5, ^uint64(0), true),
		Entry("0.001 keeps Long.MIN_VALUE, whose Math.abs is negative", 0.001, uint64(1)<<63, true),
		Entry("0 drops Long.MIN_VALUE: its bound is Long.MIN_VALUE", 0.0, uint64(1)<<63, false),
		Entry("0 drops zero", 0.0, uint64(0), false),
		Entry("1 drops Long.MAX_VALUE: its bound is Long.MAX_VALUE", 1.0, uint64(1)<<63-1, false),
		Entry("1 drops -Long.MAX_VALUE", 1.0, uint64(1)<<63+1, false),
		Entry("1 keeps Long.MAX_VALUE - 1", 1.0, uint64(1)<<63-2, true),
		Entry("1 keeps Long.MIN_VALUE", 1.0, uint64(1)<<63, true),
		Entry("1 keeps all ones (-1)", 1.0, ^uint64(0), true),
		Entry("0.999 drops Long.MAX_VALUE", 0.999, uint64(1)<<63-1, false),
	)
})
