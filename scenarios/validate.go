package scenarios

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Limits on scenario values. They keep a typo (rate: 1e9) from turning into a run that cannot work.
const (
	MaxRate          = 5_000_000 // spans per second per exporter
	MaxDuration      = 24 * time.Hour
	MaxSpansPerTrace = 10_000
	MaxAttributes    = 128
	MaxAttributeSize = 64 << 10
)

// Protocols are the exporter protocols, and BackendTypes the backend types, this version understands. Each
// backend type lists the protocols it receives.
var (
	Protocols    = []string{"otlp-grpc", "otlp-http"}
	BackendTypes = map[string][]string{
		"jaeger": {"otlp-grpc", "otlp-http"},
	}
	Signals      = []string{"traces"}
	Compressions = []string{"none", "gzip"}
)

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
}

// at reports msg at the value of path, or at the nearest enclosing value the file has (a missing key is reported
// where its parent mapping starts).
func (v *validator) at(path, format string, args ...any) {
	for _, u := range v.undecoded {
		if within(path, u) || within(u, path) {
			return
		}
	}
	pos, ok := v.places[path]
	for p := path; !ok && p != ""; {
		p = parent(p)
		pos, ok = v.places[p]
	}
	if !ok {
		pos = v.root
	}
	v.errs = append(v.errs, Error{File: v.file, Line: pos.Line, Column: pos.Column, Msg: fmt.Sprintf(format, args...)})
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

	backendNames := map[string]bool{}
	if len(sc.Backends) == 0 {
		v.at("backends", "no backends; expected at least one, e.g. - {name: jaeger, type: jaeger}")
	}
	for i, b := range sc.Backends {
		p := fmt.Sprintf("backends[%d]", i)
		v.name(p, b.Name, backendNames)
		if _, ok := BackendTypes[b.Type]; !ok {
			v.at(p+".type", "backend type %q is not supported; expected one of: %s", b.Type, strings.Join(sortedKeys(BackendTypes), ", "))
		}
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
	}

	workloadNames := map[string]bool{}
	if len(sc.Workloads) == 0 {
		v.at("workloads", "no workloads; expected at least one")
	}
	for i := range sc.Workloads {
		sc.validateWorkload(v, fmt.Sprintf("workloads[%d]", i), &sc.Workloads[i], workloadNames)
	}
}

func (sc *Scenario) validateWorkload(v *validator, p string, w *Workload, seen map[string]bool) {
	v.name(p, w.Name, seen)
	v.oneOf(p+".signal", "signal", w.Signal, Signals)
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
		}
		used[name] = true
	}

	if w.Rate < 0 || w.Rate > MaxRate {
		v.at(p+".rate", "rate %g is out of range; expected spans per second between 0 and %d", w.Rate, MaxRate)
	}
	if len(w.Stages) == 0 {
		if w.Rate == 0 {
			v.at(p+".rate", "workload %q has neither rate nor stages; expected rate: <spans per second>", w.Name)
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
			v.at(sp+".target", "target %g is out of range; expected spans per second between 0 and %d", s.Target, MaxRate)
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
	if sc.ExpectedSpans(w) < float64(spans) && sc.Duration >= 0 && w.Rate >= 0 {
		v.at(p, "workload %q would send no trace: %.0f spans over %s is fewer than the %d spans of one trace", w.Name, sc.ExpectedSpans(w), sc.WorkloadDuration(w), spans)
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
