package verify_test

import (
	"context"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/verify"
)

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
	// promNaming spells series as the fake stores them: Prometheus' names, dots in label names as underscores.
	promNaming := &verify.Naming{
		Name:          generators.Instrument.PrometheusName,
		Label:         func(key string) string { return strings.ReplaceAll(key, ".", "_") },
		InstanceLabel: "instance",
		Changes:       func([]string) []string { return nil },
	}
	run := func(q verify.PromQL, delivered int64) verify.Result {
		sent := make(chan struct{})
		close(sent)
		res, err := verify.Metrics(context.Background(), q, verify.MetricExpectation{
			Stream: "m/e", Plan: plan, Emitted: func() uint64 { return 40 }, Sent: sent,
			Delivered: func() int64 { return delivered }, Since: time.Now(), Naming: promNaming,
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
