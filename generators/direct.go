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
	// PipelineDirect hands pre-built batches straight to the SDK exporter, so that the exporter and the backend
	// are what is measured. The batches are queued as the batch processor queues spans (dropped when the queue is
	// full, counted) and exported by one worker per emitter (one per core): unlike the batch processor, which
	// exports one batch at a time, the exporter is kept busy from every core.
	PipelineDirect = "direct"
)

// runDirect is Run for PipelineDirect: traces are built as the SDK would record them (same IDs, names,
// attributes, kinds, links, events, status), gathered into batches of Batch.Size spans per emitter and exported
// by as many export workers as emitters; a batch that finds the queue (Batch.Queue spans) full is dropped and
// counted.
func (s *TraceStream) runDirect(ctx context.Context) error {
	cfg := s.cfg
	res := streamResource(cfg.Workload, cfg.RunID, cfg.Exporter)
	scope := instrumentation.Scope{Name: "github.com/otelbench/otelbench/generators"}
	size := max(cfg.Batch.Size, 1)
	queue := make(chan []sdktrace.ReadOnlySpan, max(cfg.Batch.Queue/size, 1))
	var wg sync.WaitGroup
	exporters := cfg.exporters()
	for w := range cfg.emitters() {
		exp := exporters[w%len(exporters)]
		wg.Go(func() {
			for batch := range queue {
				ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Batch.ExportTimeout)
				_ = exp.ExportSpans(ectx, batch) // measured and recorded by the exporter's wrapper
				cancel()
			}
		})
	}
	// Each emitter fills a batch of its own.
	batches := make([][]sdktrace.ReadOnlySpan, cfg.emitters())
	flush := func(w int) {
		if len(batches[w]) == 0 {
			return
		}
		select {
		case queue <- batches[w]:
		default: // the queue is full: the batch is dropped, as the batch processor drops spans
		}
		batches[w] = make([]sdktrace.ReadOnlySpan, 0, size)
	}
	b := directBuilder{cfg: cfg, parents: s.parents, res: res, scope: scope}
	var seq uint64
	s.stats.Start, s.stats.End, seq = DriveParallel(ctx, cfg.Schedule, cfg.emitters(), &s.emitted, func(w int, seq uint64) {
		batches[w] = b.trace(seq, time.Now(), batches[w])
		if len(batches[w]) >= size {
			flush(w)
		}
	})
	for w := range batches {
		flush(w)
	}
	close(s.sendDone)
	close(queue)
	wg.Wait()
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
