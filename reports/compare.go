package reports

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchmath"
)

// A compared metric: how to read it off a row, and which way is better.
type comparedMetric struct {
	name         string
	higherBetter bool
	of           func(e *Exporter) float64
}

var comparedMetrics = []comparedMetric{
	{"throughput_per_s", true, func(e *Exporter) float64 { return e.ThroughputPerS }},
	{"verified", true, func(e *Exporter) float64 { return float64(e.Verified) }},
	{"lost", false, func(e *Exporter) float64 { return float64(e.Lost) }},
	{"dropped_in_sdk", false, func(e *Exporter) float64 { return float64(e.DroppedInSDK) }},
	{"export_latency_p99_ms", false, func(e *Exporter) float64 { return e.ExportLatencyMs.P99 }},
	{"visibility_latency_p99_ms", false, func(e *Exporter) float64 { return e.VisibilityLatencyMs.P99 }},
	{"bytes_per_item", false, func(e *Exporter) float64 { return e.BytesPerItem }},
	// What faults did, as thresholds read it (Exporter.Metric): a recovery that never came is +Inf, worse than any.
	{"dropped_by_collector", false, func(e *Exporter) float64 { return e.Metric("dropped_by_collector") }},
	{"failed_items_during_faults", false, func(e *Exporter) float64 { return e.Metric("failed_items_during_faults") }},
	{"recovery_s", false, func(e *Exporter) float64 { return e.Metric("recovery_s") }},
}

// Change is one metric of one row, base against new: medians over the runs on each side, the relative change,
// and, with repeated runs on both sides, a Mann-Whitney U test's p-value (golang.org/x/perf/benchmath, as
// benchstat uses).
type Change struct {
	Row       string  `json:"row"` // workload/exporter @ backend, or app/workload signal @ backend
	Metric    string  `json:"metric"`
	Base      float64 `json:"base"`
	New       float64 `json:"new"`
	Delta     float64 `json:"delta"` // (new - base) / base; 0 when both are 0, ±Inf from 0
	P         float64 `json:"p"`     // -1 when too few runs to test
	NBase     int     `json:"n_base"`
	NNew      int     `json:"n_new"`
	Regressed bool    `json:"regressed"`
	// Note says why a change is or is not judged: "not significant", "single run: no test", ...
	Note string `json:"note,omitempty"`
}

// ReadReports reads report.json files: each path is a report.json, or a folder searched for report.json files
// (the repeated runs of one side).
func ReadReports(paths ...string) ([]*Report, error) {
	var out []*Report
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		files := []string{p}
		if st.IsDir() {
			files = nil
			err := filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && d.Name() == "report.json" {
					files = append(files, path)
				}
				return err
			})
			if err != nil {
				return nil, err
			}
			if len(files) == 0 {
				return nil, fmt.Errorf("%s holds no report.json", p)
			}
		}
		for _, f := range files {
			r, err := Read(f)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			if r.Shard != nil {
				return nil, fmt.Errorf("%s is the report of shard %s of run %s, a part of a run: merge the shards (otelbench merge) and compare the merged report", f, r.Shard, r.RunID)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// Compare compares every metric of every row present on both sides. A change is a regression when it goes the
// bad way by more than tolerance (a fraction of the base) and, with at least two runs on each side, the test
// finds it significant (p < 0.05); with one run a side there is no test, and the tolerance alone decides.
func Compare(base, next []*Report, tolerance float64) []Change {
	rowsOf := func(reps []*Report) (map[string][]*Exporter, []string) {
		m := map[string][]*Exporter{}
		var order []string
		for _, r := range reps {
			for i := range r.Exporters {
				e := &r.Exporters[i]
				k := rowLabel(e)
				if _, ok := m[k]; !ok {
					order = append(order, k)
				}
				m[k] = append(m[k], e)
			}
		}
		return m, order
	}
	b, order := rowsOf(base)
	n, _ := rowsOf(next)
	var out []Change
	for _, k := range order {
		if len(n[k]) == 0 {
			continue
		}
		for _, m := range comparedMetrics {
			bv, nv := values(b[k], m), values(n[k], m)
			c := Change{Row: k, Metric: m.name, NBase: len(bv), NNew: len(nv), P: -1}
			c.Base, c.New = median(bv), median(nv)
			switch {
			case c.Base == c.New:
				c.Delta = 0
			case c.Base == 0 || math.IsInf(c.New, 0):
				c.Delta = math.Inf(int(math.Copysign(1, c.New)))
			case math.IsInf(c.Base, 0):
				c.Delta = math.Inf(-int(math.Copysign(1, c.Base))) // from never to some time: the whole way better
			default:
				c.Delta = (c.New - c.Base) / math.Abs(c.Base)
			}
			worse := c.Delta < -tolerance
			if !m.higherBetter {
				worse = c.Delta > tolerance
				if c.Base == 0 && c.New > 0 {
					worse = true // from none to some lost, dropped, ...: a regression whatever the tolerance
				}
			}
			if len(bv) >= 2 && len(nv) >= 2 {
				cmp := benchmath.AssumeNothing.Compare(benchmath.NewSample(bv, &benchmath.DefaultThresholds), benchmath.NewSample(nv, &benchmath.DefaultThresholds))
				c.P = cmp.P
				if worse && cmp.P >= cmp.Alpha {
					worse, c.Note = false, fmt.Sprintf("not significant (p=%.2f, n=%d+%d)", cmp.P, len(bv), len(nv))
				}
			} else if c.Delta != 0 {
				c.Note = "single run: no significance test"
			}
			c.Regressed = worse
			out = append(out, c)
		}
	}
	return out
}

func values(rows []*Exporter, m comparedMetric) []float64 {
	out := make([]float64, len(rows))
	for i, e := range rows {
		out[i] = m.of(e)
	}
	slices.Sort(out)
	return out
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// WriteChanges prints changes as a table, regressions marked, unchanged metrics left out.
func WriteChanges(w io.Writer, changes []Change) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "row\tmetric\tbase\tnew\tchange\tp\t")
	shown := 0
	for _, c := range changes {
		if c.Delta == 0 && !c.Regressed {
			continue
		}
		shown++
		p := "-"
		if c.P >= 0 {
			p = fmt.Sprintf("%.3f", c.P)
		}
		mark := ""
		if c.Regressed {
			mark = "  REGRESSION"
		} else if c.Note != "" {
			mark = "  (" + c.Note + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%g\t%g\t%+.1f%%\t%s\t%s\n", c.Row, c.Metric, c.Base, c.New, 100*c.Delta, p, mark)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if shown == 0 {
		_, err := io.WriteString(w, "no change\n")
		return err
	}
	return nil
}

// Regressions lists the regressed changes as "row metric -30.0%".
func Regressions(changes []Change) []string {
	var out []string
	for _, c := range changes {
		if c.Regressed {
			out = append(out, fmt.Sprintf("%s %s %+.1f%%", c.Row, strings.ReplaceAll(c.Metric, "_", " "), 100*c.Delta))
		}
	}
	return out
}
