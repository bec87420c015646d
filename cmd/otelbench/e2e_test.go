package main_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"

	"github.com/otelbench/otelbench/reports"
)

func readReport(dir string) reports.Report {
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	Expect(err).NotTo(HaveOccurred())
	var rep reports.Report
	Expect(json.Unmarshal(data, &rep)).To(Succeed())
	return rep
}

// passed waits for the run s to end and expects exit 0; when it did not, the failure says which rows failed and
// why (or, without a report, that the run itself failed; its output is in the spec's log).
func passed(ctx SpecContext, s *gexec.Session, out string) reports.Report {
	GinkgoHelper()
	Eventually(s).WithContext(ctx).Should(gexec.Exit())
	if s.ExitCode() == 0 {
		return readReport(out)
	}
	if _, err := os.Stat(filepath.Join(out, "report.json")); err != nil {
		Fail(fmt.Sprintf("otelbench exited %d without a report", s.ExitCode()))
	}
	Fail(fmt.Sprintf("otelbench exited %d; failing rows:%s", s.ExitCode(), failures(readReport(out))))
	return reports.Report{}
}

// failures describes the rows of rep that did not pass, so that a failed run says which path failed and why.
func failures(rep reports.Report) string {
	var b strings.Builder
	for _, e := range rep.Exporters {
		if !e.Passed {
			fmt.Fprintf(&b, "\n  %s %s %s -> %s: sent %d verified %d lost %d duplicated %d altered %d dropped %d: %v; causes: %v",
				e.Signal, e.Name, e.Protocol, e.Backend, e.Sent, e.Verified, e.Lost, e.Duplicated, e.Altered, e.DroppedInSDK, e.Problems, e.Causes)
		}
	}
	return b.String()
}

func runID(what string) string {
	return fmt.Sprintf("e2e-%s-%d", what, time.Now().UnixNano())
}

var _ = Describe("otelbench run", Label("docker", "e2e"), Ordered, func() {
	It("sends the smoke scenario to Jaeger over OTLP gRPC and HTTP and reads every span back", func(ctx SpecContext) {
		out, id := GinkgoT().TempDir(), runID("smoke")
		s := otelbench("run", "../../scenarios/smoke.yaml", "--out", out, "--run-id", id)
		rep := passed(ctx, s, out)
		Expect(s.Out).To(gbytes.Say("PASSED"))
		for _, name := range []string{"report.json", "report.txt", "report.md", "junit.xml", "report.html", "timeseries.csv"} {
			Expect(filepath.Join(out, name)).To(BeAnExistingFile(), "every format is written")
		}
		expectRenders(ctx, filepath.Join(out, "report.html"))
		Expect(rep.Backends).To(ConsistOf(And(HaveField("Name", "jaeger"), HaveField("CPUSeconds", BeNumerically(">", 0)),
			HaveField("PeakMemoryMB", BeNumerically(">", 10)))), "what Jaeger used, from Docker's stats")
		Expect(rep.Otelbench).NotTo(BeNil())
		Expect(rep.Otelbench.CPUSeconds).To(BeNumerically(">", 0))
		Expect(rep.Passed).To(BeTrue())
		Expect(rep.RunID).To(Equal(id))
		Expect(rep.Exporters).To(HaveLen(2))
		protocols := map[string]bool{}
		for _, e := range rep.Exporters {
			protocols[e.Protocol] = true
			Expect(e.Signal).To(Equal("traces"))
			Expect(e.Backend).To(Equal("jaeger"))
			Expect(e.Sent).To(BeNumerically(">", 0))
			Expect(e.Verified).To(Equal(e.Sent), e.Name)
			Expect(e.Lost).To(BeZero(), e.Name)
			Expect(e.Duplicated).To(BeZero(), e.Name)
			Expect(e.Altered).To(BeZero(), e.Name)
			Expect(e.DroppedInSDK).To(BeZero(), e.Name)
			Expect(e.ExportCalls).To(BeNumerically(">", 0))
			Expect(e.BytesSent).To(BeNumerically(">", 0))
			Expect(e.ExportLatencyMs.P99).To(BeNumerically(">", 0))
			Expect(e.VisibilityLatencyMs.P50).To(BeNumerically(">", 0))
			Expect(e.TargetRatePerS).To(BeNumerically("~", 1000, 1))
			Expect(e.MissedSlots).To(BeZero())
		}
		Expect(protocols).To(HaveKey("otlp-grpc"))
		Expect(protocols).To(HaveKey("otlp-http"))
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(3*time.Minute))

	It("fails verification with exit code 3 when the SDK drops spans, and says how many", func(ctx SpecContext) {
		out, id := GinkgoT().TempDir(), runID("overload")
		s := otelbench("run", "testdata/overload.yaml", "--out", out, "--run-id", id)
		Eventually(s).WithContext(ctx).Should(gexec.Exit(3))
		Expect(s.Out).To(gbytes.Say("FAIL"))

		rep := readReport(out)
		Expect(rep.Passed).To(BeFalse())
		Expect(rep.Exporters).To(HaveLen(1))
		e := rep.Exporters[0]
		Expect(e.Sent).To(BeNumerically(">", 0))
		Expect(e.DroppedInSDK).To(BeNumerically(">", 0))
		Expect(e.Lost).To(BeNumerically(">=", e.DroppedInSDK))
		Expect(e.Verified + e.Lost + e.Altered).To(Equal(e.Sent))
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(3*time.Minute))

	It("exits 1 when a backend cannot start, and leaves nothing behind", func(ctx SpecContext) {
		id := runID("noimage")
		s := otelbench("run", "testdata/missing-image.yaml", "--run-id", id)
		Eventually(s).WithContext(ctx).Should(gexec.Exit(1))
		Expect(s.Err).To(gbytes.Say("backend jaeger"))
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(3*time.Minute))

	It("terminates its containers when interrupted with SIGINT, and reports what it measured until then", func(ctx SpecContext) {
		out, id := GinkgoT().TempDir(), runID("sigint")
		s := otelbench("run", "../../scenarios/smoke.yaml", "--run-id", id, "--out", out)
		Eventually(s.Err).WithContext(ctx).Should(gbytes.Say("send and verify"))
		Expect(leftovers(id)(ctx)).To(HaveLen(1), "the run's Jaeger is up")
		// Let it send for a while (the first progress line, 5 s in): the report must hold numbers.
		Eventually(s.Err).WithContext(ctx).Should(gbytes.Say(`send +checkout/[^:]*: [1-9][0-9]* / `))
		s.Interrupt()
		Eventually(s).WithContext(ctx).Should(gexec.Exit(1))
		Expect(s.Err).To(gbytes.Say("interrupted"))
		Expect(s.Out).To(gbytes.Say("INTERRUPTED"))
		rep := readReport(out)
		Expect(filepath.Join(out, "junit.xml")).To(BeAnExistingFile(), "every format, even interrupted")
		Expect(filepath.Join(out, "report.html")).To(BeAnExistingFile())
		Expect(rep.Interrupted).To(BeTrue())
		Expect(rep.Passed).To(BeFalse())
		Expect(rep.Exporters).To(HaveLen(2))
		for _, e := range rep.Exporters {
			Expect(e.Emitted).To(BeNumerically(">", 0), "what was sent before the interruption")
		}
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(3*time.Minute))
})
