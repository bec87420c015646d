package threshold_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/reports/threshold"
)

// row is a row with a few numbers, as reports' rows say them.
type row map[string]float64

func (r row) Metric(name string) float64       { return r[name] }
func (r row) Percentile(fn, of string) float64 { return r[fn+"("+of+")"] }

var _ = Describe("The threshold language", func() {
	r := row{"lost": 10, "sent": 1000, "p99(export_latency)": 48, "sampled_ratio": 0.49, "recovery_s": 2.5}

	DescribeTable("evaluates a row's numbers by name",
		func(src string, want float64, holds, sampling bool) {
			t, err := threshold.Parse(src)
			Expect(err).NotTo(HaveOccurred())
			got, ok := t.Holds(r)
			Expect(got).To(BeNumerically("~", want, 1e-9))
			Expect(ok).To(Equal(holds))
			Expect(t.Sampling()).To(Equal(sampling))
		},
		Entry("a count", "lost == 0", 10.0, false, false),
		Entry("a share", "lost / sent < 0.02", 0.01, true, false),
		Entry("a percentile against a duration, in milliseconds", "p99(export_latency) < 50ms", 48.0, true, false),
		Entry("a metric of rows with sampling, between bounds", "sampled_ratio between 0.45 and 0.55", 0.49, true, true),
		Entry("a metric of runs with faults", "recovery_s < 3", 2.5, true, false),
	)

	DescribeTable("refuses what it cannot evaluate, saying where and what is expected",
		func(src, want string) {
			_, err := threshold.Parse(src)
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("between without and", "sampled_ratio between 0.4 0.6", `at column 27 of "sampled_ratio between 0.4 0.6": expected and`),
		Entry("no comparison", "lost", "at column 5 of \"lost\": expected a comparison"),
		Entry("an unknown metric", "lots == 0", `at column 1 of "lots == 0": unknown metric "lots"; expected one of:`),
		Entry("an unknown metric on the right", "lost <= 0.01 * snet", `at column 16 of "lost <= 0.01 * snet": unknown metric "snet"`),
		Entry("a percentile of a count", "p99(lost) < 5", "expected export_latency, visibility_latency or http_latency in p99()"),
		Entry("a lone =", "lost = 0", `at column 6 of "lost = 0": expected a comparison`),
		Entry("a bad unit", "p99(export_latency) < 50parsecs", `unexpected "50parsecs"`),
		Entry("trailing text", "lost == 0 0", "expected the end of the threshold"),
	)
})
