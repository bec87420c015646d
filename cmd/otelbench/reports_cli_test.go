package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
)

// consoleRun runs a console scenario (nothing to start) with extra YAML appended, and returns its output folder and
// session once it has exited.
func consoleRun(ctx SpecContext, extra string) (string, *gexec.Session) {
	GinkgoHelper()
	base, err := os.ReadFile("testdata/console.yaml")
	Expect(err).NotTo(HaveOccurred())
	scenario := writeScenario(strings.Replace(string(base), "duration: 3s", "duration: 2s", 1) + extra)
	out := GinkgoT().TempDir()
	s := otelbench("run", scenario, "--out", out)
	Eventually(s).WithContext(ctx).Should(gexec.Exit())
	return out, s
}

var _ = Describe("thresholds", func() {
	It("exit with their own code when one cannot hold, and junit.xml names the exporter and the threshold", func(ctx SpecContext) {
		out, s := consoleRun(ctx, `thresholds:
  - {expr: "lost == 0"}
  - {expr: "p99(export_latency) < 0.001ms", exporters: [console]}
`)
		Expect(s.ExitCode()).To(Equal(4), "thresholds breached, every item verified")
		Expect(s.Err).To(gbytes.Say(`thresholds breached: p99\(export_latency\) < 0.001ms on checkout/console @ stdout`))
		Expect(s.Out).To(gbytes.Say("THRESHOLDS BREACHED"))
		junit, err := os.ReadFile(filepath.Join(out, "junit.xml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(junit)).To(MatchRegexp(`<testsuite name="checkout/console @ stdout[^"]*"[^>]*failures="1">`))
		Expect(string(junit)).To(ContainSubstring(`<failure message="threshold p99(export_latency) &lt; 0.001ms breached: value`))
		var rep struct {
			ThresholdsPassed bool `json:"thresholds_passed"`
			Passed           bool `json:"passed"`
		}
		data, err := os.ReadFile(filepath.Join(out, "report.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(json.Unmarshal(data, &rep)).To(Succeed())
		Expect(rep.Passed).To(BeTrue())
		Expect(rep.ThresholdsPassed).To(BeFalse())
	}, SpecTimeout(time.Minute))

	It("exit 0 when they hold", func(ctx SpecContext) {
		_, s := consoleRun(ctx, "thresholds:\n  - {expr: \"lost == 0\"}\n  - {expr: \"achieved_rate >= 0.9 * target_rate\"}\n")
		Expect(s.ExitCode()).To(Equal(0))
	}, SpecTimeout(time.Minute))
})

var _ = Describe("otelbench report and compare", func() {
	It("re-renders every format from report.json, and compare finds a 30% throughput drop but nothing against itself", func(ctx SpecContext) {
		out, s := consoleRun(ctx, "")
		Expect(s.ExitCode()).To(Equal(0))

		// report: every format again, from report.json alone.
		for _, name := range []string{"report.md", "junit.xml", "report.html", "timeseries.csv", "report.txt"} {
			Expect(os.Remove(filepath.Join(out, name))).To(Succeed())
		}
		r := otelbench("report", out)
		Eventually(r).WithContext(ctx).Should(gexec.Exit(0))
		for _, name := range []string{"report.md", "junit.xml", "report.html", "timeseries.csv", "report.txt"} {
			Expect(filepath.Join(out, name)).To(BeAnExistingFile())
		}

		base := filepath.Join(out, "report.json")
		same := otelbench("compare", base, base)
		Eventually(same).WithContext(ctx).Should(gexec.Exit(0))
		Expect(same.Out).To(gbytes.Say("no change"))

		// The same run with every row's throughput 30% lower.
		var rep map[string]any
		data, err := os.ReadFile(base)
		Expect(err).NotTo(HaveOccurred())
		Expect(json.Unmarshal(data, &rep)).To(Succeed())
		for _, row := range rep["exporters"].([]any) {
			m := row.(map[string]any)
			m["throughput_per_s"] = m["throughput_per_s"].(float64) * 0.7
		}
		worse := filepath.Join(GinkgoT().TempDir(), "report.json")
		data, err = json.Marshal(rep)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(worse, data, 0o644)).To(Succeed())
		c := otelbench("compare", base, worse)
		Eventually(c).WithContext(ctx).Should(gexec.Exit(3))
		Expect(c.Out).To(gbytes.Say(`checkout/console @ stdout\s+throughput_per_s\s+\S+\s+\S+\s+-30.0%`))
		Expect(c.Err).To(gbytes.Say(`regression: checkout/console @ stdout throughput per s -30.0%`))
	}, SpecTimeout(time.Minute))
})

var _ = Describe("a run with --deadline", func() {
	It("stops as Ctrl-C does: every format written, marked interrupted, with what was measured", func(ctx SpecContext) {
		out := GinkgoT().TempDir()
		s := otelbench("run", "testdata/console.yaml", "--out", out, "--deadline", "1500ms")
		Eventually(s).WithContext(ctx).Should(gexec.Exit(1))
		Expect(s.Out).To(gbytes.Say("INTERRUPTED"))
		rep := readReport(out)
		Expect(rep.Interrupted).To(BeTrue())
		Expect(rep.Exporters).NotTo(BeEmpty())
		Expect(rep.Exporters[0].Emitted).To(BeNumerically(">", 0))
		Expect(filepath.Join(out, "junit.xml")).To(BeAnExistingFile())
	}, SpecTimeout(time.Minute))
})
