package verify

import (
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// What the read clients of the backends (in their folders under containers/) share.

// ParseTraceID reads a hex trace ID as a read API writes it; some (Jaeger) leave out leading zeros, so shorter
// strings are left-padded.
func ParseTraceID(s string) (trace.TraceID, error) {
	var id trace.TraceID
	if len(s) > 32 {
		return id, fmt.Errorf("trace ID %q is longer than 32 hex digits", s)
	}
	b, err := hex.DecodeString(strings.Repeat("0", 32-len(s)) + s)
	if err != nil {
		return id, fmt.Errorf("trace ID %q: %w", s, err)
	}
	copy(id[:], b)
	return id, nil
}

// ParseSpanID reads a hex span ID, left-padded like ParseTraceID.
func ParseSpanID(s string) (trace.SpanID, error) {
	var id trace.SpanID
	if len(s) > 16 {
		return id, fmt.Errorf("span ID %q is longer than 16 hex digits", s)
	}
	b, err := hex.DecodeString(strings.Repeat("0", 16-len(s)) + s)
	if err != nil {
		return id, fmt.Errorf("span ID %q: %w", s, err)
	}
	copy(id[:], b)
	return id, nil
}

// RoundTrip sends req with client and reads the whole answer.
func RoundTrip(client *http.Client, req *http.Request) (status int, body []byte, err error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// LoopbackClient is an HTTP client that ignores proxy settings: backends are on this host's loopback.
func LoopbackClient() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     90 * time.Second,
		},
	}
}
