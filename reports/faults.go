package reports

import (
	"fmt"
	"math"
	"strings"
)

// faultLines say what was done to which backend and when, one line per action, in order.
func faultLines(events []FaultEvent) []string {
	var out []string
	for _, f := range events {
		line := fmt.Sprintf("%.1fs %s %s (faults[%d], scheduled at %.1fs), took %.1fs", f.StartedS, f.Action, f.Backend, f.Fault, f.AtS, f.TookS)
		if f.Error != "" {
			line += ": FAILED: " + f.Error
		}
		out = append(out, line)
	}
	return out
}

// impactLines say, per row with faults, what they did to its exporter.
func impactLines(rows []Exporter) []string {
	var out []string
	for i := range rows {
		if rows[i].Faults != nil {
			out = append(out, rowLabel(&rows[i])+": "+impactLine(&rows[i]))
		}
	}
	return out
}

// impactLine says what the faults did to row e's exporter.
func impactLine(e *Exporter) string {
	f := e.Faults
	line := fmt.Sprintf("%d export calls failed (%d items) during faults", f.FailedCalls, f.FailedItems)
	if f.Retries != nil {
		line += fmt.Sprintf(", %d retries", *f.Retries)
	}
	switch {
	case f.RecoveryS < 0:
		line += "; it had not recovered when the run ended"
	case f.FailedCalls > 0:
		line += fmt.Sprintf("; its first export went through %.1fs after the fault ended", f.RecoveryS)
	}
	if r := f.ReadableS; r != nil && *r >= 0 {
		line += fmt.Sprintf("; read back again %.1fs after the fault ended", *r)
	} else if r != nil {
		line += "; nothing sent into the fault was read back"
	}
	if f.LostDuring != nil && e.Lost > 0 {
		line += fmt.Sprintf("; lost %d: %d due in a fault's window (to recovery)%s, %d outside%s", e.Lost,
			*f.LostDuring, causeList(f.LostDuringByCause), *f.LostOutside, causeList(f.LostOutsideByCause))
	}
	if h := e.HeldInSDKMax; h != nil {
		line += fmt.Sprintf("; the SDK held at most %d", *h)
	}
	if q := e.CollectorQueueMax; q != nil {
		line += fmt.Sprintf("; the collector's queue at most %d requests", *q)
	}
	if n := e.Erased; n > 0 {
		line += fmt.Sprintf("; %d %s erased with the backend's memory store (not lost)", n, e.Unit)
	}
	return line
}

// causeList is " (3 export_failed + 1 after_export)", or "" for none.
func causeList(m map[string]int64) string {
	var parts []string
	for _, k := range ItemCauses {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, " + ") + ")"
}

// FaultImpact is what a run's faults did to one exporter: its export calls that failed from the start of a fault to
// the exporter's recovery, and how long after each fault ended (the backend back: started, unpaused) its first
// export went through again.
type FaultImpact struct {
	// FailedCalls and FailedItems count the export calls (and the items in them) that failed while a fault held
	// or before the exporter recovered from it.
	FailedCalls int64 `json:"failed_calls"`
	FailedItems int64 `json:"failed_items"`
	// RecoveryS is the longest recovery over the faults: seconds from a fault's end to the exporter's first export
	// that went through after its exports had failed; 0 when none failed.
	RecoveryS float64 `json:"recovery_s"`
	// ReadableS is the longest, over the faults, of the seconds from a fault's end to the first item due after
	// its start that was read back (0.1 s of due time and one verification round of resolution; items read back
	// while the fault held give a negative figure; -1: none was ever read back); traces and logs rows.
	ReadableS *float64 `json:"readable_s,omitempty"`
	// Retries counts the requests the exporter's calls made beyond their first from each fault's start until the
	// exporter recovered from it (summed over the faults; 0.1 s resolution); nil when its transport does not
	// count requests (console, pull).
	Retries *int64 `json:"retries,omitempty"`
	// LostDuring and LostOutside split the row's lost items by when each was due by the schedule: within a fault's
	// window, from its start until the exporter recovered from it (the fault's end plus its recovery_s), or not.
	// Rows whose items are numbered one by one only (traces, logs); nil for metrics, judged by series.
	LostDuring  *int64 `json:"lost_during,omitempty"`
	LostOutside *int64 `json:"lost_outside,omitempty"`
	// LostDuringByCause and LostOutsideByCause split them by what the export calls did with each item:
	// dropped_in_sdk (no call carried it), export_failed (a call carrying it failed), after_export (acknowledged,
	// then lost further on: by a collector, or never readable). Present when the items were tracked one by one.
	LostDuringByCause  map[string]int64 `json:"lost_during_by_cause,omitempty"`
	LostOutsideByCause map[string]int64 `json:"lost_outside_by_cause,omitempty"`
	// Windows has one entry per fault.
	Windows []FaultRecovery `json:"windows"`
}

// Readable sets ReadableS per window and for the row from found, which says when (seconds from the start of
// sending) the first item due at or after a time was read back, if one was.
func (f *FaultImpact) Readable(found func(from float64) (float64, bool)) {
	longest, never := 0.0, false
	for i := range f.Windows {
		w := &f.Windows[i]
		readable := -1.0
		if at, ok := found(w.FromS); ok {
			readable = math.Round((at-max(w.ToS, w.FromS))*1000) / 1000
			longest = max(longest, readable)
		} else {
			never = true
		}
		w.ReadableS = &readable
	}
	if never {
		longest = -1
	}
	f.ReadableS = &longest
}

// LostAt places lost items: when they were due (milliseconds from the start of sending) and, when known, why
// (see FaultImpact.LostDuringByCause).
type LostAt struct {
	DueMs int64
	Cause string
}

// SplitLoss sets LostDuring and LostOutside, and by cause where lost says, from lost, the lost items by when they
// were due.
func (f *FaultImpact) SplitLoss(lost map[LostAt]int64) {
	var during, outside int64
	for k, n := range lost {
		at := float64(k.DueMs) / 1000
		in := false
		for _, w := range f.Windows {
			to := w.ToS + max(w.RecoveryS, 0)
			if at >= w.FromS && (w.ToS == UntilEnd || w.RecoveryS < 0 || at < to) {
				in = true
				break
			}
		}
		by := &f.LostOutsideByCause
		if in {
			during += n
			by = &f.LostDuringByCause
		} else {
			outside += n
		}
		if k.Cause != "" {
			if *by == nil {
				*by = map[string]int64{}
			}
			(*by)[k.Cause] += n
		}
	}
	f.LostDuring, f.LostOutside = &during, &outside
}

// FaultRecovery is one fault's effect on an exporter.
type FaultRecovery struct {
	Fault   int    `json:"fault"`
	Backend string `json:"backend"`
	Action  string `json:"action"`
	// FromS and ToS are the fault's window in seconds from the start of sending (ToS: when the backend was back).
	FromS float64 `json:"from_s"`
	ToS   float64 `json:"to_s"`
	// FailedCalls and FailedItems as in FaultImpact, for this fault; RecoveryS from ToS to the first export that
	// went through after failures (0: none failed; -1: none went through before the end of the run).
	FailedCalls int64   `json:"failed_calls"`
	FailedItems int64   `json:"failed_items"`
	RecoveryS   float64 `json:"recovery_s"`
	Retries     *int64  `json:"retries,omitempty"`
	// ReadableS as in FaultImpact, for this fault.
	ReadableS *float64 `json:"readable_s,omitempty"`
}

// FaultWindow is when one fault held, in seconds from the start of sending: from its action to its undoing being
// done (start, unpause), or the time an action that undoes itself took (restart); To is UntilEnd for a stop never
// undone.
type FaultWindow struct {
	Fault           int
	Backend, Action string
	From, To        float64
}

// UntilEnd is the To of a window that lasted to the end of the run (a backend stopped and never started again).
const UntilEnd = -1

// label names the window on a chart.
func (w FaultWindow) label() string { return w.Action + " " + w.Backend }

// FaultWindows pairs the timeline's actions into one window per fault.
func FaultWindows(events []FaultEvent) []FaultWindow {
	var out []FaultWindow
	open := map[int]int{} // fault -> index in out of its window awaiting an undo
	for _, f := range events {
		if i, ok := open[f.Fault]; ok && (f.Action == "start" || f.Action == "unpause") {
			out[i].To = f.StartedS + f.TookS
			delete(open, f.Fault)
			continue
		}
		out = append(out, FaultWindow{Fault: f.Fault, Backend: f.Backend, Action: f.Action, From: f.StartedS, To: f.StartedS + f.TookS})
		if f.Action == "stop" || f.Action == "kill" || f.Action == "pause" {
			open[f.Fault] = len(out) - 1
			out[len(out)-1].To = UntilEnd // until its undoing, if one comes
		}
	}
	return out
}
