package verify

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/otelbench/otelbench/generators"
)

// OverflowAttribute is the attribute the OpenTelemetry SDK puts, alone, on the series it folds measurements into
// once an instrument has as many attribute sets as its cardinality limit allows.
const OverflowAttribute = "otel.metric.overflow"

// DefaultCardinalityLimit is the Go SDK's cardinality limit per instrument when none is set: 2000 data points per
// collection, the overflow series included.
const DefaultCardinalityLimit = 2000

// seriesTally is what a backend holds of one metrics stream: data points per series, and per instrument kind the
// data points of the stream's overflow series.
type seriesTally struct {
	points   map[generators.SeriesKey]int64
	overflow map[string]int64
}

// stored is every data point of the stream the backend holds, overflow series included.
func (t seriesTally) stored() int64 {
	var n int64
	for _, v := range t.points {
		n += v
	}
	for _, v := range t.overflow {
		n += v
	}
	return n
}

// settled reports whether the final values can be judged now: no series is wrong or missing, or every kind with
// series wrong or missing has an overflow series and as many right series as the cardinality limit leaves room for
// (limit - 1: the overflow series takes the last place). limit <= 0 means the SDK's default.
func settled(want map[generators.SeriesKey]generators.SeriesValue, bad map[generators.SeriesKey]string, overflow map[string]int64, limit int) bool {
	if len(bad) == 0 {
		return true
	}
	if limit <= 0 {
		limit = DefaultCardinalityLimit
	}
	total, right := map[string]int{}, map[string]int{}
	for key := range want {
		total[key.Kind]++
		if _, wrong := bad[key]; !wrong {
			right[key.Kind]++
		}
	}
	for key := range bad {
		if overflow[key.Kind] == 0 || right[key.Kind] < min(total[key.Kind], limit-1) {
			return false
		}
	}
	return true
}

// judgeSeries gives the verdict series by series: the data points of a series that holds its final value are
// verified; those of a wrong or missing series are overflowed when its instrument has an overflow series (the SDK
// folded it, wholly or in part), altered otherwise; the overflow series' own points are overflowed. What the
// backend holds beyond what was delivered is duplicated, short of it lost.
func (r *Result) judgeSeries(want map[generators.SeriesKey]generators.SeriesValue, bad map[generators.SeriesKey]string, t seriesTally, delivered int64) {
	keys := slices.SortedFunc(maps.Keys(want), func(a, b generators.SeriesKey) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Series, b.Series))
	})
	for _, key := range keys {
		n := t.points[key]
		msg, wrong := bad[key]
		switch {
		case !wrong:
			r.Verified += n
		case t.overflow[key.Kind] > 0:
			r.Overflowed += n
			r.OverflowedSeriesCount++
			if len(r.OverflowedSeries) < maxProblems {
				r.OverflowedSeries = append(r.OverflowedSeries, key.Kind+" "+key.Series)
			}
		default:
			r.Altered += n
			r.problem(msg)
		}
	}
	for key, n := range t.points {
		if _, ok := want[key]; !ok {
			r.Altered += n
			r.problem(fmt.Sprintf("unexpected %s series %s", key.Kind, key.Series))
		}
	}
	for _, n := range t.overflow {
		r.Overflowed += n
	}
	r.Expected = delivered
	if stored := t.stored(); stored < delivered {
		r.Lost = delivered - stored
	} else {
		r.Duplicated += stored - delivered
	}
}
