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
