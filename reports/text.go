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
	if lines := r.ShardLines(); len(lines) > 0 {
		for _, l := range lines {
			fmt.Fprintf(&b, "%s\n", clipTo(l, maxText))
		}
		b.WriteString("\n")
	}
	own, apps := splitRows(r.Exporters)
	if len(own) > 0 || len(apps) == 0 {
		if err := writeExportersText(&b, own); err != nil {
			return err
		}
	}
	if len(apps) > 0 {
		if err := writeAppsText(&b, apps, len(own) > 0); err != nil {
			return err
		}
	}
	if lines := samplingLines(r.Exporters); len(lines) > 0 {
		b.WriteString("sampling (expected vs kept; not sampled is not lost):\n")
		for _, l := range lines {
			fmt.Fprintf(&b, "  %s\n", clipTo(l, maxText-2))
		}
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
	if lines := faultLines(r.Faults); len(lines) > 0 {
		b.WriteString("faults (from the start of sending):\n")
		for _, l := range lines {
			fmt.Fprintf(&b, "  %s\n", clipTo(l, maxText-2))
		}
		for _, l := range impactLines(r.Exporters) {
			fmt.Fprintf(&b, "  %s\n", clipTo(l, maxText-2))
		}
		b.WriteString("\n")
	}
	if len(r.Compatibility) > 0 {
		if err := writeCompatibilityText(&b, r.Compatibility); err != nil {
			return err
		}
	}
	for _, e := range r.Exporters {
		if e.Passed {
			continue
		}
		fmt.Fprintf(&b, "%s failed:\n", rowLabel(&e))
		if len(e.LostByCause) > 0 {
			fmt.Fprintf(&b, "  lost %d = %s\n", e.Lost, byCause(e.LostByCause))
		}
		for _, c := range e.Causes {
			fmt.Fprintf(&b, "  %s\n", clipTo("cause: "+c, maxText-2))
		}
		for _, msg := range slices.Sorted(maps.Keys(e.ExportErrors)) {
			fmt.Fprintf(&b, "  %s\n", clipTo(fmt.Sprintf("export error (%d×): %s", e.ExportErrors[msg], msg), maxText-2))
		}
		for _, msg := range appErrorsOf(&e) {
			fmt.Fprintf(&b, "  %s\n", clipTo(msg, maxText-2))
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
			fmt.Fprintf(&b, "  %-8s %s on %s/%s @ %s: %s\n", res, t.Expr, t.Workload, t.Exporter, t.Backend, t.Reading())
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
		if len(apps) > 0 {
			b.WriteString("; every request the applications answered showed in their telemetry")
			if len(samplingLines(apps)) > 0 {
				b.WriteString(", or was not sampled as their samplers were expected to decide")
			}
		}
		b.WriteString("\n")
	} else {
		b.WriteString("FAILED: see the rows marked FAIL\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeExportersText writes the table of otelbench's own exporter rows.
func writeExportersText(b *strings.Builder, rows []Exporter) error {
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "exporter\tworkload\tsignal\tprotocol\tbackend\tsent\tverified\tlost\tdup\taltered\tsdk drop\titems/s\tbytes/item\texport p50\tp99\tvisible p50\tp99\tresult\t")
	for _, e := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			e.Name, e.Workload, e.Signal, e.Protocol, e.Backend,
			e.Sent, e.Verified, e.Lost, e.Duplicated, e.Altered, e.DroppedInSDK, e.ThroughputPerS, perItem(e.BytesPerItem),
			ms(e.ExportLatencyMs.P50), ms(e.ExportLatencyMs.P99), ms(e.VisibilityLatencyMs.P50), ms(e.VisibilityLatencyMs.P99),
			verdict(&e))
	}
	return tw.Flush()
}

// writeAppsText writes the table of applications under test: their requests and how their telemetry verified
// (counts in requests answered; latency from when each request was due). apart separates it from a table above.
func writeAppsText(b *strings.Builder, rows []Exporter, apart bool) error {
	if apart {
		b.WriteString("\n")
	}
	b.WriteString("applications under test (verified, lost, altered: requests answered; latency from the schedule):\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "app\tworkload\tsignal\tprotocol\tpath\tanswered\tverified\tnot sampled\tlost\taltered\thttp failed\tnot sent\tstatuses\tlatency p50\tp99\tspans below\tsemconv / metric\tresult\t")
	for _, a := range appRowsOf(rows) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			a.App, a.Workload, a.Signal, a.Protocol, a.Path, a.Answered, a.Verified, a.NotSampled, a.Lost, a.Altered, a.Failed, a.NotSent,
			a.Statuses, a.LatencyP50, a.LatencyP99, a.SpansBelow, a.Telemetry, a.Result)
	}
	return tw.Flush()
}

// writeCompatibilityText writes what each path changed: a table of otelbench's own paths, then a line per
// application path with the HTTP conventions its spans follow.
func writeCompatibilityText(b *strings.Builder, cs []Compatibility) error {
	b.WriteString("compatibility (what each path changed or dropped in items that still verified):\n")
	own, apps := splitCompatibility(cs)
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, c := range own {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.Signal, c.Protocol, c.Backend, changesOf(&c))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, c := range apps {
		fmt.Fprintf(b, "  %s\n", clipTo(appCompatibilityLine(&c), maxText-2))
	}
	b.WriteString("\n")
	return nil
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
