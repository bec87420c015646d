package scenarios_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/scenarios"
	"github.com/otelbench/otelbench/verify/sampling"
)

// appScenario is a valid scenario of an application under test (the test runs in scenarios/, where apps/flask is);
// the rows below each break one thing in it.
const appScenario = `version: 1
name: a
duration: 10s
backends:
  - {name: jaeger, type: jaeger}
  - {name: prom, type: prometheus}
  - {name: col, type: collector, forward_to: [jaeger]}
  - {name: ext, type: jaeger, external: {otlp_http: "127.0.0.1:4318", url: "http://127.0.0.1:16686"}}
apps:
  - name: shop
    dir: apps/flask
    python: requirements.txt
    command: [python, app.py]
    traces: {backend: col}
    metrics: {backend: prom, scrape: /metrics}
    logs: {backend: col}
workloads:
  - name: load
    app: shop
    rate: 10
    requests:
      - {path: /hello, weight: 3}
      - {method: POST, path: /checkout, body: "{}", status: 201, logs: 1}
`

var _ = Describe("Application-under-test scenarios", func() {
	It("accept an app and its load, with the defaults a user expects", func() {
		sc, err := scenarios.Parse("s.yaml", []byte(appScenario))
		Expect(err).NotTo(HaveOccurred())
		Expect(sc.Exporters).To(BeEmpty())
		a := sc.App("shop")
		Expect(a.Traces.Protocol).To(Equal("otlp-http"))
		Expect(a.Ready.Timeout.String()).To(Equal("1m0s"))
		w := sc.Workloads[0]
		Expect(w.MaxInFlight).To(Equal(scenarios.DefaultMaxInFlight))
		Expect(w.Requests[0].Method).To(Equal("GET"))
		Expect(w.Requests[0].Route).To(Equal("/hello"))
		Expect(w.Requests[1].Weight).To(Equal(1))
		Expect(sc.ExpectedSpans(&w)).To(BeNumerically("==", 100))
	})

	DescribeTable("refuse what cannot work, saying where and what is expected",
		func(old, new, where, msg string) {
			Expect(appScenario).To(ContainSubstring(old))
			_, err := scenarios.Parse("s.yaml", []byte(strings.Replace(appScenario, old, new, 1)))
			Expect(err).To(MatchError(ContainSubstring(where + ": " + msg)))
		},
		Entry("an app with neither command nor url", "    command: [python, app.py]\n", "",
			"s.yaml:10:5", `app "shop" has neither command, image nor url`),
		Entry("a folder that does not exist", "dir: apps/flask", "dir: apps/nowhere",
			"s.yaml:11:10", `app "shop" runs in apps/nowhere, which is not a folder; expected dir: a folder relative to the scenario file`),
		Entry("a requirements file that does not exist", "python: requirements.txt", "python: reqs.txt",
			"s.yaml:12:13", "requirements file apps/flask/reqs.txt does not exist"),
		Entry("an undefined backend", "traces: {backend: col}", "traces: {backend: colector}",
			"s.yaml:14:23", `app "shop" sends traces to backend "colector", which is not defined`),
		Entry("a protocol an app's SDK is not pointed at", "traces: {backend: col}", "traces: {backend: col, protocol: zipkin}",
			"s.yaml:14:38", `protocol "zipkin" is not supported; expected one of: otlp-http, otlp-grpc`),
		Entry("a scraped app with a backend that does not scrape", "metrics: {backend: prom, scrape: /metrics}", "metrics: {backend: jaeger, scrape: /metrics}",
			"s.yaml:15:24", `the metrics of app "shop" are scraped, and a jaeger backend does not scrape; expected a prometheus backend`),
		Entry("an app already running with a backend otelbench starts", "    dir: apps/flask\n    python: requirements.txt\n    command: [python, app.py]\n",
			"    url: http://127.0.0.1:8000\n", "s.yaml:12:23", `app "shop" is already running, so it cannot be told where backend "col"`),
		Entry("a workload naming an app that is not defined", "app: shop", "app: shoop",
			"s.yaml:19:10", `app "shoop" is not defined; expected one of: shop`),
		Entry("an app workload with a signal", "    app: shop\n", "    app: shop\n    signal: traces\n",
			"s.yaml:20:13", "signal applies to workloads that generate telemetry"),
		Entry("a request path without /", "path: /hello", "path: hello",
			"s.yaml:22:16", `path "hello" does not start with /`),
		Entry("a traceparent header of the user's", "{path: /hello, weight: 3}", "{path: /hello, weight: 3, headers: {traceparent: x}}",
			"s.yaml:22:44", "header traceparent is otelbench's"),
		Entry("logs read back but no request that logs", ", logs: 1}", "}",
			"s.yaml:22:7", `the logs of app "shop" are read back, but no request of workload "load" says how many records it logs`),
		Entry("a count that is not a metric name", "scrape: /metrics}", "scrape: /metrics, count: \"http.server.duration\"}",
			"s.yaml:15:55", `count "http.server.duration" is not a metric name as the backend stores it`),
		Entry("an image with a folder to run in", "    command: [python, app.py]\n", "    image: shop:dev\n",
			"s.yaml:11:10", `dir applies to an app otelbench runs as a process; app "shop" runs as a container of image shop:dev`),
		Entry("a status that is not HTTP's", "status: 201", "status: 2010",
			"s.yaml:23:61", "status 2010 is not an HTTP status; expected 100 to 599"),
		Entry("a sampling ratio above 1", logsLine, logsLine+"    sampling: {sampler: traceidratio, ratio: 1.5}\n",
			"s.yaml:17:46", "ratio 1.5 is out of range; expected a number from 0 to 1"),
		Entry("a sampler no SDK has", logsLine, logsLine+"    sampling: {sampler: probabilistic, ratio: 0.5}\n",
			"s.yaml:17:25", `sampler "probabilistic" is not supported; expected one of: always_on, always_off, traceidratio`),
		Entry("a ratio for a sampler that takes none", logsLine, logsLine+"    sampling: {sampler: always_on, ratio: 0.5}\n",
			"s.yaml:17:43", "ratio applies to traceidratio and parentbased_traceidratio; sampler always_on takes none"),
		Entry("a ratio sampler without its ratio", logsLine, logsLine+"    sampling: {sampler: traceidratio}\n",
			"s.yaml:17:15", "missing ratio; expected the share of traces sampler traceidratio keeps"),
		Entry("a rule otelbench does not know", logsLine, logsLine+"    sampling: {ratio: 0.5, rule: ruby}\n",
			"s.yaml:17:34", `rule "ruby" is not supported; expected one of: go, python, java, consistent, unknown`),
		Entry("a confidence of 1", logsLine, logsLine+"    sampling: {ratio: 0.5, confidence: 1}\n",
			"s.yaml:17:40", "confidence 1 is out of range"),
		Entry("a sampler that contradicts the app's env", logsLine, logsLine+"    env: {OTEL_TRACES_SAMPLER: always_on}\n    sampling: {sampler: traceidratio, ratio: 0.5}\n",
			"s.yaml:18:25", "sampler traceidratio, and the app's env sets OTEL_TRACES_SAMPLER=always_on"),
		Entry("a sampler argument in env that is not a ratio", logsLine, logsLine+"    env: {OTEL_TRACES_SAMPLER: traceidratio, OTEL_TRACES_SAMPLER_ARG: half}\n",
			"s.yaml:17:71", `OTEL_TRACES_SAMPLER_ARG="half" is not a ratio; expected a number from 0 to 1 for traceidratio`),
		Entry("a sampler in env otelbench cannot predict, without a sampling block", logsLine, logsLine+"    env: {OTEL_TRACES_SAMPLER: xray}\n",
			"s.yaml:17:32", `otelbench cannot tell what sampler "xray" keeps`),
		Entry("a collector that samples nothing", "forward_to: [jaeger]}", "forward_to: [jaeger], sampling: {ratio: 0}}",
			"s.yaml:7:74", "ratio 0 is out of range; expected a share above 0 and at most 1"),
		Entry("a collector sampling mode it does not have", "forward_to: [jaeger]}", "forward_to: [jaeger], sampling: {ratio: 0.5, mode: equalising}}",
			"s.yaml:7:85", `mode "equalising" is not supported; expected one of: hash_seed, proportional`),
		Entry("sampling on a backend that does not forward", "{name: jaeger, type: jaeger}", "{name: jaeger, type: jaeger, sampling: {ratio: 0.5}}",
			"s.yaml:5:44", "sampling applies to collector backends"),
		Entry("shares of parents above 1", "    rate: 10\n", "    rate: 10\n    parents: {unsampled: 0.6, none: 0.6}\n",
			"s.yaml:21:14", "unsampled 0.6 and none 0.6 add up to 1.2; expected at most 1"),
		Entry("a negative share of unsampled parents", "    rate: 10\n", "    rate: 10\n    parents: {unsampled: -0.1}\n",
			"s.yaml:21:26", "unsampled -0.1 is out of range; expected a share of the requests from 0 to 1"),
	)

	DescribeTable("resolve the sampler an app is expected to run: its sampling block, else its env, else otelbench's default",
		func(extra string, want sampling.Policy, confidence float64) {
			sc, err := scenarios.Parse("s.yaml", []byte(strings.Replace(appScenario, logsLine, logsLine+extra, 1)))
			Expect(err).NotTo(HaveOccurred())
			got, c := sc.App("shop").SamplingPolicy()
			Expect(got).To(Equal(want))
			Expect(c).To(Equal(confidence))
		},
		Entry("nothing said: parentbased_always_on", "", sampling.Policy{Sampler: "parentbased_always_on", Ratio: 1, Rule: "python"}, 0.99),
		Entry("the app's env", "    env: {OTEL_TRACES_SAMPLER: parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG: \"0.25\"}\n",
			sampling.Policy{Sampler: "parentbased_traceidratio", Ratio: 0.25, Rule: "python"}, 0.99),
		Entry("a ratio alone: traceidratio", "    sampling: {ratio: 0.1, confidence: 0.95}\n", sampling.Policy{Sampler: "traceidratio", Ratio: 0.1, Rule: "python"}, 0.95),
		Entry("a rule not known", "    sampling: {sampler: parentbased_traceidratio, ratio: 0.5, rule: unknown}\n",
			sampling.Policy{Sampler: "parentbased_traceidratio", Ratio: 0.5}, 0.99),
	)

	DescribeTable("refuse a traces workload's sampling that cannot work, saying where",
		func(sampling, want string) {
			src := strings.NewReplacer("SAMPLING", sampling, "SIGNAL", "traces").Replace(syntheticSampled)
			if strings.HasPrefix(sampling, "logs:") {
				src = strings.NewReplacer("SAMPLING", strings.TrimPrefix(sampling, "logs:"), "SIGNAL", "logs").Replace(syntheticSampled)
			}
			_, err := scenarios.Parse("s.yaml", []byte(src))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("a ratio above 1", "{ratio: 1.5}", "s.yaml:7:75: ratio 1.5 is out of range; expected a number from 0 to 1"),
		Entry("no ratio", "{}", "s.yaml:7:67: missing ratio; expected the share of traces the SDK's sampler keeps"),
		Entry("sampling logs", "logs:{ratio: 0.5}", "s.yaml:7:65: sampling applies to traces workloads; this workload's signal is logs"),
	)

	It("accepts a traces workload's sampling", func() {
		sc, err := scenarios.Parse("s.yaml", []byte(strings.NewReplacer("SAMPLING", "{ratio: 0.25}", "SIGNAL", "traces").Replace(syntheticSampled)))
		Expect(err).NotTo(HaveOccurred())
		Expect(*sc.Workloads[0].Sampling.Ratio).To(Equal(0.25))
	})

	It("refuses otelbench's own traces through a sampling collector", func() {
		_, err := scenarios.Parse("s.yaml", []byte(`version: 1
name: a
duration: 10s
backends:
  - {name: jaeger, type: jaeger}
  - {name: back, type: collector, forward_to: [jaeger], sampling: {ratio: 0.5}}
exporters: [{name: e, protocol: otlp-grpc, backend: back}]
workloads:
  - {name: w, signal: traces, exporters: [e], rate: 10}
`))
		Expect(err).To(MatchError(ContainSubstring(`s.yaml:9:43: exporter "e" sends workload "w"'s traces to collector "back", which samples them`)))
	})

	It("refuses parents on a workload that generates its own telemetry", func() {
		_, err := scenarios.Parse("s.yaml", []byte(`version: 1
name: a
duration: 10s
backends: [{name: jaeger, type: jaeger}]
exporters: [{name: e, protocol: otlp-grpc, backend: jaeger}]
workloads:
  - {name: w, signal: traces, exporters: [e], rate: 10, parents: {unsampled: 0.5}}
`))
		Expect(err).To(MatchError(ContainSubstring(`s.yaml:7:66: parents applies to workloads that drive requests at an app (app: <name>)`)))
	})
})

// syntheticSampled is a scenario with one generating workload whose sampling (and signal) the rows fill in.
const syntheticSampled = `version: 1
name: a
duration: 10s
backends: [{name: jaeger, type: jaeger}]
exporters: [{name: e, protocol: otlp-grpc, backend: jaeger}]
workloads:
  - {name: w, signal: SIGNAL, exporters: [e], rate: 10, sampling: SAMPLING}
`

// logsLine is the last line of appScenario's app: the rows that add to the app add after it.
const logsLine = "    logs: {backend: col}\n"
