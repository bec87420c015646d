// Package zipkin is the zipkin backend: a Zipkin server with its memory store, receiving spans in Zipkin's JSON
// (the SDK's Zipkin exporter, or a collector's) and read back through its v2 API.
package zipkin

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/verify"
)

// Kind is the zipkin backend type.
type Kind struct{}

var (
	_ containers.Kind      = Kind{}
	_ containers.Forwarded = (*live)(nil)
)

// Describe: Zipkin takes traces in its own JSON and gives them back by trace ID; a collector forwards traces to
// it; retention counts spans; an external Zipkin is reached at its base URL.
func (Kind) Describe() backend.Description {
	return backend.Description{
		ForgetsOnStop: true, // its memory store: a stop or restart (faults) erases what it held
		Type:          "zipkin",
		Receives:      map[generators.Signal][]string{generators.Traces: {generators.Zipkin}},
		GivesBack:     func(_ backend.Spec, s generators.Signal) bool { return s == generators.Traces },
		ForwardedVia:  map[generators.Signal]string{generators.Traces: "zipkin"},
		RetentionUnit: "spans",
		ExternalKeys:  []string{"url"},
		Validate: func(spec backend.Spec, report func(field, format string, args ...any)) {
			backend.NeedURL(spec, report, "its base URL", "http://127.0.0.1:9411")
		},
		Footprint: func(spec backend.Spec, load backend.Load) (int64, string) {
			spans, heap := capacity(spec, load)
			return Memory(heap), fmt.Sprintf("room for %d spans of about %d bytes, a %d MB Java heap", spans, load.SpanBytes, heap)
		},
	}
}

func (Kind) Image() (containers.Image, bool) { return Image, true }

// capacity is the memory store's capacity for a run (sized like Jaeger's, in spans) and the Java heap holding it.
func capacity(spec backend.Spec, load backend.Load) (spans, heapMB int) {
	spans = spec.Retention
	if spans == 0 {
		spans = int(math.Ceil(load.Spans*1.2)) + 10_000
	}
	return spans, HeapFor(spans, load.SpanBytes)
}

func (Kind) Start(ctx context.Context, env containers.StartEnv) (containers.Live, error) {
	spans, heap := capacity(env.Spec, env.Load)
	z, err := Run(ctx, env.Image, Config{RunID: env.RunID, MaxSpans: spans, HeapMB: heap}, env.Customizers...)
	l := &live{ContainerLive: containers.ContainerLive{Ctr: z}, name: env.Spec.Name}
	if err != nil {
		return l, err
	}
	l.spans, l.api = z.SpansURL(), NewReader(z.BaseURL())
	return l, nil
}

func (Kind) Connect(_ context.Context, spec backend.Spec) (containers.Live, error) {
	e := spec.External
	return &live{name: spec.Name, spans: e.URL + "/api/v2/spans", ext: e,
		api: NewReader(e.URL).WithClient(verify.HTTPClient(e.TLS, e.Headers))}, nil
}

type live struct {
	containers.ContainerLive
	containers.NoReaders
	name, spans string
	ext         *backend.External
	api         *Reader
}

func (l *live) Endpoint(protocol string, s generators.Signal, _ string) (backend.Endpoint, bool) {
	if s != generators.Traces || protocol != generators.Zipkin {
		return backend.Endpoint{}, false
	}
	if l.ext != nil {
		return l.ext.Endpoint(l.spans), true
	}
	return backend.Endpoint{Address: l.spans}, true
}

func (l *live) TraceReader(string, string) verify.TraceReader { return l.api }

func (l *live) ForwardExporter(s generators.Signal) (string, map[string]any, string, bool) {
	if s != generators.Traces {
		return "", nil, "", false
	}
	return "zipkin/" + l.name, map[string]any{"endpoint": l.spans}, "zipkin", true
}

// External is this backend as a scenario's external: block would describe it, to be used as it runs.
func (l *live) External() (backend.External, bool) {
	if l.ext != nil {
		return *l.ext, true
	}
	return backend.External{URL: strings.TrimSuffix(l.spans, "/api/v2/spans")}, true
}

func (l *live) Describe() map[string]string {
	return map[string]string{"query": strings.TrimSuffix(l.spans, "/api/v2/spans")}
}
