package generators

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Resource attribute keys otelbench sets on every stream.
const (
	ResourceRunID    = "otelbench.run_id"
	ResourceExporter = "otelbench.exporter"
	// ResourceShard is "index/count" on the telemetry of a shard (Stripe), absent otherwise.
	ResourceShard = "otelbench.shard"
)

// What every root span carries besides attributes: an event named RootEvent, a link to the previous trace's root
// (from the second trace on), and status Error with RootErrorMessage on every RootErrorEvery-th trace, Ok
// otherwise.
const (
	RootEvent        = "otelbench.root"
	RootErrorEvery   = 5
	RootErrorMessage = "synthetic failure"
)

// streamResource is the resource of a trace or log stream's items: the workload as the service, and the run and
// exporter that sent them.
func streamResource(workload, runID, exporter string, st Stripe) *resource.Resource {
	attrs := []attribute.KeyValue{semconv.ServiceName(workload), attribute.String(ResourceRunID, runID), attribute.String(ResourceExporter, exporter)}
	return resource.NewWithAttributes(semconv.SchemaURL, st.mark(attrs)...)
}

// Batch configures the SDK's batch processor.
type Batch struct {
	// Size is the maximum number of items per export call.
	Size int
	// Queue is how many items wait for export; items ended while it is full are dropped by the SDK.
	Queue int
	// Timeout is how long a partial batch waits before it is exported.
	Timeout time.Duration
	// ExportTimeout bounds one export call.
	ExportTimeout time.Duration
}

// TraceStreamConfig is one workload sent through one exporter.
type TraceStreamConfig struct {
	// Stream is the key trace IDs derive from; unique within a run (workload/exporter).
	Stream string
	// Workload names the root span and the service.
	Workload string
	// Exporter names the exporter, recorded on the resource.
	Exporter string
	// RunID is recorded on the resource.
	RunID string
	// Shape is the shape of every trace.
	Shape Shape
	// Schedule paces whole traces (spans per second divided by spans per trace).
	Schedule *Schedule
	// IDs derives trace and span IDs.
	IDs IDs
	// Values supplies attribute values.
	Values *Values
	// Batch configures the batch processor.
	Batch Batch
	// Exporter is the (measured) SDK exporter.
	SpanExporter sdktrace.SpanExporter
	// Recorder is the one the exporter reports to; it tells how many spans reached the exporter.
	Recorder *Recorder
	// Pipeline is PipelineSDK (default) or PipelineDirect.
	Pipeline string
	// Emitters is how many goroutines build traces (DriveParallel); 0 or 1 means one, and never fewer than
	// instances.
	Emitters int
	// MoreInstances are the exporters of further independent SDK pipelines (tracer provider, batch processor,
	// exporter and its connection), as replicas of an application run them: instance i takes the traces of
	// emitter i mod instances. SpanExporter is instance 0's. They report to the same Recorder.
	MoreInstances []sdktrace.SpanExporter
	// InstanceRecorders, when set, are each instance's own Recorder (children of Recorder, see Recorder.Child),
	// in the order of SpanExporter then MoreInstances: Stats then reports every instance's share.
	InstanceRecorders []*Recorder
	// Sampler, when set, is the SDK's sampler (default: keep every trace), as an application configures one:
	// the traces it drops are emitted but never exported, and counted as not sampled (StreamStats.NotSampled).
	// The direct pipeline asks it too, and builds only the traces it keeps.
	Sampler sdktrace.Sampler
}

// sampler is the SDK sampler of the stream's providers.
func (c TraceStreamConfig) sampler() sdktrace.Sampler {
	if c.Sampler == nil {
		return sdktrace.AlwaysSample()
	}
	return c.Sampler
}

// keeps asks the stream's sampler about trace tid, as the SDK does when a root span starts.
func (c TraceStreamConfig) keeps(tid trace.TraceID, name string) bool {
	if c.Sampler == nil {
		return true
	}
	r := c.Sampler.ShouldSample(sdktrace.SamplingParameters{ParentContext: context.Background(), TraceID: tid, Name: name, Kind: trace.SpanKindServer})
	return r.Decision == sdktrace.RecordAndSample
}

// exporters is every instance's exporter, the first one's first.
func (c TraceStreamConfig) exporters() []sdktrace.SpanExporter {
	return append([]sdktrace.SpanExporter{c.SpanExporter}, c.MoreInstances...)
}

// emitters is how many goroutines build traces: at least one per instance.
func (c TraceStreamConfig) emitters() int { return max(c.Emitters, 1+len(c.MoreInstances)) }

// TraceStream emits the traces of one workload through one exporter at the scheduled rate. Its counters may be
// read from any goroutine while Run works.
type TraceStream struct {
	cfg      TraceStreamConfig
	parents  []int
	sendDone chan struct{}
	start    atomic.Int64  // unix nanoseconds when slot 0 was emitted
	emitted  atomic.Uint64 // traces
	// notSampled counts the traces the sampler dropped, by the instance they went through.
	notSampled []atomic.Uint64
	stats      StreamStats
}

// Stream is what every generator stream offers a run: traces, metrics and logs alike.
type Stream interface {
	// Run emits on schedule until the schedule ends or ctx is cancelled, then flushes.
	Run(ctx context.Context) error
	// Emitted is how many slots were emitted so far, and Slots how many the schedule offers.
	Emitted() uint64
	Slots() uint64
	// Stats is what the stream did; complete once Run has returned.
	Stats() StreamStats
}

var (
	_ Stream = (*TraceStream)(nil)
	_ Stream = (*MetricStream)(nil)
	_ Stream = (*LogStream)(nil)
)

// StreamStats is what a trace or log stream did, known once Run has returned.
type StreamStats struct {
	// Slots is the number of traces (or log records) the schedule offered; Emitted of them were emitted and
	// Missed were not (the sender fell behind, or the run was interrupted).
	Slots, Emitted, Missed uint64
	// Items is the number of spans (Emitted × spans per trace) or log records emitted.
	Items uint64
	// DroppedInSDK is the number of emitted spans that never reached the exporter: dropped from a full queue, or
	// still queued when shutdown gave up.
	DroppedInSDK int64
	// Start and End bound the sending (End is when the last trace was emitted, before the final flush).
	Start, End time.Time
	// Flushed is when the SDK finished exporting after the last trace.
	Flushed time.Time
	// TargetRate and AchievedRate are in items (spans, records) per second over the schedule's duration.
	TargetRate, AchievedRate float64
	// Export measures the exporter's calls.
	Export ExportStats
	// Instances, for a stream sent through several instances, is each one's share (Items, DroppedInSDK, Export);
	// the fields above are their sums.
	Instances []InstanceStats
	// NotSampled is the number of spans of the traces the stream's sampler dropped (TraceStreamConfig.Sampler):
	// emitted, never exported, and not in Items.
	NotSampled uint64
}

// InstanceStats is what one instance of a stream's exporter (one SDK pipeline of several) was handed and did.
type InstanceStats struct {
	Items        uint64
	DroppedInSDK int64
	Export       ExportStats
}

// NewTraceStream checks cfg and returns a stream ready to Run.
func NewTraceStream(cfg TraceStreamConfig) (*TraceStream, error) {
	switch {
	case cfg.Schedule == nil:
		return nil, errors.New("trace stream: no schedule")
	case cfg.SpanExporter == nil || cfg.Recorder == nil:
		return nil, errors.New("trace stream: no exporter")
	case cfg.Values == nil:
		return nil, errors.New("trace stream: no attribute values")
	case cfg.Shape.Spans < 1:
		return nil, fmt.Errorf("trace stream: %d spans per trace", cfg.Shape.Spans)
	}
	return &TraceStream{cfg: cfg, parents: cfg.Shape.Parents(), sendDone: make(chan struct{}),
		notSampled: make([]atomic.Uint64, len(cfg.exporters()))}, nil
}

// began notes, when the stream's first slot (j 0) is emitted, the schedule's start, from which Scheduled measures:
// now, less when that slot was due (a stripe's first slot is due a little after the schedule starts).
func (s *TraceStream) began(j uint64) {
	if j == 0 {
		s.start.Store(time.Now().Add(-s.cfg.Schedule.DueAt(s.cfg.Schedule.Seq(0))).UnixNano())
	}
}

// Scheduled is when trace seq was due by the schedule (zero before sending began): latency measured from it
// counts the time a sender that fell behind kept the trace waiting, which latency from the send time hides
// (coordinated omission).
func (s *TraceStream) Scheduled(seq uint64) time.Time {
	ns := s.start.Load()
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).Add(s.cfg.Schedule.DueAt(seq))
}

// Emitted is the number of traces emitted so far: the traces of sequence numbers Schedule.Seq(0 .. Emitted()-1)
// of the stream exist.
func (s *TraceStream) Emitted() uint64 { return s.emitted.Load() }

// Slots is the number of traces the schedule offers.
func (s *TraceStream) Slots() uint64 { return s.cfg.Schedule.Slots() }

// SendDone is closed when Run has emitted its last trace, before the SDK's final flush.
func (s *TraceStream) SendDone() <-chan struct{} { return s.sendDone }

// Config returns the stream's configuration.
func (s *TraceStream) Config() TraceStreamConfig { return s.cfg }

// Stats is what the stream did; complete once Run has returned.
func (s *TraceStream) Stats() StreamStats { return s.stats }

// Run emits traces on schedule until the schedule ends or ctx is cancelled, then flushes the SDK. Emission is
// open-loop: the batch processor never blocks the caller, so a slow backend shows as SDK drops and export
// latency, not as a lower offered rate. It returns an error only when the SDK could not be shut down cleanly and
// ctx was not cancelled.
func (s *TraceStream) Run(ctx context.Context) error {
	cfg := s.cfg
	if cfg.Pipeline == PipelineDirect {
		return s.runDirect(ctx)
	}
	res := streamResource(cfg.Workload, cfg.RunID, cfg.Exporter, cfg.Schedule.Stripe())
	var providers []*sdktrace.TracerProvider
	var tracers []trace.Tracer
	for _, exp := range cfg.exporters() {
		tp := sdktrace.NewTracerProvider(
			sdktrace.WithResource(res),
			sdktrace.WithSampler(cfg.sampler()),
			sdktrace.WithIDGenerator(idGenerator{}),
			sdktrace.WithBatcher(exp,
				sdktrace.WithMaxExportBatchSize(cfg.Batch.Size),
				sdktrace.WithMaxQueueSize(cfg.Batch.Queue),
				sdktrace.WithBatchTimeout(cfg.Batch.Timeout),
				sdktrace.WithExportTimeout(cfg.Batch.ExportTimeout),
			),
		)
		providers = append(providers, tp)
		tracers = append(tracers, tp.Tracer(scopeName))
	}

	var seq uint64
	s.stats.Start, s.stats.End, seq = DriveParallel(ctx, cfg.Schedule, cfg.emitters(), &s.emitted, func(w int, j uint64) {
		s.began(j)
		if !s.emit(ctx, tracers[w%len(tracers)], cfg.Schedule.Seq(j)) {
			s.notSampled[w%len(tracers)].Add(1)
		}
	})
	close(s.sendDone)

	// Shutdown flushes the queue. On interruption it gets a short grace period; whatever is still queued then
	// counts as dropped in the SDK.
	grace := cfg.Batch.ExportTimeout + 5*time.Second
	if ctx.Err() != nil {
		grace = 2 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	errs := make([]error, len(providers))
	var wg sync.WaitGroup
	for i, tp := range providers {
		wg.Go(func() { errs[i] = tp.Shutdown(sctx) })
	}
	wg.Wait()
	shutdownErr := errors.Join(errs...)
	s.stats.Flushed = time.Now()
	s.finishStats(seq)
	if shutdownErr != nil && ctx.Err() == nil {
		return flushError(cfg.Stream, shutdownErr)
	}
	return nil
}

// finishStats completes the stream's stats once seq traces were emitted and the exporter has finished.
func (s *TraceStream) finishStats(seq uint64) {
	cfg := s.cfg
	spans := uint64(cfg.Shape.Spans)
	var dropped uint64
	for i := range s.notSampled {
		dropped += s.notSampled[i].Load()
	}
	s.stats.Slots = cfg.Schedule.Slots()
	s.stats.Emitted = seq
	s.stats.Missed = s.stats.Slots - seq
	s.stats.Items = (seq - dropped) * spans
	s.stats.NotSampled = dropped * spans
	s.stats.Export = cfg.Recorder.Stats()
	s.stats.DroppedInSDK = int64(s.stats.Items) - s.stats.Export.Exported - s.stats.Export.Failed
	if d := cfg.Schedule.Duration().Seconds(); d > 0 {
		s.stats.TargetRate = float64(s.stats.Slots*spans) / d
	}
	if d := s.stats.End.Sub(s.stats.Start).Seconds(); d > 0 {
		// What the stream emitted, sampled or not: the rate the schedule asked for.
		s.stats.AchievedRate = float64(seq*spans) / max(d, cfg.Schedule.Duration().Seconds())
	}
	if n := len(cfg.InstanceRecorders); n > 1 && n == len(cfg.exporters()) {
		// DriveParallel gives slot q to emitter q mod emitters, and emitter w sends through instance w mod n.
		e := uint64(cfg.emitters())
		s.stats.Instances = make([]InstanceStats, n)
		for w := range e {
			traces := seq / e
			if w < seq%e {
				traces++
			}
			s.stats.Instances[w%uint64(n)].Items += traces * spans
		}
		for i := range s.stats.Instances {
			s.stats.Instances[i].Items -= s.notSampled[i].Load() * spans
		}
		for i, rec := range cfg.InstanceRecorders {
			in := &s.stats.Instances[i]
			in.Export = rec.Stats()
			if cfg.Pipeline == PipelineDirect {
				// Export workers share one queue: an instance is handed what it exported, and drops (a full
				// queue) belong to the stream alone.
				in.Items = uint64(in.Export.Exported + in.Export.Failed)
			}
			in.DroppedInSDK = int64(in.Items) - in.Export.Exported - in.Export.Failed
		}
	}
}

// emit creates trace seq: a tree of Shape.Spans spans, ended children first so that every parent encloses its
// children in time. It reports whether the sampler kept the trace.
func (s *TraceStream) emit(ctx context.Context, tracer trace.Tracer, seq uint64) bool {
	cfg := s.cfg
	slot := &idSlot{trace: cfg.IDs.TraceID(cfg.Stream, seq)}
	base := withIDSlot(ctx, slot)
	n := len(s.parents)
	spans := make([]trace.Span, n)
	ctxs := make([]context.Context, n)
	attrs := make([]attribute.KeyValue, 0, 2+cfg.Shape.Attributes)
	for i := range n {
		parent := base
		if p := s.parents[i]; p >= 0 {
			parent = ctxs[p]
		}
		attrs = attrs[:0]
		attrs = append(attrs, attribute.Int64(AttrSeq, int64(seq)), attribute.Int(AttrSpan, i))
		for a := range cfg.Shape.Attributes {
			attrs = append(attrs, attribute.String(AttributeKey(a), cfg.Values.Value(seq, i, a)))
		}
		opts := []trace.SpanStartOption{trace.WithAttributes(attrs...), trace.WithSpanKind(trace.SpanKindInternal)}
		if i == 0 {
			// The root carries what backends are known to change, for the fidelity comparison: a kind, a link to
			// the previous trace's root, an event and a status.
			opts = append(opts, trace.WithSpanKind(trace.SpanKindServer))
			if seq > 0 {
				prev := cfg.IDs.TraceID(cfg.Stream, seq-1)
				opts = append(opts, trace.WithLinks(trace.Link{SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
					TraceID: prev, SpanID: SpanID(prev, 0), TraceFlags: trace.FlagsSampled,
				})}))
			}
		}
		ctxs[i], spans[i] = tracer.Start(parent, SpanName(cfg.Workload, i), opts...)
		if i == 0 {
			spans[i].AddEvent(RootEvent, trace.WithAttributes(attribute.Int64(AttrSeq, int64(seq))))
			if seq%RootErrorEvery == 0 {
				spans[i].SetStatus(codes.Error, RootErrorMessage)
			} else {
				spans[i].SetStatus(codes.Ok, "")
			}
		}
	}
	for i := n - 1; i >= 0; i-- {
		spans[i].End()
	}
	return spans[0].SpanContext().IsSampled()
}
