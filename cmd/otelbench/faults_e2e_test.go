package main_test

import (
	"context"
	"time"

	"github.com/moby/moby/client"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
	"github.com/testcontainers/testcontainers-go"

	"github.com/otelbench/otelbench/reports"
)

var _ = Describe("faults on a schedule", Label("docker", "e2e"), func() {
	It("pauses Prometheus mid-run: the timeline says when, and the pause shows as export latency, not as loss", func(ctx SpecContext) {
		out, id := GinkgoT().TempDir(), runID("fault-pause")
		s := otelbench("run", "../../scenarios/faults-prometheus-pause.yaml", "--out", out, "--run-id", id)
		rep := passed(ctx, s, out)
		Expect(s.Out).To(gbytes.Say("faults"))
		Expect(rep.Faults).To(HaveLen(2))
		pause, unpause := rep.Faults[0], rep.Faults[1]
		Expect(pause.Action).To(Equal("pause"))
		Expect(unpause.Action).To(Equal("unpause"))
		Expect(pause.Backend).To(Equal("prometheus"))
		Expect(pause.StartedS).To(BeNumerically("~", 5, 0.5), "on schedule, from the start of sending")
		Expect(unpause.StartedS).To(BeNumerically("~", 10, 0.5))
		Expect(pause.Error + unpause.Error).To(BeEmpty())
		for _, e := range rep.Exporters {
			Expect(e.Lost).To(BeZero(), e.Name)
			Expect(e.Verified).To(Equal(e.Sent), e.Name)
		}
		push := rep.Exporters[1]
		Expect(push.Name).To(Equal("push"))
		Expect(push.ExportLatencyMs.Max).To(BeNumerically(">=", 2000), "an export during the pause hangs until Prometheus thaws")
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(3*time.Minute))

	It("stops the collector for 3 s: an exporter retrying long enough delivers every record, one without retry loses what it sent meanwhile, by cause", func(ctx SpecContext) {
		out, id := GinkgoT().TempDir(), runID("fault-down")
		rep := failedWith(ctx, otelbench("run", "../../scenarios/faults-collector-down.yaml", "--out", out, "--run-id", id), out)
		Expect(rep.Faults).To(HaveLen(2))
		Expect([]string{rep.Faults[0].Action, rep.Faults[1].Action}).To(Equal([]string{"stop", "start"}))
		Expect(rep.Faults[1].StartedS - rep.Faults[0].StartedS).To(BeNumerically("~", 3, 0.5))
		Expect(rep.Exporters).To(HaveLen(3))
		sdk, fast, off := rep.Exporters[0], rep.Exporters[1], rep.Exporters[2]
		Expect([]string{sdk.Name, fast.Name, off.Name}).To(Equal([]string{"sdk-retry", "fast-retry", "no-retry"}))
		Expect(fast.Passed).To(BeTrue(), "causes: %v", fast.Causes)
		Expect(fast.Verified).To(Equal(fast.Sent), "retried until the collector was back: every record read back from its files")
		Expect(off.Passed).To(BeFalse())
		Expect(off.Lost).To(BeNumerically(">=", 300), "at 200 records/s, at least 1.5 s of the 3 s outage")
		Expect(off.Lost).To(BeNumerically("<=", 1600), "no more than the outage and the reconnection after it")
		Expect(off.LostByCause).To(HaveKeyWithValue("export_failed", off.Lost), "every lost record is in an export that failed")
		Expect(off.Verified + off.Lost).To(Equal(off.Sent))
		Expect(off.Faults).NotTo(BeNil())
		Expect(off.Faults.FailedItems).To(Equal(off.Lost), "every record it lost was in a call that failed during the fault or before it recovered")
		Expect(off.Faults.RecoveryS).To(BeNumerically(">=", 0), "it recovered before the run ended")
		Expect(fast.Faults.FailedCalls).To(BeZero(), "its retries are inside its calls: none failed")
		// The SDK's default may or may not retry in time (its first wait is jittered around 5 s, within a 10 s
		// export timeout): whatever it lost, it lost in exports that failed, and nothing else went missing.
		Expect(sdk.Verified + sdk.Lost).To(Equal(sdk.Sent))
		if sdk.Lost > 0 {
			Expect(sdk.LostByCause).To(HaveKeyWithValue("export_failed", sdk.Lost))
		}
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(3*time.Minute))

	It("restarts two collectors while their backend is down: the persistent sending queue loses nothing, item by item; the one in memory loses what it held, and its collector says so", func(ctx SpecContext) {
		out, id := GinkgoT().TempDir(), runID("fault-restart")
		rep := failedWith(ctx, otelbench("run", "../../scenarios/faults-collector-restart.yaml", "--out", out, "--run-id", id), out)
		Expect(rep.Faults).To(HaveLen(4))
		for _, f := range rep.Faults {
			Expect(f.Error).To(BeEmpty(), "%s %s", f.Action, f.Backend)
		}
		rows := rowsOf(rep)
		Expect(rows).To(HaveLen(4))
		for _, k := range []string{"to-memory-queue@memory-queue", "to-disk-queue@disk-queue"} {
			Expect(rows[k].Verified).To(Equal(rows[k].Sent), "%s: the SDK retried across the restart; every record is in the collector's files", k)
		}
		disk := rows["to-disk-queue@disk-queue->vlogs"]
		Expect(disk.Passed).To(BeTrue(), "causes: %v", disk.Causes)
		Expect(disk.Sent).To(BeNumerically(">=", 3000))
		Expect(disk.Verified).To(Equal(disk.Sent), "every record read back from VictoriaLogs")
		Expect(disk.Lost + disk.Duplicated + disk.Altered).To(BeZero())

		memory := rows["to-memory-queue@memory-queue->vlogs"]
		Expect(memory.Passed).To(BeFalse())
		Expect(memory.Lost).To(BeNumerically(">=", 200), "at 200 records/s, what the queue gathered in the 3 s between the backend's stop and the restart")
		Expect(memory.Verified + memory.Lost).To(Equal(memory.Sent))
		Expect(memory.LostByCause).To(HaveKeyWithValue("dropped_by_collector", memory.Lost), "the collector's log accounts for every lost record")
		Expect(memory.Causes).To(ContainElement(ContainSubstring(`collector "memory-queue" dropped`)))
		Expect(*memory.Faults.LostDuring + *memory.Faults.LostOutside).To(Equal(memory.Lost))
		Expect(memory.Faults.LostDuringByCause).To(Equal(map[string]int64{"after_export": *memory.Faults.LostDuring}),
			"item by item: the SDK delivered every lost record; the collector lost them after")
		for _, row := range []reports.Exporter{memory, disk} {
			Expect(row.CollectorQueueMax).NotTo(BeNil())
			Expect(*row.CollectorQueueMax).To(BeNumerically(">", 0), "%s: the queue filled while VictoriaLogs was away", row.Backend)
			Expect(*row.ExportRetries).To(BeNumerically(">", 0), "%s: the SDK retried while its collector restarted", row.Name)
		}
		Expect(rep.Thresholds).To(HaveEach(HaveField("Passed", BeTrue())), "lost == 0 on the persistent queue, never_readable == 0 everywhere")
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(4*time.Minute))

	It("stops Jaeger for 10 s: gRPC with retry loses least; HTTP does not retry a refused connection; what Jaeger's memory store forgot is erased, not lost", func(ctx SpecContext) {
		out, id := GinkgoT().TempDir(), runID("fault-jaeger")
		rep := failedWith(ctx, otelbench("run", "../../scenarios/faults-jaeger-down.yaml", "--out", out, "--run-id", id), out)
		Expect(rep.Faults).To(HaveLen(2))
		Expect(rep.Faults[1].StartedS - rep.Faults[0].StartedS).To(BeNumerically("~", 10, 0.5))
		rows := rowsOf(rep)
		for _, e := range rep.Exporters {
			Expect(e.Verified+e.Lost+e.Erased).To(Equal(e.Sent), "%s: every span verified, lost or erased", e.Name)
			Expect(e.Duplicated + e.Altered).To(BeZero())
			if e.Lost > 0 {
				Expect(e.LostByCause["never_readable"]).To(BeZero(), "%s: every lost span was in a failed export or dropped in the SDK", e.Name)
			}
		}
		grpcRetry, grpcOff, httpRetry, httpOff := rows["grpc-retry@jaeger"], rows["grpc-no-retry@jaeger"], rows["http-retry@jaeger"], rows["http-no-retry@jaeger"]
		Expect(grpcOff.Lost).To(BeNumerically(">=", 200), "at 40 spans/s, at least half the outage")
		Expect(grpcRetry.Lost).To(BeNumerically("<", grpcOff.Lost/2), "retrying in the export carried most of the outage")
		Expect(grpcRetry.Verified).To(BeNumerically(">", grpcOff.Verified))
		Expect(*grpcRetry.HeldInSDKMax).To(BeNumerically(">=", 200), "its queue held the outage while its export retried")
		Expect(*grpcRetry.Faults.Retries).To(BeNumerically(">", 0), "the SDK retried while Jaeger was down")
		Expect(*grpcOff.Faults.Retries).To(BeZero())
		Expect(*httpRetry.Faults.Retries).To(BeZero(), "a refused connection is not retried over HTTP")
		for _, e := range rows {
			Expect(*e.Faults.ReadableS).To(BeNumerically(">=", 0), "%s: spans sent into the outage were read back after it", e.Name)
		}
		Expect(*grpcRetry.HeldInSDKMax).To(BeNumerically(">", 5**grpcOff.HeldInSDKMax), "without retry, exports fail at once and nothing piles up")
		// otlptracehttp retries a response (429, 502, 503, 504) or a temporary network error, and a refused
		// connection is neither: with Jaeger gone, retry on or off loses alike.
		Expect(httpRetry.Lost).To(BeNumerically(">=", 200))
		Expect(httpOff.Lost).To(BeNumerically(">=", 200))
		Expect(httpRetry.LostByCause).To(HaveKeyWithValue("export_failed", httpRetry.Lost))
		for _, e := range []reports.Exporter{grpcOff, httpRetry, httpOff} {
			f := e.Faults
			Expect(f.LostDuring).NotTo(BeNil())
			Expect(*f.LostDuring+*f.LostOutside).To(Equal(e.Lost), e.Name)
			Expect(*f.LostOutside).To(BeNumerically("<=", e.Lost/10), "%s: outside the window only what was due just before the stop and exported after it", e.Name)
			Expect(f.LostDuringByCause).To(Equal(map[string]int64{"export_failed": *f.LostDuring}), "%s: item by item, every span lost in the window was in a failed export", e.Name)
		}
		Expect(rep.Thresholds).To(HaveEach(HaveField("Passed", BeTrue())))
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(4*time.Minute))

	It("ends the run with a clear error and the report of what was measured when a fault cannot be carried out", func(ctx SpecContext) {
		out, id := GinkgoT().TempDir(), runID("fault-gone")
		scenario := writeScenario(`version: 1
name: fault-gone
duration: 20s
backends:
  - {name: prometheus, type: prometheus}
exporters:
  - {name: push, protocol: otlp-http, backend: prometheus, export_interval: 1s}
workloads:
  - {name: usage, signal: metrics, exporters: [push], rate: 100}
faults:
  - {action: pause, backend: prometheus, at: 8s, for: 2s}
`)
		s := otelbench("run", scenario, "--out", out, "--run-id", id)
		// Someone removes the container once sending began, before the fault is due: the pause finds nothing.
		Eventually(s.Err).WithContext(ctx).Should(gbytes.Say("send and verify"))
		var ids []string
		Eventually(func(ctx context.Context) ([]string, error) {
			var err error
			ids, err = leftovers(id)(ctx)
			return ids, err
		}).WithContext(ctx).Should(HaveLen(1))
		cli, err := testcontainers.NewDockerClientWithOpts(ctx)
		Expect(err).NotTo(HaveOccurred())
		defer cli.Close()
		_, err = cli.ContainerRemove(ctx, ids[0], client.ContainerRemoveOptions{Force: true})
		Expect(err).NotTo(HaveOccurred())

		Eventually(s).WithContext(ctx).Should(gexec.Exit(1))
		Expect(s.Err).To(gbytes.Say(`fault pause of backend prometheus at 8s \(faults\[0\]\)`))
		rep := readReport(out)
		Expect(rep.Passed).To(BeFalse())
		Expect(rep.Faults).To(HaveLen(1))
		Expect(rep.Faults[0].Error).NotTo(BeEmpty())
		Expect(rep.Exporters).To(HaveLen(1), "the row of what was measured until then")
		Expect(rep.Exporters[0].Sent).To(BeNumerically(">", 0))
		Expect(rep.Exporters[0].Sent).To(BeNumerically("<", 2000), "sending stopped at the fault, not at the end")
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(3*time.Minute))
})

// rowsOf is the report's rows by exporter@backend path.
func rowsOf(rep reports.Report) map[string]reports.Exporter {
	rows := map[string]reports.Exporter{}
	for _, e := range rep.Exporters {
		rows[e.Name+"@"+e.Backend] = e
	}
	return rows
}
