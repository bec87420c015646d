// Package verify reads generated telemetry back from the backends and proves delivery: every expected item is
// found, none twice, none changed. Each backend has a reader (one file per backend) behind the small interfaces
// here; the verifier re-derives what to expect from the generators' seeds, so nothing sent is stored.
package verify

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// Span is a span as a backend returns it, in the backend-neutral form the verifier compares.
type Span struct {
	TraceID  trace.TraceID
	SpanID   trace.SpanID
	ParentID trace.SpanID // zero for a root span
	Name     string
	Start    time.Time
	End      time.Time
	// Attributes holds the span's attributes with their values as the backend typed them (string, int64,
	// float64, bool).
	Attributes map[string]any
}

// TraceReader reads traces back from one backend by ID.
type TraceReader interface {
	// Traces returns the spans the backend holds now for each of ids; IDs the backend does not know are absent
	// from the map. len(ids) is at most BatchSize(). It is called from several goroutines at once.
	Traces(ctx context.Context, ids []trace.TraceID) (map[trace.TraceID][]Span, error)
	// BatchSize is the most IDs one Traces call takes.
	BatchSize() int
	// Name describes the backend in reports ("jaeger").
	Name() string
}
