package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/containers/collector"
)

var _ = Describe("reading the sink's count", func() {
	// sink serves a collector's own metrics whose accepted-spans counter takes the values given, then stays.
	sink := func(values ...int) *httptest.Server {
		var calls atomic.Int32
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			i := min(int(calls.Add(1))-1, len(values)-1)
			fmt.Fprintf(w, "otelcol_receiver_accepted_spans{receiver=\"otlp\",transport=\"grpc\"} %d\n", values[i])
		}))
	}

	It("waits until the count stops growing", func(ctx SpecContext) {
		srv := sink(100, 900, 1200, 1200)
		defer srv.Close()
		n, err := settledCount(ctx, collector.Accepted(srv.URL, "traces"), 10, time.Millisecond)
		Expect(err).NotTo(HaveOccurred())
		Expect(n).To(Equal(int64(1200)))
	})

	It("is an error when the count cannot be read", func(ctx SpecContext) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
		defer srv.Close()
		_, err := settledCount(ctx, collector.Accepted(srv.URL, "traces"), 10, time.Millisecond)
		Expect(err).To(HaveOccurred())
	})

	It("is an error when the count never settles", func(ctx SpecContext) {
		n := int64(0)
		_, err := settledCount(ctx, func(context.Context) (int64, error) { n += 10; return n, nil }, 5, time.Millisecond)
		Expect(err).To(MatchError(ContainSubstring("still growing after 5 reads")))
	})

	It("passes the count reader's error on", func(ctx SpecContext) {
		_, err := settledCount(ctx, func(context.Context) (int64, error) { return 0, errors.New("refused") }, 5, time.Millisecond)
		Expect(err).To(MatchError("refused"))
	})
})

var _ = DescribeTable("telemetrygen's claims, from its log",
	func(log string, want int64) { Expect(telemetrygenClaim([]byte(log))).To(Equal(want)) },
	Entry("one worker", `2026-01-01T00:00:00Z INFO traces generated {"worker": 0, "traces": 1234}`, int64(1234)),
	Entry("workers add up", "traces generated {\"worker\": 0, \"traces\": 10}\ntraces generated {\"worker\": 1, \"traces\": 15}\n", int64(25)),
	Entry("nothing claimed", "starting\n", int64(0)),
)

var _ = Describe("micro-benchmarks", func() {
	It("reads go test -bench output, per operation", func() {
		path := filepath.Join(GinkgoT().TempDir(), "micro.txt")
		Expect(os.WriteFile(path, []byte("goos: linux\nBenchmarkSchedulePace-2   \t97000000\t        12.36 ns/op\t       0 B/op\t       0 allocs/op\n"+
			"BenchmarkEmitTrace-2 100000 10658 ns/op 10747 B/op 82 allocs/op\nPASS\nok  \tpkg\t3.1s\n"), 0o644)).To(Succeed())
		got, err := readMicro(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(HaveLen(2))
		Expect(got[0]).To(Equal(micro{Name: "BenchmarkSchedulePace", NsPerOp: 12.36}))
		Expect(got[1].AllocsPerOp).To(Equal(82.0))
	})
})

// fixture is a make bench run as bench.json would hold it: rounds of every sender on both sinks.
func fixture() *results {
	r := &results{Environment: environment{Commit: "0123456789abcdef", GoVersion: "go1.26.8", Machine: "2 CPUs (test)", Backends: map[string]string{"jaeger": "2.13.0"}},
		Duration: "8s", Probe: "8s", Rounds: 3, Rates: map[string]float64{"sink/otelbench sdk": 300_000, "sink/otelbench direct": 500_000,
			"jaeger/otelbench sdk": 200_000}, RefLoop: map[string]refConfig{"sink": {4, 2}}}
	per := map[string]map[string]float64{
		"sink":   {senderRaw: 800_000, senderPlain: 310_000, senderSDK: 300_000, senderDirect: 500_000, senderTelemetrygen: 150_000},
		"jaeger": {senderRaw: 400_000, senderPlain: 250_000, senderSDK: 200_000, senderDirect: 260_000, senderTelemetrygen: 90_000},
	}
	for round := 1; round <= 3; round++ {
		for sink, senders := range per {
			for sender, rate := range senders {
				r.Samples = append(r.Samples, sample{Sender: sender, Sink: sink, Round: round, Seconds: 8, Delivered: int64(rate * 8 * (1 + 0.01*float64(round-2))),
					Claimed: int64(rate * 8), CPUSeconds: 2, Config: "c"})
			}
		}
	}
	r.Accuracy = []accuracy{{Target: 100_000, Achieved: 99_990, Delivered: 99_990, Passed: true}, {Target: 300_000, Achieved: 290_000, Delivered: 290_000}}
	r.Targets = r.targets()
	return r
}

var _ = Describe("targets", func() {
	It("are ratios of medians measured in the same invocation, met or missed", func() {
		byName := map[string]target{}
		for _, t := range fixture().Targets {
			byName[t.Name] = t
		}
		direct := byName["otelbench direct vs the raw OTLP sender, into the counting sink"]
		Expect(direct.Value).To(BeNumerically("~", 500.0/800, 0.001))
		Expect(direct.Met).To(BeFalse(), "0.625 < 0.70")
		sdk := byName["otelbench sdk vs the plain SDK loop, into the counting sink"]
		Expect(sdk.Value).To(BeNumerically("~", 300.0/310, 0.001))
		Expect(sdk.Met).To(BeTrue())
		jaeger := byName["otelbench sdk, every span read back, vs the plain SDK loop, into Jaeger"]
		Expect(jaeger.Met).To(BeFalse(), "0.8 < 0.9")
		Expect(byName["rate accuracy at 100000 spans/s"].Met).To(BeTrue())
		Expect(byName["rate accuracy at 300000 spans/s"].Met).To(BeFalse())
	})

	It("say a target was not measured rather than miss it", func() {
		r := fixture()
		r.Samples = nil
		Expect(r.targets()[0].Missing).To(BeTrue())
	})
})

var _ = Describe("a missed target's profile", func() {
	It("sums every function's own time by the part of the pipeline it belongs to, largest first", func() {
		top := `File: otelbench
Type: cpu
Showing nodes accounting for 3380ms, 100% of 3380ms total
      flat  flat%   sum%        cum   cum%
     190ms  5.62%  5.62%      600ms 17.75%  google.golang.org/protobuf/internal/impl.(*MessageInfo).sizePointerSlow
     180ms  5.33% 10.95%      180ms  5.33%  runtime.memclrNoHeapPointers
     120ms  3.55% 14.50%      780ms 23.08%  go.opentelemetry.io/otel/exporters/otlp/otlptrace/internal/tracetransform.span
      90ms  2.66% 17.16%      450ms 13.31%  github.com/otelbench/otelbench/generators.directBuilder.trace
      80ms  2.37% 19.53%       80ms  2.37%  internal/runtime/syscall/linux.Syscall6
      50ms  1.48% 21.01%      100ms  2.96%  go.opentelemetry.io/otel/sdk/trace.(*recordingSpan).End
      50ms  1.48% 22.49%       50ms  1.48%  internal/runtime/atomic.(*Uint64).Add (inline)
      40ms  1.18% 23.67%       40ms  1.18%  encoding/json.checkValid
      40ms  1.18% 24.85%       40ms  1.18%  unicode/utf8.ValidString
`
		parts := partsOf(top)
		Expect(parts).To(HaveLen(7))
		share := map[string]float64{}
		for _, p := range parts {
			share[p.Part] = p.Share
		}
		Expect(share["OTLP encoding (the exporter's transform, protobuf)"]).To(BeNumerically("~", 0.0917, 1e-9))
		Expect(share["Go runtime (allocation, garbage collection, scheduling)"]).To(BeNumerically("~", 0.0681, 1e-9))
		Expect(share["network (gRPC, HTTP/2, syscalls)"]).To(BeNumerically("~", 0.0237, 1e-9))
		Expect(share["otelbench (generation, pacing, accounting)"]).To(BeNumerically("~", 0.0266, 1e-9))
		Expect(share["OpenTelemetry SDK and API (spans, attributes, batching)"]).To(BeNumerically("~", 0.0148, 1e-9))
		Expect(share["reading back (JSON decoding, HTTP client, verify, the backends' read clients)"]).To(BeNumerically("~", 0.0118, 1e-9))
		Expect(share["other"]).To(BeNumerically("~", 0.0118, 1e-9))
		Expect(parts[0].Part).To(Equal("OTLP encoding (the exporter's transform, protobuf)"), "largest first")
	})
})

var _ = Describe("PERFORMANCE.md", func() {
	It("is rendered from bench.json alone: the commit, every row's figures and every target's verdict", func() {
		r := fixture()
		r.Profiles = map[string]profile{"otelbench direct vs the raw OTLP sender, into the counting sink": {
			Top: "flat  flat%   sum%\n  1.2s 30% 30% runtime.mallocgc", Parts: []profilePart{{Part: "Go runtime (allocation, garbage collection, scheduling)", Share: 0.3}}}}
		path := filepath.Join(GinkgoT().TempDir(), "PERFORMANCE.md")
		Expect(r.renderTo(path)).To(Succeed())
		data, err := os.ReadFile(path)
		Expect(err).NotTo(HaveOccurred())
		page := string(data)
		Expect(page).To(ContainSubstring("`0123456789abcdef`"))
		Expect(page).NotTo(ContainSubstring("<no value>"))
		for _, row := range r.rows() {
			Expect(page).To(ContainSubstring(fmt.Sprintf("| %s | %s |", row.Sink, row.Sender)))
			Expect(page).To(ContainSubstring(fmt.Sprintf("%.0f", row.Median)))
		}
		Expect(strings.Count(page, "**missed**")).To(Equal(3))
		Expect(page).To(ContainSubstring("runtime.mallocgc"), "the profile of a missed target")
		Expect(page).To(ContainSubstring("| Go runtime (allocation, garbage collection, scheduling) | 30.0% |"), "and where its CPU went")
		Expect(page).To(ContainSubstring("| 300000 | 290000.0 | -3.33% |"))
	})

	It("says when the run was a quick one, not for quoting", func() {
		r := fixture()
		r.Quick = true
		path := filepath.Join(GinkgoT().TempDir(), "PERFORMANCE.md")
		Expect(r.renderTo(path)).To(Succeed())
		data, _ := os.ReadFile(path)
		Expect(string(data)).To(ContainSubstring("not for quoting"))
	})
})
