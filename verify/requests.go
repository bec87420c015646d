package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/otelbench/otelbench/verify/sampling"
)

// Request is one request an application under test answered, and what its server span must say of it.
type Request struct {
	// Seq is the request's sequence number in its load (for messages).
	Seq uint64
	// Trace and Parent are the IDs of the request's traceparent: the app's server span must be in that trace,
	// with that parent.
	Trace  trace.TraceID
	Parent trace.SpanID
	// Method, Route and Status are what the span's HTTP attributes must say: the request's method, the route the
	// scenario expects, and the status the app answered with.
	Method, Route string
	Status        int
	// Expect is what the app's sampler should do with the request's trace (default: keep it). UnsampledParent
	// says the request's traceparent had the sampled flag off.
	Expect          sampling.Decision
	UnsampledParent bool
}

// HTTP attribute names of the two generations of semantic conventions: the old ones (http.method,
// http.status_code) and the stable ones (http.request.method, http.response.status_code). http.route is both's.
var (
	methodKeys = []string{"http.request.method", "http.method"}
	statusKeys = []string{"http.response.status_code", "http.status_code"}
	// httpKeys are the HTTP attribute names reported as seen on server spans (Result.Attributes).
	httpKeys = []string{"http.method", "http.request.method", "http.status_code", "http.response.status_code", "http.route",
		"http.target", "http.url", "url.path", "url.scheme", "http.scheme", "url.query", "http.host", "server.address", "server.port",
		"net.host.name", "net.host.port", "http.flavor", "network.protocol.version", "http.user_agent", "user_agent.original",
		"client.address", "net.peer.ip", "network.peer.address", "http.server_name"}
)

// Semconv says which HTTP semantic conventions attribute names follow: "old", "stable", "both" or "".
func Semconv(seen map[string]int64) string {
	old := seen["http.method"] > 0 || seen["http.status_code"] > 0
	stable := seen["http.request.method"] > 0 || seen["http.response.status_code"] > 0
	switch {
	case old && stable:
		return "both"
	case old:
		return "old"
	case stable:
		return "stable"
	}
	return ""
}

// Requests reads back, from reader, the server span an application made of each request, until every one is
// found or opts.Window has passed since the call, and judges each: verified when the span is in the request's
// trace, a child of the request's span, of kind server (when the backend says), with the request's method,
// route and status; altered when it is there but says otherwise; lost when the trace holds no such span. Spans
// the app made below its server spans are counted (Result.SpansBelow), and the HTTP attribute names seen on
// server spans (Result.Attributes) tell which semantic conventions the app's instrumentation follows.
//
// Requests the app's sampler should drop (Request.Expect) are not waited for: missing, they are not sampled;
// found, unexpected. Those it may drop (Either) count as verified when found, not sampled when not. Once every
// request expected kept is settled, reading goes on only until nothing new has arrived for opts.Settle.
func Requests(ctx context.Context, reader TraceReader, reqs []Request, opts Options) (Result, error) {
	if opts.Interval <= 0 {
		opts.Interval = 100 * time.Millisecond
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Settle <= 0 {
		opts.Settle = DefaultSettle
	}
	res := Result{Traces: int64(len(reqs)), Attributes: map[string]int64{}}
	pending := make([]int, len(reqs))
	for i := range pending {
		pending[i] = i
		switch reqs[i].Expect {
		case sampling.Keep:
			res.Expected++
		case sampling.Either:
			res.EitherTotal++
		}
	}
	// partial: the trace was found without the server span under the request's span (yet).
	partial := map[int]string{}
	start := time.Now()
	deadline, lastArrival := start.Add(opts.Window), start
	var mu sync.Mutex
	for len(pending) > 0 {
		res.Rounds++
		var still []int
		batch := reader.BatchSize()
		sem := make(chan struct{}, opts.Concurrency)
		var wg sync.WaitGroup
		for lo := 0; lo < len(pending); lo += batch {
			chunk := pending[lo:min(lo+batch, len(pending))]
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				ids := make([]trace.TraceID, len(chunk))
				for k, i := range chunk {
					ids[k] = reqs[i].Trace
				}
				got, err := reader.Traces(ctx, ids)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					if ctx.Err() == nil {
						res.queryFailed(err)
					}
					still = append(still, chunk...)
					return
				}
				for _, i := range chunk {
					spans, ok := got[reqs[i].Trace]
					if !ok {
						still = append(still, i)
						continue
					}
					lastArrival = time.Now()
					if reqs[i].Expect == sampling.Drop {
						unexpected(&res, reqs[i], spans)
						continue
					}
					if why, done := judgeRequest(&res, reqs[i], spans); !done {
						partial[i] = why
						still = append(still, i)
					} else {
						delete(partial, i)
						if reqs[i].Expect == sampling.Either {
							res.EitherKept++
							res.Expected++
						}
					}
				}
			}()
		}
		wg.Wait()
		slices.Sort(still)
		pending = still
		if opts.Progress != nil {
			opts.Progress(res.Verified+notSampledSoFar(reqs, pending), int64(len(reqs)))
		}
		waiting := slices.ContainsFunc(pending, func(i int) bool { return reqs[i].Expect == sampling.Keep || partial[i] != "" })
		settled := time.Since(lastArrival) >= opts.Settle
		if len(pending) == 0 || (!waiting && settled) || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(opts.Interval):
		}
	}
	for _, i := range pending {
		r := reqs[i]
		if why, ok := partial[i]; ok {
			if r.Expect == sampling.Either {
				res.EitherKept++
				res.Expected++
			}
			res.Altered++
			res.problem(fmt.Sprintf("request %d (trace %s): %s", r.Seq, r.Trace, why))
			continue
		}
		if r.Expect != sampling.Keep {
			res.NotSampled++
			continue
		}
		res.Lost++
		res.problem(fmt.Sprintf("request %d (%s %s, trace %s): no span of it found", r.Seq, r.Method, r.Route, r.Trace))
	}
	if len(res.Attributes) == 0 {
		res.Attributes = nil
	}
	return res, nil
}

// DefaultSettle is Options.Settle when not set: long enough for an app's batch span processor (otelbench sets
// its delay to 200 ms) and a collector's batch on the way to have delivered what they hold.
const DefaultSettle = 3 * time.Second

// notSampledSoFar is how many of the pending requests would be counted not sampled if reading ended now.
func notSampledSoFar(reqs []Request, pending []int) int64 {
	var n int64
	for _, i := range pending {
		if reqs[i].Expect != sampling.Keep {
			n++
		}
	}
	return n
}

// unexpected counts the trace of a request its sampler should have dropped, which arrived.
func unexpected(res *Result, r Request, spans []Span) {
	res.Unexpected++
	if r.UnsampledParent {
		res.Violations++
		res.problem(fmt.Sprintf("request %d (trace %s): %d span(s) recorded under an unsampled parent (traceparent flags 00): the sampler should have dropped them", r.Seq, r.Trace, len(spans)))
		return
	}
	res.problem(fmt.Sprintf("request %d (trace %s): %d span(s) arrived; the sampler was predicted to drop this trace", r.Seq, r.Trace, len(spans)))
}

// TraceSearcher is a trace reader that can search the traces of a service in a time range (Jaeger, Zipkin): how
// the traces an application started itself, for requests sent without a traceparent, are found.
type TraceSearcher interface {
	Search(ctx context.Context, service string, since, until time.Time, limit int) (map[trace.TraceID][]Span, error)
}

// Roots counts the traces service started itself since since: those holding a server span without a parent,
// other than the known ones (the requests' own traces). It searches until the count has not changed for
// opts.Settle, or opts.Window has passed; limit bounds the traces one search returns, and should exceed the known
// ones and the roots expected together.
func Roots(ctx context.Context, s TraceSearcher, service string, since time.Time, known map[trace.TraceID]bool, limit int, opts Options) (int64, Result, error) {
	if opts.Settle <= 0 {
		opts.Settle = DefaultSettle
	}
	if opts.Interval <= 0 {
		opts.Interval = 500 * time.Millisecond
	}
	var res Result
	start := time.Now()
	deadline := start.Add(opts.Window)
	roots, changed := int64(-1), start
	for {
		res.Rounds++
		got, err := s.Search(ctx, service, since, time.Now(), limit)
		switch {
		case err != nil && ctx.Err() == nil:
			res.queryFailed(err)
		case err == nil:
			var n int64
			for id, spans := range got {
				if known[id] {
					continue
				}
				if slices.ContainsFunc(spans, func(sp Span) bool {
					return sp.ParentID == (trace.SpanID{}) && (sp.Kind == "" || sp.Kind == "server")
				}) {
					n++
				}
			}
			if n != roots {
				roots, changed = n, time.Now()
			}
			if len(got) >= limit {
				res.problem(fmt.Sprintf("the search of %s's traces returned its limit, %d: some traces may not have been counted", service, limit))
			}
		}
		if (roots >= 0 && time.Since(changed) >= opts.Settle) || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(opts.Interval):
		}
	}
	return max(roots, 0), res, ctx.Err()
}

// judgeRequest looks for the app's server span of r among spans (its trace); done is false when there is none
// yet (why says what was found instead).
func judgeRequest(res *Result, r Request, spans []Span) (why string, done bool) {
	var server []*Span
	for k := range spans {
		if spans[k].ParentID == r.Parent && (spans[k].Kind == "" || spans[k].Kind == "server") {
			server = append(server, &spans[k])
		}
	}
	if len(server) == 0 {
		return fmt.Sprintf("%d span(s) in the trace, none a server span whose parent is the request's span %s (did the app take the traceparent header?)", len(spans), r.Parent), false
	}
	sp := server[0]
	if len(server) > 1 {
		res.Duplicated += int64(len(server) - 1)
		res.problem(fmt.Sprintf("request %d (trace %s): %d server spans under the request's span", r.Seq, r.Trace, len(server)))
	}
	// Spans below: every span of the trace but the server span(s), all of which descend from the request.
	res.SpansBelow += int64(len(spans) - len(server))
	for k := range sp.Attributes {
		if slices.Contains(httpKeys, k) {
			res.Attributes[k]++
		}
	}
	var wrong []string
	if m, ok := firstString(sp.Attributes, methodKeys); !ok {
		wrong = append(wrong, "no http.request.method or http.method")
	} else if m != r.Method {
		wrong = append(wrong, fmt.Sprintf("method %s, sent %s", m, r.Method))
	}
	switch rt, ok := firstString(sp.Attributes, []string{"http.route"}); {
	case r.Route == "" && rt != "":
		wrong = append(wrong, fmt.Sprintf("route %s, expected none", rt))
	case r.Route != "" && !ok:
		wrong = append(wrong, "no http.route (expected "+r.Route+")")
	case r.Route != "" && rt != r.Route:
		wrong = append(wrong, fmt.Sprintf("route %s, expected %s", rt, r.Route))
	}
	if s, ok := firstString(sp.Attributes, statusKeys); !ok {
		wrong = append(wrong, "no http.response.status_code or http.status_code")
	} else if s != strconv.Itoa(r.Status) {
		wrong = append(wrong, fmt.Sprintf("status %s, the app answered %d", s, r.Status))
	}
	if len(wrong) > 0 {
		res.Altered++
		res.problem(fmt.Sprintf("request %d (trace %s) server span %q: %v", r.Seq, r.Trace, sp.Name, wrong))
		return "", true
	}
	res.Verified++
	res.Complete++
	return "", true
}

// firstString is the first of keys attrs has, as a string (numbers formatted as integers).
func firstString(attrs map[string]any, keys []string) (string, bool) {
	for _, k := range keys {
		v, ok := attrs[k]
		if !ok {
			continue
		}
		switch x := v.(type) {
		case string:
			return x, true
		case int64:
			return strconv.FormatInt(x, 10), true
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), true
		default:
			return fmt.Sprint(x), true
		}
	}
	return "", false
}

// CountQuery reads one number from a backend: the value of a counter (or a histogram's count) summed over the
// series a selector picks, at the latest sample.
type CountQuery func(ctx context.Context) (value float64, found bool, err error)

// RequestCount waits until the app's request count (what query reads, less before, the value before the load
// started) equals answered, or opts.Window passes, and judges it: verified when equal; with fewer counted the
// difference is lost; with more, duplicated.
func RequestCount(ctx context.Context, query CountQuery, before float64, answered int64, opts Options) (Result, float64, error) {
	if opts.Interval <= 0 {
		opts.Interval = 250 * time.Millisecond
	}
	res := Result{Expected: answered}
	deadline := time.Now().Add(opts.Window)
	var counted float64
	var found bool
	for {
		res.Rounds++
		v, ok, err := query(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			res.queryFailed(err)
		case ok:
			found, counted = true, v-before
		}
		got := int64(counted + 0.5)
		if opts.Progress != nil {
			opts.Progress(min(got, answered), answered)
		}
		if (found && got == answered) || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(opts.Interval):
		}
	}
	got := int64(counted + 0.5)
	switch {
	case !found:
		res.Lost = answered
		res.problem("the app's request count was not found in the backend")
	case got == answered:
		res.Verified = answered
	case got < answered:
		res.Verified, res.Lost = got, answered-got
		res.problem(fmt.Sprintf("the app's request count rose by %d; it answered %d requests", got, answered))
	default:
		res.Verified, res.Duplicated = answered, got-answered
		res.problem(fmt.Sprintf("the app's request count rose by %d; it answered %d requests", got, answered))
	}
	return res, counted, nil
}

// RequestLogs is what an application's logs must hold of one request: Want records carrying its trace ID.
type RequestLogs struct {
	Seq   uint64
	Trace trace.TraceID
	Want  int
}

// AppLogs reads records from src until every request has its records, or opts.Window has passed since the
// call, and judges them in records: a request's records found up to Want are verified, those missing lost, those
// beyond Want duplicated. Only records whose resource has service.instance.id instance count (the app's, in this
// run); records of the app that carry no trace ID of a request are not judged.
func AppLogs(ctx context.Context, src LogSource, reqs []RequestLogs, instance string, opts Options) (Result, error) {
	if opts.Interval <= 0 {
		opts.Interval = 250 * time.Millisecond
	}
	want := map[trace.TraceID]int{}
	for _, r := range reqs {
		want[r.Trace] += r.Want
	}
	var res Result
	for _, r := range reqs {
		res.Expected += int64(r.Want)
	}
	found := map[trace.TraceID]int{}
	deadline := time.Now().Add(opts.Window)
	complete := func() bool {
		for id, n := range want {
			if found[id] < n {
				return false
			}
		}
		return true
	}
	for {
		res.Rounds++
		recs, err := src(ctx)
		if err != nil {
			if errors.Is(err, ErrUnreadable) {
				return res, err
			}
			if ctx.Err() == nil {
				res.queryFailed(err)
			}
		}
		for _, rec := range recs {
			if id, _ := rec.Resource["service.instance.id"].(string); id != instance {
				continue
			}
			if _, ok := want[rec.TraceID]; ok {
				found[rec.TraceID]++
			}
		}
		var verified int64
		for id, n := range want {
			verified += int64(min(found[id], n))
		}
		if opts.Progress != nil {
			opts.Progress(verified, res.Expected)
		}
		if complete() || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(opts.Interval):
		}
	}
	for _, r := range reqs {
		n, w := found[r.Trace], r.Want
		switch {
		case n < w:
			res.Verified += int64(n)
			res.Lost += int64(w - n)
			res.problem(fmt.Sprintf("request %d (trace %s): %d of %d log records found", r.Seq, r.Trace, n, w))
		default:
			res.Verified += int64(w)
			if n > w {
				res.Duplicated += int64(n - w)
				res.problem(fmt.Sprintf("request %d (trace %s): %d log records found, %d expected", r.Seq, r.Trace, n, w))
			}
		}
	}
	res.Traces = int64(len(reqs))
	return res, nil
}

// ServiceLister is a trace reader that can list the services its backend holds spans of (Jaeger, Zipkin): what
// tells an app that exported nothing from one whose spans landed in other traces.
type ServiceLister interface {
	Services(ctx context.Context) ([]string, error)
}

// ListServices reads a list of service names from u: {"data": [...]} (wrapped) or [...].
func ListServices(ctx context.Context, client *http.Client, u, backend string, wrapped bool) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	status, body, err := RoundTrip(client, req)
	if err != nil {
		return nil, fmt.Errorf("list %s services: %w", backend, err)
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("list %s services: %d: %.200s", backend, status, body)
	}
	var out []string
	if wrapped {
		var w struct {
			Data []string `json:"data"`
		}
		err = json.Unmarshal(body, &w)
		out = w.Data
	} else {
		err = json.Unmarshal(body, &out)
	}
	if err != nil {
		return nil, fmt.Errorf("list %s services: decode: %w", backend, err)
	}
	return out, nil
}
