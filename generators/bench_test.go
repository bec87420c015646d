package generators

import (
	"context"
	"net/http"
	"net/http/httptest"
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

// BenchmarkExportWrapper is what otelbench adds to every export call: the measured exporter around the SDK's,
// timing the call and recording it (latency histogram, counts).
func BenchmarkExportWrapper(b *testing.B) {
	rec := NewRecorder()
	exp := MeasureSpanExporter(discard{}, rec)
	batch := make([]sdktrace.ReadOnlySpan, 512)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = exp.ExportSpans(ctx, batch)
	}
}

// BenchmarkLatencyRecord is one export call's latency into the HDR histogram, with the counters.
func BenchmarkLatencyRecord(b *testing.B) {
	rec := NewRecorder()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		rec.Record(512, time.Duration(i%5000)*time.Microsecond, nil)
	}
}

// BenchmarkDirectTrace is the cost of building one 5-span trace as read-only spans for the direct pipeline, per
// trace: what the direct pipeline pays instead of the SDK's tracer and batch processor.
func BenchmarkDirectTrace(b *testing.B) {
	cfg := TraceStreamConfig{
		Stream: "checkout/bench", Workload: "checkout", Exporter: "bench", RunID: "bench",
		Shape: Shape{Spans: 5, Depth: 3, Attributes: 4, AttributeSize: 32}, IDs: NewIDs(42, "bench"), Values: NewValues(42, 32),
	}
	d := directBuilder{cfg: cfg, parents: cfg.Shape.Parents()}
	batch := make([]sdktrace.ReadOnlySpan, 0, 5)
	now := time.Now()
	b.ReportAllocs()
	var seq uint64
	for b.Loop() {
		batch = d.trace(seq, now, batch[:0])
		seq++
	}
	b.ReportMetric(float64(b.N*5)/b.Elapsed().Seconds(), "spans/s")
}

// BenchmarkHTTPLoadRequest is otelbench's cost per request of an app workload (pick, traceparent, send, record)
// against a loopback server that answers at once: what the load driver takes from the machine the app runs on.
func BenchmarkHTTPLoadRequest(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	l, err := NewHTTPLoad(HTTPLoadConfig{Stream: "bench", BaseURL: srv.URL, IDs: NewIDs(1, "bench"), MaxInFlight: 64,
		Schedule: Constant(1, time.Hour), Requests: []HTTPRequest{{Method: http.MethodGet, Path: "/a", Weight: 3}, {Method: http.MethodPost, Path: "/b", Body: `{"x":1}`}}})
	if err != nil {
		b.Fatal(err)
	}
	l.results = make([]HTTPResult, 1)
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		l.send(ctx, 0, l.KindOf(uint64(b.N)), time.Now())
	}
}
