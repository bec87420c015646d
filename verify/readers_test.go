package verify_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/verify"
)

// serve answers every request with body and records the last URL asked.
func serve(status int, body string, asked *string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if asked != nil {
			*asked = r.URL.String()
		}
		w.WriteHeader(status)
		_, _ = fmt.Fprint(w, body)
	}))
	DeferCleanup(srv.Close)
	return srv
}

var _ = Describe("collector file exporter reader", func() {
	It("parses OTLP JSON lines and leaves a line still being written for later", func() {
		dir := GinkgoT().TempDir()
		line := `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"audit"}}]},"scopeLogs":[{"logRecords":[` +
			`{"timeUnixNano":"1700000000000000000","severityNumber":13,"severityText":"WARN","body":{"stringValue":"hi"},` +
			`"attributes":[{"key":"otelbench.seq","value":{"intValue":"7"}},{"key":"f","value":{"doubleValue":1.5}},{"key":"b","value":{"boolValue":true}}],` +
			`"traceId":"2cb039c6e2afec1b01ee5c613359d5ca","spanId":"33be2e9f1ccb987c"}]}]}]}`
		Expect(os.WriteFile(filepath.Join(dir, "logs.jsonl"), []byte(line+"\n"+line[:40]), 0o644)).To(Succeed())
		recs, err := verify.LogFiles(dir)(context.Background())
		Expect(err).NotTo(HaveOccurred())
		Expect(recs).To(HaveLen(1))
		r := recs[0]
		Expect(r.Body).To(Equal("hi"))
		Expect(r.Severity).To(Equal(13))
		Expect(r.Attributes).To(Equal(map[string]any{"otelbench.seq": int64(7), "f": 1.5, "b": true}))
		Expect(r.Resource).To(HaveKeyWithValue("service.name", "audit"))
		Expect(r.TraceID.String()).To(Equal("2cb039c6e2afec1b01ee5c613359d5ca"))
		Expect(r.Time).To(Equal(time.Unix(1700000000, 0)))
	})

	It("returns each record once, as it is appended, and only from logs files", func() {
		dir := GinkgoT().TempDir()
		line := func(seq int) string {
			return fmt.Sprintf(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"r"},"attributes":[{"key":"otelbench.seq","value":{"intValue":"%d"}}]}]}]}]}`, seq)
		}
		path := filepath.Join(dir, "logs.jsonl")
		Expect(os.WriteFile(path, []byte(line(1)+"\n"+line(2)+"\n"), 0o644)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte(`{"resourceMetrics":[]}`+"\n"), 0o644)).To(Succeed())
		src := verify.LogFiles(dir)
		seqs := func() []any {
			recs, err := src(context.Background())
			Expect(err).NotTo(HaveOccurred())
			var out []any
			for _, r := range recs {
				out = append(out, r.Attributes["otelbench.seq"])
			}
			return out
		}
		Expect(seqs()).To(Equal([]any{int64(1), int64(2)}))
		Expect(seqs()).To(BeEmpty())
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		Expect(err).NotTo(HaveOccurred())
		_, err = f.WriteString(line(3) + "\n" + line(4)[:30])
		Expect(err).NotTo(HaveOccurred())
		Expect(seqs()).To(Equal([]any{int64(3)}))
		_, err = f.WriteString(line(4)[30:] + "\n")
		Expect(err).NotTo(HaveOccurred())
		Expect(f.Close()).To(Succeed())
		Expect(seqs()).To(Equal([]any{int64(4)}))
	})

	DescribeTable("says what it cannot read, as an error that ends verification rather than as loss",
		func(prepare func(dir string) string, want string) {
			dir := GinkgoT().TempDir()
			src := verify.LogFiles(prepare(dir))
			_, err := src(context.Background())
			Expect(err).To(MatchError(verify.ErrUnreadable))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("a folder that does not exist", func(dir string) string { return filepath.Join(dir, "typo") }, "does not exist or is not a folder"),
		Entry("a line that is not OTLP JSON", func(dir string) string {
			Expect(os.WriteFile(filepath.Join(dir, "logs.jsonl"), []byte("{\"resourceLogs\":[]}\n{\"resourceLogs\": [tru\n{}\n"), 0o644)).To(Succeed())
			return dir
		}, "logs.jsonl line 2: not OTLP JSON logs"),
	)

	It("says when a file it read was truncated", func() {
		dir := GinkgoT().TempDir()
		path := filepath.Join(dir, "logs.jsonl")
		Expect(os.WriteFile(path, []byte("{\"resourceLogs\":[]}\n{\"resourceLogs\":[]}\n"), 0o644)).To(Succeed())
		src := verify.LogFiles(dir)
		_, err := src(context.Background())
		Expect(err).NotTo(HaveOccurred())
		Expect(os.Truncate(path, 10)).To(Succeed())
		_, err = src(context.Background())
		Expect(err).To(MatchError(verify.ErrUnreadable))
		Expect(err).To(MatchError(ContainSubstring("shrank from 40 to 10 bytes")))
	})
})

// fakeProm answers PromQL from a function of the expression.
type fakeProm func(expr string) []verify.Sample

func (f fakeProm) Query(_ context.Context, expr string, _ time.Time) ([]verify.Sample, error) {
	return f(expr), nil
}

var _ = Describe("Metrics verification", func() {
	plan := generators.MetricPlan{Kinds: []string{generators.Counter, generators.Histogram}, Series: 2, Slots: 40}
	want := plan.Expect(40)
	prom := func(stored int64, counterOff float64) fakeProm {
		return func(expr string) []verify.Sample {
			if strings.Contains(expr, "otel_metric_overflow") {
				return nil // no overflow series
			}
			if strings.HasPrefix(expr, "count_over_time(") {
				// stored samples per instrument kind, spread over its two series
				return []verify.Sample{
					{Labels: map[string]string{"otelbench_series": "g0-s0"}, Value: float64(stored / 2)},
					{Labels: map[string]string{"otelbench_series": "g0-s1"}, Value: float64(stored - stored/2)},
				}
			}
			var out []verify.Sample
			for key, v := range want {
				labels := map[string]string{"otelbench_series": key.Series}
				switch {
				case key.Kind == generators.Counter && strings.HasPrefix(expr, "otelbench_requests_total{"):
					out = append(out, verify.Sample{Labels: labels, Value: v.Sum + counterOff})
				case key.Kind == generators.Histogram && strings.HasPrefix(expr, "otelbench_duration_seconds_count{"):
					out = append(out, verify.Sample{Labels: labels, Value: float64(v.Count)})
				case key.Kind == generators.Histogram && strings.HasPrefix(expr, "otelbench_duration_seconds_sum{"):
					out = append(out, verify.Sample{Labels: labels, Value: v.Sum})
				}
			}
			return out
		}
	}
	run := func(q verify.PromQL, delivered int64) verify.Result {
		sent := make(chan struct{})
		close(sent)
		res, err := verify.Metrics(context.Background(), q, verify.MetricExpectation{
			Stream: "m/e", Plan: plan, Emitted: func() uint64 { return 40 }, Sent: sent,
			Delivered: func() int64 { return delivered }, Since: time.Now(),
		}, verify.Options{Window: 50 * time.Millisecond, Interval: time.Millisecond})
		Expect(err).NotTo(HaveOccurred())
		return res
	}

	DescribeTable("compares final values and counts stored samples",
		func(stored, delivered int64, off float64, want verify.Result) {
			res := run(prom(stored, off), delivered)
			Expect(res.Expected).To(Equal(delivered))
			Expect(res.Verified).To(Equal(want.Verified))
			Expect(res.Lost).To(Equal(want.Lost))
			Expect(res.Duplicated).To(Equal(want.Duplicated))
			Expect(res.Altered).To(Equal(want.Altered))
		},
		// The fake stores the same count for each instrument kind.
		Entry("every data point stored with the right values", int64(20), int64(40), 0.0, verify.Result{Verified: 40}),
		Entry("samples missing", int64(15), int64(40), 0.0, verify.Result{Verified: 30, Lost: 10}),
		Entry("a counter off by one", int64(20), int64(40), 1.0, verify.Result{Verified: 20, Altered: 20}),
	)
})

var _ = Describe("Metrics verification from files (collector file exporter)", func() {
	plan := generators.MetricPlan{Kinds: []string{generators.Counter}, Series: 2, Slots: 8}
	in, _ := generators.InstrumentOf(generators.Counter)
	t0 := time.Unix(1700000000, 0)
	// points are delta points: measurements 0..7 alternate series g0-s0, g0-s1 with values 1+k%3.
	deltaPoints := func() []verify.MetricPoint {
		var out []verify.MetricPoint
		for k := range uint64(8) {
			_, series, v := plan.At(k)
			out = append(out, verify.MetricPoint{Name: in.Name, Type: "sum", Delta: true, Time: t0.Add(time.Duration(k) * time.Second), Value: v,
				Attributes: map[string]any{generators.AttrStream: "m/e", generators.AttrSeries: series}})
		}
		return out
	}
	run := func(points []verify.MetricPoint, delivered int64) verify.Result {
		sent := make(chan struct{})
		close(sent)
		read := false // each read returns what arrived since the previous one
		res, err := verify.MetricsFromSource(context.Background(), func(context.Context) ([]verify.MetricPoint, error) {
			if read {
				return nil, nil
			}
			read = true
			return points, nil
		},
			verify.MetricExpectation{Stream: "m/e", Plan: plan, Emitted: func() uint64 { return 8 }, Sent: sent,
				Delivered: func() int64 { return delivered }, Instance: "run/m/e", CardinalityLimit: 2},
			verify.Options{Window: 20 * time.Millisecond, Interval: time.Millisecond})
		Expect(err).NotTo(HaveOccurred())
		return res
	}

	DescribeTable("folds delta points and counts every one",
		func(mutate func([]verify.MetricPoint) []verify.MetricPoint, want verify.Result) {
			res := run(mutate(deltaPoints()), 8)
			Expect(res.Verified).To(Equal(want.Verified), "verified")
			Expect(res.Lost).To(Equal(want.Lost), "lost")
			Expect(res.Duplicated).To(Equal(want.Duplicated), "duplicated")
			Expect(res.Altered).To(Equal(want.Altered), "altered")
			Expect(res.Overflowed).To(Equal(want.Overflowed), "overflowed")
		},
		Entry("all points, sums right", func(p []verify.MetricPoint) []verify.MetricPoint { return p }, verify.Result{Verified: 8}),
		Entry("a point lost: its series no longer adds up, the other still does", func(p []verify.MetricPoint) []verify.MetricPoint { return p[1:] },
			verify.Result{Verified: 4, Altered: 3, Lost: 1}),
		Entry("a point delivered twice", func(p []verify.MetricPoint) []verify.MetricPoint { return append(p, p[3]) },
			verify.Result{Verified: 8, Duplicated: 1}),
		Entry("a value changed: its series is altered, the other verified", func(p []verify.MetricPoint) []verify.MetricPoint { p[2].Value += 1; return p },
			verify.Result{Verified: 4, Altered: 4}),
		Entry("a series folded into the SDK's overflow series", func(p []verify.MetricPoint) []verify.MetricPoint {
			for i := range p {
				if p[i].Attributes[generators.AttrSeries] == "g0-s1" {
					p[i].Attributes = map[string]any{verify.OverflowAttribute: true}
					p[i].Resource = map[string]any{"service.instance.id": "run/m/e"}
				}
			}
			return p
		}, verify.Result{Verified: 4, Overflowed: 4}),
	)
})

var _ = Describe("Metrics verification once the outcome is certain", func() {
	plan := generators.MetricPlan{Kinds: []string{generators.Counter}, Series: 2, Slots: 8}
	in, _ := generators.InstrumentOf(generators.Counter)
	t0 := time.Unix(1700000000, 0)
	// The final export (the last two cumulative points) failed: the backend holds the six before it.
	stored := func() []verify.MetricPoint {
		var out []verify.MetricPoint
		sums := map[string]float64{}
		for k := range uint64(6) {
			_, series, v := plan.At(k)
			sums[series] += v
			out = append(out, verify.MetricPoint{Name: in.Name, Type: "sum", Time: t0.Add(time.Duration(k) * time.Second), Value: sums[series],
				Attributes: map[string]any{generators.AttrStream: "m/e", generators.AttrSeries: series}})
		}
		return out
	}
	verifyFiles := func(ctx context.Context, undelivered func() int64, window time.Duration) verify.Result {
		sent := make(chan struct{})
		close(sent)
		read := false
		res, err := verify.MetricsFromSource(ctx, func(context.Context) ([]verify.MetricPoint, error) {
			if read {
				return nil, nil
			}
			read = true
			return stored(), nil
		}, verify.MetricExpectation{Stream: "m/e", Plan: plan, Emitted: func() uint64 { return 8 }, Sent: sent,
			Delivered: func() int64 { return 8 }, Undelivered: undelivered, Instance: "run/m/e"},
			verify.Options{Window: window, Interval: time.Millisecond})
		Expect(err).NotTo(HaveOccurred())
		return res
	}

	It("ends without waiting out the window when what is missing is the data points whose export failed", func(ctx SpecContext) {
		start := time.Now()
		res := verifyFiles(ctx, func() int64 { return 2 }, time.Hour)
		Expect(time.Since(start)).To(BeNumerically("<", 5*time.Second))
		Expect(res.Verified).To(BeZero(), "both series miss their final value")
		Expect(res.Lost + res.Altered).To(Equal(int64(8)))
	}, SpecTimeout(10*time.Second))

	It("waits out the window when data points are missing that the exporter delivered", func(ctx SpecContext) {
		start := time.Now()
		verifyFiles(ctx, func() int64 { return 0 }, 300*time.Millisecond)
		Expect(time.Since(start)).To(BeNumerically(">=", 300*time.Millisecond))
	}, SpecTimeout(10*time.Second))
})
