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
	// Kind is the span kind in lower case (server, client, internal, producer, consumer), "" when the backend
	// does not say.
	Kind string
	// Status is "ok", "error" or "" (unset or not kept); StatusMessage goes with error.
	Status, StatusMessage string
	// Events are the names of the span's events (annotations in Zipkin).
	Events []string
	// Links are the span IDs the span links to.
	Links []trace.SpanID
}

// Fidelity is what a backend is known to change in what it stores. The verifier accepts these changes (the item
// still counts as verified) and reports each one it sees in Result.Changes, which makes the compatibility table.
type Fidelity struct {
	// StringAttributes: every attribute value comes back as a string (Zipkin tags).
	StringAttributes bool
}

// FidelityReporter is implemented by readers of backends that change what they store.
type FidelityReporter interface {
	Fidelity() Fidelity
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
