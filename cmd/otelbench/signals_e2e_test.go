package main_test

import (
	"context"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/otelbench/otelbench/containers/jaeger"
	"github.com/otelbench/otelbench/reports"
)

// signalRow is what a row of otelbench traces|metrics|logs must say, and what a run of its printed scenario must
// say again.
type signalRow struct {
	Workload, Exporter, Backend, Signal string
	Sent, Verified, Lost                int64
	Passed                              bool
}

func signalRows(rep reports.Report) []signalRow {
	var out []signalRow
	for _, e := range rep.Exporters {
		out = append(out, signalRow{e.Workload, e.Name, e.Backend, e.Signal, e.Sent, e.Verified, e.Lost, e.Passed})
	}
	return out
}

// everyItemBack expects one row of signal through backend, every item sent read back.
func everyItemBack(rep reports.Report, signal, backend string) signalRow {
	GinkgoHelper()
	Expect(rep.Exporters).To(HaveLen(1))
	row := signalRows(rep)[0]
	Expect([]string{row.Signal, row.Backend}).To(Equal([]string{signal, backend}))
	Expect(row.Sent).To(BeNumerically(">", 0))
	Expect(row.Verified).To(Equal(row.Sent), "every item read back")
	Expect(row.Lost).To(BeZero())
	Expect(rep.Passed).To(BeTrue())
	return row
}

var _ = Describe("otelbench traces, metrics and logs against real backends", Label("docker", "e2e"), func() {
	It("sends traces to a running Jaeger as telemetrygen would, and its printed scenario runs to the same rows", func(ctx SpecContext) {
		j, err := jaeger.Run(ctx, startImage(ctx, "jaeger"), jaeger.Config{RunID: runID("signals-jaeger")})
		DeferCleanup(func(ctx context.Context) { _ = j.Terminate(ctx) })
		Expect(err).NotTo(HaveOccurred())
		flags := []string{"traces", "--otlp-endpoint", j.OTLPGRPCEndpoint(), "--otlp-insecure", "--backend-url", j.QueryURL(),
			"--rate", "100", "--duration", "3s", "--batch-timeout", "200ms"}

		outA := GinkgoT().TempDir()
		a := passed(ctx, otelbench(append(flags, "--out", outA, "--run-id", runID("signals-flags"))...), outA)
		row := everyItemBack(a, "traces", "jaeger")
		Expect(row.Sent).To(BeNumerically("~", 600, 20), "100 traces/s of 2 spans for 3 s")
		for _, name := range []string{"report.json", "report.txt", "report.md", "junit.xml", "report.html", "timeseries.csv"} {
			Expect(filepath.Join(outA, name)).To(BeAnExistingFile(), "every format is written, as for a file")
		}

		By("printing the same flags as a file, which validate accepts and run runs to the same rows")
		p := otelbench(append(flags, "--print-scenario")...)
		Eventually(p).WithContext(ctx).Should(gexec.Exit(0))
		file := filepath.Join(GinkgoT().TempDir(), "traces.yaml")
		Expect(os.WriteFile(file, p.Out.Contents(), 0o644)).To(Succeed())
		v := otelbench("validate", file)
		Eventually(v).WithContext(ctx).Should(gexec.Exit(0))

		outB := GinkgoT().TempDir()
		b := passed(ctx, otelbench("run", file, "--out", outB, "--run-id", runID("signals-file")), outB)
		Expect(signalRows(b)).To(Equal(signalRows(a)))
		Expect([]bool{b.Passed, b.ThresholdsPassed}).To(Equal([]bool{a.Passed, a.ThresholdsPassed}))
	}, SpecTimeout(3*time.Minute))

	DescribeTable("starts the backend itself when given no endpoint",
		func(ctx SpecContext, signal, duration, backend string) {
			out, id := GinkgoT().TempDir(), runID("signals-"+signal)
			rep := passed(ctx, otelbench(signal, "--rate", "100", "--duration", duration, "--out", out, "--run-id", id), out)
			everyItemBack(rep, signal, backend)
			Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty(), "the "+backend+" it started is gone")
		},
		Entry("logs into a collector, read from its files", "logs", "2s", "collector", SpecTimeout(3*time.Minute)),
		Entry("metrics into Prometheus", "metrics", "3s", "prometheus", SpecTimeout(3*time.Minute)),
	)
})
