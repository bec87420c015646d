package scenarios

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/verify/sampling"
)

// App is an application under test: a user's own service, in any language, with its own instrumentation.
// otelbench starts it (or finds it running at URL), points its OpenTelemetry SDK at the scenario's backends
// through the standard OTEL_* environment, drives HTTP load at it from the workload that names it, and reads
// back, per request, the telemetry the app made of it.
type App struct {
	// Name identifies the app in workloads and reports; it is also the app's OTEL_SERVICE_NAME unless Env sets one.
	Name string `yaml:"name"`
	// Command starts the app: the program and its arguments, run in Dir. A program that is not a path is looked
	// up in the Python environment's bin folder first (see Python), then on PATH. With Image, it replaces the
	// image's command.
	Command []string `yaml:"command"`
	// Image, instead of a process, runs the app as a container of this image (one you built: nothing is pulled
	// from a registry), with host networking, the same environment, and Command as its command when set.
	Image string `yaml:"image"`
	// Dir is the app's working directory, relative to the scenario file. Default: the scenario file's folder.
	Dir string `yaml:"dir"`
	// Python is a pinned requirements file (relative to Dir): otelbench creates a virtual environment from it
	// (with python3 -m venv and pip, from PyPI; kept under ~/.cache/otelbench/venv by the file's content, so it
	// is made once) and runs Command with that environment first on PATH.
	Python string `yaml:"python"`
	// Env is added to the app's environment after otelbench's OTEL_* variables, so it can override them (a test
	// of a broken app sets OTEL_TRACES_SAMPLER=always_off, say). Values may use ${ENV}.
	Env map[string]string `yaml:"env"`
	// URL is the base URL of an app that is already running: nothing is started, and its telemetry must already
	// go to the scenario's (external) backends.
	URL string `yaml:"url"`
	// Port is the port the app listens on, on 127.0.0.1, passed to it as $PORT. Default 0: a free port otelbench
	// picks.
	Port int `yaml:"port"`
	// Ready says when a started app can take load: Path answers 2xx (or, without a path, / answers anything)
	// within Timeout (default 60s).
	Ready AppReady `yaml:"ready"`
	// Traces, Metrics and Logs say where the app's OpenTelemetry SDK sends each signal: the OTEL_* variables
	// otelbench sets for it, and where each is read back from. A signal left out is turned off
	// (OTEL_<SIGNAL>_EXPORTER=none) and not checked.
	Traces AppSignal `yaml:"traces"`
	// Metrics is where the app's metrics go, pushed or scraped, and which of them must count its requests; left
	// out, the app's metrics are turned off and not checked.
	Metrics AppMetrics `yaml:"metrics"`
	// Logs is where the app's OpenTelemetry SDK sends its logs; left out, they are turned off and not checked.
	Logs AppSignal `yaml:"logs"`
	// Sampling is what the app's trace sampler is expected to keep. Default: what the app's env says
	// (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG), else parentbased_always_on, which otelbench sets.
	Sampling *AppSampling `yaml:"sampling"`
}

// AppSampling is an app's trace sampler as the scenario expects it. otelbench sets it in the app's environment
// (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG) and predicts, per request, whether the app keeps its trace: a
// trace the sampler should drop that is missing is counted not_sampled, never lost.
type AppSampling struct {
	// Sampler is the sampler's name as OTEL_TRACES_SAMPLER spells it: always_on, always_off, traceidratio,
	// parentbased_always_on, parentbased_always_off or parentbased_traceidratio. Default: the app's env, else
	// traceidratio with a ratio, else parentbased_always_on.
	Sampler string `yaml:"sampler"`
	// Ratio is what a traceidratio sampler keeps, from 0 to 1 (OTEL_TRACES_SAMPLER_ARG; default 1).
	Ratio *float64 `yaml:"ratio"`
	// Rule is how the app's ratio sampler decides from the trace ID, which lets otelbench predict each request's
	// outcome: go, python, java or consistent (see verify/sampling); unknown for a sampler whose rule otelbench does
	// not know, judged by the share kept at Confidence. Default: python for an app with python:, else unknown.
	Rule string `yaml:"rule"`
	// Confidence is the confidence of the interval the share kept is tested with, where outcomes cannot be
	// predicted one by one (default 0.99).
	Confidence float64 `yaml:"confidence"`
}

// RuleUnknown is AppSampling.Rule for a ratio sampler whose rule otelbench does not know.
const RuleUnknown = "unknown"

// DefaultSamplingConfidence is AppSampling.Confidence when the scenario does not set it.
const DefaultSamplingConfidence = 0.99

// Parents says what share of an app workload's requests carry an unsampled traceparent and what share carry none,
// so that a parent-based sampler is exercised; the rest carry a sampled one.
type Parents struct {
	// Unsampled is the share of requests whose traceparent has the sampled flag off (flags 00), from 0 to 1.
	Unsampled float64 `yaml:"unsampled"`
	// None is the share of requests sent without a traceparent: the app starts a trace of its own, decided by
	// its root sampler. otelbench cannot know those trace IDs; it counts the app's root server spans instead.
	None float64 `yaml:"none"`
}

// AppReady is how otelbench knows a started app can take load.
type AppReady struct {
	// Path is the path that answers 2xx once the app can take load; without one, / answering anything will do.
	Path string `yaml:"path"`
	// Timeout is how long a started app has to become ready. Default 60s.
	Timeout Duration `yaml:"timeout"`
}

// AppSignal is where an app sends one signal over OTLP.
type AppSignal struct {
	// Backend is the name of the backend the app sends the signal to.
	Backend string `yaml:"backend"`
	// Protocol is otlp-http (default) or otlp-grpc.
	Protocol string `yaml:"protocol"`
}

// On reports whether the app sends the signal.
func (s AppSignal) On() bool { return s.Backend != "" }

// AppMetrics is where an app's metrics go and what must hold of them: the app's request counter (or the count of
// its request duration histogram) rises by exactly the requests it answered.
type AppMetrics struct {
	// Backend is the backend's name (a prometheus backend for Scrape).
	Backend string `yaml:"backend"`
	// Protocol is otlp-http (default) or otlp-grpc: the app's SDK pushes its metrics. Not with Scrape.
	Protocol string `yaml:"protocol"`
	// Scrape is the path of the app's own metrics endpoint (e.g. /metrics, as prometheus_client serves it):
	// otelbench passes a free port as $METRICS_PORT (and OTEL_EXPORTER_PROMETHEUS_PORT), and the Prometheus
	// otelbench starts scrapes it there.
	Scrape string `yaml:"scrape"`
	// Count is the metric, as the backend names it, whose increase over the run must equal the requests the app
	// answered: a counter (flask_app_requests_total) or a histogram's count
	// (http_server_request_duration_seconds_count). Default: the HTTP server duration histogram's count, by
	// either semantic convention's name.
	Count string `yaml:"count"`
}

// On reports whether the app's metrics are checked.
func (m AppMetrics) On() bool { return m.Backend != "" }

// Request is one kind of request an app workload sends; each request sent is one of them, picked by weight.
type Request struct {
	// Method is the HTTP method (default GET).
	Method string `yaml:"method"`
	// Path is the path and query, starting with /.
	Path string `yaml:"path"`
	// Body is the request's body (default none).
	Body string `yaml:"body"`
	// Headers go on the request, besides the traceparent otelbench sets on every one.
	Headers map[string]string `yaml:"headers"`
	// Weight is how often this request is sent relative to the others (default 1).
	Weight int `yaml:"weight"`
	// Route is the http.route the app's server span must carry (e.g. /orders/<int:order_id>). Default: Path
	// without its query. An explicit "" expects none (a path no route of the app matches).
	Route string `yaml:"route"`
	// Status is the HTTP status the app must answer with. Default: any status below 400.
	Status int `yaml:"status"`
	// Logs is how many log records the app writes for each request of this kind, carrying the request's trace
	// ID: checked when the app's logs are read back (the app's logs: section). Default 0.
	Logs int `yaml:"logs"`
}

// samplerEnv and samplerArgEnv are the standard variables an app's SDK takes its sampler from.
const (
	samplerEnv    = "OTEL_TRACES_SAMPLER"
	samplerArgEnv = "OTEL_TRACES_SAMPLER_ARG"
)

// searchable are the backend types whose traces otelbench can search by service (for requests sent without a
// traceparent, whose trace IDs only the app knows).
var searchable = []string{"jaeger", "zipkin"}

// ratioSamplers are the samplers that take a ratio.
var ratioSamplers = []string{sampling.TraceIDRatio, sampling.ParentBasedTraceRatio}

// samplingRules are the values AppSampling.Rule may take.
var samplingRules = []string{string(sampling.RuleGo), string(sampling.RulePython), string(sampling.RuleJava), string(sampling.RuleConsistent), RuleUnknown}

// SamplingPolicy is the sampler app a is expected to run, resolved: the sampling block, or the app's env, or
// otelbench's default (parentbased_always_on); and the confidence of its ratio check.
func (a *App) SamplingPolicy() (sampling.Policy, float64) {
	s := a.Sampling
	if s == nil {
		s = &AppSampling{}
	}
	def := sampling.ParentBasedAlwaysOn
	if s.Ratio != nil {
		def = sampling.TraceIDRatio
	}
	p := sampling.Policy{Sampler: cmp.Or(s.Sampler, a.Env[samplerEnv], def), Ratio: 1}
	switch {
	case s.Ratio != nil:
		p.Ratio = *s.Ratio
	case a.Env[samplerArgEnv] != "" && slices.Contains(ratioSamplers, p.Sampler):
		if r, err := strconv.ParseFloat(strings.TrimSpace(a.Env[samplerArgEnv]), 64); err == nil {
			p.Ratio = r
		}
	}
	switch rule := cmp.Or(s.Rule, a.defaultRule()); rule {
	case RuleUnknown:
	default:
		p.Rule = sampling.Rule(rule)
	}
	return p, cmp.Or(s.Confidence, DefaultSamplingConfidence)
}

// defaultRule is the rule of an app's ratio sampler when the scenario does not say: the Python SDK's for an app
// otelbench runs in a Python environment of its own making.
func (a *App) defaultRule() string {
	if a.Python != "" {
		return string(sampling.RulePython)
	}
	return RuleUnknown
}

// validateSampling checks an app's sampling block against itself and the app's env.
func (sc *Scenario) validateSampling(v *validator, p string, a *App) {
	s := a.Sampling
	envSampler, envSet := a.Env[samplerEnv]
	envArg, argSet := a.Env[samplerArgEnv]
	ep, eap := p+".env."+samplerEnv, p+".env."+samplerArgEnv
	if s == nil {
		if !envSet {
			if argSet {
				v.at(eap, "%s without %s; expected %s too (or a sampling: block)", samplerArgEnv, samplerEnv, samplerEnv)
			}
			return
		}
		if !slices.Contains(sampling.Samplers, envSampler) {
			v.at(ep, "otelbench cannot tell what sampler %q keeps; expected one of: %s, or a sampling: block saying what the app should keep (sampler: the known sampler it behaves like, ratio:, rule: unknown)", envSampler, strings.Join(sampling.Samplers, ", "))
			return
		}
		if argSet && slices.Contains(ratioSamplers, envSampler) {
			if r, err := strconv.ParseFloat(strings.TrimSpace(envArg), 64); err != nil || math.IsNaN(r) || r < 0 || r > 1 {
				v.at(eap, "%s=%q is not a ratio; expected a number from 0 to 1 for %s", samplerArgEnv, envArg, envSampler)
			}
		}
		return // with traces not read back, the sampler is the app's own business
	}
	sp := p + ".sampling"
	if !a.Traces.On() {
		v.at(sp, "sampling applies to traces, and app %q sends none otelbench reads back; expected traces: {backend: <name>}, or no sampling block", a.Name)
	}
	sampler := s.Sampler
	if sampler == "" {
		sampler = envSampler
	}
	switch {
	case sampler == "" && s.Ratio != nil:
		sampler = sampling.TraceIDRatio // what SamplingPolicy makes of a ratio alone
	case sampler == "":
		sampler = sampling.ParentBasedAlwaysOn // otelbench's default, as SamplingPolicy resolves it
	}
	v.oneOf(cmpPath(v, sp+".sampler", ep), "sampler", sampler, sampling.Samplers)
	if envSet && s.Sampler != "" && envSampler != s.Sampler && slices.Contains(sampling.Samplers, envSampler) {
		v.at(sp+".sampler", "sampler %s, and the app's env sets %s=%s; expected the same sampler in both, or %s left out of env (otelbench sets it from sampling:)", s.Sampler, samplerEnv, envSampler, samplerEnv)
	}
	ratioSampler := slices.Contains(ratioSamplers, sampler)
	if s.Ratio != nil {
		r := *s.Ratio
		switch {
		case math.IsNaN(r) || r < 0 || r > 1:
			v.at(sp+".ratio", "ratio %v is out of range; expected a number from 0 to 1 (the share of traces kept)", r)
		case !ratioSampler && slices.Contains(sampling.Samplers, sampler):
			v.at(sp+".ratio", "ratio applies to %s; sampler %s takes none; expected no ratio here", strings.Join(ratioSamplers, " and "), sampler)
		case argSet:
			if er, err := strconv.ParseFloat(strings.TrimSpace(envArg), 64); err != nil || er != r {
				v.at(sp+".ratio", "ratio %v, and the app's env sets %s=%s; expected the same ratio in both, or %s left out of env", r, samplerArgEnv, envArg, samplerArgEnv)
			}
		}
	} else if ratioSampler && argSet {
		if r, err := strconv.ParseFloat(strings.TrimSpace(envArg), 64); err != nil || math.IsNaN(r) || r < 0 || r > 1 {
			v.at(eap, "%s=%q is not a ratio; expected a number from 0 to 1 for %s", samplerArgEnv, envArg, sampler)
		}
	} else if ratioSampler {
		v.at(sp+".ratio", "missing ratio; expected the share of traces sampler %s keeps, from 0 to 1", sampler)
	}
	if s.Rule != "" {
		v.oneOf(sp+".rule", "rule", s.Rule, samplingRules)
		if !ratioSampler && slices.Contains(sampling.Samplers, sampler) {
			v.at(sp+".rule", "rule applies to %s, which decide by the trace ID; sampler %s does not; expected no rule here", strings.Join(ratioSamplers, " and "), sampler)
		}
	}
	if c := s.Confidence; c != 0 || v.has(sp+".confidence") {
		if !(c >= 0.5 && c < 1) {
			v.at(sp+".confidence", "confidence %v is out of range; expected a number from 0.5 to below 1, e.g. 0.99 (the default)", c)
		}
	}
}

// validateParents checks an app workload's shares of unsampled and missing parents.
func (sc *Scenario) validateParents(v *validator, p string, w *Workload, a *App) {
	pp := p + ".parents"
	for _, f := range []struct {
		key   string
		share float64
	}{{"unsampled", w.Parents.Unsampled}, {"none", w.Parents.None}} {
		if math.IsNaN(f.share) || f.share < 0 || f.share > 1 {
			v.at(pp+"."+f.key, "%s %v is out of range; expected a share of the requests from 0 to 1", f.key, f.share)
		}
	}
	if sum := w.Parents.Unsampled + w.Parents.None; sum > 1 {
		v.at(pp, "unsampled %v and none %v add up to %v; expected at most 1 (the rest carry a sampled traceparent)", w.Parents.Unsampled, w.Parents.None, sum)
	}
	if a != nil && v.has(pp) && !a.Traces.On() {
		v.at(pp, "parents exercise the app's trace sampler, and the traces of app %q are not read back; expected traces: {backend: <name>} on the app, or no parents here", a.Name)
	}
	if a != nil && w.Parents.None > 0 && a.Traces.On() {
		if b := sc.Backend(a.Traces.Backend); b != nil {
			for _, d := range sc.Paths(b, "traces") {
				if !slices.Contains(searchable, d.Type) {
					v.at(pp+".none", "requests without a traceparent are found by searching the app's traces by service, and the traces of app %q are read back from %s, a %s backend, which otelbench does not search; expected traces that end in %s, or none: 0", a.Name, d.Name, d.Type, strings.Join(searchable, " or "))
					break
				}
			}
		}
	}
}

// promName is what a Prometheus metric name looks like.
var promName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

// DefaultMaxInFlight is Workload.MaxInFlight when the scenario does not set it.
const DefaultMaxInFlight = 256

// App returns the app called name, or nil.
func (sc *Scenario) App(name string) *App {
	for i := range sc.Apps {
		if sc.Apps[i].Name == name {
			return &sc.Apps[i]
		}
	}
	return nil
}

// AppDir is where app a runs: Dir relative to the scenario file's folder unless absolute (the scenario file's
// folder when empty).
func (sc *Scenario) AppDir(a *App) string {
	if a.Dir == "" {
		if sc.File == "" {
			return "."
		}
		return filepath.Dir(sc.File)
	}
	return sc.resolve(a.Dir)
}

// IsApp reports whether w drives load at an application under test.
func (w *Workload) IsApp() bool { return w.App != "" }

// httpMethods are the methods a request can use.
var httpMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}

// appProtocols are the OTLP protocols an app's SDK can be pointed at.
// The default, otlp-http, comes first.
var appProtocols = append([]string{generators.OTLPHTTP}, protocolsWhere(func(p *generators.Protocol) bool {
	return p.IsOTLP() && p.Name != generators.OTLPHTTP
})...)

func (sc *Scenario) validateApp(v *validator, p string, a *App, seen map[string]bool) {
	v.name(p, a.Name, seen)
	switch {
	case len(a.Command) == 0 && a.URL == "" && a.Image == "":
		v.at(p, "app %q has neither command, image nor url; expected command: [program, args...] to start it, image: to run it as a container, or url: of one already running", a.Name)
	case (len(a.Command) > 0 || a.Image != "") && a.URL != "":
		v.at(p+".url", "app %q has url and also command or image; expected command or image to start it, or url for one already running, not both", a.Name)
	case a.URL != "" && !isHTTPURL(a.URL):
		v.at(p+".url", "url %q is not an http or https URL; expected e.g. http://127.0.0.1:8000", a.URL)
	}
	if len(a.Command) > 0 && a.Command[0] == "" {
		v.at(p+".command[0]", "an empty program; expected the program to run, e.g. python")
	}
	if a.URL != "" {
		for _, f := range []string{"dir", "python", "env", "port", "ready"} {
			if v.has(p + "." + f) {
				v.at(p+"."+f, "%s applies to an app otelbench starts; app %q is already running at url; expected no %s here", f, a.Name, f)
			}
		}
	}
	if a.Image != "" {
		for _, f := range []string{"dir", "python"} {
			if v.has(p + "." + f) {
				v.at(p+"."+f, "%s applies to an app otelbench runs as a process; app %q runs as a container of image %s; expected no %s here", f, a.Name, a.Image, f)
			}
		}
	}
	if len(a.Command) > 0 && a.Image == "" {
		dir := sc.AppDir(a)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			v.at(cmpPath(v, p+".dir", p), "app %q runs in %s, which is not a folder; expected dir: a folder relative to the scenario file", a.Name, dir)
		} else if a.Python != "" {
			req := filepath.Join(dir, a.Python)
			if st, err := os.Stat(req); err != nil || st.IsDir() {
				v.at(p+".python", "requirements file %s does not exist; expected python: a pinned requirements file in the app's dir", req)
			}
		}
	}
	if a.Port < 0 || a.Port > 65535 {
		v.at(p+".port", "port %d is out of range; expected 1 to 65535, or 0 (the default) for a free port otelbench picks", a.Port)
	}
	if a.Ready.Path != "" && !strings.HasPrefix(a.Ready.Path, "/") {
		v.at(p+".ready.path", "ready path %q does not start with /; expected e.g. /healthz", a.Ready.Path)
	}
	v.positive(p+".ready.timeout", a.Ready.Timeout, "60s")

	if !a.Traces.On() && !a.Metrics.On() && !a.Logs.On() {
		v.at(p, "app %q sends no telemetry otelbench reads back; expected traces: {backend: <name>} (and metrics, logs)", a.Name)
	}
	for _, s := range []struct {
		section, signal string
		sig             AppSignal
		scrape          bool
	}{
		{"traces", "traces", a.Traces, false},
		{"metrics", "metrics", AppSignal{Backend: a.Metrics.Backend, Protocol: a.Metrics.Protocol}, a.Metrics.Scrape != ""},
		{"logs", "logs", a.Logs, false},
	} {
		sp := p + "." + s.section
		if !s.sig.On() {
			if v.has(sp) {
				v.at(sp+".backend", "%s: no backend; expected backend: the name of the backend the app sends %s to", s.section, s.signal)
			}
			continue
		}
		b := sc.Backend(s.sig.Backend)
		if b == nil {
			v.at(sp+".backend", "app %q sends %s to backend %q, which is not defined; expected one of: %s", a.Name, s.signal, s.sig.Backend, strings.Join(names(sc.Backends), ", "))
			continue
		}
		if s.scrape {
			if s.sig.Protocol != "" {
				v.at(sp+".protocol", "metrics scraped from the app's own endpoint have no protocol; expected scrape or protocol, not both")
			}
			if !strings.HasPrefix(a.Metrics.Scrape, "/") {
				v.at(sp+".scrape", "scrape path %q does not start with /; expected e.g. /metrics", a.Metrics.Scrape)
			}
			if kindOf(b) != nil && !slices.Contains(receives(b, "metrics"), generators.Prometheus) {
				v.at(sp+".backend", "the metrics of app %q are scraped, and a %s backend does not scrape; expected a prometheus backend", a.Name, b.Type)
			} else if b.IsExternal() || a.URL != "" {
				v.at(sp+".scrape", "only a Prometheus otelbench starts is configured to scrape an app otelbench starts; expected a started prometheus backend and an app with command, or protocol: otlp-http")
			}
			continue
		}
		proto := s.sig.Protocol
		if proto == "" {
			proto = generators.OTLPHTTP
		} else {
			v.oneOf(sp+".protocol", "protocol", proto, appProtocols)
		}
		if kindOf(b) == nil || !slices.Contains(appProtocols, proto) {
			continue
		}
		switch {
		case !slices.Contains(receives(b, s.signal), proto):
			v.at(cmpPath(v, sp+".protocol", sp+".backend"), "a %s backend does not receive %s over %s; expected a backend that does, or one of: %s", b.Type, s.signal, proto, strings.Join(receives(b, s.signal), ", "))
		case !slices.Contains(sc.Signals(b), s.signal):
			v.at(sp+".backend", "backend %q cannot give %s back; expected a backend that gives %s back (%s sends them on to no such backend)", b.Name, s.signal, s.signal, b.Name)
		case a.URL != "" && !b.IsExternal():
			v.at(sp+".backend", "app %q is already running, so it cannot be told where backend %q, started by otelbench on a port of its choosing, listens; expected an external backend (external: {...}) the app already sends to, or command: to let otelbench start the app", a.Name, b.Name)
		}
	}
	sc.validateSampling(v, p, a)
	if c := a.Metrics.Count; c != "" && !promName.MatchString(c) {
		v.at(p+".metrics.count", "count %q is not a metric name as the backend stores it; expected letters, digits, '_' and ':', e.g. http_server_request_duration_seconds_count", c)
	}
	if a.Metrics.Count != "" && !a.Metrics.On() {
		v.at(p+".metrics.backend", "metrics: no backend; expected backend: the name of the backend the app's metrics are read from")
	}
}

// cmpPath is path when the file has it, else fallback.
func cmpPath(v *validator, path, fallback string) string {
	if v.has(path) || v.goBuilt {
		return path
	}
	return fallback
}

// validateAppWorkload checks a workload that drives HTTP load at an app.
func (sc *Scenario) validateAppWorkload(v *validator, p string, w *Workload, used map[string]string) {
	a := sc.App(w.App)
	if a == nil {
		v.at(p+".app", "app %q is not defined; expected one of: %s", w.App, strings.Join(appNames(sc.Apps), ", "))
	} else if other, ok := used[a.Name]; ok {
		v.at(p+".app", "app %q already takes the load of workload %q; expected one workload per app (its request count is compared with what the workload's requests got answered)", a.Name, other)
	} else {
		used[a.Name] = w.Name
	}
	if v.has(p + ".sampling") {
		v.at(p+".sampling", "workload %q drives requests at app %q, whose own SDK samples its traces; expected sampling: on the app (apps: [{name: %s, sampling: {...}}])", w.Name, w.App, w.App)
	}
	for _, f := range []string{"signal", "exporters", "trace", "metrics", "logs"} {
		if v.has(p + "." + f) {
			v.at(p+"."+f, "%s applies to workloads that generate telemetry; workload %q drives requests at app %q, whose own SDK makes the telemetry; expected no %s here", f, w.Name, w.App, f)
		}
	}
	if len(w.Requests) == 0 {
		v.at(p+".requests", "workload %q has no requests; expected requests: [{method: GET, path: /}]", w.Name)
	}
	for j, r := range w.Requests {
		rp := fmt.Sprintf("%s.requests[%d]", p, j)
		if r.Method != "" && !slices.Contains(httpMethods, r.Method) {
			v.at(rp+".method", "method %q is not supported; expected one of: %s", r.Method, strings.Join(httpMethods, ", "))
		}
		if !strings.HasPrefix(r.Path, "/") {
			v.at(rp+".path", "path %q does not start with /; expected e.g. /hello", r.Path)
		}
		if r.Weight < 0 || r.Weight > 1_000_000 || (r.Weight == 0 && v.has(rp+".weight")) {
			v.at(rp+".weight", "weight %d is out of range; expected 1 to 1000000 (default 1)", r.Weight)
		}
		if r.Status != 0 && (r.Status < 100 || r.Status > 599) {
			v.at(rp+".status", "status %d is not an HTTP status; expected 100 to 599", r.Status)
		}
		if r.Logs < 0 || r.Logs > 1000 {
			v.at(rp+".logs", "logs %d is out of range; expected 0 to 1000 log records per request", r.Logs)
		}
		validateHeaders(v, rp+".headers", r.Headers)
		for k := range r.Headers {
			if strings.EqualFold(k, "traceparent") || strings.EqualFold(k, "tracestate") {
				v.at(rp+".headers", "header %s is otelbench's: every request carries its own traceparent, derived like the synthetic IDs; expected no %s header", k, k)
			}
		}
	}
	if a != nil && a.Logs.On() && !slices.ContainsFunc(w.Requests, func(r Request) bool { return r.Logs > 0 }) {
		v.at(p+".requests", "the logs of app %q are read back, but no request of workload %q says how many records it logs; expected logs: <records per request> on the requests that log", a.Name, w.Name)
	}
	sc.validateParents(v, p, w, a)
	if w.MaxInFlight < 0 || (w.MaxInFlight == 0 && v.has(p+".max_in_flight")) {
		v.at(p+".max_in_flight", "max_in_flight %d is out of range; expected at least 1 (default %d)", w.MaxInFlight, DefaultMaxInFlight)
	}
	if sc.ExpectedSpans(w) < 1 && sc.Duration >= 0 && w.Rate >= 0 {
		v.at(p, "workload %q would send no request over %s; expected a higher rate or a longer duration", w.Name, sc.WorkloadDuration(w))
	}
}

func appNames(as []App) []string {
	out := make([]string, len(as))
	for i := range as {
		out[i] = as[i].Name
	}
	if len(out) == 0 {
		return []string{"(no apps: add apps: [{name: ..., command: [...]}])"}
	}
	return out
}

// applyAppDefaults fills in apps' and app workloads' defaults.
func (sc *Scenario) applyAppDefaults() {
	for i := range sc.Apps {
		a := &sc.Apps[i]
		if a.Ready.Timeout == 0 {
			a.Ready.Timeout = Duration(60 * time.Second)
		}
		for _, s := range []*AppSignal{&a.Traces, &a.Logs} {
			if s.On() && s.Protocol == "" {
				s.Protocol = generators.OTLPHTTP
			}
		}
		if a.Metrics.On() && a.Metrics.Scrape == "" && a.Metrics.Protocol == "" {
			a.Metrics.Protocol = generators.OTLPHTTP
		}
	}
	for i := range sc.Workloads {
		w := &sc.Workloads[i]
		if !w.IsApp() {
			continue
		}
		if w.MaxInFlight == 0 {
			w.MaxInFlight = DefaultMaxInFlight
		}
		for j := range w.Requests {
			r := &w.Requests[j]
			if r.Method == "" {
				r.Method = http.MethodGet
			}
			if r.Weight == 0 {
				r.Weight = 1
			}
			if _, explicit := sc.places[fmt.Sprintf("workloads[%d].requests[%d].route", i, j)]; r.Route == "" && !explicit {
				r.Route, _, _ = strings.Cut(r.Path, "?")
			}
		}
	}
}

// validateSamplingCollectors refuses otelbench's own traces workloads through a sampling collector: their
// verification predicts their SDK's sampler, not a collector's. (Collectors do not forward to collectors, so a
// sampling collector is always the one an app sends its traces to.)
func (sc *Scenario) validateSamplingCollectors(v *validator) {
	for i := range sc.Backends {
		b := &sc.Backends[i]
		if b.Sampling == nil {
			continue
		}
		for wi := range sc.Workloads {
			w := &sc.Workloads[wi]
			if w.IsApp() || w.Signal != "traces" {
				continue
			}
			for k, name := range w.Exporters {
				if e := sc.Exporter(name); e != nil && e.Backend == b.Name {
					v.at(fmt.Sprintf("workloads[%d].exporters[%d]", wi, k), "exporter %q sends workload %q's traces to collector %q, which samples them; a collector's sampling is checked on applications' traces only; expected sampling: {ratio: ...} on the workload (its SDK samples) or a collector without sampling", name, w.Name, b.Name)
				}
			}
		}
	}
}
