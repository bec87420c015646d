package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/internal/buildinfo"
	"github.com/otelbench/otelbench/reports"
	"github.com/otelbench/otelbench/scenarios"
)

// Run executes sc and returns its report (see otelbench.Run): the phases of a run, in order, each a method of
// run in a file of its own.
func Run(ctx context.Context, sc *scenarios.Scenario, opts Options) (*reports.Report, error) {
	if sc == nil {
		return nil, ErrNoScenario
	}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	if opts.Shard.Count > 0 {
		if opts.Shard.Index >= opts.Shard.Count {
			return nil, fmt.Errorf("shard %d of %d: expected an index from 0 to %d", opts.Shard.Index, opts.Shard.Count, opts.Shard.Count-1)
		}
		if err := sc.CheckShardable(); err != nil {
			return nil, err
		}
	}
	if opts.RunID == "" {
		opts.RunID = NewRunID()
	}
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	r := &run{sc: sc, opts: opts, began: time.Now(), live: map[string]*liveBackend{}}
	return r.execute(ctx)
}

// run is one run of a scenario, from its plan to its report.
type run struct {
	sc    *scenarios.Scenario
	opts  Options
	began time.Time
	plan  *plan
	// workDir holds what a run writes for itself (console output without OutDir, configuration files).
	workDir string
	// live are the backends by name, started or connected; apps are the applications under test.
	live    map[string]*liveBackend
	apps    []*appRun
	streams []*stream
	usage   *usageSampler
	faults  faults
	// sendStart is when sending began (the sources' schedules count from it); sent is when every source had
	// finished (sending and reading back).
	sendStart time.Time
	sent      time.Time
	rep       *reports.Report
}

// execute runs the phases: plan, size, start, drive, verify, explain, report. Whatever happens, what start started
// is stopped before it returns (applications first, then backends).
func (r *run) execute(ctx context.Context) (rep *reports.Report, err error) {
	r.rep = &reports.Report{
		SchemaVersion: reports.SchemaVersion,
		Scenario:      r.sc.Name,
		File:          r.sc.File,
		RunID:         r.opts.RunID,
		Started:       r.began.UTC(),
	}
	r.plan = newPlan(r.sc, r.opts.RunID, r.opts.Shard)
	if err := checkMemory(r.sc, r.plan, availableMemory()); err != nil {
		return nil, err
	}
	defer r.plan.close()
	if err := r.plan.openScrapeEndpoints(); err != nil {
		return nil, err
	}
	if err := r.plan.openAppPorts(); err != nil {
		return nil, err
	}
	if r.workDir, err = os.MkdirTemp("", "otelbench-"+r.opts.RunID+"-"); err != nil {
		return nil, err
	}
	defer os.RemoveAll(r.workDir)

	defer func() {
		if terr := r.stopBackends(ctx); terr != nil && err == nil {
			err = terr
		}
	}()
	if err := r.startBackends(ctx); err != nil {
		if errors.Is(err, ErrInterrupted) {
			return r.interrupted()
		}
		return nil, err
	}
	// Applications under test start once their backends run, and stop before them (deferred later, run
	// earlier), whatever happens: SIGTERM first, so that their SDKs flush.
	defer func() {
		if serr := r.stopApps(ctx); serr != nil && err == nil {
			err = serr
		}
	}()
	if err := r.startApps(ctx); err != nil {
		if ctx.Err() != nil {
			return r.interrupted()
		}
		return nil, err
	}
	if err := r.buildStreams(ctx); err != nil {
		return nil, err
	}
	if err := r.awaitStart(ctx); err != nil {
		for _, s := range r.streams {
			_ = s.abort(ctx)
		}
		if ctx.Err() != nil {
			return r.interrupted()
		}
		return nil, err
	}

	r.drive(ctx)

	// What follows reads from the backends once more; after a Ctrl-C it gets a short time of its own.
	after, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	r.witness(after)
	var faultErr error
	r.rep.Faults, faultErr = r.faults.result()
	// A run a fault stopped is judged like an interrupted one: what was measured, and the fault's error.
	errs := r.explain(after, ctx.Err() != nil || faultErr != nil)
	r.report()
	if ctx.Err() != nil {
		return r.interrupted()
	}
	if r.opts.Hold != nil {
		r.opts.Hold(ctx, r.rep, append(endpointsOf(r.sc, r.live), appEndpoints(r.apps)...))
	}
	return r.rep, errors.Join(append([]error{faultErr}, errs...)...)
}

func (r *run) interrupted() (*reports.Report, error) {
	r.rep.Interrupted = true
	r.rep.DurationS = time.Since(r.began).Seconds()
	return r.rep, ErrInterrupted
}

// report fills in what the report says of the run as a whole: thresholds, compatibility, resource use.
func (r *run) report() {
	thresholds, filters := make([]reports.Threshold, len(r.sc.Thresholds)), make([][]string, len(r.sc.Thresholds))
	for i, t := range r.sc.Thresholds {
		thresholds[i], _ = reports.ParseThreshold(t.Expr) // validated with the scenario
		filters[i] = t.Exporters
	}
	r.rep.EvaluateThresholds(thresholds, filters)
	r.rep.Compatibility = reports.CompatibilityOf(r.rep.Exporters)
	if r.usage != nil {
		r.rep.Backends = r.usage.report()
		r.usage.close()
	}
	r.rep.Otelbench = ownUsage()
	r.rep.DurationS = time.Since(r.began).Seconds()
	if st := r.opts.Shard; st.Count > 0 {
		r.rep.Shard = &reports.Shard{Index: int(st.Index), Count: int(st.Count), Seed: r.sc.Seed, ScenarioHash: scenarioHash(r.sc),
			Version: buildinfo.Version(), StartAt: r.opts.StartAt.UTC(), Start: r.sendStart.UTC(), End: time.Now().UTC()}
		if !r.opts.StartAt.IsZero() {
			r.rep.Shard.SkewMs = math.Round(float64(r.sendStart.Sub(r.opts.StartAt))/float64(time.Microsecond)) / 1000
		}
	}
}

// awaitStart waits for Options.StartAt, when set; a run ready after it plus the tolerance is refused.
func (r *run) awaitStart(ctx context.Context) error {
	at := r.opts.StartAt
	if at.IsZero() {
		return nil
	}
	if late := time.Since(at); late > r.opts.StartTolerance {
		return fmt.Errorf("%w: ready %s after the start (%s), past the tolerance of %s; give the shards a later --start-at (they need the time to start), or a larger --start-tolerance",
			ErrLateStart, late.Round(time.Millisecond), at.UTC().Format(time.RFC3339Nano), r.opts.StartTolerance)
	}
	r.opts.Observer.Phase("wait for the start at " + at.UTC().Format(time.RFC3339))
	t := time.NewTimer(time.Until(at))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// witness attaches the collector's own counters to the checks whose items went through a collector: a second
// opinion, from inside the pipeline, on what was received and passed on.
func (r *run) witness(ctx context.Context) {
	streams, live := r.streams, r.live
	stats := map[string]map[string]float64{}
	for _, s := range streams {
		lb := live[s.backend]
		if lb == nil || !lb.forwarder() || lb.metricsURL() == "" {
			continue
		}
		w, ok := lb.Live.(containers.Witnessing)
		if !ok {
			continue
		}
		st, ok := stats[lb.name]
		if !ok {
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			got, err := w.Witness(wctx)
			cancel()
			if err != nil {
				continue
			}
			st = got
			stats[lb.name] = st
		}
		shared := 0
		for _, o := range streams {
			if o.backend == s.backend && o.workload.Signal == s.workload.Signal {
				shared++
			}
		}
		for _, c := range s.checks {
			c.witness, c.witnessShared = st, shared > 1
		}
	}
}

type nopObserver struct{}

func (nopObserver) Phase(string)    {}
func (nopObserver) Track(*Progress) {}

// scenarioHash is the sha256 of the scenario's file (hex), what tells shards of one scenario apart from shards of
// another; for a scenario built in Go, of its name.
func scenarioHash(sc *scenarios.Scenario) string {
	data := []byte(sc.Name)
	if sc.File != "" {
		if b, err := os.ReadFile(sc.File); err == nil {
			data = b
		}
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
