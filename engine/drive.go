package engine

import (
	"context"
	"sync"
	"time"

	"github.com/otelbench/otelbench/reports"
)

// A source is anything that emits during a run: an SDK or direct stream (stream), or a workload against an
// application under test (appRun). The drive phase treats them alike: each sends on its schedule while its checks
// read back, and each gives the report one row per check.
type source interface {
	// progress is its send counter, then one counter per check.
	progress() []*Progress
	// drive sends and verifies; it returns once every check has finished.
	drive(ctx context.Context)
	// rows are its lines in the report, with a cause for each failing one (e); errs are what went wrong in
	// otelbench itself (not a finding of the row).
	rows(e *explainer) (rows []reports.Exporter, errs []error)
}

// heldEvery is how often what the SDKs hold is polled (stream.noteHeld).
const heldEvery = 50 * time.Millisecond

var (
	_ source = (*stream)(nil)
	_ source = (*appRun)(nil)
)

// sources are the run's streams, then its applications' workloads: the order of the report's rows.
func (r *run) sources() []source {
	out := make([]source, 0, len(r.streams)+len(r.apps))
	for _, s := range r.streams {
		out = append(out, s)
	}
	for _, a := range r.apps {
		out = append(out, a)
	}
	return out
}

// buildStreams builds every planned stream's generator, exporter and checks; on error none is left running.
func (r *run) buildStreams(ctx context.Context) error {
	r.streams = make([]*stream, 0, len(r.plan.streams))
	for _, ps := range r.plan.streams {
		s, err := newStream(ctx, ps, r.sc, r.plan, r.opts.RunID, r.live, &r.faults)
		if err != nil {
			for _, started := range r.streams {
				_ = started.abort(ctx)
			}
			return err
		}
		r.streams = append(r.streams, s)
	}
	return nil
}

// drive sends and verifies every source at once: sending is paced by each source's schedule, verification
// follows what was emitted. Every stream's counters and the backends' resource use are sampled once a second
// meanwhile.
func (r *run) drive(ctx context.Context) {
	r.opts.Observer.Phase("send and verify")
	r.sendStart = time.Now()
	sources := r.sources()
	progress := make([][]*Progress, len(sources))
	for i, s := range sources {
		progress[i] = s.progress()
		r.opts.Observer.Track(progress[i][0])
	}
	for _, p := range progress {
		for _, c := range p[1:] {
			r.opts.Observer.Track(c)
		}
	}
	if r.opts.Live != nil {
		r.opts.Live(r.liveRows)
	}
	sampled := make(chan struct{})
	stopSampling := make(chan struct{})
	r.usage = newUsageSampler(ctx, r.live)
	usageDone := make(chan struct{})
	go func() {
		// Docker's stats take a while to answer: on a goroutine of their own, so that the streams' counters are
		// sampled on the second.
		defer close(usageDone)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			r.usage.sample(ctx)
			select {
			case <-stopSampling:
				r.usage.sample(context.WithoutCancel(ctx))
				return
			case <-tick.C:
			}
		}
	}()
	go func() {
		defer close(sampled)
		begin := r.sendStart
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		// What the SDKs hold is polled more often than the counters are sampled: a queue fills and drains within a
		// second.
		held := time.NewTicker(heldEvery)
		defer held.Stop()
		for {
			select {
			case <-held.C:
				for _, s := range r.streams {
					s.noteHeld()
				}
			case <-stopSampling:
				for _, s := range r.streams {
					s.sample(time.Since(begin).Seconds())
				}
				<-usageDone
				return
			case <-tick.C:
				for _, s := range r.streams {
					if !s.done.Load() || len(s.series.T) == 0 || s.series.Emitted[len(s.series.Emitted)-1] != int64(s.emitted())*s.perSlot {
						s.sample(time.Since(begin).Seconds())
					}
				}
			}
		}
	}()
	// Faults act on the backends while the sources send; one that cannot be carried out stops the sources.
	dctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	fctx, stopFaults := context.WithCancel(dctx)
	faultsDone := make(chan struct{})
	go func() {
		defer close(faultsDone)
		r.faults.run(fctx, r, time.Now(), stop)
	}()
	var wg sync.WaitGroup
	for _, s := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.drive(dctx)
		}()
	}
	wg.Wait()
	r.sent = time.Now()
	stopFaults()
	<-faultsDone
	close(stopSampling)
	<-sampled
}

// drive sends the stream while its checks read back; once they are done, the stream's exporter is shut down.
func (s *stream) drive(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.send(ctx)
	}()
	var cwg sync.WaitGroup
	for _, c := range s.checks {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			c.verify(ctx)
		}()
	}
	cwg.Wait()
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	_ = s.finish(fctx)
	wg.Wait()
}

func (s *stream) progress() []*Progress {
	out := []*Progress{s.sendProgress()}
	for _, c := range s.checks {
		out = append(out, s.verifyProgress(c))
	}
	return out
}

// drive sends the application's workload while its checks read back.
func (a *appRun) drive(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.send(ctx)
	}()
	for _, c := range a.checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.verify(ctx)
		}()
	}
	wg.Wait()
}

func (a *appRun) progress() []*Progress {
	out := []*Progress{a.sendProgress()}
	for _, c := range a.checks {
		out = append(out, a.verifyProgress(c))
	}
	return out
}
