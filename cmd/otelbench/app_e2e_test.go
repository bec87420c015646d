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

var _ = Describe("An application under test", Label("docker", "e2e", "python"), func() {
	It("is the shipped Flask example: every request's server span read back from Jaeger and through the collector, its request count from Prometheus", func(ctx SpecContext) {
		out, id := GinkgoT().TempDir(), runID("flask")
		s := otelbench("run", "../../scenarios/flask-app.yaml", "--out", out, "--run-id", id)
		rep := passed(ctx, s, out)
		Expect(s.Out).To(gbytes.Say("applications under test"))
		paths := map[string]bool{}
		for _, e := range rep.Exporters {
			paths[e.Name+" "+e.Signal+" @ "+e.Backend] = true
			Expect(e.App).NotTo(BeNil())
			Expect(e.App.Requests).To(BeNumerically("~", 800, 8), "40 requests/s for 20s")
			Expect(e.App.Answered).To(Equal(e.App.Requests))
			Expect(e.App.Failed).To(BeZero())
			Expect(e.App.Statuses).To(HaveKey("201"), "the checkout requests")
			Expect(e.App.Statuses).To(HaveKey("404"), "the missing-item requests, answered as the scenario expects")
			Expect(e.Verified).To(Equal(e.Sent), "%s %s @ %s: %v", e.Name, e.Signal, e.Backend, e.Problems)
			switch e.Signal {
			case "logs":
				Expect(e.Sent).To(Equal(e.App.Statuses["201"]), "each checkout logs one record with its request's trace ID")
			default:
				Expect(e.Sent).To(Equal(e.App.Answered))
			}
			switch e.Signal {
			case "traces":
				Expect(e.App.SpansBelow).To(Equal(e.App.Statuses["201"]), "one charge-card span below each checkout's server span")
				Expect(e.App.Semconv).To(Equal("old"))
				Expect(e.App.Attributes).To(HaveKey("http.route"))
			case "metrics":
				Expect(e.App.Counted).To(BeEquivalentTo(e.App.Answered))
			}
		}
		Expect(paths).To(Equal(map[string]bool{
			"flask-code traces @ jaeger": true, "flask-code metrics @ prometheus": true,
			"flask-auto traces @ collector->jaeger": true, "flask-auto traces @ collector->zipkin": true,
			"flask-auto metrics @ prometheus": true, "flask-auto logs @ collector": true,
		}))
		Expect(rep.Compatibility).To(ContainElement(And(HaveField("App", "flask-auto"), HaveField("Backend", "collector->zipkin"),
			HaveField("Semconv", "old"))))
		for _, name := range []string{"flask-code", "flask-auto"} {
			log, err := os.ReadFile(filepath.Join(out, "apps", name+".log"))
			Expect(err).NotTo(HaveOccurred(), "the app's output is kept under --out")
			Expect(string(log)).To(ContainSubstring("POST /checkout"))
		}
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(5*time.Minute))

	It("is caught when broken: sampling off, or its exporter pointed nowhere, fails with every request counted missing and the reason", func(ctx SpecContext) {
		flask, err := filepath.Abs("../../scenarios/apps/flask")
		Expect(err).NotTo(HaveOccurred())
		path := writeScenario(strings.ReplaceAll(`version: 1
name: broken-app
duration: 5s
verify: {timeout: 10s}
backends:
  - {name: jaeger, type: jaeger}
apps:
  - name: unsampled
    dir: FLASK
    python: requirements.txt
    command: [python, app.py]
    env: {INSTRUMENT: code, OTEL_TRACES_SAMPLER: always_off}
    ready: {path: /healthz}
    traces: {backend: jaeger}
  - name: nowhere
    dir: FLASK
    python: requirements.txt
    command: [opentelemetry-instrument, python, app.py]
    env: {OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://127.0.0.1:9/v1/traces"}
    ready: {path: /healthz}
    traces: {backend: jaeger}
workloads:
  - {name: load-unsampled, app: unsampled, rate: 20, requests: [{path: /hello}]}
  - {name: load-nowhere, app: nowhere, rate: 20, requests: [{path: /hello}]}
`, "FLASK", flask))
		out := GinkgoT().TempDir()
		s := otelbench("run", path, "--out", out, "--run-id", runID("broken-app"))
		rep := failedWith(ctx, s, out)
		Expect(rep.Exporters).To(HaveLen(2))
		causes := map[string][]string{}
		for _, e := range rep.Exporters {
			Expect(e.Passed).To(BeFalse())
			Expect(e.App.Answered).To(BeNumerically("~", 100, 1), "the app answered: the HTTP side is fine")
			Expect(e.App.Failed).To(BeZero())
			Expect(e.Lost).To(Equal(e.App.Answered), "every answered request is counted missing")
			Expect(e.Verified).To(BeZero())
			causes[e.Name] = e.Causes
		}
		Expect(causes["unsampled"]).To(ContainElement(ContainSubstring("have no server span in jaeger")))
		Expect(causes["unsampled"]).To(ContainElement(ContainSubstring("OTEL_TRACES_SAMPLER=always_off: sampling is off")))
		Expect(causes["nowhere"]).To(ContainElement(ContainSubstring("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:9/v1/traces, not the backend's endpoint")))
		Expect(s.Out).To(gbytes.Say("FAIL"))
	}, SpecTimeout(4*time.Minute))
})
