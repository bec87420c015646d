// Package otelbench runs a scenario end to end: it starts the scenario's backends, generates telemetry through
// the OpenTelemetry Go SDK's exporters at the scheduled rate, reads every item back from the backends, and
// returns a report. The CLI (cmd/otelbench) is a thin layer over Run; Go tests can call Run directly.
package otelbench

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"sync"
	"time"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/reports"
	"github.com/otelbench/otelbench/scenarios"
)

// Options tune a run. The zero value is usable.
type Options struct {
	// RunID labels the run's containers and is mixed into every generated ID; empty means a new random one.
	RunID string
	// Images says where backend images come from (see containers.ImagePolicy); empty means auto.
	Images containers.ImagePolicy
	// Observer, when set, is told about phases and given progress counters to display.
	Observer Observer
	// OutDir, when set, keeps what console exporters print (OutDir/console/<workload>.<exporter>.jsonl);
	// otherwise it goes to a temporary folder removed after the run.
	OutDir string
	// Logger receives what the run has to say besides its result: testcontainers-go's messages about each
	// container (debug level). Nil discards everything: Run itself prints nothing.
	Logger *slog.Logger
	// Hold, when set, is called with the finished report and the endpoints of every backend (and application
	// under test, as type "app") while they still run; they are stopped when it returns. It lets a user look at what arrived (the CLI's
	// --keep-backends). ctx is Run's.
	Hold func(ctx context.Context, rep *reports.Report, backends []BackendEndpoints)

	// shared, when set, are backends started before the run (by Bench, for the probes of a capacity search):
	// the run uses them as they are and leaves them running.
	shared *backendSet
}

// BackendEndpoints says where a backend of a run can be reached, while Options.Hold runs.
type BackendEndpoints struct {
	// Name and Type are the backend's, from the scenario; External says otelbench did not start it.
	Name, Type string
	External   bool
	// URLs maps what an endpoint is for ("query", "otlp_grpc", "otlp_http", "zipkin", "remote_write",
	// "metrics", "files") to its URL, host:port or folder.
	URLs map[string]string
}

// Observer follows a run. Its methods are called from Run's goroutine and must not block.
type Observer interface {
	// Phase announces a step of the run ("start jaeger", "send", "verify", ...).
	Phase(msg string)
	// Track hands over a counter that advances until Done reports true.
	Track(p *Progress)
}

// Progress is a counter the observer may poll from any goroutine.
type Progress struct {
	// Name says what is counted ("send checkout/otlp-grpc").
	Name string
	// Unit names the items ("spans").
	Unit string
	// Current and Total return the count so far and the count expected (Total may grow while sending).
	Current, Total func() int64
	// Done reports whether the counter will not move any more.
	Done func() bool
}

// NewRunID returns a random run ID: 12 hex digits, short enough for container labels and terminals.
func NewRunID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ErrInterrupted is returned when the run's context is cancelled (Ctrl-C); backends are terminated anyway, and
// the report returned with it holds what was measured until then (Report.Interrupted).
var ErrInterrupted = errors.New("run interrupted")

// ErrNoScenario is returned by Run when it is given no scenario.
var ErrNoScenario = errors.New("no scenario: expected one from scenarios.Load or scenarios.Parse, or built in Go")

// Run executes sc and returns its report. A scenario built in Go is validated first (sc.Validate, which also
// fills in its defaults); an invalid one is refused with scenarios.Errors and nothing starts. The report is
// complete when err is nil; report.Passed says whether every item was verified. When ctx is cancelled Run stops
// sending, and returns the report of what was measured so far, marked Interrupted, with ErrInterrupted. Every
// backend Run starts is terminated before it returns, whatever happens. A run whose backends would not fit in this
// machine's available memory is refused before anything starts, with scenarios.Errors placing the problem in the
// file.
func Run(ctx context.Context, sc *scenarios.Scenario, opts Options) (rep *reports.Report, err error) {
	if sc == nil {
		return nil, ErrNoScenario
	}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	if opts.RunID == "" {
		opts.RunID = NewRunID()
	}
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	started := time.Now()
	rep = &reports.Report{
		SchemaVersion: reports.SchemaVersion,
		Scenario:      sc.Name,
		File:          sc.File,
		RunID:         opts.RunID,
		Started:       started.UTC(),
	}
	interrupted := func() (*reports.Report, error) {
		rep.Interrupted = true
		rep.DurationS = time.Since(started).Seconds()
		return rep, ErrInterrupted
	}
	plan := newPlan(sc, opts.RunID)
	if err := checkMemory(sc, plan, availableMemory()); err != nil {
		return nil, err
	}
	defer plan.close()
	if err := plan.openScrapeEndpoints(); err != nil {
		return nil, err
	}
	if err := plan.openAppPorts(); err != nil {
		return nil, err
	}
	workDir, err := os.MkdirTemp("", "otelbench-"+opts.RunID+"-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(workDir)

	live := map[string]*liveBackend{}
	if opts.shared != nil {
		maps.Copy(live, opts.shared.live)
	}
	defer func() {
		if opts.shared != nil {
			return // the caller's to terminate
		}
		// Termination must happen even when ctx is cancelled (that is Ctrl-C): use a fresh, bounded context.
		started := false
		for _, b := range live {
			started = started || b.started
		}
		if !started {
			return
		}
		opts.Observer.Phase("stop backends")
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		var errs []error
		for name, b := range live {
			if terr := b.terminate(tctx); terr != nil {
				errs = append(errs, fmt.Errorf("terminate %s: %w", name, terr))
			}
		}
		if terr := errors.Join(errs...); terr != nil && err == nil {
			err = terr
		}
	}()
	if opts.shared != nil {
		// Started already.
	} else if err := startBackends(ctx, sc, plan, opts, live, workDir); err != nil {
		if errors.Is(err, ErrInterrupted) {
			return interrupted()
		}
		return nil, err
	}
	// Applications under test start once their backends run, and stop before them (deferred later, run
	// earlier), whatever happens: SIGTERM first, so that their SDKs flush.
	apps, err := startApps(ctx, sc, plan, opts, live, cmp.Or(opts.OutDir, workDir))
	defer func() {
		if len(apps) == 0 {
			return
		}
		opts.Observer.Phase("stop apps")
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		for _, a := range apps {
			if serr := a.stop(tctx); serr != nil && err == nil {
				err = serr
			}
		}
	}()
	if err != nil {
		if ctx.Err() != nil {
			return interrupted()
		}
		return nil, err
	}

	// Streams and their checks, all at once: sending is paced by each stream's schedule, verification follows
	// what was emitted.
	streams := make([]*stream, 0, len(plan.streams))
	for _, ps := range plan.streams {
		s, serr := newStream(ctx, ps, sc, plan, opts.RunID, live)
		if serr != nil {
			for _, started := range streams {
				_ = started.abort(ctx)
			}
			return nil, serr
		}
		streams = append(streams, s)
	}
	opts.Observer.Phase("send and verify")
	for _, s := range streams {
		opts.Observer.Track(s.sendProgress())
	}
	for _, a := range apps {
		opts.Observer.Track(a.sendProgress())
	}
	for _, s := range streams {
		for _, c := range s.checks {
			opts.Observer.Track(s.verifyProgress(c))
		}
	}
	for _, a := range apps {
		for _, c := range a.checks {
			opts.Observer.Track(a.verifyProgress(c))
		}
	}
	// Every stream's counters, once a second, until every stream has sent and been verified.
	sampled := make(chan struct{})
	stopSampling := make(chan struct{})
	usage := newUsageSampler(ctx, live)
	usageDone := make(chan struct{})
	go func() {
		// Docker's stats take a while to answer: on a goroutine of their own, so that the streams' counters are
		// sampled on the second.
		defer close(usageDone)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			usage.sample(ctx)
			select {
			case <-stopSampling:
				usage.sample(context.WithoutCancel(ctx))
				return
			case <-tick.C:
			}
		}
	}()
	go func() {
		defer close(sampled)
		begin := time.Now()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stopSampling:
				for _, s := range streams {
					s.sample(time.Since(begin).Seconds())
				}
				<-usageDone
				return
			case <-tick.C:
				for _, s := range streams {
					if !s.done.Load() || len(s.series.T) == 0 || s.series.Emitted[len(s.series.Emitted)-1] != int64(s.emitted())*s.perSlot {
						s.sample(time.Since(begin).Seconds())
					}
				}
			}
		}
	}()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		runApps(ctx, apps)
	}()
	for _, s := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.send(ctx)
		}()
		var cwg sync.WaitGroup
		for _, c := range s.checks {
			wg.Add(1)
			cwg.Add(1)
			go func() {
				defer wg.Done()
				defer cwg.Done()
				c.verify(ctx)
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cwg.Wait()
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
			defer cancel()
			_ = s.finish(fctx)
		}()
	}
	wg.Wait()
	close(stopSampling)
	<-sampled
	// What follows reads from the backends once more; after a Ctrl-C it gets a short time of its own.
	after, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	witness(after, sc, streams, live)

	rep.Passed = len(streams)+len(apps) > 0 && ctx.Err() == nil
	var errs []error
	for _, s := range streams {
		// A final flush that failed to export is the row's finding (its export errors and causes), not an error.
		var exportErr *generators.ExportError
		if s.sendErr != nil && ctx.Err() == nil && !errors.As(s.sendErr, &exportErr) {
			errs = append(errs, s.sendErr)
		}
		for _, c := range s.checks {
			if c.err != nil {
				errs = append(errs, fmt.Errorf("verify %s at %s: %w", s.key, c.path, c.err))
			}
			row := s.row(c)
			rep.Passed = rep.Passed && row.Passed
			rep.Exporters = append(rep.Exporters, row)
		}
	}
	explain(after, rep, streams, live)
	for _, a := range apps {
		if a.runErr != nil && ctx.Err() == nil {
			errs = append(errs, fmt.Errorf("app %s: %w", a.a.Name, a.runErr))
		}
		for _, row := range a.rows() {
			rep.Passed = rep.Passed && row.Passed
			rep.Exporters = append(rep.Exporters, row)
		}
	}
	thresholds, filters := make([]reports.Threshold, len(sc.Thresholds)), make([][]string, len(sc.Thresholds))
	for i, t := range sc.Thresholds {
		thresholds[i], _ = reports.ParseThreshold(t.Expr) // validated with the scenario
		filters[i] = t.Exporters
	}
	rep.EvaluateThresholds(thresholds, filters)
	rep.Compatibility = reports.CompatibilityOf(rep.Exporters)
	rep.Backends = usage.report()
	rep.Otelbench = ownUsage()
	usage.close()
	rep.DurationS = time.Since(started).Seconds()
	if ctx.Err() != nil {
		return interrupted()
	}
	if opts.Hold != nil {
		opts.Hold(ctx, rep, append(endpointsOf(sc, live), appEndpoints(apps)...))
	}
	return rep, errors.Join(errs...)
}

// witness attaches the collector's own counters to the checks whose items went through a collector: a second
// opinion, from inside the pipeline, on what was received and passed on.
func witness(ctx context.Context, sc *scenarios.Scenario, streams []*stream, live map[string]*liveBackend) {
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
