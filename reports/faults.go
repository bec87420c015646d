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

// faultWindow is a span of the run, in seconds from the start of sending, during which a fault held: from its
// action to its undoing (start, unpause) being done, or for a fault undone by itself (restart) or never, the time
// the action took.
type faultWindow struct {
	from, to float64
	label    string
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
		out = append(out, faultWindow{from: f.StartedS, to: f.StartedS + f.TookS, label: f.Action + " " + f.Backend})
		if f.Action == "stop" || f.Action == "kill" || f.Action == "pause" {
			open[f.Fault] = len(out) - 1
			out[len(out)-1].to = untilEnd // until its undoing, if one comes
		}
	}
	return out
}
