package generators

import (
	"context"

	"go.opentelemetry.io/otel/exporters/zipkin"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Zipkin is Zipkin's JSON v2 over HTTP (the SDK's zipkin exporter): traces only, posted to the backend's spans URL.
const Zipkin = "zipkin"

var zipkinProtocol = Protocol{Name: Zipkin, Signals: []Signal{Traces}, Traces: zipkinTraces}

func zipkinTraces(ctx context.Context, cfg ExporterConfig, rec *Recorder) (sdktrace.SpanExporter, error) {
	// The Zipkin exporter has no compression, timeout or retry options: it posts JSON once per batch.
	zopts := []zipkin.Option{zipkin.WithClient(cfg.httpClient(rec, cfg.Timeout))}
	if len(cfg.Headers) > 0 {
		zopts = append(zopts, zipkin.WithHeaders(cfg.Headers))
	}
	return zipkin.New(cfg.Endpoint, zopts...)
}
