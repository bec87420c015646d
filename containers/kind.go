package containers

import (
	"context"
	"github.com/otelbench/otelbench/containers/backend"
	"log/slog"

	"github.com/testcontainers/testcontainers-go"

	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/verify"
)

// A Kind is one type of backend: everything otelbench knows about it sits in its own package
// (containers/<type>) behind this interface, and one line in containers/all registers it. The run, the scenario
// validation and the image builder ask kinds (or, without a container runtime, their descriptions); none of them
// names a backend type.
type Kind interface {
	// Describe is what the kind is and can do, declared once (see backend.Description).
	Describe() backend.Description
	// Image is the pinned image it runs as, which otelbench can build offline; ok is false for a kind that is not
	// a container (Description.NotStarted).
	Image() (img Image, ok bool)
	// Start starts a backend of this kind for a run. On error it returns what it started, if anything, so that
	// the caller can terminate it.
	Start(ctx context.Context, env StartEnv) (Live, error)
	// Connect returns a backend of this kind that is already running, as spec.External describes it.
	Connect(ctx context.Context, spec backend.Spec) (Live, error)
}

// StartEnv is what a kind needs to start a backend for a run.
type StartEnv struct {
	Spec backend.Spec
	// RunID labels the container.
	RunID string
	// Image is the image reference to start.
	Image string
	// Load is what the run will send it; WorkDir a folder of the run for the backend's files.
	Load    backend.Load
	WorkDir string
	// Forward is the backends it forwards to, started before it, by name.
	Forward map[string]Live
	// Customizers go after the kind's own options (the run's logger, the scenario's args).
	Customizers []testcontainers.ContainerCustomizer
	Logger      *slog.Logger
}

// Live is a backend a run uses, started or external: where exporters send, and how items are read back.
type Live interface {
	// Endpoint is where an exporter of protocol sends signal for stream; false when this backend does not take
	// signal that way.
	Endpoint(protocol string, signal generators.Signal, stream string) (backend.Endpoint, bool)
	// TraceReader, MetricReader and LogSource return how the items of stream are read back, or nil when this
	// backend does not give that signal back. via says how the items arrived: "otlp" (or the exporter protocol),
	// or the ID of the collector exporter that forwarded them (see Forwarded). A LogSource is fresh on each call:
	// a source keeps where it has read to.
	TraceReader(stream, via string) verify.TraceReader
	MetricReader(stream, via string) verify.MetricReader
	LogSource(stream, via string) verify.LogSource
	// Terminate stops a started backend; nothing for an external one.
	Terminate(ctx context.Context) error
	// External is the backend as a scenario's external: block would describe it, to be used as it runs (by a
	// later run, or the conformance suite's external form); false for a kind that cannot be external.
	External() (backend.External, bool)
	// ErrorLines returns the last n lines of its log logged at error level or worse, to explain a failure
	// (ContainerLive reads a started container's; an external backend or the console has none).
	ErrorLines(ctx context.Context, n int) ([]string, error)
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

// OTLPEndpoint is the endpoint of an OTLP receiver pair for protocol: grpc or http host:port, with ext's TLS
// and headers when external.
func OTLPEndpoint(protocol, grpcAddr, httpAddr string, ext *backend.External) (backend.Endpoint, bool) {
	addr := map[string]string{generators.OTLPGRPC: grpcAddr, generators.OTLPHTTP: httpAddr}[protocol]
	if addr == "" {
		return backend.Endpoint{}, false
	}
	if ext != nil {
		return ext.Endpoint(addr), true
	}
	return backend.Endpoint{Address: addr}, true
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
