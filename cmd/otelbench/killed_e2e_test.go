package main_test

import (
	"os/exec"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
)

var _ = Describe("a backend killed mid-run", Label("docker", "e2e"), func() {
	It("is a finding: the run completes its report, loss by cause adds up, and no line runs past 300 characters", func(ctx SpecContext) {
		out, id := GinkgoT().TempDir(), runID("killed")
		scenario := writeScenario(`version: 1
name: killed
duration: 8s
verify: {timeout: 5s}
backends:
  - {name: jaeger, type: jaeger}
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: jaeger, batch_timeout: 200ms, export_timeout: 2s}
  - {name: http, protocol: otlp-http, backend: jaeger, batch_timeout: 200ms, export_timeout: 2s}
workloads:
  - {name: checkout, signal: traces, exporters: [grpc, http], rate: 1000, trace: {spans: 5}}
`)
		s := otelbench("run", scenario, "--out", out, "--run-id", id)
		Eventually(s.Err).WithContext(ctx).Should(gbytes.Say(`send +checkout/[^:]*: [1-9][0-9]* / `))
		ids, err := leftovers(id)(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(ids).To(HaveLen(1))
		Expect(exec.CommandContext(ctx, "docker", "kill", ids[0]).Run()).To(Succeed(), "Jaeger dies, and what it held with it")

		Eventually(s).WithContext(ctx).Should(gexec.Exit())
		Expect(s.ExitCode()).To(Equal(3), "verification failed: a finding, not a crash")
		rep := readReport(out)
		for _, e := range rep.Exporters {
			Expect(e.Lost).To(BeNumerically(">", 0), e.Name)
			var sum int64
			for _, n := range e.LostByCause {
				sum += n
			}
			Expect(sum).To(Equal(e.Lost), "%s: lost by cause %v adds up to lost", e.Name, e.LostByCause)
			Expect(e.LostByCause["never_readable"]).To(BeNumerically(">", 0), "%s: spans Jaeger accepted before it died", e.Name)
			Expect(e.Causes).NotTo(BeEmpty(), e.Name)
		}
		for _, line := range strings.Split(string(s.Out.Contents())+string(s.Err.Contents()), "\n") {
			Expect(len(line)).To(BeNumerically("<=", 300), line)
		}
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(3*time.Minute))
})
