package generators

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc/stats"
)

// ExporterConfig says how to build one SDK exporter.
type ExporterConfig struct {
	// Protocol is a registered protocol's name (LookupProtocol).
	Protocol string
	// Endpoint is the receiver's host:port (OTLP), the URL spans are posted to (Zipkin), or a file (console).
	Endpoint string
	// URLPath overrides the OTLP HTTP path of the signal (Prometheus' receiver is at /api/v1/otlp/v1/metrics).
	URLPath string
	// TLS, when set, secures the connection (OTLP: https or gRPC over TLS); nil means plain connections, as to a
	// backend on this host.
	TLS *tls.Config
	// Headers go on every export request (API keys, tenant IDs).
	Headers map[string]string
	// External says the backend is one otelbench did not start: the standard OTEL_EXPORTER_OTLP_* TLS variables
	// then apply where the scenario sets no TLS (see withEnv).
	External bool
	// Compression is "none" or "gzip".
	Compression string
	// Timeout bounds one export call, retries included.
	Timeout time.Duration
	// Retry, when set, is how an OTLP exporter retries a failed export; nil keeps otelbench's default for traces
	// (after 100 ms, backing off to 1 s, for at most Timeout) and the SDK's for metrics and logs.
	Retry *Retry
}

// Retry is an OTLP exporter's retry of failed exports, as the SDK's RetryConfig says it.
type Retry struct {
	Enabled                                      bool
	InitialInterval, MaxInterval, MaxElapsedTime time.Duration
}

// traceRetry is cfg's retry for a trace exporter: Retry, or otelbench's default.
func (cfg ExporterConfig) traceRetry() Retry {
	if cfg.Retry != nil {
		return *cfg.Retry
	}
	return Retry{Enabled: true, InitialInterval: 100 * time.Millisecond, MaxInterval: time.Second, MaxElapsedTime: cfg.Timeout}
}

// measuredSpanExporter times every ExportSpans call of the SDK exporter it wraps.
type measuredSpanExporter struct {
	sdktrace.SpanExporter
	rec *Recorder
}

func (m *measuredSpanExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	start := time.Now()
	err := m.SpanExporter.ExportSpans(ctx, spans)
	m.rec.Record(len(spans), time.Since(start), err)
	m.rec.RecordSpans(spans, err)
	return exportError(err)
}

// wireCounter is a gRPC stats handler counting the bytes of every outgoing message as sent on the wire.
type wireCounter struct{ rec *Recorder }

func (w wireCounter) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (w wireCounter) HandleRPC(_ context.Context, s stats.RPCStats) {
	switch p := s.(type) {
	case *stats.OutPayload:
		w.rec.AddBytes(int64(p.WireLength))
	case *stats.Begin:
		w.rec.Attempt() // every RPC the exporter makes: a call's first, or a retry
	}
}
func (w wireCounter) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (w wireCounter) HandleConn(context.Context, stats.ConnStats)                       {}

// countingTransport counts the request body bytes its base transport actually reads and sends, whatever the
// request's ContentLength says: the SDK's OTLP HTTP exporters send a gzip body with ContentLength -1 (unknown,
// sent chunked), so the length cannot be taken from the request. Like wireCounter for gRPC, every attempt that
// sends its body is counted: each of the SDK's retries comes through RoundTrip with a fresh body, and the
// transport's own replays (after a dead keep-alive connection) take theirs from GetBody, which is counted too.
// An attempt whose connection cannot be made reads no body and counts nothing.
type countingTransport struct {
	base http.RoundTripper
	rec  *Recorder
}

func (t countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.rec.Attempt() // every request the exporter makes: a call's first, or a retry
	if req.Body == nil || req.Body == http.NoBody {
		return t.base.RoundTrip(req)
	}
	// A RoundTripper must not modify req: send a shallow copy (headers and URL shared, nothing of the body
	// copied) whose body counts what the transport reads from it.
	r := *req
	r.Body = countBody(req.Body, t.rec)
	if getBody := req.GetBody; getBody != nil {
		r.GetBody = func() (io.ReadCloser, error) {
			b, err := getBody()
			if err != nil || b == nil || b == http.NoBody {
				return b, err
			}
			return countBody(b, t.rec), nil
		}
	}
	return t.base.RoundTrip(&r)
}

// countBody wraps body so that rec counts every byte read from it. The SDK's bodies are in-memory readers with
// WriteTo, which the transport uses to write the whole body at once; the wrapper keeps that path (no copy
// through an intermediate buffer) when body has it.
func countBody(body io.ReadCloser, rec *Recorder) io.ReadCloser {
	c := countingBody{ReadCloser: body, rec: rec}
	if _, ok := body.(io.WriterTo); ok {
		return &countingBodyWriterTo{c}
	}
	return &c
}

// countingBody counts the bytes read from a request body.
type countingBody struct {
	io.ReadCloser
	rec *Recorder
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.rec.AddBytes(int64(n))
	}
	return n, err
}

// countingBodyWriterTo is a countingBody whose body has WriteTo; it counts the bytes written.
type countingBodyWriterTo struct{ countingBody }

func (b *countingBodyWriterTo) WriteTo(w io.Writer) (int64, error) {
	n, err := b.ReadCloser.(io.WriterTo).WriteTo(w)
	if n > 0 {
		b.rec.AddBytes(n)
	}
	return n, err
}

// loopbackTransport is an HTTP transport that ignores proxy settings: otelbench's load goes to the backend's
// address and nowhere else.
// httpClient is the HTTP client of cfg's exporters: no proxy, cfg's TLS, request bodies counted by rec, each
// request bounded by timeout (0: the exporter bounds it).
func (cfg ExporterConfig) httpClient(rec *Recorder, timeout time.Duration) *http.Client {
	t := loopbackTransport()
	t.TLSClientConfig = cfg.TLS
	return &http.Client{Timeout: timeout, Transport: countingTransport{base: t, rec: rec}}
}

func loopbackTransport() *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false,
	}
}

// MeasureSpanExporter wraps any span exporter so that rec sees every export call (NewTraceExporter does this
// for the exporters otelbench builds).
func MeasureSpanExporter(exp sdktrace.SpanExporter, rec *Recorder) sdktrace.SpanExporter {
	return &measuredSpanExporter{SpanExporter: exp, rec: rec}
}
