package verify

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// ConsoleLogs reads back the log records the SDK's console exporter (stdoutlog) wrote to the file at path, one
// JSON object per line.
func ConsoleLogs(path string) LogSource {
	return func(context.Context) ([]LogRecord, error) {
		f, err := os.Open(path)
		if os.IsNotExist(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read console output: %w", err)
		}
		defer f.Close()
		var out []LogRecord
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
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
			if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
				continue // a line cut short while the exporter writes
			}
			rec := LogRecord{Severity: raw.Severity, SeverityText: raw.SeverityText, Attributes: map[string]any{}}
			if raw.Timestamp != nil {
				rec.Time = *raw.Timestamp
			}
			body := consoleKV{}
			body.Value.Type, body.Value.Value = raw.Body.Type, raw.Body.Value
			rec.Body = fmt.Sprint(body.value())
			for _, kv := range raw.Attributes {
				rec.Attributes[kv.Key] = kv.value()
			}
			if id, err := parseTraceID(raw.TraceID); err == nil {
				rec.TraceID = id
			}
			if id, err := parseSpanID(raw.SpanID); err == nil {
				rec.SpanID = id
			}
			out = append(out, rec)
		}
		return out, sc.Err()
	}
}
