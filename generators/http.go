package generators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"go.opentelemetry.io/otel/trace"
)

// HTTPRequest is one kind of request an HTTP load sends.
type HTTPRequest struct {
	Method, Path, Body string
	Headers            map[string]string
	// Weight is how often this kind is picked relative to the others (at least 1).
	Weight int
	// Status is the status the answer must have; 0 means any status below 400.
	Status int
}

// HTTPLoadConfig configures an HTTP load: requests at an application under test, each carrying a W3C
// traceparent whose IDs are derived like the synthetic ones, so that the app's telemetry of each request can be
// found again.
type HTTPLoadConfig struct {
	// Stream names the load in ID derivation (the workload's name).
	Stream string
	// BaseURL is the app's base URL (http://127.0.0.1:8000).
	BaseURL  string
	Requests []HTTPRequest
	Schedule *Schedule
	IDs      IDs
	// MaxInFlight bounds the requests waiting for an answer; a request due while that many wait is not sent.
	MaxInFlight int
	// Timeout bounds one request (default 30s).
	Timeout time.Duration
	// Unsampled and NoParent are the shares of requests sent with an unsampled traceparent (flags 00) and with
	// none; the rest carry a sampled one (flags 01). Which requests they are is derived from the sequence number.
	Unsampled, NoParent float64
}

// Traceparent is what a request says of its parent span.
type Traceparent int

const (
	// TraceparentSampled: 00-<trace>-<span>-01.
	TraceparentSampled Traceparent = iota
	// TraceparentUnsampled: 00-<trace>-<span>-00.
	TraceparentUnsampled
	// TraceparentNone: no traceparent header; the app starts a trace of its own.
	TraceparentNone
)

// HTTPResult is what became of one request.
type HTTPResult struct {
	// Kind is the index of the request in HTTPLoadConfig.Requests.
	Kind int
	// Sent is false for a request that was due while MaxInFlight requests waited.
	Sent bool
	// Status is the answer's status code; 0 when there was no answer, Err says why.
	Status int
	Err    string
}

// Answered reports whether the request got an HTTP answer.
func (r HTTPResult) Answered() bool { return r.Status != 0 }

// HTTPLoad drives requests at an app on a schedule, open loop: a request is sent when it is due, whether or not
// earlier ones were answered. Request seq carries traceparent 00-TraceID(stream, seq)-SpanID(trace, 0)-01 (or -00,
// or none: ParentOf).
type HTTPLoad struct {
	cfg      HTTPLoadConfig
	client   *http.Client
	total    int
	emitted  atomic.Uint64
	answered atomic.Int64
	inFlight atomic.Int64
	wg       sync.WaitGroup

	mu        sync.Mutex
	results   []HTTPResult
	latency   *hdrhistogram.Histogram // from due time, microseconds
	service   *hdrhistogram.Histogram // from send time
	start     time.Time
	end, last time.Time
}

var _ Stream = (*HTTPLoad)(nil)

// NewHTTPLoad checks cfg and returns a load ready to Run.
func NewHTTPLoad(cfg HTTPLoadConfig) (*HTTPLoad, error) {
	if len(cfg.Requests) == 0 {
		return nil, errors.New("http load: no requests")
	}
	if cfg.Schedule == nil {
		return nil, errors.New("http load: no schedule")
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 256
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	total := 0
	for _, r := range cfg.Requests {
		total += max(r.Weight, 1)
	}
	transport := &http.Transport{
		Proxy:               nil, // load goes to the app, never through a proxy the environment names
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        cfg.MaxInFlight,
		MaxIdleConnsPerHost: cfg.MaxInFlight,
		IdleConnTimeout:     30 * time.Second,
	}
	return &HTTPLoad{
		cfg: cfg, client: &http.Client{Transport: transport, Timeout: cfg.Timeout}, total: total,
		results: make([]HTTPResult, 0, cfg.Schedule.Slots()),
		latency: NewLatencyHistogram(), service: NewLatencyHistogram(),
	}, nil
}

// KindOf is the index of the request kind request seq is: a weighted pick that spreads every kind evenly over
// the run and needs nothing stored to be re-derived.
func (l *HTTPLoad) KindOf(seq uint64) int {
	x := (seq * 0x9e3779b97f4a7c15) >> 11 % uint64(l.total)
	for i, r := range l.cfg.Requests {
		w := uint64(max(r.Weight, 1))
		if x < w {
			return i
		}
		x -= w
	}
	return len(l.cfg.Requests) - 1
}

// TraceParent is the trace ID and parent span ID request seq carries (unless ParentOf says it carries none).
func (l *HTTPLoad) TraceParent(seq uint64) (trace.TraceID, trace.SpanID) {
	tid := l.cfg.IDs.TraceID(l.cfg.Stream, seq)
	return tid, SpanID(tid, 0)
}

// ParentOf is what request seq says of its parent: a uniform draw derived from seq (splitmix64, independent of
// the kind pick) against the shares of unsampled and missing parents.
func (l *HTTPLoad) ParentOf(seq uint64) Traceparent {
	if l.cfg.Unsampled <= 0 && l.cfg.NoParent <= 0 {
		return TraceparentSampled
	}
	z := seq + 0x632be59bd9b4e019
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	u := float64(z>>11) / (1 << 53)
	switch {
	case u < l.cfg.Unsampled:
		return TraceparentUnsampled
	case u < l.cfg.Unsampled+l.cfg.NoParent:
		return TraceparentNone
	}
	return TraceparentSampled
}

// Run sends every request on schedule, then waits for every answer (or its timeout).
func (l *HTTPLoad) Run(ctx context.Context) error {
	start, end, _ := Drive(ctx, l.cfg.Schedule, &l.emitted, func(seq uint64) {
		due := l.cfg.Schedule.DueAt(seq)
		kind := l.KindOf(seq)
		l.mu.Lock()
		if l.start.IsZero() {
			l.start = time.Now().Add(-due)
		}
		begin := l.start
		l.results = append(l.results, HTTPResult{Kind: kind})
		l.mu.Unlock()
		if l.inFlight.Load() >= int64(l.cfg.MaxInFlight) {
			return
		}
		l.inFlight.Add(1)
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			defer l.inFlight.Add(-1)
			l.send(ctx, seq, kind, begin.Add(due))
		}()
	})
	l.wg.Wait()
	l.mu.Lock()
	l.start, l.end, l.last = start, end, time.Now()
	l.mu.Unlock()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// send sends request seq and records its result.
func (l *HTTPLoad) send(ctx context.Context, seq uint64, kind int, due time.Time) {
	r := l.cfg.Requests[kind]
	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	res := HTTPResult{Kind: kind, Sent: true}
	req, err := http.NewRequestWithContext(ctx, r.Method, strings.TrimRight(l.cfg.BaseURL, "/")+r.Path, body)
	if err != nil {
		res.Err = err.Error()
		l.record(seq, res, 0, 0)
		return
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	if r.Body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	switch tid, sid := l.TraceParent(seq); l.ParentOf(seq) {
	case TraceparentSampled:
		req.Header.Set("traceparent", "00-"+tid.String()+"-"+sid.String()+"-01")
	case TraceparentUnsampled:
		req.Header.Set("traceparent", "00-"+tid.String()+"-"+sid.String()+"-00")
	}
	sent := time.Now()
	resp, err := l.client.Do(req)
	if err != nil {
		res.Err = shortError(err)
		l.record(seq, res, 0, 0)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	done := time.Now()
	res.Status = resp.StatusCode
	l.answered.Add(1)
	l.record(seq, res, done.Sub(due), done.Sub(sent))
}

func (l *HTTPLoad) record(seq uint64, res HTTPResult, latency, service time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.results[seq] = res
	if res.Answered() {
		_ = l.latency.RecordValue(clampMicros(latency))
		_ = l.service.RecordValue(clampMicros(service))
	}
}

// shortError is an error without the URL net/http puts in front of it.
func shortError(err error) string {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			var op *net.OpError
			if errors.As(inner, &op) {
				return op.Op + ": " + op.Err.Error()
			}
			return inner.Error()
		}
	}
	return err.Error()
}

// Emitted is how many requests were due so far (sent or not).
func (l *HTTPLoad) Emitted() uint64 { return l.emitted.Load() }

// Slots is how many requests the schedule offers.
func (l *HTTPLoad) Slots() uint64 { return l.cfg.Schedule.Slots() }

// Answered is how many requests got an answer so far.
func (l *HTTPLoad) Answered() int64 { return l.answered.Load() }

// Results is what became of each request, by sequence number; complete once Run has returned.
func (l *HTTPLoad) Results() []HTTPResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]HTTPResult(nil), l.results...)
}

// HTTPStats is the load-tester side of an HTTP load.
type HTTPStats struct {
	Requests, Answered, Failed, NotSent int64
	Statuses                            map[string]int64
	UnexpectedStatus                    int64
	Errors                              map[string]int64
	// Latency is from each request's due time to its answer; Service from its send.
	Latency, Service Quantiles
}

// HTTPStats summarises the results so far.
func (l *HTTPLoad) HTTPStats() HTTPStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := HTTPStats{Statuses: map[string]int64{}, Errors: map[string]int64{}, Latency: QuantilesOf(l.latency), Service: QuantilesOf(l.service)}
	for _, r := range l.results {
		switch {
		case !r.Sent:
			st.NotSent++
			continue
		case r.Answered():
			st.Answered++
			st.Statuses[strconv.Itoa(r.Status)]++
			if want := l.cfg.Requests[r.Kind].Status; (want != 0 && r.Status != want) || (want == 0 && r.Status >= 400) {
				st.UnexpectedStatus++
			}
		default:
			st.Failed++
			if len(st.Errors) < 16 || st.Errors[r.Err] > 0 {
				st.Errors[r.Err]++
			}
		}
		st.Requests++
	}
	return st
}

// Stats is the load as a stream: requests are its items.
func (l *HTTPLoad) Stats() StreamStats {
	l.mu.Lock()
	start, end, last := l.start, l.end, l.last
	l.mu.Unlock()
	n := l.emitted.Load()
	st := StreamStats{Slots: l.Slots(), Emitted: n, Items: n, Start: start, End: end, Flushed: last}
	if st.Slots > n {
		st.Missed = st.Slots - n
	}
	if d := l.cfg.Schedule.Duration().Seconds(); d > 0 {
		st.TargetRate = float64(st.Slots) / d
		st.AchievedRate = float64(n) / d
	}
	return st
}

// String describes the load for messages.
func (l *HTTPLoad) String() string {
	return fmt.Sprintf("%d kinds of request at %s", len(l.cfg.Requests), l.cfg.BaseURL)
}
