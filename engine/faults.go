package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/reports"
)

// faults carries out the scenario's faults (fault phase, during drive) on the backends the run started, each at
// its offset from begin, the start of sending, and keeps their timeline for the report. A fault that cannot be
// carried out stops the run: stop is called with the error, which the run returns with the report of what was
// measured.
type faults struct {
	mu     sync.Mutex
	events []reports.FaultEvent
	err    error
}

// run carries out r's fault steps until they are done or ctx ends.
func (f *faults) run(ctx context.Context, r *run, begin time.Time, stop context.CancelCauseFunc) {
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
