package generators

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/trace"
)

// Severities maps scenario severity names to OpenTelemetry severity numbers.
var Severities = map[string]log.Severity{
	"trace": log.SeverityTrace, "debug": log.SeverityDebug, "info": log.SeverityInfo,
	"warn": log.SeverityWarn, "error": log.SeverityError, "fatal": log.SeverityFatal,
}

// LogShape is the shape of every log record of a stream.
type LogShape struct {
	Severity         string
	BodySize         int
	Attributes       int
	AttributeSize    int
	TraceCorrelation bool
}

// LogBody is the body of record seq: "<stream> #<seq> " padded to size from the value pool, so that it is
// re-derivable and not trivially compressible.
func LogBody(stream string, seq uint64, size int, values *Values) string {
	var b strings.Builder
	b.Grow(size + 32)
	fmt.Fprintf(&b, "%s #%d ", stream, seq)
	for i := 0; b.Len() < size; i++ {
		b.WriteString(values.Value(seq, 0, i))
	}
	s := b.String()
	if len(s) > size && size >= len(stream)+4 {
		s = s[:size]
	}
	return s
}

// LogStreamConfig is one logs workload sent through one exporter.
type LogStreamConfig struct {
	Stream, Workload, Exporter, RunID string
	Shape                             LogShape
	// Schedule paces records.
	Schedule *Schedule
	IDs      IDs
	// Values supplies bodies and attribute values (sized Shape.AttributeSize); BodyValues the body padding.
	Values *Values
	Batch  Batch
	// LogExporter is the (measured) SDK exporter and Recorder the one it reports to.
	LogExporter sdklog.Exporter
	Recorder    *Recorder
	// Pipeline is PipelineSDK (default: logger, batch processor, exporter) or PipelineDirect (records built once
	// per item and handed to the exporter in batches).
	Pipeline string
	// Emitters is how many goroutines build records in the direct pipeline (the SDK pipeline uses one).
	Emitters int
}

// LogStream emits the log records of one workload through one exporter at the scheduled rate.
type LogStream struct {
	cfg     LogStreamConfig
	emitted atomic.Uint64
	stats   StreamStats
}

// NewLogStream checks cfg.
func NewLogStream(cfg LogStreamConfig) (*LogStream, error) {
	if cfg.Schedule == nil || cfg.LogExporter == nil || cfg.Recorder == nil || cfg.Values == nil {
		return nil, errors.New("log stream: incomplete configuration")
	}
	if _, ok := Severities[cfg.Shape.Severity]; !ok {
		return nil, fmt.Errorf("log stream: unknown severity %q", cfg.Shape.Severity)
	}
	return &LogStream{cfg: cfg}, nil
}

// Emitted is the number of records emitted so far.
func (s *LogStream) Emitted() uint64 { return s.emitted.Load() }

// Slots is the number of records the schedule offers.
func (s *LogStream) Slots() uint64 { return s.cfg.Schedule.Slots() }

// Config returns the stream's configuration.
func (s *LogStream) Config() LogStreamConfig { return s.cfg }

// Stats is what the stream did; complete once Run has returned.
func (s *LogStream) Stats() StreamStats { return s.stats }

// Run emits records on schedule until it ends or ctx is cancelled, then flushes the SDK. Like traces, emission
// never waits for the exporter: a full queue drops records, and they are counted.
func (s *LogStream) Run(ctx context.Context) error {
	cfg := s.cfg
	if cfg.Pipeline == PipelineDirect {
		return s.runDirect(ctx)
	}
	res := streamResource(cfg.Workload, cfg.RunID, cfg.Exporter, cfg.Schedule.Stripe())
	lp := sdklog.NewLoggerProvider(
		sdklog.WithResource(res),
		sdklog.WithProcessor(sdklog.NewBatchProcessor(cfg.LogExporter,
			sdklog.WithExportMaxBatchSize(cfg.Batch.Size),
			sdklog.WithMaxQueueSize(cfg.Batch.Queue),
			sdklog.WithExportInterval(cfg.Batch.Timeout),
			sdklog.WithExportTimeout(cfg.Batch.ExportTimeout),
		)),
	)
	logger := lp.Logger(scopeName)
	fields := s.fields()
	var attrs []attribute.KeyValue
	var seq uint64
	s.stats.Start, s.stats.End, seq = Drive(ctx, cfg.Schedule, &s.emitted, func(j uint64) {
		seq := cfg.Schedule.Seq(j)
		var r log.Record
		now := time.Now()
		r.SetTimestamp(now)
		r.SetObservedTimestamp(now)
		r.SetSeverity(fields.severity)
		r.SetSeverityText(fields.severityText)
		r.SetBody(attribute.StringValue(fields.body(seq)))
		attrs = fields.attributes(seq, attrs[:0])
		r.AddAttributes(attrs...)
		ectx := ctx
		if cfg.Shape.TraceCorrelation {
			tid := cfg.IDs.TraceID(cfg.Stream, seq)
			ectx = trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
				TraceID: tid, SpanID: SpanID(tid, 0), TraceFlags: trace.FlagsSampled,
			}))
		}
		logger.Emit(ectx, r)
	})

	grace := cfg.Batch.ExportTimeout + 5*time.Second
	if ctx.Err() != nil {
		grace = 2 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	shutdownErr := lp.Shutdown(sctx)
	s.stats.Flushed = time.Now()
	s.finishStats(seq)
	if shutdownErr != nil && ctx.Err() == nil {
		return flushError(cfg.Stream, shutdownErr)
	}
	return nil
}

// finishStats completes the stream's stats once seq records were emitted and the exporter has finished.
func (s *LogStream) finishStats(seq uint64) {
	cfg := s.cfg
	s.stats.Slots = cfg.Schedule.Slots()
	s.stats.Emitted = seq
	s.stats.Missed = s.stats.Slots - seq
	s.stats.Items = seq
	s.stats.Export = cfg.Recorder.Stats()
	s.stats.DroppedInSDK = int64(seq) - s.stats.Export.Exported - s.stats.Export.Failed
	if d := cfg.Schedule.Duration().Seconds(); d > 0 {
		s.stats.TargetRate = float64(s.stats.Slots) / d
		s.stats.AchievedRate = float64(seq) / max(s.stats.End.Sub(s.stats.Start).Seconds(), d)
	}
}

// logFields is what record seq of a stream holds, the same in both pipelines.
type logFields struct {
	cfg          LogStreamConfig
	severity     log.Severity
	severityText string
}

func (s *LogStream) fields() logFields {
	return logFields{cfg: s.cfg, severity: Severities[s.cfg.Shape.Severity], severityText: strings.ToUpper(s.cfg.Shape.Severity)}
}

func (f logFields) body(seq uint64) string {
	return LogBody(f.cfg.Stream, seq, f.cfg.Shape.BodySize, f.cfg.Values)
}

// attributes appends the attributes of record seq to out.
func (f logFields) attributes(seq uint64, out []attribute.KeyValue) []attribute.KeyValue {
	out = append(out, attribute.Int64(AttrSeq, int64(seq)), attribute.String(AttrStream, f.cfg.Stream))
	for a := range f.cfg.Shape.Attributes {
		out = append(out, attribute.String(AttributeKey(a), f.cfg.Values.Value(seq, 1, a)))
	}
	return out
}

// runDirect is Run for PipelineDirect: every record is a copy of one record the SDK's logger built (so it
// carries the provider's resource, scope and limits) with this item's fields set, handed to the exporter in
// batches by a directSender.
func (s *LogStream) runDirect(ctx context.Context) error {
	cfg := s.cfg
	capture := &captureProcessor{}
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(streamResource(cfg.Workload, cfg.RunID, cfg.Exporter, cfg.Schedule.Stripe())), sdklog.WithProcessor(capture))
	lp.Logger(scopeName).Emit(ctx, log.Record{})
	_ = lp.Shutdown(ctx)
	if !capture.ok {
		return fmt.Errorf("log stream %s: the SDK logger built no record", cfg.Stream)
	}
	template := capture.rec
	emitters := max(cfg.Emitters, 1)
	d := newDirectSender(emitters, cfg.Batch, func(_ int, batch []sdklog.Record) {
		ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Batch.ExportTimeout)
		_ = cfg.LogExporter.Export(ectx, batch) // measured and recorded by the exporter's wrapper
		cancel()
	})
	fields := s.fields()
	attrs := make([][]attribute.KeyValue, emitters)
	var seq uint64
	s.stats.Start, s.stats.End, seq = DriveParallel(ctx, cfg.Schedule, emitters, &s.emitted, func(w int, j uint64) {
		seq := cfg.Schedule.Seq(j)
		now := time.Now()
		r := template.Clone()
		r.SetTimestamp(now)
		r.SetObservedTimestamp(now)
		r.SetSeverity(fields.severity)
		r.SetSeverityText(fields.severityText)
		r.SetBody(attribute.StringValue(fields.body(seq)))
		attrs[w] = fields.attributes(seq, attrs[w][:0])
		r.SetAttributes(attrs[w]...)
		if cfg.Shape.TraceCorrelation {
			tid := cfg.IDs.TraceID(cfg.Stream, seq)
			r.SetTraceID(tid)
			r.SetSpanID(SpanID(tid, 0))
			r.SetTraceFlags(trace.FlagsSampled)
		}
		d.add(w, now, func(batch []sdklog.Record) []sdklog.Record { return append(batch, r) })
	})
	d.close()
	s.stats.Flushed = time.Now()
	s.finishStats(seq) // dropped batches count as dropped in the SDK: the exporter never saw them
	if err := cfg.LogExporter.Shutdown(context.WithoutCancel(ctx)); err != nil && ctx.Err() == nil {
		return flushError(cfg.Stream, err)
	}
	return nil
}

// captureProcessor keeps the last record the SDK's logger built.
type captureProcessor struct {
	rec sdklog.Record
	ok  bool
}

func (c *captureProcessor) OnEmit(_ context.Context, r *sdklog.Record) error {
	c.rec, c.ok = r.Clone(), true
	return nil
}
func (c *captureProcessor) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (c *captureProcessor) Shutdown(context.Context) error                         { return nil }
func (c *captureProcessor) ForceFlush(context.Context) error                       { return nil }

// MeasureLogExporter wraps any log exporter so that rec sees every export call.
func MeasureLogExporter(exp sdklog.Exporter, rec *Recorder) sdklog.Exporter {
	return &measuredLogExporter{Exporter: exp, rec: rec}
}

type measuredLogExporter struct {
	sdklog.Exporter
	rec *Recorder
}

func (m *measuredLogExporter) Export(ctx context.Context, records []sdklog.Record) error {
	start := time.Now()
	err := m.Exporter.Export(ctx, records)
	m.rec.Record(len(records), time.Since(start), err)
	m.rec.RecordLogs(records, err)
	return exportError(err)
}
