package generators

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// Pipelines a stream's items go through to the exporter.
const (
	// PipelineSDK is the full SDK pipeline an application pays for: tracer, span processor (batch), exporter.
	PipelineSDK = "sdk"
	// PipelineDirect hands items straight to the SDK exporter, so that the exporter and the backend are what is
	// measured. Spans and log records are built once per item and batched by a directSender (queued as the batch
	// processors queue them, dropped when the queue is full, counted; exported by one worker per emitter, where
	// a batch processor exports one batch at a time); metrics are aggregated by otelbench as the SDK would and
	// exported every interval (see directMetrics).
	PipelineDirect = "direct"
)

// directSender gathers the items of each emitter into batches and hands them to export workers through a queue,
// as the batch processors do, without their locks or their single export loop: a batch is queued when it holds
// size items or its first item is older than timeout, a batch that finds the queue full is dropped (the stream
// counts it as dropped in the SDK, since the exporter never saw it), and one export worker per emitter keeps the
// exporter busy from every core.
type directSender[T any] struct {
	size    int
	timeout time.Duration
	batches [][]T
	started []time.Time
	queue   chan []T
	wg      sync.WaitGroup
}

// newDirectSender starts one export worker per emitter; worker w calls export(w, batch) for each batch it takes.
func newDirectSender[T any](emitters int, b Batch, export func(w int, batch []T)) *directSender[T] {
	size := max(b.Size, 1)
	d := &directSender[T]{
		size: size, timeout: b.Timeout,
		batches: make([][]T, emitters), started: make([]time.Time, emitters),
		queue: make(chan []T, max(b.Queue/size, 1)),
	}
	for w := range emitters {
		d.wg.Go(func() {
			for batch := range d.queue {
				export(w, batch)
			}
		})
	}
	return d
}

// add lets emitter w append items (built at now) to its batch, and queues the batch when it is due.
func (d *directSender[T]) add(w int, now time.Time, fill func([]T) []T) {
	if len(d.batches[w]) == 0 {
		d.started[w] = now
	}
	d.batches[w] = fill(d.batches[w])
	if len(d.batches[w]) >= d.size || (d.timeout > 0 && now.Sub(d.started[w]) >= d.timeout) {
		d.flush(w)
	}
}

func (d *directSender[T]) flush(w int) {
	if len(d.batches[w]) == 0 {
		return
	}
	select {
	case d.queue <- d.batches[w]:
	default: // the queue is full: the batch is dropped, as the batch processor drops items
	}
	d.batches[w] = make([]T, 0, d.size)
}

// close queues what every emitter still holds and returns once every queued batch is exported.
func (d *directSender[T]) close() {
	for w := range d.batches {
		d.flush(w)
	}
	close(d.queue)
	d.wg.Wait()
}

// runDirect is Run for PipelineDirect: traces are built as the SDK would record them (same IDs, names,
// attributes, kinds, links, events, status) and handed to the exporter in batches by a directSender.
func (s *TraceStream) runDirect(ctx context.Context) error {
	cfg := s.cfg
	res := streamResource(cfg.Workload, cfg.RunID, cfg.Exporter, cfg.Schedule.Stripe())
	scope := instrumentation.Scope{Name: scopeName}
	exporters := cfg.exporters()
	d := newDirectSender(cfg.emitters(), cfg.Batch, func(w int, batch []sdktrace.ReadOnlySpan) {
		ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Batch.ExportTimeout)
		_ = exporters[w%len(exporters)].ExportSpans(ectx, batch) // measured and recorded by the exporter's wrapper
		cancel()
	})
	b := directBuilder{cfg: cfg, parents: s.parents, res: res, scope: scope}
	var seq uint64
	s.stats.Start, s.stats.End, seq = DriveParallel(ctx, cfg.Schedule, cfg.emitters(), &s.emitted, func(w int, j uint64) {
		s.began(j)
		seq := cfg.Schedule.Seq(j)
		if !cfg.keeps(cfg.IDs.TraceID(cfg.Stream, seq), SpanName(cfg.Workload, 0)) {
			s.notSampled[w%len(exporters)].Add(1) // sampled out: never built, as the SDK never records it
			return
		}
		now := time.Now()
		d.add(w, now, func(batch []sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan { return b.trace(seq, now, batch) })
	})
	close(s.sendDone)
	d.close()
	s.stats.Flushed = time.Now()
	s.finishStats(seq) // dropped batches count as dropped in the SDK: the exporter never saw them
	var errs []error
	for _, exp := range exporters {
		errs = append(errs, exp.Shutdown(context.WithoutCancel(ctx)))
	}
	return errors.Join(errs...)
}

// directBuilder builds the spans of a trace as read-only spans, without a tracer.
type directBuilder struct {
	cfg     TraceStreamConfig
	parents []int
	res     *resource.Resource
	scope   instrumentation.Scope
}

// trace appends the spans of trace seq, ended at end, children first as the SDK pipeline exports them.
func (b directBuilder) trace(seq uint64, end time.Time, out []sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	cfg := b.cfg
	tid := cfg.IDs.TraceID(cfg.Stream, seq)
	start := end.Add(-time.Microsecond)
	for i := len(b.parents) - 1; i >= 0; i-- {
		attrs := make([]attribute.KeyValue, 0, 2+cfg.Shape.Attributes)
		attrs = append(attrs, attribute.Int64(AttrSeq, int64(seq)), attribute.Int(AttrSpan, i))
		for a := range cfg.Shape.Attributes {
			attrs = append(attrs, attribute.String(AttributeKey(a), cfg.Values.Value(seq, i, a)))
		}
		stub := tracetest.SpanStub{
			Name: SpanName(cfg.Workload, i),
			SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
				TraceID: tid, SpanID: SpanID(tid, i), TraceFlags: trace.FlagsSampled,
			}),
			SpanKind: trace.SpanKindInternal, StartTime: start, EndTime: end, Attributes: attrs,
			Resource: b.res, InstrumentationScope: b.scope,
		}
		if p := b.parents[i]; p >= 0 {
			stub.Parent = trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: SpanID(tid, p), TraceFlags: trace.FlagsSampled})
		} else {
			stub.SpanKind = trace.SpanKindServer
			stub.Events = []sdktrace.Event{{Name: RootEvent, Time: end, Attributes: []attribute.KeyValue{attribute.Int64(AttrSeq, int64(seq))}}}
			stub.Status = sdktrace.Status{Code: codes.Ok}
			if seq%RootErrorEvery == 0 {
				stub.Status = sdktrace.Status{Code: codes.Error, Description: RootErrorMessage}
			}
			if seq > 0 {
				prev := cfg.IDs.TraceID(cfg.Stream, seq-1)
				stub.Links = []sdktrace.Link{{SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
					TraceID: prev, SpanID: SpanID(prev, 0), TraceFlags: trace.FlagsSampled,
				})}}
			}
		}
		out = append(out, stub.Snapshot())
	}
	return out
}

// scopeName is the instrumentation scope of every item otelbench generates.
const scopeName = "github.com/otelbench/otelbench/generators"
