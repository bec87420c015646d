// Package sink is the sink backend: a collector whose receivers accept everything and whose nop exporter drops it,
// read back by count (its otelcol_receiver_accepted_* counters), like lading's blackhole. For throughput runs at
// rates no queryable store can hold.
package sink

import (
	"context"
	"fmt"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/containers/collector"
	"github.com/otelbench/otelbench/generators"
)

// Kind is the sink backend type.
type Kind struct{}

var (
	_ containers.Kind    = Kind{}
	_ containers.Counted = (*live)(nil)
)

// Describe: a sink takes every signal over OTLP and gives it back by count only, which cannot tell two streams
// apart; an external sink is reached at its OTLP receivers and read at its own metrics.
func (Kind) Describe() backend.Description {
	return backend.Description{
		Type:         "sink",
		Receives:     backend.Every(generators.OTLPGRPC, generators.OTLPHTTP),
		GivesBack:    func(backend.Spec, generators.Signal) bool { return true },
		CountsOnly:   true,
		ExternalKeys: []string{"otlp_grpc", "otlp_http", "metrics_url"},
		Validate:     validate,
	}
}

// Image is the collector's: a sink is a collector with another configuration.
func (Kind) Image() (containers.Image, bool) { return collector.Image, true }

func validate(spec backend.Spec, report func(field, format string, args ...any)) {
	if spec.External == nil {
		return
	}
	if spec.External.OTLPGRPC == "" && spec.External.OTLPHTTP == "" {
		report("external", "an external sink needs otlp_grpc or otlp_http; expected host:port of its OTLP receiver")
	}
	if spec.External.MetricsURL == "" {
		report("external", "an external sink backend needs metrics_url; expected metrics_url: its own metrics (otelcol_receiver_accepted_*), e.g. http://127.0.0.1:8888/metrics: a sink is read back by count")
	}
}

func (Kind) Start(ctx context.Context, env containers.StartEnv) (containers.Live, error) {
	c, err := collector.Run(ctx, env.Image, collector.Config{RunID: env.RunID, ItemBytes: env.Load.ItemBytes, Sink: true}, env.Customizers...)
	l := &live{ContainerLive: containers.ContainerLive{Ctr: c}}
	if err != nil {
		return l, err
	}
	l.grpc, l.http, l.metrics = c.OTLPGRPCEndpoint(), c.OTLPHTTPEndpoint(), c.MetricsURL()
	return l, nil
}

func (Kind) Connect(_ context.Context, spec backend.Spec) (containers.Live, error) {
	e := spec.External
	if e.MetricsURL == "" {
		return nil, fmt.Errorf("an external sink needs metrics_url")
	}
	return &live{grpc: e.OTLPGRPC, http: e.OTLPHTTP, metrics: e.MetricsURL, ext: e}, nil
}

type live struct {
	containers.ContainerLive
	containers.NoReaders
	grpc, http, metrics string
	ext                 *backend.External
}

func (l *live) Endpoint(protocol string, _ generators.Signal, _ string) (backend.Endpoint, bool) {
	return containers.OTLPEndpoint(protocol, l.grpc, l.http, l.ext)
}

// External is this backend as a scenario's external: block would describe it, to be used as it runs.
func (l *live) External() (backend.External, bool) {
	if l.ext != nil {
		return *l.ext, true
	}
	return backend.External{OTLPGRPC: l.grpc, OTLPHTTP: l.http, MetricsURL: l.metrics}, true
}

func (l *live) MetricsURL() string { return l.metrics }

func (l *live) Accepted(s generators.Signal) func(ctx context.Context) (int64, error) {
	return collector.Accepted(l.metrics, string(s))
}
