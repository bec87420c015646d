package generators

import (
	"context"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// discard is an exporter that drops everything, so that benchmarks measure otelbench and the SDK, not a network.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

func BenchmarkSchedulePace(b *testing.B) {
	s := NewSchedule(Segment{Duration: time.Minute, From: 0, To: 1e5}, Segment{Duration: time.Minute, From: 1e5, To: 1e5})
	b.ReportAllocs()
	var sent uint64
	for i := 0; b.Loop(); i++ {
		_, stop := s.Pace(time.Duration(i)*time.Microsecond, sent)
		if stop {
			sent = 0
		}
		sent++
	}
}

func BenchmarkTraceID(b *testing.B) {
	ids := NewIDs(42, "bench")
	b.ReportAllocs()
	var seq uint64
	for b.Loop() {
		_ = ids.TraceID("checkout/otlp-grpc", seq)
		seq++
	}
}

// BenchmarkEmitTrace is the cost of one 5-span trace with 4 attributes of 32 bytes per span, through the SDK's
// batch processor, per trace. It bounds the rate one core can offer.
func BenchmarkEmitTrace(b *testing.B) {
	rec := NewRecorder()
	s, err := NewTraceStream(TraceStreamConfig{
		Stream: "checkout/bench", Workload: "checkout", Exporter: "bench", RunID: "bench",
		Shape:    Shape{Spans: 5, Depth: 3, Attributes: 4, AttributeSize: 32},
		Schedule: Constant(1, time.Second), IDs: NewIDs(42, "bench"), Values: NewValues(42, 32),
		Batch:        Batch{Size: 512, Queue: 1 << 16, Timeout: time.Second, ExportTimeout: time.Second},
		SpanExporter: MeasureSpanExporter(discard{}, rec), Recorder: rec,
	})
	if err != nil {
		b.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(idGenerator{}),
		sdktrace.WithBatcher(s.cfg.SpanExporter, sdktrace.WithMaxQueueSize(1<<16)))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	tracer := tp.Tracer("bench")
	ctx := context.Background()
	b.ReportAllocs()
	var seq uint64
	for b.Loop() {
		s.emit(ctx, tracer, seq)
		seq++
	}
	b.ReportMetric(float64(b.N*5)/b.Elapsed().Seconds(), "spans/s")
}
