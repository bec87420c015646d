// Package backend says what a kind of backend is and can do, without starting anything: its Description (the
// signals and protocols it receives, what it gives back, how it forwards, is validated and sized), and the Spec a
// scenario gives of one backend. It imports no container runtime, so that checking a scenario file does not either.
//
// Descriptions are registered by the package that registers the kinds (containers/all), as database/sql drivers
// are: a program that validates scenarios links the kinds it knows, and asks here.
package backend

import (
	"crypto/tls"
	"slices"
	"sort"
	"sync"

	"github.com/otelbench/otelbench/generators"
)

// Description is what otelbench knows of a kind of backend before it starts one: one declarative value per kind,
// asked by validation, planning and the run alike.
type Description struct {
	// Type is the backend type as scenarios write it ("jaeger").
	Type string
	// Receives lists, per signal, the protocols exporters can send it with (none: it does not take the signal).
	Receives map[generators.Signal][]string
	// GivesBack reports whether items of signal sent to a backend as spec describes it can be read back from it.
	GivesBack func(spec Spec, signal generators.Signal) bool

	// NotStarted: it is not a container (console); it takes no image, args or memory.
	NotStarted bool
	// ReadsFiles: what it gives back is read from files on this host (the console's, a collector's file
	// exporters'), which outlive it: a backend that stopped cannot be told from one that answers.
	ReadsFiles bool
	// CountsOnly: it is read back by count (a sink), which cannot tell streams apart: one stream at most may
	// send to it.
	CountsOnly bool
	// Forwarder: it forwards what it receives to other backends (forward_to); it starts after them, and a signal
	// sent to it is read back from each of them that takes it, and from itself where GivesBack says so.
	Forwarder bool
	// ForwardedVia lists the signals a collector can forward to it, each with the collector exporter that does
	// ("otlp", or ViaRemoteWrite).
	ForwardedVia map[generators.Signal]string
	// RetentionUnit, when set, is what retention counts in its store (traces, spans); "": it takes no retention.
	RetentionUnit string
	// TakesConfig: it takes a configuration file of the user's (config in the scenario).
	TakesConfig bool
	// SamplesTraces: it can sample the traces it forwards (sampling in the scenario, Spec.Sampling).
	SamplesTraces bool
	// QueuesForwards: the exporters it forwards through have a sending queue the scenario can size and make
	// persistent (sending_queue in the scenario, Spec.Queue).
	QueuesForwards bool
	// ForgetsOnStop: a started one keeps what it stored in memory only, so a stop or restart (faults) erases it
	// (Jaeger's and Zipkin's memory stores); verification then expects only what was sent after its last start.
	ForgetsOnStop bool
	// ExternalKeys are the keys of external it uses (otlp_grpc, otlp_http, url, files_dir, metrics_url; tls and
	// headers go with any of them); none: it cannot be external.
	ExternalKeys []string

	// Validate, when set, has rules of its own on how a scenario may describe it: report a problem at a field of
	// the backend ("external.url", "retention"; "" for the backend itself).
	Validate func(spec Spec, report func(field, format string, args ...any))
	// NotBack, when set, says why a backend as spec describes it does not give signal back, and what would.
	NotBack func(spec Spec, signal generators.Signal) (why, expected string, ok bool)
	// RefusesDelta, when set, tells from spec alone that delta temporality sent to it would be refused or
	// dropped: why, and what would fix it, or "".
	RefusesDelta func(spec Spec) string
	// DeltaArgs, when set, are the args that make a backend of this type otelbench starts take delta temporality
	// (what RefusesDelta asks for).
	DeltaArgs []string
	// Footprint, when set, is the memory a started backend needs for load, and what it holds (for an error
	// message); otherwise DefaultFootprint.
	Footprint func(spec Spec, load Load) (bytes int64, what string)
}

// Every is the same protocols for every signal: a receiver that takes them all alike (a collector's OTLP).
func Every(protocols ...string) map[generators.Signal][]string {
	out := map[generators.Signal][]string{}
	for _, s := range generators.Signals {
		out[s] = protocols
	}
	return out
}

// Takes reports whether exporters can send it signal at all.
func (d *Description) Takes(signal generators.Signal) bool { return len(d.Receives[signal]) > 0 }

// Forwards reports whether a collector can forward signal to it.
func (d *Description) Forwards(signal generators.Signal) bool {
	_, ok := d.ForwardedVia[signal]
	return ok
}

// MemoryFor is what a started backend of this kind is expected to take from the machine for load.
func (d *Description) MemoryFor(spec Spec, load Load) (int64, string) {
	if d.Footprint == nil {
		return DefaultFootprint, ""
	}
	return d.Footprint(spec, load)
}

// ViaOTLP is how a collector forwards a signal with its OTLP exporter.
const ViaOTLP = "otlp"

// DefaultFootprint is what a started backend that does not say otherwise is expected to take from the machine.
const DefaultFootprint = 256 << 20

// ViaRemoteWrite is how a collector forwards metrics with its Prometheus remote-write exporter, which drops delta
// sums and histograms.
const ViaRemoteWrite = "prometheusremotewrite"

// Sampling is a probabilistic sampler in a backend that forwards traces: Percentage of the traces kept, by Mode
// (the collector's: proportional, by the trace ID's randomness; hash_seed, by a seeded hash of the trace ID).
type Sampling struct {
	Percentage float64
	Mode       string
}

// Queue is the sending queue of the exporters a backend forwards through (a collector's sending_queue): Size
// requests, drained by Consumers, kept in memory or, Persistent, in a file_storage directory the run owns, which
// outlives a restart.
type Queue struct {
	Size, Consumers int
	Persistent      bool
}

// Spec is a backend as a scenario describes it, in the terms every kind understands.
type Spec struct {
	Name, Type string
	// External describes a backend that is already running; nil for one otelbench starts.
	External *External
	// Image overrides the pinned image; Args are command-line arguments added after otelbench's own.
	Image string
	Args  []string
	// Retention is how many items the backend keeps (traces for Jaeger, spans for Zipkin); 0: sized for the run.
	Retention int
	// ConfigPath is a configuration file for the backend (collector), resolved; "" for none.
	ConfigPath string
	// ForwardTo names the backends it forwards to, with their specs.
	ForwardTo []Spec
	// Sampling, when set, samples the traces it forwards (kinds whose Description says SamplesTraces).
	Sampling *Sampling
	// Queue, when set, is the sending queue of its forwarding exporters (kinds whose Description says
	// QueuesForwards).
	Queue *Queue
	// Description is the registered description of Type (nil for a type that is not registered).
	Description *Description
}

// External is where a running backend listens and how to reach it.
type External struct {
	// URL is the base URL of its read API (or its only API).
	URL string
	// OTLPGRPC and OTLPHTTP are host:port of its OTLP receivers.
	OTLPGRPC, OTLPHTTP string
	// FilesDir is the folder a collector's file exporters write into (resolved).
	FilesDir string
	// MetricsURL is its own metrics.
	MetricsURL string
	// TLS configures connections to it (exporters and read-back); nil: plain connections.
	TLS *tls.Config
	// Headers go on every request to it (exporters and read-back): API keys, tenant IDs.
	Headers map[string]string
}

// Load is what a run sends a backend, directly or through a collector.
type Load struct {
	// Traces and Spans are counts; SpanBytes the mean size of a span in bytes.
	Traces, Spans float64
	SpanBytes     int
	// ItemBytes is about the size of the largest item (span, log record) it receives.
	ItemBytes int
	// ScrapeTargets are host:port of scrape endpoints it must scrape (Prometheus exporters).
	ScrapeTargets []string
}

// Endpoint is where an exporter sends: Address is host:port for OTLP, the spans URL for Zipkin, a file for the
// console; URLPath overrides the OTLP HTTP path of the signal.
type Endpoint struct {
	Address string
	URLPath string
	TLS     *tls.Config
	Headers map[string]string
	// External: a backend otelbench did not start.
	External bool
}

// Endpoint is addr reached with e's TLS and headers.
func (e *External) Endpoint(addr string) Endpoint {
	return Endpoint{Address: addr, TLS: e.TLS, Headers: e.Headers, External: true}
}

// NeedOTLP reports, for a kind whose external form needs an OTLP receiver, when spec has neither.
func NeedOTLP(spec Spec, report func(field, format string, args ...any)) {
	if spec.External != nil && spec.External.OTLPGRPC == "" && spec.External.OTLPHTTP == "" {
		report("external", "an external %s backend needs otlp_grpc or otlp_http; expected host:port of its OTLP receiver", spec.Type)
	}
}

// NeedURL reports, for a kind whose external form needs a base URL, when spec has none; example shows one.
func NeedURL(spec Spec, report func(field, format string, args ...any), what, example string) {
	if spec.External != nil && spec.External.URL == "" {
		report("external", "an external %s backend needs url; expected url: %s, e.g. %s", spec.Type, what, example)
	}
}

var registry struct {
	sync.RWMutex
	byType map[string]*Description
}

// Register makes d known by its type; registering a type twice panics, as a programming error.
func Register(d Description) {
	registry.Lock()
	defer registry.Unlock()
	if registry.byType == nil {
		registry.byType = map[string]*Description{}
	}
	if _, dup := registry.byType[d.Type]; dup {
		panic("backend: type " + d.Type + " registered twice")
	}
	if d.GivesBack == nil {
		d.GivesBack = func(Spec, generators.Signal) bool { return false }
	}
	registry.byType[d.Type] = &d
}

// Lookup returns the description of backend type typ.
func Lookup(typ string) (*Description, bool) {
	registry.RLock()
	defer registry.RUnlock()
	d, ok := registry.byType[typ]
	return d, ok
}

// Types lists the registered backend types, sorted.
func Types() []string {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]string, 0, len(registry.byType))
	for t := range registry.byType {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// TypesWhere lists the registered types whose description satisfies ok, sorted (for error messages that say
// which types would do).
func TypesWhere(ok func(*Description) bool) []string {
	var out []string
	for _, t := range Types() {
		if d, _ := Lookup(t); ok(d) {
			out = append(out, t)
		}
	}
	return slices.Clip(out)
}
