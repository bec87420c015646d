package generators

import (
	"context"
	"fmt"
	"os"

	"go.opentelemetry.io/otel/exporters/stdout/stdoutlog"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Console is the SDK's stdout exporters, each writing one JSON document per line to a file of the run
// (ExporterConfig.Endpoint): every signal, nothing on the network.
const Console = "console"

var consoleProtocol = Protocol{Name: Console, Signals: Signals, Traces: consoleTraces, Metrics: consoleMetrics, Logs: consoleLogs}

func consoleTraces(_ context.Context, cfg ExporterConfig, _ *Recorder) (sdktrace.SpanExporter, error) {
	f, err := openConsole(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	stdout, err := stdouttrace.New(stdouttrace.WithWriter(f))
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return &closingSpanExporter{SpanExporter: stdout, f: f}, nil
}

func consoleMetrics(_ context.Context, cfg MetricExporterConfig, _ *Recorder) (sdkmetric.Exporter, error) {
	f, err := openConsole(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	// Without pretty printing the exporter's JSON encoder writes each export as one line.
	stdout, err := stdoutmetric.New(stdoutmetric.WithWriter(f), stdoutmetric.WithTemporalitySelector(temporality(cfg.Temporality)))
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return &closingMetricExporter{Exporter: stdout, f: f}, nil
}

func consoleLogs(_ context.Context, cfg ExporterConfig, _ *Recorder) (sdklog.Exporter, error) {
	f, err := openConsole(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	stdout, err := stdoutlog.New(stdoutlog.WithWriter(f))
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return &closingLogExporter{Exporter: stdout, f: f}, nil
}

// openConsole opens the file a console exporter writes to (created, appended to).
func openConsole(path string) (*os.File, error) {
	if path == "" {
		return nil, fmt.Errorf("console exporter: no output file")
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("console exporter: %w", err)
	}
	return f, nil
}

// closingSpanExporter closes the console exporter's file on shutdown.
type closingSpanExporter struct {
	sdktrace.SpanExporter
	f *os.File
}

func (c *closingSpanExporter) Shutdown(ctx context.Context) error {
	err := c.SpanExporter.Shutdown(ctx)
	if cerr := c.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// closingMetricExporter closes the console exporter's file on shutdown.
type closingMetricExporter struct {
	sdkmetric.Exporter
	f *os.File
}

func (c *closingMetricExporter) Shutdown(ctx context.Context) error {
	err := c.Exporter.Shutdown(ctx)
	if cerr := c.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// closingLogExporter closes the console exporter's file on shutdown.
type closingLogExporter struct {
	sdklog.Exporter
	f *os.File
}

func (c *closingLogExporter) Shutdown(ctx context.Context) error {
	err := c.Exporter.Shutdown(ctx)
	if cerr := c.f.Close(); err == nil {
		err = cerr
	}
	return err
}
