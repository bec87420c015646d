package generators

import (
	"context"

	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// OTLPGRPC is OTLP over gRPC (the SDK's otlp*grpc exporters): every signal, gzip, TLS, headers; the wire bytes
// are counted by a gRPC stats handler.
const OTLPGRPC = "otlp-grpc"

var otlpGRPC = Protocol{
	Name: OTLPGRPC, Signals: Signals, Gzip: true, OTLPEnv: "grpc",
	Traces: otlpGRPCTraces, Metrics: otlpGRPCMetrics, Logs: otlpGRPCLogs,
}

func otlpGRPCTraces(ctx context.Context, cfg ExporterConfig, rec *Recorder) (sdktrace.SpanExporter, error) {
	opts := []otlptracegrpc.Option{
		otlptracegrpc.WithEndpoint(cfg.Endpoint),
		otlptracegrpc.WithTimeout(cfg.Timeout),
		otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig(cfg.traceRetry())),
		otlptracegrpc.WithDialOption(grpc.WithStatsHandler(wireCounter{rec}), grpc.WithNoProxy()),
	}
	if cfg.Compression == "gzip" {
		opts = append(opts, otlptracegrpc.WithCompressor("gzip"))
	}
	if cfg.TLS != nil {
		opts = append(opts, otlptracegrpc.WithTLSCredentials(credentials.NewTLS(cfg.TLS)))
	} else {
		opts = append(opts, otlptracegrpc.WithInsecure())
	}
	if len(cfg.Headers) > 0 {
		opts = append(opts, otlptracegrpc.WithHeaders(cfg.Headers))
	}
	return otlptracegrpc.New(ctx, opts...)
}

func otlpGRPCMetrics(ctx context.Context, cfg MetricExporterConfig, rec *Recorder) (sdkmetric.Exporter, error) {
	opts := []otlpmetricgrpc.Option{
		otlpmetricgrpc.WithEndpoint(cfg.Endpoint),
		otlpmetricgrpc.WithTimeout(cfg.Timeout),
		otlpmetricgrpc.WithTemporalitySelector(temporality(cfg.Temporality)),
		otlpmetricgrpc.WithDialOption(grpc.WithStatsHandler(wireCounter{rec}), grpc.WithNoProxy()),
	}
	if r := cfg.Retry; r != nil {
		opts = append(opts, otlpmetricgrpc.WithRetry(otlpmetricgrpc.RetryConfig(*r)))
	}
	if cfg.Compression == "gzip" {
		opts = append(opts, otlpmetricgrpc.WithCompressor("gzip"))
	}
	if cfg.TLS != nil {
		opts = append(opts, otlpmetricgrpc.WithTLSCredentials(credentials.NewTLS(cfg.TLS)))
	} else {
		opts = append(opts, otlpmetricgrpc.WithInsecure())
	}
	if len(cfg.Headers) > 0 {
		opts = append(opts, otlpmetricgrpc.WithHeaders(cfg.Headers))
	}
	return otlpmetricgrpc.New(ctx, opts...)
}

func otlpGRPCLogs(ctx context.Context, cfg ExporterConfig, rec *Recorder) (sdklog.Exporter, error) {
	opts := []otlploggrpc.Option{
		otlploggrpc.WithEndpoint(cfg.Endpoint),
		otlploggrpc.WithTimeout(cfg.Timeout),
		otlploggrpc.WithDialOption(grpc.WithStatsHandler(wireCounter{rec}), grpc.WithNoProxy()),
	}
	if r := cfg.Retry; r != nil {
		opts = append(opts, otlploggrpc.WithRetry(otlploggrpc.RetryConfig(*r)))
	}
	if cfg.Compression == "gzip" {
		opts = append(opts, otlploggrpc.WithCompressor("gzip"))
	}
	if cfg.TLS != nil {
		opts = append(opts, otlploggrpc.WithTLSCredentials(credentials.NewTLS(cfg.TLS)))
	} else {
		opts = append(opts, otlploggrpc.WithInsecure())
	}
	if len(cfg.Headers) > 0 {
		opts = append(opts, otlploggrpc.WithHeaders(cfg.Headers))
	}
	return otlploggrpc.New(ctx, opts...)
}
