package reports

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// benchColumns are the ranking table's columns and their cells, shared by the text, Markdown and HTML tables.
func (b *Bench) benchColumns() ([]string, [][]string) {
	o := b.Objective
	head := []string{"rank", "configuration", "n", fmt.Sprintf("%s %s (median)", o, o.Unit()), "interval", "vs best", "ratio interval", "p"}
	if !o.Searched() && b.hasCapacity() {
		head = append(head, "capacity items/s")
	}
	if o != ObjectiveThroughput {
		head = append(head, "delivered items/s")
	}
	head = append(head, "export p99 ms", "visibility p99 ms", "bytes/item", "otelbench CPU s/M", "backend CPU s/M", "dropped in SDK", "notes")
	var rows [][]string
	for _, c := range b.Configurations {
		row := []string{fmt.Sprint(c.Rank), c.Config, fmt.Sprint(c.N), figure(c.Median, unranked(c) > 0), interval(c), b.vsBest(c), ratioInterval(c), pValue(c)}
		if !o.Searched() && b.hasCapacity() {
			row = append(row, fmt.Sprintf("%.0f", c.MedianCapacity))
		}
		if o != ObjectiveThroughput {
			row = append(row, fmt.Sprintf("%.0f", c.MedianThroughput))
		}
		row = append(row, fmt.Sprintf("%.2f", c.MedianExportP99Ms), fmt.Sprintf("%.0f", c.MedianVisibilityP99Ms), fmt.Sprintf("%.0f", c.MedianBytesPerItem),
			fmt.Sprintf("%.2f", c.MedianOtelbenchCPUPerM), fmt.Sprintf("%.2f", c.MedianBackendCPUPerM), fmt.Sprint(c.Dropped), notes(c))
		rows = append(rows, row)
	}
	return head, rows
}

func (b *Bench) hasCapacity() bool {
	for _, c := range b.Configurations {
		if c.MedianCapacity > 0 {
			return true
		}
	}
	return false
}

func figure(v float64, none bool) string {
	switch {
	case none:
		return "none"
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

func interval(c ConfigResult) string {
	if c.N < 2 {
		return "-"
	}
	return fmt.Sprintf("%s..%s (%.0f%%)", figure(c.Lo, false), figure(c.Hi, false), 100*c.Confidence)
}

func (b *Bench) vsBest(c ConfigResult) string {
	switch {
	case unranked(c) > 0:
		return "-"
	case c.Config == b.Configurations[0].Config:
		return "best"
	case !c.Significant:
		return fmt.Sprintf("~ %+.1f%%", 100*c.VsBest)
	}
	return fmt.Sprintf("%+.1f%%", 100*c.VsBest)
}

func ratioInterval(c ConfigResult) string {
	if c.RatioLo == 0 && c.RatioHi == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f..%.3f", c.RatioLo, c.RatioHi)
}

func pValue(c ConfigResult) string {
	if c.Rank == 1 && c.Config == c.Leader || unranked(c) > 0 {
		return "-"
	}
	return fmt.Sprintf("%.3g", c.P)
}

func notes(c ConfigResult) string {
	var f []string
	if c.NoRate {
		f = append(f, "sustained no rate: "+c.Cause)
	}
	if c.NotMeasured {
		f = append(f, "not measured")
	}
	if c.Erratic {
		f = append(f, "erratic")
	}
	if c.Failed > 0 {
		f = append(f, fmt.Sprintf("%d replicate(s) failed", c.Failed))
	}
	if c.Contended > 0 {
		f = append(f, fmt.Sprintf("%d contended", c.Contended))
	}
	if c.AtMax > 0 {
		f = append(f, fmt.Sprintf("%d at the search's max", c.AtMax))
	}
	return strings.Join(f, "; ")
}

// Summary is the lines a reader needs around the table: what was ranked and how, the noise floor, what decided
// each tie group, and the warnings.
func (b *Bench) Summary() []string {
	o := b.Objective
	dir := "lower is better"
	if o.HigherIsBetter() {
		dir = "higher is better"
	}
	what := "runs"
	if o.Searched() {
		what = "capacity searches"
	}
	n := 0
	for _, r := range b.Replicates {
		if b.ranked(r) {
			n++
		}
	}
	lines := []string{fmt.Sprintf("objective: %s (%s, %s); %d %s, each configuration alone, in random order; compared with %s at alpha %g",
		o, o.Unit(), dir, n, what, testName(b.Test), b.Alpha)}
	if b.CapacityDefinition != "" {
		lines = append(lines, "capacity: "+b.CapacityDefinition)
	}
	if b.RatePerS > 0 && !o.Searched() {
		lines = append(lines, fmt.Sprintf("measured at a common offered rate of %.0f items/s", b.RatePerS))
	}
	floor := fmt.Sprintf("noise floor: %.1f%% (the minimum effect", 100*b.NoiseFloor)
	if cr := b.ControlResult; cr != nil {
		floor += fmt.Sprintf(", or the A/A control: %s run as two configurations, %+.1f%% apart, p=%.3g", cr.Config, 100*cr.VsTwin, cr.P)
	} else {
		floor += "; no A/A control ran"
	}
	lines = append(lines, floor+"); no difference below it is called")
	for _, g := range b.Groups {
		if len(g.Members) == 1 {
			if len(b.Groups) > 1 {
				lines = append(lines, fmt.Sprintf("rank %d: %s alone: told apart from the next configuration in order", g.Rank, g.Leader))
			}
			continue
		}
		lines = append(lines, fmt.Sprintf("rank %d: %d configurations tied: none told apart from %s (p >= %g or less than %.1f%% apart); their order within the rank means nothing",
			g.Rank, len(g.Members), g.Leader, b.Alpha, 100*b.NoiseFloor))
	}
	for _, w := range b.Warnings {
		lines = append(lines, "warning: "+w)
	}
	return lines
}

func testName(t string) string {
	if t == TestWelch {
		return "Welch's t-test on logarithms (ratio interval at 1-alpha)"
	}
	return "the Mann-Whitney U test"
}

// WriteText writes the ranking as a table, then the summary.
func (b *Bench) WriteText(w io.Writer) error {
	head, rows := b.benchColumns()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, strings.Join(b.Summary(), "\n"))
	return err
}

// WriteMarkdown writes the ranking, the summary and the replicates as Markdown.
func (b *Bench) WriteMarkdown(w io.Writer) error {
	var s strings.Builder
	fmt.Fprintf(&s, "## otelbench bench: %s, exporter %s\n\n", b.Scenario, b.Exporter)
	head, rows := b.benchColumns()
	s.WriteString("| " + strings.Join(head, " | ") + " |\n|" + strings.Repeat("---|", len(head)) + "\n")
	for _, r := range rows {
		r[1] = "`" + r[1] + "`"
		s.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
	s.WriteString("\n")
	for _, l := range b.Summary() {
		s.WriteString("- " + l + "\n")
	}
	s.WriteString("\n### Replicates\n\n| configuration | replicate | capacity/s | offered/s | delivered/s | dropped in SDK | export failed | lost | passed | other CPU cores | steal % | contended | cause |\n|---|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|---|---|\n")
	for _, r := range b.Replicates {
		fmt.Fprintf(&s, "| `%s` | %d | %.0f | %.0f | %.0f | %d | %d | %d | %v | %.2f | %.1f | %v | %s |\n", r.Config, r.Replicate, r.CapacityPerS,
			r.TargetPerS, r.ThroughputPerS, r.DroppedInSDK, r.ExportFailed, r.Lost, r.Passed, r.OtherCPUCores, r.StealPct, r.Contended,
			strings.ReplaceAll(replicateCause(r), "|", "\\|"))
	}
	_, err := io.WriteString(w, s.String())
	return err
}

// WriteBenchstat writes every counted replicate in the Go benchmark format, so that benchstat reads it
// ("benchstat bench.txt", or two files to compare sweeps).
func (b *Bench) WriteBenchstat(w io.Writer) error {
	var s strings.Builder
	fmt.Fprintf(&s, "goos: linux\npkg: otelbench/%s\n", b.Scenario)
	for _, r := range b.Replicates {
		if !b.counts(r) {
			continue
		}
		name := strings.NewReplacer(",", "/", " ", "_").Replace(r.Config)
		fmt.Fprintf(&s, "BenchmarkExport/%s/%s 1", b.Exporter, name)
		if r.CapacityPerS > 0 {
			fmt.Fprintf(&s, " %.1f capacity-items/s", r.CapacityPerS)
		}
		fmt.Fprintf(&s, " %.1f items/s %.3f ms-p99-export %.1f B/item %.3f cpu-s/Mitems\n", r.ThroughputPerS, r.ExportP99Ms, r.BytesPerItem,
			r.OtelbenchCPUPerM+r.BackendCPUPerM)
	}
	_, err := io.WriteString(w, s.String())
	return err
}

// WriteHTML writes one self-contained page (no script, no network): a chart of each configuration's objective
// (median, interval, replicates) banded by tie group, the ranking table, the summary and the replicates.
func (b *Bench) WriteHTML(w io.Writer) error {
	head, rows := b.benchColumns()
	type line struct {
		Text    string
		Warning bool
	}
	var summary []line
	for _, l := range b.Summary() {
		summary = append(summary, line{l, strings.HasPrefix(l, "warning:")})
	}
	return benchPage.Execute(w, struct {
		B       *Bench
		Head    []string
		Rows    [][]string
		Summary []line
		Chart   template.HTML
	}{b, head, rows, summary, b.chart()})
}

var benchPage = template.Must(template.New("bench").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>otelbench bench {{.B.Scenario}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:100%}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:right;white-space:nowrap}
td:nth-child(2),th:nth-child(2),td:last-child{text-align:left}
tr.r1 td{background:#eef6ee}
svg{background:#fafafa;border:1px solid #ddd;max-width:100%;height:auto}
li.warning{color:#a00}
</style>
</head><body><h1>otelbench bench: {{.B.Scenario}}, exporter {{.B.Exporter}}</h1>
<figure><figcaption>{{.B.Objective}} ({{.B.Objective.Unit}}): median (bar), interval (whisker), replicates (dots); bands are tie groups</figcaption>
<div class="scroll">{{.Chart}}</div></figure>
<ul>{{range .Summary}}<li{{if .Warning}} class="warning"{{end}}>{{.Text}}</li>{{end}}</ul>
<div class="scroll"><table><thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr{{if eq (index . 0) "1"}} class="r1"{{end}}>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody></table></div>
</body></html>
`))

// chart draws one row per configuration: its name in a column wide enough for the longest name, then the bar,
// the interval and the replicates on a scale with room left for the value label.
func (b *Bench) chart() template.HTML {
	const rowH, charW, barArea, valueW = 26.0, 7.3, 520.0, 110.0
	longest := 10
	for _, c := range b.Configurations {
		longest = max(longest, len(fmt.Sprintf("%d %s", c.Rank, c.Config)))
	}
	label := float64(longest)*charW + 16
	width := label + barArea + valueW
	maxV := 0.0
	for _, r := range b.Replicates {
		if b.counts(r) {
			maxV = math.Max(maxV, b.Objective.value(r))
		}
	}
	for _, c := range b.Configurations {
		maxV = math.Max(maxV, c.Hi)
	}
	if maxV <= 0 {
		maxV = 1
	}
	scale := func(v float64) float64 { return label + barArea*v/maxV }
	height := float64(len(b.Configurations))*rowH + 20
	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" font-family="monospace">`,
		width, height, width, height)
	for i, c := range b.Configurations {
		y := 10 + float64(i)*rowH
		if c.Rank%2 == 1 {
			fmt.Fprintf(&s, `<rect x="0" y="%.0f" width="%.0f" height="%.0f" fill="#e8f0fa"/>`, y-4, width, rowH)
		}
		color := palette[(c.Rank-1)%len(palette)]
		s.WriteString(`<g class="row">`)
		fmt.Fprintf(&s, `<text class="label" x="4" y="%.0f" font-size="12">%d %s</text>`, y+13, c.Rank, esc(c.Config))
		if unranked(c) > 0 {
			what := "sustained no rate"
			if c.NotMeasured {
				what = "not measured"
			}
			fmt.Fprintf(&s, `<text class="value" x="%.0f" y="%.0f" font-size="12">%s</text></g>`, label, y+13, what)
			continue
		}
		fmt.Fprintf(&s, `<rect class="bar" x="%.0f" y="%.0f" width="%.1f" height="16" fill="%s" opacity="0.6"/>`, label, y, math.Max(scale(c.Median)-label, 1), color)
		if c.N >= 2 {
			fmt.Fprintf(&s, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#000" stroke-width="2"/>`, scale(c.Lo), y+8, scale(c.Hi), y+8)
		}
		for _, r := range b.Replicates {
			if r.Config == c.Config && b.counts(r) {
				fmt.Fprintf(&s, `<circle cx="%.1f" cy="%.0f" r="3" fill="#000"/>`, scale(b.Objective.value(r)), y+8)
			}
		}
		fmt.Fprintf(&s, `<text class="value" x="%.1f" y="%.0f" font-size="11">%s</text></g>`, label+barArea+6, y+12, figure(c.Median, false))
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String()) // #nosec G203 -- built here, every text escaped
}

// replicateCause is the replicates table's last column: a replicate's error, or for a search that found its capacity
// what failed above it (the figures are of the capacity's probe, which passed).
func replicateCause(r Replicate) string {
	switch {
	case r.Error != "":
		return "error: " + r.Error
	case r.Phase == PhaseCapacity && r.CapacityPerS > 0 && r.Cause != "":
		return "above it: " + r.Cause
	}
	return r.Cause
}
