package verify

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/otelbench/otelbench/generators"
)

// Sample is one element of a PromQL instant vector: a series' labels (including __name__ unless the expression
// dropped it) and its value at Time. Value may be NaN or ±Inf.
type Sample struct {
	Labels map[string]string
	Value  float64
	Time   time.Time
}

// PromQL evaluates instant queries; containers/prometheus.Client implements it.
type PromQL interface {
	Query(ctx context.Context, expr string, at time.Time) ([]Sample, error)
}

// MetricExpectation is what one metrics stream sent, described so that every series' final value can be replayed.
type MetricExpectation struct {
	// Stream is the value of the otelbench.stream attribute (label otelbench_stream) on every series.
	Stream string
	// Plan replays the measurements.
	Plan generators.MetricPlan
	// Emitted is the number of measurements recorded (final once Sent is closed).
	Emitted func() uint64
	// Sent is closed when the stream has stopped recording and (push) made its final export.
	Sent <-chan struct{}
	// Delivered returns the number of data points handed to the exporter (push) or served to scrapes (pull).
	Delivered func() int64
	// Undelivered, when set, returns how many of those the exporter failed to deliver (final once Sent is
	// closed): once every other data point is stored, nothing more can arrive and the verdict is given without
	// waiting out the window.
	Undelivered func() int64
	// Since is when the stream started; samples are counted from then.
	Since time.Time
	// Stop, when set (pull streams), stops the scrape endpoint once the final values are visible, so that the
	// number of data points served is final before samples are counted.
	Stop func(context.Context) error
	// RunID, when set, selects the data points of this run in a collector's files (resource otelbench.run_id).
	RunID string
	// Instance, when set, is the value of the instance label of the stream's series in Prometheus: the resource's
	// service.instance.id (OTLP, remote write) or the scrape target. It keeps an earlier run's series, in a
	// Prometheus that outlives runs, out of this run's queries, and finds the stream's overflow series. In a
	// collector's files it is the resource's service.instance.id.
	Instance string
	// CardinalityLimit is the SDK's cardinality limit per instrument the stream ran with (0: the SDK's default).
	CardinalityLimit int
	// Naming is how a PromQL store spells what was sent (its reader sets it: prometheus.Naming, VictoriaMetrics'
	// own); a reader of OTLP data points has no use for it.
	Naming *Naming
}

// Naming is how a PromQL store names what OTLP sent it: series names, label names, where the stream's instance
// is, how exponential histograms are kept, and what that changed (for the compatibility section).
type Naming struct {
	// Name is the series name of an instrument (before _count, _sum, _bucket).
	Name func(in generators.Instrument) string
	// Label is the label name of an attribute key.
	Label func(key string) string
	// InstanceLabel is the label holding the stream's Instance: "instance" for Prometheus (OTLP, remote write, or
	// the scrape target), the resource attribute itself where every resource attribute becomes a label.
	InstanceLabel string
	// NativeExponential: exponential histograms are native histograms (histogram_count(), histogram_sum());
	// otherwise they have _count and _sum series like classic ones.
	NativeExponential bool
	// Changes lists what the store changed in what was sent, for the instrument kinds sent.
	Changes func(kinds []string) []string
}

func (exp MetricExpectation) naming() *Naming { return exp.Naming }

// Metrics verifies a metrics stream against Prometheus. Items are data points: every data point exported (or
// served to a scrape) must be stored as one sample, and the last sample of every series must hold the value the
// generator's measurements add up to (counter and up-down sums, gauge last value, histogram count and sum). The
// verdict is per series: the samples of a series with a wrong value are altered, those of a series the SDK folded
// into its overflow series (cardinality limit) overflowed, and every other sample verified.
func Metrics(ctx context.Context, q PromQL, exp MetricExpectation, opts Options) (Result, error) {
	res := Result{Changes: map[string]int64{}}
	if exp.Naming == nil {
		return res, errors.New("a PromQL read-back needs the store's naming (MetricExpectation.Naming, or the reader's)")
	}
	sentAt, want, err := awaitSent(ctx, exp, &opts)
	if err != nil {
		return res, err
	}
	deadline := sentAt.Add(opts.Window)
	res.Traces = int64(len(want)) // series
	timer := time.NewTimer(0)
	defer timer.Stop()

	// Phase 1: wait until every series holds its final value, or what is not is explained by an overflow series.
	var bad map[generators.SeriesKey]string
	overflow := map[string]int64{}
	for {
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-timer.C:
		}
		res.Rounds++
		var err error
		bad, err = finalValues(ctx, q, exp, want)
		if err == nil && len(bad) > 0 {
			overflow, err = overflowSamples(ctx, q, exp)
		}
		if err != nil {
			res.queryFailed(err)
		} else if !settled(want, bad, overflow, exp.CardinalityLimit) && exp.Undelivered != nil && exp.Undelivered() > 0 {
			// Final values whose export failed never come: once every acknowledged data point is stored, what is
			// wrong now stays wrong.
			if tally, err := storedSamples(ctx, q, exp); err == nil && tally.stored() >= exp.Delivered()-exp.Undelivered() {
				break
			}
		} else if settled(want, bad, overflow, exp.CardinalityLimit) {
			res.Complete = int64(len(want) - len(bad))
			noteTranslation(&res, exp)
			res.Visibility = generators.OneValue(time.Since(sentAt))
			break
		}
		if !time.Now().Before(deadline) {
			break
		}
		timer.Reset(opts.Interval)
	}
	if exp.Stop != nil {
		if err := exp.Stop(ctx); err != nil {
			res.Problems = append(res.Problems, fmt.Sprintf("stop scrape endpoint: %v", err))
		}
	}

	// Phase 2: count the samples stored, until they match what was delivered or the window closes.
	delivered := exp.Delivered()
	var tally seriesTally
	for {
		var err error
		tally, err = storedSamples(ctx, q, exp)
		if err != nil {
			res.queryFailed(err)
		}
		if err == nil && tally.stored() >= delivered || !time.Now().Before(deadline) {
			break
		}
		if err == nil && exp.Undelivered != nil && tally.stored() >= delivered-exp.Undelivered() {
			break // the rest failed to export and never comes
		}
		timer.Reset(opts.Interval)
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-timer.C:
		}
	}
	res.judgeSeries(want, bad, tally, delivered)
	return res, nil
}

// awaitSent sets opts' default interval, waits until the stream has stopped sending, and returns when that was
// and the final value every series must hold.
func awaitSent(ctx context.Context, exp MetricExpectation, opts *Options) (time.Time, map[generators.SeriesKey]generators.SeriesValue, error) {
	if opts.Interval <= 0 {
		opts.Interval = 250 * time.Millisecond
	}
	select {
	case <-ctx.Done():
		return time.Time{}, nil, ctx.Err()
	case <-exp.Sent:
	}
	return time.Now(), exp.Plan.Expect(exp.Emitted()), nil
}

// noteTranslation records, as changes, how the store renamed what was sent.
func noteTranslation(res *Result, exp MetricExpectation) {
	for _, c := range exp.naming().Changes(exp.Plan.Kinds) {
		res.Changes[c]++
	}
}

// selector is the label matcher of a stream's series.
func selector(exp MetricExpectation) string {
	n := exp.naming()
	if exp.Instance != "" {
		return fmt.Sprintf(`{%s=%q,%s=%q}`, n.Label(generators.AttrStream), exp.Stream, n.InstanceLabel, exp.Instance)
	}
	return fmt.Sprintf(`{%s=%q}`, n.Label(generators.AttrStream), exp.Stream)
}

// finalValues compares every series' current value with want and returns, per series, what differs (a missing
// series included).
func finalValues(ctx context.Context, q PromQL, exp MetricExpectation, want map[generators.SeriesKey]generators.SeriesValue) (map[generators.SeriesKey]string, error) {
	sel := selector(exp)
	naming := exp.naming()
	seriesLabel := naming.Label(generators.AttrSeries)
	bad := map[generators.SeriesKey]string{}
	now := time.Now()
	for _, kind := range exp.Plan.Kinds {
		in, _ := generators.InstrumentOf(kind)
		name := naming.Name(in)
		type query struct {
			expr string
			want func(generators.SeriesValue) float64
			what string
		}
		var queries []query
		switch kind {
		case generators.Counter, generators.UpDownCounter:
			queries = []query{{name + sel, func(v generators.SeriesValue) float64 { return v.Sum }, "value"}}
		case generators.Gauge:
			queries = []query{{name + sel, func(v generators.SeriesValue) float64 { return v.Last }, "value"}}
		case generators.Histogram:
			queries = []query{
				{name + "_count" + sel, func(v generators.SeriesValue) float64 { return float64(v.Count) }, "count"},
				{name + "_sum" + sel, func(v generators.SeriesValue) float64 { return v.Sum }, "sum"},
			}
		case generators.ExponentialHistogram:
			if naming.NativeExponential {
				queries = []query{
					{"histogram_count(" + name + sel + ")", func(v generators.SeriesValue) float64 { return float64(v.Count) }, "count"},
					{"histogram_sum(" + name + sel + ")", func(v generators.SeriesValue) float64 { return v.Sum }, "sum"},
				}
			} else {
				queries = []query{
					{name + "_count" + sel, func(v generators.SeriesValue) float64 { return float64(v.Count) }, "count"},
					{name + "_sum" + sel, func(v generators.SeriesValue) float64 { return v.Sum }, "sum"},
				}
			}
		}
		for _, qq := range queries {
			samples, err := q.Query(ctx, qq.expr, now)
			if err != nil {
				return nil, fmt.Errorf("query %s: %w", qq.expr, err)
			}
			got := map[string]float64{}
			for _, s := range samples {
				got[s.Labels[seriesLabel]] = s.Value
			}
			for key, v := range want {
				if key.Kind != kind || bad[key] != "" {
					continue
				}
				g, ok := got[key.Series]
				switch {
				case !ok:
					bad[key] = fmt.Sprintf("%s: series %s of %s not found", exp.Stream, key.Series, qq.expr)
				case !approxEqual(g, qq.want(v)):
					bad[key] = fmt.Sprintf("%s: %s of series %s is %g, expected %g (%s)", exp.Stream, qq.what, key.Series, g, qq.want(v), qq.expr)
				}
			}
		}
	}
	return bad, nil
}

// sampleName is the series name whose samples count a kind's data points: the _count series of a classic
// histogram.
func sampleName(exp MetricExpectation, kind string) string {
	in, _ := generators.InstrumentOf(kind)
	name := exp.naming().Name(in)
	if kind == generators.Histogram || (kind == generators.ExponentialHistogram && !exp.naming().NativeExponential) {
		name += "_count"
	}
	return name
}

// countWindow is the range a stream's samples are counted over: from its start, with a minute to spare.
func countWindow(exp MetricExpectation) int {
	return int(math.Ceil(time.Since(exp.Since).Seconds())) + 60
}

// storedSamples counts the samples Prometheus holds for the stream since it started, per series, and per
// instrument kind those of the stream's overflow series.
func storedSamples(ctx context.Context, q PromQL, exp MetricExpectation) (seriesTally, error) {
	t := seriesTally{points: map[generators.SeriesKey]int64{}}
	sel := selector(exp)
	for _, kind := range exp.Plan.Kinds {
		expr := fmt.Sprintf("count_over_time(%s%s[%ds])", sampleName(exp, kind), sel, countWindow(exp))
		samples, err := q.Query(ctx, expr, time.Now())
		if err != nil {
			return t, fmt.Errorf("query %s: %w", expr, err)
		}
		for _, s := range samples {
			t.points[generators.SeriesKey{Kind: kind, Series: s.Labels[exp.naming().Label(generators.AttrSeries)]}] += int64(s.Value)
		}
	}
	var err error
	t.overflow, err = overflowSamples(ctx, q, exp)
	return t, err
}

// overflowSamples counts, per instrument kind, the samples of the stream's overflow series: the series the SDK
// folds measurements into beyond its cardinality limit, which carries otel.metric.overflow alone (not the
// stream's attributes), so it is found by the stream's instance label. Without one it cannot be told apart.
func overflowSamples(ctx context.Context, q PromQL, exp MetricExpectation) (map[string]int64, error) {
	out := map[string]int64{}
	if exp.Instance == "" {
		return out, nil
	}
	for _, kind := range exp.Plan.Kinds {
		n := exp.naming()
		expr := fmt.Sprintf(`sum(count_over_time(%s{%s="true",%s=%q}[%ds]))`, sampleName(exp, kind), n.Label(OverflowAttribute), n.InstanceLabel, exp.Instance, countWindow(exp))
		samples, err := q.Query(ctx, expr, time.Now())
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", expr, err)
		}
		for _, s := range samples {
			out[kind] += int64(s.Value)
		}
	}
	return out, nil
}

// approxEqual compares float values with a relative tolerance: sums of many float64 measurements are not exact, and
// backends may format them with fewer digits.
func approxEqual(a, b float64) bool {
	if a == b {
		return true
	}
	return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))+1e-12 || strings.EqualFold(fmt.Sprint(a), fmt.Sprint(b))
}
