package prometheus

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/otelbench/otelbench/verify"
)

// Client is a small client of Prometheus' HTTP API (and of the stores that speak it: VictoriaMetrics): PromQL instant queries, series lookup and readiness. It is
// safe for concurrent use.
type Client struct {
	baseURL string
	client  *http.Client
	params  url.Values // added to every request (see WithParams)
}

// NewClient returns a client of the Prometheus server at baseURL (e.g. http://127.0.0.1:9090). It ignores proxy
// settings: backends are on this host's loopback.
func NewClient(baseURL string) *Client {
	return &Client{baseURL: strings.TrimRight(baseURL, "/"), client: verify.LoopbackClient()}
}

// Query evaluates expr at the instant at (the server's now when at is zero) and returns the resulting instant
// vector; a scalar result comes back as one sample without labels. Native histogram samples have no single value:
// query them through histogram_count(), histogram_sum() and the like.
func (p *Client) Query(ctx context.Context, expr string, at time.Time) ([]verify.Sample, error) {
	form := url.Values{"query": {expr}}
	if !at.IsZero() {
		form.Set("time", promTime(at))
	}
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := p.call(ctx, "/api/v1/query", form, &data); err != nil {
		return nil, fmt.Errorf("promql %q: %w", expr, err)
	}
	switch data.ResultType {
	case "vector":
		var vec []struct {
			Metric    map[string]string `json:"metric"`
			Value     []json.RawMessage `json:"value"`
			Histogram json.RawMessage   `json:"histogram"`
		}
		if err := json.Unmarshal(data.Result, &vec); err != nil {
			return nil, fmt.Errorf("promql %q: decode vector: %w", expr, err)
		}
		out := make([]verify.Sample, 0, len(vec))
		for _, v := range vec {
			if v.Value == nil && v.Histogram != nil {
				return nil, fmt.Errorf("promql %q: series %v is a native histogram; query histogram_count() or histogram_sum() of it", expr, v.Metric)
			}
			s, err := sampleOf(v.Metric, v.Value)
			if err != nil {
				return nil, fmt.Errorf("promql %q: %w", expr, err)
			}
			out = append(out, s)
		}
		return out, nil
	case "scalar":
		var v []json.RawMessage
		if err := json.Unmarshal(data.Result, &v); err != nil {
			return nil, fmt.Errorf("promql %q: decode scalar: %w", expr, err)
		}
		s, err := sampleOf(map[string]string{}, v)
		if err != nil {
			return nil, fmt.Errorf("promql %q: %w", expr, err)
		}
		return []verify.Sample{s}, nil
	}
	return nil, fmt.Errorf("promql %q: result type %q; expected an instant vector or a scalar", expr, data.ResultType)
}

// Series returns the label sets of the series matching the selector match (e.g. `{job="otelbench"}`) that have
// samples between start and end.
func (p *Client) Series(ctx context.Context, match string, start, end time.Time) ([]map[string]string, error) {
	form := url.Values{"match[]": {match}, "start": {promTime(start)}, "end": {promTime(end)}}
	var series []map[string]string
	if err := p.call(ctx, "/api/v1/series", form, &series); err != nil {
		return nil, fmt.Errorf("prometheus series %s: %w", match, err)
	}
	return series, nil
}

// Ready returns nil once Prometheus answers /-/ready with 200 (it answers 503 while it replays its write-ahead log).
func (p *Client) Ready(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.baseURL+"/-/ready", nil)
	if err != nil {
		return fmt.Errorf("prometheus ready: %w", err)
	}
	status, body, err := verify.RoundTrip(p.client, req)
	if err != nil {
		return fmt.Errorf("prometheus ready: %w", err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("prometheus ready: %d %s", status, snippet(body))
	}
	return nil
}

// call posts form to the API endpoint path and decodes the data member of a successful answer into out. A failed
// answer becomes an error carrying Prometheus' own errorType and message.
func (p *Client) call(ctx context.Context, path string, form url.Values, out any) error {
	for k, v := range p.params {
		form[k] = v
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.baseURL+path, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, body, err := verify.RoundTrip(p.client, req)
	if err != nil {
		return err
	}
	var r struct {
		Status    string          `json:"status"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Status == "" {
		return fmt.Errorf("%d from %s: %s", status, path, snippet(body))
	}
	if r.Status != "success" {
		return fmt.Errorf("%d from %s: %s: %s", status, path, r.ErrorType, r.Error)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		return fmt.Errorf("decode %s answer: %w", path, err)
	}
	return nil
}

// sampleOf reads [unix seconds, "value"]: values are strings so that NaN and ±Inf survive JSON, times are decimal
// seconds with millisecond precision.
func sampleOf(labels map[string]string, v []json.RawMessage) (verify.Sample, error) {
	if len(v) != 2 {
		return verify.Sample{}, fmt.Errorf("malformed sample: %d elements, expected [time, value]", len(v))
	}
	t, err := parsePromTime(string(v[0]))
	if err != nil {
		return verify.Sample{}, err
	}
	var str string
	if err := json.Unmarshal(v[1], &str); err != nil {
		return verify.Sample{}, fmt.Errorf("sample value %s is not a string", v[1])
	}
	f, err := strconv.ParseFloat(str, 64)
	if err != nil {
		return verify.Sample{}, fmt.Errorf("sample value %q: %w", str, err)
	}
	if labels == nil {
		labels = map[string]string{}
	}
	return verify.Sample{Labels: labels, Value: f, Time: t}, nil
}

// parsePromTime reads decimal unix seconds ("1700000000.123") exactly, without a float's rounding.
func parsePromTime(s string) (time.Time, error) {
	sec, frac, _ := strings.Cut(s, ".")
	whole, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("sample time %q: %w", s, err)
	}
	var nanos int64
	if frac != "" {
		if len(frac) > 9 {
			frac = frac[:9]
		}
		nanos, err = strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("sample time %q: %w", s, err)
		}
	}
	return time.Unix(whole, nanos), nil
}

// promTime formats t as decimal unix seconds with millisecond precision, Prometheus' resolution.
func promTime(t time.Time) string {
	ms := t.UnixMilli()
	return fmt.Sprintf("%d.%03d", ms/1000, ms%1000)
}

// snippet is the start of a response body, for error messages.
func snippet(body []byte) string {
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

var _ verify.PromQL = (*Client)(nil)

// WithClient makes p use client (TLS, headers) and returns p.
func (p *Client) WithClient(client *http.Client) *Client {
	p.client = client
	return p
}

// WithParams adds params to every request p makes (a PromQL-compatible store's own options, such as
// a cache switch) and returns p.
func (p *Client) WithParams(params url.Values) *Client {
	p.params = params
	return p
}
