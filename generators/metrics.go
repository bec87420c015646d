package generators

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// Instrument kinds a metrics stream records.
const (
	Counter              = "counter"
	UpDownCounter        = "updown_counter"
	Gauge                = "gauge"
	Histogram            = "histogram"
	ExponentialHistogram = "exponential_histogram"
)

// Instrument is one synthetic metric: its OpenTelemetry name and unit, and the kind of instrument recording it.
type Instrument struct {
	Kind, Name, Unit string
}

// Instruments are the metrics a metrics stream can record, one per kind. Units are chosen to exercise the
// OTLP-to-Prometheus name translation: an annotation ({request}) is dropped, By and s become _bytes and _seconds.
var Instruments = []Instrument{
	{Counter, "otelbench.requests", "{request}"},
	{UpDownCounter, "otelbench.inflight", "{request}"},
	{Gauge, "otelbench.queue.size", "By"},
	{Histogram, "otelbench.duration", "s"},
	{ExponentialHistogram, "otelbench.payload.size", "By"},
}

// InstrumentOf returns the instrument of kind.
func InstrumentOf(kind string) (Instrument, bool) {
	for _, in := range Instruments {
		if in.Kind == kind {
			return in, true
		}
	}
	return Instrument{}, false
}

// PrometheusName is the name Prometheus gives in's series after OTLP translation with the default strategy
// (dots to underscores, unit suffixes, _total on counters). Histograms add _bucket, _sum and _count to it
// (classic), or keep it as is (native, from exponential histograms).
func (in Instrument) PrometheusName() string {
	typ := map[string]otlptranslator.MetricType{
		Counter:              otlptranslator.MetricTypeMonotonicCounter,
		UpDownCounter:        otlptranslator.MetricTypeNonMonotonicCounter,
		Gauge:                otlptranslator.MetricTypeGauge,
		Histogram:            otlptranslator.MetricTypeHistogram,
		ExponentialHistogram: otlptranslator.MetricTypeExponentialHistogram,
	}[in.Kind]
	namer := otlptranslator.NewMetricNamer("", otlptranslator.UnderscoreEscapingWithSuffixes)
	name, err := namer.Build(otlptranslator.Metric{Name: in.Name, Unit: in.Unit, Type: typ})
	if err != nil {
		return in.Name
	}
	return name
}

// Metric attribute keys on every measurement.
const (
	AttrStream = "otelbench.stream"
	AttrSeries = "otelbench.series"
)

// MetricPlan is the deterministic sequence of measurements of a metrics stream: measurement k goes to instrument
// k mod len(Kinds), series (k / len(Kinds)) mod Series of generation k·(Churn+1)/Slots, with a value derived from
// k. The verifier replays it to know every series' final value; nothing is stored.
type MetricPlan struct {
	Kinds  []string
	Series int
	Churn  int
	// Slots is the number of measurements the whole schedule offers (churn generations are spread over it), every
	// stripe's together (Schedule.AllSlots).
	Slots uint64
	// Stripe is the part of the plan a shard records: its measurement j is the plan's Stripe.Seq(j).
	Stripe Stripe
}

// SeriesKey names one time series of a stream.
type SeriesKey struct {
	Kind   string
	Series string // the otelbench.series attribute value
}

// SeriesValue is what a series holds after a number of measurements, cumulatively.
type SeriesValue struct {
	// Sum is the counter or up-down counter value, or the histogram sum.
	Sum float64
	// Count is the number of measurements (histogram count).
	Count uint64
	// Last is the last value recorded (gauge).
	Last float64
}

// At returns measurement k: which instrument, which series, what value.
func (p MetricPlan) At(k uint64) (kind int, series string, value float64) {
	kind, gen, s, value := p.at(k)
	return kind, seriesName(gen, s), value
}

// seriesName is the otelbench.series value of series s of churn generation gen.
func seriesName(gen, s uint64) string {
	return "g" + strconv.FormatUint(gen, 10) + "-s" + strconv.FormatUint(s, 10)
}

// at is At with the series as its numbers: churn generation gen, series s within it.
func (p MetricPlan) at(k uint64) (kind int, gen, s uint64, value float64) {
	n := uint64(len(p.Kinds))
	kind = int(k % n)
	s = (k / n) % uint64(max(p.Series, 1))
	if p.Churn > 0 && p.Slots > 0 {
		gen = min(k*uint64(p.Churn+1)/p.Slots, uint64(p.Churn))
	}
	switch p.Kinds[kind] {
	case Counter:
		value = float64(1 + k%3)
	case UpDownCounter:
		if k%2 == 0 {
			value = 3
		} else {
			value = -1
		}
	case Gauge:
		value = float64(k % 1000)
	case Histogram:
		value = float64(1+k%500) / 1000 // 1 ms to 500 ms
	case ExponentialHistogram:
		value = float64(1 + k%4096) // bytes
	}
	return kind, gen, s, value
}

// Expect replays the first n measurements of the plan's stripe and returns every series' final state.
func (p MetricPlan) Expect(n uint64) map[SeriesKey]SeriesValue {
	out := map[SeriesKey]SeriesValue{}
	for j := range n {
		kind, series, value := p.At(p.Stripe.Seq(j))
		key := SeriesKey{p.Kinds[kind], series}
		v := out[key]
		v.Sum += value
		v.Count++
		v.Last = value
		out[key] = v
	}
	return out
}

// MetricStreamConfig is one metrics workload sent through one exporter.
type MetricStreamConfig struct {
	Stream, Workload, Exporter, RunID string
	// Plan says what each measurement is; Schedule paces measurements.
	Plan     MetricPlan
	Schedule *Schedule
	// Reader is the SDK reader: a periodic reader around a measured push exporter, or a pull exporter.
	Reader sdkmetric.Reader
	// Pipeline is PipelineSDK (default: meter provider, reader, exporter) or PipelineDirect: measurements
	// aggregated by otelbench and handed to PushExporter every ExportInterval, with Temporality, each call bounded by
	// ExportTimeout. Reader is not used then.
	Pipeline       string
	PushExporter   sdkmetric.Exporter
	ExportInterval time.Duration
	ExportTimeout  time.Duration
	Temporality    string
	// Recorder sees every export (push) or scrape (pull).
	Recorder *Recorder
	// Seal, for push readers (see NewPeriodicReader), is called after the final flush.
	Seal func()
	// Pull is true when Reader is collected by a scraper: then the provider stays up after Run, until Close, so
	// that the scraper reads the final values.
	Pull bool
	// CardinalityLimit is the SDK's cardinality limit per instrument; 0 keeps the SDK's default (2000).
	CardinalityLimit int
}

// MetricStream records the measurements of one metrics workload through one exporter at the scheduled rate.
type MetricStream struct {
	cfg     MetricStreamConfig
	mp      *sdkmetric.MeterProvider
	emitted atomic.Uint64
	stats   StreamStats
}

// NewMetricStream builds the meter provider of a stream.
func NewMetricStream(cfg MetricStreamConfig) (*MetricStream, error) {
	direct := cfg.Pipeline == PipelineDirect
	if cfg.Schedule == nil || cfg.Recorder == nil || len(cfg.Plan.Kinds) == 0 || (direct && cfg.PushExporter == nil) || (!direct && cfg.Reader == nil) {
		return nil, errors.New("metric stream: incomplete configuration")
	}
	for _, kind := range cfg.Plan.Kinds {
		if _, ok := InstrumentOf(kind); !ok {
			return nil, fmt.Errorf("metric stream: unknown instrument %q", kind)
		}
	}
	if direct {
		return &MetricStream{cfg: cfg}, nil
	}
	res := metricResource(cfg)
	exp, _ := InstrumentOf(ExponentialHistogram)
	opts := []sdkmetric.Option{
		sdkmetric.WithResource(res),
		sdkmetric.WithReader(cfg.Reader),
		sdkmetric.WithView(sdkmetric.NewView(
			sdkmetric.Instrument{Name: exp.Name},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}},
		)),
	}
	if cfg.CardinalityLimit > 0 {
		opts = append(opts, sdkmetric.WithCardinalityLimit(cfg.CardinalityLimit))
	}
	mp := sdkmetric.NewMeterProvider(opts...)
	return &MetricStream{cfg: cfg, mp: mp}, nil
}

// metricResource is the resource of a metrics stream's data points.
func metricResource(cfg MetricStreamConfig) *resource.Resource {
	return resource.NewWithAttributes(semconv.SchemaURL, cfg.Plan.Stripe.mark([]attribute.KeyValue{
		semconv.ServiceName(cfg.Workload),
		semconv.ServiceInstanceID(cfg.Plan.Stripe.Instance(ServiceInstanceID(cfg.RunID, cfg.Stream))),
		attribute.String(ResourceRunID, cfg.RunID),
		attribute.String(ResourceExporter, cfg.Exporter),
	})...)
}

// Emitted is the number of measurements recorded so far.
func (s *MetricStream) Emitted() uint64 { return s.emitted.Load() }

// Slots is the number of measurements the schedule offers.
func (s *MetricStream) Slots() uint64 { return s.cfg.Schedule.Slots() }

// Config returns the stream's configuration.
func (s *MetricStream) Config() MetricStreamConfig { return s.cfg }

// Stats is what the stream did; complete once Run has returned (and, for pull streams, Close).
// For metrics, Slots, Emitted, Missed and Items count measurements (rates are measurements per second), and Export
// counts data points per export call (push) or scrape (pull; it grows until Close). Nothing is dropped in the SDK:
// measurements are aggregated, not queued.
func (s *MetricStream) Stats() StreamStats {
	st := s.stats
	st.Export = s.cfg.Recorder.Stats()
	return st
}

type recorder func(ctx context.Context, value float64, set metric.MeasurementOption)

// Run records measurements on schedule until it ends or ctx is cancelled, then (push) shuts the provider down,
// which makes the final export. Pull streams keep serving until Close.
func (s *MetricStream) Run(ctx context.Context) error {
	cfg := s.cfg
	if cfg.Pipeline == PipelineDirect {
		return s.runDirect(ctx)
	}
	meter := s.mp.Meter(scopeName)
	record := make([]recorder, len(cfg.Plan.Kinds))
	for i, kind := range cfg.Plan.Kinds {
		in, ok := InstrumentOf(kind)
		if !ok {
			return fmt.Errorf("metric stream: unknown instrument %q", kind)
		}
		var err error
		record[i], err = newRecorder(meter, in)
		if err != nil {
			return fmt.Errorf("metric stream: %w", err)
		}
	}
	// Attribute sets are built once per series and reused: measurements are cheap, allocations are not.
	sets := map[string]metric.MeasurementOption{}
	setOf := func(series string) metric.MeasurementOption {
		o, ok := sets[series]
		if !ok {
			o = metric.WithAttributeSet(attribute.NewSet(
				attribute.String(AttrStream, cfg.Stream), attribute.String(AttrSeries, series)))
			sets[series] = o
		}
		return o
	}

	var k uint64
	s.stats.Start, s.stats.End, k = Drive(ctx, cfg.Schedule, &s.emitted, func(j uint64) {
		kind, series, value := cfg.Plan.At(cfg.Plan.Stripe.Seq(j))
		record[kind](ctx, value, setOf(series))
	})
	s.finishStats(k)
	var err error
	if !cfg.Pull {
		err = s.shutdown(ctx)
	}
	s.stats.Flushed = time.Now()
	if err != nil && ctx.Err() == nil {
		return flushError(cfg.Stream, err)
	}
	return nil
}

// finishStats completes the stream's stats once k measurements were recorded.
func (s *MetricStream) finishStats(k uint64) {
	cfg := s.cfg
	s.stats.Slots = cfg.Schedule.Slots()
	s.stats.Emitted = k
	s.stats.Items = k
	s.stats.Missed = s.stats.Slots - k
	if d := cfg.Schedule.Duration().Seconds(); d > 0 {
		s.stats.TargetRate = float64(s.stats.Slots) / d
		s.stats.AchievedRate = float64(k) / max(s.stats.End.Sub(s.stats.Start).Seconds(), d)
	}
}

// Close shuts a pull stream's provider down (push streams are shut down by Run).
func (s *MetricStream) Close(ctx context.Context) error {
	if !s.cfg.Pull || s.mp == nil {
		return nil
	}
	return s.shutdown(ctx)
}

func (s *MetricStream) shutdown(ctx context.Context) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	// Flush first: the periodic reader's loop runs the flush after any export in flight, whereas Shutdown alone
	// would cancel an export the ticker had just started (and a schedule of whole seconds ends on a tick).
	flushErr := s.mp.ForceFlush(sctx)
	if s.cfg.Seal != nil {
		s.cfg.Seal()
	}
	return errors.Join(flushErr, s.mp.Shutdown(sctx))
}

// description is the instrument's description.
func (in Instrument) description() string {
	switch in.Kind {
	case Counter:
		return "otelbench synthetic counter"
	case UpDownCounter:
		return "otelbench synthetic up-down counter"
	case Gauge:
		return "otelbench synthetic gauge"
	}
	return "otelbench synthetic histogram"
}

func newRecorder(meter metric.Meter, in Instrument) (recorder, error) {
	desc := metric.WithDescription(in.description())
	switch in.Kind {
	case Counter:
		c, err := meter.Int64Counter(in.Name, metric.WithUnit(in.Unit), desc)
		return func(ctx context.Context, v float64, o metric.MeasurementOption) { c.Add(ctx, int64(v), o) }, err
	case UpDownCounter:
		c, err := meter.Int64UpDownCounter(in.Name, metric.WithUnit(in.Unit), desc)
		return func(ctx context.Context, v float64, o metric.MeasurementOption) { c.Add(ctx, int64(v), o) }, err
	case Gauge:
		g, err := meter.Float64Gauge(in.Name, metric.WithUnit(in.Unit), desc)
		return func(ctx context.Context, v float64, o metric.MeasurementOption) { g.Record(ctx, v, o) }, err
	case Histogram, ExponentialHistogram:
		h, err := meter.Float64Histogram(in.Name, metric.WithUnit(in.Unit), desc)
		return func(ctx context.Context, v float64, o metric.MeasurementOption) { h.Record(ctx, v, o) }, err
	}
	return nil, fmt.Errorf("unknown instrument kind %q", in.Kind)
}

// DataPoints counts the data points in rm: what a metrics export carries.
func DataPoints(rm *metricdata.ResourceMetrics) int {
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				n += len(d.DataPoints)
			case metricdata.Sum[float64]:
				n += len(d.DataPoints)
			case metricdata.Gauge[int64]:
				n += len(d.DataPoints)
			case metricdata.Gauge[float64]:
				n += len(d.DataPoints)
			case metricdata.Histogram[int64]:
				n += len(d.DataPoints)
			case metricdata.Histogram[float64]:
				n += len(d.DataPoints)
			case metricdata.ExponentialHistogram[int64]:
				n += len(d.DataPoints)
			case metricdata.ExponentialHistogram[float64]:
				n += len(d.DataPoints)
			case metricdata.Summary:
				n += len(d.DataPoints)
			}
		}
	}
	return n
}
