package reports_test

import (
	"bytes"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/reports"
)

var _ = Describe("a report with faults", func() {
	rep := func() *reports.Report {
		return &reports.Report{Scenario: "f", RunID: "r", Passed: true,
			Exporters: []reports.Exporter{{Name: "push", Workload: "w", Signal: "metrics", Sent: 10, Verified: 10, Passed: true,
				Timeseries: &reports.Timeseries{T: []float64{1, 2, 3, 4}, Emitted: []int64{1, 2, 3, 4}, Exported: []int64{1, 2, 3, 4}, Failed: []int64{0, 0, 0, 0}}}},
			Faults: []reports.FaultEvent{
				{Fault: 0, Backend: "prometheus", Action: "pause", AtS: 1, StartedS: 1.01, TookS: 0.02},
				{Fault: 0, Backend: "prometheus", Action: "unpause", AtS: 3, StartedS: 3.0, TookS: 0.01},
				{Fault: 1, Backend: "collector", Action: "stop", AtS: 3.5, StartedS: 3.5, TookS: 0.1, Error: "no such container"},
			}}
	}

	It("says in every table format what was done when, and which action failed", func() {
		var txt, md bytes.Buffer
		Expect(rep().WriteText(&txt)).To(Succeed())
		Expect(rep().WriteMarkdown(&md)).To(Succeed())
		Expect(txt.String()).To(ContainSubstring("1.0s pause prometheus (faults[0], scheduled at 1.0s), took 0.0s"))
		Expect(txt.String()).To(ContainSubstring("3.5s stop collector (faults[1], scheduled at 3.5s), took 0.1s: FAILED: no such container"))
		Expect(md.String()).To(ContainSubstring("| 3.0 | unpause | prometheus | 0 | 3.0 | 0.0 |  |"))
	})

	It("says in every format what the faults did to each exporter", func() {
		r := rep()
		retries, lostIn, lostOut := int64(4), int64(7), int64(1)
		r.Exporters[0].Lost = 8
		r.Exporters[0].Faults = &reports.FaultImpact{FailedCalls: 2, FailedItems: 7, RecoveryS: 1.5, Retries: &retries,
			LostDuring: &lostIn, LostOutside: &lostOut, LostDuringByCause: map[string]int64{"export_failed": 7}}
		want := "2 export calls failed (7 items) during faults, 4 retries; its first export went through 1.5s after the fault ended; lost 8: 7 due in a fault's window (to recovery) (7 export_failed), 1 outside"
		var txt, md, html, junit bytes.Buffer
		Expect(r.WriteText(&txt)).To(Succeed())
		Expect(r.WriteMarkdown(&md)).To(Succeed())
		Expect(r.WriteHTML(&html)).To(Succeed())
		Expect(r.WriteJUnit(&junit)).To(Succeed())
		Expect(txt.String()).To(ContainSubstring(want))
		Expect(md.String()).To(ContainSubstring(want))
		Expect(html.String()).To(ContainSubstring("2 export calls failed (7 items) during faults, 4 retries"))
		Expect(junit.String()).To(ContainSubstring("<system-out>faults: 2 export calls failed (7 items) during faults, 4 retries"))
	})

	It("shades each fault's window on the throughput chart, a stop never undone to the end of the run", func() {
		var html bytes.Buffer
		Expect(rep().WriteHTML(&html)).To(Succeed())
		Expect(html.String()).To(ContainSubstring("shaded: fault windows"))
		Expect(html.String()).To(ContainSubstring(`<title>pause prometheus</title>`))
		Expect(html.String()).To(ContainSubstring(`<title>stop collector</title>`))
		Expect(html.String()).To(ContainSubstring("<h2>Faults</h2>"))
	})
})

var _ = DescribeTable("lost items split by when they were due: within a fault's window until the exporter recovered, or outside",
	func(windows []reports.FaultRecovery, lostDue map[int64]int64, during, outside int64) {
		f := &reports.FaultImpact{Windows: windows}
		lost := map[reports.LostAt]int64{}
		for ms, n := range lostDue {
			lost[reports.LostAt{DueMs: ms}] = n
		}
		f.SplitLoss(lost)
		Expect(*f.LostDuring).To(Equal(during))
		Expect(*f.LostOutside).To(Equal(outside))
	},
	Entry("before, during, within the recovery, after",
		[]reports.FaultRecovery{{FromS: 5, ToS: 8, RecoveryS: 2}},
		map[int64]int64{4999: 1, 5000: 2, 9500: 3, 10000: 4}, int64(5), int64(5)),
	Entry("a window never closed lasts to the end",
		[]reports.FaultRecovery{{FromS: 5, ToS: reports.UntilEnd}},
		map[int64]int64{1000: 1, 60000: 2}, int64(2), int64(1)),
	Entry("an exporter that never recovered: everything after the start",
		[]reports.FaultRecovery{{FromS: 5, ToS: 8, RecoveryS: -1}},
		map[int64]int64{1000: 1, 30000: 2}, int64(2), int64(1)),
	Entry("two faults", []reports.FaultRecovery{{FromS: 1, ToS: 2}, {FromS: 10, ToS: 12}},
		map[int64]int64{1500: 1, 5000: 1, 11000: 1}, int64(2), int64(1)),
	Entry("nothing lost", []reports.FaultRecovery{{FromS: 1, ToS: 2}}, map[int64]int64{}, int64(0), int64(0)),
)

var _ = It("splits the loss in and outside the windows by cause where each item's is known", func() {
	f := &reports.FaultImpact{Windows: []reports.FaultRecovery{{FromS: 5, ToS: 8}}}
	f.SplitLoss(map[reports.LostAt]int64{
		{DueMs: 4900, Cause: "export_failed"}: 8, {DueMs: 6000, Cause: "export_failed"}: 100,
		{DueMs: 6000, Cause: "dropped_in_sdk"}: 20, {DueMs: 9000, Cause: "after_export"}: 3,
	})
	Expect(*f.LostDuring).To(Equal(int64(120)))
	Expect(f.LostDuringByCause).To(Equal(map[string]int64{"export_failed": 100, "dropped_in_sdk": 20}))
	Expect(f.LostOutsideByCause).To(Equal(map[string]int64{"export_failed": 8, "after_export": 3}))
})

var _ = Describe("thresholds on faults", func() {
	It("never lets a recovery that did not come pass a bound, and writes it as -1", func() {
		never, soon := -1.0, 2.0
		r := &reports.Report{Exporters: []reports.Exporter{
			{Name: "a", Faults: &reports.FaultImpact{RecoveryS: -1, ReadableS: &never}},
			{Name: "b", Faults: &reports.FaultImpact{RecoveryS: 1, ReadableS: &soon}},
			{Name: "c", Faults: &reports.FaultImpact{RecoveryS: 1}}, // metrics: no item times
		}}
		var ts []reports.Threshold
		for _, src := range []string{"recovery_s < 3", "readable_s < 3"} {
			t, err := reports.ParseThreshold(src)
			Expect(err).NotTo(HaveOccurred())
			ts = append(ts, t)
		}
		r.EvaluateThresholds(ts, [][]string{nil, nil})
		got := map[string]bool{}
		for _, res := range r.Thresholds {
			got[res.Expr+" "+res.Exporter] = res.Passed
			if !res.Passed {
				Expect(res.Value).To(Equal(-1.0))
			}
		}
		Expect(got).To(Equal(map[string]bool{
			"recovery_s < 3 a": false, "recovery_s < 3 b": true, "recovery_s < 3 c": true,
			"readable_s < 3 a": false, "readable_s < 3 b": true, "readable_s < 3 c": false,
		}))
		_, err := r.WriteFiles(GinkgoT().TempDir())
		Expect(err).NotTo(HaveOccurred(), "report.json takes it")
	})
})
