package reports

import "fmt"

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
		f := rows[i].Faults
		if f == nil {
			continue
		}
		line := fmt.Sprintf("%s: %d export calls failed (%d items) during faults", rowLabel(&rows[i]), f.FailedCalls, f.FailedItems)
		switch {
		case f.RecoveryS < 0:
			line += "; it had not recovered when the run ended"
		case f.FailedCalls > 0:
			line += fmt.Sprintf("; its first export went through %.1fs after the fault ended", f.RecoveryS)
		}
		out = append(out, line)
	}
	return out
}

// faultWindow is a span of the run, in seconds from the start of sending, during which a fault held: from its
// action to its undoing (start, unpause) being done, or for a fault undone by itself (restart) or never, the time
// the action took.
type faultWindow struct {
	fault           int
	backend, action string
	from, to        float64
	label           string
}

// untilEnd marks a window that lasted to the end of the run (a backend stopped and never started again).
const untilEnd = -1

// faultWindows pairs each fault's actions into a window.
func faultWindows(events []FaultEvent) []faultWindow {
	var out []faultWindow
	open := map[int]int{} // fault -> index in out of its window awaiting an undo
	for _, f := range events {
		if i, ok := open[f.Fault]; ok && (f.Action == "start" || f.Action == "unpause") {
			out[i].to = f.StartedS + f.TookS
			delete(open, f.Fault)
			continue
		}
		out = append(out, faultWindow{fault: f.Fault, backend: f.Backend, action: f.Action, from: f.StartedS, to: f.StartedS + f.TookS, label: f.Action + " " + f.Backend})
		if f.Action == "stop" || f.Action == "kill" || f.Action == "pause" {
			open[f.Fault] = len(out) - 1
			out[len(out)-1].to = untilEnd // until its undoing, if one comes
		}
	}
	return out
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
	// Windows has one entry per fault.
	Windows []FaultRecovery `json:"windows"`
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
}

// FaultWindow is when one fault held, in seconds from the start of sending.
type FaultWindow struct {
	Fault           int
	Backend, Action string
	From, To        float64
}

// FaultWindows pairs the timeline's actions into one window per fault: from its action to its undoing being done
// (start, unpause), or the time a restart took; a stop never undone lasts to the end (To < 0).
func FaultWindows(events []FaultEvent) []FaultWindow {
	var out []FaultWindow
	for _, w := range faultWindows(events) {
		out = append(out, FaultWindow{Fault: w.fault, Backend: w.backend, Action: w.action, From: w.from, To: w.to})
	}
	return out
}
