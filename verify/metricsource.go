package verify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/otelbench/otelbench/generators"
)

// MetricPoint is one data point as an OTLP JSON file holds it.
type MetricPoint struct {
	// Name and Unit of the metric; Type is sum, gauge, histogram or exponentialHistogram.
	Name, Unit, Type string
	// Delta is true for delta temporality.
	Delta      bool
	Time       time.Time
	Attributes map[string]any
	// Value is a sum's or gauge's value; Count and Sum a histogram's.
	Value float64
	Count uint64
	Sum   float64
	// Resource holds the resource attributes of the point's metrics.
	Resource map[string]any
}

// MetricSource returns the data points that reached a backend since the previous call (all of them on the first
// call). Each verification needs a source of its own; errors are treated as LogSource's.
type MetricSource func(ctx context.Context) ([]MetricPoint, error)

// MetricsFromSource verifies a metrics stream against a backend that keeps every data point as sent (the
// collector's file exporter): each data point delivered must be found exactly once, and folding a series' points
// (the last one for cumulative temporality, the sum of all for delta) must give the value the measurements add up
// to. Unlike Prometheus, this path takes delta temporality.
func MetricsFromSource(ctx context.Context, src MetricSource, exp MetricExpectation, opts Options) (Result, error) {
	res := Result{Changes: map[string]int64{}}
	sentAt, want, err := awaitSent(ctx, exp, &opts)
	if err != nil {
		return res, err
	}
	deadline := sentAt.Add(opts.Window)
	delivered := exp.Delivered()
	kindOf := map[string]string{}
	for _, kind := range exp.Plan.Kinds {
		in, _ := generators.InstrumentOf(kind)
		kindOf[in.Name] = kind
	}
	res.Traces = int64(len(want))
	timer := time.NewTimer(0)
	defer timer.Stop()
	// Each read returns what arrived since the previous one: what was found so far is kept.
	found := map[generators.SeriesKey]*seriesFold{}
	overflow := map[string]int64{}
	var dup int64
	for {
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-timer.C:
		}
		res.Rounds++
		points, err := src(ctx)
		if errors.Is(err, ErrUnreadable) {
			return res, fmt.Errorf("read metrics: %w", err)
		}
		if err != nil {
			res.queryFailed(err)
		}
		for _, p := range points {
			kind, ok := kindOf[p.Name]
			if !ok || !ofRun(p.Resource, exp.RunID) {
				continue
			}
			if p.Attributes[OverflowAttribute] == true {
				// The overflow series has no stream attribute: it is the stream's by its resource.
				if exp.Instance != "" && fmt.Sprint(p.Resource["service.instance.id"]) == exp.Instance {
					overflow[kind]++
				}
				continue
			}
			if fmt.Sprint(p.Attributes[generators.AttrStream]) != exp.Stream {
				continue
			}
			k := generators.SeriesKey{Kind: kind, Series: fmt.Sprint(p.Attributes[generators.AttrSeries])}
			f := found[k]
			if f == nil {
				f = &seriesFold{}
				found[k] = f
			}
			if !f.add(p) {
				dup++
			}
		}
		bad := map[generators.SeriesKey]string{}
		for wk, wv := range want {
			got := found[wk].value()
			var ok bool
			switch wk.Kind {
			case generators.Counter, generators.UpDownCounter:
				ok = approxEqual(got.Sum, wv.Sum)
			case generators.Gauge:
				ok = approxEqual(got.Last, wv.Last)
			default:
				ok = got.Count == wv.Count && approxEqual(got.Sum, wv.Sum)
			}
			if !ok {
				bad[wk] = fmt.Sprintf("%s: %s series %s folds to %+v, expected %+v", exp.Stream, wk.Kind, wk.Series, got, wv)
			}
		}
		tally := seriesTally{points: map[generators.SeriesKey]int64{}, overflow: overflow}
		for k, f := range found {
			tally.points[k] = f.points
		}
		// Every acknowledged data point is here: only points whose export failed are missing, and they never
		// come, so what is wrong now stays wrong.
		certain := exp.Undelivered != nil && exp.Undelivered() > 0 && tally.stored() >= delivered-exp.Undelivered()
		done := settled(want, bad, overflow, exp.CardinalityLimit) && tally.stored() >= delivered
		if done || certain || !time.Now().Before(deadline) || ctx.Err() != nil {
			if done {
				res.Complete = int64(len(want) - len(bad))
				d := time.Since(sentAt)
				res.Visibility = generators.OneValue(d)
			}
			res.Duplicated = dup
			res.judgeSeries(want, bad, tally, delivered)
			return res, nil
		}
		if opts.Progress != nil {
			opts.Progress(tally.stored(), delivered)
		}
		timer.Reset(opts.Interval)
	}
}

// seriesFold is one series' state, folded point by point as the points arrive, so that memory is per series,
// not per point: the latest point (cumulative temporality, and gauges, hold their value there) and the sum of every
// point (delta temporality adds up). It remembers the times of its last few points to recognise a point
// delivered twice, as a retried export delivers it.
type seriesFold struct {
	points     int64
	last       MetricPoint
	sum        float64
	count      uint64
	recent     [8]int64
	nextRecent int
}

// add folds p in and reports true, or reports false for a point of the same time as a recent one: a duplicate.
func (f *seriesFold) add(p MetricPoint) bool {
	t := p.Time.UnixNano()
	for _, r := range f.recent[:min(f.points, int64(len(f.recent)))] {
		if r == t {
			return false
		}
	}
	f.recent[f.nextRecent] = t
	f.nextRecent = (f.nextRecent + 1) % len(f.recent)
	f.points++
	if f.points == 1 || !p.Time.Before(f.last.Time) {
		p.Attributes, p.Resource = nil, nil
		f.last = p
	}
	if p.Type == "histogram" || p.Type == "exponentialHistogram" {
		f.sum += p.Sum
		f.count += p.Count
	} else {
		f.sum += p.Value
	}
	return true
}

// value is what the series holds: its latest point for cumulative temporality (gauges keep the latest either
// way), the sum of its points for delta. A series never seen holds nothing.
func (f *seriesFold) value() generators.SeriesValue {
	var v generators.SeriesValue
	if f == nil || f.points == 0 {
		return v
	}
	last := f.last
	if !last.Delta || last.Type == "gauge" {
		v.Last, v.Sum = last.Value, last.Value
		if last.Type == "histogram" || last.Type == "exponentialHistogram" {
			v.Sum, v.Count = last.Sum, last.Count
		}
		return v
	}
	return generators.SeriesValue{Sum: f.sum, Count: f.count, Last: last.Value}
}
