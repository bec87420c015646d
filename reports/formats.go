package reports

import (
	"bufio"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Files are the report's files in an output folder, each written by its renderer from the one report model.
var Files = []struct {
	Name  string
	Write func(r *Report, w io.Writer) error
}{
	{"report.json", (*Report).WriteJSON},
	{"report.txt", (*Report).WriteText},
	{"report.md", (*Report).WriteMarkdown},
	{"junit.xml", (*Report).WriteJUnit},
	{"report.html", (*Report).WriteHTML},
	{"timeseries.csv", (*Report).WriteCSV},
}

// WriteFiles writes every format of r into dir (created if needed) and returns their paths.
func (r *Report) WriteFiles(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range Files {
		path := filepath.Join(dir, f.Name)
		if err := writeFile(path, func(w io.Writer) error { return f.Write(r, w) }); err != nil {
			return paths, fmt.Errorf("write %s: %w", path, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// writeFile writes path whole or not at all: into a temporary file in the same folder, renamed over path once
// complete, so that whoever watches the output folder (CI, a dashboard, a spec) never reads half a report.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // once renamed, there is nothing left to remove
	bw := bufio.NewWriter(f)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// Read reads a report.json.
func Read(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// maxText bounds any error text or problem a format shows: long URLs and ID lists are cut.
const maxText = 300

// clip bounds s to maxText characters on one line.
func clip(s string) string { return clipTo(s, maxText) }

// clipTo bounds s to n characters on one line.
func clipTo(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// verdict is a row's result word.
func verdict(e *Exporter) string {
	if e.Passed {
		return "PASS"
	}
	return "FAIL"
}

// causesOf lists a failing row's causes, export errors (once each, with their count) and first problems.
func causesOf(e *Exporter, problems int) []string {
	var out []string
	for _, c := range e.Causes {
		out = append(out, clip(c))
	}
	keys := make([]string, 0, len(e.ExportErrors))
	for k := range e.ExportErrors {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		out = append(out, clip(fmt.Sprintf("export error (%d×): %s", e.ExportErrors[k], k)))
	}
	out = append(out, appErrorsOf(e)...)
	for i, p := range e.Problems {
		if i == problems {
			break
		}
		out = append(out, clip(p))
	}
	return out
}

// WriteMarkdown writes r as Markdown that fits a GitHub step summary.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	status := "passed"
	switch {
	case r.Interrupted:
		status = "interrupted (numbers until then)"
	case !r.Passed:
		status = "**failed**"
	case r.ThresholdsBreached():
		status = "**thresholds breached**"
	}
	fmt.Fprintf(&b, "## otelbench: %s, %s\n\nrun `%s`, %.1f s\n\n", r.Scenario, status, r.RunID, r.DurationS)
	for _, l := range r.ShardLines() {
		fmt.Fprintf(&b, "- %s\n", md(l))
	}
	if r.Shard != nil || r.Merged != nil {
		b.WriteString("\n")
	}
	own, apps := splitRows(r.Exporters)
	if len(own) > 0 || len(apps) == 0 {
		writeExportersMarkdown(&b, own)
	}
	if len(apps) > 0 {
		writeAppsMarkdown(&b, apps)
	}
	if lines := samplingLines(r.Exporters); len(lines) > 0 {
		b.WriteString("\nSampling (expected vs kept; not sampled is not lost):\n\n")
		for _, l := range lines {
			fmt.Fprintf(&b, "- %s\n", md(l))
		}
	}
	for i := range r.Exporters {
		e := &r.Exporters[i]
		if e.Passed {
			continue
		}
		fmt.Fprintf(&b, "\n**%s**", md(rowLabel(e)))
		if len(e.LostByCause) > 0 {
			fmt.Fprintf(&b, ": lost %d = %s", e.Lost, byCause(e.LostByCause))
		}
		b.WriteString("\n\n")
		for _, c := range causesOf(e, 3) {
			fmt.Fprintf(&b, "- %s\n", md(clipTo(c, maxText-2)))
		}
	}
	if len(r.Faults) > 0 {
		b.WriteString("\n### Faults\n\n| at s | action | backend | fault | scheduled s | took s | error |\n|--:|---|---|--:|--:|--:|---|\n")
		for _, f := range r.Faults {
			fmt.Fprintf(&b, "| %.1f | %s | %s | %d | %.1f | %.1f | %s |\n", f.StartedS, f.Action, md(f.Backend), f.Fault, f.AtS, f.TookS, md(clip(f.Error)))
		}
		if lines := impactLines(r.Exporters); len(lines) > 0 {
			b.WriteString("\nWhat they did to each exporter:\n\n")
			for _, l := range lines {
				fmt.Fprintf(&b, "- %s\n", md(l))
			}
		}
	}
	if len(r.Thresholds) > 0 {
		b.WriteString("\n### Thresholds\n\n| threshold | exporter | backend | value | result |\n|---|---|---|--:|---|\n")
		for _, t := range r.Thresholds {
			res := "held"
			if !t.Passed {
				res = "**breached**"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", t.Expr, md(t.Exporter), md(t.Backend), t.Reading(), res)
		}
	}
	if line := r.resourceLine(); line != "" {
		fmt.Fprintf(&b, "\n%s\n", line)
	}
	if len(r.Compatibility) > 0 {
		writeCompatibilityMarkdown(&b, r.Compatibility)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeExportersMarkdown writes the table of otelbench's own exporter rows.
func writeExportersMarkdown(b *strings.Builder, rows []Exporter) {
	b.WriteString("| exporter | workload | signal | protocol | backend | sent | verified | lost | dup | altered | sdk drop | items/s | export p99 ms | visible p99 ms | result |\n")
	b.WriteString("|---|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
	for i := range rows {
		e := &rows[i]
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %d | %d | %d | %d | %d | %d | %.0f | %.1f | %.1f | %s |\n",
			md(e.Name), md(e.Workload), e.Signal, e.Protocol, md(e.Backend), e.Sent, e.Verified, e.Lost, e.Duplicated, e.Altered,
			e.DroppedInSDK, e.ThroughputPerS, e.ExportLatencyMs.P99, e.VisibilityLatencyMs.P99, verdict(e))
	}
}

// writeAppsMarkdown writes the table of applications under test.
func writeAppsMarkdown(b *strings.Builder, rows []Exporter) {
	b.WriteString("\n### Applications under test\n\n")
	b.WriteString("| app | workload | signal | protocol | path | answered | verified | not sampled | lost | altered | http failed | not sent | statuses | latency p50 | latency p99 | spans below | semconv / metric | result |\n")
	b.WriteString("|---|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|---|---|\n")
	for _, a := range appRowsOf(rows) {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %d | %s | %d | %d | %d | %d | %s | %s | %s | %s | %s | %s |\n",
			md(a.App), md(a.Workload), md(a.Signal), md(a.Protocol), md(a.Path), a.Answered, a.Verified, a.NotSampled, a.Lost, a.Altered,
			a.Failed, a.NotSent, md(a.Statuses), a.LatencyP50, a.LatencyP99, a.SpansBelow, md(a.Telemetry), a.Result)
	}
}

// writeCompatibilityMarkdown writes what each path changed: otelbench's own paths, then the applications' with
// the HTTP conventions their spans follow.
func writeCompatibilityMarkdown(b *strings.Builder, cs []Compatibility) {
	b.WriteString("\n### Compatibility\n")
	own, apps := splitCompatibility(cs)
	if len(own) > 0 {
		b.WriteString("\n| signal | protocol | backend | changes | compared |\n|---|---|---|---|---|\n")
		for _, c := range own {
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", c.Signal, c.Protocol, md(c.Backend), md(changesOf(&c)), md(strings.Join(c.Compared, ", ")))
		}
	}
	if len(apps) > 0 {
		b.WriteString("\n| app | signal | protocol | path | semconv | attributes | changes | compared |\n|---|---|---|---|---|---|---|---|\n")
		for _, c := range apps {
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", md(c.App), md(c.Signal), md(c.Protocol), md(c.Backend),
				md(orDash(c.Semconv)), md(orDash(strings.Join(c.Attributes, ", "))), md(changesOf(&c)), md(strings.Join(c.Compared, ", ")))
		}
	}
}

// orDash is s, or "-" when s is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// byCause is "3 dropped_in_sdk + 2 export_failed + 1 never_readable" (Causes, in order).
func byCause(m map[string]int64) string {
	var parts []string
	for _, k := range Causes {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
		}
	}
	return strings.Join(parts, " + ")
}

// md escapes what would break a Markdown table cell.
func md(s string) string { return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s) }

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     float64      `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

// add counts s's tests and failures and appends it.
func (out *junitSuites) add(s junitSuite) {
	for _, c := range s.Cases {
		s.Tests++
		if c.Failure != nil {
			s.Failures++
		}
	}
	out.Tests += s.Tests
	out.Failures += s.Failures
	out.Suites = append(out.Suites, s)
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	// SystemOut carries, on a row's verification, what the run's faults did to it.
	SystemOut string `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes r as JUnit XML: a suite per row (exporter or application under test, workload, backend path)
// with a testcase for its verification and one per threshold on it, so that CI shows which exporter or
// application failed what.
func (r *Report) WriteJUnit(w io.Writer) error {
	out := junitSuites{Name: "otelbench " + r.Scenario, Time: r.DurationS}
	for i := range r.Exporters {
		e := &r.Exporters[i]
		class, s, c := junitRow(e)
		if e.Faults != nil {
			c.SystemOut = "faults: " + impactLine(e)
		}
		s.Cases = append(s.Cases, c)
		for _, t := range r.Thresholds {
			if t.Exporter != e.Name || t.Workload != e.Workload || t.Backend != e.Backend {
				continue
			}
			tc := junitCase{Name: "threshold " + t.Expr, ClassName: class}
			if !t.Passed {
				tc.Failure = &junitFailure{Message: fmt.Sprintf("threshold %s breached: value %s", t.Expr, t.Reading())}
			}
			s.Cases = append(s.Cases, tc)
		}
		if r.Interrupted {
			s.Cases = append(s.Cases, junitCase{Name: "run completed", ClassName: class,
				Failure: &junitFailure{Message: "the run was interrupted; the numbers are those measured until then"}})
		}
		out.add(s)
	}
	if m := r.Merged; m != nil {
		// A merged report's shards: one case each, and one that fails when a shard is missing.
		s := junitSuite{Name: "shards"}
		lines := r.ShardLines()
		for i, sh := range m.Shards {
			c := junitCase{Name: "shard " + sh.Shard.String(), ClassName: "shards", SystemOut: lines[i+1]}
			if !sh.Passed {
				c.Failure = &junitFailure{Message: lines[i+1]}
			}
			s.Cases = append(s.Cases, c)
		}
		all := junitCase{Name: "every shard merged", ClassName: "shards", SystemOut: lines[0]}
		if len(m.Missing) > 0 {
			all.Failure = &junitFailure{Message: lines[0]}
		}
		s.Cases = append(s.Cases, all)
		out.add(s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitRow is a row's class name, its suite (no cases yet) and the testcase of its verification: for an
// application under test, that the telemetry of every request it answered was verified.
func junitRow(e *Exporter) (string, junitSuite, junitCase) {
	if e.App != nil {
		class := fmt.Sprintf("%s.%s.%s.%s", e.Name, e.Workload, e.Signal, e.Backend)
		s := junitSuite{Name: fmt.Sprintf("%s (%s)", rowLabel(e), e.Protocol)}
		c := junitCase{Name: fmt.Sprintf("telemetry of every request answered verified (%d of %d)", e.Verified, e.Sent), ClassName: class}
		if sm := e.Sampling; sm != nil {
			c.Name = fmt.Sprintf("telemetry of every request answered verified or not sampled as expected (%d verified, %d not sampled, of %d); %s",
				e.Verified, e.NotSampled, e.Sent, sm.String())
		}
		if !e.Passed {
			a := e.App
			msg := fmt.Sprintf("telemetry of %d of %d requests answered verified, %d not sampled, %d lost, %d duplicated, %d altered; %d of %d requests answered, %d failed, %d not sent, %d of an unexpected status",
				e.Verified, e.Sent, e.NotSampled, e.Lost, e.Duplicated, e.Altered, a.Answered, a.Requests, a.Failed, a.NotSent, a.UnexpectedStatus)
			if sm := e.Sampling; sm != nil {
				msg += "; sampling: " + sm.String()
			}
			c.Failure = &junitFailure{Message: msg, Text: strings.Join(causesOf(e, 5), "\n")}
		}
		return class, s, c
	}
	class := fmt.Sprintf("%s.%s.%s", e.Workload, e.Name, e.Backend)
	s := junitSuite{Name: fmt.Sprintf("%s (%s %s)", rowLabel(e), e.Signal, e.Protocol)}
	c := junitCase{Name: fmt.Sprintf("every item delivered and verified (%d of %d)", e.Verified, e.Sent), ClassName: class}
	if sm := e.Sampling; sm != nil {
		c.Name += fmt.Sprintf("; %d not sampled as expected: %s", e.NotSampled, sm.String())
	}
	if !e.Passed {
		msg := fmt.Sprintf("%d of %d verified, %d lost, %d duplicated, %d altered, %d dropped in the SDK", e.Verified, e.Sent, e.Lost, e.Duplicated, e.Altered, e.DroppedInSDK)
		c.Failure = &junitFailure{Message: msg, Text: strings.Join(causesOf(e, 5), "\n")}
	}
	return class, s, c
}

// WriteCSV writes every row's time series, one line per second: cumulative counts and the rates since the
// previous sample.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"exporter", "workload", "backend", "signal", "t_s", "emitted", "exported", "failed", "emitted_per_s", "exported_per_s", "failed_per_s"})
	seen := map[string]bool{}
	for i := range r.Exporters {
		e := &r.Exporters[i]
		key := e.Workload + "/" + e.Name
		if e.Timeseries == nil || seen[key] {
			continue // a stream read back on several paths has one series
		}
		seen[key] = true
		ts := e.Timeseries
		for j := range ts.T {
			rate := func(v []int64) string {
				if j == 0 || ts.T[j] <= ts.T[j-1] {
					return ""
				}
				return strconv.FormatFloat(float64(v[j]-v[j-1])/(ts.T[j]-ts.T[j-1]), 'f', 1, 64)
			}
			_ = cw.Write([]string{e.Name, e.Workload, e.Backend, e.Signal, strconv.FormatFloat(ts.T[j], 'f', 3, 64),
				strconv.FormatInt(ts.Emitted[j], 10), strconv.FormatInt(ts.Exported[j], 10), strconv.FormatInt(ts.Failed[j], 10),
				rate(ts.Emitted), rate(ts.Exported), rate(ts.Failed)})
		}
	}
	cw.Flush()
	return cw.Error()
}
