package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/scenarios"
	"github.com/otelbench/otelbench/verify"
	"github.com/otelbench/otelbench/verify/sampling"
)

// streamBuilder builds one planned stream: its exporter, generator and checks.
type streamBuilder struct {
	ps     *plannedStream
	sc     *scenarios.Scenario
	p      *plan
	runID  string
	live   map[string]*liveBackend
	b      *scenarios.Node
	e      *scenarios.Exporter
	w      *scenarios.Workload
	signal generators.Signal
	cfg    generators.ExporterConfig
	batch  generators.Batch
	rec    *generators.Recorder
	paths  []*scenarios.Node
	window time.Duration
	faults *faults
}

// newStream builds the generator, exporter and checks of one planned stream.
func newStream(ctx context.Context, ps *plannedStream, sc *scenarios.Scenario, p *plan, runID string, live map[string]*liveBackend, f *faults) (*stream, error) {
	e, b := ps.exporter, ps.route.To
	lb := live[b.Name]
	if lb == nil {
		return nil, fmt.Errorf("exporter %s: backend %s is not running", e.Name, b.Name)
	}
	noop := func(context.Context) error { return nil }
	s := &stream{plannedStream: ps, backend: b.Name, sent: make(chan struct{}), perSlot: 1, finish: noop, abort: noop}
	sb := &streamBuilder{ps: ps, sc: sc, p: p, runID: runID, live: live, b: b, e: e, w: ps.workload,
		signal: generators.Signal(ps.workload.Signal), rec: generators.NewRecorder(), window: time.Duration(sc.Verify.Timeout),
		batch: generators.Batch{Size: e.BatchSize, Queue: e.QueueSize, Timeout: time.Duration(e.BatchTimeout), ExportTimeout: time.Duration(e.ExportTimeout)},
		paths: ps.route.Paths, faults: f,
	}
	s.rec = sb.rec
	if len(sc.Faults) > 0 {
		sb.rec.TrackFaults() // what faults did is read from each call, request and item
	}
	ep, ok := lb.Endpoint(e.Protocol, sb.signal, ps.key)
	if !ok || (ep.Address == "" && !ps.route.Protocol.Scraped) {
		return nil, fmt.Errorf("exporter %s: backend %s has no %s endpoint for %s", e.Name, b.Name, e.Protocol, sb.signal)
	}
	sb.cfg = generators.ExporterConfig{Protocol: e.Protocol, Compression: e.Compression, Timeout: time.Duration(e.ExportTimeout),
		Endpoint: ep.Address, URLPath: ep.URLPath, TLS: ep.TLS, Headers: ep.Headers, External: ep.External, Retry: retryOf(e.Retry)}
	var err error
	switch sb.signal {
	case generators.Traces:
		err = sb.traces(ctx, s)
	case generators.Metrics:
		err = sb.metrics(ctx, s)
	case generators.Logs:
		err = sb.logs(ctx, s)
	default:
		err = fmt.Errorf("workload %s: signal %q is not supported", sb.w.Name, sb.w.Signal)
	}
	if err != nil {
		return nil, err
	}
	if len(s.checks) == 0 {
		return nil, fmt.Errorf("workload %s via %s: no backend path gives %s back", sb.w.Name, e.Name, sb.w.Signal)
	}
	return s, nil
}

// pathOf is the report's name of the path to d for items sent to b.
func pathOf(b, d *scenarios.Node) string {
	if d.Name == b.Name {
		return b.Name
	}
	return b.Name + "->" + d.Name
}

// viaOf is how items sent to b over protocol reach path d: by that protocol, or through the collector exporter
// that forwards them (Live readers name what they expect by it).
func viaOf(live map[string]*liveBackend, b, d *scenarios.Node, s generators.Signal, protocol string) string {
	if d.Name != b.Name {
		if fw, ok := live[d.Name].Live.(containers.Forwarded); ok {
			if _, _, v, ok := fw.ForwardExporter(s); ok {
				return v
			}
		}
	}
	return protocol
}

// pathName is the report's name of the path to d: "jaeger", or "collector->jaeger".
func (sb *streamBuilder) pathName(d *scenarios.Node) string { return pathOf(sb.b, d) }

// via is how items reach path d (viaOf).
func (sb *streamBuilder) via(d *scenarios.Node) string {
	return viaOf(sb.live, sb.b, d, sb.signal, sb.e.Protocol)
}

// counted is path d's count, when it is a sink.
func (sb *streamBuilder) counted(d *scenarios.Node) (containers.Counted, bool) {
	c, ok := sb.live[d.Name].Live.(containers.Counted)
	return c, ok
}

// traces builds a traces stream: one SDK pipeline per instance (or the direct pipeline), read back by trace ID.
func (sb *streamBuilder) traces(ctx context.Context, s *stream) error {
	ps, p, runID, live, e, w, cfg, batch, rec, paths, window := sb.ps, sb.p, sb.runID, sb.live, sb.e, sb.w, sb.cfg, sb.batch, sb.rec, sb.paths, sb.window
	pathName, via, counted := sb.pathName, sb.via, sb.counted
	var exps []sdktrace.SpanExporter
	shutdown := func(ctx context.Context) error {
		var errs []error
		for _, exp := range exps {
			errs = append(errs, exp.Shutdown(ctx))
		}
		return errors.Join(errs...)
	}
	var instanceRecs []*generators.Recorder
	for range max(e.Instances, 1) {
		irec := rec
		if e.Instances > 1 {
			irec = rec.Child()
			instanceRecs = append(instanceRecs, irec)
		}
		exp, err := generators.NewTraceExporter(ctx, cfg, irec)
		if err != nil {
			_ = shutdown(ctx)
			return fmt.Errorf("exporter %s: %w", e.Name, err)
		}
		exps = append(exps, exp)
	}
	shape := shapeOf(w)
	var sampler sdktrace.Sampler
	var predicted func(trace.TraceID) bool
	if sm := w.Sampling; sm != nil {
		// The SDK's own sampler samples; verification predicts its decisions by the Go rule, on its own.
		sampler = sdktrace.ParentBased(sdktrace.TraceIDRatioBased(*sm.Ratio))
		rule := sampling.Sampler{Rule: sampling.RuleGo, Ratio: *sm.Ratio}
		predicted = func(id trace.TraceID) bool { return rule.Sampled(id) }
		s.kept = func(seq uint64) bool { return predicted(p.ids.TraceID(ps.key, seq)) }
	}
	ts, err := generators.NewTraceStream(generators.TraceStreamConfig{
		Stream: ps.key, Workload: w.Name, Exporter: e.Name, RunID: runID,
		Shape: shape, Schedule: ps.schedule, IDs: p.ids, Values: ps.values, Batch: batch,
		SpanExporter: exps[0], MoreInstances: exps[1:], InstanceRecorders: instanceRecs, Recorder: rec,
		Pipeline: e.Pipeline, Emitters: emitters(), Sampler: sampler,
	})
	if err != nil {
		_ = shutdown(ctx)
		return err
	}
	s.perSlot = int64(shape.Spans)
	s.abort = shutdown
	s.use(ts)
	for _, d := range paths {
		if c, ok := counted(d); ok {
			s.checks = append(s.checks, s.countCheck(ctx, pathName(d), c, window))
			continue
		}
		reader := live[d.Name].TraceReader(ps.key, via(d))
		if reader == nil {
			return fmt.Errorf("exporter %s: backend %s cannot give traces back", e.Name, d.Name)
		}
		erased := sb.erased(d)
		c := &check{path: pathName(d)}
		lost, found := sb.faultTimes(c, sb.traceCause())
		c.verifyFn = func(ctx context.Context, progress func(int64, int64)) (verify.Result, error) {
			return verify.Traces(ctx, reader, verify.TraceExpectation{
				Stream: ps.key, Workload: w.Name, Shape: shape, IDs: p.ids, Values: ps.values,
				Emitted: ts.Emitted, Stripe: ps.schedule.Stripe(), Sent: s.sent, WatchEvery: watchEvery(ps.schedule), Scheduled: ts.Scheduled, Sampled: predicted,
				Undelivered: func() int64 { st := ts.Stats(); return st.DroppedInSDK + st.Export.Failed }, Erased: erased,
			}, verify.Options{Window: window, Progress: progress, Lost: lost, Found: found})
		}
		s.checks = append(s.checks, c)
	}
	return nil
}

// faultTimes are check c's verify.Options.Lost and Found in a run with faults: when each lost item was due and,
// by cause, why it was lost; when the items sent into a fault were read back. nil otherwise: no item's time is
// kept.
func (sb *streamBuilder) faultTimes(c *check, cause func(seq uint64) string) (func(uint64, int64), func(uint64, time.Time)) {
	if len(sb.sc.Faults) == 0 {
		return nil, nil
	}
	return c.lost(sb.ps.schedule, cause), c.found(sb.ps.schedule)
}

// traceCause and logCause say why each lost item was lost, from what the stream's export calls did with it (its
// recorder tracks that in a run with faults: TrackFaults).
func (sb *streamBuilder) traceCause() func(seq uint64) string {
	rec, ids, key := sb.rec, sb.p.ids, sb.ps.key
	return func(seq uint64) string { return outcomeCause(rec.TraceOutcome(ids.TraceID(key, seq))) }
}

func (sb *streamBuilder) logCause() func(seq uint64) string {
	rec := sb.rec
	return func(seq uint64) string { return outcomeCause(rec.LogOutcome(seq)) }
}

// erased is the TraceExpectation.Erased of the check at backend d: for a backend whose memory store a fault of the
// scenario stops, restarts or kills (Description.ForgetsOnStop), a trace is erased when a span of it was
// acknowledged before the backend's last stop or start completed, and only then: what came after is in its new
// store. nil for any other backend. The stream's recorder then remembers when each trace was first acknowledged.
func (sb *streamBuilder) erased(d *scenarios.Node) func(trace.TraceID) bool {
	if d.Description == nil || !d.Description.ForgetsOnStop || !sb.sc.Erases(d.Backend.Name) {
		return nil
	}
	sb.rec.TrackAcks()
	rec, f, name := sb.rec, sb.faults, d.Backend.Name
	return func(tid trace.TraceID) bool {
		cut := f.erasedBefore(name)
		acked := rec.FirstAcked(tid)
		return !cut.IsZero() && !acked.IsZero() && acked.Before(cut)
	}
}

// metrics builds a metrics stream: a periodic reader and push exporter, the scrape endpoint, or the direct pipeline.
func (sb *streamBuilder) metrics(ctx context.Context, s *stream) error {
	ps, runID, live, e, w, cfg, rec, paths, window := sb.ps, sb.runID, sb.live, sb.e, sb.w, sb.cfg, sb.rec, sb.paths, sb.window
	pathName, via, counted := sb.pathName, sb.via, sb.counted
	mcfg := generators.MetricStreamConfig{
		Stream: ps.key, Workload: w.Name, Exporter: e.Name, RunID: runID, Schedule: ps.schedule, Recorder: rec,
		CardinalityLimit: w.Metrics.CardinalityLimit,
		Plan: generators.MetricPlan{Kinds: w.Metrics.Instruments, Series: w.Metrics.Series, Churn: w.Metrics.Churn,
			Slots: ps.schedule.AllSlots(), Stripe: ps.schedule.Stripe()},
	}
	if ps.route.Protocol.Scraped {
		r, h, err := generators.NewPullReader(rec)
		if err != nil {
			return fmt.Errorf("exporter %s: %w", e.Name, err)
		}
		mcfg.Reader, mcfg.Pull = r, true
		ps.pull.serve(s.scrapeLog(h))
		s.abort = r.Shutdown
	} else {
		exp, err := generators.NewMetricExporter(ctx, generators.MetricExporterConfig{
			ExporterConfig: cfg, Temporality: e.Temporality,
		}, rec)
		if err != nil {
			return fmt.Errorf("exporter %s: %w", e.Name, err)
		}
		if e.Pipeline == generators.PipelineDirect {
			mcfg.Pipeline, mcfg.PushExporter, mcfg.Temporality = e.Pipeline, exp, e.Temporality
			mcfg.ExportInterval, mcfg.ExportTimeout = time.Duration(e.ExportInterval), time.Duration(e.ExportTimeout)
			s.abort = exp.Shutdown
		} else {
			mcfg.Reader, mcfg.Seal = generators.NewPeriodicReader(exp, time.Duration(e.ExportInterval), time.Duration(e.ExportTimeout))
			s.abort = mcfg.Reader.Shutdown
		}
	}
	ms, err := generators.NewMetricStream(mcfg)
	if err != nil {
		return err
	}
	s.use(ms)
	var stop func(context.Context) error
	if mcfg.Pull {
		pull := ps.pull
		stop = func(ctx context.Context) error {
			if err := pull.close(ctx); err != nil {
				return err
			}
			return ms.Close(ctx)
		}
		s.finish = stop
		s.abort = stop
	}
	for _, d := range paths {
		if c, ok := counted(d); ok {
			s.checks = append(s.checks, s.countCheck(ctx, pathName(d), c, window))
			continue
		}
		expect := verify.MetricExpectation{
			Stream: ps.key, Plan: mcfg.Plan, Emitted: ms.Emitted, Sent: s.sent,
			Delivered:   func() int64 { st := rec.Stats(); return st.Exported + st.Failed },
			Undelivered: func() int64 { return rec.Stats().Failed },
			Since:       time.Now().Add(-time.Minute), Stop: stop,
			RunID: runID, Instance: ps.schedule.Stripe().Instance(generators.ServiceInstanceID(runID, ps.key)), CardinalityLimit: w.Metrics.CardinalityLimit,
		}
		if mcfg.Pull {
			expect.Instance = ps.pull.addr() // Prometheus labels scraped series with the target
		}
		reader := live[d.Name].MetricReader(ps.key, via(d))
		if reader == nil {
			return fmt.Errorf("exporter %s: backend %s cannot give metrics back (an external collector needs files_dir)", e.Name, d.Name)
		}
		verifyFn := func(ctx context.Context, progress func(int64, int64)) (verify.Result, error) {
			return reader.VerifyMetrics(ctx, expect, verify.Options{Window: window, Progress: progress})
		}
		s.checks = append(s.checks, &check{path: pathName(d), verifyFn: func(ctx context.Context, progress func(int64, int64)) (verify.Result, error) {
			res, err := verifyFn(ctx, progress)
			if progress != nil {
				progress(res.Verified, res.Expected)
			}
			return res, err
		}})
	}
	return nil
}

// logs builds a logs stream, read back record by record.
func (sb *streamBuilder) logs(ctx context.Context, s *stream) error {
	ps, p, runID, live, e, w, cfg, batch, rec, paths, window := sb.ps, sb.p, sb.runID, sb.live, sb.e, sb.w, sb.cfg, sb.batch, sb.rec, sb.paths, sb.window
	pathName, via, counted := sb.pathName, sb.via, sb.counted
	exp, err := generators.NewLogExporter(ctx, cfg, rec)
	if err != nil {
		return fmt.Errorf("exporter %s: %w", e.Name, err)
	}
	shape := generators.LogShape{Severity: w.Logs.Severity, BodySize: w.Logs.BodySize, Attributes: w.Logs.Attributes,
		AttributeSize: w.Logs.AttributeSize, TraceCorrelation: w.Logs.TraceCorrelation}
	ls, err := generators.NewLogStream(generators.LogStreamConfig{
		Stream: ps.key, Workload: w.Name, Exporter: e.Name, RunID: runID, Shape: shape,
		Schedule: ps.schedule, IDs: p.ids, Values: ps.values, Batch: batch, LogExporter: exp, Recorder: rec,
		Pipeline: e.Pipeline, Emitters: emitters(),
	})
	if err != nil {
		return err
	}
	s.use(ls)
	s.abort = exp.Shutdown
	for _, d := range paths {
		if c, ok := counted(d); ok {
			s.checks = append(s.checks, s.countCheck(ctx, pathName(d), c, window))
			continue
		}
		src := live[d.Name].LogSource(ps.key, via(d))
		if src == nil {
			return fmt.Errorf("exporter %s: backend %s cannot give logs back (an external collector needs files_dir)", e.Name, d.Name)
		}
		c := &check{path: pathName(d)}
		lost, found := sb.faultTimes(c, sb.logCause())
		c.verifyFn = func(ctx context.Context, progress func(int64, int64)) (verify.Result, error) {
			return verify.Logs(ctx, src, verify.LogExpectation{
				Stream: ps.key, Shape: shape, IDs: p.ids, Values: ps.values, Emitted: ls.Emitted, Stripe: ps.schedule.Stripe(), Sent: s.sent, RunID: runID,
				Undelivered: func() int64 { st := ls.Stats(); return st.DroppedInSDK + st.Export.Failed },
			}, verify.Options{Window: window, Progress: progress, Lost: lost, Found: found})
		}
		s.checks = append(s.checks, c)
	}
	return nil
}

// countCheck verifies the stream by count against a sink: what the sink's receivers accepted since now (an
// external sink may have counted earlier items), against the items emitted (data points delivered, for metrics).
func (s *stream) countCheck(ctx context.Context, path string, sink containers.Counted, window time.Duration) *check {
	signal := s.workload.Signal
	accepted := sink.Accepted(generators.Signal(signal))
	before, _ := accepted(ctx) // a sink that does not answer yet has counted nothing
	return &check{path: path, byCount: true, verifyFn: func(ctx context.Context, progress func(int64, int64)) (verify.Result, error) {
		return verify.Count(ctx, verify.CountExpectation{
			Stream: s.key, Sent: s.sent,
			Expected: func() int64 {
				if st := s.stats(); signal == "metrics" {
					return st.delivered
				} else {
					return st.items
				}
			},
			Undelivered: func() int64 { st := s.stats(); return st.droppedInSDK + st.export.Failed },
			Accepted:    accepted, Before: before,
		}, verify.Options{Window: window, Progress: progress})
	}}
}

// use makes gen the stream's generator.
func (s *stream) use(gen generators.Stream) {
	s.emitted, s.slots, s.run = gen.Emitted, gen.Slots, gen.Run
	s.stats = func() sendStats { return fromStreamStats(gen.Stats()) }
}

func fromStreamStats(st generators.StreamStats) sendStats {
	return sendStats{
		emitted: st.Emitted, slots: st.Slots, missed: st.Missed, items: int64(st.Items), notSampled: int64(st.NotSampled), droppedInSDK: st.DroppedInSDK,
		start: st.Start, end: st.End, flushed: st.Flushed, targetRate: st.TargetRate, achievedRate: st.AchievedRate,
		export: st.Export, delivered: st.Export.Exported + st.Export.Failed, instances: st.Instances,
	}
}

// watchedPerSecond is about how many traces a stream's read-back watches per second while the stream sends: enough
// to measure emit-to-queryable latency, few enough that reading back does not compete with sending.
const watchedPerSecond = 100

// watchEvery is verify.TraceExpectation.WatchEvery for a schedule of traces.
func watchEvery(s *generators.Schedule) uint64 {
	secs := s.Duration().Seconds()
	if secs <= 0 {
		return 1
	}
	return max(uint64(math.Ceil(float64(s.Slots())/secs/watchedPerSecond)), 1)
}

// emitters is how many goroutines build a trace stream's traces: one per core, at most 4. One goroutine tops out
// near what one core builds (BenchmarkEmitTrace); a plain SDK loop uses every core.
func emitters() int { return min(runtime.GOMAXPROCS(0), 4) }

// retryOf is the exporter's retry block with the SDK's defaults for what it leaves out; nil without one.
func retryOf(r *scenarios.Retry) *generators.Retry {
	if r == nil {
		return nil
	}
	return &generators.Retry{Enabled: r.On(),
		InitialInterval: cmp.Or(time.Duration(r.InitialInterval), scenarios.DefaultRetryInitialInterval),
		MaxInterval:     cmp.Or(time.Duration(r.MaxInterval), scenarios.DefaultRetryMaxInterval),
		MaxElapsedTime:  cmp.Or(time.Duration(r.MaxElapsedTime), scenarios.DefaultRetryMaxElapsedTime)}
}
