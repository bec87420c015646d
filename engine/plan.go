package engine

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/reports"
	"github.com/otelbench/otelbench/scenarios"
	"github.com/otelbench/otelbench/verify"
)

// plan is a scenario turned into streams (one per workload and exporter) before anything starts.
type plan struct {
	// top is the scenario resolved once: its backends and routes.
	top     *scenarios.Topology
	streams []*plannedStream
	// traces and spans are what each backend will receive, by name, directly or through a collector; spanBytes
	// is about how many bytes those spans carry (generators.Shape.SpanBytes each).
	traces, spans, spanBytes map[string]float64
	// itemBytes is about the size of the largest item (span or log record) each backend receives, by name,
	// directly or through a collector: what a collector's forwarded batches and a Jaeger's request limit are sized
	// from.
	itemBytes map[string]int
	// pull holds the scrape endpoints of Prometheus exporters, by the name of the Prometheus backend scraping them.
	pull map[string][]*pullEndpoint
	// apps are the app workloads; appScrape holds the apps' metrics endpoints (host:port/path), by the name of
	// the Prometheus backend scraping them.
	apps      []*plannedApp
	appScrape map[string][]string
	ids       generators.IDs
}

type plannedStream struct {
	route    *scenarios.Route
	key      string
	workload *scenarios.Workload
	exporter *scenarios.Exporter
	schedule *generators.Schedule // traces per second for traces, items per second otherwise
	values   *generators.Values
	pull     *pullEndpoint // Prometheus exporter only
	// rateTolerance is how far below the target rate the stream may emit and pass (Verify.RateTolerance).
	rateTolerance float64
}

// newPlan plans every stream of sc; shard is the part of each workload's schedule this run sends (the zero Stripe:
// all of it).
func newPlan(sc *scenarios.Scenario, runID string, shard generators.Stripe) *plan {
	p := &plan{traces: map[string]float64{}, spans: map[string]float64{}, spanBytes: map[string]float64{}, itemBytes: map[string]int{},
		pull: map[string][]*pullEndpoint{}, appScrape: map[string][]string{}, ids: generators.NewIDs(sc.Seed, runID), top: sc.Topology()}
	defer p.planApps(sc)
	type workloadPlan struct {
		sched  *generators.Schedule
		values *generators.Values
	}
	planned := map[*scenarios.Workload]workloadPlan{}
	for _, r := range p.top.Routes {
		w := r.Workload
		wp, ok := planned[w]
		if !ok {
			size := w.Trace.AttributeSize
			if w.Signal == "logs" {
				size = w.Logs.AttributeSize
			}
			wp = workloadPlan{sched: schedule(sc, w).Striped(shard), values: generators.NewValues(sc.Seed, size)}
			planned[w] = wp
		}
		ps := &plannedStream{route: r, key: r.Key(), workload: w, exporter: r.Exporter, schedule: wp.sched, values: wp.values,
			rateTolerance: sc.Verify.RateTolerance}
		item := itemBytesOf(w)
		p.itemBytes[r.To.Name] = max(p.itemBytes[r.To.Name], item)
		for _, d := range r.Paths {
			p.itemBytes[d.Name] = max(p.itemBytes[d.Name], item)
			if r.Signal == generators.Traces {
				p.traces[d.Name] += float64(wp.sched.Slots())
				p.spans[d.Name] += float64(wp.sched.Slots()) * float64(w.Trace.Spans)
				p.spanBytes[d.Name] += float64(wp.sched.Slots()) * float64(w.Trace.Spans) * float64(shapeOf(w).SpanBytes())
			}
		}
		p.streams = append(p.streams, ps)
	}
	return p
}

// shapeOf is the trace shape of a traces workload.
func shapeOf(w *scenarios.Workload) generators.Shape {
	return generators.Shape{Spans: w.Trace.Spans, Depth: w.Trace.Depth, Attributes: w.Trace.Attributes, AttributeSize: w.Trace.AttributeSize}
}

// openScrapeEndpoints opens the scrape endpoint of every stream through a Prometheus exporter, on loopback, before
// Prometheus starts: its address goes into Prometheus' scrape configuration (load's ScrapeTargets). The plan
// itself is data; this is the one step of it that takes something from the machine (close releases it).
func (p *plan) openScrapeEndpoints() error {
	for _, ps := range p.streams {
		if !ps.route.Protocol.Scraped {
			continue
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("open scrape endpoint for %s: %w", ps.key, err)
		}
		ps.pull = &pullEndpoint{listener: l}
		p.pull[ps.exporter.Backend] = append(p.pull[ps.exporter.Backend], ps.pull)
	}
	return nil
}

// load is what backend name will receive in the run, directly or through a collector.
func (p *plan) load(name string) backend.Load {
	l := backend.Load{Traces: p.traces[name], Spans: p.spans[name], SpanBytes: p.avgSpanBytes(name), ItemBytes: p.itemBytes[name]}
	for _, pe := range p.pull[name] {
		l.ScrapeTargets = append(l.ScrapeTargets, pe.addr())
	}
	l.ScrapeTargets = append(l.ScrapeTargets, p.appScrape[name]...)
	return l
}

// itemBytesOf is about the size in bytes of one item of w: a span, a log record, or a metric data point (small:
// 0, the collector's defaults suit it).
func itemBytesOf(w *scenarios.Workload) int {
	switch w.Signal {
	case "traces":
		return shapeOf(w).SpanBytes()
	case "logs":
		return generators.LogShape{BodySize: w.Logs.BodySize, Attributes: w.Logs.Attributes, AttributeSize: w.Logs.AttributeSize}.RecordBytes()
	}
	return 0
}

// avgSpanBytes is the mean size of the spans backend name receives (200 bytes when it receives none).
func (p *plan) avgSpanBytes(name string) int {
	if p.spans[name] == 0 {
		return generators.Shape{}.SpanBytes()
	}
	return int(math.Ceil(p.spanBytes[name] / p.spans[name]))
}

// close releases scrape endpoints that were opened but never served.
func (p *plan) close() {
	for _, ps := range p.streams {
		if ps.pull != nil && ps.pull.server == nil && ps.pull.listener != nil {
			_ = ps.pull.listener.Close()
		}
	}
}

// schedule turns a workload's rate into a schedule: of whole traces for traces (spans per second divided by spans
// per trace), of items otherwise.
func schedule(sc *scenarios.Scenario, w *scenarios.Workload) *generators.Schedule {
	per := 1.0
	if w.Signal == "traces" {
		per = float64(w.Trace.Spans)
	}
	if len(w.Stages) == 0 {
		return generators.Constant(w.Rate/per, time.Duration(sc.Duration))
	}
	segs := make([]generators.Segment, 0, len(w.Stages))
	from := w.Rate
	for _, s := range w.Stages {
		segs = append(segs, generators.Segment{Duration: time.Duration(s.Duration), From: from / per, To: s.Target / per})
		from = s.Target
	}
	return generators.NewSchedule(segs...)
}

// stream is one running workload × exporter: a generator, its exporter, and one check per backend path the items
// are read back from.
type stream struct {
	*plannedStream
	backend string
	// perSlot is the number of items one schedule slot emits (spans per trace, or 1).
	perSlot int64
	// kept (traces with sampling) predicts whether the SDK's sampler keeps trace seq.
	kept    func(seq uint64) bool
	emitted func() uint64 // slots emitted so far
	slots   func() uint64
	run     func(ctx context.Context) error
	stats   func() sendStats
	finish  func(ctx context.Context) error // after verification (pull streams stop serving)
	abort   func(ctx context.Context) error // instead of running: release the exporter and endpoints
	sent    chan struct{}
	sendErr error
	// rec measures the stream's exporter; series samples the stream's counters once a second (one goroutine).
	rec    *generators.Recorder
	series reports.Timeseries
	// heldMax is the most items the SDK held at once (emitted, not yet carried by an export call), polled (see
	// noteHeld); traces and logs only.
	heldMax int64
	// scrapes (pull exporters): when each scrape came and how many measurements had been emitted by then.
	scrapesMu sync.Mutex
	scrapes   []scrapeAt
	done      atomic.Bool
	checks    []*check
}

// sendStats is what every generator reports, whatever its signal.
type sendStats struct {
	emitted, slots, missed   uint64
	items                    int64 // items emitted into the SDK (sampled in, for traces with sampling)
	notSampled               int64 // spans of the traces the SDK's sampler dropped
	droppedInSDK             int64
	start, end, flushed      time.Time
	targetRate, achievedRate float64 // items per second
	export                   generators.ExportStats
	delivered                int64 // items handed to the exporter (metrics: data points)
	instances                []generators.InstanceStats
}

// check is one verification path of a stream: the items read back from one backend.
type check struct {
	path               string // the backend path, e.g. "jaeger" or "collector->zipkin"
	verifyFn           func(ctx context.Context, progress func(verified, expected int64)) (verify.Result, error)
	res                verify.Result
	err                error
	done               atomic.Bool
	verified, expected atomic.Int64
	witness            map[string]float64
	witnessShared      bool // other streams went through the same collector: its counters are theirs too
	// byCount: the backend is a counting sink, so the check compares counts, not items.
	byCount bool
	// lostDue counts the items lost by when they were due (milliseconds from the stream's start) and why, in a run
	// with faults, for checks whose items are numbered (traces, logs); nil otherwise (metrics are judged by series).
	lostDue map[reports.LostAt]int64
	// foundDue is, by the tenth of a second items were due in (from the stream's start), when the first of them
	// was found: for each fault, when an item sent into it was first read back. Like lostDue.
	foundDue map[int64]time.Time
}

// found is a verify.Options.Found noting, by when items were due by sched, when the first of them was found.
func (c *check) found(sched *generators.Schedule) func(seq uint64, at time.Time) {
	c.foundDue = map[int64]time.Time{}
	return func(seq uint64, at time.Time) {
		k := sched.DueAt(seq).Milliseconds() / 100
		if t, ok := c.foundDue[k]; !ok || at.Before(t) {
			c.foundDue[k] = at
		}
	}
}

// firstFound is when the first item due at or after from (from the stream's start) was found; zero if none.
func (c *check) firstFound(from time.Duration) time.Time {
	var first time.Time
	for k, t := range c.foundDue {
		if k >= from.Milliseconds()/100 && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	return first
}

// lost is a verify.Options.Lost noting when each lost item was due by sched and why.
func (c *check) lost(sched *generators.Schedule, cause func(seq uint64) string) func(seq uint64, items int64) {
	c.lostDue = map[reports.LostAt]int64{}
	return func(seq uint64, items int64) {
		c.lostDue[reports.LostAt{DueMs: sched.DueAt(seq).Milliseconds(), Cause: cause(seq)}] += items
	}
}

// outcomeCause names what the export calls did with an item whose outcome the recorder tracked (TrackFaults).
func outcomeCause(o generators.Outcome) string {
	switch {
	case o&generators.Failed != 0:
		return "export_failed"
	case o == 0:
		return "dropped_in_sdk"
	}
	return "after_export"
}

type scrapeAt struct {
	at      time.Time
	emitted uint64
}

// scrapeLog wraps a scrape endpoint's handler to note every scrape.
func (s *stream) scrapeLog(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var emitted uint64
		if s.emitted != nil {
			emitted = s.emitted()
		}
		s.scrapesMu.Lock()
		s.scrapes = append(s.scrapes, scrapeAt{at: time.Now(), emitted: emitted})
		s.scrapesMu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// scrapeCoverage says how the scrapes of a pull stream covered its sending.
func (s *stream) scrapeCoverage(st sendStats) *reports.ScrapeCoverage {
	s.scrapesMu.Lock()
	defer s.scrapesMu.Unlock()
	if !s.route.Protocol.Scraped {
		return nil
	}
	c := &reports.ScrapeCoverage{Scrapes: len(s.scrapes), Measurements: st.emitted}
	if len(s.scrapes) == 0 {
		c.Unseen = st.emitted
		return c
	}
	first, last := s.scrapes[0], s.scrapes[len(s.scrapes)-1]
	c.FirstAfterStartS = math.Round(first.at.Sub(st.start).Seconds()*1000) / 1000
	c.LastAfterEndS = math.Round(last.at.Sub(st.end).Seconds()*1000) / 1000
	c.Unseen = st.emitted - min(last.emitted, st.emitted)
	return c
}

// noteHeld polls what the SDK holds of the stream: items emitted that no export call has carried yet (queued, or
// in an export call in progress, or dropped). Metrics are left out: measurements and data points do not compare.
func (s *stream) noteHeld() {
	if s.rec == nil || s.workload.Signal == "metrics" {
		return
	}
	s.heldMax = max(s.heldMax, int64(s.emitted())*s.perSlot-s.rec.Settled())
}

// sample records the stream's counters at t seconds since sending began.
func (s *stream) sample(t float64) {
	if s.rec == nil {
		return
	}
	st := s.rec.Stats()
	s.series.T = append(s.series.T, math.Round(t*1000)/1000)
	s.series.Emitted = append(s.series.Emitted, int64(s.emitted())*s.perSlot)
	s.series.Exported = append(s.series.Exported, st.Exported)
	s.series.Failed = append(s.series.Failed, st.Failed)
}

func (s *stream) send(ctx context.Context) {
	defer close(s.sent)
	defer s.done.Store(true)
	s.sendErr = s.run(ctx)
}

func (c *check) verify(ctx context.Context) {
	defer c.done.Store(true)
	c.res, c.err = c.verifyFn(ctx, func(verified, expected int64) {
		c.verified.Store(verified)
		c.expected.Store(expected)
	})
	if ctx.Err() != nil {
		c.err = nil
	}
}

func (s *stream) sendProgress() *Progress {
	return &Progress{
		Name:    "send   " + s.key,
		Unit:    emitUnit(s.workload.Signal),
		Current: func() int64 { return int64(s.emitted()) * s.perSlot },
		Total:   func() int64 { return int64(s.slots()) * s.perSlot },
		Done:    s.done.Load,
	}
}

func (s *stream) verifyProgress(c *check) *Progress {
	return &Progress{
		Name:    "verify " + s.key + " @ " + c.path,
		Unit:    unit(s.workload.Signal),
		Current: c.verified.Load,
		Total: func() int64 {
			if e := c.expected.Load(); e > 0 {
				return e
			}
			if s.workload.Signal == "metrics" && s.rec != nil {
				// Data points, not measurements: what the exporter has carried so far.
				st := s.rec.Stats()
				return st.Exported + st.Failed
			}
			return int64(s.slots()) * s.perSlot
		},
		Done: c.done.Load,
	}
}

// emitUnit is what a stream of signal emits into the SDK: spans, measurements or records. For metrics it is not
// what is exported and verified (data points, unit).
func emitUnit(signal string) string {
	if signal == "metrics" {
		return "measurements"
	}
	return unit(signal)
}

// unit is what a row of signal counts: sent, verified, lost, throughput.
func unit(signal string) string {
	switch signal {
	case "metrics":
		return "points"
	case "logs":
		return "records"
	}
	return "spans"
}

// row is one check's line in the report.
func (s *stream) row(c *check) reports.Exporter {
	st, res := s.stats(), c.res
	row := reports.Exporter{
		Name: s.exporter.Name, Workload: s.workload.Name, Signal: s.workload.Signal, Protocol: s.exporter.Protocol,
		Backend:               c.path,
		Emitted:               st.items + st.notSampled,
		Sent:                  st.items,
		Verified:              res.Verified,
		Lost:                  res.Lost,
		Duplicated:            res.Duplicated,
		Altered:               res.Altered,
		Erased:                res.Erased,
		Overflowed:            res.Overflowed,
		OverflowedSeries:      res.OverflowedSeries,
		OverflowedSeriesCount: res.OverflowedSeriesCount,
		DroppedInSDK:          st.droppedInSDK,
		TargetRatePerS:        round(st.targetRate),
		AchievedRatePerS:      round(st.achievedRate),
		MissedSlots:           st.missed,
		ExportCalls:           st.export.Calls,
		ExportFailedCalls:     st.export.FailedCalls,
		ExportFailedItems:     st.export.Failed,
		BytesSent:             st.export.Bytes,
		ExportLatencyMs: reports.LatencyOf(st.export.Latency.P50, st.export.Latency.P90, st.export.Latency.P99,
			st.export.Latency.P999, st.export.Latency.Max, st.export.Latency.Count),
		VisibilityLatencyMs: reports.Latency{
			P50: reports.Millis(res.Visibility.P50), P99: reports.Millis(res.Visibility.P99), Max: reports.Millis(res.Visibility.Max),
			Count: res.Visibility.Count,
		},
		VerifyRounds: res.Rounds,
		Unit:         unit(s.workload.Signal),
		RateUnit:     emitUnit(s.workload.Signal) + "/s",
		VerifiedBy:   verifiedBy(c.byCount),
		Problems:     res.Problems,
		Witness:      c.witness,
		WitnessScope: witnessScope(c),
	}
	if len(res.Changes) > 0 {
		row.Changes = res.Changes
	}
	if q := res.VisibilityFromSchedule; q.Count > 0 {
		l := reports.LatencyOf(q.P50, q.P90, q.P99, q.P999, q.Max, q.Count)
		row.VisibilityFromScheduleMs = &l
	}
	if s.schedule.Stripe().Count > 0 {
		// A shard's latencies carry their histograms: otelbench merge merges them.
		row.ExportLatencyMs.HDR = s.rec.LatencyHDR()
		row.VisibilityLatencyMs.HDR = generators.EncodeHDR(res.Visibility.Hist)
		if l := row.VisibilityFromScheduleMs; l != nil {
			l.HDR = generators.EncodeHDR(res.VisibilityFromSchedule.Hist)
		}
	}
	row.ScrapeCoverage = s.scrapeCoverage(st)
	row.LostByCause = reports.LostByCause(res.Lost, st.droppedInSDK, st.export.Failed)
	if len(s.series.T) > 0 {
		series := s.series
		row.Timeseries = &series
	}
	if s.workload.Signal == "metrics" {
		// Metrics items are data points: what the exporter carried (push) or served to scrapes (pull).
		row.Sent = st.delivered
	}
	if len(st.export.Errors) > 0 {
		row.ExportErrors = st.export.Errors
	}
	if st.delivered > 0 {
		row.BytesPerItem = round(float64(st.export.Bytes) / float64(st.delivered))
	}
	for i, in := range st.instances {
		p90 := reports.Millis(in.Export.Latency.P90)
		row.Instances = append(row.Instances, reports.Instance{
			Instance: i, Sent: int64(in.Items), DroppedInSDK: in.DroppedInSDK,
			ExportCalls: in.Export.Calls, ExportFailedCalls: in.Export.FailedCalls, ExportFailedItems: in.Export.Failed,
			BytesSent: in.Export.Bytes,
			ExportLatencyMs: reports.Latency{
				P50: reports.Millis(in.Export.Latency.P50), P90: &p90,
				P99: reports.Millis(in.Export.Latency.P99), Max: reports.Millis(in.Export.Latency.Max),
			},
		})
		if d := st.flushed.Sub(st.start).Seconds(); d > 0 {
			row.Instances[i].ThroughputPerS = round(float64(in.Export.Exported) / d)
		}
	}
	if d := st.flushed.Sub(st.start).Seconds(); d > 0 {
		row.ThroughputPerS = round(float64(st.export.Exported) / d)
	}
	if s.rec != nil && s.rec.Attempts() > 0 {
		retries := max(s.rec.Attempts()-st.export.Calls, 0)
		row.ExportRetries = &retries
	}
	if s.workload.Signal != "metrics" && s.rec != nil {
		held := s.heldMax
		row.HeldInSDKMax = &held
	}
	row.Sampling = s.sampling(st)
	if row.Sampling != nil {
		row.NotSampled = st.notSampled
	}
	row.Passed = res.Passed() && row.Sent-row.Erased == res.Expected && row.Verified == row.Sent-row.Erased && row.DroppedInSDK == 0 && c.err == nil &&
		!behind(st.targetRate, st.achievedRate, s.rateTolerance) && (row.Sampling == nil || row.Sampling.Unexpected == 0)
	return row
}

// sampling says, for a traces workload with sampling, what the SDK's sampler kept, in traces: what was predicted
// by the Go SDK's rule (res), against what the SDK itself decided (st). A trace the SDK kept that was predicted
// dropped would be exported and never looked for: it shows as a difference between the two, counted unexpected.
func (s *stream) sampling(st sendStats) *reports.Sampling {
	sm := s.workload.Sampling
	if sm == nil || s.workload.Signal != "traces" || st.emitted == 0 {
		return nil
	}
	spans := max(s.perSlot, 1)
	out := &reports.Sampling{Sampler: "parentbased_traceidratio", Ratio: *sm.Ratio, Rule: "go", NoParent: int64(st.emitted)}
	for j := range st.emitted {
		if s.kept(s.schedule.Seq(j)) {
			out.PredictedKept++
		} else {
			out.PredictedDropped++
		}
	}
	sdkDropped := st.notSampled / spans
	out.NotSampled = min(out.PredictedDropped, sdkDropped)
	out.Unexpected = max(out.PredictedDropped-sdkDropped, 0)
	out.Kept = int64(st.emitted) - sdkDropped
	out.ObservedRatio = round3(float64(out.Kept) / float64(st.emitted))
	out.ExpectedRatio = round3(float64(out.PredictedKept) / float64(st.emitted))
	return out
}

// witnessScope says whose the collector's counters on a row are: the row's stream's alone, or every stream
// through that collector.
func witnessScope(c *check) string {
	switch {
	case c.witness == nil:
		return ""
	case c.witnessShared:
		return "collector-wide"
	}
	return "stream"
}

func round(v float64) float64 { return math.Round(v*10) / 10 }

func verifiedBy(byCount bool) string {
	if byCount {
		return "count"
	}
	return "item"
}

// behind reports whether a stream that emitted achieved items per second fell more than tolerance (a fraction)
// below its target: it offered less load than the scenario says, whatever was then delivered.
func behind(target, achieved, tolerance float64) bool {
	return target > 0 && achieved < target*(1-tolerance)
}
