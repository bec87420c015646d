package reports_test

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/reports"
)

// sampleReport is a report with a passing and a failing row, a breached threshold and a time series.
func sampleReport() *reports.Report {
	p90 := 9.0
	r := &reports.Report{SchemaVersion: reports.SchemaVersion, Scenario: "s", RunID: "r1", Started: time.Unix(1700000000, 0), DurationS: 12,
		Exporters: []reports.Exporter{
			{Name: "grpc", Workload: "checkout", Signal: "traces", Protocol: "otlp-grpc", Backend: "jaeger", Sent: 1000, Verified: 1000, Passed: true,
				ThroughputPerS: 500, ExportLatencyMs: reports.Latency{P50: 2, P90: &p90, P99: 12, Max: 30},
				Timeseries: &reports.Timeseries{T: []float64{1, 2}, Emitted: []int64{500, 1000}, Exported: []int64{480, 1000}, Failed: []int64{0, 0}}},
			{Name: "http", Workload: "checkout", Signal: "traces", Protocol: "otlp-http", Backend: "jaeger", Sent: 1000, Verified: 900, Lost: 100,
				DroppedInSDK: 60, ExportFailedItems: 25, LostByCause: reports.LostByCause(100, 60, 25),
				Causes:       []string{"60 spans were dropped in the SDK: " + strings.Repeat("x", 500)},
				ExportErrors: map[string]int64{"Post http://127.0.0.1/v1/traces?ids=" + strings.Repeat("ab", 300): 7}},
		}}
	r.EvaluateThresholds([]reports.Threshold{mustThreshold("p99(export_latency) < 10ms")}, [][]string{{"grpc"}})
	return r
}

func mustThreshold(s string) reports.Threshold {
	t, err := reports.ParseThreshold(s)
	Expect(err).NotTo(HaveOccurred())
	return t
}

var _ = Describe("report formats", func() {
	It("splits loss by cause so that the parts add up to what was lost", func() {
		Expect(reports.LostByCause(100, 60, 25)).To(Equal(map[string]int64{"dropped_in_sdk": 60, "export_failed": 25, "never_readable": 15}))
		Expect(reports.LostByCause(10, 60, 25)).To(Equal(map[string]int64{"dropped_in_sdk": 10, "export_failed": 0, "never_readable": 0}))
		Expect(reports.LostByCause(0, 5, 5)).To(BeNil())
	})

	It("writes every format into a folder, and a report re-read renders the same", func() {
		dir := GinkgoT().TempDir()
		paths, err := sampleReport().WriteFiles(dir)
		Expect(err).NotTo(HaveOccurred())
		for _, name := range []string{"report.json", "report.txt", "report.md", "junit.xml", "report.html", "timeseries.csv"} {
			Expect(paths).To(ContainElement(filepath.Join(dir, name)))
		}
		again, err := reports.Read(filepath.Join(dir, "report.json"))
		Expect(err).NotTo(HaveOccurred())
		var a, b bytes.Buffer
		Expect(sampleReport().WriteMarkdown(&a)).To(Succeed())
		Expect(again.WriteMarkdown(&b)).To(Succeed())
		Expect(b.String()).To(Equal(a.String()))
	})

	It("writes each file whole: whoever polls the folder while a report is (re)written reads none or all of it", func() {
		dir := GinkgoT().TempDir()
		path := filepath.Join(dir, "report.json")
		done := make(chan struct{})
		type polled struct {
			reads int
			err   error
		}
		result := make(chan polled, 1)
		go func() {
			var p polled
			defer func() { result <- p }()
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := os.Stat(path); err != nil {
					continue
				}
				if _, p.err = reports.Read(path); p.err != nil {
					return
				}
				p.reads++
			}
		}()
		for range 50 {
			_, err := sampleReport().WriteFiles(dir)
			Expect(err).NotTo(HaveOccurred())
		}
		close(done)
		p := <-result
		Expect(p.err).NotTo(HaveOccurred(), "a report.json read while it was being written")
		Expect(p.reads).To(BeNumerically(">", 0))
		entries, err := os.ReadDir(dir)
		Expect(err).NotTo(HaveOccurred())
		Expect(entries).To(HaveLen(len(reports.Files)), "no temporary file is left behind")
	})

	It("has a JUnit testcase per row and per threshold, failing ones naming the exporter and what failed", func() {
		var buf bytes.Buffer
		Expect(sampleReport().WriteJUnit(&buf)).To(Succeed())
		var doc struct {
			Suites []struct {
				Name  string `xml:"name,attr"`
				Cases []struct {
					Name    string `xml:"name,attr"`
					Failure *struct {
						Message string `xml:"message,attr"`
					} `xml:"failure"`
				} `xml:"testcase"`
			} `xml:"testsuite"`
		}
		Expect(xml.Unmarshal(buf.Bytes(), &doc)).To(Succeed())
		Expect(doc.Suites).To(HaveLen(2))
		Expect(doc.Suites[0].Name).To(ContainSubstring("checkout/grpc @ jaeger"))
		Expect(doc.Suites[0].Cases).To(HaveLen(2), "verification and its threshold")
		Expect(doc.Suites[0].Cases[1].Name).To(Equal("threshold p99(export_latency) < 10ms"))
		Expect(doc.Suites[0].Cases[1].Failure.Message).To(ContainSubstring("breached: value 12"))
		Expect(doc.Suites[1].Cases[0].Failure.Message).To(Equal("900 of 1000 verified, 100 lost, 0 duplicated, 0 altered, 60 dropped in the SDK"))
	})

	It("keeps every line of the terminal and Markdown reports to 300 characters, long errors cut", func() {
		for _, write := range []func(*reports.Report, *bytes.Buffer) error{
			func(r *reports.Report, b *bytes.Buffer) error { return r.WriteText(b) },
			func(r *reports.Report, b *bytes.Buffer) error { return r.WriteMarkdown(b) },
		} {
			var buf bytes.Buffer
			Expect(write(sampleReport(), &buf)).To(Succeed())
			for _, line := range strings.Split(buf.String(), "\n") {
				if strings.HasPrefix(line, "|") {
					continue // a table row is as wide as its columns
				}
				Expect(len(line)).To(BeNumerically("<=", 300), line)
			}
			Expect(buf.String()).To(ContainSubstring("lost 100 = 60 dropped_in_sdk + 25 export_failed + 15 never_readable"))
		}
	})

	It("writes the time series as CSV with per-second rates", func() {
		var buf bytes.Buffer
		Expect(sampleReport().WriteCSV(&buf)).To(Succeed())
		Expect(strings.Split(strings.TrimSpace(buf.String()), "\n")).To(Equal([]string{
			"exporter,workload,backend,signal,t_s,emitted,exported,failed,emitted_per_s,exported_per_s,failed_per_s",
			"grpc,checkout,jaeger,traces,1.000,500,480,0,,,",
			"grpc,checkout,jaeger,traces,2.000,1000,1000,0,500.0,520.0,0.0",
		}))
	})

	It("writes one self-contained HTML page with its charts", func() {
		var buf bytes.Buffer
		Expect(sampleReport().WriteHTML(&buf)).To(Succeed())
		html := buf.String()
		Expect(html).NotTo(ContainSubstring("<script"))
		Expect(html).NotTo(MatchRegexp(`(src|href)="https?:`), "nothing from the network")
		Expect(strings.Count(html, "<svg")).To(Equal(3))
		Expect(html).To(ContainSubstring("<polyline"), "the throughput line")
	})
})

var _ = Describe("Compare", func() {
	withThroughput := func(v float64) *reports.Report {
		r := sampleReport()
		r.Exporters[0].ThroughputPerS = v
		return r
	}

	It("names a 30% throughput drop as a regression", func() {
		changes := reports.Compare([]*reports.Report{withThroughput(1000)}, []*reports.Report{withThroughput(700)}, 0.05)
		Expect(reports.Regressions(changes)).To(ConsistOf("checkout/grpc @ jaeger throughput per s -30.0%"))
	})

	It("finds nothing in a report compared with itself", func() {
		Expect(reports.Regressions(reports.Compare([]*reports.Report{sampleReport()}, []*reports.Report{sampleReport()}, 0.05))).To(BeEmpty())
	})

	It("with repeated runs, calls a drop within the noise not significant", func() {
		base := []*reports.Report{withThroughput(1000), withThroughput(800), withThroughput(1200)}
		next := []*reports.Report{withThroughput(900), withThroughput(1100), withThroughput(700)}
		changes := reports.Compare(base, next, 0.05)
		Expect(reports.Regressions(changes)).To(BeEmpty())
		Expect(changes[0].Note).To(ContainSubstring("not significant"))
	})

	It("with enough repeated runs, finds a consistent drop significant", func() {
		var base, next []*reports.Report
		for i := range 6 {
			base = append(base, withThroughput(1000+float64(i)))
			next = append(next, withThroughput(700+float64(i)))
		}
		Expect(reports.Regressions(reports.Compare(base, next, 0.05))).To(ConsistOf(ContainSubstring("throughput per s -29.9%")))
	})

	DescribeTable("compares what faults did: a longer recovery, or none at all, and more failed during them are regressions",
		func(base, next reports.FaultImpact, want []string) {
			withFaults := func(f reports.FaultImpact) *reports.Report {
				r := sampleReport()
				r.Exporters[0].Faults = &f
				return r
			}
			Expect(reports.Regressions(reports.Compare([]*reports.Report{withFaults(base)}, []*reports.Report{withFaults(next)}, 0.05))).To(ConsistOf(want))
		},
		Entry("a slower recovery", reports.FaultImpact{RecoveryS: 2}, reports.FaultImpact{RecoveryS: 4},
			[]string{"checkout/grpc @ jaeger recovery s +100.0%"}),
		Entry("no recovery at all", reports.FaultImpact{RecoveryS: 2}, reports.FaultImpact{RecoveryS: -1},
			[]string{"checkout/grpc @ jaeger recovery s +Inf%"}),
		Entry("a recovery where there was none", reports.FaultImpact{RecoveryS: -1}, reports.FaultImpact{RecoveryS: 30}, nil),
		Entry("more items failed during the faults", reports.FaultImpact{FailedItems: 100}, reports.FaultImpact{FailedItems: 400},
			[]string{"checkout/grpc @ jaeger failed items during faults +300.0%"}),
		Entry("the same", reports.FaultImpact{FailedItems: 100, RecoveryS: 1}, reports.FaultImpact{FailedItems: 100, RecoveryS: 1}, nil),
	)

	It("reads runs from report.json files and folders of them", func() {
		dir := GinkgoT().TempDir()
		for _, sub := range []string{"a", "b"} {
			Expect(os.MkdirAll(filepath.Join(dir, sub), 0o755)).To(Succeed())
			_, err := sampleReport().WriteFiles(filepath.Join(dir, sub))
			Expect(err).NotTo(HaveOccurred())
		}
		reps, err := reports.ReadReports(dir)
		Expect(err).NotTo(HaveOccurred())
		Expect(reps).To(HaveLen(2))
	})
})
