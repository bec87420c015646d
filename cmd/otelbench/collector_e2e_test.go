package main_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/all"
	"github.com/otelbench/otelbench/containers/collector"
	"github.com/otelbench/otelbench/containers/prometheus"
	"github.com/otelbench/otelbench/reports"
)

// writeScenario writes content into a new folder, with the extra files given (name, content pairs), and returns
// the scenario's path.
func writeScenario(content string, files ...string) string {
	GinkgoHelper()
	dir := GinkgoT().TempDir()
	for i := 0; i+1 < len(files); i += 2 {
		Expect(os.WriteFile(filepath.Join(dir, files[i]), []byte(files[i+1]), 0o644)).To(Succeed())
	}
	path := filepath.Join(dir, "scenario.yaml")
	Expect(os.WriteFile(path, []byte(content), 0o644)).To(Succeed())
	return path
}

// failedWith runs to the end, expects the verification-failed exit code, and returns the report.
func failedWith(ctx SpecContext, s *gexec.Session, out string) reports.Report {
	GinkgoHelper()
	Eventually(s).WithContext(ctx).Should(gexec.Exit())
	Expect(s.ExitCode()).To(Equal(3), "exit code: verification failed")
	return readReport(out)
}

// startImage resolves the image a run would use for a backend type.
func startImage(ctx context.Context, backend string) string {
	GinkgoHelper()
	img, _ := all.ImageFor(backend)
	ref, err := containers.ResolveImage(ctx, img, containers.ImagesAuto)
	Expect(err).NotTo(HaveOccurred())
	return ref
}

var _ = Describe("otelbench's collector pipelines", Label("docker", "e2e"), func() {
	It("forwards spans of about 5 KB to Jaeger and Zipkin in batches each accepts", func(ctx SpecContext) {
		// The SDK sends 1024 spans of ~4.7 KB per request (about 4.8 MB, which the collector's OTLP/HTTP receiver
		// takes); a collector forwarding such a batch whole would exceed Jaeger's 4 MiB gRPC limit.
		path := writeScenario(`version: 1
name: large-spans
duration: 5s
verify: {timeout: 30s}
backends:
  - {name: jaeger, type: jaeger}
  - {name: zipkin, type: zipkin}
  - {name: gateway, type: collector, forward_to: [jaeger, zipkin]}
exporters:
  - {name: http, protocol: otlp-http, backend: gateway, batch_size: 1024, queue_size: 8192, batch_timeout: 1s}
workloads:
  - {name: checkout, signal: traces, exporters: [http], rate: 2000, trace: {spans: 5, attributes: 20, attribute_size: 200}}
`)
		out, id := GinkgoT().TempDir(), runID("large-spans")
		rep := passed(ctx, otelbench("run", path, "--out", out, "--run-id", id), out)
		Expect(rep.Exporters).To(HaveLen(2))
		for _, e := range rep.Exporters {
			Expect(e.Verified).To(Equal(e.Sent), e.Backend)
			Expect(e.Sent).To(BeNumerically(">=", 9000), e.Backend)
			Expect(e.BytesPerItem).To(BeNumerically(">", 4000), "spans of about 4.7 KB")
			Expect(e.Witness).To(HaveKeyWithValue("otelcol_exporter_sent_spans{exporter=otlp_grpc/jaeger}", BeNumerically(">=", 9000)))
			Expect(e.Witness["otelcol_exporter_send_failed_spans{exporter=otlp_grpc/jaeger}"]).To(BeZero())
			Expect(e.Witness["otelcol_exporter_send_failed_spans{exporter=zipkin}"]).To(BeZero())
		}
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(4*time.Minute))

	It("loads the collector configuration the scenario gives, and names the collector's failure when it cannot forward", func(ctx SpecContext) {
		// The user's configuration points the collector's Jaeger exporter at a port where nothing listens.
		path := writeScenario(`version: 1
name: broken-forward
duration: 3s
verify: {timeout: 10s}
backends:
  - {name: jaeger, type: jaeger}
  - {name: gateway, type: collector, forward_to: [jaeger], config: broken.yaml}
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: gateway, batch_timeout: 200ms}
workloads:
  - {name: checkout, signal: traces, exporters: [grpc], rate: 200, trace: {spans: 2}}
`, "broken.yaml", `exporters:
  otlp_grpc/jaeger:
    endpoint: 127.0.0.1:1
    retry_on_failure:
      enabled: false
`)
		out, id := GinkgoT().TempDir(), runID("broken-forward")
		s := otelbench("run", path, "--out", out, "--run-id", id)
		rep := failedWith(ctx, s, out)
		Expect(rep.Exporters).To(HaveLen(1))
		row := rep.Exporters[0]
		Expect(row.Verified).To(BeZero())
		Expect(row.DroppedInSDK).To(BeZero(), "the SDK delivered everything to the collector")
		Expect(row.Causes).To(ContainElement(SatisfyAll(
			MatchRegexp(`^collector "gateway" failed to forward [0-9,]+ spans to jaeger: `),
			ContainSubstring("connection refused"),
		)))
		Expect(s.Out).To(gbytes.Say(`cause: collector "gateway" failed to forward`))
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(3*time.Minute))

	It("delivers delta metrics to Prometheus with its delta feature, directly and through a collector with deltatocumulative",
		func(ctx SpecContext) {
			out, id := GinkgoT().TempDir(), runID("delta")
			rep := passed(ctx, otelbench("run", "../../scenarios/delta-temporality.yaml", "--out", out, "--run-id", id), out)
			Expect(rep.Exporters).To(HaveLen(3))
			backends := []string{}
			for _, e := range rep.Exporters {
				Expect(e.Verified).To(Equal(e.Sent))
				Expect(e.Sent).To(BeNumerically(">", 0))
				backends = append(backends, e.Backend)
			}
			Expect(backends).To(ConsistOf("prometheus", "collector", "collector->prometheus"))
			Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
		}, SpecTimeout(3*time.Minute))

	It("reports a Prometheus without the delta feature refusing delta metrics as the row's cause", func(ctx SpecContext) {
		pr, err := prometheus.Run(ctx, startImage(ctx, "prometheus"), prometheus.Config{RunID: runID("plain-prometheus")})
		DeferCleanup(func(ctx context.Context) { _ = pr.Terminate(ctx) })
		Expect(err).NotTo(HaveOccurred())
		path := writeScenario(fmt.Sprintf(`version: 1
name: delta-refused
duration: 3s
verify: {timeout: 5s}
backends:
  - {name: theirs, type: prometheus, external: {url: %q}}
exporters:
  - {name: delta, protocol: otlp-http, backend: theirs, temporality: delta}
workloads:
  - {name: inventory, signal: metrics, exporters: [delta], rate: 100, metrics: {instruments: [counter], series: 3}}
`, pr.URL()))
		out := GinkgoT().TempDir()
		rep := failedWith(ctx, otelbench("run", path, "--out", out), out)
		row := rep.Exporters[0]
		Expect(row.ExportFailedCalls).To(BeNumerically(">", 0))
		Expect(row.Causes).To(ContainElement(SatisfyAll(
			ContainSubstring("the exporter failed"), ContainSubstring("500"), ContainSubstring("invalid temporality and type combination"),
		)))
	}, SpecTimeout(3*time.Minute))

	It("runs twice against one external collector, each run reading back only its own logs and metrics", func(ctx SpecContext) {
		files := GinkgoT().TempDir()
		Expect(os.Chmod(files, 0o777)).To(Succeed()) // the collector runs as another user
		c, err := collector.Run(ctx, startImage(ctx, "collector"), collector.Config{RunID: runID("external-collector"), FilesDir: files})
		DeferCleanup(func(ctx context.Context) { _ = c.Terminate(ctx) })
		Expect(err).NotTo(HaveOccurred())
		path := writeScenario(fmt.Sprintf(`version: 1
name: external-collector
duration: 3s
verify: {timeout: 20s}
backends:
  - name: theirs
    type: collector
    external: {otlp_grpc: %q, otlp_http: %q, files_dir: %q, metrics_url: %q}
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: theirs, batch_timeout: 100ms}
  - {name: http, protocol: otlp-http, backend: theirs, batch_timeout: 100ms}
workloads:
  - {name: audit, signal: logs, exporters: [grpc, http], rate: 200}
  - {name: inventory, signal: metrics, exporters: [grpc], rate: 100, metrics: {series: 3}}
`, c.OTLPGRPCEndpoint(), c.OTLPHTTPEndpoint(), files, c.MetricsURL()))
		var runs []string
		for run := range 2 {
			out := GinkgoT().TempDir()
			rep := passed(ctx, otelbench("run", path, "--out", out), out)
			runs = append(runs, rep.RunID)
			Expect(rep.Exporters).To(HaveLen(3), "run %d", run+1)
			for _, e := range rep.Exporters {
				Expect(e.Verified).To(Equal(e.Sent), "run %d %s/%s", run+1, e.Workload, e.Name)
				Expect(e.Duplicated).To(BeZero(), "run %d %s/%s", run+1, e.Workload, e.Name)
			}
		}
		lines, err := os.ReadFile(filepath.Join(files, "logs.jsonl"))
		Expect(err).NotTo(HaveOccurred())
		for _, id := range runs {
			Expect(string(lines)).To(ContainSubstring(`{"stringValue":"`+id+`"}`), "both runs wrote into the same files")
		}
	}, SpecTimeout(4*time.Minute))
})
