package main

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/scenarios"
)

// signalPlan is what the flags of otelbench traces|metrics|logs decide, checked: the scenario is written from it.
type signalPlan struct {
	backend  string // the backend's type, also its name
	protocol string // the exporter's protocol, also its name
	// protocolByHTTP: --otlp-http chose the protocol (the backend takes gRPC too).
	protocolByHTTP bool
	external       bool
	// externalBy is the flag that made the backend external, for the lines that follow from it.
	externalBy string
	// tls: TLS is on for the running backend (enabled: true unless a TLS file or option says more).
	tls         bool
	tlsBy       string
	caFile      string
	certFile    string
	keyFile     string
	filesDir    string
	headers     []header
	instruments []string // metrics
	severity    string   // logs
	temporality string   // metrics: "" (the default), cumulative or delta
	spans       int      // traces: per trace
	rate        float64  // the scenario's rate: items per second, all workers together
}

// header is one --otlp-header: its name, value, and the environment variable --print-scenario writes instead of
// the value.
type header struct {
	name, value, env string
}

// receivesAt says, for error messages, where the backends exporters reach at their --backend-url receive (atURL);
// a backend not listed is said to receive at its API.
var receivesAt = map[string]string{
	"zipkin":          "its spans API (/api/v2/spans)",
	"prometheus":      "its OTLP receiver (/api/v1/otlp/v1/metrics)",
	"victoriametrics": "its OTLP endpoint (/opentelemetry/v1/metrics)",
	"victorialogs":    "its OTLP endpoint (/insert/opentelemetry/v1/logs)",
}

// externalKeys are the external: keys a backend of type typ uses (the registry's).
func externalKeys(typ string) []string {
	if d, ok := backend.Lookup(typ); ok {
		return d.ExternalKeys
	}
	return nil
}

// atURL reports whether exporters reach a running backend of type typ at its --backend-url: it names no OTLP
// receiver of its own.
func atURL(typ string) bool {
	keys := externalKeys(typ)
	return keys != nil && !slices.Contains(keys, "otlp_grpc") && !slices.Contains(keys, "otlp_http")
}

// protocolFor is the exporter's protocol for signal to a backend of type typ, among those the registry says it
// receives the signal with: OTLP gRPC, or OTLP/HTTP with --otlp-http or when it takes no gRPC; else the one it
// takes (Zipkin's exporter). chosen says whether --otlp-http decided it.
func protocolFor(typ string, signal generators.Signal, http bool) (protocol string, chosen bool) {
	d, ok := backend.Lookup(typ)
	if !ok {
		return generators.OTLPGRPC, false
	}
	takes := d.Receives[signal]
	grpc, otlpHTTP := slices.Contains(takes, generators.OTLPGRPC), slices.Contains(takes, generators.OTLPHTTP)
	switch {
	case grpc && otlpHTTP:
		if http {
			return generators.OTLPHTTP, true
		}
		return generators.OTLPGRPC, false
	case grpc:
		return generators.OTLPGRPC, false
	case otlpHTTP:
		return generators.OTLPHTTP, false
	case len(takes) > 0:
		return takes[0], false
	}
	return generators.OTLPGRPC, false
}

// metricTypes maps telemetrygen's metric types, and otelbench's instruments, to otelbench's instruments.
var metricTypes = map[string]string{"gauge": "gauge", "sum": "counter", "histogram": "histogram"}

// plan checks the flags, every problem at once, each naming its flag and what is expected; the scenario's own
// rules are checked when it is loaded (and reported at the flags too).
func (o *signalOptions) plan() (*signalPlan, error) {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	k, given := o.kind, o.changed
	p := &signalPlan{backend: strings.ToLower(o.backend), spans: 1}

	if o.rate <= 0 {
		bad("--rate %s: expected %s per second per worker, above 0; otelbench paces an open-loop rate and has no unthrottled mode (to find the most a path takes, see otelbench bench)", formatFloat(o.rate), k.per)
	}
	if o.duration <= 0 {
		bad("--duration %s: expected how long to send, above 0 (otelbench has no count: N %s at --rate R per worker take N/R seconds)", o.duration, k.per)
	}
	switch {
	case o.workers < 1:
		bad("--workers %d: expected 1 or more", o.workers)
	case k.signal == "traces" && o.workers > 64:
		bad("--workers %d: expected at most 64: each worker is an independent SDK pipeline (an exporter instance)", o.workers)
	}
	if k.signal == "traces" {
		if o.childSpans < 0 || o.childSpans >= scenarios.MaxSpansPerTrace {
			bad("--child-spans %d: expected 0 to %d (spans per trace are child spans + 1, at most %d)", o.childSpans, scenarios.MaxSpansPerTrace-1, scenarios.MaxSpansPerTrace)
		} else {
			p.spans = o.childSpans + 1
		}
	}
	p.rate = o.rate * float64(p.spans) * float64(max(o.workers, 1))
	if o.rate > 0 && p.rate > scenarios.MaxRate {
		lower := "--rate or --workers"
		if k.signal == "traces" {
			lower = "--rate, --child-spans or --workers"
		}
		bad("--rate %s: %s is more than otelbench sends through one exporter (%d items/s); expected a lower %s",
			formatFloat(o.rate), o.rateSum(p), scenarios.MaxRate, lower)
	}

	if backends := k.backends(); !slices.Contains(backends, p.backend) {
		bad("--backend %q: expected %s for %s", o.backend, orList(backends), k.signal)
	}
	p.protocol, p.protocolByHTTP = protocolFor(p.backend, generators.Signal(k.signal), o.http)
	o.checkExternal(p, bad)

	for _, raw := range o.headers {
		h, err := parseHeader(raw)
		if err != nil {
			bad("--otlp-header: %v", err)
			continue
		}
		for _, prev := range p.headers {
			switch {
			case strings.EqualFold(prev.name, h.name):
				bad("--otlp-header %s: given twice; expected each header once", h.name)
			case prev.env == h.env:
				bad("--otlp-header %s and %s: both would be written as ${%s} by --print-scenario; expected names that differ in more than punctuation", prev.name, h.name, h.env)
			}
		}
		p.headers = append(p.headers, h)
	}

	switch k.signal {
	case "metrics":
		for _, t := range o.metricTypes {
			in, ok := metricTypes[strings.ToLower(strings.TrimSpace(t))]
			if !ok && slices.Contains(scenarios.Instruments, strings.TrimSpace(t)) {
				in, ok = strings.TrimSpace(t), true
			}
			if !ok {
				bad("--metric-type %q: expected Gauge, Sum or Histogram (telemetrygen's), or one of otelbench's %s", t, strings.Join(scenarios.Instruments, ", "))
				continue
			}
			if !slices.Contains(p.instruments, in) {
				p.instruments = append(p.instruments, in)
			}
		}
		if given("aggregation-temporality") {
			p.temporality = strings.ToLower(o.temporality)
			if p.temporality != "cumulative" && p.temporality != "delta" {
				bad("--aggregation-temporality %q: expected cumulative or delta", o.temporality)
			}
		}
	case "logs":
		p.severity = strings.ToLower(o.severity)
		if p.severity == "warning" {
			p.severity = "warn"
		}
		if !slices.Contains(scenarios.Severities, p.severity) {
			bad("--severity-text %q: expected one of %s (any case)", o.severity, strings.Join(scenarios.Severities, ", "))
		}
	}
	if given("compression") && o.compression != "none" && o.compression != "gzip" {
		bad("--compression %q: expected none or gzip", o.compression)
	}
	if len(errs) > 0 {
		return nil, usageError("%s", strings.Join(errs, "\n"))
	}
	return p, nil
}

// checkExternal decides whether the backend is running already, and how to reach it: which of --otlp-endpoint,
// --backend-url and --files-dir its type needs, and TLS and headers, which only a running backend takes.
func (o *signalOptions) checkExternal(p *signalPlan, bad func(string, ...any)) {
	given := o.changed
	for _, f := range []string{"otlp-endpoint", "backend-url", "files-dir"} {
		if given(f) && p.externalBy == "" {
			p.external, p.externalBy = true, "--"+f
		}
	}
	if strings.Contains(o.endpoint, "://") {
		bad("--otlp-endpoint %q: expected host:port without a scheme, e.g. 127.0.0.1:4317 (TLS is on unless --otlp-insecure)", o.endpoint)
	}
	switch b, keys := p.backend, externalKeys(p.backend); {
	case atURL(b):
		if given("otlp-endpoint") {
			bad("--otlp-endpoint: a %s backend receives at %s under its base URL; expected --backend-url URL instead", b, cmp.Or(receivesAt[b], "its API"))
		}
		if given("files-dir") {
			bad("--files-dir: a %s backend is read back through its API; expected --backend-url URL (--files-dir is a collector's)", b)
		}
		if p.external && o.backendURL == "" {
			bad("--backend-url: an external %s backend needs its base URL", b)
		}
	case slices.Contains(keys, "url"): // an OTLP receiver, and a query API to read back from (Jaeger)
		switch {
		case given("otlp-endpoint") && !given("backend-url"):
			bad("--backend-url: an external %s needs its query service's URL (e.g. http://127.0.0.1:16686) to read spans back; --otlp-endpoint only says where they go", b)
		case given("backend-url") && !given("otlp-endpoint"):
			bad("--otlp-endpoint: an external %s needs its OTLP receiver (host:port, e.g. 127.0.0.1:4317) as well as --backend-url, its query service", b)
		}
	case slices.Contains(keys, "files_dir"): // an OTLP receiver, read back from the files it writes (a collector)
		if given("backend-url") {
			bad("--backend-url: a %s is read back from the folder its file exporters write into; expected --files-dir DIR (and --otlp-endpoint host:port, its OTLP receiver)", b)
		}
		switch {
		case given("otlp-endpoint") && !given("files-dir"):
			bad("--files-dir: an external %s needs the folder its file exporters write %s*.jsonl into, to read them back", b, o.kind.signal)
		case given("files-dir") && !given("otlp-endpoint"):
			bad("--otlp-endpoint: an external %s needs its OTLP receiver (host:port, e.g. 127.0.0.1:4317) as well as --files-dir", b)
		}
	}
	if o.filesDir != "" {
		abs, err := filepath.Abs(o.filesDir)
		if err != nil {
			bad("--files-dir %q: %v", o.filesDir, err)
		}
		p.filesDir = abs
	}

	// TLS and headers: a backend otelbench starts takes plain connections and no headers.
	security := []string{"otlp-header", "otlp-insecure-skip-verify", "ca-cert", "mtls", "client-cert", "client-key"}
	if !p.external {
		for _, f := range security {
			if given(f) {
				bad("--%s: applies to a backend already running (--otlp-endpoint, --backend-url); the one otelbench starts takes plain connections", f)
			}
		}
		return
	}
	files := []struct {
		flag string
		path string
		to   *string
	}{{"ca-cert", o.caCert, &p.caFile}, {"client-cert", o.clientCert, &p.certFile}, {"client-key", o.clientKey, &p.keyFile}}
	for _, f := range files {
		if f.path == "" {
			continue
		}
		abs, err := filepath.Abs(f.path)
		if err == nil {
			_, err = os.Stat(abs)
		}
		if err != nil {
			bad("--%s %q: %v; expected a readable PEM file", f.flag, f.path, errors.Unwrap(err))
		}
		*f.to = abs
	}
	if (o.clientCert == "") != (o.clientKey == "") {
		bad("--client-cert and --client-key go together: a client certificate needs its key")
	}
	if o.mtls && o.clientCert == "" && o.clientKey == "" {
		bad("--mtls: expected --client-cert FILE and --client-key FILE, the certificate to present")
	}
	var tlsFlags []string
	for _, f := range []string{"ca-cert", "client-cert", "client-key", "otlp-insecure-skip-verify"} {
		if given(f) {
			tlsFlags = append(tlsFlags, "--"+f)
		}
	}
	// A problem the loader finds in the tls: section is the TLS flags', else that of what turned TLS on.
	p.tlsBy = strings.Join(tlsFlags, ", ")
	if atURL(p.backend) {
		// Exporters send to --backend-url: its scheme says whether TLS is on, --otlp-insecure has nothing to add.
		u, err := url.Parse(o.backendURL)
		https := err == nil && u.Scheme == "https"
		switch {
		case https && o.insecure:
			bad("--otlp-insecure: --backend-url %s is https; expected an http:// URL for plaintext", o.backendURL)
		case !https && len(tlsFlags) > 0:
			bad("%s: TLS settings, but --backend-url is not https; expected an https:// URL", strings.Join(tlsFlags, ", "))
		}
		p.tls, p.tlsBy = https, cmp.Or(p.tlsBy, "--backend-url")
		return
	}
	// Exporters send to --otlp-endpoint: TLS unless --otlp-insecure, as telemetrygen.
	if o.insecure && len(tlsFlags) > 0 {
		bad("%s: TLS settings, but --otlp-insecure turns TLS off; expected one or the other", strings.Join(tlsFlags, ", "))
	}
	p.tls, p.tlsBy = !o.insecure, cmp.Or(p.tlsBy, "--otlp-endpoint")
}

// rateSum says how the scenario's rate follows from the flags, e.g. "100 traces/s x 2 spans x 3 workers = 600
// spans/s".
func (o *signalOptions) rateSum(p *signalPlan) string {
	unit := o.kind.per
	s := fmt.Sprintf("%s %s/s", formatFloat(o.rate), unit)
	if o.kind.signal == "traces" {
		s += fmt.Sprintf(" x %d spans per trace", p.spans)
		unit = "spans"
	}
	if o.workers > 1 {
		s += fmt.Sprintf(" x %d workers", o.workers)
	}
	if o.kind.signal == "traces" || o.workers > 1 {
		s += fmt.Sprintf(" = %s %s/s", formatFloat(p.rate), unit)
	}
	return s
}

// parseHeader reads key="value" or key=value, as telemetrygen's --otlp-header. An error never holds the value.
func parseHeader(raw string) (header, error) {
	name, value, ok := strings.Cut(raw, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return header{}, errors.New(`an argument without a name= (its value is not shown); expected key="value" or key=value`)
	}
	if len(value) >= 2 && strings.HasPrefix(value, `"`) && strings.HasSuffix(value, `"`) {
		value = value[1 : len(value)-1]
	}
	if value == "" {
		return header{}, fmt.Errorf(`header %s has an empty value; expected key="value"`, name)
	}
	env := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, name)
	return header{name: name, value: value, env: "OTELBENCH_HEADER_" + env}, nil
}

// orList is "a, b or c".
func orList(items []string) string { return joinLast(items, " or ") }

// joinLast joins items with commas, and the last two with last.
func joinLast(items []string, last string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + last + items[len(items)-1]
}

// andList is "a, b and c".
func andList(items []string) string { return joinLast(items, " and ") }

// formatFloat writes a number as YAML and people read it: 1000000, 0.5.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
