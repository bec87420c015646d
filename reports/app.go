package reports

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// splitRows separates the rows of otelbench's own exporters from those of applications under test, each in the
// report's order.
func splitRows(rows []Exporter) (own, apps []Exporter) {
	for _, e := range rows {
		if e.App != nil {
			apps = append(apps, e)
		} else {
			own = append(own, e)
		}
	}
	return own, apps
}

// splitCompatibility separates the paths of otelbench's own exporters from those of applications under test.
func splitCompatibility(cs []Compatibility) (own, apps []Compatibility) {
	for _, c := range cs {
		if c.App != "" {
			apps = append(apps, c)
		} else {
			own = append(own, c)
		}
	}
	return own, apps
}

// rowLabel names a row in headings and test names: "checkout/grpc @ jaeger" for an exporter's row (workload
// first), "flask-code/browse traces @ jaeger" for an application's (the app first, and its signal, since one
// app sends several signals).
func rowLabel(e *Exporter) string {
	if e.App != nil {
		return fmt.Sprintf("%s/%s %s @ %s", e.Name, e.Workload, e.Signal, e.Backend)
	}
	return fmt.Sprintf("%s/%s @ %s", e.Workload, e.Name, e.Backend)
}

// appRow is an application row as the text, Markdown and HTML tables show it.
type appRow struct {
	App, Workload, Signal, Protocol, Path string
	// Answered is "950/1000": requests answered of those sent.
	Answered                                 string
	Verified, Lost, Altered, Failed, NotSent int64
	// NotSampled is "-" for a row without sampling, else the requests whose trace the sampler dropped as expected.
	NotSampled string
	// Statuses is "200:950 404:50", with the answers of an unexpected status counted after it.
	Statuses string
	// LatencyP50 and LatencyP99 are measured from when each request was due by the schedule.
	LatencyP50, LatencyP99 string
	SpansBelow             string
	// Telemetry is what the app's telemetry showed: "semconv old" (traces), "http_requests_total counted 950"
	// (metrics).
	Telemetry string
	Result    string
}

// appRowOf is e's application row; e.App must be set.
func appRowOf(e *Exporter) appRow {
	a := e.App
	row := appRow{App: e.Name, Workload: e.Workload, Signal: e.Signal, Protocol: e.Protocol, Path: e.Backend,
		Answered: fmt.Sprintf("%d/%d", a.Answered, a.Requests), Verified: e.Verified, Lost: e.Lost, Altered: e.Altered,
		Failed: a.Failed, NotSent: a.NotSent, Statuses: statusesOf(a), LatencyP50: ms(a.LatencyMs.P50),
		LatencyP99: ms(a.LatencyMs.P99), SpansBelow: "-", Telemetry: telemetryOf(e), Result: verdict(e), NotSampled: "-"}
	if e.Sampling != nil {
		row.NotSampled = strconv.FormatInt(e.NotSampled, 10)
	}
	if e.Signal == "traces" {
		row.SpansBelow = strconv.FormatInt(a.SpansBelow, 10)
	}
	return row
}

// appRowsOf is every application row of rows.
func appRowsOf(rows []Exporter) []appRow {
	var out []appRow
	for i := range rows {
		if rows[i].App != nil {
			out = append(out, appRowOf(&rows[i]))
		}
	}
	return out
}

// samplingLines are the rows with sampling, one line each: "flask-code/shop traces @ jaeger: traceidratio 0.5
// (python rule): kept 0.490 (expected 0.490), 408 not sampled".
func samplingLines(rows []Exporter) []string {
	var out []string
	for i := range rows {
		if sm := rows[i].Sampling; sm != nil {
			out = append(out, rowLabel(&rows[i])+": "+sm.String())
		}
	}
	return out
}

// statusesOf is the answers by status code, "200:950 404:50", then "(50 unexpected)" when some were not the
// status expected; "-" with no answer.
func statusesOf(a *App) string {
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(a.Statuses)) {
		parts = append(parts, fmt.Sprintf("%s:%d", code, a.Statuses[code]))
	}
	if len(parts) == 0 {
		parts = append(parts, "-")
	}
	if a.UnexpectedStatus > 0 {
		parts = append(parts, fmt.Sprintf("(%d unexpected)", a.UnexpectedStatus))
	}
	return clipTo(strings.Join(parts, " "), 80)
}

// telemetryOf says what an application row's telemetry showed besides the counts: the semantic conventions of
// its server spans, or the metric compared and its increase; "-" when there is nothing to say.
func telemetryOf(e *Exporter) string {
	switch a := e.App; {
	case a.Semconv != "":
		return "semconv " + a.Semconv
	case a.Metric != "":
		return clipTo(fmt.Sprintf("%s counted %s", a.Metric, strconv.FormatFloat(a.Counted, 'f', -1, 64)), 80)
	case e.Unit == "records":
		// Log rows count records: those the answered requests should have logged.
		return fmt.Sprintf("%d of %d records found", e.Verified, e.Sent)
	}
	return "-"
}

// appErrorsOf lists an application row's request errors (requests that got no answer), once each with their
// count.
func appErrorsOf(e *Exporter) []string {
	if e.App == nil {
		return nil
	}
	var out []string
	for _, msg := range slices.Sorted(maps.Keys(e.App.Errors)) {
		out = append(out, clip(fmt.Sprintf("request error (%d×): %s", e.App.Errors[msg], msg)))
	}
	return out
}

// changesOf says what a path changed: its changes, "nothing", or that nothing was verified to judge by.
func changesOf(c *Compatibility) string {
	switch {
	case len(c.Changes) > 0:
		return strings.Join(c.Changes, "; ")
	case c.Verified == 0 && c.App != "":
		return "no requests verified"
	case c.Verified == 0:
		return "no items verified"
	}
	return "nothing"
}

// semconvOf is an application path's conventions, "semconv old (http.method, http.route)", or "" when its
// spans showed none.
func semconvOf(c *Compatibility) string {
	var s string
	if c.Semconv != "" {
		s = "semconv " + c.Semconv
	}
	if len(c.Attributes) > 0 {
		s = strings.TrimSpace(s + " (" + strings.Join(c.Attributes, ", ") + ")")
	}
	return s
}

// appCompatibilityLine is an application path in one line: "flask-code traces via otlp-http to jaeger: semconv
// old (http.method, http.route, http.status_code); changed nothing".
func appCompatibilityLine(c *Compatibility) string {
	changes := changesOf(c)
	switch {
	case len(c.Changes) > 0:
		changes = "changed: " + changes
	case changes == "nothing":
		changes = "changed nothing"
	}
	facts := changes
	if s := semconvOf(c); s != "" {
		facts = s + "; " + changes
	}
	return clip(fmt.Sprintf("%s %s via %s to %s: %s", c.App, c.Signal, c.Protocol, c.Backend, facts))
}
