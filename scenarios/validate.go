package scenarios

import (
	"cmp"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
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
)

// Protocols are the exporter protocols, and BackendTypes the backend types, this version understands. Each
// backend type lists the protocols it receives.
var (
	Protocols    = []string{"otlp-grpc", "otlp-http", "zipkin", "prometheus", "console"}
	BackendTypes = map[string][]string{
		"jaeger":     {"otlp-grpc", "otlp-http"},
		"zipkin":     {"zipkin"},
		"prometheus": {"otlp-http", "prometheus"},
		"collector":  {"otlp-grpc", "otlp-http"},
		"console":    {"console"},
		"sink":       {"otlp-grpc", "otlp-http"},
	}
	Signals       = []string{"traces", "metrics", "logs"}
	Compressions  = []string{"none", "gzip"}
	Temporalities = []string{"cumulative", "delta"}
	// Pipelines are the ways items reach an exporter: the full SDK pipeline, or batches handed to it directly.
	Pipelines = []string{"sdk", "direct"}
	// Instruments are the metric instruments a metrics workload can record.
	Instruments = []string{"counter", "updown_counter", "gauge", "histogram", "exponential_histogram"}
	// Severities are the log severities a logs workload can emit.
	Severities = []string{"trace", "debug", "info", "warn", "error", "fatal"}
	// ProtocolSignals lists the signals each protocol carries.
	ProtocolSignals = map[string][]string{
		"otlp-grpc":  {"traces", "metrics", "logs"},
		"otlp-http":  {"traces", "metrics", "logs"},
		"zipkin":     {"traces"},
		"prometheus": {"metrics"},
		"console":    {"traces", "metrics", "logs"},
	}
)

// Signals reports the signals backend b can receive and give back: a collector carries traces when it forwards
// to a jaeger or zipkin backend, metrics when it forwards to a prometheus backend, and logs always (its file
// exporter).
func (sc *Scenario) Signals(b *Backend) []string {
	switch b.Type {
	case "jaeger", "zipkin":
		return []string{"traces"}
	case "prometheus":
		return []string{"metrics"}
	case "console":
		return []string{"traces", "metrics", "logs"}
	case "sink":
		return []string{"traces", "metrics", "logs"}
	case "collector":
		out := []string{}
		for _, name := range b.ForwardTo {
			if d := sc.Backend(name); d != nil {
				for _, sig := range sc.Signals(d) {
					if !slices.Contains(out, sig) && d.Type != "collector" && d.Type != "console" {
						out = append(out, sig)
					}
				}
			}
		}
		for _, sig := range []string{"metrics", "logs"} {
			if !slices.Contains(out, sig) {
				out = append(out, sig)
			}
		}
		return out
	}
	return nil
}

var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)

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
	if sc.Name == "" {
		v.at("name", "missing name; expected a short name such as smoke")
	}
	if sc.Duration < 0 || time.Duration(sc.Duration) > MaxDuration {
		v.at("duration", "duration %s is out of range; expected more than 0s and at most %s", sc.Duration, MaxDuration)
	}
	if sc.Verify.Timeout < 0 {
		v.at("verify.timeout", "verify.timeout must not be negative")
	}
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
	if len(sc.Exporters) == 0 {
		v.at("exporters", "no exporters; expected at least one, e.g. - {name: grpc, protocol: otlp-grpc, backend: jaeger}")
	}
	for i, e := range sc.Exporters {
		p := fmt.Sprintf("exporters[%d]", i)
		v.name(p, e.Name, exporterNames)
		v.oneOf(p+".protocol", "protocol", e.Protocol, Protocols)
		if b := sc.Backend(e.Backend); b == nil {
			v.at(p+".backend", "exporter %q sends to backend %q, which is not defined; expected one of: %s", e.Name, e.Backend, strings.Join(names(sc.Backends), ", "))
		} else if accepts, ok := BackendTypes[b.Type]; ok && slices.Contains(Protocols, e.Protocol) && !slices.Contains(accepts, e.Protocol) {
			v.at(p+".protocol", "a %s backend does not receive %s; expected one of: %s", b.Type, e.Protocol, strings.Join(accepts, ", "))
		}
		if e.Temporality != "" {
			v.oneOf(p+".temporality", "temporality", e.Temporality, Temporalities)
		}
		if e.Temporality == "delta" {
			if b := sc.Backend(e.Backend); b != nil {
				if msg := sc.deltaRefused(b); msg != "" {
					v.at(p+".temporality", "exporter %q sends delta temporality, but %s", e.Name, msg)
				}
			}
		}
		if e.Protocol == "prometheus" {
			if b := sc.Backend(e.Backend); b != nil && b.IsExternal() {
				v.at(p+".backend", "exporter %q serves a scrape endpoint that only a Prometheus otelbench starts is configured to scrape; backend %q is external; expected a started prometheus backend, or protocol otlp-http", e.Name, b.Name)
			}
		}
		if e.ExportInterval < 0 {
			v.at(p+".export_interval", "export_interval must be positive")
		}
		if e.BatchSize < 0 {
			v.at(p+".batch_size", "batch_size must be at least 1")
		}
		batch := e.BatchSize
		if batch == 0 {
			batch = 512
		}
		if e.QueueSize < 0 || (e.QueueSize > 0 && e.QueueSize < batch) {
			v.at(p+".queue_size", "queue_size %d is smaller than batch_size %d; expected at least %d", e.QueueSize, batch, batch)
		}
		if e.BatchTimeout < 0 {
			v.at(p+".batch_timeout", "batch_timeout must be positive")
		}
		if e.ExportTimeout < 0 {
			v.at(p+".export_timeout", "export_timeout must be positive")
		}
		if e.Compression != "" {
			v.oneOf(p+".compression", "compression", e.Compression, Compressions)
		}
		if e.Pipeline != "" {
			v.oneOf(p+".pipeline", "pipeline", e.Pipeline, Pipelines)
		}
		if e.Pipeline == "direct" && e.Protocol == "prometheus" {
			v.at(p+".pipeline", "pipeline direct hands batches to a push exporter, and the prometheus exporter is scraped; expected pipeline: sdk (or a push protocol: otlp-grpc, otlp-http)")
		}
		if e.Instances < 0 || e.Instances > 64 || (e.Instances == 0 && v.has(p+".instances")) {
			v.at(p+".instances", "instances %d is out of range; expected 1 to 64 SDK pipelines", e.Instances)
		}
	}

	workloadNames := map[string]bool{}
	if len(sc.Workloads) == 0 {
		v.at("workloads", "no workloads; expected at least one")
	}
	for i := range sc.Workloads {
		sc.validateWorkload(v, fmt.Sprintf("workloads[%d]", i), &sc.Workloads[i], workloadNames)
	}
	if len(v.errs) == 0 {
		sc.validateRetention(v)
		sc.validateSinks(v)
	}
}

func (sc *Scenario) validateBackend(v *validator, p string, b *Backend, seen map[string]bool) {
	v.name(p, b.Name, seen)
	if _, ok := BackendTypes[b.Type]; !ok {
		v.at(p+".type", "backend type %q is not supported; expected one of: %s", b.Type, strings.Join(sortedKeys(BackendTypes), ", "))
		return
	}
	if len(b.ForwardTo) > 0 && b.Type != "collector" {
		v.at(p+".forward_to", "forward_to applies to collector backends only; a %s backend stores what it receives", b.Type)
	}
	for j, name := range b.ForwardTo {
		fp := fmt.Sprintf("%s.forward_to[%d]", p, j)
		d := sc.Backend(name)
		switch {
		case d == nil:
			v.at(fp, "backend %q is not defined; expected one of: %s", name, strings.Join(names(sc.Backends), ", "))
		case d.Type != "jaeger" && d.Type != "zipkin" && d.Type != "prometheus":
			v.at(fp, "a collector forwards to jaeger, zipkin or prometheus backends, not to %s backend %q", d.Type, name)
		case slices.Index(b.ForwardTo, name) != j:
			v.at(fp, "backend %q is listed twice", name)
		}
	}
	if b.Retention < 0 {
		v.at(p+".retention", "retention must not be negative")
	}
	if b.Config != "" {
		switch {
		case b.Type != "collector":
			v.at(p+".config", "config applies to collector backends only; expected args: for a %s backend's options", b.Type)
		case b.IsExternal():
			v.at(p+".config", "an external collector is not started, so it takes no config")
		default:
			if _, err := readCollectorConfig(sc.ConfigPath(b)); err != nil {
				v.at(p+".config", "%v; expected a collector configuration file (YAML, relative to the scenario file)", err)
			}
		}
	}
	if len(b.Args) > 0 && (b.IsExternal() || b.Type == "console") {
		v.at(p+".args", "args are command-line arguments for a backend otelbench starts; backend %q is not started", b.Name)
	}
	for j, a := range b.Args {
		if strings.TrimSpace(a) == "" {
			v.at(fmt.Sprintf("%s.args[%d]", p, j), "an empty argument; expected a command-line argument such as --enable-feature=%s", PrometheusDeltaFeature)
		}
	}
	if !b.IsExternal() {
		return
	}
	ep := p + ".external"
	if b.Image != "" {
		v.at(p+".image", "an external backend is not started, so it takes no image")
	}
	e := b.External
	need := func(field, value, what string) {
		if value == "" {
			v.at(ep, "an external %s backend needs %s: %s", b.Type, field, what)
		}
	}
	switch b.Type {
	case "jaeger":
		if e.OTLPGRPC == "" && e.OTLPHTTP == "" {
			v.at(ep, "an external jaeger backend needs otlp_grpc or otlp_http: host:port of its OTLP receiver")
		}
		need("url", e.URL, "the base URL of its query service, e.g. http://127.0.0.1:16686")
	case "zipkin":
		need("url", e.URL, "its base URL, e.g. http://127.0.0.1:9411")
	case "prometheus":
		need("url", e.URL, "its base URL, e.g. http://127.0.0.1:9090")
	case "collector":
		if e.OTLPGRPC == "" && e.OTLPHTTP == "" {
			v.at(ep, "an external collector backend needs otlp_grpc or otlp_http: host:port of its OTLP receiver")
		}
		if e.FilesDir != "" {
			if st, err := os.Stat(sc.resolve(e.FilesDir)); err != nil || !st.IsDir() {
				v.at(ep+".files_dir", "folder %q does not exist or is not a folder; expected the folder the collector's file exporters "+
					"write into (logs.jsonl, metrics.jsonl), relative to the scenario file or absolute", e.FilesDir)
			}
		}
	case "console":
		v.at(ep, "a console backend is otelbench's own standard output; it has no external endpoints")
	case "sink":
		if e.OTLPGRPC == "" && e.OTLPHTTP == "" {
			v.at(ep, "an external sink needs otlp_grpc or otlp_http: host:port of its OTLP receiver")
		}
		need("metrics_url", e.MetricsURL, "its own metrics (otelcol_receiver_accepted_*), e.g. http://127.0.0.1:8888/metrics: a sink is read back by count")
	}
}

// deltaRefused says why delta temporality sent to b would be refused or silently dropped by a server otelbench
// starts with its defaults, naming the fixes; "" when b takes it or otelbench cannot know (an external server,
// which may be configured to take it: a refusal is then measured and reported with its cause).
func (sc *Scenario) deltaRefused(b *Backend) string {
	if b.IsExternal() {
		return ""
	}
	switch b.Type {
	case "prometheus":
		if !HasFeature(b.Args, PrometheusDeltaFeature) {
			return fmt.Sprintf("Prometheus (backend %q) refuses it (HTTP 500 \"invalid temporality and type combination\") unless started with "+
				"--enable-feature=%s; expected temporality: cumulative, or args: [--enable-feature=%s] on backend %q",
				b.Name, PrometheusDeltaFeature, PrometheusDeltaFeature, b.Name)
		}
	case "collector":
		for _, name := range b.ForwardTo {
			d := sc.Backend(name)
			if d == nil || d.Type != "prometheus" {
				continue
			}
			if !collectorConvertsDelta(sc.ConfigPath(b)) {
				return fmt.Sprintf("collector %q forwards metrics to Prometheus %q with its remote-write exporter, which drops delta sums and "+
					"histograms; expected temporality: cumulative, or a config: file for %q whose metrics pipeline has the deltatocumulative "+
					"processor (see scenarios/collector/deltatocumulative.yaml)", b.Name, d.Name, b.Name)
			}
		}
	}
	return ""
}

// PrometheusDeltaFeature is the Prometheus feature flag that makes its OTLP receiver take delta temporality,
// converting it to cumulative.
const PrometheusDeltaFeature = "otlp-deltatocumulative"

// HasFeature reports whether args enable Prometheus feature flag feature (--enable-feature=a,b takes a list;
// the flag may repeat).
func HasFeature(args []string, feature string) bool {
	for i, a := range args {
		var list string
		switch {
		case strings.HasPrefix(a, "--enable-feature="):
			list = strings.TrimPrefix(a, "--enable-feature=")
		case a == "--enable-feature" && i+1 < len(args):
			list = args[i+1]
		default:
			continue
		}
		if slices.Contains(strings.Split(list, ","), feature) {
			return true
		}
	}
	return false
}

// Paths lists where items sent to backend b end up and can be read back: b itself, or for a collector each
// backend it forwards the signal to, and itself for logs and metrics (its file exporters).
func (sc *Scenario) Paths(b *Backend, signal string) []*Backend {
	if b.Type != "collector" {
		return []*Backend{b}
	}
	if signal == "logs" {
		return []*Backend{b}
	}
	var out []*Backend
	if signal == "metrics" {
		out = append(out, b) // the collector's own file exporter
	}
	for _, name := range b.ForwardTo {
		if d := sc.Backend(name); d != nil && slices.Contains(sc.Signals(d), signal) {
			out = append(out, d)
		}
	}
	return out
}

// validateSinks refuses a sink that more than one stream (workload × exporter) sends to: a sink counts what it
// accepts, and a count cannot tell streams apart.
func (sc *Scenario) validateSinks(v *validator) {
	for i, b := range sc.Backends {
		if b.Type != "sink" {
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
			v.at(fmt.Sprintf("backends[%d]", i), "sink %q would count %d streams together (%s), and a count cannot tell them apart; expected one sink per workload and exporter",
				b.Name, len(streams), strings.Join(streams, ", "))
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
		if b.Retention == 0 {
			continue
		}
		p := fmt.Sprintf("backends[%d].retention", i)
		switch b.Type {
		case "jaeger":
			if need := traces[b.Name]; need > float64(b.Retention) {
				v.at(p, "backend %q keeps %d traces but the run sends it %.0f; older traces would be evicted and counted as lost; expected retention of at least %.0f or a shorter run", b.Name, b.Retention, need, need)
			}
		case "zipkin":
			if need := spans[b.Name]; need > float64(b.Retention) {
				v.at(p, "backend %q keeps %d spans but the run sends it %.0f; older spans would be evicted and counted as lost; expected retention of at least %.0f or a shorter run", b.Name, b.Retention, need, need)
			}
		default:
			v.at(p, "retention applies to jaeger (traces) and zipkin (spans) backends")
		}
	}
}

func (sc *Scenario) validateWorkload(v *validator, p string, w *Workload, seen map[string]bool) {
	v.name(p, w.Name, seen)
	v.oneOf(p+".signal", "signal", w.Signal, Signals)
	for section, signal := range map[string]string{"trace": "traces", "metrics": "metrics", "logs": "logs"} {
		if v.has(p+"."+section) && w.Signal != signal && slices.Contains(Signals, w.Signal) {
			v.at(p+"."+section, "%s: applies to %s workloads; this workload's signal is %s", section, signal, w.Signal)
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
			v.at(ep, "exporter %q is listed twice", name)
		default:
			e := sc.Exporter(name)
			if e.Instances > 1 && w.Signal != "traces" && slices.Contains(Signals, w.Signal) {
				v.at(ep, "exporter %q has %d instances, which otelbench builds for traces; %s go through one SDK pipeline (instances: 1)", name, e.Instances, w.Signal)
			}
			if sigs, ok := ProtocolSignals[e.Protocol]; ok && slices.Contains(Signals, w.Signal) && !slices.Contains(sigs, w.Signal) {
				v.at(ep, "exporter %q (%s) cannot send %s; it carries %s", name, e.Protocol, w.Signal, strings.Join(sigs, ", "))
			} else if b := sc.Backend(e.Backend); b != nil && b.Type == "collector" && b.IsExternal() && b.External.FilesDir == "" && (w.Signal == "logs" || w.Signal == "metrics") {
				v.at(fmt.Sprintf("backends[%d].external", slices.IndexFunc(sc.Backends, func(x Backend) bool { return x.Name == b.Name })),
					"external collector %q has no files_dir, so it cannot give %s back (workload %q sends %s to it through exporter %q); "+
						"expected files_dir: the folder its file exporters write into (see the README, \"Bring your own backend\")",
					b.Name, w.Signal, w.Name, w.Signal, name)
			} else if b := sc.Backend(e.Backend); b != nil && slices.Contains(Signals, w.Signal) && !slices.Contains(sc.Signals(b), w.Signal) {
				v.at(ep, "exporter %q sends to %s backend %q, which cannot give %s back; it handles %s", name, b.Type, b.Name, w.Signal, strings.Join(sc.Signals(b), ", "))
			}
		}
		used[name] = true
	}

	if w.Rate < 0 || w.Rate > MaxRate {
		v.at(p+".rate", "rate %g is out of range; expected items per second between 0 and %d", w.Rate, MaxRate)
	}
	if len(w.Stages) == 0 {
		if w.Rate == 0 {
			v.at(p+".rate", "workload %q has neither rate nor stages; expected rate: <items per second>", w.Name)
		}
		if sc.Duration == 0 {
			v.at("duration", "missing duration; workload %q has no stages, so it sends for the scenario's duration", w.Name)
		}
	}
	var total time.Duration
	for j, s := range w.Stages {
		sp := fmt.Sprintf("%s.stages[%d]", p, j)
		if s.Duration <= 0 {
			v.at(sp+".duration", "a stage needs a positive duration")
		}
		if s.Target < 0 || s.Target > MaxRate {
			v.at(sp+".target", "target %g is out of range; expected items per second between 0 and %d", s.Target, MaxRate)
		}
		total += time.Duration(s.Duration)
	}
	if total > MaxDuration {
		v.at(p+".stages", "the stages last %s; at most %s is allowed", total, MaxDuration)
	}

	t := w.Trace
	tp := p + ".trace"
	if t.Spans < 0 || t.Spans > MaxSpansPerTrace {
		v.at(tp+".spans", "spans %d is out of range; expected 1 to %d", t.Spans, MaxSpansPerTrace)
	}
	spans := max(t.Spans, 1)
	switch {
	case t.Depth < 0 || t.Depth > spans:
		v.at(tp+".depth", "depth %d is impossible with %d spans per trace; expected 1 to %d", t.Depth, spans, spans)
	case t.Depth == 1 && spans > 1:
		v.at(tp+".depth", "depth 1 allows only the root span, but spans is %d; expected depth 2 to %d", spans, spans)
	}
	if t.Attributes < 0 || t.Attributes > MaxAttributes {
		v.at(tp+".attributes", "attributes %d is out of range; expected 0 to %d", t.Attributes, MaxAttributes)
	}
	if t.AttributeSize < 0 || t.AttributeSize > MaxAttributeSize {
		v.at(tp+".attribute_size", "attribute_size %d is out of range; expected 1 to %d bytes", t.AttributeSize, MaxAttributeSize)
	}
	switch w.Signal {
	case "traces":
		if sc.ExpectedSpans(w) < float64(spans) && sc.Duration >= 0 && w.Rate >= 0 {
			v.at(p, "workload %q would send no trace: %.0f spans over %s is fewer than the %d spans of one trace", w.Name, sc.ExpectedSpans(w), sc.WorkloadDuration(w), spans)
		}
	case "metrics":
		m, mp := w.Metrics, p+".metrics"
		for j, in := range m.Instruments {
			ip := fmt.Sprintf("%s.instruments[%d]", mp, j)
			if !slices.Contains(Instruments, in) {
				v.at(ip, "instrument %q is not supported; expected one of: %s", in, strings.Join(Instruments, ", "))
			} else if slices.Index(m.Instruments, in) != j {
				v.at(ip, "instrument %q is listed twice", in)
			}
		}
		if m.Series < 0 || m.Series > MaxSeries {
			v.at(mp+".series", "series %d is out of range; expected 1 to %d", m.Series, MaxSeries)
		}
		if m.CardinalityLimit < 0 || m.CardinalityLimit > 10*MaxSeries {
			v.at(mp+".cardinality_limit", "cardinality_limit %d is out of range; expected 1 to %d attribute sets per instrument (omit it for the SDK's default, 2000)", m.CardinalityLimit, 10*MaxSeries)
		}
		if m.Churn < 0 || m.Churn > 1000 {
			v.at(mp+".churn", "churn %d is out of range; expected 0 to 1000 replacements of the series over the run", m.Churn)
		}
		if sc.ExpectedSpans(w) < 1 && sc.Duration >= 0 && w.Rate >= 0 {
			v.at(p, "workload %q would record no measurement over %s", w.Name, sc.WorkloadDuration(w))
		}
	case "logs":
		l, lp := w.Logs, p+".logs"
		if l.Severity != "" {
			v.oneOf(lp+".severity", "severity", l.Severity, Severities)
		}
		if l.BodySize < 0 || l.BodySize > MaxBodySize {
			v.at(lp+".body_size", "body_size %d is out of range; expected 1 to %d bytes", l.BodySize, MaxBodySize)
		}
		if l.Attributes < 0 || l.Attributes > MaxAttributes {
			v.at(lp+".attributes", "attributes %d is out of range; expected 0 to %d", l.Attributes, MaxAttributes)
		}
		if l.AttributeSize < 0 || l.AttributeSize > MaxAttributeSize {
			v.at(lp+".attribute_size", "attribute_size %d is out of range; expected 1 to %d bytes", l.AttributeSize, MaxAttributeSize)
		}
		if sc.ExpectedSpans(w) < 1 && sc.Duration >= 0 && w.Rate >= 0 {
			v.at(p, "workload %q would emit no log record over %s", w.Name, sc.WorkloadDuration(w))
		}
	}
}

func (v *validator) name(p, name string, seen map[string]bool) {
	switch {
	case name == "":
		v.at(p+".name", "missing name")
	case !namePattern.MatchString(name):
		v.at(p+".name", "name %q is not valid; expected lower-case letters, digits, '-', '_' or '.', at most 63 characters", name)
	case seen[name]:
		v.at(p+".name", "name %q is used twice", name)
	}
	seen[name] = true
}

func (v *validator) oneOf(path, what, got string, allowed []string) {
	if slices.Contains(allowed, got) {
		return
	}
	if got == "" {
		v.at(path, "missing %s; expected one of: %s", what, strings.Join(allowed, ", "))
		return
	}
	v.at(path, "%s %q is not supported; expected one of: %s", what, got, strings.Join(allowed, ", "))
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func valueOf(sc *Scenario) reflect.Value { return reflect.ValueOf(sc).Elem() }
