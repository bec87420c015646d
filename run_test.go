package otelbench_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/otelbench/otelbench"
	"github.com/otelbench/otelbench/reports"
	"github.com/otelbench/otelbench/scenarios"
)

// consoleScenario is a scenario built in Go, not read from a file: traces and logs for duration into the SDK's
// console exporters, which need nothing started.
func consoleScenario(duration time.Duration) *scenarios.Scenario {
	return &scenarios.Scenario{
		Version:   1,
		Name:      "library",
		Duration:  scenarios.Duration(duration),
		Verify:    scenarios.Verify{Timeout: scenarios.Duration(10 * time.Second)},
		Backends:  []scenarios.Backend{{Name: "stdout", Type: "console"}},
		Exporters: []scenarios.Exporter{{Name: "console", Protocol: "console", Backend: "stdout", BatchTimeout: scenarios.Duration(100 * time.Millisecond)}},
		Workloads: []scenarios.Workload{
			{Name: "checkout", Signal: "traces", Exporters: []string{"console"}, Rate: 200, Trace: scenarios.TraceShape{Spans: 2}},
			{Name: "audit", Signal: "logs", Exporters: []string{"console"}, Rate: 100},
		},
	}
}

// jaegerScenario sends traces to a Jaeger the run starts.
func jaegerScenario() *scenarios.Scenario {
	return &scenarios.Scenario{
		Version: 1, Name: "library-jaeger", Duration: scenarios.Duration(time.Second),
		Verify:    scenarios.Verify{Timeout: scenarios.Duration(20 * time.Second)},
		Backends:  []scenarios.Backend{{Name: "jaeger", Type: "jaeger"}},
		Exporters: []scenarios.Exporter{{Name: "grpc", Protocol: "otlp-grpc", Backend: "jaeger", BatchTimeout: scenarios.Duration(100 * time.Millisecond)}},
		Workloads: []scenarios.Workload{{Name: "checkout", Signal: "traces", Exporters: []string{"grpc"}, Rate: 100}},
	}
}

// captured runs f with this process's standard output and error (the file descriptors, so that whatever writes
// there, Go code or not, is caught) going to a pipe, and returns what was written.
func captured(f func()) string {
	GinkgoHelper()
	r, w, err := os.Pipe()
	Expect(err).NotTo(HaveOccurred())
	saved := map[int]int{}
	for _, fd := range []int{1, 2} {
		saved[fd], err = unix.Dup(fd)
		Expect(err).NotTo(HaveOccurred())
		Expect(unix.Dup3(int(w.Fd()), fd, 0)).To(Succeed())
	}
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		got <- b
	}()
	defer func() {
		for fd, s := range saved {
			_ = unix.Dup3(s, fd, 0)
			_ = unix.Close(s)
		}
	}()
	f()
	for fd, s := range saved {
		Expect(unix.Dup3(s, fd, 0)).To(Succeed())
	}
	Expect(w.Close()).To(Succeed())
	return string(<-got)
}

var _ = Describe("Run, called as a library", func() {
	It("refuses no scenario with an error", func(ctx SpecContext) {
		rep, err := otelbench.Run(ctx, nil, otelbench.Options{})
		Expect(err).To(MatchError(otelbench.ErrNoScenario))
		Expect(rep).To(BeNil())
	})

	It("validates a scenario built in Go, saying which fields are wrong, and starts nothing", func(ctx SpecContext) {
		sc := consoleScenario(time.Second)
		sc.Workloads[0].Rate = 0
		sc.Exporters[0].Backend = "nowhere"
		rep, err := otelbench.Run(ctx, sc, otelbench.Options{})
		Expect(rep).To(BeNil())
		var errs scenarios.Errors
		Expect(err).To(BeAssignableToTypeOf(errs))
		Expect(err.Error()).To(ContainSubstring(`exporters[0].backend: exporter "console" sends to backend "nowhere", which is not defined`))
		Expect(err.Error()).To(ContainSubstring(`workloads[0].rate: workload "checkout" has neither rate nor stages`))
	})

	It("runs a valid scenario built in Go, with the defaults a file would get, and prints nothing", func(ctx SpecContext) {
		sc := consoleScenario(time.Second)
		var rep *reports.Report
		var err error
		out := captured(func() { rep, err = otelbench.Run(ctx, sc, otelbench.Options{}) })
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(BeEmpty(), "a library run prints nothing")
		Expect(rep.Passed).To(BeTrue())
		Expect(rep.Exporters).To(HaveLen(2))
		for _, e := range rep.Exporters {
			Expect(e.Verified).To(Equal(e.Sent))
			Expect(e.Sent).To(BeNumerically(">", 0))
		}
		Expect(sc.Exporters[0].BatchSize).To(Equal(512), "the defaults are applied")
	}, SpecTimeout(time.Minute))

	It("returns what it measured when its context is cancelled, marked interrupted", func(ctx SpecContext) {
		runCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		var emitted bool
		obs := &watcher{onTrack: func(p *otelbench.Progress) {
			if p.Unit == "spans" && !emitted {
				emitted = true
				go func() {
					defer GinkgoRecover()
					Eventually(p.Current).Should(BeNumerically(">", 100))
					cancel()
				}()
			}
		}}
		rep, err := otelbench.Run(runCtx, consoleScenario(time.Minute), otelbench.Options{Observer: obs})
		Expect(err).To(MatchError(otelbench.ErrInterrupted))
		Expect(rep).NotTo(BeNil())
		Expect(rep.Interrupted).To(BeTrue())
		Expect(rep.Passed).To(BeFalse())
		Expect(rep.Exporters).To(HaveLen(2))
		Expect(rep.Exporters[0].Emitted).To(BeNumerically(">", 100))
		Expect(rep.Exporters[0].Emitted).To(BeNumerically("<", 200*60), "it stopped long before the minute was up")
	}, SpecTimeout(time.Minute))
})

var _ = Describe("Run's output with containers", Label("docker"), func() {
	It("prints nothing of testcontainers' own, and gives it to Options.Logger when one is set", func(ctx SpecContext) {
		var rep *reports.Report
		var err error
		out := captured(func() { rep, err = otelbench.Run(ctx, jaegerScenario(), otelbench.Options{}) })
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.Passed).To(BeTrue())
		Expect(out).To(BeEmpty())

		var logged bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
		out = captured(func() { rep, err = otelbench.Run(ctx, jaegerScenario(), otelbench.Options{Logger: logger}) })
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(BeEmpty())
		Expect(logged.String()).To(ContainSubstring("component=testcontainers"))
		Expect(logged.String()).To(ContainSubstring("Container started"))
	}, SpecTimeout(2*time.Minute))
})

// watcher is an Observer that hands over the counters it is given.
type watcher struct{ onTrack func(*otelbench.Progress) }

func (w *watcher) Phase(string)                {}
func (w *watcher) Track(p *otelbench.Progress) { w.onTrack(p) }

var _ = Describe("the direct pipeline", func() {
	It("hands batches straight to the exporter, and they read back exactly as the SDK pipeline's", func(ctx SpecContext) {
		sc := consoleScenario(time.Second)
		sc.Workloads = sc.Workloads[:1] // traces
		sc.Workloads[0].Trace = scenarios.TraceShape{Spans: 5, Attributes: 3}
		sc.Exporters[0].Pipeline = "direct"
		rep, err := otelbench.Run(ctx, sc, otelbench.Options{})
		Expect(err).NotTo(HaveOccurred())
		row := rep.Exporters[0]
		Expect(row.Sent).To(Equal(int64(200)), "200 spans a second for a second")
		Expect(row.Verified).To(Equal(row.Sent))
		Expect(rep.Compatibility[0].Changes).To(BeEmpty(), "kind, status, event and link as the SDK records them")
	}, SpecTimeout(time.Minute))
})

var _ = Describe("the direct pipeline for logs", func() {
	It("hands records straight to the exporter, each read back whole with its trace correlation", func(ctx SpecContext) {
		sc := consoleScenario(time.Second)
		sc.Workloads = sc.Workloads[1:] // logs
		sc.Workloads[0].Rate = 300
		sc.Workloads[0].Logs = scenarios.LogShape{Severity: "warn", BodySize: 200, Attributes: 4, TraceCorrelation: true}
		sc.Exporters[0].Pipeline = "direct"
		rep, err := otelbench.Run(ctx, sc, otelbench.Options{})
		Expect(err).NotTo(HaveOccurred())
		row := rep.Exporters[0]
		Expect(row.Sent).To(Equal(int64(300)))
		Expect(row.Verified).To(Equal(row.Sent), "body, severity, attributes, trace and span IDs as the SDK pipeline sends them")
		Expect(rep.Compatibility[0].Changes).To(BeEmpty())
	}, SpecTimeout(time.Minute))
})

var _ = Describe("instances", func() {
	It("send one workload through several SDK pipelines, counted together, every trace read back", func(ctx SpecContext) {
		sc := consoleScenario(time.Second)
		sc.Workloads = sc.Workloads[:1]
		sc.Workloads[0].Rate = 400
		sc.Exporters[0].Instances = 3
		rep, err := otelbench.Run(ctx, sc, otelbench.Options{})
		Expect(err).NotTo(HaveOccurred())
		row := rep.Exporters[0]
		Expect(row.Sent).To(Equal(int64(400)))
		Expect(row.Verified).To(Equal(row.Sent))
		Expect(row.ExportCalls).To(BeNumerically(">=", 3), "each instance exports its own batches")
		Expect(row.Instances).To(HaveLen(3), "one report per instance")
		var sent, calls int64
		for _, in := range row.Instances {
			Expect(in.Sent).To(BeNumerically(">", 0), "instance %d was handed spans", in.Instance)
			Expect(in.ExportCalls).To(BeNumerically(">", 0), "instance %d exported", in.Instance)
			Expect(in.DroppedInSDK).To(BeZero())
			sent += in.Sent
			calls += in.ExportCalls
		}
		Expect(sent).To(Equal(row.Sent), "the row is the sum of its instances")
		Expect(calls).To(Equal(row.ExportCalls))
	}, SpecTimeout(time.Minute))
})

var _ = Describe("metrics through the console exporter", func() {
	// metricsScenario is consoleScenario with one metrics workload of every instrument kind, 5 series each, into
	// stdoutmetric.
	metricsScenario := func(temporality, pipeline string) *scenarios.Scenario {
		sc := consoleScenario(time.Second)
		sc.Exporters[0].Temporality, sc.Exporters[0].Pipeline = temporality, pipeline
		sc.Exporters[0].ExportInterval = scenarios.Duration(200 * time.Millisecond)
		sc.Workloads = []scenarios.Workload{{Name: "inventory", Signal: "metrics", Exporters: []string{"console"}, Rate: 500,
			Metrics: scenarios.MetricsShape{Series: 5}}}
		return sc
	}

	DescribeTable("reads back every data point stdoutmetric printed, one export per line, and verifies each series' final value",
		func(ctx SpecContext, temporality, pipeline string) {
			out := GinkgoT().TempDir()
			rep, err := otelbench.Run(ctx, metricsScenario(temporality, pipeline), otelbench.Options{OutDir: out})
			Expect(err).NotTo(HaveOccurred())
			Expect(rep.Exporters).To(HaveLen(1))
			row := rep.Exporters[0]
			Expect(row.Signal).To(Equal("metrics"))
			Expect(row.Backend).To(Equal("stdout"))
			Expect(row.Emitted).To(Equal(int64(500)))
			Expect(row.ExportCalls).To(BeNumerically(">=", 4), "an export every 200 ms for a second")
			Expect(row.Sent).To(BeNumerically(">=", 25), "data points: at least the 5 × 5 series once")
			Expect(row.Verified).To(Equal(row.Sent), "%+v", row)
			Expect(row.Passed).To(BeTrue(), "%+v", row.Causes)

			printed, err := os.ReadFile(filepath.Join(out, "console", "inventory.console.jsonl"))
			Expect(err).NotTo(HaveOccurred())
			Expect(bytes.Count(printed, []byte("\n"))).To(BeEquivalentTo(row.ExportCalls), "one JSON document per export")
			Expect(string(printed)).To(ContainSubstring(`"Temporality":"` + map[string]string{"cumulative": "Cumulative", "delta": "Delta"}[temporality] + `Temporality"`))
		},
		Entry("cumulative, through the SDK's periodic reader", SpecTimeout(time.Minute), "cumulative", "sdk"),
		Entry("delta, through the SDK's periodic reader", SpecTimeout(time.Minute), "delta", "sdk"),
		Entry("delta, handed straight to the exporter", SpecTimeout(time.Minute), "delta", "direct"),
	)

	It("reports the series the SDK folded into its overflow series, as a collector's files do", func(ctx SpecContext) {
		sc := metricsScenario("cumulative", "sdk")
		sc.Workloads[0].Metrics = scenarios.MetricsShape{Instruments: []string{"counter"}, Series: 10, CardinalityLimit: 5}
		rep, err := otelbench.Run(ctx, sc, otelbench.Options{})
		Expect(err).NotTo(HaveOccurred())
		row := rep.Exporters[0]
		Expect(row.Passed).To(BeFalse())
		Expect(row.Overflowed).To(BeNumerically(">", 0))
		Expect(row.OverflowedSeriesCount).To(BeNumerically(">=", 6), "4 series kept, the other 6 folded")
		Expect(row.Verified + row.Overflowed).To(Equal(row.Sent))
		Expect(row.Lost + row.Altered + row.Duplicated).To(BeZero())
	}, SpecTimeout(time.Minute))
})

var _ = Describe("latency from the schedule", func() {
	It("times emit-to-queryable from when each trace was due as well as from when it was sent", func(ctx SpecContext) {
		sc := consoleScenario(2 * time.Second)
		sc.Workloads = sc.Workloads[:1]
		rep, err := otelbench.Run(ctx, sc, otelbench.Options{})
		Expect(err).NotTo(HaveOccurred())
		row := rep.Exporters[0]
		Expect(row.VisibilityFromScheduleMs).NotTo(BeNil())
		Expect(row.VisibilityFromScheduleMs.Count).To(BeNumerically(">", 0))
		// Never less than from the send time: a trace is sent at or after it is due.
		Expect(row.VisibilityFromScheduleMs.P50).To(BeNumerically(">=", row.VisibilityLatencyMs.P50*0.99))
		Expect(row.ExportLatencyMs.Count).To(Equal(row.ExportCalls))
		Expect(row.ExportLatencyMs.P999).NotTo(BeNil())
	}, SpecTimeout(time.Minute))
})
