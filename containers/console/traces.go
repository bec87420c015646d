package console

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/otelbench/otelbench/verify"
)

// TraceReader reads back the spans the SDK's console exporter (stdouttrace) wrote to a file, one JSON object per
// line. It reads what was appended since the last call, so repeated queries stay cheap.
type TraceReader struct {
	path string

	mu     sync.Mutex
	offset int64
	spans  map[trace.TraceID][]verify.Span
}

// NewTraceReader returns a reader of the console exporter's output file at path.
func NewTraceReader(path string) *TraceReader {
	return &TraceReader{path: path, spans: map[trace.TraceID][]verify.Span{}}
}

// Name is "console".
func (*TraceReader) Name() string { return "console" }

// BatchSize has no limit worth having for a local file.
func (*TraceReader) BatchSize() int { return 1000 }

// stdouttrace's JSON form of a span (tracetest.SpanStub).
type consoleSpan struct {
	Name        string
	SpanContext struct{ TraceID, SpanID string }
	Parent      struct{ TraceID, SpanID string }
	SpanKind    int
	StartTime   time.Time
	EndTime     time.Time
	Attributes  []consoleKV
	Events      []struct{ Name string }
	Links       []struct {
		SpanContext struct{ TraceID, SpanID string }
	}
	Status struct{ Code, Description string }
}

type consoleKV struct {
	Key   string
	Value struct {
		Type  string
		Value json.RawMessage
	}
}

// value converts an attribute's JSON form back to its Go type.
func (kv consoleKV) value() any {
	var out any
	switch kv.Value.Type {
	case "INT64":
		var n int64
		if json.Unmarshal(kv.Value.Value, &n) == nil {
			return n
		}
	case "FLOAT64":
		var f float64
		if json.Unmarshal(kv.Value.Value, &f) == nil {
			return f
		}
	case "BOOL":
		var b bool
		if json.Unmarshal(kv.Value.Value, &b) == nil {
			return b
		}
	case "STRING":
		var s string
		if json.Unmarshal(kv.Value.Value, &s) == nil {
			return s
		}
	}
	_ = json.Unmarshal(kv.Value.Value, &out)
	return out
}

var spanKinds = map[int]string{1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}

// Traces implements TraceReader.
func (c *TraceReader) Traces(_ context.Context, ids []trace.TraceID) (map[trace.TraceID][]verify.Span, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.readNew(); err != nil {
		return nil, err
	}
	out := make(map[trace.TraceID][]verify.Span, len(ids))
	for _, id := range ids {
		if s, ok := c.spans[id]; ok {
			out[id] = s
		}
	}
	return out, nil
}

// readNew parses the complete lines appended since the last call.
func (c *TraceReader) readNew() error {
	f, err := os.Open(c.path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read console output: %w", err)
	}
	defer f.Close()
	if _, err := f.Seek(c.offset, io.SeekStart); err != nil {
		return fmt.Errorf("read console output: %w", err)
	}
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			return nil // a partial last line is read again next time
		}
		if err != nil {
			return fmt.Errorf("read console output: %w", err)
		}
		c.offset += int64(len(line))
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var cs consoleSpan
		if err := json.Unmarshal(line, &cs); err != nil {
			return fmt.Errorf("read console output: line at byte %d: %w", c.offset-int64(len(line)), err)
		}
		sp := verify.Span{Name: cs.Name, Start: cs.StartTime, End: cs.EndTime, Kind: spanKinds[cs.SpanKind], Attributes: map[string]any{}}
		if sp.TraceID, err = verify.ParseTraceID(cs.SpanContext.TraceID); err != nil {
			return err
		}
		if sp.SpanID, err = verify.ParseSpanID(cs.SpanContext.SpanID); err != nil {
			return err
		}
		if p := strings.Trim(cs.Parent.SpanID, "0"); p != "" {
			if sp.ParentID, err = verify.ParseSpanID(cs.Parent.SpanID); err != nil {
				return err
			}
		}
		for _, kv := range cs.Attributes {
			sp.Attributes[kv.Key] = kv.value()
		}
		for _, e := range cs.Events {
			sp.Events = append(sp.Events, e.Name)
		}
		for _, l := range cs.Links {
			if id, err := verify.ParseSpanID(l.SpanContext.SpanID); err == nil {
				sp.Links = append(sp.Links, id)
			}
		}
		switch cs.Status.Code {
		case "Ok":
			sp.Status = "ok"
		case "Error":
			sp.Status, sp.StatusMessage = "error", cs.Status.Description
		}
		c.spans[sp.TraceID] = append(c.spans[sp.TraceID], sp)
	}
}
