package threshold_test

import (
	"errors"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/reports/threshold"
)

var _ = Describe("A threshold's units", func() {
	It("gives every metric a unit (a ratio's is empty)", func() {
		for name := range threshold.Metrics {
			Expect(threshold.Units).To(HaveKey(name))
		}
		Expect(threshold.Units).To(HaveLen(len(threshold.Metrics)))
	})

	DescribeTable("are derived for the left side, the value reported",
		func(src, unit string) {
			t, err := threshold.Parse(src)
			Expect(err).NotTo(HaveOccurred())
			Expect(t.Unit()).To(Equal(unit))
		},
		Entry("a percentile", "p99(export_latency) < 50ms", "ms"),
		Entry("a count", "lost == 0", "items"),
		Entry("a rate", "throughput >= 20000", "items/s"),
		Entry("seconds", "recovery_s < 3", "s"),
		Entry("bytes per item", "bytes_per_item < 200", "bytes/item"),
		Entry("calls", "export_failed_calls == 0", "calls"),
		Entry("an application's requests", "http_failed == 0", "requests"),
		Entry("a ratio", "sampled_ratio between 0.4 and 0.6", ""),
		Entry("a difference in one unit", "lost - dropped_in_sdk <= 5", "items"),
		Entry("a sum of a quantity and a plain number", "p99(export_latency) + 5 < 50", "ms"),
		Entry("a product with a plain number", "2 * p99(export_latency) < 50ms", "ms"),
		Entry("a quotient by a plain number", "bytes_sent / 1000 < 500", "bytes"),
		Entry("a product with a ratio", "sampled_ratio * requests > 100", "requests"),
		Entry("a quotient of one unit: a ratio", "lost / sent < 0.01", ""),
		Entry("a quotient of two latencies: a ratio", "p99(export_latency) / p50(export_latency) < 5", ""),
		Entry("a quotient of different units: none rather than a wrong one", "bytes_sent / export_calls < 5000", ""),
		Entry("a product of two quantities: none", "lost * sent < 5", ""),
		Entry("a sum of different counts: none", "lost + export_calls < 5", ""),
		Entry("a plain number on the left: none", "0 == lost", ""),
	)
})

var _ = Describe("Checking a threshold against the rows it applies to", func() {
	every := threshold.Rows{Exporters: true, Apps: true, Sampling: true, Faults: true}
	exporters := threshold.Rows{Exporters: true}
	apps := threshold.Rows{Apps: true}

	DescribeTable("accepts what can mean something",
		func(src string, rows threshold.Rows) {
			t, err := threshold.Parse(src)
			Expect(err).NotTo(HaveOccurred())
			Expect(t.Check(rows)).To(BeEmpty())
		},
		Entry("a count", "lost == 0", exporters),
		Entry("a percentile against a plain number of milliseconds", "p99(export_latency) < 50", exporters),
		Entry("a percentile against a duration", "p99(export_latency) < 0.05s", exporters),
		Entry("a percentile between durations", "p99(export_latency) between 10ms and 40ms", exporters),
		Entry("two latencies", "p99(visibility_latency) < 10 * p99(export_latency)", exporters),
		Entry("a rate against a rate", "achieved_rate >= 0.99 * target_rate", exporters),
		Entry("counts of different things", "answered >= 0.99 * requests", apps),
		Entry("a share of counts", "lost / sent < 0.02", apps),
		Entry("seconds against a plain number", "recovery_s < 3", threshold.Rows{Exporters: true, Faults: true}),
		Entry("an application's latency", "p99(http_latency) < 500ms", apps),
		Entry("a sampling metric with sampling", "sampled_ratio between 0.4 and 0.6", threshold.Rows{Apps: true, Sampling: true}),
		Entry("a metric of every row, on applications' rows", "never_readable == 0", apps),
		Entry("a mix no unit can be said of, against a number", "bytes_sent / export_calls < 5000", exporters),
		Entry("a plain number on the left", "0 == lost", every),
	)

	DescribeTable("refuses what can never mean anything, saying where and what is expected",
		func(src string, rows threshold.Rows, want string) {
			t, err := threshold.Parse(src)
			Expect(err).NotTo(HaveOccurred())
			Expect(errors.Join(t.Check(rows)...)).To(MatchError(ContainSubstring(want)))
		},
		Entry("a count against a duration", "lost < 50ms", every,
			`at column 8 of "lost < 50ms": lost is in items and 50ms is a duration, in milliseconds: they cannot be compared; expected a plain number of items, or another number in items`),
		Entry("a rate against a duration", "throughput >= 2s", every,
			`at column 15 of "throughput >= 2s": throughput is in items/s and 2s is a duration, in milliseconds: they cannot be compared`),
		Entry("seconds against a duration, which counts in milliseconds", "recovery_s < 3s", every,
			`at column 14 of "recovery_s < 3s": recovery_s is in seconds and 3s is a duration, in milliseconds: they cannot be compared; expected a plain number of seconds (a duration such as 3s counts in milliseconds), as in recovery_s < 3`),
		Entry("a percentile against a count", "p99(export_latency) < lost", every,
			`at column 23 of "p99(export_latency) < lost": p99(export_latency) is in milliseconds and lost is in items: they cannot be compared; expected a duration (50ms), a plain number of milliseconds or a latency percentile`),
		Entry("a percentile against seconds", "max(export_latency) <= recovery_s", every,
			`at column 24 of "max(export_latency) <= recovery_s": max(export_latency) is in milliseconds and recovery_s is in seconds`),
		Entry("a ratio between durations", "sampled_ratio between 1ms and 2ms", every,
			`at column 23 of "sampled_ratio between 1ms and 2ms": sampled_ratio has no unit (a ratio) and 1ms is a duration, in milliseconds: they cannot be compared; expected a plain number`),
		Entry("a latency plus a count", "p99(export_latency) + lost < 50", every,
			`at column 23 of "p99(export_latency) + lost < 50": p99(export_latency) is in milliseconds and lost is in items: they cannot be added or subtracted`),
		Entry("no metric at all", "1 < 2", every,
			`at column 1 of "1 < 2": it names no metric and no percentile, so it holds or fails whatever the run does; expected a row's number`),
		Entry("durations alone", "50ms between 10ms and 1s", every, `at column 1 of "50ms between 10ms and 1s": it names no metric`),
		Entry("an application's metric without one", "http_failed == 0", exporters,
			`at column 1 of "http_failed == 0": http_failed is measured on applications' rows only, and no row this threshold applies to is one; expected an application under test`),
		Entry("an application's latency without one", "lost == 0 + p99(http_latency)", exporters,
			`at column 13 of "lost == 0 + p99(http_latency)": p99(http_latency) is measured on applications' rows only`),
		Entry("an exporter's metric on applications alone", "dropped_in_sdk == 0", apps,
			`at column 1 of "dropped_in_sdk == 0": dropped_in_sdk is measured on the rows of otelbench's exporters only, and this threshold applies to applications' rows alone; expected exporters: naming an exporter`),
		Entry("an export latency on applications alone", "p99(export_latency) < 50ms", apps,
			`p99(export_latency) is measured on the rows of otelbench's exporters only`),
		Entry("a fault metric without faults", "recovery_s < 3", exporters,
			`at column 1 of "recovery_s < 3": recovery_s is measured in a run with faults only, and the scenario has none; expected a faults: block`),
		Entry("a fault metric on applications alone", "lost_during_faults == 0", threshold.Rows{Apps: true, Faults: true},
			`lost_during_faults is measured on the rows of otelbench's exporters only`),
		Entry("a sampling metric without sampling", "unexpected_sampled == 0", threshold.Rows{Exporters: true, Apps: true, Faults: true},
			`at column 1 of "unexpected_sampled == 0": unexpected_sampled is measured on rows with sampling only, and no row this threshold applies to has any; expected sampling on a traces workload`),
	)

	It("says every problem at once", func() {
		t, err := threshold.Parse("recovery_s < 3s")
		Expect(err).NotTo(HaveOccurred())
		Expect(t.Check(threshold.Rows{Apps: true})).To(HaveLen(2), "seconds against milliseconds, and no exporter's row")
	})
})
