package main_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/conformance"
	"github.com/otelbench/otelbench/containers/jaeger"
	"github.com/otelbench/otelbench/containers/victorialogs"
	"github.com/otelbench/otelbench/containers/victoriametrics"
	"github.com/otelbench/otelbench/reports"
)

// shardedScenario is a scenario of every signal against running backends: traces ramping to Jaeger over gRPC and
// HTTP, logs to VictoriaLogs, metrics to VictoriaMetrics, with thresholds judged on the whole run.
func shardedScenario(j *jaeger.Jaeger, vlogs, vm containers.Live) string {
	GinkgoHelper()
	url := func(l containers.Live) string {
		d, ok := l.(interface{ Describe() map[string]string })
		Expect(ok).To(BeTrue())
		return d.Describe()["query"]
	}
	return writeScenario(fmt.Sprintf(`version: 1
name: sharded
seed: 42
duration: 4s
verify: {timeout: 20s}
backends:
  - {name: jaeger, type: jaeger, external: {otlp_grpc: %q, otlp_http: %q, url: %q}}
  - {name: vlogs, type: victorialogs, external: {url: %q}}
  - {name: vm, type: victoriametrics, external: {url: %q}}
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: jaeger, batch_timeout: 200ms}
  - {name: http, protocol: otlp-http, backend: jaeger, batch_timeout: 200ms}
  - {name: logs, protocol: otlp-http, backend: vlogs, batch_timeout: 200ms}
  - {name: metrics, protocol: otlp-http, backend: vm, export_interval: 1s}
workloads:
  - name: checkout
    signal: traces
    exporters: [grpc, http]
    rate: 100
    stages: [{duration: 2s, target: 400}, {duration: 2s, target: 400}]
    trace: {spans: 4}
  - {name: audit, signal: logs, exporters: [logs], rate: 150}
  - {name: inventory, signal: metrics, exporters: [metrics], rate: 60, metrics: {instruments: [counter, histogram], series: 3}}
thresholds:
  - expr: lost == 0
  - expr: p99(export_latency) < 5000
`, j.OTLPGRPCEndpoint(), j.OTLPHTTPEndpoint(), j.QueryURL(), url(vlogs), url(vm)))
}

// sameRun expects a merged report to say what one run of the scenario said: the same rows, items and verdict.
func sameRun(merged, single reports.Report, shards int) {
	GinkgoHelper()
	Expect(merged.Merged).NotTo(BeNil(), "the report says it is merged")
	Expect(merged.Merged.Shards).To(HaveLen(shards))
	Expect(merged.Merged.Missing).To(BeEmpty())
	Expect(merged.Exporters).To(HaveLen(len(single.Exporters)))
	for i, one := range single.Exporters {
		m := merged.Exporters[i]
		label := one.Workload + "/" + one.Name + " @ " + one.Backend
		Expect([]string{m.Workload, m.Name, m.Backend}).To(Equal([]string{one.Workload, one.Name, one.Backend}))
		Expect(m.Emitted).To(Equal(one.Emitted), "%s: the shards emitted what one run emits", label)
		if one.Signal != "metrics" {
			// Metrics items are data points: each shard writes series of its own, so their count differs.
			Expect(m.Sent).To(Equal(one.Sent), "%s: the same items", label)
		}
		Expect(m.Verified).To(Equal(m.Sent), "%s: every item read back", label)
		Expect([]int64{m.Lost, m.Duplicated, m.Altered}).To(Equal([]int64{0, 0, 0}), "%s: the shards' items never meet", label)
		Expect(m.Passed).To(Equal(one.Passed), label)
		Expect(m.ExportLatencyMs.Count).To(Equal(m.ExportCalls), "%s: every export call's latency merged", label)
	}
	Expect(merged.Passed).To(Equal(single.Passed))
	Expect(merged.ThresholdsPassed).To(Equal(single.ThresholdsPassed))
	Expect(merged.Thresholds).To(HaveLen(len(single.Thresholds)))
}

var _ = Describe("otelbench run --shard and merge", Label("docker", "e2e"), Ordered, func() {
	var (
		j         *jaeger.Jaeger
		vlogs, vm containers.Live
		scenario  string
		single    reports.Report
		singleOut string
	)
	BeforeAll(func(ctx SpecContext) {
		var err error
		j, err = jaeger.Run(ctx, startImage(ctx, "jaeger"), jaeger.Config{RunID: runID("shards-jaeger"), MaxTraces: 50_000})
		DeferCleanup(func(ctx context.Context) { _ = j.Terminate(ctx) })
		Expect(err).NotTo(HaveOccurred())
		vlogs, err = conformance.Started(victorialogs.Kind{})(ctx)
		DeferCleanup(func(ctx context.Context) { _ = vlogs.Terminate(ctx) })
		Expect(err).NotTo(HaveOccurred())
		vm, err = conformance.Started(victoriametrics.Kind{})(ctx)
		DeferCleanup(func(ctx context.Context) { _ = vm.Terminate(ctx) })
		Expect(err).NotTo(HaveOccurred())
		scenario = shardedScenario(j, vlogs, vm)
		singleOut = GinkgoT().TempDir()
		single = passed(ctx, otelbench("run", scenario, "--out", singleOut, "--run-id", runID("single")), singleOut)
	}, NodeTimeout(4*time.Minute))

	It("runs three shard processes and merges them into what one run reports", func(ctx SpecContext) {
		id, start := runID("shards"), time.Now().Add(4*time.Second).UTC().Format(time.RFC3339Nano)
		dirs := make([]string, 3)
		sessions := make([]*gexec.Session, 3)
		for i := range sessions {
			dirs[i] = GinkgoT().TempDir()
			sessions[i] = otelbench("run", scenario, "--shard", fmt.Sprintf("%d/3", i), "--run-id", id, "--start-at", start, "--out", dirs[i])
		}
		for i, s := range sessions {
			rep := passed(ctx, s, dirs[i])
			Expect(rep.Shard).NotTo(BeNil())
			Expect(rep.Shard.Index).To(Equal(i))
			Expect(rep.Shard.SkewMs).To(BeNumerically("<", 1000), "each shard started at the agreed time")
			Expect(filepath.Join(dirs[i], fmt.Sprintf("shard-%d-of-3.json", i))).To(BeAnExistingFile())
		}
		out := GinkgoT().TempDir()
		m := otelbench(append([]string{"merge", "--out", out}, dirs...)...)
		Eventually(m).WithContext(ctx).Should(gexec.Exit(0))
		merged := readReport(out)
		sameRun(merged, single, 3)
		Expect(string(m.Out.Contents())).To(ContainSubstring("merged from 3 of 3 shards"))

		By("refusing a merge with a shard missing, naming it")
		partial := otelbench("merge", dirs[0], dirs[2])
		Eventually(partial).WithContext(ctx).Should(gexec.Exit(2))
		Expect(string(partial.Err.Contents())).To(ContainSubstring("shard 1/3 of run " + id + " is missing"))

		By("comparing the merged report with the single run's, row by row")
		cmp := otelbench("compare", filepath.Join(singleOut, "report.json"), filepath.Join(out, "report.json"), "--tolerance", "100")
		Eventually(cmp).WithContext(ctx).Should(gexec.Exit(0))
		Expect(string(cmp.Out.Contents())).To(ContainSubstring("checkout/grpc"))
	}, SpecTimeout(4*time.Minute))

	It("collects the shards' artifacts from their logs (--print-artifact) and merges those", func(ctx SpecContext) {
		id, start := runID("shards-log"), time.Now().Add(4*time.Second).UTC().Format(time.RFC3339Nano)
		sessions := make([]*gexec.Session, 2)
		for i := range sessions {
			sessions[i] = otelbench("run", scenario, "--run-id", id, "--start-at", start, "--print-artifact", "--shard", fmt.Sprintf("%d/2", i))
		}
		var log strings.Builder
		for _, s := range sessions {
			Eventually(s).WithContext(ctx).Should(gexec.Exit(0))
			log.Write(s.Out.Contents())
		}
		logs := filepath.Join(GinkgoT().TempDir(), "shards.log")
		Expect(os.WriteFile(logs, []byte(log.String()), 0o644)).To(Succeed())
		out := GinkgoT().TempDir()
		m := otelbench("merge", logs, "--out", out)
		Eventually(m).WithContext(ctx).Should(gexec.Exit(0))
		sameRun(readReport(out), single, 2)
	}, SpecTimeout(3*time.Minute))
})
