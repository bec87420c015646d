package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/containers/console"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/verify"
)

// printedMetrics is what a metrics stream printed through the SDK's console exporter, and what to verify it with.
type printedMetrics struct {
	path   string
	expect verify.MetricExpectation
	rec    *generators.Recorder
}

// printMetrics runs a metrics stream of every instrument kind, 4 series each, for 300 ms through the console
// exporter (stdoutmetric) with temporality, its periodic reader exporting every 50 ms, into a file of its own.
func printMetrics(ctx context.Context, temporality string) printedMetrics {
	GinkgoHelper()
	path := filepath.Join(GinkgoT().TempDir(), "m.console.jsonl")
	rec := generators.NewRecorder()
	exp, err := generators.NewMetricExporter(ctx, generators.MetricExporterConfig{
		ExporterConfig: generators.ExporterConfig{Protocol: generators.Console, Endpoint: path, Timeout: 5 * time.Second},
		Temporality:    temporality,
	}, rec)
	Expect(err).NotTo(HaveOccurred())
	reader, seal := generators.NewPeriodicReader(exp, 50*time.Millisecond, 5*time.Second)
	sched := generators.Constant(2000, 300*time.Millisecond)
	plan := generators.MetricPlan{Kinds: []string{generators.Counter, generators.UpDownCounter, generators.Gauge,
		generators.Histogram, generators.ExponentialHistogram}, Series: 4, Slots: sched.Slots()}
	s, err := generators.NewMetricStream(generators.MetricStreamConfig{
		Stream: "m/console", Workload: "m", Exporter: "console", RunID: "run", Plan: plan, Schedule: sched,
		Reader: reader, Seal: seal, Recorder: rec,
	})
	Expect(err).NotTo(HaveOccurred())
	Expect(s.Run(ctx)).To(Succeed())
	sent := make(chan struct{})
	close(sent)
	return printedMetrics{path: path, rec: rec, expect: verify.MetricExpectation{
		Stream: "m/console", Plan: plan, Emitted: s.Emitted, Sent: sent,
		Delivered:   func() int64 { st := rec.Stats(); return st.Exported + st.Failed },
		Undelivered: func() int64 { return rec.Stats().Failed },
		RunID:       "run", Instance: generators.ServiceInstanceID("run", "m/console"),
	}}
}

func (p printedMetrics) verify(ctx context.Context) (verify.Result, error) {
	return verify.MetricsFromSource(ctx, console.MetricSource(p.path), p.expect,
		verify.Options{Window: 300 * time.Millisecond, Interval: 5 * time.Millisecond})
}

// rewrite replaces the file's lines with what edit makes of them, decoded.
func (p printedMetrics) rewrite(edit func(docs []map[string]any)) {
	GinkgoHelper()
	b, err := os.ReadFile(p.path)
	Expect(err).NotTo(HaveOccurred())
	var docs []map[string]any
	for line := range bytes.Lines(b) {
		var doc map[string]any
		Expect(json.Unmarshal(line, &doc)).To(Succeed())
		docs = append(docs, doc)
	}
	edit(docs)
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	for _, doc := range docs {
		Expect(enc.Encode(doc)).To(Succeed())
	}
	Expect(os.WriteFile(p.path, out.Bytes(), 0o644)).To(Succeed())
}

// pointsOf returns the data points of the metric named name in a decoded stdoutmetric document.
func pointsOf(doc map[string]any, name string) []map[string]any {
	var out []map[string]any
	scopes, _ := doc["ScopeMetrics"].([]any)
	for _, sm := range scopes {
		metrics, _ := sm.(map[string]any)["Metrics"].([]any)
		for _, m := range metrics {
			if m.(map[string]any)["Name"] != name {
				continue
			}
			points, _ := m.(map[string]any)["Data"].(map[string]any)["DataPoints"].([]any)
			for _, dp := range points {
				out = append(out, dp.(map[string]any))
			}
		}
	}
	return out
}

func seriesOf(dp map[string]any) string {
	for _, kv := range dp["Attributes"].([]any) {
		if kv.(map[string]any)["Key"] == generators.AttrSeries {
			return fmt.Sprint(kv.(map[string]any)["Value"].(map[string]any)["Value"])
		}
	}
	return ""
}

var _ = Describe("Console metrics (stdoutmetric) read back", func() {
	DescribeTable("verifies every data point the exporter printed, one export per line",
		func(ctx SpecContext, temporality string) {
			p := printMetrics(ctx, temporality)
			st := p.rec.Stats()
			Expect(st.Calls).To(BeNumerically(">", 2), "several exports, folded into one final value per series")
			Expect(st.Failed).To(BeZero())

			b, err := os.ReadFile(p.path)
			Expect(err).NotTo(HaveOccurred())
			Expect(bytes.Count(b, []byte("\n"))).To(BeEquivalentTo(st.Calls), "one line per export")
			points, err := console.MetricSource(p.path)(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(points).To(HaveLen(int(st.Exported)), "every data point the wrapper counted is printed")
			types := map[string]string{}
			for _, pt := range points {
				types[pt.Name] = pt.Type
				Expect(pt.Delta).To(Equal(temporality == "delta" && pt.Type != "gauge"), pt.Name)
				Expect(pt.Resource).To(HaveKeyWithValue(generators.ResourceRunID, "run"))
				Expect(pt.Time).NotTo(BeZero())
			}
			Expect(types).To(Equal(map[string]string{
				"otelbench.requests": "sum", "otelbench.inflight": "sum", "otelbench.queue.size": "gauge",
				"otelbench.duration": "histogram", "otelbench.payload.size": "exponentialHistogram",
			}))

			res, err := p.verify(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Expected).To(Equal(st.Exported))
			Expect(res.Verified).To(Equal(res.Expected))
			Expect(res.Passed()).To(BeTrue(), "%+v", res)
		},
		Entry("cumulative: each series' last point", "cumulative"),
		Entry("delta: the sum of each series' points", "delta"),
	)

	DescribeTable("finds a changed value, condemning its series only",
		func(ctx SpecContext, temporality string) {
			p := printMetrics(ctx, temporality)
			var changed int
			p.rewrite(func(docs []map[string]any) {
				// The last point of counter series g0-s0: its final value (cumulative), one of its addends (delta).
				for i := len(docs) - 1; i >= 0 && changed == 0; i-- {
					for _, dp := range pointsOf(docs[i], "otelbench.requests") {
						if seriesOf(dp) == "g0-s0" {
							dp["Value"] = dp["Value"].(float64) + 1
							changed++
						}
					}
				}
			})
			Expect(changed).To(Equal(1))
			res, err := p.verify(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Altered).To(BeNumerically(">", 0))
			Expect(res.Verified + res.Altered).To(Equal(res.Expected))
			Expect(res.Lost).To(BeZero())
			Expect(res.Problems).To(ConsistOf(ContainSubstring("counter series g0-s0 folds to")))
		},
		Entry("cumulative", "cumulative"),
		Entry("delta", "delta"),
	)

	It("counts a point printed twice as a duplicate", func(ctx SpecContext) {
		p := printMetrics(ctx, "delta")
		b, err := os.ReadFile(p.path)
		Expect(err).NotTo(HaveOccurred())
		first, _, _ := bytes.Cut(b, []byte("\n"))
		Expect(os.WriteFile(p.path, append(b, append(first, '\n')...), 0o644)).To(Succeed())
		firstPoints, err := console.MetricSource(p.path)(ctx)
		Expect(err).NotTo(HaveOccurred())
		res, err := p.verify(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Duplicated).To(BeNumerically(">", 0))
		Expect(res.Duplicated).To(BeNumerically("<", len(firstPoints)))
		Expect(res.Altered).To(BeZero(), "the copy is recognised by its time, not added into the series")
	})

	DescribeTable("ends with an error, not with loss, at a line that is not a metrics document",
		func(ctx SpecContext, line, want string) {
			p := printMetrics(ctx, "cumulative")
			f, err := os.OpenFile(p.path, os.O_APPEND|os.O_WRONLY, 0)
			Expect(err).NotTo(HaveOccurred())
			_, err = f.WriteString(line + "\n")
			Expect(err).NotTo(HaveOccurred())
			Expect(f.Close()).To(Succeed())
			lines := bytes.Count(must(os.ReadFile(p.path)), []byte("\n"))

			res, err := p.verify(ctx)
			Expect(err).To(MatchError(verify.ErrUnreadable))
			Expect(err).To(MatchError(ContainSubstring(fmt.Sprintf("line %d: %s", lines, want))))
			Expect(res.Lost).To(BeZero())
		},
		Entry("not JSON", "Resource: ScopeMetrics", "not a console metrics document: invalid character"),
		Entry("a console log record", `{"Timestamp":"2026-01-01T00:00:00Z","Severity":9,"Body":{"Type":"STRING","Value":"x"},"Resource":[]}`,
			"not a console metrics document: no Resource and ScopeMetrics"),
		Entry("a metric whose points are neither numbers nor histograms", `{"Resource":[],"ScopeMetrics":[{"Metrics":[{"Name":"s","Data":{"DataPoints":[{"QuantileValues":[]}]}}]}]}`,
			"metric s: a gauge data point without a value"),
		Entry("an unknown temporality", `{"Resource":[],"ScopeMetrics":[{"Metrics":[{"Name":"s","Data":{"DataPoints":[],"Temporality":"Sideways","IsMonotonic":true}}]}]}`,
			`metric s: unknown temporality "Sideways"`),
	)

	It("reads each line once, as it is appended, leaving a line still being written for later", func(ctx SpecContext) {
		path := filepath.Join(GinkgoT().TempDir(), "m.jsonl")
		src := console.MetricSource(path)
		points, err := src(ctx)
		Expect(err).NotTo(HaveOccurred(), "nothing printed yet is not an error")
		Expect(points).To(BeEmpty())

		doc := `{"Resource":[{"Key":"otelbench.run_id","Value":{"Type":"STRING","Value":"r"}}],"ScopeMetrics":[{"Scope":{"Name":"otelbench"},` +
			`"Metrics":[{"Name":"otelbench.requests","Unit":"{request}","Data":{"DataPoints":[{"Attributes":[{"Key":"otelbench.series","Value":{"Type":"STRING","Value":"g0-s0"}}],` +
			`"StartTime":"2026-01-01T00:00:00Z","Time":"2026-01-01T00:00:01.5Z","Value":7}],"Temporality":"DeltaTemporality","IsMonotonic":true}}]}]}`
		empty := `{"Resource":[],"ScopeMetrics":null}`
		Expect(os.WriteFile(path, []byte(empty+"\n"+doc[:40]), 0o644)).To(Succeed())
		points, err = src(ctx)
		Expect(err).NotTo(HaveOccurred(), "an export of nothing is a metrics document")
		Expect(points).To(BeEmpty())

		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		Expect(err).NotTo(HaveOccurred())
		_, err = f.WriteString(doc[40:] + "\n")
		Expect(err).NotTo(HaveOccurred())
		Expect(f.Close()).To(Succeed())
		points, err = src(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(points).To(Equal([]verify.MetricPoint{{
			Name: "otelbench.requests", Unit: "{request}", Type: "sum", Delta: true, Time: time.Date(2026, 1, 1, 0, 0, 1, 5e8, time.UTC),
			Attributes: map[string]any{generators.AttrSeries: "g0-s0"}, Value: 7, Resource: map[string]any{generators.ResourceRunID: "r"},
		}}))
		points, err = src(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(points).To(BeEmpty(), "each line once")
	})
})

func must[T any](v T, err error) T {
	GinkgoHelper()
	Expect(err).NotTo(HaveOccurred())
	return v
}
