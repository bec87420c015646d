package engine_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/engine"
	"github.com/otelbench/otelbench/reports"
)

var _ = Describe("a sweep's warm-up cut", func() {
	// row emitted at rate for 4 s (samples once a second), of which verified items were delivered.
	row := func(rate float64, verified int64) *reports.Exporter {
		return &reports.Exporter{Sent: int64(4 * rate), Verified: verified, AchievedRatePerS: rate,
			Timeseries: &reports.Timeseries{T: []float64{1, 2, 3, 4}, Emitted: []int64{int64(rate), int64(2 * rate), int64(3 * rate), int64(4 * rate)}}}
	}
	DescribeTable("is the rate emitted after the warm-up, times the fraction delivered",
		func(e *reports.Exporter, warmup, want float64) {
			Expect(engine.AfterWarmup(e, warmup)).To(BeNumerically("~", want, 0.5))
		},
		Entry("everything delivered", row(1000, 4000), 1.0, 1000.0),
		Entry("half delivered", row(1000, 2000), 1.0, 500.0),
		Entry("a warm-up between samples", row(1000, 4000), 1.5, 1000.0),
		Entry("a warm-up longer than the run: the whole run", row(1000, 4000), 10.0, 1000.0),
		Entry("nothing emitted", &reports.Exporter{}, 1.0, 0.0),
	)
})
