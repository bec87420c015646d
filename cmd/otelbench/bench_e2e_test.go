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

// benchSweep is a sweep of axis over values into a counting sink, 3 replicates of 2 s probes, with more keys.
func benchSweep(axis, values, more string) string {
	return writeScenario(`version: 1
name: sweep-spec
seed: 3
duration: 2s
verify: {timeout: 10s}
backends: [{name: sink, type: sink}]
exporters: [{name: otlp, protocol: otlp-grpc, backend: sink, batch_timeout: 200ms, queue_size: 8192}]
workloads:
  - {name: checkout, signal: traces, exporters: [otlp], rate: 20000, trace: {spans: 5}}
sweep:
  exporter: otlp
  axes: {` + axis + `: ` + values + `}
  replicates: 3
  warmup: 500ms
` + more)
}

// runBench runs otelbench bench on scenario and reads its bench.json; exit is the code expected.
func runBench(ctx SpecContext, scenario string, exit int) reports.Bench {
	GinkgoHelper()
	out := GinkgoT().TempDir()
	s := otelbench("bench", scenario, "--out", out)
	Eventually(s).WithContext(ctx).Should(gexec.Exit(exit))
	data, err := os.ReadFile(filepath.Join(out, "bench.json"))
	Expect(err).NotTo(HaveOccurred())
	var b reports.Bench
	Expect(json.Unmarshal(data, &b)).To(Succeed())
	for _, name := range []string{"bench.md", "bench.txt", "bench.html"} {
		Expect(filepath.Join(out, name)).To(BeAnExistingFile())
	}
	// Each configuration ran alone: no two measurements at once.
	for i, r := range b.Replicates {
		Expect(r.Streams).To(BeNumerically("<=", 1), "measurement %d sent one stream", i)
		if i > 0 {
			Expect(r.Start).To(BeTemporally(">=", b.Replicates[i-1].End), "measurement %d started after %d ended", i, i-1)
		}
	}
	return b
}

func configResult(b reports.Bench, name string) reports.ConfigResult {
	GinkgoHelper()
	for _, c := range b.Configurations {
		if c.Config == name {
			return c
		}
	}
	Fail("no configuration " + name)
	return reports.ConfigResult{}
}

var _ = Describe("otelbench bench", Label("docker", "e2e"), Ordered, func() {
	// batch 1 against 8192: an effect so large (one span an export) that 3 replicates always tell it, even while
	// other packages' specs share the machine. The shipped sweeps ask subtler questions (scenarios/sweeps).
	It("searches each configuration's capacity and tells batch 1 from batch 8192, with an A/A noise floor", func(ctx SpecContext) {
		b := runBench(ctx, benchSweep("batch_size", "[1, 8192]", ""), 0)
		Expect(b.Objective).To(Equal(reports.ObjectiveCapacity))
		Expect(b.CapacityDefinition).To(ContainSubstring("dropped nothing in the SDK"))
		Expect(b.Replicates).To(HaveLen(9), "2 configurations and the A/A twin, 3 searches each")
		for _, r := range b.Replicates {
			Expect(r.Error).To(BeEmpty())
			Expect(r.CapacityPerS).To(BeNumerically(">", 0), "%s replicate %d", r.Config, r.Replicate)
			Expect(r.Passed).To(BeTrue(), "a search that found its capacity passed: %s replicate %d", r.Config, r.Replicate)
			Expect(len(r.Probes)).To(BeNumerically(">=", 3), "a search, not one run")
			for _, p := range r.Probes {
				if !p.Passed {
					Expect(p.Cause).NotTo(BeEmpty(), "every failed probe says why")
				}
			}
		}
		Expect(b.Control).To(Equal("batch_size=1"))
		Expect(b.ControlResult).NotTo(BeNil())
		Expect(b.NoiseFloor).To(BeNumerically(">=", 0.01))
		big, small := configResult(b, "batch_size=8192"), configResult(b, "batch_size=1")
		Expect(big.Rank).To(Equal(1))
		Expect(small.Rank).To(Equal(2), "p=%g, vs best %g, noise floor %g", small.P, small.VsBest, b.NoiseFloor)
		Expect(small.Significant).To(BeTrue())
		Expect(small.VsBest).To(BeNumerically("<", -0.5))
	}, SpecTimeout(10*time.Minute))

	It("ranks bytes per item at a common rate: gzip far below none, significantly", func(ctx SpecContext) {
		b := runBench(ctx, benchSweep("compression", "[none, gzip]", "  objective: bytes\n  rate: 5000\n"), 0)
		Expect(b.Objective).To(Equal(reports.ObjectiveBytes))
		Expect(b.RatePerS).To(Equal(5000.0))
		Expect(b.Configurations[0].Config).To(Equal("compression=gzip"))
		none := configResult(b, "compression=none")
		Expect(none.Rank).To(Equal(2))
		Expect(none.Significant).To(BeTrue())
		Expect(none.VsBest).To(BeNumerically(">", 1), "more than twice the bytes")
		for _, r := range b.Replicates {
			Expect(r.Passed).To(BeTrue(), "%s at 5000/s", r.Config)
			Expect(r.TargetPerS).To(Equal(5000.0))
		}
	}, SpecTimeout(5*time.Minute))

	It("reports a configuration that sustains no rate with its cause, and exits 3", func(ctx SpecContext) {
		// An export timeout no export meets: every export fails, at any rate.
		b := runBench(ctx, benchSweep("export_timeout", "[1ms]", "  capacity: {start: 2000, min: 1000}\n"), 3)
		Expect(b.Configurations).To(HaveLen(1))
		c := b.Configurations[0]
		Expect(c.NoRate).To(BeTrue())
		Expect(c.Cause).To(ContainSubstring("failed to export"))
		Expect(b.Warnings).To(ContainElement(ContainSubstring("export_timeout=1ms sustained no rate")))
		for _, r := range b.Replicates {
			Expect(r.Probes).NotTo(BeEmpty())
			Expect(r.Probes[len(r.Probes)-1].Rate).To(Equal(1000.0), "it went down to the search's min before giving up")
		}
	}, SpecTimeout(5*time.Minute))
})
