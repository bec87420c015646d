package verify

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// LogRecord is a log record as a backend returns it, in the backend-neutral form the verifier compares.
type LogRecord struct {
	Time         time.Time
	Severity     int
	SeverityText string
	Body         string
	TraceID      trace.TraceID
	SpanID       trace.SpanID
	// Attributes and Resource hold values typed as OTLP JSON carries them (string, int64, float64, bool).
	Attributes map[string]any
	Resource   map[string]any
}

// LogSource returns the log records that reached a backend since the previous call (all of them on the first
// call). Each verification needs a source of its own. An error wrapping ErrUnreadable ends the verification;
// other errors are counted and the read is tried again.
type LogSource func(ctx context.Context) ([]LogRecord, error)
