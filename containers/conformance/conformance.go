// Package conformance is the contract every backend's read-back runs against its real server, in the model of
// testing/slogtest: items are sent through the real SDK exporters to the backend's own endpoint, then read back
// through the Live's readers, and each spec checks one thing verification relies on: one item found as sent,
// many found in one pass, an item never sent reported absent, a copy stored twice counted, a changed item seen
// as changed, and a backend that stops answering giving an error, never an empty answer read as loss.
//
// Kinds runs it over every kind it is given, as otelbench starts each and in its external form; containers/all
// runs it over the registry in make test (labelled docker). Traces, Metrics, Logs and Counts are the contract of
// one signal, for a suite of a backend's own.
package conformance

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // a spec library, as gomega's matchers are
	. "github.com/onsi/gomega"    //nolint:revive
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/verify"
)

// Harness is a backend under test.
type Harness struct {
	// Start starts the backend (or connects to it); the specs terminate it.
	Start func(ctx context.Context) (containers.Live, error)
	// Stop, when set, stops the server behind the backend (an external form's, which Terminate leaves running);
	// otherwise the Live is terminated.
	Stop func(ctx context.Context) error
	// Protocol is the exporter protocol to send with ("otlp-grpc", "zipkin", ...).
	Protocol string
	// StopsAnswering is false for a backend whose read-back outlives it (files on this host): the spec about a
	// backend that stops answering is then left out.
	StopsAnswering bool
}

// Started is a Harness.Start that starts a backend of kind from its pinned image (built or official, whichever
// Docker has), as a run would with default settings.
func Started(kind containers.Kind) func(ctx context.Context) (containers.Live, error) {
	return func(ctx context.Context) (containers.Live, error) {
		d := kind.Describe()
		env := containers.StartEnv{
			Spec:  backend.Spec{Name: "conformance", Type: d.Type, Description: &d},
			RunID: fmt.Sprintf("conformance-%s-%d", d.Type, time.Now().UnixNano()), WorkDir: GinkgoT().TempDir(),
		}
		if img, ok := kind.Image(); ok {
			ref, err := containers.ResolveImage(ctx, img, containers.ImagesAuto)
			if err != nil {
				return nil, err
			}
			env.Image = ref
		}
		return kind.Start(ctx, env)
	}
}

// start runs h.Start once for an Ordered container and stops the backend after it.
func start(h Harness) func() containers.Live {
	var live containers.Live
	BeforeAll(func(ctx SpecContext) {
		var err error
		live, err = h.Start(ctx)
		DeferCleanup(func(ctx SpecContext) { _ = h.stop(ctx, live) })
		Expect(err).NotTo(HaveOccurred())
	}, NodeTimeout(3*time.Minute))
	return func() containers.Live { return live }
}

// stop stops the server behind live.
func (h Harness) stop(ctx context.Context, live containers.Live) error {
	if h.Stop != nil {
		return h.Stop(ctx)
	}
	if live == nil {
		return nil
	}
	return live.Terminate(ctx)
}

// Connected is a Harness.Start and Stop for kind's external form: a server of kind started as a run would start
// it, then reached as an external backend (Connect) at what its External says, which must be an external block a
// scenario accepts (the kind's external keys and its own rules). Stop terminates the server.
func Connected(kind containers.Kind) (start func(ctx context.Context) (containers.Live, error), stop func(ctx context.Context) error) {
	var server containers.Live
	start = func(ctx context.Context) (containers.Live, error) {
		var err error
		if server, err = Started(kind)(ctx); err != nil {
			return nil, err
		}
		ext, ok := server.External()
		if !ok {
			return nil, fmt.Errorf("a started %s backend has no external form", kind.Describe().Type)
		}
		d := kind.Describe()
		spec := backend.Spec{Name: "conformance-external", Type: d.Type, External: &ext, Description: &d}
		var problems []string
		for key, value := range map[string]string{"otlp_grpc": ext.OTLPGRPC, "otlp_http": ext.OTLPHTTP, "url": ext.URL, "files_dir": ext.FilesDir, "metrics_url": ext.MetricsURL} {
			if value != "" && !slices.Contains(d.ExternalKeys, key) {
				problems = append(problems, fmt.Sprintf("external.%s, which a %s backend does not take", key, d.Type))
			}
		}
		if d.Validate != nil {
			d.Validate(spec, func(field, format string, args ...any) {
				problems = append(problems, field+": "+fmt.Sprintf(format, args...))
			})
		}
		if len(problems) > 0 {
			return nil, fmt.Errorf("the external form of a started %s backend is not one a scenario accepts: %s", d.Type, strings.Join(problems, "; "))
		}
		return kind.Connect(ctx, spec)
	}
	stop = func(ctx context.Context) error {
		if server == nil {
			return nil
		}
		return server.Terminate(ctx)
	}
	return start, stop
}

// form is one way a kind is run against the contract: started by otelbench, or reached as external.
type form struct {
	name  string
	start func(ctx context.Context) (containers.Live, error)
	stop  func(ctx context.Context) error
}

// Kinds registers, for every kind, the contract of each signal its description says it gives back, sent with the
// first protocol it receives the signal with: as otelbench starts it, and in its external form (Connected) when it
// has one. A kind read back by count (CountsOnly) runs Counts; every backend must say when it stops answering,
// except one read from files on this host (ReadsFiles), which outlive it.
func Kinds(kinds []containers.Kind) {
	for _, kind := range kinds {
		d := kind.Describe()
		forms := []form{{name: "started", start: Started(kind)}}
		if len(d.ExternalKeys) > 0 {
			start, stop := Connected(kind)
			forms = append(forms, form{"external", start, stop})
		}
		Describe(d.Type, func() {
			for _, form := range forms {
				Describe(form.name, func() {
					for _, s := range generators.Signals {
						if !d.GivesBack(backend.Spec{Type: d.Type}, s) || len(d.Receives[s]) == 0 {
							continue
						}
						h := Harness{Start: form.start, Stop: form.stop, Protocol: d.Receives[s][0], StopsAnswering: !d.ReadsFiles}
						switch {
						case d.CountsOnly:
							Counts(h, s)
						case s == generators.Traces:
							Traces(h)
						case s == generators.Metrics:
							Metrics(h)
						case s == generators.Logs:
							Logs(h)
						}
					}
				})
			}
		})
	}
}

func exporterConfig(live containers.Live, protocol string, signal generators.Signal, stream string) generators.ExporterConfig {
	GinkgoHelper()
	ep, ok := live.Endpoint(protocol, signal, stream)
	Expect(ok).To(BeTrue(), "the backend takes %s over %s", signal, protocol)
	return generators.ExporterConfig{Protocol: protocol, Endpoint: ep.Address, URLPath: ep.URLPath, TLS: ep.TLS, Headers: ep.Headers, Timeout: 10 * time.Second}
}

func randomTraceID() trace.TraceID {
	var id trace.TraceID
	_, _ = rand.Read(id[:])
	return id
}

// traceSpans are the spans of a trace: a root and two children, each with a string, an int and a bool attribute.
func traceSpans(tid trace.TraceID, value string) []sdktrace.ReadOnlySpan {
	now := time.Now()
	var out []sdktrace.ReadOnlySpan
	for i := range 3 {
		stub := tracetest.SpanStub{
			Name:        fmt.Sprintf("conformance-%d", i),
			SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: generators.SpanID(tid, i), TraceFlags: trace.FlagsSampled}),
			StartTime:   now.Add(-time.Millisecond), EndTime: now,
			Attributes: []attribute.KeyValue{attribute.String("conformance.value", value), attribute.Int64(generators.AttrSpan, int64(i)),
				attribute.Bool("conformance.flag", true)},
		}
		if i > 0 {
			stub.Parent = trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: generators.SpanID(tid, 0), TraceFlags: trace.FlagsSampled})
		}
		out = append(out, stub.Snapshot())
	}
	return out
}

// Traces registers the trace read-back contract.
func Traces(h Harness) {
	Describe("trace read-back conformance", Ordered, func() {
		live := start(h)
		var exp sdktrace.SpanExporter
		var reader verify.TraceReader
		BeforeAll(func(ctx SpecContext) {
			var err error
			exp, err = generators.NewTraceExporter(ctx, exporterConfig(live(), h.Protocol, generators.Traces, "conformance"), generators.NewRecorder())
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func(ctx SpecContext) { _ = exp.Shutdown(ctx) })
			reader = live().TraceReader("conformance", h.Protocol)
			Expect(reader).NotTo(BeNil())
		})
		read := func(ctx context.Context, ids []trace.TraceID) func() (map[trace.TraceID][]verify.Span, error) {
			return func() (map[trace.TraceID][]verify.Span, error) { return reader.Traces(ctx, ids) }
		}

		It("finds one trace with every span as sent: IDs, parents, names, attribute values", func(ctx SpecContext) {
			tid := randomTraceID()
			Expect(exp.ExportSpans(ctx, traceSpans(tid, "one"))).To(Succeed())
			Eventually(read(ctx, []trace.TraceID{tid})).WithContext(ctx).Should(HaveKeyWithValue(tid, HaveLen(3)))
			got, err := reader.Traces(ctx, []trace.TraceID{tid})
			Expect(err).NotTo(HaveOccurred())
			for _, s := range got[tid] {
				Expect(s.TraceID).To(Equal(tid))
				Expect(s.Name).To(HavePrefix("conformance-"))
				Expect(fmt.Sprint(s.Attributes["conformance.value"])).To(Equal("one"))
				if s.SpanID != generators.SpanID(tid, 0) {
					Expect(s.ParentID).To(Equal(generators.SpanID(tid, 0)))
				}
			}
		}, SpecTimeout(time.Minute))

		It("finds many traces, reading them in its batches", func(ctx SpecContext) {
			ids := make([]trace.TraceID, 250)
			var spans []sdktrace.ReadOnlySpan
			for i := range ids {
				ids[i] = randomTraceID()
				spans = append(spans, traceSpans(ids[i], "many")...)
			}
			Expect(exp.ExportSpans(ctx, spans)).To(Succeed())
			found := func() (int, error) {
				n := 0
				for from := 0; from < len(ids); from += reader.BatchSize() {
					got, err := reader.Traces(ctx, ids[from:min(from+reader.BatchSize(), len(ids))])
					if err != nil {
						return 0, err
					}
					for _, s := range got {
						n += len(s)
					}
				}
				return n, nil
			}
			Eventually(found).WithContext(ctx).Should(Equal(3 * len(ids)))
		}, SpecTimeout(time.Minute))

		It("answers without error and without spans for a trace never sent", func(ctx SpecContext) {
			got, err := reader.Traces(ctx, []trace.TraceID{randomTraceID()})
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(BeEmpty())
		}, SpecTimeout(time.Minute))

		It("returns every copy of a span stored twice, so that a duplicate is counted", func(ctx SpecContext) {
			tid := randomTraceID()
			Expect(exp.ExportSpans(ctx, traceSpans(tid, "twice"))).To(Succeed())
			Expect(exp.ExportSpans(ctx, traceSpans(tid, "twice"))).To(Succeed())
			Eventually(read(ctx, []trace.TraceID{tid})).WithContext(ctx).Should(HaveKeyWithValue(tid, HaveLen(6)))
		}, SpecTimeout(time.Minute))

		It("returns the values stored, so that a changed span is seen as changed", func(ctx SpecContext) {
			tid := randomTraceID()
			Expect(exp.ExportSpans(ctx, traceSpans(tid, "changed"))).To(Succeed())
			Eventually(read(ctx, []trace.TraceID{tid})).WithContext(ctx).Should(HaveKeyWithValue(tid, HaveLen(3)))
			got, err := reader.Traces(ctx, []trace.TraceID{tid})
			Expect(err).NotTo(HaveOccurred())
			for _, s := range got[tid] {
				Expect(fmt.Sprint(s.Attributes["conformance.value"])).To(Equal("changed"), "not what another trace carried")
			}
		}, SpecTimeout(time.Minute))

		if h.StopsAnswering {
			It("gives an error, not an empty answer, once the backend stops answering", func(ctx SpecContext) {
				Expect(h.stop(ctx, live())).To(Succeed())
				_, err := reader.Traces(ctx, []trace.TraceID{randomTraceID()})
				Expect(err).To(HaveOccurred())
			}, SpecTimeout(time.Minute))
		}
	})
}

// sendMetrics records measurements of plan for d through the SDK pipeline and a push exporter to live, and returns
// how many measurements were recorded and the recorder of the exporter.
func sendMetrics(ctx context.Context, live containers.Live, protocol, stream string, plan generators.MetricPlan, sched *generators.Schedule) (*generators.MetricStream, *generators.Recorder) {
	GinkgoHelper()
	rec := generators.NewRecorder()
	exp, err := generators.NewMetricExporter(ctx, generators.MetricExporterConfig{ExporterConfig: exporterConfig(live, protocol, generators.Metrics, stream)}, rec)
	Expect(err).NotTo(HaveOccurred())
	reader, seal := generators.NewPeriodicReader(exp, 200*time.Millisecond, 10*time.Second)
	ms, err := generators.NewMetricStream(generators.MetricStreamConfig{
		Stream: stream, Workload: "conformance", Exporter: protocol, RunID: "conformance", Plan: plan, Schedule: sched,
		Reader: reader, Recorder: rec, Seal: seal,
	})
	Expect(err).NotTo(HaveOccurred())
	Expect(ms.Run(ctx)).To(Succeed())
	return ms, rec
}

// Metrics registers the metrics read-back contract.
func Metrics(h Harness) {
	Describe("metrics read-back conformance", Ordered, func() {
		live := start(h)
		sched := generators.Constant(300, time.Second)
		plan := generators.MetricPlan{Kinds: []string{generators.Counter, generators.Gauge, generators.Histogram}, Series: 3, Slots: sched.Slots()}
		var ms *generators.MetricStream
		var rec *generators.Recorder
		expectation := func(stream string, emitted uint64, delivered int64) verify.MetricExpectation {
			sent := make(chan struct{})
			close(sent)
			return verify.MetricExpectation{Stream: stream, Plan: plan, Emitted: func() uint64 { return emitted }, Sent: sent,
				Delivered: func() int64 { return delivered }, Since: time.Now().Add(-2 * time.Minute),
				RunID: "conformance", Instance: generators.ServiceInstanceID("conformance", stream)}
		}
		BeforeAll(func(ctx SpecContext) {
			ms, rec = sendMetrics(ctx, live(), h.Protocol, "conformance/metrics", plan, sched)
			Expect(rec.Stats().Exported).To(BeNumerically(">", 0))
		}, NodeTimeout(time.Minute))
		verifyWith := func(ctx context.Context, exp verify.MetricExpectation, window time.Duration) (verify.Result, error) {
			return live().MetricReader(exp.Stream, h.Protocol).VerifyMetrics(ctx, exp, verify.Options{Window: window})
		}

		It("finds every data point of a stream, each series with its final value", func(ctx SpecContext) {
			delivered := rec.Stats().Exported
			res, err := verifyWith(ctx, expectation("conformance/metrics", ms.Emitted(), delivered), 30*time.Second)
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Verified).To(Equal(delivered), "problems: %v", res.Problems)
		}, SpecTimeout(time.Minute))

		It("reports a stream never sent as absent, not verified", func(ctx SpecContext) {
			res, err := verifyWith(ctx, expectation("conformance/absent", 30, 9), 2*time.Second)
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Verified).To(BeZero())
			Expect(res.Lost + res.Altered).To(Equal(int64(9)))
		}, SpecTimeout(time.Minute))

		It("sees a series whose final value differs from the one expected as changed", func(ctx SpecContext) {
			delivered := rec.Stats().Exported
			// One measurement fewer than were recorded: its series' final value is not the one stored.
			res, err := verifyWith(ctx, expectation("conformance/metrics", ms.Emitted()-1, delivered), 3*time.Second)
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Altered).To(BeNumerically(">", 0))
			Expect(res.Verified).To(BeNumerically("<", delivered))
		}, SpecTimeout(time.Minute))

		if h.StopsAnswering {
			It("verifies nothing, saying why, once the backend stops answering", func(ctx SpecContext) {
				Expect(h.stop(ctx, live())).To(Succeed())
				res, err := verifyWith(ctx, expectation("conformance/metrics", ms.Emitted(), rec.Stats().Exported), 2*time.Second)
				Expect(res.Verified).To(BeZero())
				if err == nil {
					Expect(res.Problems).NotTo(BeEmpty(), "the query failures are reported")
				}
			}, SpecTimeout(time.Minute))
		}
	})
}

// sendLogs sends records of stream through the SDK pipeline to live and returns the stream.
func sendLogs(ctx context.Context, live containers.Live, protocol, stream string, values *generators.Values, ids generators.IDs, n int) *generators.LogStream {
	GinkgoHelper()
	rec := generators.NewRecorder()
	exp, err := generators.NewLogExporter(ctx, exporterConfig(live, protocol, generators.Logs, stream), rec)
	Expect(err).NotTo(HaveOccurred())
	ls, err := generators.NewLogStream(generators.LogStreamConfig{
		Stream: stream, Workload: "conformance", Exporter: protocol, RunID: "conformance", Schedule: generators.Constant(float64(n)*4, 250*time.Millisecond),
		IDs: ids, Values: values, Shape: generators.LogShape{Severity: "warn", BodySize: 64, Attributes: 2, AttributeSize: 8, TraceCorrelation: true},
		Batch:       generators.Batch{Size: 512, Queue: 4096, Timeout: 100 * time.Millisecond, ExportTimeout: 10 * time.Second},
		LogExporter: exp, Recorder: rec,
	})
	Expect(err).NotTo(HaveOccurred())
	Expect(ls.Run(ctx)).To(Succeed())
	Expect(ls.Stats().DroppedInSDK).To(BeZero())
	return ls
}

// Logs registers the log read-back contract.
func Logs(h Harness) {
	Describe("log read-back conformance", Ordered, func() {
		live := start(h)
		ids := generators.NewIDs(1, "conformance")
		values := generators.NewValues(1, 8)
		shape := generators.LogShape{Severity: "warn", BodySize: 64, Attributes: 2, AttributeSize: 8, TraceCorrelation: true}
		verifyLogs := func(ctx context.Context, stream string, emitted uint64, vals *generators.Values, window time.Duration) (verify.Result, error) {
			sent := make(chan struct{})
			close(sent)
			src := live().LogSource(stream, h.Protocol)
			Expect(src).NotTo(BeNil())
			return verify.Logs(ctx, src, verify.LogExpectation{Stream: stream, Shape: shape, IDs: ids, Values: vals,
				Emitted: func() uint64 { return emitted }, Sent: sent, RunID: "conformance"}, verify.Options{Window: window})
		}

		It("finds one record as sent", func(ctx SpecContext) {
			ls := sendLogs(ctx, live(), h.Protocol, "conformance/one", values, ids, 1)
			Expect(ls.Emitted()).To(Equal(uint64(1)))
			res, err := verifyLogs(ctx, "conformance/one", 1, values, 30*time.Second)
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Verified).To(Equal(int64(1)), "problems: %v", res.Problems)
		}, SpecTimeout(time.Minute))

		It("finds many records, every one as sent, and reports those never sent as absent", func(ctx SpecContext) {
			ls := sendLogs(ctx, live(), h.Protocol, "conformance/many", values, ids, 300)
			n := ls.Emitted()
			res, err := verifyLogs(ctx, "conformance/many", n+5, values, 10*time.Second)
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Verified).To(Equal(int64(n)), "problems: %v", res.Problems)
			Expect(res.Lost).To(Equal(int64(5)))
		}, SpecTimeout(time.Minute))

		It("counts a record stored twice as duplicated", func(ctx SpecContext) {
			first := sendLogs(ctx, live(), h.Protocol, "conformance/twice", values, ids, 20)
			sendLogs(ctx, live(), h.Protocol, "conformance/twice", values, ids, 20)
			// A read counts the copies that are there; the second may take a moment longer to be queryable.
			Eventually(func() (verify.Result, error) {
				return verifyLogs(ctx, "conformance/twice", first.Emitted(), values, 30*time.Second)
			}).WithContext(ctx).Should(And(
				HaveField("Verified", Equal(int64(first.Emitted()))),
				HaveField("Duplicated", Equal(int64(first.Emitted())))))
		}, SpecTimeout(time.Minute))

		It("sees a record that differs from the one expected as altered", func(ctx SpecContext) {
			ls := sendLogs(ctx, live(), h.Protocol, "conformance/changed", values, ids, 10)
			res, err := verifyLogs(ctx, "conformance/changed", ls.Emitted(), generators.NewValues(2, 8), 30*time.Second)
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Altered).To(Equal(int64(ls.Emitted())))
			Expect(res.Verified).To(BeZero())
		}, SpecTimeout(time.Minute))

		if h.StopsAnswering {
			It("gives an error, not an empty answer, once the backend stops answering", func(ctx SpecContext) {
				Expect(h.stop(ctx, live())).To(Succeed())
				src := live().LogSource("conformance/one", h.Protocol)
				_, err := src(ctx)
				Expect(err).To(HaveOccurred())
			}, SpecTimeout(time.Minute))
		}
	})
}

// Counts registers the contract of a backend read back by count (containers.Counted), for signal: what it
// accepted rises by exactly what was exported to it, and a backend that stops answering gives an error, not a
// count (which would be read as loss, or as nothing to count).
func Counts(h Harness, signal generators.Signal) {
	Describe(string(signal)+" count conformance", Ordered, func() {
		live := start(h)
		var accepted func(ctx context.Context) (int64, error)
		BeforeAll(func() {
			counted, ok := live().(containers.Counted)
			Expect(ok).To(BeTrue(), "a backend read back by count counts what it accepted")
			accepted = counted.Accepted(signal)
			Expect(accepted).NotTo(BeNil())
		})
		// send exports a few items of signal and returns how many the exporter says it delivered.
		send := func(ctx context.Context, stream string) int64 {
			switch signal {
			case generators.Traces:
				exp, err := generators.NewTraceExporter(ctx, exporterConfig(live(), h.Protocol, signal, stream), generators.NewRecorder())
				Expect(err).NotTo(HaveOccurred())
				defer func() { _ = exp.Shutdown(ctx) }()
				for range 10 {
					Expect(exp.ExportSpans(ctx, traceSpans(randomTraceID(), "counted"))).To(Succeed())
				}
				return 30
			case generators.Metrics:
				sched := generators.Constant(100, time.Second)
				_, rec := sendMetrics(ctx, live(), h.Protocol, stream, generators.MetricPlan{Kinds: []string{generators.Counter}, Series: 2, Slots: sched.Slots()}, sched)
				return rec.Stats().Exported
			default:
				ls := sendLogs(ctx, live(), h.Protocol, stream, generators.NewValues(1, 8), generators.NewIDs(1, "conformance"), 50)
				return ls.Stats().Export.Exported
			}
		}

		It("counts every item exported to it, exactly once", func(ctx SpecContext) {
			before, err := accepted(ctx)
			Expect(err).NotTo(HaveOccurred())
			n := send(ctx, "conformance/counted")
			Expect(n).To(BeNumerically(">", 0))
			Eventually(accepted).WithContext(ctx).Should(Equal(before + n))
		}, SpecTimeout(time.Minute))

		if h.StopsAnswering {
			It("gives an error, not a count, once the backend stops answering", func(ctx SpecContext) {
				Expect(h.stop(ctx, live())).To(Succeed())
				_, err := accepted(ctx)
				Expect(err).To(HaveOccurred())
			}, SpecTimeout(time.Minute))
		}
	})
}
