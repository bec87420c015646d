package verify

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"

	"github.com/otelbench/otelbench/generators"
)

// TraceExpectation is what one trace stream sent, described so that every span can be re-derived.
type TraceExpectation struct {
	// Stream, Workload, Shape, IDs and Values are the stream's generator settings.
	Stream   string
	Workload string
	Shape    generators.Shape
	IDs      generators.IDs
	Values   *generators.Values
	// Emitted returns how many traces the stream has emitted so far (sequence numbers Stripe.Seq(0 ..
	// Emitted()-1)). It is polled while the stream sends.
	Emitted func() uint64
	// Stripe is the part of the stream's schedule the sender sent (a shard's); the zero Stripe is all of it.
	Stripe generators.Stripe
	// Sent is closed when the stream has stopped sending and flushed its exporter; Emitted is final then.
	Sent <-chan struct{}
	// WatchEvery, when above 1, is how sparsely traces are watched while the stream sends: only every
	// WatchEvery-th trace is queried then, and the others once sending has ended. Read-back competes with sending
	// for the machine; this keeps it to a sample while sending (the sample measures emit-to-queryable latency)
	// and leaves the full check for after.
	WatchEvery uint64
	// Scheduled, when set, says when trace seq was due by the stream's schedule (zero: not known yet).
	Scheduled func(seq uint64) time.Time
	// Sampled, when set, predicts whether the sender's sampler kept the trace with this ID: a trace it did not is
	// not read back, and its spans count as Result.NotSampled (never lost).
	Sampled func(trace.TraceID) bool
	// Erased, when set, says (once Sent is closed) whether the backend stored the trace with this ID and then lost
	// it with its memory store at a stop or restart (faults): a trace not verified by the end whose spans it
	// erased counts as Result.Erased, not lost, and is not expected.
	Erased func(trace.TraceID) bool
	// Undelivered, when set, returns how many spans the sender knows never reached the backend: dropped in the
	// SDK, or carried by export calls that failed. It is read once Sent is closed. When every span still missing
	// is accounted for by it, verification ends without waiting out the window: the outcome is certain.
	Undelivered func() int64
}

// Options tune a verification.
type Options struct {
	// Window is the eventual-consistency window: how long after sending ends missing items are re-queried before
	// they are declared lost.
	Window time.Duration
	// Interval is the pause between query rounds. Default 100ms.
	Interval time.Duration
	// Concurrency is the number of queries in flight. Default 4.
	Concurrency int
	// Lost, when set, is told of every item lost, by its sequence number (a trace's with the spans of it lost, a
	// log record's with 1), once verification ends: when each was due places the loss in time.
	Lost func(seq uint64, items int64)
	// Found, when set, is told when each item was first found whole (a trace with every span, a log record),
	// by its sequence number: when an item sent into a fault could be read again.
	Found func(seq uint64, at time.Time)
	// Progress, when set, is called after every round with the spans verified so far and the spans expected.
	Progress func(verified, expected int64)
	// Settle (an application's requests) is how long reading goes on after the last arrival once nothing is
	// expected any more, so that traces a sampler should have dropped have the time to show. Default DefaultSettle.
	Settle time.Duration
}

// Result is the verdict on one stream. Item counts: Expected = Verified + Altered + Lost (+ Overflowed for metrics);
// Duplicated counts extra copies on top.
type Result struct {
	// Traces is the number of traces expected; Complete of them were found with every span.
	Traces, Complete int64
	// Expected is the number of spans sent (traces emitted × spans per trace).
	Expected int64
	// Verified spans were found exactly as sent.
	Verified int64
	// Lost spans were not found within the window.
	Lost int64
	// Duplicated counts spans found more than once (the extra copies).
	Duplicated int64
	// Altered spans were found but differ from what was sent (name, parent, attributes), or were unexpected.
	Altered int64
	// Overflowed (metrics) counts data points the SDK folded into its overflow series (otel.metric.overflow=true)
	// because an instrument had more attribute sets than its cardinality limit, together with the data points of
	// the series that overflow made incomplete. OverflowedSeries names those series ("counter g0-s1999"), the
	// first few of them, and OverflowedSeriesCount counts them all.
	Overflowed            int64
	OverflowedSeries      []string
	OverflowedSeriesCount int64
	// Visibility is the emit-to-queryable latency of complete traces: from the end of the root span to the first
	// query that found the whole trace. Its resolution is one query round.
	Visibility generators.Quantiles
	// VisibilityFromSchedule is the same latency measured from when each trace was due by the schedule
	// (TraceExpectation.Scheduled): it includes the time a sender that fell behind held the trace.
	VisibilityFromSchedule generators.Quantiles
	// Rounds is the number of query rounds; QueryErrors of the backend calls failed (and were retried).
	Rounds, QueryErrors int64
	// Problems holds a few examples of what was lost or altered, for humans.
	Problems []string
	// Changes counts, per kind of change, what the backend changed or dropped in items that still count as
	// verified: the fields it does not keep (links, events, status, kind) and the conversions it is known to make
	// (attribute types). Root spans are compared field by field.
	Changes map[string]int64
	// SpansBelow (an application's requests) counts the spans the app made below its server spans.
	SpansBelow int64
	// Attributes (an application's requests) counts the HTTP attribute names seen on the app's server spans.
	Attributes map[string]int64
	// Sampled requests (an application's, Requests): NotSampled counts the requests whose trace the sampler was
	// expected to drop, or might drop, and that did not arrive; they are not in Expected. Unexpected counts those
	// expected dropped that arrived anyway, Violations the part of them sent with an unsampled parent (a span
	// under an unsampled parent). EitherTotal counts the requests a sampler of unknown rule decides, EitherKept
	// those of them that arrived (and are in Expected): their share is checked against the ratio.
	NotSampled, Unexpected, Violations int64
	EitherTotal, EitherKept            int64
	// Erased counts the spans of traces the backend acknowledged and then lost with its memory store at a stop or
	// restart (TraceExpectation.Erased): not in Expected, not lost.
	Erased int64
}

// Passed reports whether every expected span was verified and nothing was duplicated, altered or overflowed.
func (r Result) Passed() bool {
	return r.Expected > 0 && r.Verified == r.Expected && r.Lost == 0 && r.Duplicated == 0 && r.Altered == 0 && r.Overflowed == 0
}

const maxProblems = 10

// queryFailed counts a failed backend call (it is retried next round) and keeps the first few messages.
func (r *Result) queryFailed(err error) {
	r.QueryErrors++
	if r.QueryErrors <= 3 {
		r.Problems = append(r.Problems, err.Error())
	}
}

// problem keeps msg as an example for humans, up to maxProblems of them.
func (r *Result) problem(msg string) {
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, msg)
	}
}

// pendingTrace is a trace not yet found whole.
type pendingTrace struct {
	seq  uint64
	id   trace.TraceID
	last check // the most recent observation; zero when never found
	// watched: queried since it was emitted, so the time it was found measures emit-to-queryable latency.
	watched bool
}

// check is the comparison of what a backend holds for one trace with what was sent.
type check struct {
	found, intact, altered, duplicated int
	rootEnd                            time.Time
	problem                            string
	changes                            []string
}

// Traces verifies one trace stream against reader. It queries while the stream sends, so that emit-to-queryable
// latency is measured as it happens, and keeps re-querying what is missing for opts.Window after exp.Sent is
// closed. It returns early only when ctx is cancelled, with what it knows so far and ctx's error.
func Traces(ctx context.Context, reader TraceReader, exp TraceExpectation, opts Options) (Result, error) {
	if opts.Interval <= 0 {
		opts.Interval = 100 * time.Millisecond
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	v := &traceVerifier{reader: reader, exp: exp, opts: opts, parents: exp.Shape.Parents(), latency: generators.NewLatencyHistogram(),
		fromSchedule: generators.NewLatencyHistogram()}
	if f, ok := reader.(FidelityReporter); ok {
		v.fidelity = f.Fidelity()
	}
	v.res.Changes = map[string]int64{}
	return v.run(ctx)
}

type traceVerifier struct {
	reader  TraceReader
	exp     TraceExpectation
	opts    Options
	parents []int

	known uint64 // traces emitted and seen so far
	// notSampled counts the traces emitted so far that the sender's sampler was predicted to drop.
	notSampled int64
	// sampledUpTo: the traces below it were emitted while sending, when only a sample was added to pending.
	sampledUpTo uint64
	expanded    bool // addUnsampled ran
	// The pending traces: watched ones are queried every round; the others wait in queue[head:] and are queried
	// a bounded number at a time, in turn, each requeued at the tail until it is found whole. passEnd is where
	// the current pass over the queue ends: until then rounds follow each other at once (backlog).
	watched       []*pendingTrace
	queue         []*pendingTrace
	head, passEnd int
	backlog       bool
	missing       int64 // spans of pending traces not found (yet)
	res           Result
	latency       *hdrhistogram.Histogram // visibility, µs
	fromSchedule  *hdrhistogram.Histogram // visibility from the scheduled time, µs
	fidelity      Fidelity
}

func (v *traceVerifier) run(ctx context.Context) (Result, error) {
	h := v.latency
	var deadline time.Time
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			v.finish()
			v.res.Visibility, v.res.VisibilityFromSchedule = generators.FinalQuantiles(h), generators.FinalQuantiles(v.fromSchedule)
			return v.res, ctx.Err()
		case <-timer.C:
		}
		sent := false
		if deadline.IsZero() {
			select {
			case <-v.exp.Sent:
				sent = true
			default:
			}
		} else {
			sent = true
		}
		// Read Emitted after checking Sent, so that once Sent is seen the count is final.
		every := max(v.exp.WatchEvery, 1)
		if n := v.exp.Emitted(); n > v.known {
			for j := v.known; j < n; j++ {
				if j%every == 0 || sent {
					seq := v.exp.Stripe.Seq(j)
					v.consider(&pendingTrace{seq: seq, id: v.exp.IDs.TraceID(v.exp.Stream, seq), watched: !sent || every == 1})
				}
			}
			v.known = n
		}
		if sent && deadline.IsZero() {
			deadline = time.Now().Add(v.opts.Window)
			v.addUnsampled()
		}
		if !sent {
			v.sampledUpTo = v.known
		}
		v.round(ctx)
		if v.opts.Progress != nil {
			v.opts.Progress(v.res.Verified, (int64(v.known)-v.notSampled)*int64(len(v.parents)))
		}
		if sent && (v.pendingCount() == 0 || !time.Now().Before(deadline) || v.accountedFor()) {
			v.finish()
			v.res.Visibility, v.res.VisibilityFromSchedule = generators.FinalQuantiles(h), generators.FinalQuantiles(v.fromSchedule)
			return v.res, nil
		}
		if v.backlog {
			timer.Reset(0)
		} else {
			timer.Reset(v.opts.Interval)
		}
	}
}

// consider makes p pending, unless the sender's sampler was predicted to drop it.
func (v *traceVerifier) consider(p *pendingTrace) {
	if v.exp.Sampled != nil && !v.exp.Sampled(p.id) {
		v.notSampled++
		return
	}
	v.add(p)
}

// add makes p pending.
func (v *traceVerifier) add(p *pendingTrace) {
	if p.watched {
		v.watched = append(v.watched, p)
	} else {
		v.queue = append(v.queue, p)
	}
	v.missing += int64(len(v.parents))
}

func (v *traceVerifier) pendingCount() int { return len(v.watched) + len(v.queue) - v.head }

// round queries every watched trace, so that the time each is found measures its visibility, and at most
// maxUnwatchedBatches batches of the others, taken in turn from the queue, so that a round (and with it the next
// look at the watched traces) stays short however much is pending. It settles the traces found whole.
func (v *traceVerifier) round(ctx context.Context) {
	if v.pendingCount() == 0 {
		return
	}
	v.res.Rounds++
	size := max(v.reader.BatchSize(), 1)
	if v.head >= v.passEnd {
		v.passEnd = len(v.queue) // a new pass over what is queued now
	}
	turn := v.queue[v.head:min(v.head+maxUnwatchedBatches*size, v.passEnd)]
	v.head += len(turn)
	v.backlog = v.head < v.passEnd
	query := append(slices.Clip(v.watched), turn...)
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(v.opts.Concurrency)
	for batch := range slices.Chunk(query, size) {
		g.Go(func() error {
			ids := make([]trace.TraceID, len(batch))
			for i, p := range batch {
				ids[i] = p.id
			}
			found, err := v.reader.Traces(ctx, ids)
			seen := time.Now()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				v.res.QueryErrors++
				if ctx.Err() == nil && len(v.res.Problems) < maxProblems && v.res.QueryErrors <= 3 {
					v.res.Problems = append(v.res.Problems, fmt.Sprintf("query %s: %v", v.reader.Name(), err))
				}
				return nil
			}
			for _, p := range batch {
				spans, ok := found[p.id]
				if !ok {
					continue
				}
				before := p.last.found
				p.last = v.compare(p, spans)
				v.missing -= int64(p.last.found - before)
				if p.watched && p.last.found >= len(v.parents) && !p.last.rootEnd.IsZero() {
					_ = v.latency.RecordValue(generators.ClampMicros(seen.Sub(p.last.rootEnd)))
					if v.exp.Scheduled != nil {
						if due := v.exp.Scheduled(p.seq); !due.IsZero() {
							_ = v.fromSchedule.RecordValue(generators.ClampMicros(seen.Sub(due)))
						}
					}
				}
			}
			return nil
		})
	}
	_ = g.Wait()
	// Settle traces that are whole: every expected span was found (intact or not); requeue the rest of the turn.
	whole := func(p *pendingTrace) bool {
		if p.last.found < len(v.parents) {
			return false
		}
		v.settle(p)
		v.res.Complete++
		if v.opts.Found != nil {
			v.opts.Found(p.seq, time.Now())
		}
		return true
	}
	kept := v.watched[:0]
	for _, p := range v.watched {
		if !whole(p) {
			kept = append(kept, p)
		}
	}
	clear(v.watched[len(kept):])
	v.watched = kept
	for _, p := range turn {
		if !whole(p) {
			v.queue = append(v.queue, p)
		}
	}
	if v.head > 4096 && v.head > len(v.queue)/2 { // drop what the head has passed, now and then
		n := copy(v.queue, v.queue[v.head:])
		clear(v.queue[n:])
		v.queue = v.queue[:n]
		v.passEnd -= v.head
		v.head = 0
	}
}

// accountedFor reports whether every span still missing is one the sender knows never reached the backend.
// Missing counts only grow wrong upward (a trace not queried again keeps its older, smaller find), so it never ends
// verification too early.
func (v *traceVerifier) accountedFor() bool {
	if v.exp.Undelivered == nil {
		return false
	}
	return v.missing <= v.exp.Undelivered()
}

// addUnsampled adds to pending the traces left out of the sample while sending: they are checked from now on, not
// watched (how long they took to become visible is not known).
func (v *traceVerifier) addUnsampled() {
	every := max(v.exp.WatchEvery, 1)
	if v.expanded || every == 1 {
		return
	}
	v.expanded = true
	for j := range v.sampledUpTo {
		if j%every != 0 {
			seq := v.exp.Stripe.Seq(j)
			v.consider(&pendingTrace{seq: seq, id: v.exp.IDs.TraceID(v.exp.Stream, seq)})
		}
	}
}

// maxUnwatchedBatches bounds the unwatched traces one round queries, in batches of the reader's BatchSize.
const maxUnwatchedBatches = 16

// finish settles every trace still pending: what was found counts, the rest is lost.
func (v *traceVerifier) finish() {
	v.addUnsampled()
	var erased int64
	for _, p := range append(v.watched, v.queue[v.head:]...) {
		if v.exp.Erased != nil && v.exp.Erased(p.id) {
			erased++ // whatever of it was found is what came after the backend's restart
			continue
		}
		v.settle(p)
		if len(v.res.Problems) < maxProblems {
			if p.last.found == 0 {
				v.res.Problems = append(v.res.Problems, fmt.Sprintf("%s: trace %d (%s) not found", v.exp.Stream, p.seq, p.id))
			} else {
				v.res.Problems = append(v.res.Problems, fmt.Sprintf("%s: trace %d (%s) has %d of %d spans",
					v.exp.Stream, p.seq, p.id, p.last.found, len(v.parents)))
			}
		}
	}
	v.watched, v.queue, v.head, v.passEnd = nil, nil, 0, 0
	v.res.Traces = int64(v.known) - v.notSampled - erased
	v.res.Expected = v.res.Traces * int64(len(v.parents))
	v.res.NotSampled = v.notSampled * int64(len(v.parents))
	v.res.Erased = erased * int64(len(v.parents))
}

func (v *traceVerifier) settle(p *pendingTrace) {
	n := len(v.parents)
	v.res.Verified += int64(p.last.intact)
	v.res.Altered += int64(p.last.altered)
	v.res.Duplicated += int64(p.last.duplicated)
	v.res.Lost += int64(n - p.last.found)
	if lost := n - p.last.found; lost > 0 && v.opts.Lost != nil {
		v.opts.Lost(p.seq, int64(lost))
	}
	for _, c := range p.last.changes {
		v.res.Changes[c]++
	}
	if p.last.problem != "" && len(v.res.Problems) < maxProblems {
		v.res.Problems = append(v.res.Problems, p.last.problem)
	}
}

// compare checks the spans a backend returned for trace p against what the generator sent.
func (v *traceVerifier) compare(p *pendingTrace, spans []Span) check {
	n := len(v.parents)
	var c check
	seen := make([]int, n)
	for i := range spans {
		sp := &spans[i]
		idx := v.indexOf(p.id, sp.SpanID)
		if idx < 0 {
			c.altered++ // a span nobody sent, counted against the trace
			c.note(fmt.Sprintf("%s: trace %d has unexpected span %s %q", v.exp.Stream, p.seq, sp.SpanID, sp.Name))
			continue
		}
		seen[idx]++
		if seen[idx] > 1 {
			c.duplicated++
			c.note(fmt.Sprintf("%s: trace %d span %d returned %d times", v.exp.Stream, p.seq, idx, seen[idx]))
			continue
		}
		c.found++
		if idx == 0 {
			c.rootEnd = sp.End
			c.changes = v.rootChanges(p, sp)
		}
		if msg := v.diff(p, idx, sp, &c); msg != "" {
			c.altered++
			c.note(fmt.Sprintf("%s: trace %d span %d: %s", v.exp.Stream, p.seq, idx, msg))
			continue
		}
		c.intact++
	}
	return c
}

func (c *check) note(msg string) {
	if c.problem == "" {
		c.problem = msg
	}
}

// indexOf finds which span of trace tid has ID id, or -1.
func (v *traceVerifier) indexOf(tid trace.TraceID, id trace.SpanID) int {
	for i := range v.parents {
		if generators.SpanID(tid, i) == id {
			return i
		}
	}
	return -1
}

// rootChanges compares the fields only root spans carry (kind, status, event, link) and names what the backend
// changed or dropped.
func (v *traceVerifier) rootChanges(p *pendingTrace, sp *Span) []string {
	var out []string
	switch sp.Kind {
	case "server":
	case "":
		out = append(out, "span kind dropped")
	default:
		out = append(out, "span kind changed to "+sp.Kind)
	}
	wantStatus := "ok"
	if p.seq%generators.RootErrorEvery == 0 {
		wantStatus = "error"
	}
	switch {
	case sp.Status == wantStatus:
		if wantStatus == "error" && sp.StatusMessage != generators.RootErrorMessage {
			out = append(out, "status message dropped")
		}
	case sp.Status == "" && wantStatus == "ok":
		out = append(out, "status ok dropped (unset)")
	case sp.Status == "":
		out = append(out, "status error dropped")
	default:
		out = append(out, "status "+wantStatus+" changed to "+sp.Status)
	}
	if !slices.Contains(sp.Events, generators.RootEvent) {
		out = append(out, "events dropped")
	}
	if p.seq > 0 {
		prev := v.exp.IDs.TraceID(v.exp.Stream, p.seq-1)
		if !slices.Contains(sp.Links, generators.SpanID(prev, 0)) {
			out = append(out, "links dropped")
		}
	}
	return out
}

// diff says how span idx of trace p differs from what was sent, or "" when it does not. Changes the backend is
// known to make (Fidelity) are accepted and noted in c.
func (v *traceVerifier) diff(p *pendingTrace, idx int, sp *Span, c *check) string {
	if want := generators.SpanName(v.exp.Workload, idx); sp.Name != want {
		return fmt.Sprintf("name %q, expected %q", sp.Name, want)
	}
	var wantParent trace.SpanID
	if pi := v.parents[idx]; pi >= 0 {
		wantParent = generators.SpanID(p.id, pi)
	}
	if sp.ParentID != wantParent {
		return fmt.Sprintf("parent %s, expected %s", sp.ParentID, wantParent)
	}
	for key, want := range map[string]int64{generators.AttrSeq: int64(p.seq), generators.AttrSpan: int64(idx)} {
		got, ok := sp.Attributes[key]
		if ok && got != want && v.fidelity.StringAttributes && got == strconv.FormatInt(want, 10) {
			if idx == 0 && key == generators.AttrSeq {
				c.changes = append(c.changes, "int attributes became strings")
			}
			continue
		}
		if !ok || got != want {
			return fmt.Sprintf("attribute %s is %v (%T), expected %d (int64)", key, got, got, want)
		}
	}
	for a := range v.exp.Shape.Attributes {
		key := generators.AttributeKey(a)
		want := v.exp.Values.Value(p.seq, idx, a)
		if got, ok := sp.Attributes[key]; !ok || got != want {
			return fmt.Sprintf("attribute %s is %.40v, expected %.40q", key, got, want)
		}
	}
	return ""
}
