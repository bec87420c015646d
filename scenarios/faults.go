package scenarios

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The fault actions a scenario can schedule on a backend otelbench started.
const (
	FaultStop    = "stop"    // SIGTERM, then SIGKILL after 10 s; its data stays where the backend keeps it
	FaultStart   = "start"   // start a stopped backend, and wait until it is ready
	FaultRestart = "restart" // stop, then start
	FaultKill    = "kill"    // SIGKILL: no graceful shutdown, nothing flushed
	FaultPause   = "pause"   // freeze its processes: connections hang instead of being refused
	FaultUnpause = "unpause" // thaw a paused backend
	FaultDown    = "down"    // stop at at, start again after for (shorthand)
)

// FaultActions lists the actions faults may name.
var FaultActions = []string{FaultStop, FaultStart, FaultRestart, FaultKill, FaultPause, FaultUnpause, FaultDown}

// Fault is one scheduled action on a backend otelbench started, at an offset from the start of sending.
type Fault struct {
	// Action is one of FaultActions.
	Action string `yaml:"action"`
	// Backend names the backend acted on; it must be one otelbench starts.
	Backend string `yaml:"backend"`
	// At is when, from the start of sending.
	At Duration `yaml:"at"`
	// For, on stop, kill and pause, undoes the action that long after (start, unpause); down requires it.
	For Duration `yaml:"for"`
}

// FaultStep is one primitive action of a scenario's faults, in time order: a fault with for is two steps.
type FaultStep struct {
	// Fault is the index of the fault in the scenario's faults.
	Fault int
	// Action is stop, start, restart, kill, pause or unpause.
	Action  string
	Backend string
	At      time.Duration
}

// FaultSteps are the scenario's faults as primitive actions, in time order (a fault's own steps in order).
func (sc *Scenario) FaultSteps() []FaultStep {
	var out []FaultStep
	for i, f := range sc.Faults {
		first, undo := f.Action, ""
		switch f.Action {
		case FaultDown:
			first, undo = FaultStop, FaultStart
		case FaultStop, FaultKill:
			undo = FaultStart
		case FaultPause:
			undo = FaultUnpause
		}
		out = append(out, FaultStep{Fault: i, Action: first, Backend: f.Backend, At: time.Duration(f.At)})
		if undo != "" && f.For > 0 {
			out = append(out, FaultStep{Fault: i, Action: undo, Backend: f.Backend, At: time.Duration(f.At + f.For)})
		}
	}
	slices.SortStableFunc(out, func(a, b FaultStep) int {
		if a.At != b.At {
			return int(a.At - b.At)
		}
		return a.Fault - b.Fault
	})
	return out
}

// sendingEnds is when the last workload stops sending, from the start of sending.
func (sc *Scenario) sendingEnds() time.Duration {
	var d time.Duration
	for i := range sc.Workloads {
		d = max(d, sc.WorkloadDuration(&sc.Workloads[i]))
	}
	return d
}

// erases reports whether action ends the backend's process (its memory is gone after it).
func erases(action string) bool {
	return action == FaultStop || action == FaultKill || action == FaultRestart || action == FaultDown
}

// Erases reports whether a fault ends backend's process (stop, kill, restart, down): a backend that keeps its
// store in memory forgets, then, what it had stored.
func (sc *Scenario) Erases(backend string) bool {
	for _, f := range sc.Faults {
		if f.Backend == backend && erases(f.Action) {
			return true
		}
	}
	return false
}

// validateFaults checks each fault on its own, then each backend's faults in time order: a backend is running
// at the start, and every action must find it in a state it applies to, with no two actions on it at once.
func (sc *Scenario) validateFaults(v *validator) {
	end := sc.sendingEnds()
	ok := make([]bool, len(sc.Faults))
	for i, f := range sc.Faults {
		p := fmt.Sprintf("faults[%d]", i)
		before := len(v.errs)
		v.oneOf(p+".action", "action", f.Action, FaultActions)
		switch b := sc.Backend(f.Backend); {
		case f.Backend == "":
			v.at(p+".backend", "missing backend; expected the name of a backend otelbench starts, one of: %s", strings.Join(sc.faultable(), ", "))
		case b == nil:
			v.at(p+".backend", "backend %q is not defined; expected one of: %s", f.Backend, strings.Join(sc.faultable(), ", "))
		case b.IsExternal():
			v.at(p+".backend", "backend %q is external: otelbench acts only on what it started and never touches the user's; expected one of: %s", f.Backend, strings.Join(sc.faultable(), ", "))
		case kindOf(b) != nil && kindOf(b).NotStarted:
			v.at(p+".backend", "a %s backend is not a container otelbench can stop; expected one of: %s", b.Type, strings.Join(sc.faultable(), ", "))
		case kindOf(b) != nil && kindOf(b).CountsOnly && erases(f.Action):
			v.at(p+".action", "a %s backend is read back by its process's counters, which a %s starts again from zero; expected pause (or a backend that stores what it receives)", b.Type, f.Action)
		}
		if !v.has(p+".at") && !v.goBuilt {
			v.at(p, "missing at; expected the offset from the start of sending, e.g. at: 10s")
		} else if f.At < 0 || time.Duration(f.At) >= end {
			v.at(p+".at", "at %s is outside the run's sending (0s to %s); expected an offset before sending ends", f.At, Duration(end))
		}
		switch undoable := f.Action == FaultStop || f.Action == FaultKill || f.Action == FaultPause; {
		case f.Action == FaultDown && f.For <= 0:
			v.at(p, "down needs for; expected e.g. for: 10s, how long the backend stays down")
		case f.For < 0 || (f.For == 0 && v.has(p+".for") && f.Action != FaultDown):
			v.at(p+".for", "for %s is out of range; expected a positive duration", f.For)
		case f.For > 0 && !undoable && f.Action != FaultDown && slices.Contains(FaultActions, f.Action):
			v.at(p+".for", "for applies to stop, kill, pause and down; a %s is not undone; expected no for here", f.Action)
		case f.For > 0 && time.Duration(f.At+f.For) >= end && f.At >= 0 && time.Duration(f.At) < end:
			v.at(p+".for", "at %s plus for %s ends at or after sending does (%s); expected the backend back before sending ends, so that its recovery is measured", f.At, f.For, Duration(end))
		}
		ok[i] = len(v.errs) == before
	}
	// Each backend's actions in time order, from a running backend.
	state := map[string]string{}
	busyUntil := map[string]time.Duration{}
	busyBy := map[string]int{}
	for _, s := range sc.FaultSteps() {
		if !ok[s.Fault] {
			continue
		}
		p := fmt.Sprintf("faults[%d]", s.Fault)
		f := sc.Faults[s.Fault]
		st := cmp.Or(state[s.Backend], "running")
		if prev, busy := busyBy[s.Backend]; busy && prev != s.Fault && s.At < busyUntil[s.Backend] {
			pf := sc.Faults[prev]
			v.at(p+".at", "%s on backend %q at %s overlaps faults[%d] (%s from %s until %s); expected one action at a time on a backend",
				f.Action, s.Backend, f.At, prev, pf.Action, pf.At, pf.At+pf.For)
			ok[s.Fault] = false
			continue
		}
		next, allowed := "", false
		switch s.Action {
		case FaultStop, FaultKill:
			next, allowed = "stopped", st == "running" || st == "paused"
		case FaultStart:
			next, allowed = "running", st == "stopped"
		case FaultRestart:
			next, allowed = "running", st == "running"
		case FaultPause:
			next, allowed = "paused", st == "running"
		case FaultUnpause:
			next, allowed = "running", st == "paused"
		}
		if !allowed {
			v.at(p+".action", "%s on backend %q at %s finds it %s; expected %s", s.Action, s.Backend, Duration(s.At), st, expectedState(s.Action))
			ok[s.Fault] = false
			continue
		}
		state[s.Backend] = next
		if f.For > 0 {
			busyUntil[s.Backend], busyBy[s.Backend] = time.Duration(f.At+f.For), s.Fault
		} else {
			busyUntil[s.Backend], busyBy[s.Backend] = s.At, s.Fault
		}
	}
}

func expectedState(action string) string {
	switch action {
	case FaultStart:
		return "a start only after a stop or kill"
	case FaultUnpause:
		return "an unpause only after a pause"
	case FaultPause, FaultRestart:
		return "a " + action + " only of a running backend"
	default:
		return "a " + action + " of a running or paused backend"
	}
}

// faultable lists the backends faults may act on: those otelbench starts as containers.
func (sc *Scenario) faultable() []string {
	var out []string
	for i := range sc.Backends {
		b := &sc.Backends[i]
		if d := kindOf(b); !b.IsExternal() && d != nil && !d.NotStarted {
			out = append(out, b.Name)
		}
	}
	if len(out) == 0 {
		return []string{"(none: no backend of this scenario is started by otelbench)"}
	}
	return out
}
