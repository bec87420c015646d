package verify

import (
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/otelbench/otelbench/generators"
)

// BenchmarkCompareTrace is the verifier's cost per 5-span trace read back, which bounds how fast it keeps up.
func BenchmarkCompareTrace(b *testing.B) {
	shape := generators.Shape{Spans: 5, Depth: 3, Attributes: 4, AttributeSize: 32}
	ids, values := generators.NewIDs(42, "bench"), generators.NewValues(42, 32)
	v := &traceVerifier{exp: TraceExpectation{Stream: "s", Workload: "w", Shape: shape, IDs: ids, Values: values}, parents: shape.Parents()}
	tid := ids.TraceID("s", 7)
	spans := make([]Span, shape.Spans)
	for i := range spans {
		attrs := map[string]any{generators.AttrSeq: int64(7), generators.AttrSpan: int64(i)}
		for a := range shape.Attributes {
			attrs[generators.AttributeKey(a)] = values.Value(7, i, a)
		}
		var parent trace.SpanID
		if p := v.parents[i]; p >= 0 {
			parent = generators.SpanID(tid, p)
		}
		spans[i] = Span{TraceID: tid, SpanID: generators.SpanID(tid, i), ParentID: parent, Name: generators.SpanName("w", i), End: time.Now(), Attributes: attrs}
	}
	p := &pendingTrace{seq: 7, id: tid}
	b.ReportAllocs()
	for b.Loop() {
		if c := v.compare(p, spans); c.intact != shape.Spans {
			b.Fatalf("intact %d", c.intact)
		}
	}
}
