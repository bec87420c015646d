package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
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

// OTLP JSON, as the collector's file exporter writes it: one ExportLogsServiceRequest per line.
type otlpJSONLogs struct {
	ResourceLogs []struct {
		Resource struct {
			Attributes []otlpJSONKV `json:"attributes"`
		} `json:"resource"`
		ScopeLogs []struct {
			LogRecords []struct {
				TimeUnixNano   string       `json:"timeUnixNano"`
				SeverityNumber int          `json:"severityNumber"`
				SeverityText   string       `json:"severityText"`
				Body           otlpJSONAny  `json:"body"`
				Attributes     []otlpJSONKV `json:"attributes"`
				TraceID        string       `json:"traceId"`
				SpanID         string       `json:"spanId"`
			} `json:"logRecords"`
		} `json:"scopeLogs"`
	} `json:"resourceLogs"`
}

type otlpJSONKV struct {
	Key   string      `json:"key"`
	Value otlpJSONAny `json:"value"`
}

type otlpJSONAny struct {
	StringValue *string  `json:"stringValue"`
	IntValue    *string  `json:"intValue"` // int64 is a string in OTLP JSON
	DoubleValue *float64 `json:"doubleValue"`
	BoolValue   *bool    `json:"boolValue"`
}

func (a otlpJSONAny) value() any {
	switch {
	case a.StringValue != nil:
		return *a.StringValue
	case a.IntValue != nil:
		if n, err := strconv.ParseInt(*a.IntValue, 10, 64); err == nil {
			return n
		}
		return *a.IntValue
	case a.DoubleValue != nil:
		return *a.DoubleValue
	case a.BoolValue != nil:
		return *a.BoolValue
	}
	return nil
}

func kvMap(kvs []otlpJSONKV) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value.value()
	}
	return m
}

// parseLogLine parses one line of a collector's file exporter: an ExportLogsServiceRequest in OTLP JSON.
func parseLogLine(line []byte) ([]LogRecord, error) {
	var doc otlpJSONLogs
	if err := json.Unmarshal(line, &doc); err != nil {
		return nil, fmt.Errorf("not OTLP JSON logs: %w", err)
	}
	var out []LogRecord
	for _, rl := range doc.ResourceLogs {
		res := kvMap(rl.Resource.Attributes)
		for _, sl := range rl.ScopeLogs {
			for _, lr := range sl.LogRecords {
				rec := LogRecord{
					Severity: lr.SeverityNumber, SeverityText: lr.SeverityText,
					Attributes: kvMap(lr.Attributes), Resource: res,
				}
				if s, ok := lr.Body.value().(string); ok {
					rec.Body = s
				} else if v := lr.Body.value(); v != nil {
					rec.Body = fmt.Sprint(v)
				}
				if ns, err := strconv.ParseInt(lr.TimeUnixNano, 10, 64); err == nil {
					rec.Time = time.Unix(0, ns)
				}
				if lr.TraceID != "" {
					rec.TraceID, _ = ParseTraceID(lr.TraceID)
				}
				if lr.SpanID != "" {
					rec.SpanID, _ = ParseSpanID(lr.SpanID)
				}
				out = append(out, rec)
			}
		}
	}
	return out, nil
}
