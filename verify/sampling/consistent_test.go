package sampling_test

import (
	"math/rand/v2"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	otelsampling "github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelbench/otelbench/verify/sampling"
)

// The specification's consistent probability sampling has no sampler in the Go SDK yet; the collector's
// probabilistic sampler implements it in pkg/sampling (thresholds from probabilities, randomness from the trace
// ID), and is what the rule is checked against.
var _ = Describe("predicting consistent probability sampling as the collector implements it", func() {
	ratios := []float64{0.001, 0.1, 0.25, 1.0 / 3, 0.5, 0.9, 0.999, 1}

	It("computes the same rejection threshold", func() {
		for _, ratio := range ratios {
			th, err := otelsampling.ProbabilityToThreshold(ratio)
			Expect(err).NotTo(HaveOccurred())
			Expect(sampling.Threshold(ratio)).To(Equal(th.Unsigned()), "ratio %v (th:%s)", ratio, th.TValue())
		}
	})

	It("keeps the same traces, at the threshold's edges and on random trace IDs", func() {
		rng := rand.New(rand.NewPCG(3, 5))
		for _, ratio := range ratios {
			th, err := otelsampling.ProbabilityToThreshold(ratio)
			Expect(err).NotTo(HaveOccurred())
			s, err := sampling.New(sampling.RuleConsistent, ratio)
			Expect(err).NotTo(HaveOccurred())
			lows := []uint64{0, 1<<56 - 1, th.Unsigned(), th.Unsigned() - 1, th.Unsigned() + 1}
			for range 2000 {
				lows = append(lows, rng.Uint64())
			}
			for _, low := range lows {
				id := idWithLow(low)
				want := th.ShouldSample(otelsampling.TraceIDToRandomness(pcommon.TraceID(id)))
				Expect(s.Sampled(id)).To(Equal(want), "ratio %v, low bytes %#x", ratio, low)
			}
		}
	})
})
