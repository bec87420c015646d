package main

// In-process specs of otelbench traces|metrics|logs that start nothing: flag errors, and the scenario
// --print-scenario writes (package main, so that they run the command tree as main does, without a binary).

import (
	"bytes"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/containers/prometheus"
	"github.com/otelbench/otelbench/scenarios"
)

// signalCLI runs otelbench with args in-process and returns its exit code, stdout and stderr.
func signalCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// printed runs args with --print-scenario, expects exit 0, and returns the scenario it wrote, loaded as a file is.
func printed(args ...string) (*scenarios.Scenario, string) {
	GinkgoHelper()
	code, out, errOut := signalCLI(append(args, "--print-scenario")...)
	Expect(code).To(Equal(exitPassed), errOut)
	sc, err := scenarios.Parse("printed.yaml", []byte(out))
	Expect(err).NotTo(HaveOccurred(), out)
	return sc, out
}

// validates writes text to a file and expects otelbench validate to accept it.
func validates(text string) {
	GinkgoHelper()
	path := filepath.Join(GinkgoT().TempDir(), "printed.yaml")
	Expect(os.WriteFile(path, []byte(text), 0o644)).To(Succeed())
	code, out, errOut := signalCLI("validate", path)
	Expect(code).To(Equal(exitPassed), errOut)
	Expect(out).To(ContainSubstring(path + ": ok"))
}

var _ = Describe("otelbench traces, metrics and logs", func() {
	const jaegerOTLP, jaegerQuery = "127.0.0.1:4317", "http://127.0.0.1:16686"

	DescribeTable("refuse bad flags with exit 2, naming the flag and what is expected, before anything starts",
		func(args []string, want ...string) {
			code, out, errOut := signalCLI(append(args, "--run-id", "spec-signal-flags")...)
			Expect(code).To(Equal(exitUsage), errOut)
			Expect(out).To(BeEmpty(), "nothing ran, nothing was printed")
			for _, w := range want {
				Expect(errOut).To(ContainSubstring(w))
			}
			Expect(errOut).NotTo(ContainSubstring("s3cret"), "a header value is never shown")
		},
		Entry("a rate of 0", []string{"traces", "--rate", "0"}, "--rate 0: expected traces per second per worker, above 0"),
		Entry("a rate above what one exporter sends, after the arithmetic", []string{"traces", "--rate", "1000000", "--child-spans", "4", "--workers", "2"},
			"--rate 1000000: 1000000 traces/s x 5 spans per trace x 2 workers = 10000000 spans/s is more than otelbench sends through one exporter"),
		Entry("a duration that does not parse", []string{"logs", "--duration", "soon"}, `invalid argument "soon" for "--duration" flag`),
		Entry("a duration of 0", []string{"metrics", "--duration", "0s"}, "--duration 0s: expected how long to send, above 0"),
		Entry("more workers than SDK pipelines", []string{"traces", "--workers", "65"}, "--workers 65: expected at most 64"),
		Entry("a header without =", []string{"traces", "--otlp-endpoint", jaegerOTLP, "--backend-url", jaegerQuery, "--otlp-header", "authorization: Bearer s3cret"},
			`--otlp-header: an argument without a name=`, `expected key="value" or key=value`),
		Entry("a header value HTTP cannot carry, at the flag, its value never shown",
			[]string{"traces", "--otlp-endpoint", jaegerOTLP, "--backend-url", jaegerQuery, "--otlp-header", "authorization=\"Bearer s3cret\n\""},
			"--otlp-header: the value of header authorization has a control character at byte 13"),
		Entry("a header to a backend otelbench starts", []string{"logs", "--otlp-header", "x-tenant=a"}, "--otlp-header: applies to a backend already running"),
		Entry("an unknown backend type", []string{"traces", "--backend", "tempo"}, `--backend "tempo": expected jaeger or zipkin for traces`),
		Entry("a backend of another signal", []string{"logs", "--backend", "prometheus"}, `--backend "prometheus": expected collector or victorialogs for logs`),
		Entry("an unknown metric type", []string{"metrics", "--metric-type", "Gauge,Summary"}, `--metric-type "Summary": expected Gauge, Sum or Histogram`),
		Entry("an unknown severity", []string{"logs", "--severity-text", "loud"}, `--severity-text "loud": expected one of trace, debug, info, warn, error, fatal`),
		Entry("an OTLP endpoint for Prometheus, which receives at its URL", []string{"metrics", "--backend", "prometheus", "--otlp-endpoint", "127.0.0.1:4318"},
			"--otlp-endpoint: a prometheus backend receives at its OTLP receiver (/api/v1/otlp/v1/metrics) under its base URL; expected --backend-url URL instead"),
		Entry("an endpoint with a scheme", []string{"traces", "--otlp-endpoint", "http://127.0.0.1:4317", "--backend-url", jaegerQuery}, `--otlp-endpoint "http://127.0.0.1:4317": expected host:port without a scheme`),
		Entry("an external Jaeger without its query service", []string{"traces", "--otlp-endpoint", jaegerOTLP}, "--backend-url: an external jaeger needs its query service's URL"),
		Entry("an external Jaeger without its OTLP receiver", []string{"traces", "--backend-url", jaegerQuery}, "--otlp-endpoint: an external jaeger needs its OTLP receiver"),
		Entry("an external collector without its files", []string{"logs", "--otlp-endpoint", jaegerOTLP}, "--files-dir: an external collector needs the folder its file exporters write logs*.jsonl into"),
		Entry("a files folder that does not exist, found by the loader and reported at the flag",
			[]string{"metrics", "--backend", "collector", "--otlp-endpoint", "127.0.0.1:4317", "--otlp-insecure", "--files-dir", "/no/such/folder"},
			`--files-dir: folder "/no/such/folder" does not exist`),
		Entry("TLS files with --otlp-insecure", []string{"traces", "--otlp-endpoint", jaegerOTLP, "--backend-url", jaegerQuery, "--otlp-insecure", "--ca-cert", "signals_test.go"},
			"--ca-cert: TLS settings, but --otlp-insecure turns TLS off"),
		Entry("a bad threshold, found by the loader and reported at the flag", []string{"traces", "--threshold", "lost ==== 0"}, `--threshold: at column 8 of "lost ==== 0"`),
		Entry("a service name the scenario format refuses", []string{"traces", "--service", "Checkout Service"}, `--service: name "Checkout Service" is not valid`),
		Entry("gzip on the Zipkin exporter", []string{"traces", "--backend", "zipkin", "--compression", "gzip"}, "--compression: the zipkin exporter has no compression"),
		Entry("delta into VictoriaMetrics", []string{"metrics", "--backend", "victoriametrics", "--backend-url", "http://127.0.0.1:8428", "--aggregation-temporality", "delta"},
			"--aggregation-temporality: exporter \"otlp-http\" sends delta temporality"),
		Entry("telemetrygen's count of traces", []string{"traces", "--traces", "100"}, "--traces is telemetrygen's, and otelbench has no equivalent", "use --duration"),
		Entry("telemetrygen's resource attributes", []string{"logs", "--otlp-attributes", `k="v"`}, "--otlp-attributes is telemetrygen's", "use --attributes N --attribute-size B"),
		Entry("telemetrygen's boolean flag without a value", []string{"traces", "--marshal"}, "--marshal is telemetrygen's"),
		Entry("an argument", []string{"metrics", "scenario.yaml"}, `metrics takes flags only, got the argument "scenario.yaml"`),
		Entry("a bad image policy", []string{"traces", "--images", "newest"}, `--images "newest": expected auto, official or local`),
	)

	It("prints a traces scenario that carries telemetrygen's arithmetic: rate x spans per trace x workers", func() {
		sc, text := printed("traces", "--rate", "100", "--child-spans", "2", "--workers", "3", "--duration", "5s", "--batch-timeout", "200ms", "--threshold", "lost == 0")
		Expect(sc.Name).To(Equal("traces"))
		Expect(time.Duration(sc.Duration)).To(Equal(5 * time.Second))
		Expect(sc.Backends).To(HaveLen(1))
		Expect(sc.Backends[0].Type).To(Equal("jaeger"))
		Expect(sc.Backends[0].IsExternal()).To(BeFalse(), "without an endpoint, otelbench starts the backend")
		w := sc.Workloads[0]
		Expect(w.Name).To(Equal("otelbench"), "--service's default names the workload")
		Expect(w.Rate).To(Equal(900.0), "100 traces/s x 3 spans x 3 workers")
		Expect([]int{w.Trace.Spans, w.Trace.Depth}).To(Equal([]int{3, 2}), "a root and its children, as telemetrygen's")
		e := sc.Exporters[0]
		Expect([]any{e.Protocol, e.Instances, time.Duration(e.BatchTimeout)}).To(Equal([]any{"otlp-grpc", 3, 200 * time.Millisecond}))
		Expect(sc.Thresholds).To(ConsistOf(HaveField("Expr", "lost == 0")))
		Expect(text).To(ContainSubstring("# 100 traces/s x 3 spans per trace x 3 workers = 900 spans/s"))
		validates(text)
	})

	It("prints a metrics scenario with telemetrygen's metric types as otelbench's instruments, over OTLP/HTTP", func() {
		sc, text := printed("metrics", "--rate", "50", "--workers", "2", "--metric-type", "Gauge,Sum", "--metric-type", "histogram", "--otlp-http=false")
		w := sc.Workloads[0]
		Expect(w.Rate).To(Equal(100.0), "50 measurements/s x 2 workers")
		Expect(w.Metrics.Instruments).To(Equal([]string{"gauge", "counter", "histogram"}))
		Expect(sc.Exporters[0].Protocol).To(Equal("otlp-http"), "Prometheus takes OTLP/HTTP only")
		Expect(sc.Backends[0].Type).To(Equal("prometheus"))
		validates(text)
	})

	It("prints delta metrics into a Prometheus it starts with what makes Prometheus take delta", func() {
		sc, text := printed("metrics", "--aggregation-temporality", "delta")
		Expect(sc.Exporters[0].Temporality).To(Equal("delta"))
		Expect(prometheus.HasFeature(sc.Backends[0].Args, prometheus.DeltaFeature)).To(BeTrue(), text)
		validates(text)
	})

	It("prints a logs scenario for a VictoriaLogs already running, its severity in otelbench's words", func() {
		sc, text := printed("logs", "--backend", "victorialogs", "--backend-url", "http://127.0.0.1:9428", "--severity-text", "WARN", "--service", "audit", "--name", "audit-logs")
		Expect(sc.Name).To(Equal("audit-logs"))
		Expect(sc.Workloads[0].Name).To(Equal("audit"))
		Expect(sc.Workloads[0].Logs.Severity).To(Equal("warn"))
		b := sc.Backends[0]
		Expect([]string{b.Type, b.External.URL}).To(Equal([]string{"victorialogs", "http://127.0.0.1:9428"}))
		Expect(b.External.TLS.On()).To(BeFalse(), "an http:// URL: plaintext")
		validates(text)
	})

	It("never prints a header value: the file names the environment variable to set, the run carries the value", func() {
		args := []string{"traces", "--otlp-endpoint", jaegerOTLP, "--backend-url", jaegerQuery, "--otlp-header", `authorization="Bearer s3cret"`, "--otlp-header", "x-scope-orgid=tenant-a"}
		code, out, errOut := signalCLI(append(args, "--print-scenario")...)
		Expect(code).To(Equal(exitPassed), errOut)
		Expect(out + errOut).NotTo(ContainSubstring("s3cret"))
		Expect(out).To(ContainSubstring(`# set OTELBENCH_HEADER_AUTHORIZATION to the value of header authorization`))
		Expect(out).To(ContainSubstring(`"authorization": "${OTELBENCH_HEADER_AUTHORIZATION}"`))
		Expect(out).To(ContainSubstring(`"x-scope-orgid": "${OTELBENCH_HEADER_X_SCOPE_ORGID}"`))

		GinkgoT().Setenv("OTELBENCH_HEADER_AUTHORIZATION", "Bearer from-env")
		GinkgoT().Setenv("OTELBENCH_HEADER_X_SCOPE_ORGID", "tenant-a")
		sc, err := scenarios.Parse("printed.yaml", []byte(out))
		Expect(err).NotTo(HaveOccurred())
		e := sc.Backends[0].External
		Expect(e.Headers).To(Equal(map[string]string{"authorization": "Bearer from-env", "x-scope-orgid": "tenant-a"}))
		Expect(e.TLS).To(Equal(scenarios.TLS{Enabled: true}), "without --otlp-insecure, TLS, as telemetrygen")
		Expect([]string{e.OTLPGRPC, e.URL}).To(Equal([]string{jaegerOTLP, jaegerQuery}))
		validates(out)
	})

	It("writes paths absolute and a $ as a literal $", func() {
		dir := filepath.Join(GinkgoT().TempDir(), "files$HOME")
		Expect(os.Mkdir(dir, 0o755)).To(Succeed())
		sc, text := printed("logs", "--otlp-endpoint", "127.0.0.1:4317", "--otlp-http", "--otlp-insecure", "--files-dir", dir)
		e := sc.Backends[0].External
		Expect([]string{e.OTLPHTTP, e.FilesDir}).To(Equal([]string{"127.0.0.1:4317", dir}))
		Expect(e.TLS.On()).To(BeFalse(), "--otlp-insecure: plaintext")
		validates(text)

		sc, _ = printed("logs", "--otlp-endpoint", "127.0.0.1:4317", "--otlp-insecure", "--files-dir", "testdata")
		abs, err := filepath.Abs("testdata")
		Expect(err).NotTo(HaveOccurred())
		Expect(sc.Backends[0].External.FilesDir).To(Equal(abs), "a relative folder, absolute in the file: it can move")
	})
})
