package reports_test

import (
	"bytes"
	"encoding/xml"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/reports"
)

// appReport is a report with one exporter row and two rows of an application under test: its traces, which
// verified, and its metrics, whose request count fell short.
func appReport() *reports.Report {
	r := &reports.Report{SchemaVersion: reports.SchemaVersion, Scenario: "app", RunID: "r2", Started: time.Unix(1700000000, 0), DurationS: 30,
		Exporters: []reports.Exporter{
			{Name: "grpc", Workload: "checkout", Signal: "traces", Protocol: "otlp-grpc", Backend: "jaeger", Sent: 1000, Verified: 1000, Passed: true,
				ThroughputPerS: 500, Timeseries: &reports.Timeseries{T: []float64{1, 2}, Emitted: []int64{500, 1000}, Exported: []int64{480, 1000}, Failed: []int64{0, 0}}},
			{Name: "flask-code", Workload: "browse", Signal: "traces", Protocol: "otlp-http", Backend: "jaeger", Unit: "requests",
				Sent: 1000, Verified: 1000, Passed: true, App: &reports.App{Requests: 1000, Answered: 1000,
					Statuses: map[string]int64{"404": 50, "200": 950}, UnexpectedStatus: 50,
					LatencyMs: reports.Latency{P50: 4.5, P99: 120}, ServiceTimeMs: reports.Latency{P50: 4, P99: 90}, SpansBelow: 2000,
					Attributes: map[string]int64{"http.status_code": 1000, "http.method": 1000, "http.route": 1000}, Semconv: "old"}},
			{Name: "flask-code", Workload: "browse", Signal: "metrics", Protocol: "scrape", Backend: "prometheus", Unit: "requests",
				Sent: 1000, Verified: 900, Lost: 100, Causes: []string{"the app's request counter rose by 900, not 1000: a scrape was missed"},
				App: &reports.App{Requests: 1020, Answered: 1000, Failed: 20, Errors: map[string]int64{"connection refused": 20},
					Statuses: map[string]int64{"200": 1000}, Metric: "http_server_requests_total", Counted: 900}},
		}}
	r.Compatibility = reports.CompatibilityOf(r.Exporters)
	return r
}

// rendered is r in one format.
func rendered(r *reports.Report, write func(*reports.Report, *bytes.Buffer) error) string {
	var buf bytes.Buffer
	Expect(write(r, &buf)).To(Succeed())
	return buf.String()
}

var (
	asText     = func(r *reports.Report, b *bytes.Buffer) error { return r.WriteText(b) }
	asMarkdown = func(r *reports.Report, b *bytes.Buffer) error { return r.WriteMarkdown(b) }
	asJUnit    = func(r *reports.Report, b *bytes.Buffer) error { return r.WriteJUnit(b) }
	asHTML     = func(r *reports.Report, b *bytes.Buffer) error { return r.WriteHTML(b) }
	asCSV      = func(r *reports.Report, b *bytes.Buffer) error { return r.WriteCSV(b) }
)

var _ = Describe("rows of an application under test", func() {
	DescribeTable("show the app, how it answered, and why a row failed, in every human format",
		func(write func(*reports.Report, *bytes.Buffer) error, want []string) {
			out := rendered(appReport(), write)
			for _, w := range want {
				Expect(out).To(ContainSubstring(w))
			}
		},
		Entry("text", asText, []string{"applications under test", "flask-code", "1000/1020", "200:950 404:50 (50 unexpected)", "4.50ms", "120ms",
			"semconv old", "http_server_requests_total counted 900", "flask-code/browse metrics @ prometheus failed:",
			"cause: the app's request counter rose by 900, not 1000", "request error (20×): connection refused", "FAILED"}),
		Entry("Markdown", asMarkdown, []string{"### Applications under test", "| flask-code | browse | traces | otlp-http | jaeger | 1000/1000 |",
			"200:950 404:50 (50 unexpected)", "**flask-code/browse metrics @ prometheus**", "- the app's request counter rose by 900",
			"request error (20×): connection refused"}),
		Entry("HTML", asHTML, []string{"<h2>Applications under test</h2>", "<td>flask-code</td>", "200:950 404:50 (50 unexpected)",
			"<b>flask-code/browse metrics @ prometheus</b>", "the app&#39;s request counter rose by 900"}),
	)

	It("keep the exporter rows' table as it was, and every terminal line within 300 characters", func() {
		text := rendered(appReport(), asText)
		Expect(text).To(MatchRegexp(`exporter\s+workload\s+signal.*\n\s*grpc\s+checkout\s+traces\s+otlp-grpc\s+jaeger\s+1000\s+1000`))
		exporters, _, _ := strings.Cut(text, "applications under test")
		Expect(exporters).NotTo(ContainSubstring("flask-code"), "no app row among the exporter rows, with their export columns")
		for _, line := range strings.Split(text, "\n") {
			Expect(len(line)).To(BeNumerically("<=", 300), line)
		}
	})

	It("are JUnit test cases, a failing one failing with its causes", func() {
		var doc struct {
			Suites []struct {
				Name  string `xml:"name,attr"`
				Cases []struct {
					Name    string `xml:"name,attr"`
					Failure *struct {
						Message string `xml:"message,attr"`
						Text    string `xml:",chardata"`
					} `xml:"failure"`
				} `xml:"testcase"`
			} `xml:"testsuite"`
		}
		Expect(xml.Unmarshal([]byte(rendered(appReport(), asJUnit)), &doc)).To(Succeed())
		Expect(doc.Suites).To(HaveLen(3))
		Expect(doc.Suites[1].Name).To(Equal("flask-code/browse traces @ jaeger (otlp-http)"))
		Expect(doc.Suites[1].Cases[0].Failure).To(BeNil())
		failing := doc.Suites[2]
		Expect(failing.Name).To(Equal("flask-code/browse metrics @ prometheus (scrape)"))
		Expect(failing.Cases[0].Failure).NotTo(BeNil())
		Expect(failing.Cases[0].Failure.Message).To(And(ContainSubstring("900 of 1000"), ContainSubstring("20 failed"), Not(ContainSubstring("SDK"))))
		Expect(failing.Cases[0].Failure.Text).To(And(ContainSubstring("request counter rose by 900"), ContainSubstring("connection refused")))
	})

	It("have charts of their own (request latency, requests by outcome), and stay out of the exporters' charts and the time series", func() {
		html := rendered(appReport(), asHTML)
		Expect(html).NotTo(ContainSubstring("<script"))
		Expect(strings.Count(html, "<svg")).To(Equal(5))
		Expect(html).To(ContainSubstring("Applications: request latency from the schedule"))
		Expect(html).NotTo(ContainSubstring("browse/flask-code"), "app rows are labelled app/workload")
		Expect(strings.Split(strings.TrimSpace(rendered(appReport(), asCSV)), "\n")).To(HaveLen(3), "the header and the exporter's two seconds")
	})

	It("escape an app's name in HTML", func() {
		r := appReport()
		r.Exporters[1].Name = "<img src=x>"
		Expect(rendered(r, asHTML)).To(And(ContainSubstring("&lt;img src=x&gt;"), Not(ContainSubstring("<img"))))
	})

	It("render alone, without an empty table of exporters or its empty charts", func() {
		r := appReport()
		r.Exporters = r.Exporters[1:]
		r.Compatibility = reports.CompatibilityOf(r.Exporters)
		Expect(rendered(r, asText)).NotTo(ContainSubstring("sdk drop"))
		Expect(rendered(r, asMarkdown)).NotTo(ContainSubstring("| exporter |"))
		html := rendered(r, asHTML)
		Expect(strings.Count(html, "<svg")).To(Equal(2), "the applications' two charts only")
		Expect(html).To(ContainSubstring("<td>flask-code</td>"))
		Expect(rendered(r, asCSV)).To(HaveSuffix("failed_per_s\n"), "no time series, only the header")
	})

	It("survive report.json: a report read back renders the same", func() {
		dir := GinkgoT().TempDir()
		_, err := appReport().WriteFiles(dir)
		Expect(err).NotTo(HaveOccurred())
		again, err := reports.Read(filepath.Join(dir, "report.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(rendered(again, asText)).To(Equal(rendered(appReport(), asText)))
	})
})

var _ = Describe("the compatibility of an application's paths", func() {
	It("is kept apart from otelbench's own paths, with the HTTP conventions its spans follow", func() {
		compat := appReport().Compatibility
		Expect(compat).To(HaveLen(3))
		Expect(compat[0].App).To(BeEmpty())
		Expect(compat[0].Compared).To(Equal(reports.ComparedFields["traces"]))
		traces := compat[1]
		Expect(traces.App).To(Equal("flask-code"))
		Expect(traces.Semconv).To(Equal("old"))
		Expect(traces.Attributes).To(Equal([]string{"http.method", "http.route", "http.status_code"}))
		Expect(traces.Compared).To(ContainElement("server span in the request's trace"))
		Expect(compat[2].Compared).To(Equal([]string{"request count: increase of the app's counter equals requests answered"}))
	})

	It("says which conventions an app's rows disagree on", func() {
		r := appReport()
		stable := r.Exporters[1]
		stable.Workload, stable.App = "checkout", &reports.App{Semconv: "stable", Attributes: map[string]int64{"http.request.method": 1}}
		compat := reports.CompatibilityOf(append(r.Exporters, stable))
		Expect(compat[1].Semconv).To(Equal("both"))
		Expect(compat[1].Attributes).To(Equal([]string{"http.method", "http.request.method", "http.route", "http.status_code"}))
	})

	DescribeTable("names the app, its conventions and attributes",
		func(write func(*reports.Report, *bytes.Buffer) error, want string) {
			Expect(rendered(appReport(), write)).To(ContainSubstring(want))
		},
		Entry("text", asText, "flask-code traces via otlp-http to jaeger: semconv old (http.method, http.route, http.status_code); changed nothing"),
		Entry("Markdown", asMarkdown, "| flask-code | traces | otlp-http | jaeger | old | http.method, http.route, http.status_code | nothing |"),
		Entry("HTML", asHTML, "<td>flask-code</td><td>traces</td><td>otlp-http</td><td>jaeger</td><td style=\"text-align:left\">old</td><td style=\"text-align:left\">http.method, http.route, http.status_code</td>"),
	)
})
