// Package scenarios reads and validates otelbench scenario files: what to send, how fast, through which exporters
// and to which backends. A Scenario returned by Load or Parse is complete (defaults applied) and valid; nothing
// else in otelbench reads YAML.
package scenarios

import (
	"bytes"
	"cmp"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Version is the scenario format version this package reads.
const Version = 1

// Scenario is one validated scenario file.
type Scenario struct {
	// Version is the format version; it must be 1.
	Version int `yaml:"version"`
	// Name identifies the scenario in reports.
	Name string `yaml:"name"`
	// Seed makes generated IDs and attribute values reproducible.
	Seed int64 `yaml:"seed"`
	// Duration is how long each workload without stages sends.
	Duration Duration `yaml:"duration"`
	// Verify configures read-back.
	Verify Verify `yaml:"verify"`
	// Backends are the servers that receive telemetry.
	Backends []Backend `yaml:"backends"`
	// Exporters are the SDK exporter configurations under test.
	Exporters []Exporter `yaml:"exporters"`
	// Workloads say what is generated, at which rate, through which exporters, or which requests are sent to
	// which app.
	Workloads []Workload `yaml:"workloads"`
	// Apps are applications under test: services of the user's, started by otelbench (or already running), that
	// app workloads drive HTTP load at and whose own telemetry is read back per request.
	Apps []App `yaml:"apps"`
	// Sweep, when set, makes the scenario a benchmark of exporter configurations (otelbench bench): the axes
	// are expanded into configurations of one exporter, each run alone, replicated in random order.
	Sweep *Sweep `yaml:"sweep"`
	// Thresholds are conditions on every row's numbers (or those of some exporters) that must hold; a breached
	// one fails the run with its own exit code.
	Thresholds []Threshold `yaml:"thresholds"`
	// Faults are actions on backends otelbench started, each at an offset from the start of sending: a backend
	// stopped, killed, paused or restarted mid-run, to measure what each exporter and pipeline loses and how fast
	// it recovers.
	Faults []Fault `yaml:"faults"`

	// File is the path the scenario was read from (empty when parsed from memory).
	File string `yaml:"-"`

	places map[string]Pos // where each value stands in the file, by field path
	root   Pos
	// valid is set once the scenario passed validation and has its defaults (Parse, Validate).
	valid bool
	// tlsLoaded holds each external backend's TLS configuration, its files read once by validation (by backend
	// name; nil for a backend without TLS).
	tlsLoaded map[string]*tls.Config
}

// ErrorAt is a problem with the value at path (a field path as validation names them, e.g. "backends[1]" or
// "workloads[0].rate"), placed where that value, or the nearest enclosing one, stands in the file. It is for checks
// made after Load, e.g. whether a run fits the machine it would run on.
func (sc *Scenario) ErrorAt(path, format string, args ...any) Error {
	pos := place(sc.places, sc.root, path)
	return Error{File: sc.File, Line: pos.Line, Column: pos.Column, Msg: fmt.Sprintf(format, args...)}
}

// Verify configures how delivery is checked.
type Verify struct {
	// Timeout is the eventual-consistency window: how long after sending stops verification keeps re-querying
	// items not yet seen before it declares them lost. Default 30s.
	Timeout Duration `yaml:"timeout"`
	// RateTolerance is how far below its target rate a stream may emit and still pass, as a fraction: a sender
	// that falls behind its schedule offers less load than the scenario says, and the row fails. Default 0.01; a
	// file's explicit 0 tolerates no shortfall (built in Go, 0 means the default: use a tiny fraction instead).
	RateTolerance float64 `yaml:"rate_tolerance"`
}

// Sweep varies one exporter's settings. Every combination of the axes' values is a configuration: the exporter
// with those settings, named after them ("batch_size=512,compression=gzip").
type Sweep struct {
	// Exporter is the exporter whose settings vary (it carries the settings no axis names).
	Exporter string `yaml:"exporter"`
	// Axes maps a setting (backend, protocol, batch_size, queue_size, batch_timeout, export_timeout, compression,
	// instances, export_interval, temporality, pipeline, retry.enabled, retry.initial_interval, retry.max_interval,
	// retry.max_elapsed_time: SweepAxes) to the values it takes.
	Axes map[string][]Value `yaml:"axes"`
	// Replicates is how many times each configuration runs (default 5), in random order (from the seed).
	Replicates int `yaml:"replicates"`
	// Warmup is the start of each run left out of the measurement (default 1s).
	Warmup Duration `yaml:"warmup"`
	// Alpha is the significance level of the pairwise comparisons (default 0.01: a difference is called only
	// when the replicates leave little doubt).
	Alpha float64 `yaml:"alpha"`
	// Objective is what the configurations are ranked by: capacity (default; the highest rate each sustains,
	// searched), throughput (delivered at the workloads' own rate), or at one common rate: cost (CPU seconds per
	// million items), bytes (per item on the wire), export_p99 or visibility_p99.
	Objective string `yaml:"objective"`
	// Test compares two configurations: welch (default; Welch's t-test on logarithms, which reaches
	// significance with 3 replicates) or mann-whitney (no assumption on the distribution; 5 replicates at 0.01).
	Test string `yaml:"test"`
	// Rate is the common offered rate (items/s, all the swept workloads together) of cost, bytes, export_p99 and
	// visibility_p99; 0 means 80% of the lowest capacity, searched first.
	Rate float64 `yaml:"rate"`
	// Control runs the first configuration twice, as two configurations (an A/A control), so that the report
	// measures its noise floor (default true with two configurations or more).
	Control *bool `yaml:"control"`
	// Capacity tunes the capacity search.
	Capacity CapacitySearch `yaml:"capacity"`
}

// CapacitySearch says how a configuration's capacity is searched and what "sustained" means: every item
// delivered and verified, nothing dropped in the SDK, the rate achieved within verify.rate_tolerance, and the
// export p99 under ExportP99 when set.
type CapacitySearch struct {
	// Start is the first rate probed, items/s (default: the swept workloads' rates together).
	Start float64 `yaml:"start"`
	// Min is the lowest rate searched, items/s: a configuration that fails at it sustains nothing (default 1000).
	Min float64 `yaml:"min"`
	// Max is the highest rate searched, items/s: one that passes at it sustains "at least Max" (default
	// 2,000,000).
	Max float64 `yaml:"max"`
	// Precision: the search stops when the lowest failing rate is within this fraction of the highest passing
	// one (default 0.05).
	Precision float64 `yaml:"precision"`
	// Probe is how long each probe sends (default: the scenario's duration).
	Probe Duration `yaml:"probe"`
	// ExportP99 fails a probe whose export p99 is above it (0: no bound).
	ExportP99 Duration `yaml:"export_p99"`
}

// ControlOn reports whether the sweep runs an A/A control.
func (sw *Sweep) ControlOn() bool { return sw.Control == nil || *sw.Control }

// SweepAxes lists the exporter settings a sweep can vary.
var SweepAxes = []string{"backend", "protocol", "batch_size", "queue_size", "batch_timeout", "export_timeout", "compression", "instances",
	"export_interval", "temporality", "pipeline", "retry.enabled", "retry.initial_interval", "retry.max_interval", "retry.max_elapsed_time"}

// Configuration is one combination of a sweep's axes: the scenario with the swept exporter set to it.
type Configuration struct {
	// Name is the axes' values, "batch_size=512,compression=gzip" (axes in name order).
	Name string
	// Scenario sends the workloads of the swept exporter through this configuration only.
	Scenario *Scenario
}

// Configurations expands the sweep into its configurations, each a scenario of its own (validated), in a stable
// order. A scenario without a sweep has none.
func (sc *Scenario) Configurations() ([]Configuration, error) {
	if sc.Sweep == nil {
		return nil, nil
	}
	axes := slices.Sorted(maps.Keys(sc.Sweep.Axes))
	combos := [][]string{{}}
	for _, a := range axes {
		var next [][]string
		for _, c := range combos {
			for _, v := range sc.Sweep.Axes[a] {
				next = append(next, append(slices.Clone(c), string(v)))
			}
		}
		combos = next
	}
	var out []Configuration
	for _, combo := range combos {
		var parts []string
		for i, a := range axes {
			parts = append(parts, a+"="+combo[i])
		}
		cs, err := sc.configuration(axes, combo)
		if err != nil {
			return nil, fmt.Errorf("configuration %s: %w", strings.Join(parts, ","), err)
		}
		out = append(out, Configuration{Name: strings.Join(parts, ","), Scenario: cs})
	}
	return out, nil
}

// configuration is sc with only the swept exporter, set to values of axes, and only the workloads using it.
func (sc *Scenario) configuration(axes, values []string) (*Scenario, error) {
	tmpl := sc.Exporter(sc.Sweep.Exporter)
	if tmpl == nil {
		return nil, fmt.Errorf("exporter %q is not defined", sc.Sweep.Exporter)
	}
	e := *tmpl
	defaultQueue := max(2048, tmpl.BatchSize) // the template's queue, when the file left it to its default
	for i, a := range axes {
		if err := setAxis(&e, a, values[i]); err != nil {
			return nil, err
		}
	}
	if e.QueueSize == defaultQueue {
		e.QueueSize = max(2048, e.BatchSize) // a batch_size axis moves the default queue with it
	}
	c := &Scenario{Version: sc.Version, Name: sc.Name, Seed: sc.Seed, Duration: sc.Duration, Verify: sc.Verify,
		Backends: sc.Backends, Exporters: []Exporter{e}, File: sc.File}
	for _, w := range sc.Workloads {
		if slices.Contains(w.Exporters, e.Name) {
			w.Exporters = []string{e.Name}
			// Defaults filled every section; a scenario built in Go has only its signal's.
			if w.Signal != "traces" {
				w.Trace = TraceShape{}
			}
			if w.Signal != "metrics" {
				w.Metrics = MetricsShape{}
			}
			if w.Signal != "logs" {
				w.Logs = LogShape{}
			}
			c.Workloads = append(c.Workloads, w)
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// setAxis sets exporter setting axis to v.
func setAxis(e *Exporter, axis, v string) error {
	num := func() (int, error) {
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("%s %q: expected a whole number", axis, v)
		}
		return n, nil
	}
	dur := func() (Duration, error) {
		d, err := time.ParseDuration(v)
		if err != nil {
			return 0, fmt.Errorf("%s %q: expected a duration such as 200ms", axis, v)
		}
		return Duration(d), nil
	}
	var err error
	switch axis {
	case "backend":
		e.Backend = v
	case "protocol":
		e.Protocol = v
	case "compression":
		e.Compression = v
	case "temporality":
		e.Temporality = v
	case "pipeline":
		e.Pipeline = v
	case "batch_size":
		e.BatchSize, err = num()
	case "queue_size":
		e.QueueSize, err = num()
	case "instances":
		e.Instances, err = num()
	case "batch_timeout":
		e.BatchTimeout, err = dur()
	case "export_timeout":
		e.ExportTimeout, err = dur()
	case "export_interval":
		e.ExportInterval, err = dur()
	case "retry.enabled", "retry.initial_interval", "retry.max_interval", "retry.max_elapsed_time":
		r := Retry{}
		if e.Retry != nil {
			r = *e.Retry
		}
		switch axis {
		case "retry.enabled":
			on, perr := strconv.ParseBool(v)
			if perr != nil {
				return fmt.Errorf("%s %q: expected true or false", axis, v)
			}
			r.Enabled = &on
		case "retry.initial_interval":
			r.InitialInterval, err = dur()
		case "retry.max_interval":
			r.MaxInterval, err = dur()
		default:
			r.MaxElapsedTime, err = dur()
		}
		e.Retry = &r
	default:
		return fmt.Errorf("%s is not a setting a sweep can vary; expected one of: %s", axis, strings.Join(SweepAxes, ", "))
	}
	return err
}

// Threshold is a condition on rows' numbers (see package reports/threshold for the language): "lost == 0",
// "p99(export_latency) < 50ms", "achieved_rate >= 0.99 * target_rate".
type Threshold struct {
	// Expr is the condition.
	Expr string `yaml:"expr"`
	// Exporters limits it to the rows of these exporters (or apps); empty means every row.
	Exporters []string `yaml:"exporters"`
}

// DefaultRateTolerance is Verify.RateTolerance when the scenario does not set it.
const DefaultRateTolerance = 0.01

// Backend is a server telemetry is sent to and read back from.
type Backend struct {
	// Name is how exporters refer to the backend.
	Name string `yaml:"name"`
	// Type is the kind of server: jaeger, zipkin, prometheus, collector, console, or sink: a collector that
	// drops everything it receives and is read back by count (its otelcol_receiver_accepted_* counters), for
	// throughput runs at rates no queryable store holds.
	Type string `yaml:"type"`
	// Image overrides the container image; empty means the pinned default (see containers.Images).
	Image string `yaml:"image"`
	// ForwardTo (collector only) names the backends the collector exports to: traces to jaeger and zipkin
	// backends, metrics to a prometheus backend (remote write). Logs and metrics also go to the collector's file
	// exporters, where otelbench reads them back.
	ForwardTo []string `yaml:"forward_to"`
	// External, when set, points at a backend that is already running: nothing is started for it.
	External External `yaml:"external"`
	// Retention caps what the backend keeps (jaeger: traces; zipkin: spans). Zero means otelbench sizes a started
	// backend for the run. A run that would send more than a backend retains is refused before it starts.
	Retention int `yaml:"retention"`
	// Config (collector only) is a collector configuration file, relative to the scenario file, that the started
	// collector loads after the one otelbench generates: the collector merges the two, maps key by key and lists
	// replaced, so the file can add or replace processors (and pipelines' processor lists), tune exporters, or add
	// components of its own. See ConfigPath.
	Config string `yaml:"config"`
	// Args are extra command-line arguments for a started backend's server, after otelbench's own (e.g.
	// --enable-feature=otlp-deltatocumulative for Prometheus).
	Args []string `yaml:"args"`
	// Sampling (collector only) samples the traces the collector forwards with its probabilistic sampler, and
	// tells verification what to expect of them: the traces it drops count as not_sampled, never lost. For an
	// external collector, it says how the user's collector samples.
	Sampling *BackendSampling `yaml:"sampling"`
	// SendingQueue (collector only) is the sending queue of the exporters the collector forwards through
	// (forward_to): its size, its consumers, and whether it is persistent (the file_storage extension on a
	// directory the run owns, which outlives a restart of the collector).
	SendingQueue *BackendQueue `yaml:"sending_queue"`
}

// BackendQueue is a collector's sending queue (exporterhelper's sending_queue).
type BackendQueue struct {
	// Size is how many requests (batches) it holds; default DefaultQueueSize.
	Size int `yaml:"size"`
	// Consumers is how many requests it sends at once (num_consumers); default DefaultQueueConsumers.
	Consumers int `yaml:"consumers"`
	// Persistent keeps the queue on disk (storage: file_storage): what it holds when the collector stops is sent
	// after it starts again. Otherwise it is in memory, and what it holds at a stop is dropped.
	Persistent bool `yaml:"persistent"`
}

// DefaultQueueSize and DefaultQueueConsumers are a sending queue's size and consumers when the scenario does not
// set them: otelbench's size for a collector it starts (room for a burst), the collector's own consumers.
const (
	DefaultQueueSize      = 100000
	DefaultQueueConsumers = 10
)

// BackendSampling is a collector's probabilistic sampler (the probabilistic_sampler processor).
type BackendSampling struct {
	// Ratio is the share of traces kept, above 0 and at most 1 (the processor's sampling_percentage / 100).
	Ratio *float64 `yaml:"ratio"`
	// Mode is how it decides: hash_seed (the processor's default: a seeded hash of the trace ID, so only the share
	// kept is checked) or proportional (the trace ID's randomness against the consistent threshold: each trace's
	// outcome is predicted).
	Mode string `yaml:"mode"`
}

// SamplingModes are the collector sampler's modes otelbench knows.
var SamplingModes = []string{"hash_seed", "proportional"}

// External holds the endpoints of a backend otelbench does not start. Which ones are needed depends on the type.
type External struct {
	// OTLPGRPC is host:port of the OTLP gRPC receiver (jaeger, collector).
	OTLPGRPC string `yaml:"otlp_grpc"`
	// OTLPHTTP is host:port of the OTLP HTTP receiver (jaeger, collector).
	OTLPHTTP string `yaml:"otlp_http"`
	// URL is the base URL of the read API: Jaeger's query service, Zipkin, Prometheus.
	URL string `yaml:"url"`
	// FilesDir is the folder an external collector's file exporters write OTLP JSON into, logs and metrics, one
	// export per line (collector; needed to read logs back, and metrics from the collector itself).
	FilesDir string `yaml:"files_dir"`
	// MetricsURL is the collector's own /metrics endpoint (collector, optional).
	MetricsURL string `yaml:"metrics_url"`
	// TLS secures every connection to the backend, exporters' and read-back's alike (see TLS).
	TLS TLS `yaml:"tls"`
	// Headers go on every request to the backend, exporters' and read-back's alike: API keys, tenant IDs. Write
	// secrets as ${ENV_VAR}: they are expanded from the environment and never written to the report or logs.
	Headers map[string]string `yaml:"headers"`
}

// IsExternal reports whether the backend is already running.
func (b *Backend) IsExternal() bool {
	e := b.External
	return e.OTLPGRPC != "" || e.OTLPHTTP != "" || e.URL != "" || e.FilesDir != "" || e.MetricsURL != "" || e.TLS.On() || len(e.Headers) > 0
}

// ConfigPath is where b's Config file is: as written when absolute, else relative to the scenario file's folder.
// It is "" when b has no Config.
func (sc *Scenario) ConfigPath(b *Backend) string {
	return sc.resolve(b.Config)
}

// Resolve is path, written in the scenario, as the process can open it: relative paths are relative to the
// scenario file's folder.
func (sc *Scenario) Resolve(path string) string { return sc.resolve(path) }

// resolve makes a path written in the scenario absolute-or-relative to the working directory: relative paths are
// relative to the scenario file's folder.
func (sc *Scenario) resolve(path string) string {
	if path == "" || filepath.IsAbs(path) || sc.File == "" {
		return path
	}
	return filepath.Join(filepath.Dir(sc.File), path)
}

// Exporter is one OpenTelemetry SDK exporter configuration, the unit the report compares.
type Exporter struct {
	// Name identifies the exporter in workloads and reports.
	Name string `yaml:"name"`
	// Protocol is the SDK exporter: otlp-grpc, otlp-http, zipkin, prometheus (an endpoint the backend scrapes) or
	// console.
	Protocol string `yaml:"protocol"`
	// Backend is the name of the backend the exporter sends to.
	Backend string `yaml:"backend"`
	// BatchSize is the batch processor's maximum export batch size. Default 512 (the SDK's).
	BatchSize int `yaml:"batch_size"`
	// QueueSize is the batch processor's queue size; items arriving when it is full are dropped and counted.
	// Default 2048 (the SDK's).
	QueueSize int `yaml:"queue_size"`
	// BatchTimeout is how long the batch processor waits before exporting a partial batch. Default 5s (the SDK's).
	BatchTimeout Duration `yaml:"batch_timeout"`
	// ExportTimeout bounds one export call, retries included. Default 10s (the SDK's).
	ExportTimeout Duration `yaml:"export_timeout"`
	// Compression is none or gzip. Default none.
	Compression string `yaml:"compression"`
	// ExportInterval (metrics) is how often the SDK's periodic reader collects and exports. Default 1s.
	ExportInterval Duration `yaml:"export_interval"`
	// Temporality (metrics) is cumulative or delta. Default cumulative.
	Temporality string `yaml:"temporality"`
	// Pipeline is how items reach the exporter: sdk, the full SDK pipeline an application pays for (tracer,
	// batch processor, exporter), or direct, pre-built batches handed straight to the exporter so that the
	// exporter and the backend are what is measured (traces, logs; metrics aggregated by otelbench). Default sdk.
	Pipeline string `yaml:"pipeline"`
	// Instances (traces) is how many independent SDK pipelines (tracer provider, batch processor, exporter and
	// its connection) send the workload's traces through this exporter, as replicas of an application would: one
	// batch processor exports one batch at a time. The row counts them together. Default 1.
	Instances int `yaml:"instances"`
	// Retry is how an OTLP exporter retries a failed export (otlp-grpc, otlp-http). Without it, traces retry after
	// 100 ms, backing off to 1 s, for at most export_timeout, and metrics and logs as the SDK does by default.
	Retry *Retry `yaml:"retry"`
}

// Retry is an OTLP exporter's retry of failed exports (the SDK's RetryConfig); a key left out takes the SDK's
// default.
type Retry struct {
	// Enabled turns retries on or off. Default true.
	Enabled *bool `yaml:"enabled"`
	// InitialInterval is the first wait after a failure. Default 5s (the SDK's).
	InitialInterval Duration `yaml:"initial_interval"`
	// MaxInterval caps the exponential backoff between attempts. Default 30s (the SDK's).
	MaxInterval Duration `yaml:"max_interval"`
	// MaxElapsedTime is how long an export is retried in all before its items are given up. Default 1m (the
	// SDK's).
	MaxElapsedTime Duration `yaml:"max_elapsed_time"`
}

// The SDK's retry defaults (go.opentelemetry.io/otel/exporters/otlp/.../retry.DefaultConfig).
const (
	DefaultRetryInitialInterval = 5 * time.Second
	DefaultRetryMaxInterval     = 30 * time.Second
	DefaultRetryMaxElapsedTime  = time.Minute
)

// On reports whether retries are on (the default).
func (r *Retry) On() bool { return r.Enabled == nil || *r.Enabled }

// Workload is a stream of generated telemetry. Each exporter it names receives the full rate independently.
type Workload struct {
	// Name identifies the workload in reports and in the generated service name.
	Name string `yaml:"name"`
	// Signal is what is generated: traces, metrics or logs.
	Signal string `yaml:"signal"`
	// Exporters are the names of the exporters the workload sends through.
	Exporters []string `yaml:"exporters"`
	// Rate is the constant target rate in items per second: spans (traces), measurements (metrics) or log
	// records (logs). With Stages it is the rate the first stage starts from.
	Rate float64 `yaml:"rate"`
	// Stages, when set, ramp the rate linearly from the previous stage's target (or Rate) to each stage's target.
	Stages []Stage `yaml:"stages"`
	// Trace is the shape of each generated trace (signal traces).
	Trace TraceShape `yaml:"trace"`
	// Metrics says which instruments are recorded (signal metrics).
	Metrics MetricsShape `yaml:"metrics"`
	// Logs is the shape of each log record (signal logs).
	Logs LogShape `yaml:"logs"`
	// App, instead of Signal and Exporters, makes the workload drive HTTP load at the application under test of
	// that name: Requests, at Rate (or Stages) requests per second, open loop, each carrying a traceparent.
	App string `yaml:"app"`
	// Requests (app workloads) are the kinds of request sent, each request one of them, picked by weight.
	Requests []Request `yaml:"requests"`
	// MaxInFlight (app workloads) bounds the requests waiting for an answer; a request due while that many wait is
	// not sent, and is counted as not_sent (default 256).
	MaxInFlight int `yaml:"max_in_flight"`
	// Parents (app workloads) sends a share of the requests with an unsampled traceparent and a share without
	// one, to exercise the app's parent-based sampler (default: every request carries a sampled traceparent).
	Parents Parents `yaml:"parents"`
	// Sampling (traces workloads) samples the workload's traces in otelbench's SDK as an application configures
	// it: parentbased_traceidratio at Ratio, the Go SDK's sampler. The traces it drops count as not_sampled,
	// never as lost; the others are verified as usual. (An application's sampling is set on the app.)
	Sampling *WorkloadSampling `yaml:"sampling"`
}

// WorkloadSampling is the sampler of a traces workload.
type WorkloadSampling struct {
	// Ratio is the share of traces kept, from 0 to 1.
	Ratio *float64 `yaml:"ratio"`
}

// MetricsShape says what a metrics workload records. Measurement k goes to instrument k mod len(Instruments) and
// series (k / len(Instruments)) mod Series, so every series of every instrument is exercised.
type MetricsShape struct {
	// Instruments are any of counter, updown_counter, gauge, histogram, exponential_histogram. Default all five.
	Instruments []string `yaml:"instruments"`
	// Series is the number of attribute sets (time series) per instrument: the cardinality. Default 10.
	Series int `yaml:"series"`
	// Churn is how many times over the run the whole set of series is replaced by new ones (new attribute
	// values), as when pods restart. Default 0.
	Churn int `yaml:"churn"`
	// CardinalityLimit is the SDK's cardinality limit: the attribute sets (data points) one instrument keeps per
	// collection, the overflow series included; beyond it, measurements fold into one series carrying only
	// otel.metric.overflow=true. Default 0: the SDK's own (2000). Set it above Series to lift it.
	CardinalityLimit int `yaml:"cardinality_limit"`
}

// LogShape is the shape of every generated log record.
type LogShape struct {
	// Severity is one of trace, debug, info, warn, error, fatal. Default info.
	Severity string `yaml:"severity"`
	// BodySize is the length of the body in bytes. Default 64.
	BodySize int `yaml:"body_size"`
	// Attributes is the number of generated string attributes per record. Default 0.
	Attributes int `yaml:"attributes"`
	// AttributeSize is the length in bytes of each attribute value. Default 16.
	AttributeSize int `yaml:"attribute_size"`
	// TraceCorrelation, when true, puts a derived trace and span ID on every record.
	TraceCorrelation bool `yaml:"trace_correlation"`
}

// Stage is one linear segment of a ramping rate.
type Stage struct {
	// Duration is how long the ramp lasts.
	Duration Duration `yaml:"duration"`
	// Target is the rate in spans per second reached at the end of the stage.
	Target float64 `yaml:"target"`
}

// TraceShape is the shape of every generated trace.
type TraceShape struct {
	// Spans is the number of spans per trace. Default 1.
	Spans int `yaml:"spans"`
	// Depth is the number of levels in the span tree, root included. Default min(Spans, 3).
	Depth int `yaml:"depth"`
	// Attributes is the number of string attributes on every span, besides otelbench's own. Default 0.
	Attributes int `yaml:"attributes"`
	// AttributeSize is the length in bytes of each attribute value. Default 16.
	AttributeSize int `yaml:"attribute_size"`
}

// Duration is a time.Duration written as a Go duration string ("30s", "1m30s") in scenario files.
type Duration time.Duration

// String formats d like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// Load reads, validates and completes the scenario file at path. Every problem found is returned at once as
// Errors.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return Parse(path, data)
}

// Parse validates and completes a scenario read from data; file names it in error messages.
func Parse(file string, data []byte) (*Scenario, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if err == io.EOF {
			return nil, Errors{{File: file, Line: 1, Column: 1, Msg: "the file is empty; expected a scenario (version, name, backends, exporters, workloads)"}}
		}
		return nil, Errors{syntaxError(file, data, err)}
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == io.EOF:
	case err != nil:
		return nil, Errors{syntaxError(file, data, err)}
	default:
		return nil, Errors{{File: file, Line: max(extra.Line, 1), Column: max(extra.Column, 1), Msg: "a second YAML document; expected exactly one: a scenario file holds one document"}}
	}
	d := &decoder{file: file, places: map[string]Pos{}}
	sc := &Scenario{File: file}
	top := &root
	if top.Kind == yaml.DocumentNode && len(top.Content) == 1 {
		top = top.Content[0]
	}
	d.decode(top, valueOf(sc), "")
	// Semantic checks run even when some values did not decode, so that one pass reports everything; the
	// validator leaves out what follows from a value that failed to decode.
	v := validator{file: file, places: d.places, root: Pos{top.Line, top.Column}, errs: d.errs, undecoded: d.failed}
	sc.validate(&v)
	if len(v.errs) > 0 {
		slices.SortStableFunc(v.errs, func(a, b Error) int { return cmp.Or(a.Line-b.Line, a.Column-b.Column) })
		return nil, v.errs
	}
	sc.places, sc.root = d.places, v.root
	sc.applyDefaults()
	sc.valid = true
	return sc, nil
}

// Validate checks a scenario built in Go rather than read by Load or Parse, and completes it with the defaults, as
// Parse does; it returns every problem at once as Errors (placed by field path, since there is no file). A
// scenario that came from Load or Parse is valid already and Validate does nothing. otelbench.Run calls it.
func (sc *Scenario) Validate() error {
	if sc == nil {
		return errors.New("no scenario: expected a *Scenario from scenarios.Load, Parse or built in Go")
	}
	if sc.valid {
		return nil
	}
	v := validator{file: sc.File, places: presentFields(sc), goBuilt: true}
	sc.validate(&v)
	if len(v.errs) > 0 {
		return v.errs
	}
	sc.applyDefaults()
	sc.valid = true
	return nil
}

// presentFields stands in for the places index of a scenario built in Go: the optional sections validation asks
// about are present when they are not zero.
func presentFields(sc *Scenario) map[string]Pos {
	present := map[string]Pos{}
	if sc.Version != 0 {
		present["version"] = Pos{}
	}
	for i, w := range sc.Workloads {
		for section, zero := range map[string]bool{
			"trace": reflect.ValueOf(w.Trace).IsZero(), "metrics": reflect.ValueOf(w.Metrics).IsZero(), "logs": reflect.ValueOf(w.Logs).IsZero(),
		} {
			if !zero {
				present[fmt.Sprintf("workloads[%d].%s", i, section)] = Pos{}
			}
		}
	}
	return present
}

// Error is one problem in a scenario file, with the place it stands.
type Error struct {
	File         string
	Line, Column int
	Msg          string
}

// Error formats the problem as file:line:col: message.
func (e Error) Error() string {
	var b strings.Builder
	b.WriteString(cmp.Or(e.File, "scenario"))
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in a scenario file, in file order. It is what Load and Parse return for an
// invalid file; callers that map errors to exit codes find it with errors.As.
type Errors []Error

// Error lists the problems one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// sendingTime is how long the shortest workload sends (the scenario's duration when there is none).
// sweptRate is the rate of the swept exporter's workloads together, items/s.
func (sc *Scenario) sweptRate() float64 {
	var r float64
	for _, w := range sc.Workloads {
		if slices.Contains(w.Exporters, sc.Sweep.Exporter) {
			r += w.Rate
		}
	}
	return r
}

// AtRate is a copy of sc whose workloads offer total items per second together, each keeping its share of the
// file's rate, and send for d (0 keeps the scenario's duration). Only constant-rate workloads can be scaled
// (validation refuses a capacity search over stages).
func (sc *Scenario) AtRate(total float64, d time.Duration) *Scenario {
	out := *sc
	out.Workloads = slices.Clone(sc.Workloads)
	var sum float64
	for _, w := range out.Workloads {
		sum += w.Rate
	}
	for i := range out.Workloads {
		if w := &out.Workloads[i]; sum > 0 {
			w.Rate = total * w.Rate / sum
		}
	}
	if d > 0 {
		out.Duration = Duration(d)
	}
	return &out
}

func (sc *Scenario) sendingTime() time.Duration {
	d := time.Duration(sc.Duration)
	for i := range sc.Workloads {
		if wd := sc.WorkloadDuration(&sc.Workloads[i]); i == 0 || wd < d {
			d = wd
		}
	}
	return d
}

// WorkloadDuration is how long w sends: the sum of its stages, or the scenario duration.
func (sc *Scenario) WorkloadDuration(w *Workload) time.Duration {
	if len(w.Stages) == 0 {
		return time.Duration(sc.Duration)
	}
	var total time.Duration
	for _, s := range w.Stages {
		total += time.Duration(s.Duration)
	}
	return total
}

// ExpectedSpans is the number of items (spans, measurements or log records) w's schedule offers to one exporter
// over its whole duration.
func (sc *Scenario) ExpectedSpans(w *Workload) float64 {
	if len(w.Stages) == 0 {
		return w.Rate * time.Duration(sc.Duration).Seconds()
	}
	total, from := 0.0, w.Rate
	for _, s := range w.Stages {
		total += (from + s.Target) / 2 * time.Duration(s.Duration).Seconds()
		from = s.Target
	}
	return total
}

// Exporter returns the exporter called name, or nil.
func (sc *Scenario) Exporter(name string) *Exporter {
	for i := range sc.Exporters {
		if sc.Exporters[i].Name == name {
			return &sc.Exporters[i]
		}
	}
	return nil
}

// Backend returns the backend called name, or nil.
func (sc *Scenario) Backend(name string) *Backend {
	for i := range sc.Backends {
		if sc.Backends[i].Name == name {
			return &sc.Backends[i]
		}
	}
	return nil
}

// sweepDefaults fills in what the file left out of sw.
func (sc *Scenario) sweepDefaults(sw *Sweep) {
	if sw.Replicates == 0 {
		sw.Replicates = 5
	}
	if _, explicit := sc.places["sweep.warmup"]; sw.Warmup == 0 && !explicit {
		// A second, or a quarter of the shortest run for runs of less than four seconds.
		sw.Warmup = Duration(min(time.Second, sc.sendingTime()/4))
	}
	if sw.Alpha == 0 {
		sw.Alpha = 0.01
	}
	sw.Objective = cmp.Or(sw.Objective, "capacity")
	sw.Test = cmp.Or(sw.Test, "welch")
	c := &sw.Capacity
	if c.Start == 0 {
		c.Start = sc.sweptRate()
	}
	c.Min, c.Max, c.Precision = cmp.Or(c.Min, 1000), cmp.Or(c.Max, 2_000_000), cmp.Or(c.Precision, 0.05)
	if c.Probe == 0 {
		c.Probe = sc.Duration
	}
}

func (sc *Scenario) applyDefaults() {
	if sw := sc.Sweep; sw != nil {
		sc.sweepDefaults(sw)
	}
	if sc.Verify.Timeout == 0 {
		sc.Verify.Timeout = Duration(30 * time.Second)
	}
	for i := range sc.Backends {
		if s := sc.Backends[i].Sampling; s != nil && s.Mode == "" {
			s.Mode = SamplingModes[0] // the collector's own default
		}
	}
	// A file's explicit rate_tolerance: 0 stands (no shortfall tolerated); one omitted, or 0 in a scenario built
	// in Go, is the default.
	if _, explicit := sc.places["verify.rate_tolerance"]; sc.Verify.RateTolerance == 0 && !explicit {
		sc.Verify.RateTolerance = DefaultRateTolerance
	}
	for i := range sc.Exporters {
		e := &sc.Exporters[i]
		if e.BatchSize == 0 {
			e.BatchSize = 512
		}
		if e.QueueSize == 0 {
			e.QueueSize = max(2048, e.BatchSize)
		}
		if e.BatchTimeout == 0 {
			e.BatchTimeout = Duration(5 * time.Second)
		}
		if e.ExportTimeout == 0 {
			e.ExportTimeout = Duration(10 * time.Second)
		}
		if e.Compression == "" {
			e.Compression = "none"
		}
		if e.ExportInterval == 0 {
			e.ExportInterval = Duration(time.Second)
		}
		if e.Temporality == "" {
			e.Temporality = "cumulative"
		}
		if e.Pipeline == "" {
			e.Pipeline = "sdk"
		}
		if e.Instances == 0 {
			e.Instances = 1
		}
	}
	sc.applyAppDefaults()
	for i := range sc.Workloads {
		t := &sc.Workloads[i].Trace
		if t.Spans == 0 {
			t.Spans = 1
		}
		if t.Depth == 0 {
			t.Depth = min(t.Spans, 3)
		}
		if t.AttributeSize == 0 {
			t.AttributeSize = 16
		}
		m := &sc.Workloads[i].Metrics
		if len(m.Instruments) == 0 {
			m.Instruments = slices.Clone(Instruments)
		}
		if m.Series == 0 {
			m.Series = 10
		}
		l := &sc.Workloads[i].Logs
		if l.Severity == "" {
			l.Severity = "info"
		}
		if l.BodySize == 0 {
			l.BodySize = 64
		}
		if l.AttributeSize == 0 {
			l.AttributeSize = 16
		}
	}
}

// FilesDir is where an external collector b's file exporters write: External.FilesDir, relative to the scenario
// file's folder unless absolute.
func (sc *Scenario) FilesDir(b *Backend) string { return sc.resolve(b.External.FilesDir) }
