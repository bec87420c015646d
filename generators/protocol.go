package generators

import (
	"context"
	"fmt"
	"slices"
	"strings"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// A Protocol is one way otelbench's exporters send, as a scenario names it (protocol: otlp-grpc): the SDK exporter
// it builds for each signal it carries, and what a scenario may ask of it. Each protocol is a file of its own
// (protocol_<name>.go) and one line in protocols below; scenarios, the run and the reports ask the registry.
type Protocol struct {
	// Name is the protocol as scenarios write it.
	Name string
	// Signals are the signals it carries.
	Signals []Signal
	// Traces, Metrics and Logs build the SDK's exporter of a signal it pushes, for cfg; rec sees the bytes it
	// puts on the wire (NewTraceExporter and its siblings measure every export call around it).
	Traces  func(ctx context.Context, cfg ExporterConfig, rec *Recorder) (sdktrace.SpanExporter, error)
	Metrics func(ctx context.Context, cfg MetricExporterConfig, rec *Recorder) (sdkmetric.Exporter, error)
	Logs    func(ctx context.Context, cfg ExporterConfig, rec *Recorder) (sdklog.Exporter, error)
	// Scraped says the backend pulls instead (the SDK's Prometheus exporter, NewPullReader): the stream serves a
	// scrape endpoint, which only a backend otelbench starts is configured to scrape, and there is no direct
	// pipeline.
	Scraped bool
	// Gzip says it can compress what it sends (compression: gzip).
	Gzip bool
	// OTLPEnv is the value of OTEL_EXPORTER_OTLP_PROTOCOL that points an SDK at it: "" for a protocol that is
	// not OTLP. Applications under test can send over OTLP protocols only, and the OTEL_EXPORTER_OTLP_* TLS
	// variables apply to them.
	OTLPEnv string
}

// protocols are the registered protocols, one per line.
var protocols = []Protocol{
	otlpGRPC,
	otlpHTTP,
	zipkinProtocol,
	prometheusProtocol,
	consoleProtocol,
}

// LookupProtocol returns the registered protocol name.
func LookupProtocol(name string) (*Protocol, bool) {
	i := slices.IndexFunc(protocols, func(p Protocol) bool { return p.Name == name })
	if i < 0 {
		return nil, false
	}
	return &protocols[i], true
}

// ProtocolNames lists the registered protocols, in registration order.
func ProtocolNames() []string {
	out := make([]string, len(protocols))
	for i, p := range protocols {
		out[i] = p.Name
	}
	return out
}

// Carries reports whether the protocol carries signal.
func (p *Protocol) Carries(signal Signal) bool { return slices.Contains(p.Signals, signal) }

// IsOTLP reports whether an SDK can be pointed at it with OTEL_EXPORTER_OTLP_PROTOCOL.
func (p *Protocol) IsOTLP() bool { return p.OTLPEnv != "" }

// pushes reports whether the protocol builds an exporter that pushes signal.
func (p *Protocol) pushes(signal Signal) bool {
	switch signal {
	case Traces:
		return p.Traces != nil
	case Metrics:
		return p.Metrics != nil
	case Logs:
		return p.Logs != nil
	}
	return false
}

// pusher is protocol name when it pushes signal, or an error that says which protocols do.
func pusher(name string, signal Signal) (*Protocol, error) {
	if p, ok := LookupProtocol(name); ok && p.pushes(signal) {
		return p, nil
	}
	var which []string
	for i := range protocols {
		if protocols[i].pushes(signal) {
			which = append(which, protocols[i].Name)
		}
	}
	return nil, fmt.Errorf("protocol %q cannot push %s; expected %s", name, signal, strings.Join(which, ", "))
}

// NewTraceExporter builds the SDK's span exporter of cfg.Protocol, wrapped so that rec sees every export call and
// the bytes it puts on the wire. The SDK's own retry stays on (as users run it), bounded by cfg.Timeout.
func NewTraceExporter(ctx context.Context, cfg ExporterConfig, rec *Recorder) (sdktrace.SpanExporter, error) {
	p, err := pusher(cfg.Protocol, Traces)
	if err != nil {
		return nil, err
	}
	exp, err := p.Traces(ctx, cfg.withEnv(Traces), rec)
	if err != nil {
		return nil, fmt.Errorf("create %s trace exporter: %w", cfg.Protocol, err)
	}
	return &measuredSpanExporter{SpanExporter: exp, rec: rec}, nil
}

// NewMetricExporter builds the SDK's push metrics exporter of cfg.Protocol, measured by rec (items are data
// points).
func NewMetricExporter(ctx context.Context, cfg MetricExporterConfig, rec *Recorder) (sdkmetric.Exporter, error) {
	p, err := pusher(cfg.Protocol, Metrics)
	if err != nil {
		return nil, err
	}
	cfg.ExporterConfig = cfg.ExporterConfig.withEnv(Metrics)
	exp, err := p.Metrics(ctx, cfg, rec)
	if err != nil {
		return nil, fmt.Errorf("create %s metric exporter: %w", cfg.Protocol, err)
	}
	return &measuredMetricExporter{Exporter: exp, rec: rec}, nil
}

// NewLogExporter builds the SDK's log exporter of cfg.Protocol, measured by rec.
func NewLogExporter(ctx context.Context, cfg ExporterConfig, rec *Recorder) (sdklog.Exporter, error) {
	p, err := pusher(cfg.Protocol, Logs)
	if err != nil {
		return nil, err
	}
	exp, err := p.Logs(ctx, cfg.withEnv(Logs), rec)
	if err != nil {
		return nil, fmt.Errorf("create %s log exporter: %w", cfg.Protocol, err)
	}
	return MeasureLogExporter(exp, rec), nil
}
