package generators_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/otelbench/otelbench/generators"
)

// countingExporter records spans and can hold every export until released, like a backend that stalls.
type countingExporter struct {
	*tracetest.InMemoryExporter
	hold chan struct{}
}

func (e *countingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if e.hold != nil {
		select {
		case <-e.hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return e.InMemoryExporter.ExportSpans(ctx, spans)
}

// kept keeps its spans past Shutdown (the SDK shuts the exporter down at the end of a run; InMemoryExporter
// forgets its spans then).
type kept struct{ *tracetest.InMemoryExporter }

func (kept) Shutdown(context.Context) error { return nil }

func stream(exp sdktrace.SpanExporter, rec *generators.Recorder, sched *generators.Schedule, batch generators.Batch) *generators.TraceStream {
	s, err := generators.NewTraceStream(generators.TraceStreamConfig{
		Stream: "checkout/test", Workload: "checkout", Exporter: "test", RunID: "run-1",
		Shape:    generators.Shape{Spans: 5, Depth: 3, Attributes: 2, AttributeSize: 8},
		Schedule: sched, IDs: generators.NewIDs(42, "run-1"), Values: generators.NewValues(42, 8),
		Batch: batch, SpanExporter: exp, Recorder: rec,
	})
	Expect(err).NotTo(HaveOccurred())
	return s
}

var _ = Describe("TraceStream", func() {
	It("emits every scheduled trace with derivable IDs, the configured shape and attributes", func(ctx SpecContext) {
		rec := generators.NewRecorder()
		mem := kept{tracetest.NewInMemoryExporter()}
		exp := generators.MeasureSpanExporter(mem, rec)
		s := stream(exp, rec, generators.Constant(400, 250*time.Millisecond),
			generators.Batch{Size: 64, Queue: 1024, Timeout: 50 * time.Millisecond, ExportTimeout: time.Second})
		Expect(s.Run(ctx)).To(Succeed())

		st := s.Stats()
		// A loaded machine may miss the last slot or two (due 2.5 ms before the end): they are counted, not hidden.
		Expect(st.Slots).To(Equal(uint64(100)))
		Expect(st.Emitted + st.Missed).To(Equal(uint64(100)))
		Expect(st.Emitted).To(BeNumerically(">=", 95))
		Expect(st.Items).To(Equal(st.Emitted * 5))
		Expect(st.DroppedInSDK).To(BeZero())
		Expect(st.Export.Exported).To(Equal(int64(st.Items)))
		Expect(st.Export.Calls).To(BeNumerically(">=", 8))

		spans := mem.GetSpans()
		Expect(spans).To(HaveLen(int(st.Items)))
		ids := generators.NewIDs(42, "run-1")
		parents := generators.Shape{Spans: 5, Depth: 3}.Parents()
		byID := map[string]tracetest.SpanStub{}
		for _, sp := range spans {
			byID[sp.SpanContext.SpanID().String()] = sp
		}
		for seq := range st.Emitted {
			tid := ids.TraceID("checkout/test", seq)
			for i := range 5 {
				sp, ok := byID[generators.SpanID(tid, i).String()]
				Expect(ok).To(BeTrue(), "span %d of trace %d", i, seq)
				Expect(sp.SpanContext.TraceID()).To(Equal(tid))
				Expect(sp.Name).To(Equal(generators.SpanName("checkout", i)))
				if parents[i] >= 0 {
					Expect(sp.Parent.SpanID()).To(Equal(generators.SpanID(tid, parents[i])))
				} else {
					Expect(sp.Parent.IsValid()).To(BeFalse())
				}
				Expect(sp.Attributes).To(HaveLen(4))
			}
		}
	})

	DescribeTable("with a sampler, exports the traces it keeps and counts the others not sampled, never dropped",
		func(ctx SpecContext, pipeline string) {
			rec := generators.NewRecorder()
			mem := kept{tracetest.NewInMemoryExporter()}
			ratio := 0.3
			s, err := generators.NewTraceStream(generators.TraceStreamConfig{
				Stream: "checkout/test", Workload: "checkout", Exporter: "test", RunID: "run-1",
				Shape:    generators.Shape{Spans: 3, Depth: 2},
				Schedule: generators.Constant(2000, 500*time.Millisecond), IDs: generators.NewIDs(42, "run-1"), Values: generators.NewValues(42, 8),
				Batch:        generators.Batch{Size: 64, Queue: 4096, Timeout: 20 * time.Millisecond, ExportTimeout: time.Second},
				SpanExporter: generators.MeasureSpanExporter(mem, rec), Recorder: rec, Pipeline: pipeline,
				Sampler: sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio)),
			})
			Expect(err).NotTo(HaveOccurred())
			Expect(s.Run(ctx)).To(Succeed())
			st := s.Stats()
			Expect(st.DroppedInSDK).To(BeZero())
			Expect(st.Items+st.NotSampled).To(Equal(st.Emitted*3), "every emitted span is sent or not sampled")
			Expect(st.Export.Exported).To(BeEquivalentTo(st.Items))
			// Which traces: exactly those the Go SDK's sampler keeps, asked on its own.
			ids := generators.NewIDs(42, "run-1")
			want := map[string]bool{}
			for seq := range st.Emitted {
				tid := ids.TraceID("checkout/test", seq)
				r := sdktrace.TraceIDRatioBased(ratio).ShouldSample(sdktrace.SamplingParameters{ParentContext: context.Background(), TraceID: tid})
				if r.Decision == sdktrace.RecordAndSample {
					want[tid.String()] = true
				}
			}
			got := map[string]bool{}
			for _, sp := range mem.GetSpans() {
				got[sp.SpanContext.TraceID().String()] = true
			}
			Expect(got).To(Equal(want))
			// 1000 traces at 0.3: 4 standard deviations of the binomial are about 58.
			Expect(len(want)).To(BeNumerically("~", 300, 58))
			Expect(st.AchievedRate).To(BeNumerically("~", st.TargetRate, st.TargetRate*0.05), "the offered rate counts the traces sampled out")
		},
		Entry("through the SDK", generators.PipelineSDK),
		Entry("through the direct pipeline", generators.PipelineDirect),
	)

	It("counts the spans a stalled exporter makes the SDK drop, and keeps the schedule", func(ctx SpecContext) {
		rec := generators.NewRecorder()
		held := &countingExporter{InMemoryExporter: tracetest.NewInMemoryExporter(), hold: make(chan struct{})}
		s := stream(generators.MeasureSpanExporter(held, rec), rec, generators.Constant(2000, 100*time.Millisecond),
			generators.Batch{Size: 10, Queue: 20, Timeout: 10 * time.Millisecond, ExportTimeout: 5 * time.Second})
		go func() {
			<-s.SendDone()
			close(held.hold)
		}()
		Expect(s.Run(ctx)).To(Succeed())

		st := s.Stats()
		Expect(st.Emitted + st.Missed).To(Equal(uint64(200)))
		Expect(st.Emitted).To(BeNumerically(">", 100), "the schedule does not wait for the exporter")
		Expect(st.DroppedInSDK).To(BeNumerically(">", 0))
		Expect(st.DroppedInSDK + st.Export.Exported + st.Export.Failed).To(Equal(int64(st.Items)))
	})

	It("stops at once when cancelled and counts the slots it did not send", func() {
		rec := generators.NewRecorder()
		s := stream(generators.MeasureSpanExporter(tracetest.NewInMemoryExporter(), rec), rec,
			generators.Constant(10, time.Hour), generators.Batch{Size: 10, Queue: 100, Timeout: time.Second, ExportTimeout: time.Second})
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			defer GinkgoRecover()
			Eventually(s.Emitted).Should(BeNumerically(">=", 1))
			cancel()
		}()
		Expect(s.Run(ctx)).To(Succeed())
		st := s.Stats()
		Expect(st.Emitted).To(BeNumerically(">=", 1))
		Expect(st.Missed).To(Equal(st.Slots - st.Emitted))
		Expect(st.Missed).To(BeNumerically(">", 30_000))
	})
})
