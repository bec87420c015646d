package sampling_test

import (
	"context"
	"encoding/binary"
	"math/rand/v2"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelbench/otelbench/verify/sampling"
)

// idWithLow is a trace ID whose low 8 bytes are low.
func idWithLow(low uint64) [16]byte {
	var id [16]byte
	id[0] = 0xab
	binary.BigEndian.PutUint64(id[8:], low)
	return id
}

// goSDK is the Go SDK's own decision for id at ratio.
func goSDK(ratio float64, id [16]byte) bool {
	r := sdktrace.TraceIDRatioBased(ratio).ShouldSample(sdktrace.SamplingParameters{
		ParentContext: context.Background(), TraceID: trace.TraceID(id), Name: "x"})
	return r.Decision == sdktrace.RecordAndSample
}

var _ = Describe("predicting a sampler's decision", func() {
	DescribeTable("the Go SDK's TraceIDRatioBased, at its bound's edges",
		func(ratio float64, low uint64) {
			s, err := sampling.New(sampling.RuleGo, ratio)
			Expect(err).NotTo(HaveOccurred())
			id := idWithLow(low)
			Expect(s.Sampled(id)).To(Equal(goSDK(ratio, id)), "ratio %v, low bytes %#x", ratio, low)
		},
		Entry("0.5, just under the bound", 0.5, uint64(1)<<63-2),
		Entry("0.5, at the bound", 0.5, uint64(1)<<63),
		Entry("0.5, the bound's low bit set", 0.5, uint64(1)<<63+1),
		Entry("0.5, zero", 0.5, uint64(0)),
		Entry("0.25, the last kept", 0.25, uint64(1)<<62-2),
		Entry("0.25, the first dropped", 0.25, uint64(1)<<62),
		Entry("0, zero", 0.0, uint64(0)),
		Entry("1, all ones", 1.0, ^uint64(0)),
		Entry("0.999, all ones", 0.999, ^uint64(0)),
	)

	It("agrees with the Go SDK on random trace IDs at several ratios", func() {
		rng := rand.New(rand.NewPCG(7, 11))
		for _, ratio := range []float64{0.001, 0.1, 0.3333, 0.5, 0.9} {
			s, err := sampling.New(sampling.RuleGo, ratio)
			Expect(err).NotTo(HaveOccurred())
			kept := 0
			for range 20000 {
				id := idWithLow(rng.Uint64())
				Expect(s.Sampled(id)).To(Equal(goSDK(ratio, id)))
				if s.Sampled(id) {
					kept++
				}
			}
			Expect(float64(kept)/20000).To(BeNumerically("~", ratio, 0.02), "ratio %v", ratio)
		}
	})

	DescribeTable("consistent probability sampling: randomness at or above the rejection threshold",
		func(ratio float64, randomness uint64, kept bool) {
			s, err := sampling.New(sampling.RuleConsistent, ratio)
			Expect(err).NotTo(HaveOccurred())
			// The high byte of the low 8 is not randomness: setting it must not change the decision.
			Expect(s.Sampled(idWithLow(randomness))).To(Equal(kept))
			Expect(s.Sampled(idWithLow(randomness | 0xff<<56))).To(Equal(kept))
		},
		Entry("0.5 keeps the threshold itself", 0.5, uint64(1)<<55, true),
		Entry("0.5 drops just below it", 0.5, uint64(1)<<55-1, false),
		Entry("0.25 keeps from 3/4 of 2^56", 0.25, uint64(3)<<54, true),
		Entry("0.25 drops just below", 0.25, uint64(3)<<54-1, false),
		Entry("1 keeps zero", 1.0, uint64(0), true),
		Entry("0 drops the largest", 0.0, uint64(1)<<56-1, false),
	)

	DescribeTable("thresholds as the specification gives them",
		func(ratio float64, th uint64) { Expect(sampling.Threshold(ratio)).To(Equal(th)) },
		Entry("1: th:0", 1.0, uint64(0)),
		Entry("0.5: th:8", 0.5, uint64(0x80000000000000)),
		Entry("0.25: th:c", 0.25, uint64(0xc0000000000000)),
		Entry("0: rejects all", 0.0, uint64(1)<<56),
	)

	DescribeTable("refusing what no sampler can be",
		func(rule sampling.Rule, ratio float64, msg string) {
			_, err := sampling.New(rule, ratio)
			Expect(err).To(MatchError(ContainSubstring(msg)))
		},
		Entry("a ratio above 1", sampling.RuleGo, 1.5, "expected a number from 0 to 1"),
		Entry("a negative ratio", sampling.RuleConsistent, -0.1, "expected a number from 0 to 1"),
		Entry("an unknown rule", sampling.Rule("ruby"), 0.5, `rule "ruby": expected one of`),
	)
})
