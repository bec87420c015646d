package generators

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Recorder measures every export call of one exporter: how many calls, items and bytes, how long each took, and
// which failed. It is safe for concurrent use; the SDK calls it from its export goroutine while the CLI reads it.
type Recorder struct {
	bytes  atomic.Int64
	parent *Recorder // also sees every call and byte (see Child)

	mu          sync.Mutex
	calls       int64
	failedCalls int64
	exported    int64
	failed      int64
	latency     *hdrhistogram.Histogram // microseconds
	errors      map[string]int64
	// segments are the calls' outcomes over time: consecutive calls that all went through, or all failed, are one
	// segment (a flip starts the next), so that what a fault did to the exporter can be read after the run.
	segments []Outcomes
	// acked, when tracking (TrackAcks), is when each trace's first span was acknowledged: a backend that forgets
	// on a stop erases what it acknowledged before it.
	acked map[trace.TraceID]time.Time
	// traceOutcome and logOutcome, when tracking (TrackFaults), say what the export calls did with each trace (by
	// ID) and log record (by sequence number): Acked, Failed, or both (a trace's spans in several calls).
	traceOutcome map[trace.TraceID]Outcome
	logOutcome   map[uint64]Outcome
	// attempts counts the requests export calls made (the first of a call and each retry) and, when tracking
	// (TrackFaults), callsAt and attemptsAt when calls began and attempts were made, by tenth of a second (Unix):
	// retries are the attempts beyond one a call.
	attempts            int64
	callsAt, attemptsAt map[int64]int64
}

// tenth is t's tenth of a second since the Unix epoch: the resolution at which calls and attempts are placed.
func tenth(t time.Time) int64 { return t.UnixMilli() / 100 }

// Attempt counts one request an export call made: its first or a retry (the transports' counters call it).
func (r *Recorder) Attempt() {
	if r.parent != nil {
		r.parent.Attempt()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts++
	if r.attemptsAt != nil {
		r.attemptsAt[tenth(time.Now())]++
	}
}

// Attempts is how many requests the export calls made in all (0: the protocol's transport does not count them).
func (r *Recorder) Attempts() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.attempts
}

// RetriesBetween is how many of the requests made from one time to another were retries: the attempts made then
// less the calls that began then, each call's first attempt being made as it begins; at a tenth of a second's
// resolution. 0 unless tracking (TrackFaults).
func (r *Recorder) RetriesBetween(from, to time.Time) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.attempts == 0 {
		return 0
	}
	var n int64
	for t := tenth(from); t <= tenth(to); t++ {
		n += r.attemptsAt[t] - r.callsAt[t]
	}
	return max(n, 0)
}

// Outcomes is a run of consecutive export calls with the same outcome: From is when the first of them ended and To
// the last; Calls and Items count them.
type Outcomes struct {
	From, To time.Time
	OK       bool
	Calls    int64
	Items    int64
}

// Latency histograms hold 1 µs to 10 min at 3 significant digits: exact enough for p99 of a fast local call and
// wide enough for an export stuck until its timeout.
const (
	minLatencyMicros = 1
	maxLatencyMicros = int64(10 * time.Minute / time.Microsecond)
)

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{
		latency: hdrhistogram.New(minLatencyMicros, maxLatencyMicros, 3),
		errors:  map[string]int64{},
	}
}

// Child returns a Recorder of one part of r's exporter (one instance of several): it measures that part alone,
// and r still sees every call.
func (r *Recorder) Child() *Recorder {
	c := NewRecorder()
	c.parent = r
	return c
}

// Record adds one export call of items that took d and returned err.
func (r *Recorder) Record(items int, d time.Duration, err error) {
	if r.parent != nil {
		r.parent.Record(items, d, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	_ = r.latency.RecordValue(clampMicros(d))
	now, ok := time.Now(), err == nil
	if r.callsAt != nil {
		r.callsAt[tenth(now.Add(-d))]++
	}
	if n := len(r.segments); n > 0 && r.segments[n-1].OK == ok {
		s := &r.segments[n-1]
		s.To, s.Calls, s.Items = now, s.Calls+1, s.Items+int64(items)
	} else {
		r.segments = append(r.segments, Outcomes{From: now, To: now, OK: ok, Calls: 1, Items: int64(items)})
	}
	if err != nil {
		r.failedCalls++
		r.failed += int64(items)
		if len(r.errors) < 16 {
			r.errors[err.Error()]++
		} else if _, ok := r.errors[err.Error()]; ok {
			r.errors[err.Error()]++
		}
		return
	}
	r.exported += int64(items)
}

// TrackAcks makes the recorder remember when each trace's first span was acknowledged (RecordAcked,
// FirstAcked); it costs a map entry per trace, so only streams to a backend that faults stop ask for it.
func (r *Recorder) TrackAcks() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.acked == nil {
		r.acked = map[trace.TraceID]time.Time{}
	}
}

// Outcome is what export calls did with an item: a set of Acked and Failed (none: no call carried it, so the
// SDK dropped it).
type Outcome uint8

const (
	Acked Outcome = 1 << iota
	Failed
)

// TrackFaults makes the recorder remember what the export calls did with each trace and log record
// (TraceOutcome, LogOutcome) and when calls began and requests were made (RetriesBetween); it costs a map entry
// per item, so only runs with faults ask for it.
func (r *Recorder) TrackFaults() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.traceOutcome == nil {
		r.traceOutcome, r.logOutcome = map[trace.TraceID]Outcome{}, map[uint64]Outcome{}
		r.callsAt, r.attemptsAt = map[int64]int64{}, map[int64]int64{}
	}
}

// RecordSpans notes what an export call of spans did (err nil: the backend acknowledged them now), when
// tracking.
func (r *Recorder) RecordSpans(spans []sdktrace.ReadOnlySpan, err error) {
	if r.parent != nil {
		r.parent.RecordSpans(spans, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.acked == nil && r.traceOutcome == nil {
		return
	}
	now, o := time.Now(), outcomeOf(err)
	for _, s := range spans {
		tid := s.SpanContext().TraceID()
		if r.acked != nil && err == nil && r.acked[tid].IsZero() {
			r.acked[tid] = now
		}
		if r.traceOutcome != nil {
			r.traceOutcome[tid] |= o
		}
	}
}

// RecordLogs notes what an export call of log records did, when tracking.
func (r *Recorder) RecordLogs(records []sdklog.Record, err error) {
	if r.parent != nil {
		r.parent.RecordLogs(records, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.logOutcome == nil {
		return
	}
	o := outcomeOf(err)
	for i := range records {
		records[i].WalkAttributes(func(kv attribute.KeyValue) bool {
			if kv.Key != AttrSeq {
				return true
			}
			if seq := kv.Value.AsInt64(); seq >= 0 {
				r.logOutcome[uint64(seq)] |= o
			}
			return false
		})
	}
}

func outcomeOf(err error) Outcome {
	if err != nil {
		return Failed
	}
	return Acked
}

// TraceOutcome and LogOutcome are what the export calls did with a trace or a log record (0: none carried it, or
// not tracking).
func (r *Recorder) TraceOutcome(tid trace.TraceID) Outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.traceOutcome[tid]
}

func (r *Recorder) LogOutcome(seq uint64) Outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.logOutcome[seq]
}

// FirstAcked is when a span of trace tid was first acknowledged; zero if never, or not tracking.
func (r *Recorder) FirstAcked(tid trace.TraceID) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.acked[tid]
}

// Segments are the outcomes of the calls so far, in order (see Outcomes).
func (r *Recorder) Segments() []Outcomes {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Outcomes(nil), r.segments...)
}

// AddBytes counts n bytes put on the wire (request bodies after compression).
func (r *Recorder) AddBytes(n int64) {
	if r.parent != nil {
		r.parent.AddBytes(n)
	}
	r.bytes.Add(n)
}

// Exported is the number of items exported successfully so far.
func (r *Recorder) Exported() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.exported
}

// ExportStats is a snapshot of a Recorder.
type ExportStats struct {
	// Calls is the number of export calls; FailedCalls of them returned an error.
	Calls, FailedCalls int64
	// Exported and Failed count the items in successful and failed calls.
	Exported, Failed int64
	// Bytes is the number of request body bytes put on the wire, compressed when the exporter compresses, every
	// attempt counted (for the pull reader: scrape response bytes); 0 for the console exporter.
	Bytes int64
	// Latency is the duration of each export call.
	Latency Quantiles
	// Errors maps each distinct error message (at most 16) to how often it occurred.
	Errors map[string]int64
}

// Quantiles summarises a latency distribution.
type Quantiles struct {
	P50, P90, P99, P999, Max time.Duration
	Count                    int64
	// Hist, when set, is the histogram summarised (microseconds), which nothing records into any more: what
	// shards of a run merge (quantiles cannot be merged). See FinalQuantiles.
	Hist *hdrhistogram.Histogram
}

// Settled is how many items export calls have carried so far, through or failed: cheap enough to poll.
func (r *Recorder) Settled() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.exported + r.failed
}

// Stats returns a snapshot.
func (r *Recorder) Stats() ExportStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	errs := make(map[string]int64, len(r.errors))
	for k, v := range r.errors {
		errs[k] = v
	}
	return ExportStats{
		Calls: r.calls, FailedCalls: r.failedCalls,
		Exported: r.exported, Failed: r.failed,
		Bytes:   r.bytes.Load(),
		Latency: QuantilesOf(r.latency),
		Errors:  errs,
	}
}

// QuantilesOf summarises a histogram of microseconds.
func QuantilesOf(h *hdrhistogram.Histogram) Quantiles {
	if h.TotalCount() == 0 {
		return Quantiles{}
	}
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	return Quantiles{
		P50:   us(h.ValueAtQuantile(50)),
		P90:   us(h.ValueAtQuantile(90)),
		P99:   us(h.ValueAtQuantile(99)),
		P999:  us(h.ValueAtQuantile(99.9)),
		Max:   us(h.Max()),
		Count: h.TotalCount(),
	}
}

// FinalQuantiles is QuantilesOf(h), keeping h (Quantiles.Hist): for a histogram that is complete.
func FinalQuantiles(h *hdrhistogram.Histogram) Quantiles {
	q := QuantilesOf(h)
	q.Hist = h
	return q
}

// OneValue is the distribution of a single latency d (a check measured once), with its histogram.
func OneValue(d time.Duration) Quantiles {
	h := NewLatencyHistogram()
	_ = h.RecordValue(clampMicros(d))
	return FinalQuantiles(h)
}

// LatencyHDR is the export latency histogram so far, encoded (EncodeHDR).
func (r *Recorder) LatencyHDR() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return EncodeHDR(r.latency)
}

// EncodeHDR is h in the HdrHistogram V2 compressed encoding, base64 (what every HdrHistogram library decodes);
// "" for nil or an empty histogram.
func EncodeHDR(h *hdrhistogram.Histogram) string {
	if h == nil || h.TotalCount() == 0 {
		return ""
	}
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "" // only an unknown encoding version fails
	}
	return string(b)
}

// NewLatencyHistogram returns a histogram of microseconds with the range and precision Recorder uses.
func NewLatencyHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(minLatencyMicros, maxLatencyMicros, 3)
}

func clampMicros(d time.Duration) int64 {
	return min(max(d.Microseconds(), minLatencyMicros), maxLatencyMicros)
}

// ClampMicros converts d to microseconds within the range of NewLatencyHistogram.
func ClampMicros(d time.Duration) int64 { return clampMicros(d) }

// ExportError is an export call's failure as the SDK exporter returned it: the backend refused the request or
// could not be reached. It is a finding of the run, counted in ExportStats, not a failure of otelbench; a stream's
// Run that returns it (a final flush that failed) has still done its work.
type ExportError struct{ Err error }

func (e *ExportError) Error() string { return e.Err.Error() }
func (e *ExportError) Unwrap() error { return e.Err }

func exportError(err error) error {
	if err == nil {
		return nil
	}
	return &ExportError{Err: err}
}

// flushError is the error of a stream's final flush: what the exporter could not deliver in the time shutdown
// had (a refused or unreachable backend, an export still retrying) is a finding of the run, an ExportError, and
// what was left undelivered counts as dropped in the SDK.
func flushError(stream string, err error) error {
	var exportErr *ExportError
	if errors.As(err, &exportErr) {
		return fmt.Errorf("flush %s: %w", stream, err)
	}
	return fmt.Errorf("flush %s: %w", stream, &ExportError{Err: err})
}

// LatencyCounts counts the export calls so far whose duration is at most each of bounds (ascending): cumulative
// counts, as a Prometheus histogram's buckets are, and the count and approximate sum (the histogram's mean times
// its count) of every call. Bounds fall inside the histogram's buckets (3 significant digits): a call within 0.1%
// of a bound may be counted on either side. Cheap enough to call once a second, not per export.
func (r *Recorder) LatencyCounts(bounds []time.Duration) (counts []uint64, count uint64, sum time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	counts = make([]uint64, len(bounds))
	for _, bar := range r.latency.Distribution() {
		if bar.Count == 0 {
			continue
		}
		v := time.Duration(bar.From) * time.Microsecond
		for i := len(bounds) - 1; i >= 0 && v <= bounds[i]; i-- {
			counts[i] += uint64(bar.Count)
		}
	}
	count = uint64(r.latency.TotalCount())
	sum = time.Duration(r.latency.Mean() * float64(count) * float64(time.Microsecond))
	return counts, count, sum
}
