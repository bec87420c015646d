package reports

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
)

// Parse reads a report.json.
func Parse(data []byte) (*Report, error) {
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("not a report.json: %w", err)
	}
	if r.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("report.json schema_version %d; expected %d", r.SchemaVersion, SchemaVersion)
	}
	return &r, nil
}

// palette colours series and causes; chosen to stay apart for the common kinds of colour blindness.
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"}

// WriteHTML writes r as one self-contained HTML page (no script, no network): the table of exporter rows, that of
// applications under test, the causes, and charts drawn as inline SVG: of the exporter rows, throughput over time
// per stream, export latency percentiles per row, and each row's items by outcome (verified, and lost by cause);
// of the applications' rows, request latency percentiles and requests by outcome.
func (r *Report) WriteHTML(w io.Writer) error {
	own, apps := splitRows(r.Exporters)
	ownCompat, appCompat := splitCompatibility(r.Compatibility)
	data := struct {
		R          *Report
		Status     string
		Rows       []Exporter
		Apps       []appRow
		Throughput template.HTML
		Latency    template.HTML
		Outcomes   template.HTML
		AppLatency template.HTML
		AppOutcome template.HTML
		Causes     []htmlCauses
		Resources  string
		Compat     []Compatibility
		AppCompat  []Compatibility
		Sampling   []string
		Impact     []string
	}{Impact: impactLines(r.Exporters), Sampling: samplingLines(r.Exporters), Resources: r.resourceLine(), R: r, Status: "passed", Rows: own, Apps: appRowsOf(apps), Throughput: throughputChart(own, FaultWindows(r.Faults)),
		Latency: latencyChart(own, func(e *Exporter) Latency { return e.ExportLatencyMs }), Outcomes: outcomeChart(own),
		AppLatency: latencyChart(apps, func(e *Exporter) Latency { return e.App.LatencyMs }), AppOutcome: outcomeChart(apps),
		Compat: ownCompat, AppCompat: appCompat}
	switch {
	case r.Interrupted:
		data.Status = "interrupted"
	case !r.Passed:
		data.Status = "failed"
	case r.ThresholdsBreached():
		data.Status = "thresholds breached"
	}
	for i := range r.Exporters {
		if e := &r.Exporters[i]; !e.Passed {
			data.Causes = append(data.Causes, htmlCauses{Row: rowLabel(e), Causes: causesOf(e, 3)})
		}
	}
	return htmlPage.Execute(w, data)
}

// htmlCauses are a failing row's causes under its label.
type htmlCauses struct {
	Row    string
	Causes []string
}

var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"verdict": func(e Exporter) string { return verdict(&e) },
	"changes": func(c Compatibility) string { return changesOf(&c) },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>otelbench {{.R.Scenario}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}
td:nth-child(-n+5),th{text-align:left}.PASS{color:#007a3d;font-weight:bold}.FAIL{color:#b00020;font-weight:bold}
figure{margin:1.5em 0}figcaption{font-weight:bold;margin-bottom:.4em}svg{background:#fafafa;border:1px solid #ddd}
</style></head><body>
<h1>otelbench: {{.R.Scenario}} <small>({{.Status}})</small></h1>
<p>run <code>{{.R.RunID}}</code>, started {{.R.Started.Format "2006-01-02 15:04:05 MST"}}, {{printf "%.1f" .R.DurationS}} s</p>
{{if or .Rows (not .Apps)}}<table><tr><th>exporter</th><th>workload</th><th>signal</th><th>protocol</th><th>backend</th><th>sent</th><th>verified</th><th>lost</th><th>dup</th><th>altered</th><th>sdk drop</th><th>items/s</th><th>export p99 ms</th><th>visible p99 ms</th><th>result</th></tr>
{{range .Rows}}<tr><td>{{.Name}}</td><td>{{.Workload}}</td><td>{{.Signal}}</td><td>{{.Protocol}}</td><td>{{.Backend}}</td><td>{{.Sent}}</td><td>{{.Verified}}</td><td>{{.Lost}}</td><td>{{.Duplicated}}</td><td>{{.Altered}}</td><td>{{.DroppedInSDK}}</td><td>{{printf "%.0f" .ThroughputPerS}}</td><td>{{.ExportLatencyMs.P99}}</td><td>{{.VisibilityLatencyMs.P99}}</td><td class="{{verdict .}}">{{verdict .}}</td></tr>
{{end}}</table>{{end}}
{{if .Apps}}<h2>Applications under test</h2>
<p>Verified, lost and altered count requests answered; latency is from when each request was due by the schedule.</p>
<table><tr><th>app</th><th>workload</th><th>signal</th><th>protocol</th><th>path</th><th>answered</th><th>verified</th><th>not sampled</th><th>lost</th><th>altered</th><th>http failed</th><th>not sent</th><th>statuses</th><th>latency p50</th><th>latency p99</th><th>spans below</th><th>semconv / metric</th><th>result</th></tr>
{{range .Apps}}<tr><td>{{.App}}</td><td>{{.Workload}}</td><td>{{.Signal}}</td><td>{{.Protocol}}</td><td>{{.Path}}</td><td>{{.Answered}}</td><td>{{.Verified}}</td><td>{{.NotSampled}}</td><td>{{.Lost}}</td><td>{{.Altered}}</td><td>{{.Failed}}</td><td>{{.NotSent}}</td><td style="text-align:left">{{.Statuses}}</td><td>{{.LatencyP50}}</td><td>{{.LatencyP99}}</td><td>{{.SpansBelow}}</td><td style="text-align:left">{{.Telemetry}}</td><td class="{{.Result}}">{{.Result}}</td></tr>
{{end}}</table>{{end}}
{{with .R.ShardLines}}<h2>Shards</h2><ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{with .Sampling}}<p>Sampling (expected vs kept; not sampled is not lost):</p><ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{range .Causes}}<p><b>{{.Row}}</b></p><ul>{{range .Causes}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .R.Thresholds}}<h2>Thresholds</h2><table><tr><th>threshold</th><th>exporter</th><th>backend</th><th>value</th><th>result</th></tr>
{{range .R.Thresholds}}<tr><td><code>{{.Expr}}</code></td><td>{{.Exporter}}</td><td>{{.Backend}}</td><td>{{.Reading}}</td><td class="{{if .Passed}}PASS{{else}}FAIL{{end}}">{{if .Passed}}held{{else}}breached{{end}}</td></tr>
{{end}}</table>{{end}}
{{with .Resources}}<p>{{.}}</p>{{end}}
{{if .R.Faults}}<h2>Faults</h2><table><tr><th>at s</th><th>action</th><th>backend</th><th>fault</th><th>scheduled s</th><th>took s</th><th>error</th></tr>
{{range .R.Faults}}<tr><td>{{printf "%.1f" .StartedS}}</td><td>{{.Action}}</td><td>{{.Backend}}</td><td>{{.Fault}}</td><td>{{printf "%.1f" .AtS}}</td><td>{{printf "%.1f" .TookS}}</td><td class="{{if .Error}}FAIL{{end}}">{{.Error}}</td></tr>
{{end}}</table>{{with .Impact}}<p>What they did to each exporter:</p><ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}{{end}}
{{if .Rows}}<figure><figcaption>Throughput over time (items exported per second, per stream{{if .R.Faults}}; shaded: fault windows{{end}})</figcaption>{{.Throughput}}</figure>
<figure><figcaption>Export call latency (ms): p50, p90, p99 per row</figcaption>{{.Latency}}</figure>
<figure><figcaption>Items by outcome: verified, and lost by cause</figcaption>{{.Outcomes}}</figure>{{end}}
{{if .Apps}}<figure><figcaption>Applications: request latency from the schedule (ms), p50, p90, p99 per row</figcaption>{{.AppLatency}}</figure>
<figure><figcaption>Applications: requests (records, for logs) by outcome</figcaption>{{.AppOutcome}}</figure>{{end}}
{{if .R.Compatibility}}<h2>Compatibility</h2>{{end}}
{{if .Compat}}<table><tr><th>signal</th><th>protocol</th><th>backend</th><th>changes</th><th>compared</th></tr>
{{range .Compat}}<tr><td>{{.Signal}}</td><td>{{.Protocol}}</td><td>{{.Backend}}</td><td style="text-align:left">{{range $j, $c := .Changes}}{{if $j}}; {{end}}{{$c}}{{else}}nothing{{end}}</td><td style="text-align:left">{{range $j, $c := .Compared}}{{if $j}}, {{end}}{{$c}}{{end}}</td></tr>
{{end}}</table>{{end}}
{{if .AppCompat}}<table><tr><th>app</th><th>signal</th><th>protocol</th><th>path</th><th>semconv</th><th>attributes</th><th>changes</th><th>compared</th></tr>
{{range .AppCompat}}<tr><td>{{.App}}</td><td>{{.Signal}}</td><td>{{.Protocol}}</td><td>{{.Backend}}</td><td style="text-align:left">{{or .Semconv "-"}}</td><td style="text-align:left">{{range $j, $a := .Attributes}}{{if $j}}, {{end}}{{$a}}{{else}}-{{end}}</td><td style="text-align:left">{{changes .}}</td><td style="text-align:left">{{range $j, $c := .Compared}}{{if $j}}, {{end}}{{$c}}{{end}}</td></tr>
{{end}}</table>{{end}}
</body></html>
`))

// esc escapes text for SVG.
func esc(s string) string { return template.HTMLEscapeString(s) }

// throughputChart draws exported items per second over time, one line per stream.
func throughputChart(rows []Exporter, windows []FaultWindow) template.HTML {
	const w, h, pad = 760.0, 260.0, 50.0
	type line struct {
		name string
		t, v []float64
	}
	var lines []line
	seen := map[string]bool{}
	maxT, maxV := 1.0, 1.0
	for _, e := range rows {
		key := e.Workload + "/" + e.Name
		if e.Timeseries == nil || seen[key] || len(e.Timeseries.T) == 0 {
			continue
		}
		seen[key] = true
		ts := e.Timeseries
		l := line{name: key}
		for j := range ts.T {
			prevT, prev := 0.0, int64(0)
			if j > 0 {
				prevT, prev = ts.T[j-1], ts.Exported[j-1]
			}
			if dt := ts.T[j] - prevT; dt > 0 {
				v := float64(ts.Exported[j]-prev) / dt
				l.t, l.v = append(l.t, ts.T[j]), append(l.v, v)
				maxT, maxV = math.Max(maxT, ts.T[j]), math.Max(maxV, v)
			}
		}
		lines = append(lines, l)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" role="img">`, w, h+20*float64(len(lines)))
	for _, fw := range windows {
		maxT = math.Max(maxT, fw.To)
	}
	axes(&b, w, h, pad, fmt.Sprintf("%.0f/s", maxV), fmt.Sprintf("%.0f s", maxT))
	// Fault windows first, under the lines: a shaded band from the action to the backend's return.
	for _, fw := range windows {
		to := fw.To
		if to == UntilEnd {
			to = maxT
		}
		x0, x1 := pad+(w-2*pad)*fw.From/maxT, pad+(w-2*pad)*to/maxT
		fmt.Fprintf(&b, `<rect class="fault" x="%.1f" y="%.0f" width="%.1f" height="%.0f" fill="#d62728" fill-opacity="0.12"><title>%s</title></rect>`,
			x0, pad, math.Max(x1-x0, 2), h-2*pad, esc(fw.label()))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="11" fill="#a00">%s</text>`, x0+2, pad-4, esc(fw.label()))
	}
	for i, l := range lines {
		color := palette[i%len(palette)]
		var pts []string
		for j := range l.t {
			x := pad + (w-2*pad)*l.t[j]/maxT
			y := h - pad - (h-2*pad)*l.v[j]/maxV
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, color, strings.Join(pts, " "))
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="12" height="12" fill="%s"/><text x="%.0f" y="%.0f" font-size="12">%s</text>`,
			pad, h+float64(i)*20, color, pad+18, h+float64(i)*20+11, esc(l.name))
	}
	if len(lines) == 0 {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="13">no time series (the run was shorter than a second)</text>`, pad+10, h/2)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec G203 -- built here, every text escaped
}

func axes(b *strings.Builder, w, h, pad float64, yMax, xMax string) {
	fmt.Fprintf(b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#444"/>`, pad, h-pad, w-pad, h-pad)
	fmt.Fprintf(b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#444"/>`, pad, pad, pad, h-pad)
	fmt.Fprintf(b, `<text x="4" y="%.0f" font-size="11">%s</text><text x="4" y="%.0f" font-size="11">0</text>`, pad+4, esc(yMax), h-pad)
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" font-size="11" text-anchor="end">%s</text>`, w-pad, h-pad+16, esc(xMax))
}

// latencyChart draws p50, p90 and p99 of a latency of each row (export calls; an app's requests) as grouped bars.
func latencyChart(rows []Exporter, of func(e *Exporter) Latency) template.HTML {
	const barH, gap, label = 10.0, 8.0, 300.0
	maxV := 0.001
	for i := range rows {
		maxV = math.Max(maxV, of(&rows[i]).P99)
	}
	width := 760.0
	height := float64(len(rows))*(3*barH+gap) + 30
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" role="img">`, width, height)
	y := 10.0
	for i := range rows {
		e, l := &rows[i], of(&rows[i])
		p90 := l.P99
		if l.P90 != nil {
			p90 = *l.P90
		}
		fmt.Fprintf(&b, `<text x="4" y="%.0f" font-size="11">%s</text>`, y+2*barH, esc(rowLabel(e)))
		for k, v := range []float64{l.P50, p90, l.P99} {
			bw := (width - label - 80) * v / maxV
			fmt.Fprintf(&b, `<rect x="%.0f" y="%.1f" width="%.1f" height="%.0f" fill="%s"/>`, label, y+float64(k)*barH, math.Max(bw, 1), barH-1, palette[k])
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="9">%s %.2f</text>`, label+math.Max(bw, 1)+4, y+float64(k)*barH+barH-2,
				[]string{"p50", "p90", "p99"}[k], v)
		}
		y += 3*barH + gap
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec G203 -- built here, every text escaped
}

// outcomeChart draws each row's sent items as one bar split into verified, altered, duplicated-free loss by cause.
func outcomeChart(rows []Exporter) template.HTML {
	const barH, gap, label = 14.0, 8.0, 300.0
	width := 760.0
	parts := []struct{ name, color string }{{"verified", "#009E73"}, {"altered", "#E69F00"}, {"overflowed", "#56B4E9"},
		{"dropped_in_sdk", "#D55E00"}, {"export_failed", "#CC79A7"}, {"dropped_by_collector", "#0072B2"}, {"never_readable", "#000000"}}
	height := float64(len(rows))*(barH+gap) + 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" role="img">`, width, height)
	y := 10.0
	for i := range rows {
		e := &rows[i]
		total := float64(max(e.Sent, 1))
		vals := []int64{e.Verified, e.Altered, e.Overflowed, e.LostByCause["dropped_in_sdk"], e.LostByCause["export_failed"], e.LostByCause["dropped_by_collector"], e.LostByCause["never_readable"]}
		fmt.Fprintf(&b, `<text x="4" y="%.0f" font-size="11">%s</text>`, y+barH-3, esc(rowLabel(e)))
		x := label
		for k, v := range vals {
			if v <= 0 {
				continue
			}
			bw := (width - label - 20) * float64(v) / total
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.0f" width="%.1f" height="%.0f" fill="%s"><title>%s: %d</title></rect>`, x, y, math.Max(bw, 1), barH, parts[k].color, parts[k].name, v)
			x += bw
		}
		y += barH + gap
	}
	for k, p := range parts {
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="10" height="10" fill="%s"/><text x="%.0f" y="%.0f" font-size="11">%s</text>`,
			4+float64(k)*120, y+6, p.color, 18+float64(k)*120, y+15, p.name)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec G203 -- built here, every text escaped
}
