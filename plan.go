package otelbench

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/reports"
	"github.com/otelbench/otelbench/scenarios"
	"github.com/otelbench/otelbench/verify"
)

// plan is a scenario turned into streams (one per workload and exporter) before anything starts.
type plan struct {
	streams []plannedStream
	// traces is the number of traces each backend will be sent, by backend name.
	traces map[string]float64
	ids    generators.IDs
}

type plannedStream struct {
	key      string
	workload *scenarios.Workload
	exporter *scenarios.Exporter
	shape    generators.Shape
	schedule *generators.Schedule // in traces per second
	values   *generators.Values
}

func newPlan(sc *scenarios.Scenario, runID string) (*plan, error) {
	p := &plan{traces: map[string]float64{}, ids: generators.NewIDs(sc.Seed, runID)}
	for wi := range sc.Workloads {
		w := &sc.Workloads[wi]
		shape := generators.Shape{Spans: w.Trace.Spans, Depth: w.Trace.Depth, Attributes: w.Trace.Attributes, AttributeSize: w.Trace.AttributeSize}
		sched := traceSchedule(sc, w)
		values := generators.NewValues(sc.Seed, w.Trace.AttributeSize)
		for _, name := range w.Exporters {
			e := sc.Exporter(name)
			if e == nil {
				return nil, fmt.Errorf("workload %s: no exporter %q", w.Name, name) // validation prevents this
			}
			p.streams = append(p.streams, plannedStream{
				key: w.Name + "/" + e.Name, workload: w, exporter: e, shape: shape, schedule: sched, values: values,
			})
			p.traces[e.Backend] += float64(sched.Slots())
		}
	}
	return p, nil
}

// traceSchedule turns a workload's rate in spans per second into a schedule of whole traces.
func traceSchedule(sc *scenarios.Scenario, w *scenarios.Workload) *generators.Schedule {
	per := float64(w.Trace.Spans)
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

// maxTraces sizes a backend's trace store: everything the run sends with room to spare, so that eviction never
// reads as loss.
func (p *plan) maxTraces(backend string) int {
	return int(math.Ceil(p.traces[backend]*1.2)) + 10_000
}

// backend is a started backend as the run uses it: where exporters send, and how to read back.
type backend interface {
	containers.Backend
	// Endpoint is host:port for protocol.
	Endpoint(protocol string) (string, error)
	// TraceReader reads traces back.
	TraceReader() verify.TraceReader
}

type jaegerBackend struct{ *containers.Jaeger }

func (j jaegerBackend) Endpoint(protocol string) (string, error) {
	switch protocol {
	case generators.OTLPGRPC:
		return j.OTLPGRPCEndpoint(), nil
	case generators.OTLPHTTP:
		return j.OTLPHTTPEndpoint(), nil
	}
	return "", fmt.Errorf("jaeger does not receive %s", protocol)
}

func (j jaegerBackend) TraceReader() verify.TraceReader { return verify.NewJaeger(j.QueryURL()) }

func (j jaegerBackend) Terminate(ctx context.Context) error { return j.Jaeger.Terminate(ctx) }

// startBackend starts b's container. A partly started backend is returned with the error, for termination.
func startBackend(ctx context.Context, b scenarios.Backend, p *plan, opts Options) (backend, error) {
	switch b.Type {
	case "jaeger":
		ref, err := imageRef(ctx, b, opts.Images)
		if err != nil {
			return nil, err
		}
		j, err := containers.RunJaeger(ctx, ref, containers.JaegerConfig{RunID: opts.RunID, MaxTraces: p.maxTraces(b.Name)})
		if j == nil {
			return nil, err
		}
		return jaegerBackend{j}, err
	}
	return nil, fmt.Errorf("backend type %q is not supported", b.Type)
}

// imageRef is the scenario's image for b, or the pinned one resolved under policy.
func imageRef(ctx context.Context, b scenarios.Backend, policy containers.ImagePolicy) (string, error) {
	if b.Image != "" {
		return b.Image, nil
	}
	img, ok := containers.ImageFor(b.Type)
	if !ok {
		return "", fmt.Errorf("no image is pinned for backend type %q", b.Type)
	}
	return containers.ResolveImage(ctx, img, policy)
}

// runningStream is one planned stream with its exporter, generator and verifier.
type runningStream struct {
	plannedStream
	backend string
	rec     *generators.Recorder
	ts      *generators.TraceStream
	reader  verify.TraceReader
	sent    chan struct{}

	sendDone, verifyDone atomic.Bool
	verified, expected   atomic.Int64

	stats     generators.TraceStats
	res       verify.Result
	sendErr   error
	verifyErr error
}

func (ps plannedStream) start(ctx context.Context, b backend, sc *scenarios.Scenario, runID string, p *plan) (*runningStream, error) {
	e := ps.exporter
	endpoint, err := b.Endpoint(e.Protocol)
	if err != nil {
		return nil, fmt.Errorf("exporter %s: %w", e.Name, err)
	}
	rec := generators.NewRecorder()
	exp, err := generators.NewTraceExporter(ctx, generators.ExporterConfig{
		Protocol: e.Protocol, Endpoint: endpoint, Compression: e.Compression, Timeout: time.Duration(e.ExportTimeout),
	}, rec)
	if err != nil {
		return nil, fmt.Errorf("exporter %s: %w", e.Name, err)
	}
	ts, err := generators.NewTraceStream(generators.TraceStreamConfig{
		Stream: ps.key, Workload: ps.workload.Name, Exporter: e.Name, RunID: runID,
		Shape: ps.shape, Schedule: ps.schedule, IDs: p.ids, Values: ps.values,
		Batch: generators.Batch{
			Size: e.BatchSize, Queue: e.QueueSize,
			Timeout: time.Duration(e.BatchTimeout), ExportTimeout: time.Duration(e.ExportTimeout),
		},
		SpanExporter: exp, Recorder: rec,
	})
	if err != nil {
		_ = exp.Shutdown(context.WithoutCancel(ctx))
		return nil, err
	}
	return &runningStream{
		plannedStream: ps, backend: e.Backend, rec: rec, ts: ts, reader: b.TraceReader(), sent: make(chan struct{}),
	}, nil
}

// abort releases the exporter of a stream that will not run.
func (s *runningStream) abort() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = s.ts.Config().SpanExporter.Shutdown(ctx)
}

func (s *runningStream) send(ctx context.Context) {
	defer close(s.sent)
	defer s.sendDone.Store(true)
	s.sendErr = s.ts.Run(ctx)
	s.stats = s.ts.Stats()
}

func (s *runningStream) verify(ctx context.Context, sc *scenarios.Scenario) {
	defer s.verifyDone.Store(true)
	s.res, s.verifyErr = verify.Traces(ctx, s.reader, verify.TraceExpectation{
		Stream: s.key, Workload: s.workload.Name, Shape: s.shape, IDs: s.ts.Config().IDs, Values: s.values,
		Emitted: s.ts.Emitted, Sent: s.sent,
	}, verify.Options{
		Window: time.Duration(sc.Verify.Timeout),
		Progress: func(verified, expected int64) {
			s.verified.Store(verified)
			s.expected.Store(expected)
		},
	})
	if s.verifyErr != nil && ctx.Err() == nil {
		s.verifyErr = fmt.Errorf("verify %s: %w", s.key, s.verifyErr)
	} else {
		s.verifyErr = nil
	}
}

func (s *runningStream) sendProgress() *Progress {
	spans := int64(s.shape.Spans)
	return &Progress{
		Name:    "send   " + s.key,
		Unit:    "spans",
		Current: func() int64 { return int64(s.ts.Emitted()) * spans },
		Total:   func() int64 { return int64(s.ts.Slots()) * spans },
		Done:    s.sendDone.Load,
	}
}

func (s *runningStream) verifyProgress() *Progress {
	return &Progress{
		Name:    "verify " + s.key,
		Unit:    "spans",
		Current: s.verified.Load,
		Total: func() int64 {
			if s.sendDone.Load() {
				return int64(s.ts.Emitted()) * int64(s.shape.Spans)
			}
			return int64(s.ts.Slots()) * int64(s.shape.Spans)
		},
		Done: s.verifyDone.Load,
	}
}

// row is the stream's line in the report.
func (s *runningStream) row() reports.Exporter {
	st, res := s.stats, s.res
	p90 := reports.Millis(st.Export.Latency.P90)
	row := reports.Exporter{
		Name: s.exporter.Name, Workload: s.workload.Name, Signal: s.workload.Signal, Protocol: s.exporter.Protocol,
		Backend:  s.backend,
		Sent:     int64(st.Spans),
		Verified: res.Verified, Lost: res.Lost, Duplicated: res.Duplicated, Altered: res.Altered,
		DroppedInSDK:      st.DroppedInSDK,
		TargetRatePerS:    round(st.TargetRate),
		AchievedRatePerS:  round(st.AchievedRate),
		MissedSlots:       st.Missed,
		ExportCalls:       st.Export.Calls,
		ExportFailedCalls: st.Export.FailedCalls,
		ExportFailedItems: st.Export.Failed,
		BytesSent:         st.Export.Bytes,
		ExportLatencyMs: reports.Latency{
			P50: reports.Millis(st.Export.Latency.P50), P90: &p90,
			P99: reports.Millis(st.Export.Latency.P99), Max: reports.Millis(st.Export.Latency.Max),
		},
		VisibilityLatencyMs: reports.Latency{
			P50: reports.Millis(res.Visibility.P50), P99: reports.Millis(res.Visibility.P99), Max: reports.Millis(res.Visibility.Max),
		},
		VerifyRounds: res.Rounds,
		Problems:     res.Problems,
	}
	if len(st.Export.Errors) > 0 {
		row.ExportErrors = st.Export.Errors
	}
	if d := st.Flushed.Sub(st.Start).Seconds(); d > 0 {
		row.ThroughputPerS = round(float64(st.Export.Exported) / d)
	}
	row.Passed = res.Passed() && row.Sent == res.Expected && row.Verified == row.Sent && row.DroppedInSDK == 0
	return row
}

func round(v float64) float64 { return math.Round(v*10) / 10 }
