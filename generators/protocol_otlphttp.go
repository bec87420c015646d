package generators

import (
	"context"

	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// OTLPHTTP is OTLP over HTTP with protobuf bodies (the SDK's otlp*http exporters): every signal, gzip, TLS,
// headers, a URL path of the backend's (ExporterConfig.URLPath); the bodies' bytes are counted as sent.
const OTLPHTTP = "otlp-http"

var otlpHTTP = Protocol{
	Name: OTLPHTTP, Signals: Signals, Gzip: true, OTLPEnv: "http/protobuf",
	Traces: otlpHTTPTraces, Metrics: otlpHTTPMetrics, Logs: otlpHTTPLogs,
}

func otlpHTTPTraces(ctx context.Context, cfg ExporterConfig, rec *Recorder) (sdktrace.SpanExporter, error) {
	opts := []otlptracehttp.Option{
		otlptracehttp.WithEndpoint(cfg.Endpoint),
		otlptracehttp.WithTimeout(cfg.Timeout),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig(cfg.traceRetry())),
		otlptracehttp.WithHTTPClient(cfg.httpClient(rec, 0)),
	}
	if cfg.Compression == "gzip" {
		opts = append(opts, otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
	}
	if cfg.TLS == nil {
		opts = append(opts, otlptracehttp.WithInsecure())
	}
	if cfg.URLPath != "" {
		opts = append(opts, otlptracehttp.WithURLPath(cfg.URLPath))
	}
	if len(cfg.Headers) > 0 {
		opts = append(opts, otlptracehttp.WithHeaders(cfg.Headers))
	}
	return otlptracehttp.New(ctx, opts...)
}

func otlpHTTPMetrics(ctx context.Context, cfg MetricExporterConfig, rec *Recorder) (sdkmetric.Exporter, error) {
	opts := []otlpmetrichttp.Option{
		otlpmetrichttp.WithEndpoint(cfg.Endpoint),
		otlpmetrichttp.WithTimeout(cfg.Timeout),
		otlpmetrichttp.WithTemporalitySelector(temporality(cfg.Temporality)),
		otlpmetrichttp.WithHTTPClient(cfg.httpClient(rec, 0)),
	}
	if r := cfg.Retry; r != nil {
		opts = append(opts, otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig(*r)))
	}
	if cfg.TLS == nil {
		opts = append(opts, otlpmetrichttp.WithInsecure())
	}
	if len(cfg.Headers) > 0 {
		opts = append(opts, otlpmetrichttp.WithHeaders(cfg.Headers))
	}
	if cfg.URLPath != "" {
		opts = append(opts, otlpmetrichttp.WithURLPath(cfg.URLPath))
	}
	if cfg.Compression == "gzip" {
		opts = append(opts, otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression))
	}
	return otlpmetrichttp.New(ctx, opts...)
}

func otlpHTTPLogs(ctx context.Context, cfg ExporterConfig, rec *Recorder) (sdklog.Exporter, error) {
	opts := []otlploghttp.Option{
		otlploghttp.WithEndpoint(cfg.Endpoint),
		otlploghttp.WithTimeout(cfg.Timeout),
		otlploghttp.WithHTTPClient(cfg.httpClient(rec, 0)),
	}
	if r := cfg.Retry; r != nil {
		opts = append(opts, otlploghttp.WithRetry(otlploghttp.RetryConfig(*r)))
	}
	if cfg.TLS == nil {
		opts = append(opts, otlploghttp.WithInsecure())
	}
	if cfg.URLPath != "" {
		opts = append(opts, otlploghttp.WithURLPath(cfg.URLPath))
	}
	if len(cfg.Headers) > 0 {
		opts = append(opts, otlploghttp.WithHeaders(cfg.Headers))
	}
	if cfg.Compression == "gzip" {
		opts = append(opts, otlploghttp.WithCompression(otlploghttp.GzipCompression))
	}
	return otlploghttp.New(ctx, opts...)
}
