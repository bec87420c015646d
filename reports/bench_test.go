package reports_test

import (
	"bytes"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/capacity"
	"github.com/otelbench/otelbench/reports"
)

// sweepOf is a judged sweep: configuration name -> its replicates' figures on the objective.
func sweepOf(o reports.Objective, test string, figures map[string][]float64, order ...string) *reports.Bench {
	b := &reports.Bench{Scenario: "s", Exporter: "otlp", Alpha: 0.01, Objective: o, Test: test}
	for _, name := range order {
		for i, v := range figures[name] {
			r := reports.Replicate{Config: name, Replicate: i + 1, Passed: true, Streams: 1, Phase: reports.PhaseRate}
			switch o {
			case reports.ObjectiveCapacity:
				r.CapacityPerS, r.Probes, r.Phase = v, []capacity.Probe{{Rate: v, Passed: true}}, reports.PhaseCapacity
			case reports.ObjectiveThroughput:
				r.ThroughputPerS = v
			case reports.ObjectiveBytes:
				r.BytesPerItem = v
			case reports.ObjectiveExportP99:
				r.ExportP99Ms = v
			}
			b.Replicates = append(b.Replicates, r)
		}
	}
	b.Judge(order)
	return b
}

func rankOf(b *reports.Bench, config string) reports.ConfigResult {
	for _, c := range b.Configurations {
		if c.Config == config {
			return c
		}
	}
	Fail("no configuration " + config)
	return reports.ConfigResult{}
}

var _ = Describe("Bench", func() {
	It("tells a 2x capacity apart with three replicates (Welch on logarithms), with the ratio's interval", func() {
		b := sweepOf(reports.ObjectiveCapacity, reports.TestWelch, map[string][]float64{
			"none": {200_000, 210_000, 205_000}, "gzip": {100_000, 98_000, 103_000}}, "gzip", "none")
		Expect(b.Warnings).To(BeEmpty())
		Expect(rankOf(b, "none").Rank).To(Equal(1))
		gz := rankOf(b, "gzip")
		Expect(gz.Rank).To(Equal(2))
		Expect(gz.Significant).To(BeTrue(), "p=%g", gz.P)
		Expect(gz.VsBest).To(BeNumerically("~", -0.5, 0.02))
		Expect(gz.RatioLo).To(BeNumerically("<", 0.5))
		Expect(gz.RatioHi).To(BeNumerically(">", 0.5))
		Expect(gz.RatioHi).To(BeNumerically("<", 1))
		Expect(b.Groups).To(HaveLen(2))
	})

	It("puts configurations it cannot tell apart in one tie group and says their order means nothing", func() {
		b := sweepOf(reports.ObjectiveCapacity, reports.TestWelch, map[string][]float64{
			"a": {100, 104, 97}, "b": {101, 96, 103}, "c": {99, 102, 100}, "slow": {50, 51, 49}}, "a", "b", "c", "slow")
		for _, c := range []string{"a", "b", "c"} {
			Expect(rankOf(b, c).Rank).To(Equal(1), c)
		}
		Expect(rankOf(b, "slow").Rank).To(Equal(2))
		var txt bytes.Buffer
		Expect(b.WriteText(&txt)).To(Succeed())
		Expect(txt.String()).To(ContainSubstring("rank 1: 3 configurations tied"))
		Expect(txt.String()).To(ContainSubstring("their order within the rank means nothing"))
	})

	It("keeps tie groups contiguous: a noisy configuration never outranks a steadier, better one", func() {
		b := sweepOf(reports.ObjectiveCapacity, reports.TestWelch, map[string][]float64{
			"best": {100, 100, 100}, "steady": {70, 70.5, 69.5}, "noisy": {40, 90, 60}}, "best", "steady", "noisy")
		Expect(rankOf(b, "steady").Rank).To(Equal(2), "told apart from best")
		Expect(rankOf(b, "noisy").Rank).To(BeNumerically(">=", rankOf(b, "steady").Rank), "its median is lower")
	})

	It("does not read replicates that landed on one step of a search as a measurement without noise", func() {
		b := sweepOf(reports.ObjectiveCapacity, reports.TestWelch, map[string][]float64{
			"a": {102_000, 102_000, 102_000}, "b": {100_000, 100_000, 100_000}}, "a", "b")
		b.Resolution = 0.05
		b.Judge([]string{"a", "b"})
		Expect(rankOf(b, "b").Significant).To(BeFalse(), "2%% apart, within one 5%% step: p=%g", rankOf(b, "b").P)
	})

	It("ranks lower-is-better objectives with the smallest first, and calls a deterministic difference", func() {
		b := sweepOf(reports.ObjectiveBytes, reports.TestWelch, map[string][]float64{
			"gzip": {31, 31, 31}, "none": {120, 120, 120}}, "none", "gzip")
		Expect(b.Configurations[0].Config).To(Equal("gzip"))
		Expect(rankOf(b, "none").Significant).To(BeTrue())
		Expect(rankOf(b, "none").Rank).To(Equal(2))
	})

	It("raises the noise floor to what the A/A control measured, and calls nothing below it", func() {
		figures := map[string][]float64{
			"a": {100, 100.5, 99.5, 100.2, 99.8}, reports.ControlName("a"): {106, 106.4, 105.7, 106.1, 105.9},
			"b": {104, 104.3, 103.8, 104.1, 103.9}}
		b := sweepOf(reports.ObjectiveThroughput, reports.TestWelch, figures, "a", "b", reports.ControlName("a"))
		b.Control = "a"
		b.Judge([]string{"a", "b", reports.ControlName("a")})
		Expect(b.Configurations).To(HaveLen(2), "the twin is not a configuration")
		Expect(b.NoiseFloor).To(BeNumerically("~", 0.06, 0.002))
		Expect(b.ControlResult.Significant).To(BeTrue())
		Expect(rankOf(b, "a").Significant).To(BeFalse(), "4%% apart, below the 6%% floor")
		Expect(rankOf(b, "a").Rank).To(Equal(1))
		Expect(strings.Join(b.Warnings, "\n")).To(ContainSubstring("the A/A control (a run twice) differed significantly"))
	})

	It("warns when the design cannot reach significance, with the replicates it would need", func() {
		b := sweepOf(reports.ObjectiveThroughput, reports.TestMannWhitney, map[string][]float64{
			"a": {200, 201, 202}, "b": {100, 101, 102}}, "a", "b")
		Expect(rankOf(b, "b").Significant).To(BeFalse(), "3 against 3 never reaches p < 0.01")
		Expect(strings.Join(b.Warnings, "\n")).To(ContainSubstring("run at least 5"))
	})

	DescribeTable("MinReplicates",
		func(test string, alpha float64, want int) {
			n, why := reports.MinReplicates(test, alpha)
			Expect(n).To(Equal(want), why)
		},
		Entry("Mann-Whitney at 0.01", reports.TestMannWhitney, 0.01, 5),
		Entry("Mann-Whitney at 0.05", reports.TestMannWhitney, 0.05, 4),
		Entry("Mann-Whitney at 0.1: 3 against 3 gives exactly 0.1, not below", reports.TestMannWhitney, 0.1, 4),
		Entry("Mann-Whitney at 0.001", reports.TestMannWhitney, 0.001, 7),
		Entry("Welch", reports.TestWelch, 0.01, 3),
	)

	It("ranks a configuration that sustained no rate last, with its cause", func() {
		b := sweepOf(reports.ObjectiveCapacity, reports.TestWelch, map[string][]float64{"ok": {1000, 1100, 1050}}, "ok")
		b.Replicates = append(b.Replicates, reports.Replicate{Config: "broken", Replicate: 1, Phase: reports.PhaseCapacity, Probes: []capacity.Probe{{Rate: 100}},
			Cause: "every export refused: Unimplemented"})
		b.Judge([]string{"broken", "ok"})
		last := b.Configurations[len(b.Configurations)-1]
		Expect(last.Config).To(Equal("broken"))
		Expect(last.NoRate).To(BeTrue())
		Expect(last.Rank).To(Equal(2))
		Expect(strings.Join(b.Warnings, "\n")).To(ContainSubstring("broken sustained no rate: every export refused"))
	})

	It("leaves out replicates that did not verify, counts their drops, and says so in every format", func() {
		b := sweepOf(reports.ObjectiveThroughput, reports.TestWelch, map[string][]float64{"a": {100, 100, 100}, "b": {90, 91, 90}}, "a", "b")
		b.Replicates[0].Lost, b.Replicates[0].DroppedInSDK = 3, 1234
		b.Replicates[1].Contended = true
		b.Judge([]string{"a", "b"})
		a := rankOf(b, "a")
		Expect(a.Failed).To(Equal(1))
		Expect(a.Dropped).To(Equal(int64(1234)))
		Expect(a.Contended).To(Equal(1))
		for _, write := range []func(*bytes.Buffer) error{
			func(w *bytes.Buffer) error { return b.WriteText(w) },
			func(w *bytes.Buffer) error { return b.WriteMarkdown(w) },
			func(w *bytes.Buffer) error { return b.WriteHTML(w) },
		} {
			var out bytes.Buffer
			Expect(write(&out)).To(Succeed())
			Expect(out.String()).To(ContainSubstring("1 replicate(s) failed"))
			Expect(out.String()).To(ContainSubstring("1234"))
			Expect(out.String()).To(ContainSubstring("1 contended"))
		}
	})

	It("shows a search that found its capacity as passed, with what failed above it", func() {
		b := sweepOf(reports.ObjectiveCapacity, reports.TestWelch, map[string][]float64{"ok": {1000, 1100, 1050}}, "ok")
		b.Replicates = append(b.Replicates, reports.Replicate{Config: "ok", Replicate: 4, Phase: reports.PhaseCapacity, CapacityPerS: 1200,
			Probes: []capacity.Probe{{Rate: 1200, Passed: true}, {Rate: 1300, Cause: "95 dropped in the SDK queue"}},
			Cause:  "95 dropped in the SDK queue", Passed: true})
		b.Judge([]string{"ok"})
		var out bytes.Buffer
		Expect(b.WriteMarkdown(&out)).To(Succeed())
		Expect(out.String()).To(MatchRegexp("(?m)^\\| `ok` \\| 4 \\| 1200 \\|.*\\| true \\|.*\\| above it: 95 dropped in the SDK queue \\|$"))
	})

	It("writes benchstat's format, one line per counted replicate", func() {
		var buf bytes.Buffer
		b := sweepOf(reports.ObjectiveThroughput, reports.TestWelch, map[string][]float64{"a": {100, 101}, "b": {50}}, "a", "b")
		Expect(b.WriteBenchstat(&buf)).To(Succeed())
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		Expect(lines).To(HaveLen(5))
		Expect(lines[2]).To(MatchRegexp(`^BenchmarkExport/otlp/a 1 100\.0 items/s `))
	})
})
