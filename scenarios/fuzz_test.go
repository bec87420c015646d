package scenarios

// FuzzParse is a Go native fuzz target, in the package itself (not scenarios_test) so that it can re-run the
// validator over a parsed scenario with the places it was read from. Ginkgo has no fuzzing; the plain
// `go test ./scenarios/` runs the seed corpus (the shipped scenarios, testdata/*.yaml and the crashers kept under
// testdata/fuzz/FuzzParse), and
//
//	go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 30s ./scenarios/
//
// fuzzes. A crashing input the fuzzer writes under testdata/fuzz/FuzzParse is committed as a regression seed.

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/otelbench/otelbench/verify/sampling"
)

// fuzzFile is the file name the fuzzed scenarios are parsed as: one in this folder, so that a seed's relative
// config: (collector/deltatocumulative.yaml) is found as it is for the shipped scenario.
const fuzzFile = "fuzz.yaml"

func FuzzParse(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{"*.yaml", "collector/*.yaml", "testdata/*.yaml"} {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, paths...)
	}
	if len(seeds) < 7 {
		f.Fatalf("found only %d seed files (%v); expected the shipped scenarios and testdata", len(seeds), seeds)
	}
	for _, path := range seeds {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	// Shapes the shipped files lack, for the fuzzer to mutate from: forward_to loops, anchors and aliases, tagged
	// and explicit-zero values, external backends, ramps.
	for _, src := range []string{
		"version: 1\nname: loop\nduration: 1s\nbackends:\n  - {name: a, type: collector, forward_to: [b]}\n  - {name: b, type: collector, forward_to: [a]}\n" +
			"exporters: [{name: e, protocol: otlp-grpc, backend: a}]\nworkloads: [{name: w, signal: logs, exporters: [e], rate: 10}]\n",
		"version: 1\nname: alias\nduration: &d 2s\nverify: {timeout: *d, rate_tolerance: 0}\nbackends: [&j {name: j, type: jaeger, retention: 0}]\n" +
			"exporters: [{name: e, protocol: otlp-http, backend: j, batch_size: 0x10, queue_size: 1_000, compression: gzip, pipeline: direct, instances: 2}]\n" +
			"workloads: [{name: w, signal: traces, exporters: [e], rate: !!float 1e3, trace: {spans: 3, depth: 2, attributes: 0, attribute_size: 8}}]\n",
		"version: 1\nname: ramp\nbackends: [{name: s, type: sink, external: {otlp_grpc: \"127.0.0.1:1\", metrics_url: \"http://127.0.0.1:2/metrics\"}}]\n" +
			"exporters: [{name: e, protocol: otlp-grpc, backend: s, export_interval: 0s}]\n" +
			"workloads: [{name: w, signal: metrics, exporters: [e], rate: 0, stages: [{duration: 24h, target: 5}, {duration: 1s, target: 0}], " +
			"metrics: {instruments: [], series: 0, churn: 0, cardinality_limit: 0}}]\n",
		"version: 1\nname: sampled\nduration: 1s\nbackends: [{name: j, type: jaeger}]\napps:\n  - name: a\n    command: [python, app.py]\n" +
			"    env: {OTEL_TRACES_SAMPLER: parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG: \"0.25\"}\n    traces: {backend: j}\n" +
			"    sampling: {sampler: parentbased_traceidratio, ratio: 0.25, rule: go, confidence: 0.95}\n" +
			"workloads: [{name: w, app: a, rate: 10, parents: {unsampled: 0.5, none: 0.5}, requests: [{path: /}]}]\n",
		"version: 1\nname: logs\nduration: 1s\nbackends: [{name: c, type: console, image: x}]\nexporters: [{name: e, protocol: console, backend: c, compression: gzip}]\n" +
			"workloads: [{name: w, signal: logs, exporters: [e], rate: !!float NaN, logs: {severity: \"\", body_size: 0, attribute_size: 0}}]\n",
	} {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := Parse(fuzzFile, data)
		if err != nil {
			checkErrors(t, err)
			return
		}
		checkScenario(t, sc, data)
	})
}

// checkErrors: a refused scenario comes back as Errors, each saying where (file:line:col; a YAML syntax error
// has no column from the parser) and what is expected, in file order.
func checkErrors(t *testing.T, err error) {
	t.Helper()
	var errs Errors
	if !errors.As(err, &errs) || len(errs) == 0 {
		t.Fatalf("Parse failed with %T %v; expected a non-empty Errors", err, err)
	}
	for i, e := range errs {
		syntax := strings.HasPrefix(e.Msg, "invalid YAML: ")
		switch {
		case e.File != fuzzFile:
			t.Errorf("error %q names file %q; expected %q", e, e.File, fuzzFile)
		case e.Line < 1:
			t.Errorf("error %q has no line", e)
		case e.Column < 1 && !syntax:
			t.Errorf("error %q has no column", e)
		case !syntax && !strings.Contains(e.Msg, "expected"):
			t.Errorf("error %q does not say what is expected", e)
		}
		if i > 0 && (e.Line < errs[i-1].Line || e.Line == errs[i-1].Line && e.Column < errs[i-1].Column) {
			t.Errorf("errors out of file order: %q after %q", e, errs[i-1])
		}
	}
}

// checkScenario: an accepted scenario is complete and re-validates cleanly with its defaults applied, and what
// the runner computes from it is finite and within the limits.
func checkScenario(t *testing.T, sc *Scenario, data []byte) {
	t.Helper()
	if !sc.valid {
		t.Fatal("Parse returned a scenario not marked valid")
	}
	v := validator{file: sc.File, places: sc.places, root: sc.root}
	sc.validate(&v)
	if len(v.errs) > 0 {
		t.Fatalf("a parsed scenario, with its defaults, does not re-validate:\n%v", v.errs)
	}
	again, err := Parse(fuzzFile, data)
	if err != nil {
		t.Fatalf("the same input parsed once and failed the second time: %v", err)
	}
	again.applyDefaults()
	// TLS configurations hold certificate pools of functions, which DeepEqual cannot compare: the files they are
	// read from are compared as the scenario's fields.
	sc.tlsLoaded, again.tlsLoaded = nil, nil
	if !reflect.DeepEqual(sc, again) {
		t.Fatalf("defaults are not stable: applying them twice changed the scenario\n%+v\n%+v", sc, again)
	}
	for i := range sc.Exporters {
		e := &sc.Exporters[i]
		if e.BatchSize < 1 || e.QueueSize < e.BatchSize || e.BatchTimeout <= 0 || e.ExportTimeout <= 0 || e.ExportInterval <= 0 || e.Instances < 1 {
			t.Errorf("exporter %q is incomplete after defaults: %+v", e.Name, *e)
		}
	}
	if sc.Verify.Timeout <= 0 || !(sc.Verify.RateTolerance >= 0 && sc.Verify.RateTolerance < 1) {
		t.Errorf("verify is incomplete after defaults: %+v", sc.Verify)
	}
	for i := range sc.Apps {
		a := &sc.Apps[i]
		p, c := a.SamplingPolicy()
		if _, err := sampling.NewPolicy(p.Sampler, p.Ratio, p.Rule); err != nil || !(c >= 0.5 && c < 1) {
			t.Errorf("app %q resolves to a sampler that cannot be predicted: %+v (confidence %v): %v", a.Name, p, c, err)
		}
	}
	for i := range sc.Workloads {
		w := &sc.Workloads[i]
		if ps := w.Parents; !(ps.Unsampled >= 0 && ps.None >= 0 && ps.Unsampled+ps.None <= 1) {
			t.Errorf("workload %q has shares of parents %+v", w.Name, ps)
		}
		if d := sc.WorkloadDuration(w); d <= 0 || d > MaxDuration {
			t.Errorf("workload %q sends for %s; expected more than 0s and at most %s", w.Name, d, MaxDuration)
		}
		if n := sc.ExpectedSpans(w); math.IsNaN(n) || math.IsInf(n, 0) || n < 1 || n > MaxRate*MaxDuration.Seconds() {
			t.Errorf("workload %q offers %g items", w.Name, n)
		}
		if math.IsNaN(w.Rate) || w.Rate < 0 || w.Rate > MaxRate {
			t.Errorf("workload %q has rate %g", w.Name, w.Rate)
		}
		for _, s := range w.Stages {
			if math.IsNaN(s.Target) || s.Target < 0 || s.Target > MaxRate || s.Duration <= 0 || time.Duration(s.Duration) > MaxDuration {
				t.Errorf("workload %q has stage %+v", w.Name, s)
			}
		}
		if tr := w.Trace; tr.Spans < 1 || tr.Depth < 1 || tr.Depth > tr.Spans || tr.AttributeSize < 1 {
			t.Errorf("workload %q has trace shape %+v", w.Name, tr)
		}
		if m := w.Metrics; len(m.Instruments) == 0 || m.Series < 1 {
			t.Errorf("workload %q has metrics shape %+v", w.Name, m)
		}
		if l := w.Logs; l.Severity == "" || l.BodySize < 1 || l.AttributeSize < 1 {
			t.Errorf("workload %q has logs shape %+v", w.Name, l)
		}
	}
	for i := range sc.Backends {
		b := &sc.Backends[i]
		_ = sc.Signals(b)
		for _, signal := range Signals {
			_ = sc.Paths(b, signal)
		}
	}
}
