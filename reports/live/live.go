// Package live publishes a run's figures as OpenTelemetry metrics while it runs, so that a dashboard can follow a
// long run (a soak, a sharded run) as k6 users follow theirs: emitted, exported, failed and verified items, export
// calls and their durations per report row, and once the run is judged, what was sent, lost by cause and dropped
// in the SDK, and whether each row passed.
//
// Metrics is an sdkmetric.Producer: the CLI registers it on the OpenTelemetry Go SDK's readers (the Prometheus
// exporter for --metrics-addr, a periodic OTLP reader for --metrics-otlp), so the SDK's own exporters carry the
// figures and nothing here writes a wire format. The figures are the engine's counters, read when a reader
// collects; the final ones are the report's, so that the last values a dashboard shows are the report's.
package live

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelbench/otelbench/reports"
)

// Row is one report row's counters while the run sends and verifies. Items are what the row counts: spans, log
// records, or for metrics measurements emitted and data points exported.
type Row struct {
	Workload, Exporter, Backend, Signal string
	// Emitted counts the items emitted into the SDK so far.
	Emitted int64
	// Exported and ExportFailed count the items in export calls that went through and that failed; ExportCalls
	// and ExportFailedCalls the calls; BytesSent the bytes they put on the wire.
	Exported, ExportFailed, ExportCalls, ExportFailedCalls, BytesSent int64
	// Verified counts the items read back as sent so far.
	Verified int64
	// Latency is the export calls' durations: cumulative counts at each of Bounds, their count and sum.
	Latency Histogram
}

// Histogram is a distribution of durations: Counts[i] is how many are at most Bounds[i] (cumulative).
type Histogram struct {
	Counts []uint64
	Count  uint64
	Sum    time.Duration
}

// Bounds are the export duration histogram's bucket bounds: from 1 ms (a loopback export) to 10 s (the SDK's
// default export timeout).
var Bounds = []time.Duration{
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond,
	50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond, time.Second,
	2500 * time.Millisecond, 5 * time.Second, 10 * time.Second,
}

// Labels say which run the figures are of: every data point carries them.
type Labels struct {
	Scenario, RunID string
	// Shard is "I/N" in a shard of a sharded run, empty otherwise.
	Shard string
}

// Metrics is the live figures of one run: an sdkmetric.Producer. It is safe for concurrent use.
type Metrics struct {
	labels Labels
	start  time.Time

	mu       sync.Mutex
	snapshot func() []Row
	final    *reports.Report
}

var _ sdkmetric.Producer = (*Metrics)(nil)

// New returns the figures of a run labelled l; they are empty until Follow.
func New(l Labels) *Metrics { return &Metrics{labels: l, start: time.Now()} }

// Follow makes snapshot the source of the run's counters; the engine calls it when sending begins. snapshot must
// be safe to call from any goroutine, during the run and after it.
func (m *Metrics) Follow(snapshot func() []Row) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.snapshot = snapshot
}

// Final adds the judged report's figures: from then on sent, verified, lost (by cause), dropped in the SDK and
// passed are the report's rows', and rows the counters did not have (applications' workloads) appear.
func (m *Metrics) Final(rep *reports.Report) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.final = rep
}

// Scope is the instrumentation scope of every metric.
const Scope = "github.com/otelbench/otelbench/reports/live"

// The metrics' names (OpenTelemetry's; a Prometheus exporter adds _total to counters and the unit: seconds,
// bytes).
const (
	NameEmitted       = "otelbench.items.emitted"
	NameExported      = "otelbench.items.exported"
	NameExportFailed  = "otelbench.items.export_failed"
	NameSent          = "otelbench.items.sent"
	NameVerified      = "otelbench.items.verified"
	NameLost          = "otelbench.items.lost"
	NameDroppedInSDK  = "otelbench.items.dropped_in_sdk"
	NameCalls         = "otelbench.export.calls"
	NameFailedCalls   = "otelbench.export.failed_calls"
	NameBytes         = "otelbench.export.bytes"
	NameDuration      = "otelbench.export.duration"
	NameRowPassed     = "otelbench.row.passed"
	NameRunPassed     = "otelbench.run.passed"
	NameRunInProgress = "otelbench.run.in_progress"
)

type rowKey struct{ workload, exporter, backend string }

// Produce implements sdkmetric.Producer: the figures as they are now.
func (m *Metrics) Produce(context.Context) ([]metricdata.ScopeMetrics, error) {
	m.mu.Lock()
	snapshot, final := m.snapshot, m.final
	m.mu.Unlock()
	var rows []Row
	if snapshot != nil {
		rows = snapshot()
	}
	now := time.Now()
	b := builder{start: m.start, now: now, run: m.runAttrs()}

	finalRows := map[rowKey]*reports.Exporter{}
	if final != nil {
		for i := range final.Exporters {
			e := &final.Exporters[i]
			finalRows[rowKey{e.Workload, e.Name, e.Backend}] = e
		}
	}
	seen := map[rowKey]bool{}
	for _, r := range rows {
		k := rowKey{r.Workload, r.Exporter, r.Backend}
		seen[k] = true
		if e := finalRows[k]; e != nil {
			// Judged: the report's figures (the same counters, read once more when the row was made).
			r.Emitted, r.Verified, r.BytesSent = e.Emitted, e.Verified, e.BytesSent
			r.ExportCalls, r.ExportFailedCalls, r.ExportFailed = e.ExportCalls, e.ExportFailedCalls, e.ExportFailedItems
		}
		attrs := b.rowAttrs(r.Workload, r.Exporter, r.Backend, r.Signal)
		b.sum(NameEmitted, "{item}", "items emitted into the SDK (metrics: measurements)", attrs, r.Emitted)
		b.sum(NameExported, "{item}", "items in export calls that went through (metrics: data points)", attrs, r.Exported)
		b.sum(NameExportFailed, "{item}", "items in export calls that failed", attrs, r.ExportFailed)
		b.sum(NameCalls, "{call}", "export calls", attrs, r.ExportCalls)
		b.sum(NameFailedCalls, "{call}", "export calls that failed", attrs, r.ExportFailedCalls)
		b.sum(NameBytes, "By", "bytes export calls put on the wire (compressed, every attempt)", attrs, r.BytesSent)
		b.sum(NameVerified, "{item}", "items read back as sent", attrs, r.Verified)
		b.histogram(attrs, r.Latency)
	}
	if final != nil {
		for i := range final.Exporters {
			e := &final.Exporters[i]
			attrs := b.rowAttrs(e.Workload, e.Name, e.Backend, e.Signal)
			if !seen[rowKey{e.Workload, e.Name, e.Backend}] {
				b.sum(NameVerified, "{item}", "items read back as sent", attrs, e.Verified)
			}
			b.sum(NameSent, "{item}", "items to verify (the report's sent)", attrs, e.Sent)
			b.sum(NameDroppedInSDK, "{item}", "items the SDK dropped", attrs, e.DroppedInSDK)
			causes := e.LostByCause
			if len(causes) == 0 {
				causes = map[string]int64{"none": e.Lost}
			}
			for _, cause := range slices.Sorted(maps.Keys(causes)) {
				b.sum(NameLost, "{item}", "items not found, by cause (the report's lost_by_cause)",
					attribute.NewSet(append(attrs.ToSlice(), attribute.String("cause", cause))...), causes[cause])
			}
			b.gauge(NameRowPassed, "", "1 if the row passed, else 0", attrs, boolInt(e.Passed))
		}
		b.gauge(NameRunPassed, "", "1 if the run passed (every row verified, every threshold held), else 0", *b.run,
			boolInt(final.Passed && !final.ThresholdsBreached()))
	}
	b.gauge(NameRunInProgress, "", "1 while the run sends and verifies, 0 once it is judged", *b.run, boolInt(final == nil))
	return []metricdata.ScopeMetrics{{Scope: instrumentation.Scope{Name: Scope}, Metrics: b.metrics()}}, nil
}

func (m *Metrics) runAttrs() *attribute.Set {
	s := attribute.NewSet(attribute.String("scenario", m.labels.Scenario), attribute.String("run_id", m.labels.RunID),
		attribute.String("shard", m.labels.Shard))
	return &s
}

// builder gathers data points by metric, in the order metrics are first named.
type builder struct {
	start, now time.Time
	run        *attribute.Set
	order      []string
	byName     map[string]*metricdata.Metrics
}

func (b *builder) rowAttrs(workload, exporter, backend, signal string) attribute.Set {
	return attribute.NewSet(append(b.run.ToSlice(), attribute.String("workload", workload), attribute.String("exporter", exporter),
		attribute.String("backend", backend), attribute.String("signal", signal))...)
}

func (b *builder) metric(name, unit, desc string, empty metricdata.Aggregation) *metricdata.Metrics {
	if b.byName == nil {
		b.byName = map[string]*metricdata.Metrics{}
	}
	if m, ok := b.byName[name]; ok {
		return m
	}
	m := &metricdata.Metrics{Name: name, Unit: unit, Description: desc, Data: empty}
	b.byName[name] = m
	b.order = append(b.order, name)
	return m
}

func (b *builder) sum(name, unit, desc string, attrs attribute.Set, v int64) {
	m := b.metric(name, unit, desc, metricdata.Sum[int64]{Temporality: metricdata.CumulativeTemporality, IsMonotonic: true})
	s := m.Data.(metricdata.Sum[int64])
	s.DataPoints = append(s.DataPoints, metricdata.DataPoint[int64]{Attributes: attrs, StartTime: b.start, Time: b.now, Value: v})
	m.Data = s
}

func (b *builder) gauge(name, unit, desc string, attrs attribute.Set, v int64) {
	m := b.metric(name, unit, desc, metricdata.Gauge[int64]{})
	g := m.Data.(metricdata.Gauge[int64])
	g.DataPoints = append(g.DataPoints, metricdata.DataPoint[int64]{Attributes: attrs, StartTime: b.start, Time: b.now, Value: v})
	m.Data = g
}

func (b *builder) histogram(attrs attribute.Set, h Histogram) {
	m := b.metric(NameDuration, "s", "export call duration", metricdata.Histogram[float64]{Temporality: metricdata.CumulativeTemporality})
	hist := m.Data.(metricdata.Histogram[float64])
	bounds := make([]float64, len(Bounds))
	counts := make([]uint64, len(Bounds)+1)
	var below uint64
	for i, d := range Bounds {
		bounds[i] = d.Seconds()
		var c uint64
		if i < len(h.Counts) {
			c = h.Counts[i]
		}
		counts[i] = c - below // OpenTelemetry's bucket counts are per bucket, not cumulative
		below = c
	}
	counts[len(Bounds)] = h.Count - below
	hist.DataPoints = append(hist.DataPoints, metricdata.HistogramDataPoint[float64]{Attributes: attrs, StartTime: b.start, Time: b.now,
		Count: h.Count, Bounds: bounds, BucketCounts: counts, Sum: h.Sum.Seconds()})
	m.Data = hist
}

func (b *builder) metrics() []metricdata.Metrics {
	out := make([]metricdata.Metrics, 0, len(b.order))
	for _, n := range b.order {
		out = append(out, *b.byName[n])
	}
	return out
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
