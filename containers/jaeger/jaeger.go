// Package jaeger is the jaeger backend: a Jaeger v2 all-in-one with its memory store, receiving OTLP traces and
// read back through its query API.
package jaeger

import (
	"context"
	"fmt"
	"math"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/verify"
)

// Kind is the jaeger backend type.
type Kind struct{}

var (
	_ containers.Kind      = Kind{}
	_ containers.Forwarded = (*live)(nil)
)

// Describe: Jaeger takes traces over OTLP (gRPC and HTTP) and gives them back by trace ID; a collector forwards
// traces to it; retention counts traces; an external Jaeger is reached at its OTLP receivers and its query API.
func (Kind) Describe() backend.Description {
	return backend.Description{
		ForgetsOnStop: true, // its memory store: a stop or restart (faults) erases what it held
		Type:          "jaeger",
		Receives:      map[generators.Signal][]string{generators.Traces: {generators.OTLPGRPC, generators.OTLPHTTP}},
		GivesBack:     func(_ backend.Spec, s generators.Signal) bool { return s == generators.Traces },
		ForwardedVia:  map[generators.Signal]string{generators.Traces: backend.ViaOTLP},
		RetentionUnit: "traces",
		ExternalKeys:  []string{"otlp_grpc", "otlp_http", "url"},
		Validate: func(spec backend.Spec, report func(field, format string, args ...any)) {
			backend.NeedOTLP(spec, report)
			backend.NeedURL(spec, report, "the base URL of its query service", "http://127.0.0.1:16686")
		},
		Footprint: func(spec backend.Spec, load backend.Load) (int64, string) {
			spans := int(math.Ceil(load.Spans))
			return Memory(spans, load.SpanBytes), fmt.Sprintf("%d spans of about %d bytes", spans, load.SpanBytes)
		},
	}
}

func (Kind) Image() (containers.Image, bool) { return Image, true }

// maxTraces is the memory store's capacity for a run: its retention when set, else 1.2 × the traces it will
// receive + 10 000.
func maxTraces(spec backend.Spec, load backend.Load) int {
	if spec.Retention > 0 {
		return spec.Retention
	}
	return int(math.Ceil(load.Traces*1.2)) + 10_000
}

// recvMiB is the OTLP gRPC request limit a Jaeger needs so that a collector can forward it even the largest span,
// one at a time: zero (Jaeger's 4 MiB default) unless one span may exceed the collector's forward budget.
func recvMiB(load backend.Load) int {
	if load.ItemBytes <= containers.ForwardBudget {
		return 0
	}
	return 2*load.ItemBytes>>20 + 4
}

func (Kind) Start(ctx context.Context, env containers.StartEnv) (containers.Live, error) {
	j, err := Run(ctx, env.Image, Config{
		RunID: env.RunID, MaxTraces: maxTraces(env.Spec, env.Load), MaxRecvMiB: recvMiB(env.Load),
	}, env.Customizers...)
	l := &live{ContainerLive: containers.ContainerLive{Ctr: j}, name: env.Spec.Name}
	if err != nil {
		return l, err
	}
	l.grpc, l.http, l.query, l.metrics, l.queryURL = j.OTLPGRPCEndpoint(), j.OTLPHTTPEndpoint(), NewReader(j.QueryURL()), j.MetricsURL(), j.QueryURL()
	return l, nil
}

func (Kind) Connect(_ context.Context, spec backend.Spec) (containers.Live, error) {
	e := spec.External
	return &live{name: spec.Name, grpc: e.OTLPGRPC, http: e.OTLPHTTP, ext: e, queryURL: e.URL,
		query: NewReader(e.URL).WithClient(verify.HTTPClient(e.TLS, e.Headers))}, nil
}

type live struct {
	containers.ContainerLive
	containers.NoReaders
	name, grpc, http  string
	ext               *backend.External
	query             *Reader
	metrics, queryURL string
}

func (l *live) Endpoint(protocol string, s generators.Signal, _ string) (backend.Endpoint, bool) {
	if s != generators.Traces {
		return backend.Endpoint{}, false
	}
	return containers.OTLPEndpoint(protocol, l.grpc, l.http, l.ext)
}

func (l *live) TraceReader(string, string) verify.TraceReader { return l.query }

func (l *live) MetricsURL() string { return l.metrics }

func (l *live) ForwardExporter(s generators.Signal) (string, map[string]any, string, bool) {
	if s != generators.Traces || l.grpc == "" {
		return "", nil, "", false
	}
	cfg := map[string]any{"endpoint": l.grpc}
	if l.ext == nil || l.ext.TLS == nil {
		cfg["tls"] = map[string]any{"insecure": true}
	}
	if l.ext != nil && len(l.ext.Headers) > 0 {
		cfg["headers"] = l.ext.Headers
	}
	return "otlp_grpc/" + l.name, cfg, "otlp", true
}

// External is this backend as a scenario's external: block would describe it, to be used as it runs.
func (l *live) External() (backend.External, bool) {
	if l.ext != nil {
		return *l.ext, true
	}
	return backend.External{OTLPGRPC: l.grpc, OTLPHTTP: l.http, URL: l.queryURL}, true
}

func (l *live) Describe() map[string]string { return map[string]string{"query": l.queryURL} }
