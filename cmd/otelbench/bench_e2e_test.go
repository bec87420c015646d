package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/otelbench/otelbench/reports"
)

var _ = Describe("otelbench bench", Label("docker", "e2e"), Ordered, func() {
	// sweep is a sweep of axis over values into a counting sink, 5 replicates of 2 s at rate spans/s.
	sweep := func(axis, values string, rate int) string {
		return writeScenario(`version: 1
name: sweep-spec
seed: 3
duration: 2s
verify: {timeout: 10s}
backends: [{name: sink, type: sink}]
exporters: [{name: otlp, protocol: otlp-grpc, backend: sink, batch_timeout: 200ms}]
workloads:
  - {name: checkout, signal: traces, exporters: [otlp], rate: ` + itoa(rate) + `}
sweep:
  exporter: otlp
  axes: {` + axis + `: ` + values + `}
  replicates: 5
  warmup: 500ms
`)
	}
	run := func(ctx SpecContext, scenario string) reports.Bench {
		GinkgoHelper()
		out := GinkgoT().TempDir()
		s := otelbench("bench", scenario, "--out", out)
		Eventually(s).WithContext(ctx).Should(gexec.Exit(0))
		data, err := os.ReadFile(filepath.Join(out, "bench.json"))
		Expect(err).NotTo(HaveOccurred())
		var b reports.Bench
		Expect(json.Unmarshal(data, &b)).To(Succeed())
		for _, name := range []string{"bench.md", "bench.txt", "bench.html"} {
			Expect(filepath.Join(out, name)).To(BeAnExistingFile())
		}
		// Each configuration ran alone: one stream per run, and no two runs at once.
		Expect(b.Replicates).To(HaveLen(10))
		for i, r := range b.Replicates {
			Expect(r.Streams).To(Equal(1), "run %d sent one stream", i)
			if i > 0 {
				Expect(r.Start).To(BeTemporally(">=", b.Replicates[i-1].End), "run %d started after run %d ended", i, i-1)
			}
		}
		return b
	}

	It("finds batch_size 1 slower than 2048 with significance", func(ctx SpecContext) {
		b := run(ctx, sweep("batch_size", "[1, 2048]", 20000))
		Expect(b.Configurations).To(HaveLen(2))
		Expect(b.Configurations[0].Config).To(Equal("batch_size=2048"), "the best")
		slow := b.Configurations[1]
		Expect(slow.Config).To(Equal("batch_size=1"))
		Expect(slow.Significant).To(BeTrue(), "p=%g", slow.P)
		Expect(slow.VsBest).To(BeNumerically("<", -0.2))
		Expect(slow.Hi).To(BeNumerically("<", b.Configurations[0].Lo), "the intervals do not overlap")
	}, SpecTimeout(5*time.Minute))

	It("finds no significant difference between two configurations that differ in nothing that matters", func(ctx SpecContext) {
		b := run(ctx, sweep("export_timeout", "[10s, 11s]", 5000))
		Expect(b.Configurations).To(HaveLen(2))
		Expect(b.Configurations[1].Significant).To(BeFalse(), "p=%g, medians %v and %v", b.Configurations[1].P,
			b.Configurations[0].Median, b.Configurations[1].Median)
	}, SpecTimeout(5*time.Minute))
})

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
