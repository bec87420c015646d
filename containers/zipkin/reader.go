package zipkin

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

// Reader reads traces from a Zipkin server's v2 API, many per request (GET /api/v2/traceMany?traceIds=a,b,...).
// Zipkin keeps tags as strings, has no links, and turns events into annotations; Fidelity says so, and the
// verifier reports those changes instead of counting spans as altered.
type Reader struct {
	baseURL string
	client  *http.Client
}

// NewReader returns a reader for the Zipkin server at baseURL (e.g. http://127.0.0.1:9411).
func NewReader(baseURL string) *Reader {
	return &Reader{baseURL: strings.TrimRight(baseURL, "/"), client: verify.LoopbackClient()}
}

var (
	_ verify.TraceReader      = (*Reader)(nil)
	_ verify.TraceSearcher    = (*Reader)(nil)
	_ verify.ServiceLister    = (*Reader)(nil)
	_ verify.FidelityReporter = (*Reader)(nil)
)

// WithClient makes z use client (TLS, headers) and returns z.
func (z *Reader) WithClient(client *http.Client) *Reader {
	z.client = client
	return z
}

// Services lists the services Zipkin holds spans of (GET /api/v2/services).
func (z *Reader) Services(ctx context.Context) ([]string, error) {
	return verify.ListServices(ctx, z.client, z.baseURL+"/api/v2/services", "zipkin", false)
}

// Name is "zipkin".
func (*Reader) Name() string { return "zipkin" }

// BatchSize keeps request URLs near 4 KB.
func (*Reader) BatchSize() int { return 100 }

// Fidelity implements FidelityReporter: Zipkin tags are strings.
func (*Reader) Fidelity() verify.Fidelity { return verify.Fidelity{StringAttributes: true} }

type zipkinSpan struct {
	TraceID     string `json:"traceId"`
	ParentID    string `json:"parentId"`
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	Timestamp   int64  `json:"timestamp"` // µs
	Duration    int64  `json:"duration"`  // µs
	Annotations []struct {
		Value string `json:"value"`
	} `json:"annotations"`
	Tags map[string]string `json:"tags"`
}

// Traces implements TraceReader. Zipkin's traceMany answers 400 for a single ID, so one ID is read with
// GET /api/v2/trace/{id} instead.
func (z *Reader) Traces(ctx context.Context, ids []trace.TraceID) (map[trace.TraceID][]verify.Span, error) {
	if len(ids) == 0 {
		return map[trace.TraceID][]verify.Span{}, nil
	}
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = id.String()
	}
	u := z.baseURL + "/api/v2/traceMany?traceIds=" + url.QueryEscape(strings.Join(list, ","))
	if len(ids) == 1 {
		u = z.baseURL + "/api/v2/trace/" + list[0]
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	status, body, err := verify.RoundTrip(z.client, req)
	if err != nil {
		return nil, fmt.Errorf("query zipkin: %w", err)
	}
	if status == http.StatusNotFound {
		return map[trace.TraceID][]verify.Span{}, nil
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("query zipkin: %d: %.200s", status, body)
	}
	var traces [][]zipkinSpan
	if len(ids) == 1 {
		var one []zipkinSpan
		if err := json.Unmarshal(body, &one); err != nil {
			return nil, fmt.Errorf("query zipkin: decode response: %w", err)
		}
		traces = append(traces, one)
	} else if err := json.Unmarshal(body, &traces); err != nil {
		return nil, fmt.Errorf("query zipkin: decode response: %w", err)
	}
	return zipkinTraces(traces)
}

// Search lists the traces of service that Zipkin holds with spans between since and until (GET /api/v2/traces
// with serviceName, endTs, lookback and limit; Zipkin keeps service names in lower case).
func (z *Reader) Search(ctx context.Context, service string, since, until time.Time, limit int) (map[trace.TraceID][]verify.Span, error) {
	q := url.Values{"serviceName": {strings.ToLower(service)}, "endTs": {fmt.Sprint(until.UnixMilli())},
		"lookback": {fmt.Sprint(max(until.Sub(since).Milliseconds(), 1))}, "limit": {fmt.Sprint(limit)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, z.baseURL+"/api/v2/traces?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	status, body, err := verify.RoundTrip(z.client, req)
	if err != nil {
		return nil, fmt.Errorf("search zipkin: %w", err)
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("search zipkin: %d: %.200s", status, body)
	}
	var traces [][]zipkinSpan
	if err := json.Unmarshal(body, &traces); err != nil {
		return nil, fmt.Errorf("search zipkin: decode response: %w", err)
	}
	return zipkinTraces(traces)
}

// zipkinTraces converts Zipkin's traces to the verifier's spans, by trace.
func zipkinTraces(traces [][]zipkinSpan) (map[trace.TraceID][]verify.Span, error) {
	out := make(map[trace.TraceID][]verify.Span, len(traces))
	for _, t := range traces {
		for _, s := range t {
			sp, err := s.span()
			if err != nil {
				return nil, fmt.Errorf("query zipkin: %w", err)
			}
			out[sp.TraceID] = append(out[sp.TraceID], sp)
		}
	}
	return out, nil
}

// span converts a Zipkin v2 span to the verifier's form.
func (s zipkinSpan) span() (verify.Span, error) {
	sp := verify.Span{
		Name:       s.Name,
		Kind:       strings.ToLower(s.Kind),
		Start:      time.UnixMicro(s.Timestamp),
		End:        time.UnixMicro(s.Timestamp + s.Duration),
		Attributes: make(map[string]any, len(s.Tags)),
	}
	var err error
	if sp.TraceID, err = verify.ParseTraceID(s.TraceID); err != nil {
		return sp, err
	}
	if sp.SpanID, err = verify.ParseSpanID(s.ID); err != nil {
		return sp, err
	}
	if s.ParentID != "" {
		if sp.ParentID, err = verify.ParseSpanID(s.ParentID); err != nil {
			return sp, err
		}
	}
	// The Go SDK's exporter and the collector's encode status, events and links differently; both are read.
	for k, v := range s.Tags {
		sp.Attributes[k] = v
		switch {
		case k == "otel.status_code":
			// "OK"/"ERROR" from the Go SDK, "STATUS_CODE_OK"/"STATUS_CODE_ERROR" from the collector.
			sp.Status = strings.TrimPrefix(strings.ToLower(v), "status_code_")
		case k == "error":
			if sp.Status == "" {
				sp.Status = "error"
			}
			if v != "true" && sp.StatusMessage == "" {
				sp.StatusMessage = v // the Go SDK puts the description here
			}
		case k == "otel.status_description":
			sp.StatusMessage = v
		case strings.HasPrefix(k, "otlp.link."):
			// The collector keeps links as tags: "traceid|spanid|tracestate|{attributes}|dropped".
			parts := strings.Split(v, "|")
			if len(parts) > 1 {
				if id, err := verify.ParseSpanID(parts[1]); err == nil {
					sp.Links = append(sp.Links, id)
				}
			}
		}
	}
	for _, a := range s.Annotations {
		// Events become annotations: "name" or "name: {attributes}" (Go SDK), "name|{attributes}|dropped"
		// (collector).
		name, _, _ := strings.Cut(a.Value, ": ")
		name, _, _ = strings.Cut(name, "|")
		sp.Events = append(sp.Events, name)
	}
	return sp, nil
}
