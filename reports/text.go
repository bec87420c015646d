package reports

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// WriteText writes r as a table for a terminal, one row per exporter, followed by the verdict and the first
// problems of failing rows.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s  run %s  %.1fs\n\n", r.Scenario, r.RunID, r.DurationS)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "exporter\tworkload\tsignal\tprotocol\tbackend\tsent\tverified\tlost\tdup\taltered\tsdk drop\titems/s\tbytes/item\texport p50\tp99\tvisible p50\tp99\tresult\t")
	for _, e := range r.Exporters {
		result := "PASS"
		if !e.Passed {
			result = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			e.Name, e.Workload, e.Signal, e.Protocol, e.Backend,
			e.Sent, e.Verified, e.Lost, e.Duplicated, e.Altered, e.DroppedInSDK, e.ThroughputPerS, perItem(e.BytesPerItem),
			ms(e.ExportLatencyMs.P50), ms(e.ExportLatencyMs.P99), ms(e.VisibilityLatencyMs.P50), ms(e.VisibilityLatencyMs.P99),
			result)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, e := range r.Exporters {
		for _, in := range e.Instances {
			fmt.Fprintf(&b, "  %s/%s @ %s instance %d: sent %d, sdk drop %d, %.0f items/s, %d export calls (%d failed), export p50 %s p99 %s\n",
				e.Workload, e.Name, e.Backend, in.Instance, in.Sent, in.DroppedInSDK, in.ThroughputPerS, in.ExportCalls, in.ExportFailedCalls,
				ms(in.ExportLatencyMs.P50), ms(in.ExportLatencyMs.P99))
		}
	}
	for _, e := range r.Exporters {
		if e.VerifiedBy == "count" {
			b.WriteString("rows through a sink were verified by count (what its receivers accepted), not item by item\n")
			break
		}
	}
	b.WriteString("\n")
	if len(r.Compatibility) > 0 {
		b.WriteString("compatibility (what each path changed or dropped in items that still verified):\n")
		ctw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, c := range r.Compatibility {
			changes := "nothing"
			switch {
			case len(c.Changes) > 0:
				changes = strings.Join(c.Changes, "; ")
			case c.Verified == 0:
				changes = "no items verified"
			}
			fmt.Fprintf(ctw, "  %s\t%s\t%s\t%s\n", c.Signal, c.Protocol, c.Backend, changes)
		}
		if err := ctw.Flush(); err != nil {
			return err
		}
		b.WriteString("\n")
	}
	for _, e := range r.Exporters {
		if e.Passed {
			continue
		}
		fmt.Fprintf(&b, "%s/%s @ %s failed:\n", e.Workload, e.Name, e.Backend)
		if len(e.LostByCause) > 0 {
			fmt.Fprintf(&b, "  lost %d = %s\n", e.Lost, byCause(e.LostByCause))
		}
		for _, c := range e.Causes {
			fmt.Fprintf(&b, "  %s\n", clipTo("cause: "+c, maxText-2))
		}
		for _, msg := range slices.Sorted(maps.Keys(e.ExportErrors)) {
			fmt.Fprintf(&b, "  %s\n", clipTo(fmt.Sprintf("export error (%d×): %s", e.ExportErrors[msg], msg), maxText-2))
		}
		for i, p := range e.Problems {
			if i == 5 {
				fmt.Fprintf(&b, "  ... %d more in report.json\n", len(e.Problems)-i)
				break
			}
			fmt.Fprintf(&b, "  %s\n", clipTo(p, maxText-2))
		}
	}
	if len(r.Thresholds) > 0 {
		b.WriteString("thresholds:\n")
		for _, t := range r.Thresholds {
			res := "held"
			if !t.Passed {
				res = "BREACHED"
			}
			fmt.Fprintf(&b, "  %-8s %s on %s/%s @ %s: %g\n", res, t.Expr, t.Workload, t.Exporter, t.Backend, t.Value)
		}
	}
	if line := r.resourceLine(); line != "" {
		b.WriteString(line + "\n")
	}
	if r.Interrupted {
		b.WriteString("INTERRUPTED: the run was stopped before it finished; the rows hold what was measured until then\n")
	} else if r.Passed {
		if r.ThresholdsBreached() {
			b.WriteString("THRESHOLDS BREACHED: every item was verified, but see the thresholds above\n")
			_, err := io.WriteString(w, b.String())
			return err
		}
		b.WriteString("PASSED: every item sent was read back intact")
		for _, e := range r.Exporters {
			if e.VerifiedBy == "count" {
				b.WriteString(" (or, through a sink, counted)")
				break
			}
		}
		b.WriteString("\n")
	} else {
		b.WriteString("FAILED: see the rows marked FAIL\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func ms(v float64) string {
	switch {
	case v == 0:
		return "-"
	case v < 10:
		return fmt.Sprintf("%.2fms", v)
	case v < 1000:
		return fmt.Sprintf("%.0fms", v)
	default:
		return fmt.Sprintf("%.1fs", v/1000)
	}
}

func perItem(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", v)
}

// resourceLine says what the started backends and otelbench itself used, or "".
func (r *Report) resourceLine() string {
	var parts []string
	for _, u := range r.Backends {
		parts = append(parts, fmt.Sprintf("%s %.1f CPU s, peak %.0f MB", u.Name, u.CPUSeconds, u.PeakMemoryMB))
	}
	if r.Otelbench != nil {
		parts = append(parts, fmt.Sprintf("otelbench %.1f CPU s, peak %.0f MB", r.Otelbench.CPUSeconds, r.Otelbench.PeakMemoryMB))
	}
	if len(parts) == 0 {
		return ""
	}
	return "resources: " + strings.Join(parts, "; ")
}
