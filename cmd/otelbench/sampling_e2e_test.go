package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
)

var _ = Describe("A sampled application", Label("docker", "e2e", "python"), func() {
	It("passes when the only missing traces were predicted not sampled, request by request, and checks parent-based sampling under unsampled and missing parents, and a collector's sampler in both its modes", func(ctx SpecContext) {
		out, id := GinkgoT().TempDir(), runID("sampled")
		s := otelbench("run", "../../scenarios/flask-sampled.yaml", "--out", out, "--run-id", id)
		rep := passed(ctx, s, out)
		Expect(rep.Exporters).To(HaveLen(4))
		for _, e := range rep.Exporters {
			sm := e.Sampling
			Expect(sm).NotTo(BeNil(), e.Name)
			Expect(e.App.Answered).To(BeNumerically("~", 800, 8), "40 requests/s for 20s")
			// Every request is classified, and each predicted outcome is what was observed: a request predicted
			// kept and missing would be lost, one predicted dropped and present unexpected.
			Expect(e.Lost).To(BeZero(), "%s: %v", e.Name, e.Problems)
			Expect(e.Altered).To(BeZero(), "%s: %v", e.Name, e.Problems)
			Expect(sm.Unexpected).To(BeZero(), "%s: %v", e.Name, e.Problems)
			Expect(e.Verified + e.NotSampled).To(Equal(e.App.Answered))
			Expect(sm.Rule).To(Equal("python"))
			switch e.Name {
			case "flask-ratio":
				Expect(sm.Sampler).To(Equal("traceidratio"))
				Expect(sm.Either).To(BeZero(), "every outcome predicted")
				Expect(e.Verified).To(Equal(sm.PredictedKept))
				Expect(e.NotSampled).To(Equal(sm.PredictedDropped))
				// Half of 800 trace IDs: 4.5 standard deviations of a binomial(800, 0.5) are 64.
				Expect(e.NotSampled).To(BeNumerically("~", 400, 64))
				Expect(sm.ObservedRatio).To(Equal(sm.ExpectedRatio))
			case "flask-parent":
				Expect(sm.Sampler).To(Equal("parentbased_traceidratio"))
				Expect(sm.UnsampledParent).To(BeNumerically("~", 200, 60), "a quarter of the requests under an unsampled parent")
				Expect(sm.NoParent).To(BeNumerically("~", 200, 60), "a quarter without a traceparent")
				Expect(sm.SampledParent + sm.UnsampledParent + sm.NoParent).To(Equal(e.App.Answered))
				Expect(sm.PredictedKept).To(Equal(sm.SampledParent), "a sampled parent's trace is kept whatever the ratio")
				Expect(sm.PredictedDropped).To(Equal(sm.UnsampledParent), "an unsampled parent's is dropped")
				Expect(sm.Violations).To(BeZero())
				Expect(sm.Either).To(Equal(sm.NoParent), "the app's root sampler decides on trace IDs it chose")
				Expect(sm.Check).NotTo(BeNil())
				Expect(sm.Check.Total).To(Equal(sm.NoParent))
				Expect(sm.Check.Consistent).To(BeTrue(), "%+v", sm.Check)
				Expect(sm.Check.Lo).To(BeNumerically("<", 0.25))
				Expect(sm.Check.Hi).To(BeNumerically(">", 0.25))
			case "flask-exact":
				// The collector's proportional mode decides by the trace ID's randomness: predicted one by one.
				Expect(sm.Downstream).To(Equal("collector probabilistic_sampler 0.5 (proportional)"))
				Expect(sm.Either).To(BeZero())
				Expect(e.Verified).To(Equal(sm.PredictedKept))
				Expect(e.NotSampled).To(Equal(sm.PredictedDropped))
				Expect(e.NotSampled).To(BeNumerically("~", 400, 64))
			case "flask-hashed":
				// Its hash_seed mode is not predicted: every request is decided by the ratio alone.
				Expect(sm.Downstream).To(Equal("collector probabilistic_sampler 0.5 (hash_seed)"))
				Expect(sm.Either).To(Equal(e.App.Answered))
				Expect(sm.Check).NotTo(BeNil())
				Expect(sm.Check.Total).To(Equal(e.App.Answered))
				Expect(sm.Check.Consistent).To(BeTrue(), "%+v", sm.Check)
			default:
				Fail("unexpected row " + e.Name)
			}
		}
		Expect(rep.Thresholds).To(ContainElement(And(HaveField("Expr", "sampled_ratio between 0.4 and 0.6"), HaveField("Exporter", "flask-ratio"), HaveField("Passed", true))))
		Expect(s.Out).To(gbytes.Say("not sampled"))
		for file, says := range map[string]string{"report.md": "Sampling (expected vs kept", "junit.xml": "not sampled as expected", "report.txt": "traceidratio 0.5 (python rule)"} {
			b, err := os.ReadFile(filepath.Join(out, file))
			Expect(err).NotTo(HaveOccurred())
			Expect(string(b)).To(ContainSubstring(says), file)
		}
		expectRenders(ctx, filepath.Join(out, "report.html"))
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(5*time.Minute))

	It("still fails by cause when the exporter is broken: the traces predicted kept are lost, those predicted dropped not sampled", func(ctx SpecContext) {
		flask, err := filepath.Abs("../../scenarios/apps/flask")
		Expect(err).NotTo(HaveOccurred())
		path := writeScenario(strings.ReplaceAll(`version: 1
name: sampled-nowhere
duration: 5s
verify: {timeout: 10s}
backends:
  - {name: jaeger, type: jaeger}
apps:
  - name: nowhere
    dir: FLASK
    python: requirements.txt
    command: [python, app.py]
    env: {INSTRUMENT: code, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://127.0.0.1:9/v1/traces"}
    ready: {path: /healthz}
    traces: {backend: jaeger}
    sampling: {sampler: traceidratio, ratio: 0.5}
workloads:
  - {name: load, app: nowhere, rate: 40, requests: [{path: /hello}]}
`, "FLASK", flask))
		out := GinkgoT().TempDir()
		s := otelbench("run", path, "--out", out, "--run-id", runID("sampled-nowhere"))
		rep := failedWith(ctx, s, out)
		Expect(rep.Exporters).To(HaveLen(1))
		e := rep.Exporters[0]
		sm := e.Sampling
		Expect(sm).NotTo(BeNil())
		Expect(e.Passed).To(BeFalse())
		Expect(e.Lost).To(Equal(sm.PredictedKept), "every trace predicted kept is lost")
		Expect(e.Lost).To(BeNumerically(">", 0))
		Expect(e.NotSampled).To(Equal(sm.PredictedDropped), "and every one predicted dropped is not sampled, not lost")
		Expect(e.LostByCause).To(Equal(map[string]int64{"never_readable": e.Lost}))
		Expect(e.Causes).To(ContainElement(ContainSubstring("sampler traceidratio 0.5 (python rule) was expected to keep each of them")))
		Expect(e.Causes).To(ContainElement(ContainSubstring("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:9/v1/traces")))
	}, SpecTimeout(4*time.Minute))
})

var _ = Describe("A traces workload with sampling", Label("docker", "e2e"), func() {
	It("samples in otelbench's SDK (and direct pipeline) as an application would: the traces dropped are not sampled, the others verified", func(ctx SpecContext) {
		path := writeScenario(`version: 1
name: sdk-sampled
duration: 5s
verify: {timeout: 20s}
backends:
  - {name: jaeger, type: jaeger}
  - {name: sink, type: sink}
exporters:
  - {name: sdk, protocol: otlp-grpc, backend: jaeger}
  - {name: direct, protocol: otlp-http, backend: sink, pipeline: direct}
workloads:
  - {name: checkout, signal: traces, rate: 2000, exporters: [sdk, direct], trace: {spans: 4}, sampling: {ratio: 0.25}}
thresholds:
  - expr: "sampled_ratio between 0.2 and 0.3"
`)
		out, id := GinkgoT().TempDir(), runID("sdk-sampled")
		s := otelbench("run", path, "--out", out, "--run-id", id)
		rep := passed(ctx, s, out)
		Expect(rep.Exporters).To(HaveLen(2))
		for _, e := range rep.Exporters {
			sm := e.Sampling
			Expect(sm).NotTo(BeNil(), e.Name)
			Expect(e.Verified).To(Equal(e.Sent), "%s: %v", e.Name, e.Problems)
			Expect(e.Lost).To(BeZero())
			Expect(e.Sent+e.NotSampled).To(Equal(e.Emitted), "every span emitted is sent or not sampled")
			Expect(e.NotSampled).To(Equal(4*sm.PredictedDropped), "the SDK dropped exactly the traces the Go rule predicted")
			Expect(sm.Unexpected).To(BeZero())
			// 2500 traces at 0.25: 4.5 standard deviations of the binomial are about 97 traces.
			Expect(sm.PredictedKept).To(BeNumerically("~", 625, 97))
		}
		Expect(rep.Thresholds).To(HaveLen(2))
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(3*time.Minute))
})
