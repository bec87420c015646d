package console

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/otelbench/otelbench/verify"
)

// LogSource reads back the log records the SDK's console exporter (stdoutlog) wrote to the file at path, one
// JSON object per line; each call returns the records written since the previous one.
func LogSource(path string) verify.LogSource {
	t := verify.NewLineTail("", path)
	return func(context.Context) ([]verify.LogRecord, error) {
		var out []verify.LogRecord
		err := t.Next(func(line []byte) error {
			var raw struct {
				Timestamp    *time.Time
				Severity     int
				SeverityText string
				Body         struct {
					Type  string
					Value json.RawMessage
				}
				Attributes []consoleKV
				TraceID    string
				SpanID     string
			}
			if err := json.Unmarshal(line, &raw); err != nil {
				return fmt.Errorf("not a console log record: %w", err)
			}
			rec := verify.LogRecord{Severity: raw.Severity, SeverityText: raw.SeverityText, Attributes: map[string]any{}}
			if raw.Timestamp != nil {
				rec.Time = *raw.Timestamp
			}
			body := consoleKV{}
			body.Value.Type, body.Value.Value = raw.Body.Type, raw.Body.Value
			rec.Body = fmt.Sprint(body.value())
			for _, kv := range raw.Attributes {
				rec.Attributes[kv.Key] = kv.value()
			}
			if id, err := verify.ParseTraceID(raw.TraceID); err == nil {
				rec.TraceID = id
			}
			if id, err := verify.ParseSpanID(raw.SpanID); err == nil {
				rec.SpanID = id
			}
			out = append(out, rec)
			return nil
		})
		return out, err
	}
}
