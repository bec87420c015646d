package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/reports"
)

// faults carries out the scenario's faults (fault phase, during drive) on the backends the run started, each at
// its offset from begin, the start of sending, and keeps their timeline for the report. A fault that cannot be
// carried out stops the run: stop is called with the error, which the run returns with the report of what was
// measured.
type faults struct {
	// begin is the start of sending, which the faults' offsets count from.
	begin  time.Time
	mu     sync.Mutex
	events []reports.FaultEvent
	err    error
	// cut is, per backend a stop, restart or kill acted on, when the last of those or of the starts after them
	// completed: a backend that keeps its store in memory erased what it had acknowledged before.
	cut map[string]time.Time
}

// run carries out r's fault steps until they are done or ctx ends.
func (f *faults) run(ctx context.Context, r *run, begin time.Time, stop context.CancelCauseFunc) {
	f.begin = begin
	for _, s := range r.sc.FaultSteps() {
		t := time.NewTimer(time.Until(begin.Add(s.At)))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		ev := reports.FaultEvent{Fault: s.Fault, Backend: s.Backend, Action: s.Action, AtS: s.At.Seconds(), StartedS: round3(time.Since(begin).Seconds())}
		r.opts.Observer.Phase(fmt.Sprintf("fault: %s %s", s.Action, s.Backend))
		err := containers.ErrNotFaultable
		if lb := r.live[s.Backend]; lb != nil && lb.started {
			if target, ok := lb.Live.(containers.Faultable); ok {
				err = target.Fault(ctx, s.Action)
			}
		}
		ev.TookS = round3(time.Since(begin).Seconds() - ev.StartedS)
		if err == nil {
			f.acted(s.Backend, s.Action)
		}
		if err != nil && ctx.Err() == nil {
			ev.Error = err.Error()
			f.add(ev)
			f.mu.Lock()
			f.err = fmt.Errorf("fault %s of backend %s at %s (faults[%d]): %w", s.Action, s.Backend, s.At, s.Fault, err)
			f.mu.Unlock()
			stop(f.err)
			return
		}
		f.add(ev)
	}
}

// acted notes that action on backend completed now (see cut).
func (f *faults) acted(backend, action string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch action {
	case containers.Stop, containers.Restart, containers.Kill:
		if f.cut == nil {
			f.cut = map[string]time.Time{}
		}
		f.cut[backend] = time.Now()
	case containers.Start:
		if _, erasing := f.cut[backend]; erasing {
			f.cut[backend] = time.Now()
		}
	}
}

// erasedBefore is when backend last came back (or went away for good) after a stop, restart or kill: zero if none.
func (f *faults) erasedBefore(backend string) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cut[backend]
}

func (f *faults) add(ev reports.FaultEvent) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, ev)
}

// result is the timeline and the error that stopped the run, if any.
func (f *faults) result() ([]reports.FaultEvent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.events, f.err
}

// impact is what the faults (windows, seconds from begin) did to the exporter whose calls' outcomes are segs: per
// fault, the calls that failed from its start until the exporter's first export that went through after it ended,
// and how long after its end that export came. end is when the run stopped sending (a window never closed lasts
// until then).
func impact(segs []generators.Outcomes, windows []reports.FaultWindow, begin, end time.Time) *reports.FaultImpact {
	out := &reports.FaultImpact{}
	counted := map[int]bool{}
	for _, w := range windows {
		from, to := begin.Add(seconds(w.From)), end
		if w.To >= 0 {
			to = begin.Add(seconds(w.To))
		}
		fr := reports.FaultRecovery{Fault: w.Fault, Backend: w.Backend, Action: w.Action, FromS: w.From, ToS: w.To}
		failed, recovered := false, false
		for i, sg := range segs {
			if sg.To.Before(from) {
				continue
			}
			if !sg.OK {
				failed = true
				fr.FailedCalls += sg.Calls
				fr.FailedItems += sg.Items
				if !counted[i] {
					counted[i] = true
					out.FailedCalls += sg.Calls
					out.FailedItems += sg.Items
				}
				continue
			}
			if sg.From.Before(to) {
				continue // went through while the fault held, before it bit
			}
			if failed {
				fr.RecoveryS = round3(sg.From.Sub(to).Seconds())
			}
			recovered = true
			break
		}
		if failed && !recovered {
			fr.RecoveryS = -1
		}
		switch {
		case fr.RecoveryS < 0 || out.RecoveryS < 0:
			out.RecoveryS = -1 // not recovered from one of them: the row's recovery is "never"
		default:
			out.RecoveryS = max(out.RecoveryS, fr.RecoveryS)
		}
		out.Windows = append(out.Windows, fr)
	}
	return out
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
