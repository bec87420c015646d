package generators

import (
	"context"
	"sync/atomic"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
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
