package scenarios

import (
	"cmp"
	"crypto/tls"
	"maps"
	"net"
	"net/url"
	"os"
	"strconv"

	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/reports"
	"github.com/otelbench/otelbench/reports/threshold"
	"github.com/otelbench/otelbench/verify/sampling"
)

// Limits on scenario values. They keep a typo (rate: 1e9) from turning into a run that cannot work.
const (
	MaxRate          = 5_000_000 // items per second per exporter
	MaxSeries        = 100_000
	MaxBodySize      = 64 << 10
	MaxDuration      = 24 * time.Hour
	MaxSpansPerTrace = 10_000
	MaxAttributes    = 128
	MaxAttributeSize = 64 << 10
	// MaxConfigurations bounds a sweep: each configuration runs alone, replicates times.
	MaxConfigurations = 256
)

// The scenario's vocabulary, defined once by the packages that implement it: protocols, signals, pipelines,
// instruments and severities by generators, backend types and what each receives by the registry
// (containers/all).
var (
	Protocols     = generators.ProtocolNames()
	Signals       = signalNames()
	Compressions  = []string{"none", "gzip"}
	Temporalities = []string{"cumulative", "delta"}
	// Pipelines are the ways items reach an exporter: the full SDK pipeline, or batches handed to it directly.
	Pipelines = []string{generators.PipelineSDK, generators.PipelineDirect}
	// Instruments are the metric instruments a metrics workload can record.
	Instruments = instrumentKinds()
	// Severities are the log severities a logs workload can emit, lowest first.
	Severities = severityNames()
	// ProtocolSignals lists the signals each protocol carries.
	ProtocolSignals = protocolSignals()
)

// protocolsWhere lists the registered protocols that satisfy ok.
func protocolsWhere(ok func(*generators.Protocol) bool) []string {
	var out []string
	for _, name := range generators.ProtocolNames() {
		if p, _ := generators.LookupProtocol(name); ok(p) {
			out = append(out, name)
		}
	}
	return out
}

func protocolSignals() map[string][]string {
	out := map[string][]string{}
	for _, name := range generators.ProtocolNames() {
		p, _ := generators.LookupProtocol(name)
		for _, s := range p.Signals {
			out[name] = append(out[name], string(s))
		}
	}
	return out
}

func signalNames() []string {
	var out []string
	for _, s := range generators.Signals {
		out = append(out, string(s))
	}
	return out
}

func instrumentKinds() []string {
	var out []string
	for _, in := range generators.Instruments {
		out = append(out, in.Kind)
	}
	return out
}

func severityNames() []string {
	out := slices.Collect(maps.Keys(generators.Severities))
	slices.SortFunc(out, func(a, b string) int { return int(generators.Severities[a]) - int(generators.Severities[b]) })
	return out
}

// kindOf is the registered description of b's type, or nil.
func kindOf(b *Backend) *backend.Description {
	d, _ := backend.Lookup(b.Type)
	return d
}

// receives lists the protocols backend b receives signal with, sorted.
func receives(b *Backend, signal string) []string {
	k := kindOf(b)
	if k == nil {
		return nil
	}
	return k.Receives[generators.Signal(signal)]
}

// receivesAny lists the protocols backend b receives any signal with.
func receivesAny(b *Backend) []string {
	var out []string
	for _, sig := range Signals {
		for _, p := range receives(b, sig) {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Signals reports the signals items sent to backend b can be read back for: those it gives back itself, and for
// a backend that forwards (a collector) those the backends it forwards to take and give back.
func (sc *Scenario) Signals(b *Backend) []string {
	var out []string
	for _, sig := range Signals {
		if len(sc.Paths(b, sig)) > 0 {
			out = append(out, sig)
		}
	}
	return out
}

// namePattern is what names of scenarios, backends, exporters and workloads look like (nameRule in words).
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)

const nameRule = "lower-case letters, digits, '-', '_' or '.', starting with a letter or digit, at most 63 characters"

// validator collects semantic errors; places maps a field path to where its value stands in the file.
type validator struct {
	file   string
	places map[string]Pos
	root   Pos
	errs   Errors
	// undecoded are the paths whose values did not decode; errors about them, their parents or their children
	// would only repeat the decode error in other words, so at drops them.
	undecoded []string
	// goBuilt: the scenario was built in Go, so there are no places; messages name the field path instead.
	goBuilt bool
}

// at reports msg at the value of path, or at the nearest enclosing value the file has (a missing key is reported
// where its parent mapping starts).
func (v *validator) at(path, format string, args ...any) {
	for _, u := range v.undecoded {
		if within(path, u) || within(u, path) {
			return
		}
	}
	msg := fmt.Sprintf(format, args...)
	if v.goBuilt {
		v.errs = append(v.errs, Error{File: v.file, Msg: cmp.Or(path, "scenario") + ": " + msg})
		return
	}
	pos := place(v.places, v.root, path)
	v.errs = append(v.errs, Error{File: v.file, Line: pos.Line, Column: pos.Column, Msg: msg})
}

// place is where the value at path stands, or the nearest enclosing value the file has, or root.
func place(places map[string]Pos, root Pos, path string) Pos {
	pos, ok := places[path]
	for p := path; !ok && p != ""; {
		p = parent(p)
		pos, ok = places[p]
	}
	if !ok {
		return root
	}
	return pos
}

func (v *validator) has(path string) bool {
	_, ok := v.places[path]
	return ok
}

// within reports whether path is inner or equal to outer ("a.b[1].c" is within "a.b[1]" and "a", not "a.bc").
func within(path, outer string) bool {
	if outer == "" || path == outer {
		return true
	}
	return strings.HasPrefix(path, outer) && (path[len(outer)] == '.' || path[len(outer)] == '[')
}

func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

func (sc *Scenario) validate(v *validator) {
	if !v.has("version") {
		v.at("", "missing key version; expected version: %d", Version)
	} else if sc.Version != Version {
		v.at("version", "version %d is not supported; expected %d", sc.Version, Version)
	}
	switch {
	case sc.Name == "":
		v.at("name", "missing name; expected a short name such as smoke")
	case !namePattern.MatchString(sc.Name):
		v.at("name", "name %q is not valid; expected %s", sc.Name, nameRule)
	}
	// An explicit zero is refused wherever zero has no meaning; an omitted field keeps its default (v.has tells
	// the two apart: a key written with an empty value counts as written).
	if sc.Duration < 0 || time.Duration(sc.Duration) > MaxDuration || (sc.Duration == 0 && v.has("duration")) {
		v.at("duration", "duration %s is out of range; expected more than 0s and at most %s", sc.Duration, MaxDuration)
	}
	if sc.Verify.Timeout < 0 || (sc.Verify.Timeout == 0 && v.has("verify.timeout")) {
		v.at("verify.timeout", "verify.timeout %s is out of range; expected a positive duration such as 30s (the default)", sc.Verify.Timeout)
	}
	// rate_tolerance 0 is meaningful: a sender any fraction behind its schedule fails the row. A file's explicit 0
	// is kept (applyDefaults); only an omitted one becomes DefaultRateTolerance.
	if sc.Verify.RateTolerance < 0 || sc.Verify.RateTolerance >= 1 {
		v.at("verify.rate_tolerance", "rate_tolerance %g is out of range; expected a fraction from 0 to below 1, e.g. 0.05 for 5%% below the target rate", sc.Verify.RateTolerance)
	}

	backendNames := map[string]bool{}
	if len(sc.Backends) == 0 {
		v.at("backends", "no backends; expected at least one, e.g. - {name: jaeger, type: jaeger}")
	}
	for i := range sc.Backends {
		sc.validateBackend(v, fmt.Sprintf("backends[%d]", i), &sc.Backends[i], backendNames)
	}

	exporterNames := map[string]bool{}
	appsOnly := len(sc.Workloads) > 0 && !slices.ContainsFunc(sc.Workloads, func(w Workload) bool { return !w.IsApp() })
	if len(sc.Exporters) == 0 && !appsOnly {
		v.at("exporters", "no exporters; expected at least one, e.g. - {name: grpc, protocol: otlp-grpc, backend: jaeger}")
	}
	for i, e := range sc.Exporters {
		p := fmt.Sprintf("exporters[%d]", i)
		v.name(p, e.Name, exporterNames)
		v.oneOf(p+".protocol", "protocol", e.Protocol, Protocols)
		if b := sc.Backend(e.Backend); b == nil {
			v.at(p+".backend", "exporter %q sends to backend %q, which is not defined; expected one of: %s", e.Name, e.Backend, strings.Join(names(sc.Backends), ", "))
		} else if accepts := receivesAny(b); kindOf(b) != nil && slices.Contains(Protocols, e.Protocol) && !slices.Contains(accepts, e.Protocol) {
			v.at(p+".protocol", "a %s backend does not receive %s; expected one of: %s", b.Type, e.Protocol, strings.Join(accepts, ", "))
		}
		if e.Temporality != "" || v.has(p+".temporality") {
			v.oneOf(p+".temporality", "temporality", e.Temporality, Temporalities)
		}
		if e.Temporality == "delta" {
			if b := sc.Backend(e.Backend); b != nil {
				if msg := sc.deltaRefused(b); msg != "" {
					v.at(p+".temporality", "exporter %q sends delta temporality, but %s", e.Name, msg)
				}
			}
		}
		proto, known := generators.LookupProtocol(e.Protocol)
		if known && proto.Scraped {
			if b := sc.Backend(e.Backend); b != nil && b.IsExternal() {
				v.at(p+".backend", "exporter %q serves a scrape endpoint that only a Prometheus otelbench starts is configured to scrape; backend %q is external; expected a started prometheus backend, or protocol otlp-http", e.Name, b.Name)
			}
		}
		v.positive(p+".export_interval", e.ExportInterval, "1s")
		if e.BatchSize < 0 || (e.BatchSize == 0 && v.has(p+".batch_size")) {
			v.at(p+".batch_size", "batch_size %d is out of range; expected at least 1 item per export (default 512)", e.BatchSize)
		}
		batch := e.BatchSize
		if batch <= 0 {
			batch = 512
		}
		if e.QueueSize < 0 || (e.QueueSize == 0 && v.has(p+".queue_size")) || (e.QueueSize > 0 && e.QueueSize < batch) {
			v.at(p+".queue_size", "queue_size %d is smaller than batch_size %d; expected at least %d", e.QueueSize, batch, batch)
		}
		v.positive(p+".batch_timeout", e.BatchTimeout, "5s")
		v.positive(p+".export_timeout", e.ExportTimeout, "10s")
		if e.Compression != "" || v.has(p+".compression") {
			v.oneOf(p+".compression", "compression", e.Compression, Compressions)
		}
		if e.Compression == "gzip" && known && !proto.Gzip {
			v.at(p+".compression", "the %s exporter has no compression; expected compression: none (or no compression key), or protocol %s for gzip", e.Protocol,
				orList(protocolsWhere(func(p *generators.Protocol) bool { return p.Gzip })))
		}
		if e.Pipeline != "" || v.has(p+".pipeline") {
			v.oneOf(p+".pipeline", "pipeline", e.Pipeline, Pipelines)
		}
		if e.Pipeline == "direct" && known && proto.Scraped {
			v.at(p+".pipeline", "pipeline direct hands batches to a push exporter, and the %s exporter is scraped; expected pipeline: sdk (or a push protocol: %s)", e.Protocol,
				strings.Join(protocolsWhere(func(p *generators.Protocol) bool { return !p.Scraped && p.Carries(generators.Metrics) && p.IsOTLP() }), ", "))
		}
		if e.Instances < 0 || e.Instances > 64 || (e.Instances == 0 && v.has(p+".instances")) {
			v.at(p+".instances", "instances %d is out of range; expected 1 to 64 SDK pipelines", e.Instances)
		}
		validateRetry(v, p+".retry", e, proto, known)
	}

	workloadNames := map[string]bool{}
	if len(sc.Workloads) == 0 {
		v.at("workloads", "no workloads; expected at least one")
	}
	appNames := map[string]bool{}
	for i := range sc.Apps {
		sc.validateApp(v, fmt.Sprintf("apps[%d]", i), &sc.Apps[i], appNames)
	}
	appLoads := map[string]string{}
	for i := range sc.Workloads {
		p := fmt.Sprintf("workloads[%d]", i)
		if w := &sc.Workloads[i]; w.IsApp() {
			v.name(p, w.Name, workloadNames)
			sc.validateAppWorkload(v, p, w, appLoads)
			sc.validateRate(v, p, w)
			continue
		}
		sc.validateWorkload(v, p, &sc.Workloads[i], workloadNames)
	}
	for i, a := range sc.Apps {
		if _, ok := appLoads[a.Name]; !ok && a.Name != "" {
			v.at(fmt.Sprintf("apps[%d]", i), "app %q takes no load; expected a workload with app: %s and its requests", a.Name, a.Name)
		}
	}
	if sc.Sweep != nil && len(v.errs) == 0 {
		sc.validateSweep(v)
	}
	sc.validateFaults(v)
	for i, t := range sc.Thresholds {
		p := fmt.Sprintf("thresholds[%d]", i)
		parsed, err := threshold.Parse(t.Expr)
		if t.Expr == "" {
			v.at(p, "a threshold without expr; expected e.g. {expr: \"p99(export_latency) < 50ms\"}")
		} else if err != nil {
			v.at(p+".expr", "%v", err)
		}
		known := true
		for j, name := range t.Exporters {
			if sc.Exporter(name) == nil && sc.App(name) == nil {
				known = false
				v.at(fmt.Sprintf("%s.exporters[%d]", p, j), "exporter %q is not defined; expected one of: %s", name, strings.Join(append(namesOfExporters(sc.Exporters), appNamesOnly(sc.Apps)...), ", "))
			}
		}
		if t.Expr != "" && err == nil && known {
			// What evaluation could never answer (reports.EvaluateThresholds judges every row the threshold
			// applies to) is refused here, where the scenario says what rows there will be.
			for _, err := range parsed.Check(sc.thresholdRows(t.Exporters)) {
				v.at(p+".expr", "%v", err)
			}
		}
	}
	if len(v.errs) == 0 {
		sc.validateRetention(v)
		sc.validateSinks(v)
		sc.validateSamplingCollectors(v)
	}
}

// thresholdRows says what the rows of a threshold limited to names (every row when empty) can be: rows of
// otelbench's exporters, of applications, with sampling (as the engine judges it: a traces workload's sampler; an
// application's traces with a sampler other than parentbased_always_on, requests with an unsampled or no
// traceparent, or a sampling collector), in a run with faults.
func (sc *Scenario) thresholdRows(names []string) threshold.Rows {
	rows := threshold.Rows{Faults: len(sc.Faults) > 0}
	applies := func(name string) bool { return len(names) == 0 || slices.Contains(names, name) }
	for _, e := range sc.Exporters {
		if len(names) > 0 && applies(e.Name) {
			rows.Exporters = true // named, even by no workload: nothing to refuse it for here
		}
	}
	for _, w := range sc.Workloads {
		if !w.IsApp() {
			for _, e := range w.Exporters {
				if applies(e) {
					rows.Exporters = true
					rows.Sampling = rows.Sampling || w.Signal == "traces" && w.Sampling != nil
				}
			}
			continue
		}
		a := sc.App(w.App)
		if a == nil || !applies(a.Name) {
			continue
		}
		rows.Apps = true
		if a.Traces.On() {
			policy, _ := a.SamplingPolicy()
			down := sc.Backend(a.Traces.Backend)
			rows.Sampling = rows.Sampling || policy.Sampler != sampling.ParentBasedAlwaysOn || w.Parents.Unsampled > 0 || w.Parents.None > 0 ||
				down != nil && down.Sampling != nil
		}
	}
	return rows
}

func (sc *Scenario) validateBackend(v *validator, p string, b *Backend, seen map[string]bool) {
	v.name(p, b.Name, seen)
	kind := kindOf(b)
	if kind == nil {
		if len(backend.Types()) == 0 {
			// A program that validates scenarios without linking the backends (package containers/all).
			v.at(p+".type", "backend type %q is not known: this program registers no backend types (import github.com/otelbench/otelbench/containers/all)", b.Type)
			return
		}
		v.oneOf(p+".type", "backend type", b.Type, backend.Types())
		return
	}
	forwarder, unstarted := kind.Forwarder, kind.NotStarted
	// An empty forward_to on a collector is meaningful: it forwards nowhere, and logs and metrics come back from
	// its file exporters.
	if (len(b.ForwardTo) > 0 || v.has(p+".forward_to")) && !forwarder {
		v.at(p+".forward_to", "forward_to applies to %s backends only; a %s backend stores what it receives; expected no forward_to here",
			strings.Join(backend.TypesWhere(func(d *backend.Description) bool { return d.Forwarder }), ", "), b.Type)
	}
	for j, name := range b.ForwardTo {
		fp := fmt.Sprintf("%s.forward_to[%d]", p, j)
		d := sc.Backend(name)
		if d == nil {
			v.at(fp, "backend %q is not defined; expected one of: %s", name, strings.Join(names(sc.Backends), ", "))
			continue
		}
		if dk := kindOf(d); forwarder && dk != nil && dk.Forwarder {
			if loop := sc.forwardLoop(b, d); loop != nil {
				how := "directly"
				if len(loop) > 1 {
					how = "through " + strings.Join(quoted(loop), " -> ")
				}
				v.at(fp, "%s %q forwards to itself %s; expected forward_to to reach non-collector backends without a loop", b.Type, b.Name, how)
				continue
			}
		}
		targets := backend.TypesWhere(func(d *backend.Description) bool { return len(d.ForwardedVia) > 0 })
		switch dk := kindOf(d); {
		case dk == nil || len(dk.ForwardedVia) == 0:
			v.at(fp, "a %s forwards to %s backends, not to %s backend %q; expected one of those", b.Type, orList(targets), d.Type, name)
		case slices.Index(b.ForwardTo, name) != j:
			v.at(fp, "backend %q is listed twice; expected each backend once", name)
		}
	}
	// retention 0 is meaningful: otelbench sizes a backend it starts for the run.
	retained := backend.TypesWhere(func(d *backend.Description) bool { return d.RetentionUnit != "" })
	keeps := kind.RetentionUnit != ""
	switch {
	case b.Retention < 0:
		v.at(p+".retention", "retention %d is out of range; expected 0 (sized for the run) or more", b.Retention)
	case (b.Retention != 0 || v.has(p+".retention")) && !keeps:
		var what []string
		for _, t := range retained {
			d, _ := backend.Lookup(t)
			what = append(what, fmt.Sprintf("%s (%s)", t, d.RetentionUnit))
		}
		v.at(p+".retention", "retention applies to %s backends; expected no retention on a %s backend", andList(what), b.Type)
	}
	// image: "" and config: "" are meaningful (the scenario reference's example writes image: ""): the pinned image, no
	// configuration of the user's own.
	if b.Image != "" && unstarted {
		v.at(p+".image", "a %s backend is otelbench's own standard output and runs no image; expected no image", b.Type)
	}
	if b.Config != "" || v.has(p+".config") {
		if !kind.TakesConfig {
			v.at(p+".config", "config applies to %s backends only; expected args: for a %s backend's options",
				strings.Join(backend.TypesWhere(func(d *backend.Description) bool { return d.TakesConfig }), ", "), b.Type)
		}
	}
	if s := b.Sampling; s != nil {
		sp := p + ".sampling"
		switch {
		case !kind.SamplesTraces:
			v.at(sp, "sampling applies to %s backends, which forward traces through a probabilistic sampler; a %s backend does not; expected no sampling here",
				strings.Join(backend.TypesWhere(func(d *backend.Description) bool { return d.SamplesTraces }), ", "), b.Type)
		case s.Ratio == nil:
			v.at(sp+".ratio", "missing ratio; expected the share of traces the collector keeps, above 0 and at most 1")
		case math.IsNaN(*s.Ratio) || *s.Ratio <= 0 || *s.Ratio > 1:
			v.at(sp+".ratio", "ratio %v is out of range; expected a share above 0 and at most 1 (the collector refuses a sampling_percentage of 0)", *s.Ratio)
		}
		if s.Mode != "" || v.has(sp+".mode") {
			v.oneOf(sp+".mode", "mode", s.Mode, SamplingModes)
		}
	}
	if q := b.SendingQueue; q != nil || v.has(p+".sending_queue") {
		qp := p + ".sending_queue"
		switch {
		case !kind.QueuesForwards:
			v.at(qp, "sending_queue applies to %s backends, whose forwarding exporters have one; a %s backend has none; expected no sending_queue here",
				strings.Join(backend.TypesWhere(func(d *backend.Description) bool { return d.QueuesForwards }), ", "), b.Type)
		case b.IsExternal():
			v.at(qp, "backend %q is external: otelbench does not write its configuration; expected no sending_queue (set it in that collector's own config)", b.Name)
		case len(b.ForwardTo) == 0:
			v.at(qp, "backend %q forwards to nothing: the sending queue belongs to the exporters forward_to adds (its file exporters write synchronously and have none); expected forward_to, or no sending_queue", b.Name)
		case q != nil:
			if q.Size < 0 || q.Size == 0 && v.has(qp+".size") {
				v.at(qp+".size", "size %d is not a queue size; expected a number of requests above 0 (default %d)", q.Size, DefaultQueueSize)
			}
			if q.Consumers < 0 || q.Consumers == 0 && v.has(qp+".consumers") {
				v.at(qp+".consumers", "consumers %d is not a number of consumers; expected 1 or more (default %d)", q.Consumers, DefaultQueueConsumers)
			}
		}
	}
	if len(b.Args) > 0 && (b.IsExternal() || unstarted) {
		v.at(p+".args", "args are command-line arguments for a backend otelbench starts; backend %q is not started; expected no args", b.Name)
	}
	for j, a := range b.Args {
		if strings.TrimSpace(a) == "" {
			v.at(fmt.Sprintf("%s.args[%d]", p, j), "an empty argument; expected a command-line argument such as --enable-feature=otlp-deltatocumulative")
		}
	}
	ep := p + ".external"
	if !b.IsExternal() {
		if v.has(ep) {
			v.at(ep, "external has no endpoints; expected the running backend's endpoints (see docs/backends.md, \"Bring your own backend\"), or no external key for a backend otelbench starts")
		}
	} else {
		if b.Image != "" {
			v.at(p+".image", "an external backend is not started, so it takes no image; expected no image")
		}
		e := b.External
		keys := kind.ExternalKeys
		for _, k := range []struct{ key, value string }{
			{"otlp_grpc", e.OTLPGRPC}, {"otlp_http", e.OTLPHTTP}, {"url", e.URL}, {"files_dir", e.FilesDir}, {"metrics_url", e.MetricsURL},
		} {
			kp := ep + "." + k.key
			switch {
			case (k.value != "" || v.has(kp)) && len(keys) > 0 && !slices.Contains(keys, k.key):
				v.at(kp, "an external %s backend has no use for %s; expected it only on %s backends", b.Type, k.key,
					strings.Join(backend.TypesWhere(func(d *backend.Description) bool { return slices.Contains(d.ExternalKeys, k.key) }), ", "))
			case k.value == "" && v.has(kp):
				v.at(kp, "an empty %s; expected a value, or no %s key", k.key, k.key)
			case k.value != "" && (k.key == "otlp_grpc" || k.key == "otlp_http") && !isHostPort(k.value):
				v.at(kp, "%s %q is not host:port; expected the receiver's address, e.g. 127.0.0.1:4317 (no scheme, no path)", k.key, k.value)
			case k.value != "" && (k.key == "url" || k.key == "metrics_url") && !isHTTPURL(k.value):
				v.at(kp, "%s %q is not an http or https URL; expected e.g. http://127.0.0.1:16686", k.key, k.value)
			}
		}
		if e.FilesDir != "" && slices.Contains(keys, "files_dir") {
			if st, err := os.Stat(sc.resolve(e.FilesDir)); err != nil || !st.IsDir() {
				v.at(ep+".files_dir", "folder %q does not exist or is not a folder; expected the folder the collector's file exporters "+
					"write into (logs.jsonl, metrics.jsonl), relative to the scenario file or absolute", e.FilesDir)
			}
		}
		if cfg, err := e.TLS.config(sc.resolve); err != nil {
			v.at(ep+".tls", "%v; expected readable PEM files, relative to the scenario file or absolute", err)
		} else {
			if sc.tlsLoaded == nil {
				sc.tlsLoaded = map[string]*tls.Config{}
			}
			sc.tlsLoaded[b.Name] = cfg
		}
		validateHeaders(v, ep+".headers", e.Headers)
	}
	if kind.Validate != nil {
		kind.Validate(sc.Spec(b), func(field, format string, args ...any) {
			path := p
			if field != "" {
				path += "." + field
			}
			v.at(path, format, args...)
		})
	}
}

// validateObjective checks what a sweep ranks by, how it compares, and whether its design can ever call a
// difference.
func (sc *Scenario) validateObjective(v *validator) {
	eff := *sc.Sweep
	sc.sweepDefaults(&eff) // what the run will use: explicit zeros are refused below
	sw := &eff
	for _, key := range []string{"sweep.capacity.start", "sweep.capacity.min", "sweep.capacity.max", "sweep.capacity.precision"} {
		if v.has(key) && capacityFieldZero(sc.Sweep.Capacity, strings.TrimPrefix(key, "sweep.capacity.")) {
			v.at(key, "%s 0 is out of range; expected a value above 0, or none for the default", strings.TrimPrefix(key, "sweep.capacity."))
			return
		}
	}
	var objectives []string
	for _, o := range reports.Objectives {
		objectives = append(objectives, string(o))
	}
	if !slices.Contains(objectives, sw.Objective) {
		v.at("sweep.objective", "objective %q is not known; expected one of: %s", sw.Objective, strings.Join(objectives, ", "))
	}
	if !slices.Contains(reports.Tests, sw.Test) {
		v.at("sweep.test", "test %q is not known; expected one of: %s", sw.Test, strings.Join(reports.Tests, ", "))
	} else if need, why := reports.MinReplicates(sw.Test, sw.Alpha); sc.sweepCombos() > 1 && sw.Replicates >= 1 && sw.Replicates < need && sw.Alpha > 0 && sw.Alpha < 1 {
		alt := ""
		if sw.Test == reports.TestMannWhitney {
			alt = ", or test: welch"
		}
		v.at(cmp.Or(placeOf(v, "sweep.replicates"), "sweep"), "replicates %d cannot tell configurations apart at alpha %g with %s: %s; expected at least %d%s",
			sw.Replicates, sw.Alpha, sw.Test, why, need, alt)
	}
	if sw.Rate < 0 {
		v.at("sweep.rate", "rate %g is out of range; expected a common offered rate above 0 (items/s), or none to derive it from the capacities", sw.Rate)
	} else if sw.Rate > 0 && (sw.Objective == "capacity" || sw.Objective == "throughput") {
		v.at("sweep.rate", "rate is the common rate of cost, bytes, export_p99 and visibility_p99; objective %s does not use it", sw.Objective)
	}
	c := sw.Capacity
	switch {
	case c.Min <= 0 || c.Min > c.Max:
		v.at(cmp.Or(placeOf(v, "sweep.capacity.min"), "sweep.capacity"), "capacity min %g and max %g: expected 0 < min <= max (items/s)", c.Min, c.Max)
	case c.Start <= 0:
		v.at(cmp.Or(placeOf(v, "sweep.capacity.start"), "sweep.capacity"), "capacity start %g: expected a first rate to probe above 0 (items/s)", c.Start)
	}
	if c.Precision <= 0 || c.Precision >= 1 {
		v.at("sweep.capacity.precision", "precision %g is out of range; expected a fraction between 0 and 1, e.g. 0.05", c.Precision)
	}
	if c.Probe < 0 || (c.Probe == 0 && v.has("sweep.capacity.probe")) {
		v.at("sweep.capacity.probe", "probe %s is out of range; expected how long each probe sends, e.g. 3s", c.Probe)
	} else if warm := sc.Sweep.Warmup; c.Probe > 0 && (v.has("sweep.warmup") || warm != 0) && time.Duration(warm) >= time.Duration(c.Probe) {
		v.at("sweep.capacity.probe", "probe %s is not longer than the warm-up %s; expected a probe that sends after its warm-up", c.Probe, warm)
	}
	if c.ExportP99 < 0 {
		v.at("sweep.capacity.export_p99", "export_p99 %s is out of range; expected a bound such as 500ms, or none", c.ExportP99)
	}
	if sw.Objective != "throughput" {
		for i, w := range sc.Workloads {
			if slices.Contains(w.Exporters, sw.Exporter) && len(w.Stages) > 0 {
				v.at(fmt.Sprintf("workloads[%d].stages", i), "objective %s offers rates of its own, so the swept workloads need a constant rate; expected rate: without stages (or objective: throughput)", sw.Objective)
			}
		}
	}
}

// capacityFieldZero reports whether the field of c named key in YAML is 0.
func capacityFieldZero(c CapacitySearch, key string) bool {
	return map[string]float64{"start": c.Start, "min": c.Min, "max": c.Max, "precision": c.Precision}[key] == 0
}

// sweepCombos is how many configurations the sweep's axes make (1 when there is nothing to compare).
func (sc *Scenario) sweepCombos() int {
	n := 1
	for _, vals := range sc.Sweep.Axes {
		n *= max(len(vals), 1)
	}
	return n
}

// placeOf is path when the file has it, else "".
func placeOf(v *validator, path string) string {
	if v.has(path) {
		return path
	}
	return ""
}

// validateSweep checks a sweep's settings, then every configuration it expands into: one that cannot work is
// reported at the axis value that makes it.
func (sc *Scenario) validateSweep(v *validator) {
	sw := sc.Sweep
	if sc.Exporter(sw.Exporter) == nil {
		v.at("sweep.exporter", "exporter %q is not defined; expected one of: %s", sw.Exporter, strings.Join(namesOfExporters(sc.Exporters), ", "))
		return
	}
	if len(sw.Axes) == 0 {
		v.at("sweep", "a sweep without axes; expected axes such as {batch_size: [512, 2048]}")
		return
	}
	for _, a := range slices.Sorted(maps.Keys(sw.Axes)) {
		if !slices.Contains(SweepAxes, a) {
			v.at("sweep.axes."+a, "%s is not a setting a sweep can vary; expected one of: %s", a, strings.Join(SweepAxes, ", "))
		} else if len(sw.Axes[a]) == 0 {
			v.at("sweep.axes."+a, "axis %s has no values; expected a list of at least one", a)
		}
	}
	if sw.Replicates < 0 || (sw.Replicates == 0 && v.has("sweep.replicates")) || sw.Replicates > 100 {
		v.at("sweep.replicates", "replicates %d is out of range; expected 1 to 100 runs of each configuration", sw.Replicates)
	}
	if d := sc.sendingTime(); sw.Warmup < 0 || (sw.Warmup > 0 && time.Duration(sw.Warmup) >= d) {
		v.at("sweep.warmup", "warmup %s is out of range; expected 0 or more, and less than the shortest workload's sending time (%s)", sw.Warmup, d)
	}
	if sw.Alpha < 0 || sw.Alpha >= 1 || (sw.Alpha == 0 && v.has("sweep.alpha")) {
		v.at("sweep.alpha", "alpha %g is out of range; expected a significance level between 0 and 1, e.g. 0.01", sw.Alpha)
	}
	sc.validateObjective(v)
	combos := 1
	for _, vals := range sw.Axes {
		combos *= max(len(vals), 1)
		if combos > MaxConfigurations {
			v.at("sweep.axes", "the axes make more than %d configurations; expected fewer values (each configuration runs alone, replicated)", MaxConfigurations)
			return
		}
	}
	if len(v.errs) > 0 {
		return
	}
	// Every combination, each problem placed at the value of the axis it names (else the last axis's value).
	axes := slices.Sorted(maps.Keys(sw.Axes))
	idx := make([]int, len(axes))
	reported := map[string]bool{}
	for {
		values := make([]string, len(axes))
		for i, a := range axes {
			values[i] = string(sw.Axes[a][idx[i]])
		}
		if _, err := sc.configuration(axes, values); err != nil {
			at := len(axes) - 1
			for i, a := range axes {
				if strings.Contains(err.Error(), "."+a+":") || strings.Contains(err.Error(), a+" ") {
					at = i
					break
				}
			}
			var combo []string
			for i, a := range axes {
				combo = append(combo, a+"="+values[i])
			}
			place := fmt.Sprintf("sweep.axes.%s[%d]", axes[at], idx[at])
			if !reported[place] {
				reported[place] = true
				v.at(place, "configuration %s cannot work: %v; expected values every combination of the axes accepts", strings.Join(combo, ","), err)
			}
		}
		i := 0
		for ; i < len(axes); i++ {
			if idx[i]++; idx[i] < len(sw.Axes[axes[i]]) {
				break
			}
			idx[i] = 0
		}
		if i == len(axes) {
			return
		}
	}
}

// appNamesOnly lists the apps' names (a threshold's exporters may name apps: their rows carry the app's name).
func appNamesOnly(as []App) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name)
	}
	return out
}

// namesOfExporters lists the exporters' names.
func namesOfExporters(es []Exporter) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Name)
	}
	return out
}

// isHostPort reports whether s is host:port with a port number.
func isHostPort(s string) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n > 0 && n < 65536
}

// isHTTPURL reports whether s is an absolute http or https URL with a host.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// isForwarder reports whether b's kind forwards what it receives (forward_to).
func isForwarder(b *Backend) bool {
	d := kindOf(b)
	return d != nil && d.Forwarder
}

// notBack says why backend b, as the scenario describes it, does not give signal back, when its kind can say.
func (sc *Scenario) notBack(b *Backend, signal string) (why, expected string, ok bool) {
	if b == nil {
		return "", "", false
	}
	if d := kindOf(b); d != nil && d.NotBack != nil {
		return d.NotBack(sc.Spec(b), generators.Signal(signal))
	}
	return "", "", false
}

// orList is "a, b or c".
func orList(items []string) string { return joinLast(items, " or ") }

// andList is "a, b and c".
func andList(items []string) string { return joinLast(items, " and ") }

func joinLast(items []string, last string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + last + items[len(items)-1]
}

// deltaRefused says why delta temporality sent to b would be refused or silently dropped by a server otelbench
// starts with its defaults, naming the fixes; "" when b takes it or otelbench cannot know (an external server,
// which may be configured to take it: a refusal is then measured and reported with its cause).
func (sc *Scenario) deltaRefused(b *Backend) string {
	if d := kindOf(b); d != nil && d.RefusesDelta != nil {
		return d.RefusesDelta(sc.Spec(b))
	}
	return ""
}

// Paths lists where items of signal sent to backend b end up and can be read back: b itself when its kind gives
// the signal back, and for a backend that forwards (a collector) each backend it forwards the signal to that
// gives it back.
func (sc *Scenario) Paths(b *Backend, signal string) []*Backend {
	kind := kindOf(b)
	if kind == nil {
		return nil
	}
	sig := generators.Signal(signal)
	var out []*Backend
	if kind.GivesBack(sc.Spec(b), sig) {
		out = append(out, b)
	}
	if !kind.Forwarder {
		return out
	}
	for _, name := range b.ForwardTo {
		d := sc.Backend(name)
		if d == nil || d == b || slices.Contains(out, d) {
			continue
		}
		if dk := kindOf(d); dk != nil && dk.Forwards(sig) && dk.GivesBack(sc.Spec(d), sig) {
			out = append(out, d)
		}
	}
	return out
}

// validateSinks refuses a sink that more than one stream (workload × exporter) sends to: a sink counts what it
// accepts, and a count cannot tell streams apart.
func (sc *Scenario) validateSinks(v *validator) {
	for i, b := range sc.Backends {
		if d := kindOf(&b); d == nil || !d.CountsOnly {
			continue
		}
		var streams []string
		for _, w := range sc.Workloads {
			for _, name := range w.Exporters {
				if e := sc.Exporter(name); e != nil && e.Backend == b.Name {
					streams = append(streams, w.Name+"/"+name)
				}
			}
		}
		if len(streams) > 1 {
			v.at(fmt.Sprintf("backends[%d]", i), "%s %q would count %d streams together (%s), and a count cannot tell them apart; expected one sink per workload and exporter",
				b.Type, b.Name, len(streams), strings.Join(streams, ", "))
		}
	}
}

// validateRetention refuses a run that would send a backend more than it keeps: the overflow would be evicted and
// read as loss.
func (sc *Scenario) validateRetention(v *validator) {
	traces := map[string]float64{}
	spans := map[string]float64{}
	for wi := range sc.Workloads {
		w := &sc.Workloads[wi]
		if w.Signal != "traces" {
			continue
		}
		per := float64(max(w.Trace.Spans, 1))
		for _, name := range w.Exporters {
			e := sc.Exporter(name)
			if e == nil {
				continue
			}
			if b := sc.Backend(e.Backend); b != nil {
				for _, d := range sc.Paths(b, "traces") {
					traces[d.Name] += sc.ExpectedSpans(w) / per
					spans[d.Name] += sc.ExpectedSpans(w)
				}
			}
		}
	}
	for i, b := range sc.Backends {
		d := kindOf(&b)
		if b.Retention == 0 || d == nil || d.RetentionUnit == "" {
			continue
		}
		unit := d.RetentionUnit
		need := traces[b.Name]
		if unit == "spans" {
			need = spans[b.Name]
		}
		if need > float64(b.Retention) {
			v.at(fmt.Sprintf("backends[%d].retention", i), "backend %q keeps %d %s but the run sends it %.0f; older %s would be evicted and counted as lost; expected retention of at least %.0f or a shorter run",
				b.Name, b.Retention, unit, need, unit, need)
		}
	}
}

func (sc *Scenario) validateWorkload(v *validator, p string, w *Workload, seen map[string]bool) {
	v.name(p, w.Name, seen)
	v.oneOf(p+".signal", "signal", w.Signal, Signals)
	for _, f := range []string{"requests", "parents", "max_in_flight"} {
		if v.has(p + "." + f) {
			v.at(p+"."+f, "%s applies to workloads that drive requests at an app (app: <name>); workload %q generates telemetry itself; expected no %s here", f, w.Name, f)
		}
	}
	if s := w.Sampling; s != nil {
		switch {
		case w.Signal != "traces" && slices.Contains(Signals, w.Signal):
			v.at(p+".sampling", "sampling applies to traces workloads; this workload's signal is %s; expected no sampling here", w.Signal)
		case s.Ratio == nil:
			v.at(p+".sampling.ratio", "missing ratio; expected the share of traces the SDK's sampler keeps, from 0 to 1")
		case math.IsNaN(*s.Ratio) || *s.Ratio < 0 || *s.Ratio > 1:
			v.at(p+".sampling.ratio", "ratio %v is out of range; expected a number from 0 to 1 (the share of traces kept)", *s.Ratio)
		}
	}
	for section, signal := range map[string]string{"trace": "traces", "metrics": "metrics", "logs": "logs"} {
		if v.has(p+"."+section) && w.Signal != signal && slices.Contains(Signals, w.Signal) {
			v.at(p+"."+section, "%s: applies to %s workloads; this workload's signal is %s; expected no %s section here", section, signal, w.Signal, section)
		}
	}
	if len(w.Exporters) == 0 {
		v.at(p+".exporters", "workload %q has no exporters; expected a list of exporter names", w.Name)
	}
	used := map[string]bool{}
	for j, name := range w.Exporters {
		ep := fmt.Sprintf("%s.exporters[%d]", p, j)
		switch {
		case sc.Exporter(name) == nil:
			v.at(ep, "exporter %q is not defined; expected one of: %s", name, strings.Join(exporterNames(sc.Exporters), ", "))
		case used[name]:
			v.at(ep, "exporter %q is listed twice; expected each exporter once", name)
		default:
			e := sc.Exporter(name)
			if e.Instances > 1 && w.Signal != "traces" && slices.Contains(Signals, w.Signal) {
				v.at(ep, "exporter %q has %d instances, which otelbench builds for traces; %s go through one SDK pipeline; expected instances: 1 on an exporter a %s workload uses", name, e.Instances, w.Signal, w.Signal)
			}
			if sigs, ok := ProtocolSignals[e.Protocol]; ok && slices.Contains(Signals, w.Signal) && !slices.Contains(sigs, w.Signal) {
				v.at(ep, "exporter %q (%s) cannot send %s; it carries %s; expected an exporter whose protocol carries %s", name, e.Protocol, w.Signal, strings.Join(sigs, ", "), w.Signal)
			} else if b := sc.Backend(e.Backend); b != nil && kindOf(b) != nil && slices.Contains(Signals, w.Signal) && slices.Contains(Protocols, e.Protocol) &&
				!slices.Contains(receives(b, w.Signal), e.Protocol) {
				v.at(ep, "exporter %q sends %s over %s to %s backend %q, which does not receive them that way; expected an exporter whose backend receives %s over %s",
					name, w.Signal, e.Protocol, b.Type, b.Name, w.Signal, e.Protocol)
			} else if why, expected, ok := sc.notBack(b, w.Signal); ok && !slices.Contains(sc.Signals(b), w.Signal) {
				v.at(fmt.Sprintf("backends[%d].external", slices.IndexFunc(sc.Backends, func(x Backend) bool { return x.Name == b.Name })),
					"external %s %q %s, so it cannot give %s back (workload %q sends %s to it through exporter %q); expected %s",
					b.Type, b.Name, why, w.Signal, w.Name, w.Signal, name, expected)
			} else if b := sc.Backend(e.Backend); b != nil && slices.Contains(Signals, w.Signal) && !slices.Contains(sc.Signals(b), w.Signal) {
				v.at(ep, "exporter %q sends to %s backend %q, which cannot give %s back; it handles %s; expected an exporter to a backend that gives %s back", name, b.Type, b.Name, w.Signal, strings.Join(sc.Signals(b), ", "), w.Signal)
			}
		}
		used[name] = true
	}

	sc.validateRate(v, p, w)

	t := w.Trace
	tp := p + ".trace"
	if t.Spans < 0 || t.Spans > MaxSpansPerTrace || (t.Spans == 0 && v.has(tp+".spans")) {
		v.at(tp+".spans", "spans %d is out of range; expected 1 to %d", t.Spans, MaxSpansPerTrace)
	}
	spans := max(t.Spans, 1)
	switch {
	case t.Depth < 0 || t.Depth > spans || (t.Depth == 0 && v.has(tp+".depth")):
		v.at(tp+".depth", "depth %d is impossible with %d spans per trace; expected 1 to %d", t.Depth, spans, spans)
	case t.Depth == 1 && spans > 1:
		v.at(tp+".depth", "depth 1 allows only the root span, but spans is %d; expected depth 2 to %d", spans, spans)
	}
	// attributes 0 is meaningful (the default): no generated attributes.
	if t.Attributes < 0 || t.Attributes > MaxAttributes {
		v.at(tp+".attributes", "attributes %d is out of range; expected 0 to %d", t.Attributes, MaxAttributes)
	}
	if t.AttributeSize < 0 || t.AttributeSize > MaxAttributeSize || (t.AttributeSize == 0 && v.has(tp+".attribute_size")) {
		v.at(tp+".attribute_size", "attribute_size %d is out of range; expected 1 to %d bytes", t.AttributeSize, MaxAttributeSize)
	}
	switch w.Signal {
	case "traces":
		if sc.ExpectedSpans(w) < float64(spans) && sc.Duration >= 0 && w.Rate >= 0 {
			v.at(p, "workload %q would send no trace: %.0f spans over %s is fewer than the %d spans of one trace; expected a higher rate or a longer duration", w.Name, sc.ExpectedSpans(w), sc.WorkloadDuration(w), spans)
		}
	case "metrics":
		m, mp := w.Metrics, p+".metrics"
		if len(m.Instruments) == 0 && v.has(mp+".instruments") {
			v.at(mp+".instruments", "no instruments; expected one or more of: %s, or no instruments key for all five", strings.Join(Instruments, ", "))
		}
		for j, in := range m.Instruments {
			ip := fmt.Sprintf("%s.instruments[%d]", mp, j)
			if !slices.Contains(Instruments, in) {
				v.at(ip, "instrument %q is not supported; expected one of: %s", in, strings.Join(Instruments, ", "))
			} else if slices.Index(m.Instruments, in) != j {
				v.at(ip, "instrument %q is listed twice; expected each instrument once", in)
			}
		}
		if m.Series < 0 || m.Series > MaxSeries || (m.Series == 0 && v.has(mp+".series")) {
			v.at(mp+".series", "series %d is out of range; expected 1 to %d", m.Series, MaxSeries)
		}
		// cardinality_limit 0 is meaningful, as docs/scenarios.md says: the SDK's own limit (2000).
		if m.CardinalityLimit < 0 || m.CardinalityLimit > 10*MaxSeries {
			v.at(mp+".cardinality_limit", "cardinality_limit %d is out of range; expected 1 to %d attribute sets per instrument, or 0 (the default) for the SDK's own, 2000", m.CardinalityLimit, 10*MaxSeries)
		}
		// churn 0 is meaningful (the default): the series are never replaced.
		if m.Churn < 0 || m.Churn > 1000 {
			v.at(mp+".churn", "churn %d is out of range; expected 0 to 1000 replacements of the series over the run", m.Churn)
		}
		if sc.ExpectedSpans(w) < 1 && sc.Duration >= 0 && w.Rate >= 0 {
			v.at(p, "workload %q would record no measurement over %s; expected a higher rate or a longer duration", w.Name, sc.WorkloadDuration(w))
		}
	case "logs":
		l, lp := w.Logs, p+".logs"
		if l.Severity != "" || v.has(lp+".severity") {
			v.oneOf(lp+".severity", "severity", l.Severity, Severities)
		}
		// body_size 0 has no meaning: every body carries the stream and the record's sequence number.
		if l.BodySize < 0 || l.BodySize > MaxBodySize || (l.BodySize == 0 && v.has(lp+".body_size")) {
			v.at(lp+".body_size", "body_size %d is out of range; expected 1 to %d bytes", l.BodySize, MaxBodySize)
		}
		// attributes 0 is meaningful (the default): no generated attributes.
		if l.Attributes < 0 || l.Attributes > MaxAttributes {
			v.at(lp+".attributes", "attributes %d is out of range; expected 0 to %d", l.Attributes, MaxAttributes)
		}
		if l.AttributeSize < 0 || l.AttributeSize > MaxAttributeSize || (l.AttributeSize == 0 && v.has(lp+".attribute_size")) {
			v.at(lp+".attribute_size", "attribute_size %d is out of range; expected 1 to %d bytes", l.AttributeSize, MaxAttributeSize)
		}
		if sc.ExpectedSpans(w) < 1 && sc.Duration >= 0 && w.Rate >= 0 {
			v.at(p, "workload %q would emit no log record over %s; expected a higher rate or a longer duration", w.Name, sc.WorkloadDuration(w))
		}
	}
}

// validateRate checks a workload's rate and stages.
func (sc *Scenario) validateRate(v *validator, p string, w *Workload) {
	// rate 0 is meaningful with stages only: the ramp starts from 0.
	switch {
	case w.Rate < 0 || w.Rate > MaxRate:
		v.at(p+".rate", "rate %g is out of range; expected items per second between 0 and %d", w.Rate, MaxRate)
	case len(w.Stages) == 0 && w.Rate == 0 && v.has(p+".rate"):
		v.at(p+".rate", "rate 0 sends nothing; expected items per second above 0 (at most %d), or stages to ramp from 0", MaxRate)
	case len(w.Stages) == 0 && w.Rate == 0:
		v.at(p+".rate", "workload %q has neither rate nor stages; expected rate: <items per second>", w.Name)
	}
	if len(w.Stages) == 0 && sc.Duration == 0 && !v.has("duration") {
		v.at("duration", "missing duration; workload %q has no stages, so it sends for the scenario's duration; expected duration: such as 15s", w.Name)
	}
	if len(w.Stages) == 0 && v.has(p+".stages") {
		v.at(p+".stages", "no stages; expected at least one {duration: <d>, target: <items per second>}, or no stages key for a constant rate")
	}
	var total time.Duration
	for j, s := range w.Stages {
		sp := fmt.Sprintf("%s.stages[%d]", p, j)
		if s.Duration <= 0 || time.Duration(s.Duration) > MaxDuration {
			v.at(sp+".duration", "a stage needs a positive duration; expected more than 0s and at most %s, got %s", MaxDuration, s.Duration)
		}
		// target 0 is meaningful: a ramp down to nothing.
		if s.Target < 0 || s.Target > MaxRate {
			v.at(sp+".target", "target %g is out of range; expected items per second between 0 and %d", s.Target, MaxRate)
		}
		// Each term is at most MaxDuration+1 and the sum stops growing once past MaxDuration: it cannot overflow.
		if s.Duration > 0 && total <= MaxDuration {
			total += min(time.Duration(s.Duration), MaxDuration+1)
		}
	}
	if total > MaxDuration {
		v.at(p+".stages", "the stages last more than %s; expected at most %s in all", MaxDuration, MaxDuration)
	}
}

func (v *validator) name(p, name string, seen map[string]bool) {
	switch {
	case name == "":
		v.at(p+".name", "missing name; expected %s", nameRule)
	case !namePattern.MatchString(name):
		v.at(p+".name", "name %q is not valid; expected %s", name, nameRule)
	case seen[name]:
		v.at(p+".name", "name %q is used twice; expected a name of its own", name)
	}
	seen[name] = true
}

func (v *validator) oneOf(path, what, got string, allowed []string) {
	if slices.Contains(allowed, got) {
		return
	}
	switch {
	case got == "" && v.has(path):
		v.at(path, "an empty %s; expected one of: %s", what, strings.Join(allowed, ", "))
	case got == "":
		v.at(path, "missing %s; expected one of: %s", what, strings.Join(allowed, ", "))
	default:
		v.at(path, "%s %q is not supported; expected one of: %s", what, got, strings.Join(allowed, ", "))
	}
}

// positive refuses a negative duration, or an explicit zero one, at path; an omitted one keeps its default, def.
func (v *validator) positive(path string, d Duration, def string) {
	if d < 0 || (d == 0 && v.has(path)) {
		v.at(path, "%s %s is out of range; expected a positive duration such as %s (the default)", path[strings.LastIndex(path, ".")+1:], d, def)
	}
}

// forwardLoop is the chain of collectors through which collector from, forwarding to collector to, reaches itself
// again: [to, ..., from], just [from] when to is from; nil when forward_to from to never leads back to from.
func (sc *Scenario) forwardLoop(from, to *Backend) []string {
	prev := map[string]string{} // collector name -> the one that forwards to it, on the shortest way from to
	queue, seen := []*Backend{to}, map[string]bool{to.Name: true}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c.Name == from.Name {
			chain := []string{c.Name}
			for n := c.Name; n != to.Name; {
				n = prev[n]
				chain = append(chain, n)
			}
			slices.Reverse(chain)
			return chain
		}
		for _, name := range c.ForwardTo {
			if d := sc.Backend(name); d != nil && isForwarder(d) && !seen[d.Name] {
				seen[d.Name], prev[d.Name] = true, c.Name
				queue = append(queue, d)
			}
		}
	}
	return nil
}

func quoted(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("%q", n)
	}
	return out
}

func names(bs []Backend) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.Name
	}
	return out
}

func exporterNames(es []Exporter) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Name
	}
	return out
}

func valueOf(sc *Scenario) reflect.Value { return reflect.ValueOf(sc).Elem() }

// validateRetry checks an exporter's retry block: OTLP exporters only, positive durations, a backoff that starts
// no later than it is capped.
func validateRetry(v *validator, p string, e Exporter, proto *generators.Protocol, known bool) {
	r := e.Retry
	if r == nil {
		return
	}
	if known && !proto.IsOTLP() {
		v.at(p, "retry applies to %s exporters; the %s exporter does not retry; expected no retry here", strings.Join(protocolsWhere(func(p *generators.Protocol) bool { return p.IsOTLP() }), " and "), e.Protocol)
		return
	}
	for _, d := range []struct {
		key string
		val Duration
		def time.Duration
	}{{"initial_interval", r.InitialInterval, DefaultRetryInitialInterval}, {"max_interval", r.MaxInterval, DefaultRetryMaxInterval}, {"max_elapsed_time", r.MaxElapsedTime, DefaultRetryMaxElapsedTime}} {
		if d.val < 0 || (d.val == 0 && v.has(p+"."+d.key)) {
			v.at(p+"."+d.key, "%s %s is out of range; expected a positive duration (the SDK's default is %s)", d.key, d.val, Duration(d.def))
		}
	}
	if r.InitialInterval > 0 && r.MaxInterval > 0 && r.InitialInterval > r.MaxInterval {
		v.at(p+".initial_interval", "initial_interval %s is longer than max_interval %s; expected the first wait at most the longest", r.InitialInterval, r.MaxInterval)
	}
	if !r.On() && (r.InitialInterval != 0 || r.MaxInterval != 0 || r.MaxElapsedTime != 0) {
		v.at(p+".enabled", "retries are off, so its intervals mean nothing; expected enabled: true, or no intervals")
	}
}

// validateHeaders refuses header names and values HTTP cannot carry (RFC 9110: a token for a name; visible
// characters, spaces and tabs for a value): a control character in a value (a newline pasted with a token) would
// otherwise fail every request at run time, or split it. A value is never printed: it may be a secret.
func validateHeaders(v *validator, path string, headers map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(headers)) {
		switch val := headers[k]; {
		case !httpguts.ValidHeaderFieldName(k):
			v.at(path+"."+k, "header name %q is not an HTTP field name; expected letters, digits and !#$%%&'*+-.^_`|~ only", k)
		case !httpguts.ValidHeaderFieldValue(val):
			i := strings.IndexFunc(val, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f })
			v.at(path+"."+k, "the value of header %s has a control character at byte %d (a newline or another invisible character: its value is not shown, it may be a secret); expected visible characters, spaces and tabs", k, i)
		}
	}
}
