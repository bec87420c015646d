package reports_test

import (
	"bytes"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/reports"
)

var _ = Describe("Bench", func() {
	bench := func(a, b []float64) *reports.Bench {
		out := &reports.Bench{Scenario: "s", Exporter: "otlp", Alpha: 0.01}
		for i, v := range a {
			out.Replicates = append(out.Replicates, reports.Replicate{Config: "a", Replicate: i + 1, ThroughputPerS: v, Passed: true, Streams: 1})
		}
		for i, v := range b {
			out.Replicates = append(out.Replicates, reports.Replicate{Config: "b", Replicate: i + 1, ThroughputPerS: v, Passed: true, Streams: 1})
		}
		out.Judge([]string{"a", "b"})
		return out
	}

	It("ranks by median and calls a difference significant only when the replicates separate", func() {
		b := bench([]float64{100, 101, 99, 102, 100}, []float64{50, 51, 49, 52, 50})
		Expect(b.Configurations[0].Config).To(Equal("a"))
		Expect(b.Configurations[0].Rank).To(Equal(1))
		Expect(b.Configurations[1].Significant).To(BeTrue(), "p=%g", b.Configurations[1].P)
		Expect(b.Configurations[1].VsBest).To(BeNumerically("~", -0.5, 0.01))
		Expect(b.Configurations[0].Lo).To(BeNumerically("<=", 100))
		Expect(b.Configurations[0].Hi).To(BeNumerically(">=", 100))

		same := bench([]float64{100, 90, 110, 95, 105}, []float64{98, 108, 92, 102, 99})
		Expect(same.Configurations[1].Significant).To(BeFalse())
		Expect(same.Configurations[0].Erratic).To(BeTrue(), "a spread of 20% of the median")
	})

	It("leaves out replicates that did not verify, and says so", func() {
		b := bench([]float64{100, 100, 100}, []float64{90, 90})
		b.Replicates[0].Passed = false
		b.Judge([]string{"a", "b"})
		Expect(b.Configurations[0].Failed + b.Configurations[1].Failed).To(Equal(1))
		var txt bytes.Buffer
		Expect(b.WriteText(&txt)).To(Succeed())
		Expect(txt.String()).To(ContainSubstring("1 replicate(s) not verified"))
	})

	It("writes benchstat's format, one line per verified replicate", func() {
		var buf bytes.Buffer
		Expect(bench([]float64{100, 101}, []float64{50}).WriteBenchstat(&buf)).To(Succeed())
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		Expect(lines).To(HaveLen(5))
		Expect(lines[2]).To(MatchRegexp(`^BenchmarkExport/otlp/a 1 100\.0 items/s `))
	})
})
