package engine

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/app"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/reports"
	"github.com/otelbench/otelbench/scenarios"
	"github.com/otelbench/otelbench/verify"
	"github.com/otelbench/otelbench/verify/sampling"
)

// plannedApp is an app workload before anything starts: the app, the load, and the ports chosen for it.
type plannedApp struct {
	w        *scenarios.Workload
	a        *scenarios.App
	schedule *generators.Schedule
	// port is where a started app listens; metricsAddr is host:port of its own metrics endpoint (scraped).
	port        int
	metricsAddr string
	// policy is the sampler the app is expected to run, confidence its ratio check's.
	policy     sampling.Policy
	confidence float64
}

// planApps adds the app workloads of sc to p: each request is one trace for the backends its traces reach.
func (p *plan) planApps(sc *scenarios.Scenario) {
	for i := range sc.Workloads {
		w := &sc.Workloads[i]
		if !w.IsApp() {
			continue
		}
		a := sc.App(w.App)
		pa := &plannedApp{w: w, a: a, schedule: schedule(sc, w)}
		pa.policy, pa.confidence = a.SamplingPolicy()
		if a.Traces.On() {
			for _, d := range p.top.AppRoute(w, generators.Traces).Paths {
				p.traces[d.Name] += float64(pa.schedule.Slots())
				p.spans[d.Name] += 4 * float64(pa.schedule.Slots()) // a server span and a few below it
			}
		}
		p.apps = append(p.apps, pa)
	}
}

// openAppPorts chooses the ports of started apps (and of their metrics endpoints, which Prometheus is configured
// to scrape) before the backends start.
func (p *plan) openAppPorts() error {
	for _, pa := range p.apps {
		if pa.a.URL != "" {
			continue
		}
		ports, err := containers.FreePorts(2)
		if err != nil {
			return err
		}
		pa.port = cmp.Or(pa.a.Port, ports[0])
		if m := pa.a.Metrics; m.On() && m.Scrape != "" {
			pa.metricsAddr = containers.HostPort(ports[1])
			p.appScrape[m.Backend] = append(p.appScrape[m.Backend], pa.metricsAddr+m.Scrape)
		}
	}
	return nil
}

// appRun is one app workload running: the app, its HTTP load, and a check per signal and backend path.
type appRun struct {
	*plannedApp
	url    string
	proc   runningApp
	load   *generators.HTTPLoad
	checks []*appCheck
	env    map[string]string // what the app was given (for explaining failures)
	sent   chan struct{}
	runID  string
	runErr error
	// logFile is where a started app's output goes.
	logFile string
}

// runningApp is an app otelbench started: a process or a container.
type runningApp interface {
	Stop(ctx context.Context) error
	Exited() (bool, error)
	ErrorLines(n int) []string
}

// appCheck is one check of an app: a signal read back from one path.
type appCheck struct {
	*check
	signal, protocol, metric string
	counted                  float64
	// diagnosis says, when no request's span was found, whether the backend holds any span of the app at all.
	diagnosis string
	// down (traces) is the sampler of the collector the app sends its traces to, nil without one.
	down *sampling.Downstream
	// roots (traces) is how many traces the app started itself for the requests sent without a traceparent, as
	// counted by searching the backend (rootsRes says how the search went).
	roots    int64
	rootsRes verify.Result
}

// diagnose tells an app that exported no span to backend from one whose spans went to traces of their own (it
// did not take the traceparent), when the backend can list the services it holds spans of.
func (r *appRun) diagnose(ctx context.Context, reader verify.TraceReader, backend string) string {
	service := r.env["OTEL_SERVICE_NAME"]
	lister, ok := reader.(verify.ServiceLister)
	if !ok || service == "" {
		return ""
	}
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	services, err := lister.Services(lctx)
	if err != nil {
		return ""
	}
	if slices.Contains(services, service) {
		return fmt.Sprintf("%s holds spans of service %s, but none in the requests' traces: the app's spans started traces of their own (does it take the traceparent header? OTEL_PROPAGATORS, or propagation set up in its code)", backend, service)
	}
	return fmt.Sprintf("%s holds no span of service %s at all: the app exported none there (is its SDK set up, its exporter pointed at the backend, sampling on?)", backend, service)
}

// startApps starts (or finds) every app, ready to take load, in runs; runs holds each as soon as it exists, so
// the caller can stop them whatever happens.
func startApps(ctx context.Context, sc *scenarios.Scenario, p *plan, opts Options, live map[string]*liveBackend, outDir string) ([]*appRun, error) {
	var runs []*appRun
	for _, pa := range p.apps {
		r := &appRun{plannedApp: pa, sent: make(chan struct{}), env: map[string]string{}, runID: opts.RunID}
		runs = append(runs, r)
		if err := r.start(ctx, sc, opts, live, outDir); err != nil {
			return runs, err
		}
		if err := r.build(ctx, sc, p, opts.RunID, live); err != nil {
			return runs, err
		}
	}
	return runs, nil
}

// start starts the app (an app already running is only checked to answer).
func (r *appRun) start(ctx context.Context, sc *scenarios.Scenario, opts Options, live map[string]*liveBackend, outDir string) error {
	a := r.a
	if a.URL != "" {
		r.url = strings.TrimRight(a.URL, "/")
		return nil
	}
	r.url = "http://" + containers.HostPort(r.port)
	dir := sc.AppDir(a)
	logDir := filepath.Join(outDir, "apps")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return err
	}
	r.logFile = filepath.Join(logDir, a.Name+".log")
	var venv string
	if a.Python != "" {
		opts.Observer.Phase(fmt.Sprintf("set up app %s (Python environment from %s)", a.Name, a.Python))
		f, err := os.Create(filepath.Join(logDir, a.Name+".setup.log"))
		if err != nil {
			return err
		}
		venv, err = app.Venv(ctx, filepath.Join(dir, a.Python), f)
		f.Close()
		if err != nil {
			return fmt.Errorf("app %s: %w (pip's output: %s)", a.Name, err, filepath.Join(logDir, a.Name+".setup.log"))
		}
	}
	env, err := r.otelEnv(sc, opts.RunID, live)
	if err != nil {
		return err
	}
	r.env = env
	opts.Observer.Phase(fmt.Sprintf("start app %s", a.Name))
	if a.Image != "" {
		c, err := app.StartContainer(ctx, app.ContainerConfig{
			Name: a.Name, RunID: opts.RunID, Image: a.Image, Command: a.Command, Env: envList(env),
			URL: r.url, ReadyPath: a.Ready.Path, ReadyTimeout: time.Duration(a.Ready.Timeout), Log: r.logFile,
			Customizers: []testcontainers.ContainerCustomizer{testcontainers.WithLogger(containers.Logger(opts.Logger))},
		})
		if err != nil {
			return err
		}
		r.proc = c
		return nil
	}
	proc, err := app.Start(ctx, app.Config{
		Name: a.Name, Command: a.Command, Dir: dir, Env: envList(env), Venv: venv,
		URL: r.url, ReadyPath: a.Ready.Path, ReadyTimeout: time.Duration(a.Ready.Timeout),
		Log: r.logFile,
	})
	if err != nil {
		return err
	}
	r.proc = proc
	return nil
}

// otelEnv is the environment an app's OpenTelemetry SDK is configured by: where each signal goes, the service
// and run it belongs to, short batch delays so that read-back need not wait, and the ports it listens on. The
// scenario's env for the app comes last and wins.
func (r *appRun) otelEnv(sc *scenarios.Scenario, runID string, live map[string]*liveBackend) (map[string]string, error) {
	a := r.a
	env := map[string]string{
		"OTEL_SERVICE_NAME":        a.Name,
		"OTEL_RESOURCE_ATTRIBUTES": "service.instance.id=" + appInstance(runID, a.Name) + ",otelbench.run.id=" + runID,
		"OTEL_PROPAGATORS":         "tracecontext,baggage",
		"OTEL_TRACES_SAMPLER":      r.policy.Sampler,
		"OTEL_BSP_SCHEDULE_DELAY":  "200",
		"OTEL_BLRP_SCHEDULE_DELAY": "200",
		// Prometheus stores cumulative temporality; what the SDKs default to, said so.
		"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "cumulative",
		"OTEL_METRIC_EXPORT_INTERVAL":                       "1000",
		"PORT":                                              strconv.Itoa(r.port),
		"OTEL_TRACES_EXPORTER":                              "none",
		"OTEL_METRICS_EXPORTER":                             "none",
		"OTEL_LOGS_EXPORTER":                                "none",
	}
	signals := []struct {
		name string
		sig  scenarios.AppSignal
	}{
		{"traces", a.Traces},
		{"metrics", scenarios.AppSignal{Backend: a.Metrics.Backend, Protocol: a.Metrics.Protocol}},
		{"logs", a.Logs},
	}
	if r.policy.ByRatio(sampling.ParentNone) {
		env["OTEL_TRACES_SAMPLER_ARG"] = strconv.FormatFloat(r.policy.Ratio, 'g', -1, 64)
	}
	if r.metricsAddr != "" {
		_, port, _ := strings.Cut(r.metricsAddr, ":")
		env["METRICS_PORT"], env["OTEL_EXPORTER_PROMETHEUS_HOST"], env["OTEL_EXPORTER_PROMETHEUS_PORT"] = port, "127.0.0.1", port
		signals[1].sig = scenarios.AppSignal{}
	}
	first := true
	for _, s := range signals {
		if !s.sig.On() {
			continue
		}
		lb := live[s.sig.Backend]
		if lb == nil {
			return nil, fmt.Errorf("app %s: backend %s is not running", a.Name, s.sig.Backend)
		}
		ep, ok := lb.Endpoint(s.sig.Protocol, generators.Signal(s.name), r.w.Name)
		if !ok || ep.Address == "" {
			return nil, fmt.Errorf("app %s: backend %s has no %s endpoint for %s", a.Name, s.sig.Backend, s.sig.Protocol, s.name)
		}
		scheme := "http"
		if ep.TLS != nil {
			scheme = "https"
		}
		base := scheme + "://" + ep.Address
		sigURL := base
		p, _ := generators.LookupProtocol(s.sig.Protocol) // an OTLP protocol: validated with the scenario
		proto := p.OTLPEnv
		if strings.HasPrefix(proto, "http/") {
			// Over HTTP, a signal's own endpoint is the full URL of its path.
			sigURL = base + cmp.Or(ep.URLPath, "/v1/"+s.name)
		}
		up := "OTEL_EXPORTER_OTLP_" + strings.ToUpper(s.name)
		env["OTEL_"+strings.ToUpper(s.name)+"_EXPORTER"] = "otlp"
		env[up+"_ENDPOINT"], env[up+"_PROTOCOL"] = sigURL, proto
		if first {
			env["OTEL_EXPORTER_OTLP_ENDPOINT"], env["OTEL_EXPORTER_OTLP_PROTOCOL"] = base, proto
			first = false
		}
		if len(ep.Headers) > 0 {
			var hs []string
			for _, k := range slices.Sorted(maps.Keys(ep.Headers)) {
				hs = append(hs, url.QueryEscape(k)+"="+url.QueryEscape(ep.Headers[k]))
			}
			env[up+"_HEADERS"] = strings.Join(hs, ",")
		}
		if ca := sc.Backend(s.sig.Backend).External.TLS.CAFile; ca != "" {
			env[up+"_CERTIFICATE"] = sc.Resolve(ca)
		}
	}
	for k, v := range a.Env {
		env[k] = v
	}
	return env, nil
}

func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// appInstance is the service.instance.id an app is given: its series in Prometheus carry it as instance.
func appInstance(runID, name string) string { return runID + "-" + name }

// build makes the app's load and checks.
func (r *appRun) build(ctx context.Context, sc *scenarios.Scenario, p *plan, runID string, live map[string]*liveBackend) error {
	reqs := make([]generators.HTTPRequest, len(r.w.Requests))
	for i, q := range r.w.Requests {
		reqs[i] = generators.HTTPRequest{Method: q.Method, Path: q.Path, Body: q.Body, Headers: q.Headers, Weight: q.Weight, Status: q.Status}
	}
	load, err := generators.NewHTTPLoad(generators.HTTPLoadConfig{
		Stream: r.w.Name, BaseURL: r.url, Requests: reqs, Schedule: r.schedule, IDs: p.ids, MaxInFlight: r.w.MaxInFlight,
		Unsampled: r.w.Parents.Unsampled, NoParent: r.w.Parents.None,
	})
	if err != nil {
		return err
	}
	r.load = load
	window := time.Duration(sc.Verify.Timeout)
	a := r.a
	if a.Traces.On() {
		route := p.top.AppRoute(r.w, generators.Traces)
		b := route.To
		for _, d := range route.Paths {
			reader := live[d.Name].TraceReader(r.w.Name, viaOf(live, b, d, generators.Traces, a.Traces.Protocol))
			if reader == nil {
				return fmt.Errorf("app %s: backend %s cannot give traces back", a.Name, d.Name)
			}
			c := &appCheck{signal: "traces", protocol: a.Traces.Protocol, check: &check{path: pathOf(b, d)}, down: downstreamOf(b.Backend)}
			backend := d.Name
			c.verifyFn = func(ctx context.Context, progress func(int64, int64)) (verify.Result, error) {
				<-r.sent
				res, err := verify.Requests(ctx, reader, r.expected(c.down), verify.Options{Window: window, Progress: progress})
				if err == nil && res.Lost > 0 && res.Lost == res.Expected {
					c.diagnosis = r.diagnose(ctx, reader, backend)
				}
				if err == nil && r.w.Parents.None > 0 {
					err = r.countRoots(ctx, c, reader, window)
				}
				return res, err
			}
			r.checks = append(r.checks, c)
		}
	}
	if m := a.Metrics; m.On() {
		route := p.top.AppRoute(r.w, generators.Metrics)
		b := route.To
		proto, instance := m.Protocol, appInstance(runID, a.Name)
		if m.Scrape != "" {
			proto, instance = "scrape", r.metricsAddr
		}
		for _, d := range route.Paths {
			q, ok := live[d.Name].Live.(containers.Queried)
			if !ok {
				continue
			}
			c := &appCheck{signal: "metrics", protocol: proto, check: &check{path: pathOf(b, d)}}
			names := []string{m.Count}
			if m.Count == "" {
				names = defaultCountMetrics
			}
			count := func(ctx context.Context) (float64, bool, error) {
				for _, n := range names {
					samples, err := q.PromQL().Query(ctx, fmt.Sprintf("sum(%s{instance=%q})", n, instance), time.Now())
					if err != nil {
						return 0, false, err
					}
					if len(samples) > 0 {
						c.metric = n
						return samples[0].Value, true, nil
					}
				}
				return 0, false, nil
			}
			// The count before the load: what the app counted of otelbench's readiness probes, once exported.
			before := settledCount(ctx, count)
			c.verifyFn = func(ctx context.Context, progress func(int64, int64)) (verify.Result, error) {
				<-r.sent
				res, counted, err := verify.RequestCount(ctx, count, before, r.load.HTTPStats().Answered, verify.Options{Window: window, Progress: progress})
				c.counted = counted
				return res, err
			}
			r.checks = append(r.checks, c)
		}
	}
	if a.Logs.On() {
		route := p.top.AppRoute(r.w, generators.Logs)
		b := route.To
		for _, d := range route.Paths {
			src := live[d.Name].LogSource(r.w.Name, viaOf(live, b, d, generators.Logs, a.Logs.Protocol))
			if src == nil {
				return fmt.Errorf("app %s: backend %s cannot give logs back", a.Name, d.Name)
			}
			c := &appCheck{signal: "logs", protocol: a.Logs.Protocol, check: &check{path: pathOf(b, d)}}
			instance := appInstance(runID, a.Name)
			c.verifyFn = func(ctx context.Context, progress func(int64, int64)) (verify.Result, error) {
				<-r.sent
				return verify.AppLogs(ctx, src, r.expectedLogs(), instance, verify.Options{Window: window, Progress: progress})
			}
			r.checks = append(r.checks, c)
		}
	}
	if len(r.checks) == 0 {
		return fmt.Errorf("app %s: no backend path gives its telemetry back", a.Name)
	}
	return nil
}

// defaultCountMetrics are the HTTP server duration histogram's count as Prometheus names it, by the stable
// semantic conventions (seconds) and the old ones (milliseconds).
var defaultCountMetrics = []string{"http_server_request_duration_seconds_count", "http_server_duration_milliseconds_count", "http_server_duration_count"}

// settledCount reads count until it has not changed for 2.5 seconds (two metric export intervals and a scrape):
// an app's first export may still be on its way.
func settledCount(ctx context.Context, count verify.CountQuery) float64 {
	last, _, _ := count(ctx)
	stable := time.Now()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for time.Since(stable) < 2500*time.Millisecond {
		select {
		case <-ctx.Done():
			return last
		case <-tick.C:
		}
		if v, _, err := count(ctx); err == nil && v != last {
			last, stable = v, time.Now()
		}
	}
	return last
}

// downstreamOf is the sampler of collector b, nil when it samples nothing.
func downstreamOf(b *scenarios.Backend) *sampling.Downstream {
	s := b.Sampling
	if s == nil || s.Ratio == nil {
		return nil
	}
	d := &sampling.Downstream{Ratio: *s.Ratio}
	if s.Mode == "proportional" {
		d.Rule = sampling.RuleConsistent
	}
	return d
}

// decide is what the app's sampler, then down (nil: none), should do with a trace of id under parent, and the
// chance that it is kept.
func (r *appRun) decide(id [16]byte, parent sampling.Parent, down *sampling.Downstream) (sampling.Decision, float64) {
	app := r.policy.Expect(id, parent)
	chance := app.Chance(r.policy.Ratio)
	if down == nil {
		return app, chance
	}
	d := down.Expect(id, parent)
	return app.Then(d), chance * d.Chance(down.Ratio)
}

// expected lists the answered requests that carried a traceparent, what their server spans must say, and what
// the app's sampler (and down's, when set) should do with each.
func (r *appRun) expected(down *sampling.Downstream) []verify.Request {
	var out []verify.Request
	for seq, res := range r.load.Results() {
		if !res.Answered() {
			continue
		}
		parent := parentOf(r.load.ParentOf(uint64(seq)))
		if parent == sampling.ParentNone {
			continue // the app chose the trace ID: countRoots counts these
		}
		q := r.w.Requests[res.Kind]
		tid, span := r.load.TraceParent(uint64(seq))
		expect, _ := r.decide(tid, parent, down)
		out = append(out, verify.Request{Seq: uint64(seq), Trace: tid, Parent: span, Method: q.Method, Route: q.Route, Status: res.Status,
			Expect: expect, UnsampledParent: parent == sampling.ParentUnsampled})
	}
	return out
}

// parentOf is a request's traceparent as the sampler sees it.
func parentOf(t generators.Traceparent) sampling.Parent {
	switch t {
	case generators.TraceparentUnsampled:
		return sampling.ParentUnsampled
	case generators.TraceparentNone:
		return sampling.ParentNone
	}
	return sampling.ParentSampled
}

// byParent counts the answered requests by the traceparent they carried.
func (r *appRun) byParent() map[sampling.Parent]int64 {
	out := map[sampling.Parent]int64{}
	for seq, res := range r.load.Results() {
		if res.Answered() {
			out[parentOf(r.load.ParentOf(uint64(seq)))]++
		}
	}
	return out
}

// countRoots counts the traces the app started itself for the requests sent without a traceparent, by searching
// the backend for the app's service since the load began.
func (r *appRun) countRoots(ctx context.Context, c *appCheck, reader verify.TraceReader, window time.Duration) error {
	searcher, ok := reader.(verify.TraceSearcher)
	if !ok {
		return fmt.Errorf("app %s: %s cannot be searched by service, so the requests sent without a traceparent cannot be found", r.a.Name, c.path)
	}
	known := map[trace.TraceID]bool{}
	for seq := range r.load.Results() {
		tid, _ := r.load.TraceParent(uint64(seq))
		known[tid] = true
	}
	roots := r.byParent()[sampling.ParentNone]
	since := r.load.Stats().Start.Add(-time.Second)
	n, res, err := verify.Roots(ctx, searcher, cmp.Or(r.env["OTEL_SERVICE_NAME"], r.a.Name), since, known, len(known)+2*int(roots)+100, verify.Options{Window: window})
	c.roots, c.rootsRes = n, res
	return err
}

// expectedLogs lists the answered requests that log, and how many records each.
func (r *appRun) expectedLogs() []verify.RequestLogs {
	var out []verify.RequestLogs
	for seq, res := range r.load.Results() {
		if n := r.w.Requests[res.Kind].Logs; res.Answered() && n > 0 {
			tid, _ := r.load.TraceParent(uint64(seq))
			out = append(out, verify.RequestLogs{Seq: uint64(seq), Trace: tid, Want: n})
		}
	}
	return out
}

// send drives the load; checks wait for it.
func (r *appRun) send(ctx context.Context) {
	defer close(r.sent)
	r.runErr = r.load.Run(ctx)
}

// stop stops a started app.
func (r *appRun) stop(ctx context.Context) error {
	if r.proc == nil {
		return nil
	}
	return r.proc.Stop(ctx)
}

func (r *appRun) sendProgress() *Progress {
	return &Progress{
		Name: "send   " + r.w.Name + " -> " + r.a.Name, Unit: "requests",
		Current: func() int64 { return int64(r.load.Emitted()) },
		Total:   func() int64 { return int64(r.load.Slots()) },
		Done:    func() bool { return isClosed(r.sent) },
	}
}

func (r *appRun) verifyProgress(c *appCheck) *Progress {
	return &Progress{
		Name: "verify " + r.w.Name + " " + c.signal + " @ " + c.path, Unit: "requests",
		Current: c.verified.Load,
		Total: func() int64 {
			if e := c.expected.Load(); e > 0 {
				return e
			}
			return int64(r.load.Slots())
		},
		Done: c.done.Load,
	}
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// rows are the app's lines in the report, one per check, and the error that stopped its load, if any.
func (r *appRun) rows(e *explainer) ([]reports.Exporter, []error) {
	var errs []error
	if r.runErr != nil && !e.interrupted {
		errs = append(errs, fmt.Errorf("app %s: %w", r.a.Name, r.runErr))
	}
	return r.checkRows(), errs
}

// checkRows are the app's lines in the report, one per check, each failing one with its causes.
func (r *appRun) checkRows() []reports.Exporter {
	st, hs := r.load.Stats(), r.load.HTTPStats()
	var out []reports.Exporter
	for _, c := range r.checks {
		res := c.res
		var sampled *reports.Sampling
		side := &reports.App{
			Requests: hs.Requests, Answered: hs.Answered, Failed: hs.Failed, NotSent: hs.NotSent,
			Statuses: hs.Statuses, UnexpectedStatus: hs.UnexpectedStatus,
			LatencyMs:     reports.LatencyOf(hs.Latency.P50, hs.Latency.P90, hs.Latency.P99, hs.Latency.P999, hs.Latency.Max, hs.Latency.Count),
			ServiceTimeMs: reports.LatencyOf(hs.Service.P50, hs.Service.P90, hs.Service.P99, hs.Service.P999, hs.Service.Max, hs.Service.Count),
		}
		if len(hs.Errors) > 0 {
			side.Errors = hs.Errors
		}
		if c.signal == "traces" {
			side.SpansBelow, side.Attributes, side.Semconv = res.SpansBelow, res.Attributes, verify.Semconv(res.Attributes)
			res, sampled = r.judgeSampling(c, res, hs.Answered)
		} else {
			side.Metric, side.Counted = c.metric, c.counted
		}
		row := reports.Exporter{
			Name: r.a.Name, Workload: r.w.Name, Signal: c.signal, Protocol: c.protocol, Backend: c.path,
			Unit: "requests", RateUnit: "requests/s",
			Emitted: int64(st.Emitted), Sent: hs.Answered,
			Verified: res.Verified, Lost: res.Lost, Duplicated: res.Duplicated, Altered: res.Altered,
			TargetRatePerS: round(st.TargetRate), AchievedRatePerS: round(st.AchievedRate), MissedSlots: st.Missed,
			VerifyRounds: res.Rounds, VerifiedBy: "request", Problems: res.Problems, App: side,
		}
		if d := st.Flushed.Sub(st.Start).Seconds(); d > 0 {
			row.ThroughputPerS = round(float64(hs.Answered) / d)
		}
		if c.signal == "logs" {
			// Log rows count records: those the answered requests should have logged.
			row.Unit, row.Sent = "records", res.Expected
		}
		if res.Lost > 0 {
			row.LostByCause = map[string]int64{"never_readable": res.Lost}
		}
		verified := res.Passed() && res.Expected == row.Sent
		if sm := sampled; sm != nil {
			row.Sampling = sm
			row.NotSampled = sm.NotSampled
			// Every request judged: verified or not sampled, and none the sampler should have dropped arrived.
			verified = res.Lost == 0 && res.Altered == 0 && res.Duplicated == 0 && sm.Unexpected == 0 &&
				res.Verified+sm.NotSampled == row.Sent && (sm.Check == nil || sm.Check.Consistent)
		}
		row.Passed = verified && hs.Answered > 0 && hs.Failed == 0 && hs.NotSent == 0 &&
			hs.UnexpectedStatus == 0 && c.err == nil && !behind(st.TargetRate, st.AchievedRate, 0.01)
		if !row.Passed {
			row.Causes = r.causes(c, &row)
		}
		out = append(out, row)
	}
	return out
}

// judgeSampling adds the requests sent without a traceparent (counted by searching) to res, and says what the
// app's sampler kept of the answered requests against what it was expected to keep. It returns res unchanged
// and no sampling when the app samples nothing away and every request carried a sampled traceparent (the
// default: every trace is expected, and a missing one is lost).
func (r *appRun) judgeSampling(c *appCheck, res verify.Result, answered int64) (verify.Result, *reports.Sampling) {
	p := r.policy
	byParent := r.byParent()
	if p.Sampler == sampling.ParentBasedAlwaysOn && byParent[sampling.ParentUnsampled] == 0 && byParent[sampling.ParentNone] == 0 && c.down == nil {
		return res, nil
	}
	rule := string(p.Rule)
	if rule == "" {
		rule = scenarios.RuleUnknown
	}
	sm := &reports.Sampling{Sampler: p.Sampler, Ratio: p.Ratio, Rule: rule,
		SampledParent: byParent[sampling.ParentSampled], UnsampledParent: byParent[sampling.ParentUnsampled], NoParent: byParent[sampling.ParentNone]}
	if d := c.down; d != nil {
		mode := "hash_seed"
		if d.Rule != "" {
			mode = "proportional"
		}
		sm.Downstream = fmt.Sprintf("collector probabilistic_sampler %g (%s)", d.Ratio, mode)
	}
	// chances sums the chance of being kept of every request whose outcome only a ratio decides: their expected
	// number kept.
	var chances float64
	for _, q := range r.expected(c.down) {
		switch q.Expect {
		case sampling.Keep:
			sm.PredictedKept++
		case sampling.Drop:
			sm.PredictedDropped++
		default:
			_, chance := r.decide(q.Trace, parentFlag(q.UnsampledParent), c.down)
			chances += chance
		}
	}
	eitherKept, eitherTotal := res.EitherKept, res.EitherTotal
	if roots := sm.NoParent; roots > 0 {
		found := c.roots
		decision, chance := r.decide([16]byte{}, sampling.ParentNone, c.down)
		if decision == sampling.Either {
			chances += chance * float64(roots)
		}
		switch decision {
		case sampling.Keep:
			sm.PredictedKept += roots
			res.Verified += min(found, roots)
			res.Expected += roots
			if found < roots {
				res.Lost += roots - found
				res.Problems = append(res.Problems, fmt.Sprintf("%d of the %d requests sent without a traceparent have no trace the app started in %s", roots-found, roots, c.path))
			}
		case sampling.Drop:
			sm.PredictedDropped += roots
			res.NotSampled += max(roots-found, 0)
			res.Unexpected += min(found, roots)
		default:
			eitherTotal += roots
			eitherKept += min(found, roots)
			res.Verified += min(found, roots)
			res.Expected += min(found, roots)
			res.NotSampled += max(roots-found, 0)
		}
		if found > roots {
			res.Unexpected += found - roots
			res.Problems = append(res.Problems, fmt.Sprintf("%d traces the app started itself in %s, for %d requests sent without a traceparent", found, c.path, roots))
		}
		res.Problems = append(res.Problems, c.rootsRes.Problems...)
	}
	sm.Either = eitherTotal
	sm.NotSampled, sm.Unexpected, sm.Violations = res.NotSampled, res.Unexpected, res.Violations
	sm.Kept = res.Verified + res.Altered + res.Unexpected
	if answered > 0 {
		sm.ObservedRatio = round3(float64(sm.Kept) / float64(answered))
		sm.ExpectedRatio = round3((float64(sm.PredictedKept) + chances) / float64(answered))
	}
	if eitherTotal > 0 {
		// Against the mean chance: the ratio itself when one sampler decides them all.
		expected := math.Min(1, chances/float64(eitherTotal))
		if chk, err := sampling.CheckRatio(int(eitherKept), int(eitherTotal), expected, r.confidence); err == nil {
			sm.Check = &reports.RatioCheck{Kept: eitherKept, Total: eitherTotal, Observed: round3(chk.Observed), Expected: chk.Expected,
				Confidence: chk.Confidence, Lo: round3(chk.Lo), Hi: round3(chk.Hi), Consistent: chk.Consistent}
		}
	}
	return res, sm
}

// parentFlag is the parent of a request that carried a traceparent.
func parentFlag(unsampled bool) sampling.Parent {
	if unsampled {
		return sampling.ParentUnsampled
	}
	return sampling.ParentSampled
}

// causes say why an app's row failed, with what the run can see: the HTTP side, the environment the app was
// given (a sampler or exporter turned off, an endpoint overridden), and the errors the app printed.
func (r *appRun) causes(c *appCheck, row *reports.Exporter) []string {
	var out []string
	add := func(format string, args ...any) {
		s := fmt.Sprintf(format, args...)
		if len(s) > maxCause {
			s = s[:maxCause-1] + "…"
		}
		out = append(out, s)
	}
	hs := row.App
	if hs.Failed > 0 {
		add("%d of %d requests got no answer from app %s: %s", hs.Failed, hs.Requests, r.a.Name, topError(hs.Errors))
	}
	if hs.NotSent > 0 {
		add("%d requests were not sent: %d were still waiting for answers (max_in_flight); the app cannot take this rate", hs.NotSent, r.w.MaxInFlight)
	}
	if hs.UnexpectedStatus > 0 {
		add("%d answers had a status the scenario does not expect (statuses: %s)", hs.UnexpectedStatus, statusList(hs.Statuses))
	}
	if c.err != nil {
		add("verification failed: %v", c.err)
	}
	if sm := row.Sampling; sm != nil {
		if sm.Unexpected > sm.Violations {
			add("%d traces arrived that sampler %s was predicted to drop (see problems): the app's sampler is not the one expected, or its rule is not %s", sm.Unexpected-sm.Violations, r.policy, sm.Rule)
		}
		if sm.Violations > 0 {
			add("%d requests sent with an unsampled traceparent (flags 00) have spans: sampler %s must not record under an unsampled parent", sm.Violations, sm.Sampler)
		}
		if chk := sm.Check; chk != nil && !chk.Consistent {
			add("the share of traces kept is outside its interval: %s", chk.String())
		}
	}
	if row.Lost == 0 && row.Altered == 0 && row.Duplicated == 0 {
		return out
	}
	switch c.signal {
	case "traces":
		if row.Lost > 0 {
			add("%d of %d answered requests have no server span in %s (read back by the trace ID of each request's traceparent)", row.Lost, row.Sent, c.path)
			if row.Sampling != nil {
				add("sampler %s was expected to keep each of them; %d other requests were not sampled, as expected", r.policy, row.NotSampled)
			}
		}
		if row.Altered > 0 {
			add("%d server spans were found but do not say what the request was (parent, method, route or status): see problems", row.Altered)
		}
		if c.diagnosis != "" {
			add("%s", c.diagnosis)
		}
		for _, why := range r.envProblems("TRACES") {
			add("%s", why)
		}
	case "logs":
		if row.Lost > 0 {
			add("%d of %d log records of answered requests were not found in %s (by each request's trace ID, resource service.instance.id %s)", row.Lost, row.Sent, c.path, appInstance(r.runID, r.a.Name))
		}
		if row.Duplicated > 0 {
			add("%d log records more than the requests' logs: says carried the requests' trace IDs in %s", row.Duplicated, c.path)
		}
		for _, why := range r.envProblems("LOGS") {
			add("%s", why)
		}
	case "metrics":
		metric := cmp.Or(c.metric, strings.Join(cmpSlice(r.a.Metrics.Count, defaultCountMetrics), " or "))
		add("the app's request count (%s) rose by %.0f at %s; it answered %d requests", metric, c.counted, c.path, row.Sent)
		if r.a.Metrics.Scrape == "" {
			for _, why := range r.envProblems("METRICS") {
				add("%s", why)
			}
		}
	}
	if r.proc != nil {
		if exited, err := r.proc.Exited(); exited {
			add("app %s exited during the run: %v", r.a.Name, err)
		}
		if lines := r.proc.ErrorLines(3); len(lines) > 0 {
			add("app %s printed: %s", r.a.Name, strings.Join(lines, " | "))
		}
	}
	return out
}

func cmpSlice(one string, many []string) []string {
	if one != "" {
		return []string{one}
	}
	return many
}

// envProblems are what in the app's environment keeps signal (TRACES, METRICS) from the backend, when the
// scenario's env for the app changed what otelbench set.
func (r *appRun) envProblems(signal string) []string {
	var out []string
	env := r.env
	if v := env["OTEL_SDK_DISABLED"]; strings.EqualFold(v, "true") {
		out = append(out, "the app's environment has OTEL_SDK_DISABLED=true: its SDK makes no telemetry")
	}
	if v := env["OTEL_"+signal+"_EXPORTER"]; v != "" && v != "otlp" {
		out = append(out, fmt.Sprintf("the app's environment has OTEL_%s_EXPORTER=%s: it does not export %s over OTLP", signal, v, strings.ToLower(signal)))
	}
	if signal == "TRACES" {
		if p, ok := r.a.Env["OTEL_PROPAGATORS"]; ok && !slices.Contains(strings.Split(p, ","), "tracecontext") {
			out = append(out, fmt.Sprintf("the app's environment has OTEL_PROPAGATORS=%s, without tracecontext: it does not take the traceparent header, so its spans start traces of their own", p))
		}
	}
	for _, k := range []string{"OTEL_EXPORTER_OTLP_" + signal + "_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"} {
		if v, ok := r.a.Env[k]; ok {
			out = append(out, fmt.Sprintf("the scenario sets the app's %s=%s, not the backend's endpoint otelbench gives", k, v))
		}
	}
	return out
}

func topError(errs map[string]int64) string {
	best, n := "", int64(-1)
	for e, c := range errs {
		if c > n || (c == n && e < best) {
			best, n = e, c
		}
	}
	return best
}

func statusList(m map[string]int64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// appEndpoints says where each app of the run answers, for Options.Hold: its URL, its metrics endpoint, its log.
func appEndpoints(runs []*appRun) []BackendEndpoints {
	var out []BackendEndpoints
	for _, r := range runs {
		urls := map[string]string{"http": r.url}
		if r.metricsAddr != "" {
			urls["metrics"] = "http://" + r.metricsAddr + r.a.Metrics.Scrape
		}
		if r.logFile != "" {
			urls["log"] = r.logFile
		}
		out = append(out, BackendEndpoints{Name: r.a.Name, Type: "app", External: r.a.URL != "", URLs: urls})
	}
	return out
}
