package generators

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// MetricExporterConfig says how to build a push metrics exporter.
type MetricExporterConfig struct {
	ExporterConfig
	// Temporality is "cumulative" or "delta".
	Temporality string
}

func temporality(t string) sdkmetric.TemporalitySelector {
	if t == "delta" {
		return func(sdkmetric.InstrumentKind) metricdata.Temporality { return metricdata.DeltaTemporality }
	}
	return sdkmetric.DefaultTemporalitySelector
}

// NewMetricExporter builds the SDK's push metrics exporter for cfg, measured by rec (items are data points): OTLP,
// or the console exporter (stdoutmetric) writing one JSON document per export, one per line, to the file
// cfg.Endpoint.
func NewMetricExporter(ctx context.Context, cfg MetricExporterConfig, rec *Recorder) (sdkmetric.Exporter, error) {
	cfg.ExporterConfig = cfg.ExporterConfig.withEnv(Metrics)
	var (
		exp sdkmetric.Exporter
		err error
	)
	switch cfg.Protocol {
	case OTLPGRPC:
		opts := []otlpmetricgrpc.Option{
			otlpmetricgrpc.WithEndpoint(cfg.Endpoint),
			otlpmetricgrpc.WithTimeout(cfg.Timeout),
			otlpmetricgrpc.WithTemporalitySelector(temporality(cfg.Temporality)),
			otlpmetricgrpc.WithDialOption(grpc.WithStatsHandler(wireCounter{rec}), grpc.WithNoProxy()),
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
		exp, err = otlpmetricgrpc.New(ctx, opts...)
	case OTLPHTTP:
		opts := []otlpmetrichttp.Option{
			otlpmetrichttp.WithEndpoint(cfg.Endpoint),
			otlpmetrichttp.WithTimeout(cfg.Timeout),
			otlpmetrichttp.WithTemporalitySelector(temporality(cfg.Temporality)),
			otlpmetrichttp.WithHTTPClient(cfg.httpClient(rec, 0)),
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
		exp, err = otlpmetrichttp.New(ctx, opts...)
	case Console:
		var f *os.File
		if f, err = openConsole(cfg.Endpoint); err == nil {
			var stdout sdkmetric.Exporter
			// Without pretty printing the exporter's JSON encoder writes each export as one line.
			stdout, err = stdoutmetric.New(stdoutmetric.WithWriter(f), stdoutmetric.WithTemporalitySelector(temporality(cfg.Temporality)))
			if err != nil {
				_ = f.Close()
			}
			exp = &closingMetricExporter{Exporter: stdout, f: f}
		}
	default:
		return nil, fmt.Errorf("protocol %q cannot push metrics; expected %s, %s or %s", cfg.Protocol, OTLPGRPC, OTLPHTTP, Console)
	}
	if err != nil {
		return nil, fmt.Errorf("create %s metric exporter: %w", cfg.Protocol, err)
	}
	return &measuredMetricExporter{Exporter: exp, rec: rec}, nil
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

// MeasureMetricExporter wraps any metrics exporter so that rec sees every export call.
func MeasureMetricExporter(exp sdkmetric.Exporter, rec *Recorder) sdkmetric.Exporter {
	return &measuredMetricExporter{Exporter: exp, rec: rec}
}

type measuredMetricExporter struct {
	sdkmetric.Exporter
	rec *Recorder
}

func (m *measuredMetricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	start := time.Now()
	err := m.Exporter.Export(ctx, rm)
	m.rec.Record(DataPoints(rm), time.Since(start), err)
	return exportError(err)
}

// NewPeriodicReader is the SDK's periodic reader around exp, collecting every interval. seal, called once the
// final state has been flushed, makes later exports no-ops: the export Shutdown makes after a flush repeats the
// same cumulative values (or, for delta, carries nothing new) at a timestamp that may fall in the same
// millisecond, which a backend like Prometheus would merge and otelbench would then count as lost.
func NewPeriodicReader(exp sdkmetric.Exporter, interval, timeout time.Duration) (reader sdkmetric.Reader, seal func()) {
	s := &sealableExporter{Exporter: exp}
	return sdkmetric.NewPeriodicReader(s, sdkmetric.WithInterval(interval), sdkmetric.WithTimeout(timeout)), func() { s.sealed.Store(true) }
}

type sealableExporter struct {
	sdkmetric.Exporter
	sealed atomic.Bool
}

func (s *sealableExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	if s.sealed.Load() {
		return nil
	}
	return s.Exporter.Export(ctx, rm)
}

// NewPullReader builds the SDK's Prometheus exporter (a pull reader) and the HTTP handler serving it as a scrape
// endpoint. rec sees every scrape: its items are the data points of otelbench's instruments served, its duration
// the time to gather them, its bytes the size of the response.
func NewPullReader(rec *Recorder) (sdkmetric.Reader, http.Handler, error) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, nil, fmt.Errorf("create prometheus exporter: %w", err)
	}
	h := promhttp.HandlerFor(countingGatherer{reg: reg, rec: rec}, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError})
	return exp, countingHandler{h: h, rec: rec}, nil
}

// countingGatherer counts, per scrape, the data points of otelbench's own metric families.
type countingGatherer struct {
	reg *prometheus.Registry
	rec *Recorder
}

func (g countingGatherer) Gather() ([]*dto.MetricFamily, error) {
	start := time.Now()
	mfs, err := g.reg.Gather()
	n := 0
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "otelbench_") {
			n += len(mf.GetMetric())
		}
	}
	g.rec.Record(n, time.Since(start), err)
	return mfs, err
}

type countingHandler struct {
	h   http.Handler
	rec *Recorder
}

func (c countingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cw := &countingWriter{ResponseWriter: w}
	c.h.ServeHTTP(cw, r)
	c.rec.AddBytes(cw.n)
}

type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}
