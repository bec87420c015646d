// Package scenarios reads and validates otelbench scenario files: what to send, how fast, through which exporters
// and to which backends. A Scenario returned by Load or Parse is complete (defaults applied) and valid; nothing
// else in otelbench reads YAML.
package scenarios

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
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
	// Workloads say what is generated, at which rate, through which exporters.
	Workloads []Workload `yaml:"workloads"`

	// File is the path the scenario was read from (empty when parsed from memory).
	File string `yaml:"-"`
}

// Verify configures how delivery is checked.
type Verify struct {
	// Timeout is the eventual-consistency window: how long after sending stops verification keeps re-querying
	// items not yet seen before it declares them lost. Default 30s.
	Timeout Duration `yaml:"timeout"`
}

// Backend is a server telemetry is sent to and read back from.
type Backend struct {
	// Name is how exporters refer to the backend.
	Name string `yaml:"name"`
	// Type is the kind of server: jaeger.
	Type string `yaml:"type"`
	// Image overrides the container image; empty means the pinned default (see containers.Images).
	Image string `yaml:"image"`
}

// Exporter is one OpenTelemetry SDK exporter configuration, the unit the report compares.
type Exporter struct {
	// Name identifies the exporter in workloads and reports.
	Name string `yaml:"name"`
	// Protocol is otlp-grpc or otlp-http.
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
}

// Workload is a stream of generated telemetry. Each exporter it names receives the full rate independently.
type Workload struct {
	// Name identifies the workload in reports and in the generated service name.
	Name string `yaml:"name"`
	// Signal is what is generated: traces.
	Signal string `yaml:"signal"`
	// Exporters are the names of the exporters the workload sends through.
	Exporters []string `yaml:"exporters"`
	// Rate is the constant target rate in spans per second. With Stages it is the rate the first stage starts from.
	Rate float64 `yaml:"rate"`
	// Stages, when set, ramp the rate linearly from the previous stage's target (or Rate) to each stage's target.
	Stages []Stage `yaml:"stages"`
	// Trace is the shape of each generated trace.
	Trace TraceShape `yaml:"trace"`
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
		return nil, Errors{syntaxError(file, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, Errors{{File: file, Line: extra.Line, Column: extra.Column, Msg: "a second YAML document; a scenario file holds exactly one"}}
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
	sc.applyDefaults()
	return sc, nil
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
	b.WriteString(e.File)
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

// ExpectedSpans is the number of spans w's schedule offers to one exporter over its whole duration.
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

func (sc *Scenario) applyDefaults() {
	if sc.Verify.Timeout == 0 {
		sc.Verify.Timeout = Duration(30 * time.Second)
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
	}
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
	}
}
