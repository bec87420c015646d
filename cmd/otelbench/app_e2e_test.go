package main_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/jaeger"
)

var _ = Describe("An application under test", Label("docker", "e2e", "python"), func() {
	It("is the shipped Flask example: every request's server span read back from Jaeger and through the collector, its request count from Prometheus", func(ctx SpecContext) {
		out, id := GinkgoT().TempDir(), runID("flask")
		s := otelbench("run", "../../scenarios/flask-app.yaml", "--out", out, "--run-id", id)
		rep := passed(ctx, s, out)
		Expect(s.Out).To(gbytes.Say("applications under test"))
		expectRenders(ctx, filepath.Join(out, "report.html"))
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

	It("is caught when broken: its SDK disabled, its exporter pointed nowhere, or the traceparent ignored, fails with every request counted missing and the reason", func(ctx SpecContext) {
		flask, err := filepath.Abs("../../scenarios/apps/flask")
		Expect(err).NotTo(HaveOccurred())
		path := writeScenario(strings.ReplaceAll(`version: 1
name: broken-app
duration: 5s
verify: {timeout: 10s}
backends:
  - {name: jaeger, type: jaeger}
apps:
  - name: disabled
    dir: FLASK
    python: requirements.txt
    command: [python, app.py]
    env: {INSTRUMENT: code, OTEL_SDK_DISABLED: "true"}
    ready: {path: /healthz}
    traces: {backend: jaeger}
  - name: nowhere
    dir: FLASK
    python: requirements.txt
    command: [opentelemetry-instrument, python, app.py]
    env: {OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://127.0.0.1:9/v1/traces"}
    ready: {path: /healthz}
    traces: {backend: jaeger}
  - name: unpropagated
    dir: FLASK
    python: requirements.txt
    command: [opentelemetry-instrument, python, app.py]
    env: {OTEL_PROPAGATORS: baggage}
    ready: {path: /healthz}
    traces: {backend: jaeger}
workloads:
  - {name: load-disabled, app: disabled, rate: 20, requests: [{path: /hello}]}
  - {name: load-nowhere, app: nowhere, rate: 20, requests: [{path: /hello}]}
  - {name: load-unpropagated, app: unpropagated, rate: 20, requests: [{path: /hello}]}
`, "FLASK", flask))
		out := GinkgoT().TempDir()
		s := otelbench("run", path, "--out", out, "--run-id", runID("broken-app"))
		rep := failedWith(ctx, s, out)
		Expect(rep.Exporters).To(HaveLen(3))
		causes := map[string][]string{}
		for _, e := range rep.Exporters {
			Expect(e.Passed).To(BeFalse())
			Expect(e.App.Answered).To(BeNumerically("~", 100, 1), "the app answered: the HTTP side is fine")
			Expect(e.App.Failed).To(BeZero())
			Expect(e.Lost).To(Equal(e.App.Answered), "every answered request is counted missing")
			Expect(e.Verified).To(BeZero())
			causes[e.Name] = e.Causes
		}
		Expect(causes["disabled"]).To(ContainElement(ContainSubstring("have no server span in jaeger")))
		Expect(causes["disabled"]).To(ContainElement(ContainSubstring("OTEL_SDK_DISABLED=true: its SDK makes no telemetry")))
		Expect(causes["disabled"]).To(ContainElement(ContainSubstring("jaeger holds no span of service disabled at all")))
		Expect(causes["nowhere"]).To(ContainElement(ContainSubstring("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:9/v1/traces, not the backend's endpoint")))
		Expect(causes["nowhere"]).To(ContainElement(ContainSubstring("app nowhere printed:")))
		Expect(causes["nowhere"]).To(ContainElement(ContainSubstring("jaeger holds no span of service nowhere at all")))
		Expect(causes["unpropagated"]).To(ContainElement(ContainSubstring("jaeger holds spans of service unpropagated, but none in the requests' traces")))
		Expect(s.Out).To(gbytes.Say("FAIL"))
	}, SpecTimeout(4*time.Minute))

	It("runs from a container image the user built (a Go service), verified the same way", func(ctx SpecContext) {
		// The image: the Go service in testdata/goapp, static, FROM scratch, built here as a user would.
		build := GinkgoT().TempDir()
		gob := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(build, "goapp"), "./testdata/goapp")
		gob.Env = append(os.Environ(), "CGO_ENABLED=0")
		gob.Stdout, gob.Stderr = GinkgoWriter, GinkgoWriter
		Expect(gob.Run()).To(Succeed())
		Expect(os.WriteFile(filepath.Join(build, "Dockerfile"), []byte("FROM scratch\nCOPY goapp /goapp\nENTRYPOINT [\"/goapp\"]\n"), 0o644)).To(Succeed())
		image := "otelbench-test/goapp:" + runID("goapp")[4:]
		db := exec.CommandContext(ctx, "docker", "build", "-q", "-t", image, build)
		db.Stdout, db.Stderr = GinkgoWriter, GinkgoWriter
		Expect(db.Run()).To(Succeed())
		DeferCleanup(func() { _ = exec.Command("docker", "image", "rm", "-f", image).Run() })

		path := writeScenario(`version: 1
name: go-image
duration: 5s
verify: {timeout: 20s}
backends:
  - {name: jaeger, type: jaeger}
apps:
  - name: goapp
    image: IMAGE
    ready: {path: /healthz}
    traces: {backend: jaeger, protocol: otlp-http}
workloads:
  - name: items
    app: goapp
    rate: 50
    requests:
      - {path: /items/7, route: "/items/{id}"}
      - {path: /nothing-here, route: "", status: 404}
`)
		Expect(os.WriteFile(path, []byte(strings.Replace(must(os.ReadFile(path)), "IMAGE", image, 1)), 0o644)).To(Succeed())
		out, id := GinkgoT().TempDir(), runID("go-image")
		s := otelbench("run", path, "--out", out, "--run-id", id)
		rep := passed(ctx, s, out)
		Expect(rep.Exporters).To(HaveLen(1))
		e := rep.Exporters[0]
		Expect(e.Verified).To(BeNumerically("~", 250, 1))
		Expect(e.App.Semconv).To(Equal("stable"))
		Expect(e.App.Statuses).To(HaveKey("404"))
		Expect(e.App.SpansBelow).To(Equal(e.App.Statuses["200"]), "one load-item span below each item's server span")
		Expect(filepath.Join(out, "apps", "goapp.log")).To(BeAnExistingFile())
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty(), "the app's container is removed with the backends")
	}, SpecTimeout(4*time.Minute))
})

var _ = Describe("An application already running", Label("docker", "e2e"), func() {
	It("is driven and verified at its url against the external backend it sends to, and left running", func(ctx SpecContext) {
		j, err := jaeger.Run(ctx, startImage(ctx, "jaeger"), jaeger.Config{RunID: runID("url-app-owner"), MaxTraces: 50_000})
		DeferCleanup(func(ctx context.Context) { _ = j.Terminate(ctx) })
		Expect(err).NotTo(HaveOccurred())
		// The user's app, started by the user: the Go service, exporting to that Jaeger.
		bin := filepath.Join(GinkgoT().TempDir(), "goapp")
		gob := exec.CommandContext(ctx, "go", "build", "-o", bin, "./testdata/goapp")
		gob.Stdout, gob.Stderr = GinkgoWriter, GinkgoWriter
		Expect(gob.Run()).To(Succeed())
		ports, err := containers.FreePorts(1)
		Expect(err).NotTo(HaveOccurred())
		app := exec.Command(bin)
		app.Env = append(os.Environ(), "PORT="+strconv.Itoa(ports[0]), "OTEL_SERVICE_NAME=running",
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://"+j.OTLPHTTPEndpoint()+"/v1/traces", "OTEL_BSP_SCHEDULE_DELAY=200")
		app.Stdout, app.Stderr = GinkgoWriter, GinkgoWriter
		Expect(app.Start()).To(Succeed())
		DeferCleanup(func() { _ = app.Process.Kill(); _ = app.Wait() })
		url := "http://" + containers.HostPort(ports[0])
		Eventually(func() error { _, err := http.Get(url + "/healthz"); return err }).WithContext(ctx).Should(Succeed())

		path := writeScenario(fmt.Sprintf(`version: 1
name: running-app
duration: 3s
verify: {timeout: 20s}
backends:
  - {name: theirs, type: jaeger, external: {otlp_http: %q, url: %q}}
apps:
  - {name: running, url: %q, traces: {backend: theirs}}
workloads:
  - {name: items, app: running, rate: 50, requests: [{path: /items/3, route: "/items/{id}"}]}
`, j.OTLPHTTPEndpoint(), j.QueryURL(), url))
		out := GinkgoT().TempDir()
		rep := passed(ctx, otelbench("run", path, "--out", out, "--run-id", runID("url-app")), out)
		Expect(rep.Exporters).To(HaveLen(1))
		Expect(rep.Exporters[0].Verified).To(BeEquivalentTo(150))
		resp, err := http.Get(url + "/healthz")
		Expect(err).NotTo(HaveOccurred(), "an app otelbench did not start is not stopped")
		resp.Body.Close()
	}, SpecTimeout(3*time.Minute))
})

var _ = Describe("A sampled application already running", Label("docker", "e2e"), func() {
	It("is predicted request by request by the Go rule, and a declared ratio it does not keep fails by its interval", func(ctx SpecContext) {
		j, err := jaeger.Run(ctx, startImage(ctx, "jaeger"), jaeger.Config{RunID: runID("sampled-url-owner"), MaxTraces: 50_000})
		DeferCleanup(func(ctx context.Context) { _ = j.Terminate(ctx) })
		Expect(err).NotTo(HaveOccurred())
		// The user's Go service, sampling a fifth of its traces by its SDK's TraceIDRatioBased (read from env).
		bin := filepath.Join(GinkgoT().TempDir(), "goapp")
		gob := exec.CommandContext(ctx, "go", "build", "-o", bin, "./testdata/goapp")
		gob.Stdout, gob.Stderr = GinkgoWriter, GinkgoWriter
		Expect(gob.Run()).To(Succeed())
		ports, err := containers.FreePorts(1)
		Expect(err).NotTo(HaveOccurred())
		app := exec.Command(bin)
		app.Env = append(os.Environ(), "PORT="+strconv.Itoa(ports[0]), "OTEL_SERVICE_NAME=sampled",
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://"+j.OTLPHTTPEndpoint()+"/v1/traces", "OTEL_BSP_SCHEDULE_DELAY=200",
			"OTEL_TRACES_SAMPLER=traceidratio", "OTEL_TRACES_SAMPLER_ARG=0.2")
		app.Stdout, app.Stderr = GinkgoWriter, GinkgoWriter
		Expect(app.Start()).To(Succeed())
		DeferCleanup(func() { _ = app.Process.Kill(); _ = app.Wait() })
		url := "http://" + containers.HostPort(ports[0])
		Eventually(func() error { _, err := http.Get(url + "/healthz"); return err }).WithContext(ctx).Should(Succeed())
		scenario := func(sampling string) string {
			return writeScenario(fmt.Sprintf(`version: 1
name: sampled-running-app
duration: 4s
verify: {timeout: 20s}
backends:
  - {name: theirs, type: jaeger, external: {otlp_http: %q, url: %q}}
apps:
  - {name: sampled, url: %q, traces: {backend: theirs}, sampling: %s}
workloads:
  - {name: items, app: sampled, rate: 50, requests: [{path: /items/3, route: "/items/{id}"}]}
`, j.OTLPHTTPEndpoint(), j.QueryURL(), url, sampling))
		}

		out := GinkgoT().TempDir()
		rep := passed(ctx, otelbench("run", scenario("{sampler: traceidratio, ratio: 0.2, rule: go}"), "--out", out, "--run-id", runID("sampled-url")), out)
		e := rep.Exporters[0]
		Expect(e.Lost).To(BeZero(), "%v", e.Problems)
		Expect(e.Sampling.Unexpected).To(BeZero(), "%v", e.Problems)
		Expect(e.Verified).To(Equal(e.Sampling.PredictedKept))
		Expect(e.NotSampled).To(Equal(e.Sampling.PredictedDropped))
		Expect(e.Verified + e.NotSampled).To(BeEquivalentTo(200))

		// Declared 0.5 with its rule not known: only the share kept can be checked, and a fifth is far outside.
		out = GinkgoT().TempDir()
		rep = failedWith(ctx, otelbench("run", scenario("{sampler: traceidratio, ratio: 0.5, rule: unknown}"), "--out", out, "--run-id", runID("sampled-url-wrong")), out)
		e = rep.Exporters[0]
		Expect(e.Passed).To(BeFalse())
		Expect(e.Lost).To(BeZero(), "a ratio sampler of unknown rule loses nothing: what is missing may have been sampled out")
		Expect(e.Sampling.Check).NotTo(BeNil())
		Expect(e.Sampling.Check.Consistent).To(BeFalse())
		Expect(e.Sampling.Check.Hi).To(BeNumerically("<", 0.5))
		Expect(e.Causes).To(ContainElement(ContainSubstring("the share of traces kept is outside its interval")))
	}, SpecTimeout(4*time.Minute))
})

func must(b []byte, err error) string {
	GinkgoHelper()
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}
