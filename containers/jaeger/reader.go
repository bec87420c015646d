package jaeger

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/otelbench/otelbench/verify"
)

// Reader reads traces from Jaeger's query service HTTP API (GET /api/traces?traceID=...&raw=true), many IDs per
// request. raw=true skips Jaeger's adjusters, so what is compared is what was stored (the span-ID deduplicator, for
// one, would otherwise hide duplicates).
type Reader struct {
	// BaseURL is the query service's base URL, e.g. http://127.0.0.1:16686.
	BaseURL string
	// Client is the HTTP client; nil means one that ignores proxy settings.
	Client *http.Client
}

// NewReader returns a reader for the query service at baseURL.
func NewReader(baseURL string) *Reader {
	return &Reader{BaseURL: strings.TrimRight(baseURL, "/"), Client: verify.LoopbackClient()}
}

var (
	_ verify.TraceReader   = (*Reader)(nil)
	_ verify.TraceSearcher = (*Reader)(nil)
	_ verify.ServiceLister = (*Reader)(nil)
)

// WithClient makes j use client (TLS, headers) and returns j.
func (j *Reader) WithClient(client *http.Client) *Reader {
	j.Client = client
	return j
}

// Services lists the services Jaeger holds spans of (GET /api/services).
func (j *Reader) Services(ctx context.Context) ([]string, error) {
	return verify.ListServices(ctx, j.Client, j.BaseURL+"/api/services", "jaeger", true)
}

// Name is "jaeger".
func (*Reader) Name() string { return "jaeger" }

// BatchSize keeps request URLs near 4 KB.
func (*Reader) BatchSize() int { return 100 }

type response struct {
	Data []struct {
		TraceID string `json:"traceID"`
		Spans   []struct {
			TraceID       string `json:"traceID"`
			SpanID        string `json:"spanID"`
			OperationName string `json:"operationName"`
			References    []struct {
				RefType string `json:"refType"`
				TraceID string `json:"traceID"`
				SpanID  string `json:"spanID"`
			} `json:"references"`
			Logs []struct {
				Fields []struct {
					Key   string          `json:"key"`
					Value json.RawMessage `json:"value"`
				} `json:"fields"`
			} `json:"logs"`
			StartTime int64 `json:"startTime"` // µs since the epoch
			Duration  int64 `json:"duration"`  // µs
			Tags      []struct {
				Key   string          `json:"key"`
				Type  string          `json:"type"`
				Value json.RawMessage `json:"value"`
			} `json:"tags"`
		} `json:"spans"`
	} `json:"data"`
	Errors []struct {
		Code    int    `json:"code"`
		Msg     string `json:"msg"`
		TraceID string `json:"traceID"`
	} `json:"errors"`
}

// Traces implements TraceReader.
func (j *Reader) Traces(ctx context.Context, ids []trace.TraceID) (map[trace.TraceID][]verify.Span, error) {
	q := url.Values{"raw": {"true"}}
	for _, id := range ids {
		q.Add("traceID", id.String())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.BaseURL+"/api/traces?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	// Jaeger answers 404 when none of the IDs is found, with the same body shape.
	status, body, err := verify.RoundTrip(j.Client, req)
	if err != nil {
		return nil, fmt.Errorf("query jaeger: %w", err)
	}
	if status != http.StatusOK && status != http.StatusNotFound {
		return nil, fmt.Errorf("query jaeger: %d: %.200s", status, body)
	}
	return decode(body)
}

// Search lists the traces of service that Jaeger holds with spans between since and until (GET /api/traces with
// service, start, end and limit): at most limit traces, each with all its spans.
func (j *Reader) Search(ctx context.Context, service string, since, until time.Time, limit int) (map[trace.TraceID][]verify.Span, error) {
	q := url.Values{"service": {service}, "start": {fmt.Sprint(since.UnixMicro())}, "end": {fmt.Sprint(until.UnixMicro())},
		"limit": {fmt.Sprint(limit)}, "raw": {"true"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.BaseURL+"/api/traces?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	status, body, err := verify.RoundTrip(j.Client, req)
	if err != nil {
		return nil, fmt.Errorf("search jaeger: %w", err)
	}
	if status == http.StatusNotFound {
		return map[trace.TraceID][]verify.Span{}, nil
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("search jaeger: %d: %.200s", status, body)
	}
	return decode(body)
}

// decode reads the spans of a /api/traces answer by trace.
func decode(body []byte) (map[trace.TraceID][]verify.Span, error) {
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("query jaeger: decode response: %w", err)
	}
	for _, e := range r.Errors {
		if e.TraceID == "" || !strings.Contains(strings.ToLower(e.Msg), "not found") {
			return nil, fmt.Errorf("query jaeger: %s", e.Msg)
		}
	}
	out := make(map[trace.TraceID][]verify.Span, len(r.Data))
	for _, t := range r.Data {
		for _, s := range t.Spans {
			sp := verify.Span{
				Name:       s.OperationName,
				Start:      time.UnixMicro(s.StartTime),
				End:        time.UnixMicro(s.StartTime + s.Duration),
				Attributes: make(map[string]any, len(s.Tags)),
			}
			var err error
			if sp.TraceID, err = verify.ParseTraceID(s.TraceID); err != nil {
				return nil, fmt.Errorf("query jaeger: %w", err)
			}
			if sp.SpanID, err = verify.ParseSpanID(s.SpanID); err != nil {
				return nil, fmt.Errorf("query jaeger: %w", err)
			}
			for _, ref := range s.References {
				id, err := verify.ParseSpanID(ref.SpanID)
				if err != nil {
					return nil, fmt.Errorf("query jaeger: %w", err)
				}
				// OTLP parents become CHILD_OF references; links become FOLLOWS_FROM (or CHILD_OF when the
				// trace ID differs and no parent is set, which otelbench's links never are).
				if ref.RefType == "CHILD_OF" && sp.ParentID == (trace.SpanID{}) && ref.TraceID == s.TraceID {
					sp.ParentID = id
				} else {
					sp.Links = append(sp.Links, id)
				}
			}
			for _, tag := range s.Tags {
				val := tagValue(tag.Type, tag.Value)
				switch tag.Key {
				case "span.kind":
					sp.Kind = strings.ToLower(fmt.Sprint(val))
				case "otel.status_code":
					sp.Status = strings.ToLower(fmt.Sprint(val))
				case "otel.status_description":
					sp.StatusMessage = fmt.Sprint(val)
				case "error":
					if sp.Status == "" && val == true {
						sp.Status = "error"
					}
				}
				sp.Attributes[tag.Key] = val
			}
			if sp.Kind == "" {
				sp.Kind = "internal" // Jaeger leaves out span.kind for internal spans
			}
			for _, l := range s.Logs {
				for _, f := range l.Fields {
					if f.Key == "event" {
						var name string
						if json.Unmarshal(f.Value, &name) == nil {
							sp.Events = append(sp.Events, name)
						}
					}
				}
			}
			out[sp.TraceID] = append(out[sp.TraceID], sp)
		}
	}
	return out, nil
}

// tagValue converts a tag's JSON value to the Go type of its Jaeger type; unknown types stay as raw text.
func tagValue(typ string, raw json.RawMessage) any {
	switch strings.ToLower(typ) {
	case "string":
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	case "int64":
		var n int64
		if json.Unmarshal(raw, &n) == nil {
			return n
		}
	case "float64":
		var f float64
		if json.Unmarshal(raw, &f) == nil {
			return f
		}
	case "bool":
		var b bool
		if json.Unmarshal(raw, &b) == nil {
			return b
		}
	}
	return string(raw)
}
