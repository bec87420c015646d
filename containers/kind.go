package containers

import (
	"context"
	"crypto/tls"
	"log/slog"

	"github.com/testcontainers/testcontainers-go"

	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/verify"
)

// A Kind is one type of backend: everything otelbench knows about it sits in its own package
// (containers/<type>) behind this interface, and one line in containers/all registers it. The run, the scenario
// validation and the image builder ask kinds; none of them names a backend type.
type Kind interface {
	// Type is the backend type as scenarios write it ("jaeger").
	Type() string
	// Receives lists the protocols exporters can send signal to it with (none: it does not take that signal).
	Receives(signal generators.Signal) []string
	// GivesBack reports whether items of signal sent to a backend of this kind (spec) can be read back from it.
	GivesBack(spec Spec, signal generators.Signal) bool
	// Start starts a backend of this kind for a run. On error it returns what it started, if anything, so that
	// the caller can terminate it.
	Start(ctx context.Context, env StartEnv) (Live, error)
	// Connect returns a backend of this kind that is already running, as spec.External describes it.
	Connect(ctx context.Context, spec Spec) (Live, error)
}

// Imaged is a Kind that runs as a container of a pinned image otelbench can build offline.
type Imaged interface {
	Image() Image
}

// Validator is a Kind with rules of its own on how a scenario may describe it: report a problem at a field of
// the backend ("external.url", "retention"; "" for the backend itself).
type Validator interface {
	Validate(spec Spec, report func(field, format string, args ...any))
}

// Unstarted is a Kind that is not a container (console): Start prepares it in the run's folder, and it takes
// no image, args or memory.
type Unstarted interface {
	NotStarted()
}

// Counting is a Kind read back by count (its Live is Counted): a count cannot tell streams apart, so one stream
// at most may send to a backend of this kind.
type Counting interface {
	CountsOnly()
}

// Retained is a Kind whose store keeps a bounded number of items (retention in the scenario), in RetentionUnit.
type Retained interface {
	RetentionUnit() string
}

// TraceSampler is a Kind that can sample the traces it forwards (a collector's probabilistic sampler: sampling in
// the scenario, Spec.Sampling).
type TraceSampler interface {
	SamplesTraces()
}

// Sampling is a probabilistic sampler in a backend that forwards traces: Percentage of the traces kept, by Mode
// (the collector's: proportional, by the trace ID's randomness; hash_seed, by a seeded hash of the trace ID).
type Sampling struct {
	Percentage float64
	Mode       string
}

// ConfigTaker is a Kind that takes a configuration file of the user's (config in the scenario).
type ConfigTaker interface {
	TakesConfig()
}

// ExternalKeys is a Kind that can be external: the keys of external it uses (otlp_grpc, otlp_http, url,
// files_dir, metrics_url; tls and headers go with any of them).
type ExternalKeys interface {
	ExternalKeys() []string
}

// BackExplainer is a Kind that can say why a backend as spec describes it does not give signal back, and what
// would make it.
type BackExplainer interface {
	NotBack(spec Spec, signal generators.Signal) (why, expected string, ok bool)
}

// Sized is a Kind whose memory grows with what a run sends it; others are expected to take DefaultFootprint.
type Sized interface {
	// Footprint is the memory a started backend needs for load, and what it holds (for an error message).
	Footprint(spec Spec, load Load) (bytes int64, what string)
}

// DefaultFootprint is what a started backend that does not say otherwise is expected to take from the machine.
const DefaultFootprint = 256 << 20

// ForwardTarget is a Kind a collector can forward signals to.
type ForwardTarget interface {
	// Forwards reports whether a collector can forward signal to it.
	Forwards(signal generators.Signal) bool
}

// ForwardVia is a ForwardTarget that says which way a collector forwards a signal to it when that is not OTLP.
type ForwardVia interface {
	ForwardVia(signal generators.Signal) string
}

// ViaRemoteWrite is how a collector forwards metrics with its Prometheus remote-write exporter, which drops delta
// sums and histograms.
const ViaRemoteWrite = "prometheusremotewrite"

// DeltaJudge is a Kind that can tell from its spec alone that delta temporality sent to it would be refused or
// dropped: it says why and what would fix it, or "".
type DeltaJudge interface {
	RefusesDelta(spec Spec) string
}

// Forwarder is a Kind that forwards what it receives to other backends (forward_to, which only forwarders take).
// It starts after them, and a signal sent to it is read back from each of them that takes it, and from itself
// where its GivesBack says so.
type Forwarder interface {
	IsForwarder()
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
	// Sampling, when set, samples the traces it forwards (TraceSampler kinds).
	Sampling *Sampling
	// Kind is the registered kind of Type.
	Kind Kind
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

// StartEnv is what a kind needs to start a backend for a run.
type StartEnv struct {
	Spec Spec
	// RunID labels the container.
	RunID string
	// Image is the image reference to start.
	Image string
	// Load is what the run will send it; WorkDir a folder of the run for the backend's files.
	Load    Load
	WorkDir string
	// Forward is the backends it forwards to, started before it, by name.
	Forward map[string]Live
	// Customizers go after the kind's own options (the run's logger, the scenario's args).
	Customizers []testcontainers.ContainerCustomizer
	Logger      *slog.Logger
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

// Live is a backend a run uses, started or external: where exporters send, and how items are read back.
type Live interface {
	// Endpoint is where an exporter of protocol sends signal for stream; false when this backend does not take
	// signal that way.
	Endpoint(protocol string, signal generators.Signal, stream string) (Endpoint, bool)
	// TraceReader, MetricReader and LogSource return how the items of stream are read back, or nil when this
	// backend does not give that signal back. via says how the items arrived: "otlp" (or the exporter protocol),
	// or the ID of the collector exporter that forwarded them (see Forwarded). A LogSource is fresh on each call:
	// a source keeps where it has read to.
	TraceReader(stream, via string) verify.TraceReader
	MetricReader(stream, via string) verify.MetricReader
	LogSource(stream, via string) verify.LogSource
	// Terminate stops a started backend; nothing for an external one.
	Terminate(ctx context.Context) error
}

// NoReaders is embedded by a Live that gives nothing back, or only some signals: it answers nil for the rest.
type NoReaders struct{}

func (NoReaders) TraceReader(string, string) verify.TraceReader   { return nil }
func (NoReaders) MetricReader(string, string) verify.MetricReader { return nil }
func (NoReaders) LogSource(string, string) verify.LogSource       { return nil }

// Forwarded is a Live a collector can forward to.
type Forwarded interface {
	// ForwardExporter is the collector exporter that reaches it with signal: its component ID
	// ("otlp_grpc/jaeger") and configuration (YAML-encodable), and how read-back must expect the items to
	// arrive (Reader's via).
	ForwardExporter(signal generators.Signal) (id string, config map[string]any, via string, ok bool)
}

// Described is a Live with addresses worth showing besides its receivers (--keep-backends): its query API
// ("query"), remote write ("remote_write"), the folder it writes files into ("files").
type Described interface {
	Describe() map[string]string
}

// Queried is a Live that answers PromQL: what an application's request count is read from (prometheus,
// victoriametrics).
type Queried interface {
	PromQL() verify.PromQL
}

// Witnessed is a Live that serves its own metrics: the collector's otelcol_* counters, a sink's accepted items.
type Witnessed interface {
	MetricsURL() string
}

// Witnessing is a Live that counts, from inside, what passed through it: a collector's otelcol_* counters of
// what its receivers accepted and refused and its exporters sent and failed, by component.
type Witnessing interface {
	Witness(ctx context.Context) (map[string]float64, error)
}

// Logged is a Live whose log can explain a failure (a started container).
type Logged interface {
	// ErrorLines returns the last n lines of its log logged at error level or worse.
	ErrorLines(ctx context.Context, n int) ([]string, error)
}

// Counted is a Live read back by count (a sink): what its receivers accepted so far, per signal.
type Counted interface {
	Accepted(signal generators.Signal) func(ctx context.Context) (int64, error)
}

// ContainerLive is embedded by every Live: it terminates a started container and reads its log; with no
// container (an external backend, the console) it has nothing to terminate and no log.
type ContainerLive struct{ Ctr Backend }

// Terminate stops and removes the container.
func (c ContainerLive) Terminate(ctx context.Context) error {
	if c.Ctr == nil {
		return nil
	}
	return c.Ctr.Terminate(ctx)
}

// ErrorLines returns the last n error lines of the container's log.
func (c ContainerLive) ErrorLines(ctx context.Context, n int) ([]string, error) {
	if c.Ctr == nil {
		return nil, nil
	}
	return ErrorLines(ctx, c.Ctr, n)
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

// OTLPEndpoint is the endpoint of an OTLP receiver pair for protocol: grpc or http host:port, with ext's TLS
// and headers when external.
func OTLPEndpoint(protocol, grpcAddr, httpAddr string, ext *External) (Endpoint, bool) {
	addr := map[string]string{generators.OTLPGRPC: grpcAddr, generators.OTLPHTTP: httpAddr}[protocol]
	if addr == "" {
		return Endpoint{}, false
	}
	if ext != nil {
		return ext.Endpoint(addr), true
	}
	return Endpoint{Address: addr}, true
}

// Forward is one downstream of a collector: the exporter (component ID and configuration) that carries Signal there.
type Forward struct {
	Signal string
	ID     string
	Config map[string]any
}

// WithQueue adds a collector exporter's sending queue and retries, sized for a benchmark (a queue that holds a
// burst, retries for a minute), to cfg unless it sets them, and returns cfg.
func WithQueue(cfg map[string]any) map[string]any {
	if _, ok := cfg["sending_queue"]; !ok {
		cfg["sending_queue"] = map[string]any{"queue_size": 100000}
	}
	return WithRetry(cfg)
}

// WithRetry adds retries for a minute to a collector exporter's cfg unless it sets them, and returns cfg.
func WithRetry(cfg map[string]any) map[string]any {
	if _, ok := cfg["retry_on_failure"]; !ok {
		cfg["retry_on_failure"] = map[string]any{"max_elapsed_time": "60s"}
	}
	return cfg
}

// ForwardBudget is the most bytes of items the collector puts in one batch it forwards: half of the 4 MiB that
// gRPC servers accept by default (Jaeger's OTLP receiver among them), leaving room for the size estimate's error
// and the encoding's overhead.
const ForwardBudget = 2 << 20

// ForwardBatch is the batch processor's send_batch_size and send_batch_max_size for items of about itemBytes
// each: as many as fit in ForwardBudget, at most the processor's default of 8192 and at least 1. Without a
// maximum, the batch processor forwards batches of any size, which a downstream with a request limit refuses
// whole (ResourceExhausted: "received message after decompression larger than max 4194304").
func ForwardBatch(itemBytes int) int {
	if itemBytes <= 0 {
		return 8192
	}
	return min(max(ForwardBudget/itemBytes, 1), 8192)
}
