package verify

import (
	"context"
	"crypto/tls"
	"net/http"
	"time"
)

// MetricReader is how a metrics stream is read back: from a PromQL API, with the store's naming (PromReader),
// or from OTLP data points as a collector's files or the console hold them (SourceReader).
type MetricReader interface {
	VerifyMetrics(ctx context.Context, exp MetricExpectation, opts Options) (Result, error)
}

// PromReader reads metrics back with PromQL instant queries. Naming, when set, replaces the expectation's.
type PromReader struct {
	Q      PromQL
	Naming *Naming
}

// VerifyMetrics is Metrics against r.Q.
func (r PromReader) VerifyMetrics(ctx context.Context, exp MetricExpectation, opts Options) (Result, error) {
	if r.Naming != nil {
		exp.Naming = r.Naming
	}
	return Metrics(ctx, r.Q, exp, opts)
}

// SourceReader reads metrics back from a source of OTLP data points.
type SourceReader struct{ Src MetricSource }

// VerifyMetrics is MetricsFromSource of r.Src.
func (r SourceReader) VerifyMetrics(ctx context.Context, exp MetricExpectation, opts Options) (Result, error) {
	return MetricsFromSource(ctx, r.Src, exp, opts)
}

// HTTPClient is a client for a read API: TLS as given (nil: plain HTTP, or the system's roots for https), headers
// added to every request (API keys, tenant IDs), no proxy, and a bound on each request.
func HTTPClient(tlsConfig *tls.Config, headers map[string]string) *http.Client {
	var rt http.RoundTripper = &http.Transport{
		Proxy:               nil,
		TLSClientConfig:     tlsConfig,
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	if len(headers) > 0 {
		rt = headerTransport{base: rt, headers: headers}
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: rt}
}

// headerTransport adds headers to every request.
type headerTransport struct {
	base    http.RoundTripper
	headers map[string]string
}

func (t headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	for k, v := range t.headers {
		req.Header.Set(k, v)
	}
	return t.base.RoundTrip(req)
}
