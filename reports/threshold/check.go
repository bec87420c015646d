package threshold

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Units are the units of the row metrics (Metrics), as reports print them after a value: "" for a ratio, which has
// none. A percentile of a latency is in milliseconds ("ms"), and so is a duration written in a threshold (50ms, 1.5s).
var Units = map[string]string{
	"sent": "items", "verified": "items", "lost": "items", "duplicated": "items", "altered": "items",
	"overflowed": "points", "dropped_in_sdk": "items", "throughput": "items/s",
	"dropped_by_collector": "items", "never_readable": "items",
	"target_rate": "items/s", "achieved_rate": "items/s", "missed_slots": "slots",
	"export_calls": "calls", "export_failed_calls": "calls", "export_failed_items": "items",
	"bytes_sent": "bytes", "bytes_per_item": "bytes/item", "export_retries": "requests",
	"export_latency": "ms", "visibility_latency": "ms", "http_latency": "ms",
	"requests": "requests", "answered": "requests", "http_failed": "requests", "http_unexpected_status": "requests",
	"not_sent":      "requests",
	"sampled_ratio": "", "expected_sampled_ratio": "", "not_sampled": "traces", "unexpected_sampled": "traces",
	"recovery_s": "s", "readable_s": "s",
	"failed_calls_during_faults": "calls", "failed_items_during_faults": "items", "retries_during_faults": "requests",
	"lost_during_faults": "items", "lost_outside_faults": "items",
}

// AppMetrics are the metrics (and latencies) only an application's rows have; ExporterMetrics those only the rows
// of otelbench's own exporters have (an application's rows hold 0 for them); FaultMetrics those only the rows of
// otelbench's own exporters have in a run with faults.
var (
	AppMetrics      = []string{"requests", "answered", "http_failed", "http_unexpected_status", "not_sent", "http_latency"}
	ExporterMetrics = []string{"dropped_in_sdk", "overflowed", "export_calls", "export_failed_calls", "export_failed_items",
		"export_retries", "bytes_sent", "bytes_per_item", "dropped_by_collector", "export_latency", "visibility_latency"}
	FaultMetrics = []string{"recovery_s", "readable_s", "failed_calls_during_faults", "failed_items_during_faults",
		"retries_during_faults", "lost_during_faults", "lost_outside_faults"}
)

// Unit is the unit of t's left side, the value a report shows for it (Units): "ms" for a percentile, a metric's
// own, the common unit of a sum or difference, a quantity's unit scaled by a plain number, "" for a quotient of two
// quantities in one unit (a ratio). It is "" too where no unit can be said (items times items, a sum of
// milliseconds and items) rather than a wrong one.
func (t Threshold) Unit() string {
	if t.lhs == nil {
		return ""
	}
	q := quantityOf(t.lhs)
	if q.plain || q.mixed {
		return ""
	}
	return q.unit
}

// Rows says what the rows a threshold applies to can be, as a scenario knows it before a run.
type Rows struct {
	// Exporters: some are rows of otelbench's own exporters; Apps: some are rows of applications under test.
	Exporters, Apps bool
	// Sampling: some have sampling (a traces workload's sampler, an application's, or a sampling collector's on
	// its path).
	Sampling bool
	// Faults: the run has faults.
	Faults bool
}

// Check reports what keeps t from ever meaning anything on rows, each error placed in t's source as Parse's are:
// quantities compared, added or subtracted in different units, one of them a time (lost < 50ms, recovery_s < 3s:
// a duration is in milliseconds); no metric or percentile at all (1 < 2 never depends on the run); a metric or a
// latency none of rows has (http_failed without an application, recovery_s without faults).
func (t Threshold) Check(rows Rows) []error {
	if t.lhs == nil {
		return nil
	}
	var errs []error
	sides := []node{t.lhs, t.rhs}
	if t.hi != nil {
		sides = append(sides, t.hi)
	}
	var operands []node
	for _, n := range sides {
		walk(n, func(n node) {
			switch n := n.(type) {
			case binary:
				if n.op == '+' || n.op == '-' {
					errs = append(errs, t.clash(n.l, n.r, "added or subtracted", string(n.op))...)
				}
			case metric, percentile:
				operands = append(operands, n)
			}
		})
	}
	for _, n := range sides[1:] {
		errs = append(errs, t.clash(t.lhs, n, "compared", t.op)...)
	}
	if len(operands) == 0 {
		errs = append(errs, t.errorAt(0, "it names no metric and no percentile, so it holds or fails whatever the run does; expected a row's number, as in lost == 0 or p99(export_latency) < 50ms"))
	}
	for _, n := range operands {
		if msg := missing(n, rows, t.src[n.where().from:n.where().to]); msg != "" {
			errs = append(errs, t.errorAt(n.where().from, "%s", msg))
		}
	}
	return errs
}

// missing says why no row of rows has operand n (written as src), or "".
func missing(n node, rows Rows, src string) string {
	name := ""
	switch n := n.(type) {
	case metric:
		name = n.name
	case percentile:
		name = n.of
	}
	switch {
	case slices.Contains(AppMetrics, name) && !rows.Apps:
		return fmt.Sprintf("%s is measured on applications' rows only, and no row this threshold applies to is one; expected an application under test among its rows (apps:, a workload driving it, and exporters: naming it or no exporters:)", src)
	case (slices.Contains(ExporterMetrics, name) || slices.Contains(FaultMetrics, name)) && !rows.Exporters:
		return fmt.Sprintf("%s is measured on the rows of otelbench's exporters only, and this threshold applies to applications' rows alone; expected exporters: naming an exporter, or a number applications' rows have (%s, p99(http_latency), ...)", src, strings.Join(AppMetrics[:len(AppMetrics)-1], ", "))
	case slices.Contains(FaultMetrics, name) && !rows.Faults:
		return fmt.Sprintf("%s is measured in a run with faults only, and the scenario has none; expected a faults: block, or a number every run has", src)
	case slices.Contains(SamplingMetrics, name) && !rows.Sampling:
		return fmt.Sprintf("%s is measured on rows with sampling only, and no row this threshold applies to has any; expected sampling on a traces workload (sampling: {ratio: 0.25}), on an application (sampling:, or OTEL_TRACES_SAMPLER in its env) or on the collector its traces go to", src)
	}
	return ""
}

// clash reports a and b, combined by what (op), when they are quantities of different units one of which is a time.
func (t Threshold) clash(a, b node, what, op string) []error {
	qa, qb := quantityOf(a), quantityOf(b)
	if qa.plain || qb.plain || qa.mixed || qb.mixed || qa.unit == qb.unit || !isTime(qa.unit) && !isTime(qb.unit) {
		return nil
	}
	as, bs := t.src[a.where().from:a.where().to], t.src[b.where().from:b.where().to]
	expected := "a plain number (a ratio has no unit)"
	switch qa.unit {
	case "ms":
		expected = "a duration (50ms), a plain number of milliseconds or a latency percentile"
	case "s":
		expected = "a plain number of seconds (a duration such as 3s counts in milliseconds)"
		if n, ok := b.(number); ok && n.duration && op != "between" {
			expected += ", as in " + as + " " + op + " " + strconv.FormatFloat(n.v/1000, 'g', -1, 64)
		}
	case "":
	default:
		expected = fmt.Sprintf("a plain number of %s, or another number in %s", qa.unit, qa.unit)
	}
	return []error{t.errorAt(b.where().from, "%s %s and %s %s: they cannot be %s; expected %s", as, inUnit(qa, a), bs, inUnit(qb, b), what, expected)}
}

// inUnit says what unit q, the quantity of n, is in: "is in items".
func inUnit(q quantity, n node) string {
	if d, ok := n.(number); ok && d.duration {
		return "is a duration, in milliseconds"
	}
	switch q.unit {
	case "":
		return "has no unit (a ratio)"
	case "ms":
		return "is in milliseconds"
	case "s":
		return "is in seconds"
	}
	return "is in " + q.unit
}

func (t Threshold) errorAt(pos int, format string, args ...any) error {
	return fmt.Errorf("at column %d of %q: %s", pos+1, t.src, fmt.Sprintf(format, args...))
}

func isTime(unit string) bool { return unit == "ms" || unit == "s" }

// walk calls f on n and every node below it, left to right.
func walk(n node, f func(node)) {
	f(n)
	if b, ok := n.(binary); ok {
		walk(b.l, f)
		walk(b.r, f)
	}
}

// quantity is what an expression measures: a unit (Units; "" for a ratio), a plain number (it takes the unit of
// what it meets), or a mix no unit can be said of.
type quantity struct {
	unit  string
	plain bool
	mixed bool
}

func quantityOf(n node) quantity {
	switch n := n.(type) {
	case number:
		if n.duration {
			return quantity{unit: "ms"}
		}
		return quantity{plain: true}
	case metric:
		return quantity{unit: Units[n.name]}
	case percentile:
		return quantity{unit: "ms"}
	case binary:
		return combine(n.op, quantityOf(n.l), quantityOf(n.r))
	}
	return quantity{mixed: true}
}

// combine is the quantity of l op r.
func combine(op byte, l, r quantity) quantity {
	mixed := quantity{mixed: true}
	if l.mixed || r.mixed {
		return mixed
	}
	// A ratio (unit "") scales a quantity as a plain number does; it is not one in a sum.
	scale := func(q quantity) bool { return q.plain || q.unit == "" }
	switch op {
	case '+', '-':
		switch {
		case l.plain:
			return r
		case r.plain, l.unit == r.unit:
			return l
		}
	case '*':
		switch {
		case l.plain:
			return r
		case scale(r):
			return l
		case scale(l):
			return r
		}
	case '/':
		switch {
		case scale(r):
			return l
		case !l.plain && l.unit == r.unit:
			return quantity{} // a ratio
		}
	}
	return mixed
}
