package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Sample is one element of a PromQL instant vector.
type Sample struct {
	Labels map[string]string
	Value  float64
	Time   time.Time
}

// Prometheus is a small client of Prometheus' HTTP API: PromQL instant queries and readiness.
type Prometheus struct {
	baseURL string
	client  *http.Client
}

// NewPrometheus returns a client of the Prometheus server at baseURL (e.g. http://127.0.0.1:9090).
func NewPrometheus(baseURL string) *Prometheus {
	return &Prometheus{baseURL: strings.TrimRight(baseURL, "/"), client: loopbackClient()}
}

// Query evaluates expr at the instant at and returns the resulting vector (a scalar comes back as one sample
// without labels).
func (p *Prometheus) Query(ctx context.Context, expr string, at time.Time) ([]Sample, error) {
	form := url.Values{"query": {expr}, "time": {strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.baseURL+"/api/v1/query", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, body, err := roundTrip(p.client, req)
	if err != nil {
		return nil, fmt.Errorf("promql: %w", err)
	}
	var r struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
		Data      struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("promql: %d: %.200s", status, body)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("promql %q: %s: %s", expr, r.ErrorType, r.Error)
	}
	switch r.Data.ResultType {
	case "vector":
		var vec []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		}
		if err := json.Unmarshal(r.Data.Result, &vec); err != nil {
			return nil, fmt.Errorf("promql: decode vector: %w", err)
		}
		out := make([]Sample, 0, len(vec))
		for _, v := range vec {
			s, err := sampleOf(v.Metric, v.Value)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	case "scalar":
		var v [2]any
		if err := json.Unmarshal(r.Data.Result, &v); err != nil {
			return nil, fmt.Errorf("promql: decode scalar: %w", err)
		}
		s, err := sampleOf(nil, v)
		if err != nil {
			return nil, err
		}
		return []Sample{s}, nil
	}
	return nil, fmt.Errorf("promql %q: result type %q; expected an instant vector", expr, r.Data.ResultType)
}

// sampleOf reads [unix seconds, "value"]; values are strings so that NaN and ±Inf survive JSON.
func sampleOf(labels map[string]string, v [2]any) (Sample, error) {
	ts, ok := v[0].(float64)
	str, ok2 := v[1].(string)
	if !ok || !ok2 {
		return Sample{}, fmt.Errorf("promql: malformed sample %v", v)
	}
	f, err := strconv.ParseFloat(str, 64)
	if err != nil {
		return Sample{}, fmt.Errorf("promql: sample value %q: %w", str, err)
	}
	return Sample{Labels: labels, Value: f, Time: time.UnixMilli(int64(ts * 1000))}, nil
}

// Ready returns nil once Prometheus answers /-/ready.
func (p *Prometheus) Ready(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.baseURL+"/-/ready", nil)
	if err != nil {
		return err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("prometheus ready: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("prometheus ready: %s", resp.Status)
	}
	return nil
}
