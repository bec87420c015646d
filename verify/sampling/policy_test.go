package sampling_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/verify/sampling"
)

var _ = Describe("what a sampler does with a request", func() {
	// kept and dropped are trace IDs the Python rule keeps and drops at 0.5: the low 64 bits below and at 2^63.
	kept, dropped := idWithLow(uint64(1)<<63-1), idWithLow(uint64(1)<<63)

	DescribeTable("by sampler, parent and trace ID",
		func(sampler string, ratio float64, rule sampling.Rule, id [16]byte, parent sampling.Parent, want sampling.Decision) {
			p, err := sampling.NewPolicy(sampler, ratio, rule)
			Expect(err).NotTo(HaveOccurred())
			Expect(p.Expect(id, parent)).To(Equal(want))
		},
		Entry("always_on keeps under an unsampled parent", sampling.AlwaysOn, 1.0, sampling.Rule(""), dropped, sampling.ParentUnsampled, sampling.Keep),
		Entry("always_off drops under a sampled parent", sampling.AlwaysOff, 1.0, sampling.Rule(""), kept, sampling.ParentSampled, sampling.Drop),
		Entry("parentbased_always_on follows a sampled parent", sampling.ParentBasedAlwaysOn, 1.0, sampling.Rule(""), dropped, sampling.ParentSampled, sampling.Keep),
		Entry("parentbased_always_on follows an unsampled parent", sampling.ParentBasedAlwaysOn, 1.0, sampling.Rule(""), kept, sampling.ParentUnsampled, sampling.Drop),
		Entry("parentbased_always_on keeps a root", sampling.ParentBasedAlwaysOn, 1.0, sampling.Rule(""), kept, sampling.ParentNone, sampling.Keep),
		Entry("parentbased_always_off drops a root", sampling.ParentBasedAlwaysOff, 1.0, sampling.Rule(""), kept, sampling.ParentNone, sampling.Drop),
		Entry("parentbased_always_off follows a sampled parent", sampling.ParentBasedAlwaysOff, 1.0, sampling.Rule(""), kept, sampling.ParentSampled, sampling.Keep),
		Entry("traceidratio ignores a sampled parent: drops by the rule", sampling.TraceIDRatio, 0.5, sampling.RulePython, dropped, sampling.ParentSampled, sampling.Drop),
		Entry("traceidratio ignores an unsampled parent: keeps by the rule", sampling.TraceIDRatio, 0.5, sampling.RulePython, kept, sampling.ParentUnsampled, sampling.Keep),
		Entry("traceidratio without a rule: either", sampling.TraceIDRatio, 0.5, sampling.Rule(""), kept, sampling.ParentSampled, sampling.Either),
		Entry("traceidratio on a root: the app's own trace ID, either", sampling.TraceIDRatio, 0.5, sampling.RulePython, kept, sampling.ParentNone, sampling.Either),
		Entry("traceidratio 1 keeps a root", sampling.TraceIDRatio, 1.0, sampling.Rule(""), kept, sampling.ParentNone, sampling.Keep),
		Entry("traceidratio 0 drops whatever the rule", sampling.TraceIDRatio, 0.0, sampling.Rule(""), kept, sampling.ParentSampled, sampling.Drop),
		Entry("parentbased_traceidratio follows a sampled parent the rule would drop", sampling.ParentBasedTraceRatio, 0.5, sampling.RulePython, dropped, sampling.ParentSampled, sampling.Keep),
		Entry("parentbased_traceidratio follows an unsampled parent the rule would keep", sampling.ParentBasedTraceRatio, 0.5, sampling.RulePython, kept, sampling.ParentUnsampled, sampling.Drop),
		Entry("parentbased_traceidratio on a root: either", sampling.ParentBasedTraceRatio, 0.5, sampling.RulePython, kept, sampling.ParentNone, sampling.Either),
	)

	DescribeTable("which requests the ratio decides",
		func(sampler string, parent sampling.Parent, want bool) {
			p, err := sampling.NewPolicy(sampler, 0.5, "")
			Expect(err).NotTo(HaveOccurred())
			Expect(p.ByRatio(parent)).To(Equal(want))
		},
		Entry("traceidratio: a sampled parent's too", sampling.TraceIDRatio, sampling.ParentSampled, true),
		Entry("parentbased_traceidratio: not a parent's", sampling.ParentBasedTraceRatio, sampling.ParentUnsampled, false),
		Entry("parentbased_traceidratio: a root", sampling.ParentBasedTraceRatio, sampling.ParentNone, true),
		Entry("always_on: none", sampling.AlwaysOn, sampling.ParentNone, false),
	)

	DescribeTable("refusing what no sampler is",
		func(sampler string, ratio float64, rule sampling.Rule, says string) {
			_, err := sampling.NewPolicy(sampler, ratio, rule)
			Expect(err).To(MatchError(ContainSubstring(says)))
		},
		Entry("an unknown sampler", "probabilistic", 0.5, sampling.Rule(""), `sampler "probabilistic"`),
		Entry("a ratio above 1", sampling.TraceIDRatio, 1.5, sampling.Rule(""), "ratio 1.5"),
		Entry("an unknown rule", sampling.TraceIDRatio, 0.5, sampling.Rule("ruby"), `rule "ruby"`),
	)
})

var _ = Describe("an application's sampler followed by a collector's", func() {
	kept, dropped := idWithLow(uint64(1)<<55), idWithLow(uint64(1)<<55-1) // the consistent rule at 0.5

	DescribeTable("combine to one decision",
		func(down sampling.Downstream, app sampling.Decision, id [16]byte, parent sampling.Parent, want sampling.Decision) {
			Expect(app.Then(down.Expect(id, parent))).To(Equal(want))
		},
		Entry("proportional keeps what the app kept, by the trace ID", sampling.Downstream{Ratio: 0.5, Rule: sampling.RuleConsistent}, sampling.Keep, kept, sampling.ParentSampled, sampling.Keep),
		Entry("proportional drops by the trace ID", sampling.Downstream{Ratio: 0.5, Rule: sampling.RuleConsistent}, sampling.Keep, dropped, sampling.ParentSampled, sampling.Drop),
		Entry("nothing the app dropped comes back", sampling.Downstream{Ratio: 1}, sampling.Drop, kept, sampling.ParentSampled, sampling.Drop),
		Entry("hash_seed: only the ratio says", sampling.Downstream{Ratio: 0.5}, sampling.Keep, kept, sampling.ParentSampled, sampling.Either),
		Entry("proportional on the app's own trace ID: only the ratio says", sampling.Downstream{Ratio: 0.5, Rule: sampling.RuleConsistent}, sampling.Keep, kept, sampling.ParentNone, sampling.Either),
		Entry("either then drop is drop", sampling.Downstream{Ratio: 0.5, Rule: sampling.RuleConsistent}, sampling.Either, dropped, sampling.ParentSampled, sampling.Drop),
	)
})
