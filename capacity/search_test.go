package capacity_test

import (
	"context"
	"errors"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/capacity"
)

// sender sustains every rate up to limit and fails above it, saying why.
func sender(limit float64) func(context.Context, float64) (capacity.Probe, error) {
	return func(_ context.Context, rate float64) (capacity.Probe, error) {
		if rate <= limit {
			return capacity.Probe{Passed: true}, nil
		}
		return capacity.Probe{Cause: fmt.Sprintf("dropped_in_sdk above %.0f", limit)}, nil
	}
}

var _ = Describe("Search", func() {
	DescribeTable("finds the highest passing rate to within its precision, probing no rate twice",
		func(s capacity.Search, limit float64, wantAtMax bool, maxProbes int) {
			res, err := s.Run(context.Background(), sender(limit))
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Capacity).To(BeNumerically("<=", limit), "never above what the sender sustains")
			Expect(res.AtMax).To(Equal(wantAtMax))
			if !wantAtMax {
				Expect(res.FailedAt).To(BeNumerically(">", limit))
				Expect(res.FailedAt).To(BeNumerically("<=", res.Capacity*(1+s.Precision)+s.Step), "within the precision")
				Expect(res.Cause).To(ContainSubstring("dropped_in_sdk"))
			}
			seen := map[float64]bool{}
			for _, p := range res.Probes {
				Expect(seen[p.Rate]).To(BeFalse(), "rate %.0f probed twice", p.Rate)
				seen[p.Rate] = true
			}
			Expect(len(res.Probes)).To(BeNumerically("<=", maxProbes))
		},
		Entry("grows from below", capacity.Search{Start: 10_000, Precision: 0.05, Step: 100}, 230_000.0, false, 12),
		Entry("shrinks from above", capacity.Search{Start: 500_000, Precision: 0.05, Step: 100}, 42_000.0, false, 12),
		Entry("a replicate starting at the last capacity with a small growth",
			capacity.Search{Start: 200_000, Growth: 1.25, Precision: 0.05, Step: 1000}, 212_000.0, false, 6),
		Entry("a sender faster than Max", capacity.Search{Start: 10_000, Max: 50_000, Precision: 0.05, Step: 100}, 1e9, true, 5),
		Entry("exactly at a probed rate", capacity.Search{Start: 10_000, Precision: 0.05, Step: 100}, 40_000.0, false, 12),
		Entry("a precision coarser than the step", capacity.Search{Start: 1000, Precision: 0.5, Step: 100}, 3_333.0, false, 8),
	)

	DescribeTable("Next, step by step",
		func(s capacity.Search, probes []capacity.Probe, wantRate float64, wantDone bool) {
			rate, done, _ := s.Next(probes)
			Expect(done).To(Equal(wantDone))
			Expect(rate).To(Equal(wantRate))
		},
		Entry("first probe at Start", capacity.Search{Start: 12_345, Step: 1000}, nil, 12_000.0, false),
		Entry("grows by Growth after a pass", capacity.Search{Start: 1000, Growth: 2},
			[]capacity.Probe{{Rate: 1000, Passed: true}}, 2000.0, false),
		Entry("bisects geometrically between a pass and a failure", capacity.Search{Start: 1000, Step: 1},
			[]capacity.Probe{{Rate: 1000, Passed: true}, {Rate: 4000}}, 2000.0, false),
		Entry("stops within the precision", capacity.Search{Start: 1000, Precision: 0.05},
			[]capacity.Probe{{Rate: 1000, Passed: true}, {Rate: 1040}}, 0.0, true),
		Entry("never probes below Min", capacity.Search{Start: 1000, Min: 800, Growth: 2},
			[]capacity.Probe{{Rate: 1000}}, 800.0, false),
		Entry("stops when Min fails", capacity.Search{Start: 1000, Min: 800},
			[]capacity.Probe{{Rate: 1000}, {Rate: 800}}, 0.0, true),
		Entry("never probes above Max", capacity.Search{Start: 1000, Max: 1500},
			[]capacity.Probe{{Rate: 1000, Passed: true}}, 1500.0, false),
		Entry("stops after MaxProbes", capacity.Search{Start: 1000, MaxProbes: 2},
			[]capacity.Probe{{Rate: 1000, Passed: true}, {Rate: 2000, Passed: true}}, 0.0, true),
		Entry("confirms the capacity before it stops", capacity.Search{Start: 1000, Precision: 0.05, Confirmations: 1},
			[]capacity.Probe{{Rate: 1000, Passed: true}, {Rate: 1040}}, 1000.0, false),
		Entry("stops once the capacity is confirmed", capacity.Search{Start: 1000, Precision: 0.05, Confirmations: 1},
			[]capacity.Probe{{Rate: 1000, Passed: true}, {Rate: 1040}, {Rate: 1000, Passed: true}}, 0.0, true),
		Entry("a rate that fails its confirmation is no longer sustained", capacity.Search{Start: 500, Precision: 0.05, Step: 1, Confirmations: 1},
			[]capacity.Probe{{Rate: 500, Passed: true}, {Rate: 1000, Passed: true}, {Rate: 1040}, {Rate: 1000}}, 707.0, false),
		Entry("a noisy pass above a failure counts: the highest pass wins", capacity.Search{Start: 1000, Precision: 0.05, Step: 1},
			[]capacity.Probe{{Rate: 1000, Passed: true}, {Rate: 2000}, {Rate: 1414, Passed: true}, {Rate: 1200}}, 1681.0, false),
	)

	It("with confirmations, a lucky pass above the capacity does not stand", func() {
		lucky := map[float64]bool{}
		flaky := func(_ context.Context, rate float64) (capacity.Probe, error) {
			if rate <= 150_000 {
				return capacity.Probe{Passed: true}, nil
			}
			if rate < 200_000 && !lucky[rate] { // each rate below 200k passes once, by chance
				lucky[rate] = true
				return capacity.Probe{Passed: true}, nil
			}
			return capacity.Probe{Cause: "dropped"}, nil
		}
		res, err := capacity.Search{Start: 100_000, Precision: 0.05, Step: 100, Confirmations: 1}.Run(context.Background(), flaky)
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Capacity).To(BeNumerically("<=", 150_000))
		Expect(res.Capacity).To(BeNumerically(">=", 150_000/1.05))
	})

	It("reports a sender that sustains nothing with the cause, not a rate of 0", func() {
		s := capacity.Search{Start: 10_000, Min: 1000}
		res, err := s.Run(context.Background(), func(context.Context, float64) (capacity.Probe, error) {
			return capacity.Probe{Cause: "every export refused: Unimplemented"}, nil
		})
		Expect(errors.Is(err, capacity.ErrNoRate)).To(BeTrue())
		Expect(err.Error()).To(ContainSubstring("every export refused"))
		Expect(res.Capacity).To(BeZero())
		Expect(res.Cause).To(Equal("every export refused: Unimplemented"))
	})

	It("ends on a probe's error with the probes so far", func() {
		calls := 0
		res, err := capacity.Search{Start: 1000}.Run(context.Background(), func(context.Context, float64) (capacity.Probe, error) {
			calls++
			if calls == 2 {
				return capacity.Probe{}, errors.New("sink count unreadable")
			}
			return capacity.Probe{Passed: true}, nil
		})
		Expect(err).To(MatchError(ContainSubstring("sink count unreadable")))
		Expect(res.Probes).To(HaveLen(1))
		Expect(res.Capacity).To(Equal(1000.0))
	})

	DescribeTable("Validate refuses a search that cannot run",
		func(s capacity.Search, want string) { Expect(s.Validate()).To(MatchError(ContainSubstring(want))) },
		Entry("no start", capacity.Search{}, "expected a rate above 0"),
		Entry("min above max", capacity.Search{Start: 1, Min: 10, Max: 5}, "min 10 is above max 5"),
		Entry("precision of 1", capacity.Search{Start: 1, Precision: 1}, "expected a fraction"),
		Entry("growth of 1", capacity.Search{Start: 1, Growth: 1}, "expected a factor above 1"),
	)
})
