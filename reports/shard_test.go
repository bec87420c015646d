package reports_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/reports"
)

// shardArtifact is shard i of n of run "run1": one traces row whose export calls took latencies (µs).
func shardArtifact(i, n int, sent, lost int64, latencies []int64, thresholds ...string) *reports.Artifact {
	h := hdrhistogram.New(1, 600_000_000, 3)
	for _, v := range latencies {
		Expect(h.RecordValue(v)).To(Succeed())
	}
	start := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * 3 * time.Millisecond)
	rep := &reports.Report{SchemaVersion: reports.SchemaVersion, Scenario: "s", RunID: "run1", Started: start, DurationS: 10,
		Passed: lost == 0, Exporters: []reports.Exporter{{
			Name: "grpc", Workload: "w", Signal: "traces", Protocol: "otlp-grpc", Backend: "jaeger",
			Emitted: sent, Sent: sent, Verified: sent - lost, Lost: lost, Passed: lost == 0, ExportCalls: int64(len(latencies)),
			AchievedRatePerS: float64(sent) / 10, ThroughputPerS: float64(sent-lost) / 10,
			ExportLatencyMs: reports.LatencyOfHDR(h, true),
			Timeseries:      &reports.Timeseries{T: []float64{1, 2}, Emitted: []int64{sent / 2, sent}, Exported: []int64{sent / 2, sent}, Failed: []int64{0, 0}},
		}}}
	rep.Shard = &reports.Shard{Index: i, Count: n, Seed: 7, ScenarioHash: "abc", Start: start, End: start.Add(10 * time.Second)}
	a := &reports.Artifact{Kind: reports.ArtifactKind, SchemaVersion: reports.ArtifactSchemaVersion, RunID: "run1", Scenario: "s", Shard: *rep.Shard, Report: rep}
	for _, t := range thresholds {
		a.Thresholds = append(a.Thresholds, reports.ArtifactThreshold{Expr: t})
	}
	return a
}

// roundTrip writes the artifacts as JSON files into a folder and reads the folder back, as merge does.
func roundTrip(arts ...*reports.Artifact) []*reports.Artifact {
	dir := GinkgoT().TempDir()
	for _, a := range arts {
		f, err := os.Create(filepath.Join(dir, a.FileName()))
		Expect(err).NotTo(HaveOccurred())
		Expect(a.WriteJSON(f)).To(Succeed())
		Expect(f.Close()).To(Succeed())
	}
	Expect(os.WriteFile(filepath.Join(dir, "report.json"), []byte(`{"schema_version": 1}`), 0o644)).To(Succeed())
	got, err := reports.LoadArtifacts([]string{dir}, nil)
	Expect(err).NotTo(HaveOccurred())
	return got
}

func latencies(r *rand.Rand, n int, base int64) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = base + int64(r.ExpFloat64()*float64(base))
	}
	return out
}

var _ = Describe("Merging the shards of a run", func() {
	It("merges latency histograms into the histogram of the pooled data, never averaging quantiles", func() {
		r := rand.New(rand.NewPCG(1, 2))
		a, b, c := latencies(r, 5000, 800), latencies(r, 3000, 2000), latencies(r, 40, 90000)
		pooled := hdrhistogram.New(1, 600_000_000, 3)
		for _, v := range append(append(append([]int64{}, a...), b...), c...) {
			Expect(pooled.RecordValue(v)).To(Succeed())
		}
		rep, err := reports.Merge(roundTrip(shardArtifact(0, 3, 100, 0, a), shardArtifact(1, 3, 100, 0, b), shardArtifact(2, 3, 100, 0, c)), reports.MergeOptions{})
		Expect(err).NotTo(HaveOccurred())
		got := rep.Exporters[0].ExportLatencyMs
		want := reports.LatencyOfHDR(pooled, true)
		Expect(got.P50).To(Equal(want.P50))
		Expect(*got.P90).To(Equal(*want.P90))
		Expect(got.P99).To(Equal(want.P99))
		Expect(*got.P999).To(Equal(*want.P999))
		Expect(got.Max).To(Equal(want.Max))
		Expect(got.Count).To(Equal(int64(8040)))
		decoded, err := hdrhistogram.Decode([]byte(got.HDR))
		Expect(err).NotTo(HaveOccurred())
		Expect(decoded.Equals(pooled)).To(BeTrue(), "the merged histogram is the pooled one")
	})

	It("sums what the shards sent, verified and lost, and says it is merged with each shard's figures", func() {
		rep, err := reports.Merge(roundTrip(shardArtifact(0, 2, 600, 0, []int64{1000}), shardArtifact(1, 2, 400, 3, []int64{2000})), reports.MergeOptions{})
		Expect(err).NotTo(HaveOccurred())
		row := rep.Exporters[0]
		Expect([]int64{row.Sent, row.Verified, row.Lost}).To(Equal([]int64{1000, 997, 3}))
		Expect(row.AchievedRatePerS).To(BeNumerically("~", 100, 1e-9))
		Expect(row.Passed).To(BeFalse())
		Expect(rep.Passed).To(BeFalse())
		Expect(rep.Merged.Shards).To(HaveLen(2))
		Expect(rep.Merged.MaxSkewMs).To(BeNumerically("~", 3, 1e-9))
		var text bytes.Buffer
		Expect(rep.WriteText(&text)).To(Succeed())
		Expect(text.String()).To(ContainSubstring("merged from 2 of 2 shards"))
		Expect(text.String()).To(ContainSubstring("shard 1/2 failed: sent 400, verified 397, lost 3"))
		By("aligning the per-second series by wall-clock second")
		Expect(row.Timeseries.Emitted[len(row.Timeseries.Emitted)-1]).To(Equal(int64(1000)))
	})

	It("evaluates thresholds on the merged result, where they differ from per-shard verdicts", func() {
		r := rand.New(rand.NewPCG(3, 4))
		lossGate, p99Gate := "lost <= 2", "p99(export_latency) < 10"
		arts := []*reports.Artifact{
			shardArtifact(0, 3, 1000, 1, latencies(r, 2000, 1000), lossGate, p99Gate),
			shardArtifact(1, 3, 1000, 1, latencies(r, 2000, 1000), lossGate, p99Gate),
			// A shard with few calls, all slow: alone it breaches the p99 gate, pooled it does not.
			shardArtifact(2, 3, 1000, 1, latencies(r, 10, 50000), lossGate, p99Gate),
		}
		perShard := map[string][]bool{}
		for _, a := range arts {
			one, err := reports.Merge([]*reports.Artifact{a}, reports.MergeOptions{AllowPartial: true})
			Expect(err).NotTo(HaveOccurred())
			for _, t := range one.Thresholds {
				perShard[t.Expr] = append(perShard[t.Expr], t.Passed)
			}
		}
		Expect(perShard[lossGate]).To(Equal([]bool{true, true, true}), "one lost per shard holds lost <= 2 in each")
		Expect(perShard[p99Gate]).To(Equal([]bool{true, true, false}))

		rep, err := reports.Merge(roundTrip(arts...), reports.MergeOptions{})
		Expect(err).NotTo(HaveOccurred())
		merged := map[string]reports.ThresholdResult{}
		for _, t := range rep.Thresholds {
			merged[t.Expr] = t
		}
		Expect(merged[lossGate].Passed).To(BeFalse(), "3 lost in the run breach lost <= 2")
		Expect(merged[lossGate].Value).To(Equal(3.0))
		Expect(merged[p99Gate].Passed).To(BeTrue(), "the run's p99 is the pooled calls' p99")
		Expect(rep.ThresholdsBreached()).To(BeTrue())
	})

	It("reads framed artifacts back from logs that prefix and interleave the shards' lines", func() {
		var a, b bytes.Buffer
		Expect(shardArtifact(0, 2, 10, 0, []int64{5}).WriteFramed(&a)).To(Succeed())
		Expect(shardArtifact(1, 2, 20, 0, []int64{6}).WriteFramed(&b)).To(Succeed())
		la, lb := strings.Split(strings.TrimSpace(a.String()), "\n"), strings.Split(strings.TrimSpace(b.String()), "\n")
		var log strings.Builder
		log.WriteString("starting otelbench\nscenario s  run run1\n")
		for i := range max(len(la), len(lb)) {
			if i < len(lb) {
				fmt.Fprintf(&log, "otelbench-abc.2.xyz@node1    | %s\n", lb[i])
			}
			if i < len(la) {
				fmt.Fprintf(&log, "2026-12-06T10:00:00.000000001Z %s\n", la[i])
			}
		}
		got, err := reports.ReadArtifacts(strings.NewReader(log.String()), "shards.log")
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(HaveLen(2))
		rep, err := reports.Merge(got, reports.MergeOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.Exporters[0].Sent).To(Equal(int64(30)))

		By("naming the line a cut log lacks")
		cut := strings.Replace(log.String(), la[1]+"\n", "", 1)
		_, err = reports.ReadArtifacts(strings.NewReader(cut), "cut.log")
		Expect(err).To(MatchError(ContainSubstring("lacks line 1 of")))
	})

	DescribeTable("refuses what is not one run's shards, saying what to do",
		func(arts func() []*reports.Artifact, opts reports.MergeOptions, want string) {
			_, err := reports.Merge(arts(), opts)
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("two runs", func() []*reports.Artifact {
			b := shardArtifact(1, 2, 1, 0, nil)
			b.RunID = "run2"
			return []*reports.Artifact{shardArtifact(0, 2, 1, 0, nil), b}
		}, reports.MergeOptions{}, "run run1 against run run2"),
		Entry("two scenarios", func() []*reports.Artifact {
			b := shardArtifact(1, 2, 1, 0, nil)
			b.Shard.ScenarioHash = "def"
			return []*reports.Artifact{shardArtifact(0, 2, 1, 0, nil), b}
		}, reports.MergeOptions{}, "their scenario files differ"),
		Entry("two seeds", func() []*reports.Artifact {
			b := shardArtifact(1, 2, 1, 0, nil)
			b.Shard.Seed = 8
			return []*reports.Artifact{shardArtifact(0, 2, 1, 0, nil), b}
		}, reports.MergeOptions{}, "seed 7 against seed 8"),
		Entry("two shard counts", func() []*reports.Artifact {
			return []*reports.Artifact{shardArtifact(0, 2, 1, 0, nil), shardArtifact(1, 3, 1, 0, nil)}
		}, reports.MergeOptions{}, "2 shards against 3"),
		Entry("a shard twice", func() []*reports.Artifact {
			return []*reports.Artifact{shardArtifact(0, 2, 1, 0, nil), shardArtifact(0, 2, 1, 0, nil)}
		}, reports.MergeOptions{}, "shard 0/2 is given twice"),
		Entry("a missing shard", func() []*reports.Artifact {
			return []*reports.Artifact{shardArtifact(0, 3, 1, 0, nil), shardArtifact(2, 3, 1, 0, nil)}
		}, reports.MergeOptions{}, "shard 1/3 of run run1 is missing"),
	)

	It("merges the shards present with --allow-partial, and the report names the missing one and fails", func() {
		rep, err := reports.Merge([]*reports.Artifact{shardArtifact(0, 3, 5, 0, []int64{9}), shardArtifact(2, 3, 5, 0, []int64{9})}, reports.MergeOptions{AllowPartial: true})
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.Passed).To(BeFalse())
		Expect(rep.Merged.Missing).To(Equal([]int{1}))
		Expect(rep.ShardLines()[0]).To(ContainSubstring("MISSING: shard 1/3"))
		var junit bytes.Buffer
		Expect(rep.WriteJUnit(&junit)).To(Succeed())
		Expect(junit.String()).To(ContainSubstring(`<testcase name="every shard merged" classname="shards">`))
		Expect(junit.String()).To(ContainSubstring("MISSING: shard 1/3"))
	})
})
