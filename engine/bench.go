package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/otelbench/otelbench/capacity"
	"github.com/otelbench/otelbench/containers/all"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/internal/buildinfo"
	"github.com/otelbench/otelbench/reports"
	"github.com/otelbench/otelbench/scenarios"
)

// BenchOptions configure a sweep. Options go to every run (its RunID is made per run).
type BenchOptions struct {
	Options
	// Replicates overrides the sweep's replicates when above 0.
	Replicates int
	// OnRun, when set, is told of each run (a run at a rate, or one probe of a capacity search) before it starts
	// (Report nil) and after it ended.
	OnRun func(BenchEvent)
}

// BenchEvent is one run of a sweep, as BenchOptions.OnRun sees it.
type BenchEvent struct {
	Config    string
	Replicate int
	// Phase is reports.PhaseCapacity (a probe of a search) or reports.PhaseRate.
	Phase string
	// RatePerS is the offered rate (all the swept workloads together, items/s).
	RatePerS float64
	// Measurement counts the searches and runs at a rate finished before this one, of Measurements in all.
	Measurement, Measurements int
	// Report is the run's, once it ended; Passed says whether a probe passed (with Cause when not).
	Report *reports.Report
	Passed bool
	Cause  string
}

// Bench runs a scenario's sweep and ranks its configurations on the sweep's objective. Every configuration runs
// alone, in rounds of a random order (from the scenario's seed), so that a drift of the machine weighs on every
// configuration alike. For capacity, each replicate is a search (package capacity) whose probes share backends
// started for it (each probe a run with a fresh run ID, so nothing is read twice); for the other objectives each
// replicate is a run against backends started fresh, at a rate common to every configuration. With
// sweep.control, the first configuration runs a second time as a configuration of its own (an A/A control),
// which measures the noise floor. Cancelling ctx stops after the run in progress, whose partial numbers are left
// out: the result holds what was finished, marked interrupted, with ErrInterrupted.
func Bench(ctx context.Context, sc *scenarios.Scenario, opts BenchOptions) (*reports.Bench, error) {
	if sc == nil || sc.Sweep == nil {
		return nil, errors.New("the scenario has no sweep: add sweep: {exporter: NAME, axes: {...}}")
	}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	configs, err := sc.Configurations()
	if err != nil {
		return nil, err
	}
	sw := sc.Sweep
	replicates := cmp.Or(opts.Replicates, sw.Replicates)
	objective := reports.Objective(sw.Objective)
	b := &reports.Bench{SchemaVersion: reports.BenchSchemaVersion, Scenario: sc.Name, Exporter: sw.Exporter, Started: time.Now().UTC(),
		WarmupS: time.Duration(sw.Warmup).Seconds(), Objective: objective, Test: sw.Test, Alpha: sw.Alpha, Environment: environment(sc)}
	var names []string
	for _, c := range configs {
		names = append(names, c.Name)
	}
	if sw.ControlOn() && len(configs) > 1 {
		b.Control = configs[0].Name
		configs = append(configs, scenarios.Configuration{Name: reports.ControlName(configs[0].Name), Scenario: configs[0].Scenario})
		names = append(names, reports.ControlName(configs[0].Name))
	}
	bn := &bencher{sc: sc, opts: opts, b: b, total: replicates * len(configs),
		rng: rand.New(rand.NewPCG(uint64(sc.Seed), 0x73776565702d6f72))} //nolint:gosec // reproducible order, not secret
	switch {
	case objective.Searched():
		b.CapacityDefinition, b.Resolution = capacityDefinition(sc), sw.Capacity.Precision
		err = bn.searchRounds(ctx, configs, replicates)
	case objective == reports.ObjectiveThroughput:
		err = bn.rateRounds(ctx, configs, replicates, 0)
	default:
		rate := sw.Rate
		if rate == 0 {
			// The common rate: 80% of the lowest capacity, so that every configuration sustains it with room.
			bn.total += len(configs)
			b.CapacityDefinition, b.Resolution = capacityDefinition(sc), sw.Capacity.Precision
			err = bn.searchRounds(ctx, configs, 1)
			lowest := math.Inf(1)
			for _, r := range b.Replicates {
				if r.Error == "" && r.CapacityPerS > 0 {
					lowest = math.Min(lowest, r.CapacityPerS)
				}
			}
			if err == nil && math.IsInf(lowest, 1) {
				err = errors.New("no configuration sustained any rate, so there is no common rate to measure them at; see each search's cause")
			}
			rate = math.Floor(0.8*lowest/100) * 100
		}
		if err == nil {
			b.RatePerS = rate
			err = bn.rateRounds(ctx, configs, replicates, rate)
		}
	}
	b.DurationS = time.Since(b.Started).Seconds()
	if ctx.Err() != nil {
		b.Interrupted = true
		err = ErrInterrupted
	}
	b.Judge(names)
	return b, err
}

// bencher runs a sweep's measurements.
type bencher struct {
	sc          *scenarios.Scenario
	opts        BenchOptions
	b           *reports.Bench
	rng         *rand.Rand
	done, total int
	// capacities are each configuration's last capacity found: the next replicate's search starts there.
	capacities map[string]float64
}

func (bn *bencher) notify(ev BenchEvent) {
	if bn.opts.OnRun != nil {
		ev.Measurement, ev.Measurements = bn.done, bn.total
		bn.opts.OnRun(ev)
	}
}

// searchRounds searches every configuration's capacity replicates times, round by round in random orders.
func (bn *bencher) searchRounds(ctx context.Context, configs []scenarios.Configuration, replicates int) error {
	if bn.capacities == nil {
		bn.capacities = map[string]float64{}
	}
	for r := 1; r <= replicates; r++ {
		for _, i := range bn.rng.Perm(len(configs)) {
			if ctx.Err() != nil {
				return ErrInterrupted
			}
			rep, err := bn.search(ctx, configs[i], r)
			bn.done++
			if ctx.Err() != nil {
				return ErrInterrupted // its numbers are partial
			}
			bn.b.Replicates = append(bn.b.Replicates, rep)
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// rateRounds runs every configuration replicates times at rate (0: the workloads' own rates).
func (bn *bencher) rateRounds(ctx context.Context, configs []scenarios.Configuration, replicates int, rate float64) error {
	for r := 1; r <= replicates; r++ {
		for _, i := range bn.rng.Perm(len(configs)) {
			if ctx.Err() != nil {
				return ErrInterrupted
			}
			rep := bn.atRate(ctx, configs[i], r, rate)
			bn.done++
			if ctx.Err() != nil {
				return ErrInterrupted
			}
			bn.b.Replicates = append(bn.b.Replicates, rep)
		}
	}
	return nil
}

// search is one replicate of configuration c's capacity search. Its probes share backends started for the
// search when they can (no scrape endpoint or application is tied to one run); the first replicate grows from
// sweep.capacity.start, later ones start from the last capacity found, in smaller steps.
func (bn *bencher) search(ctx context.Context, c scenarios.Configuration, replicate int) (r reports.Replicate, err error) {
	cs := bn.sc.Sweep.Capacity
	r = reports.Replicate{Config: c.Name, Replicate: replicate, Phase: reports.PhaseCapacity, Start: time.Now().UTC()}
	search := capacity.Search{Start: cs.Start, Min: cs.Min, Max: cs.Max, Precision: cs.Precision, Step: 100, Confirmations: 1}
	if prev := bn.capacities[c.Name]; prev > 0 {
		search.Start, search.Growth = prev, 1.25
	} else if others := slices.Collect(maps.Values(bn.capacities)); len(others) > 0 {
		// The configurations searched so far say where this one probably is: start at their median.
		slices.Sort(others)
		search.Start, search.Growth = others[len(others)/2], 1.5
	}
	probeFor := time.Duration(cs.Probe)
	before := readMachineCPU()
	var backendCPU float64
	var set *backendSet
	if shareable(c.Scenario) {
		o := bn.opts.Options
		o.RunID = NewRunID()
		// Sized for the highest rate the search is likely to offer; Jaeger keeps the newest traces when a probe
		// goes past it, and each probe reads back only its own.
		sized := c.Scenario.AtRate(math.Min(cs.Max, 4*math.Max(search.Start, cs.Min)), probeFor)
		set, err = startBackendSet(ctx, c.Scenario, sized, o)
		defer func() {
			if cerr := set.close(ctx); cerr != nil {
				r.Error = cmp.Or(r.Error, cerr.Error())
				err = cmp.Or(err, cerr)
			}
		}()
		if err != nil {
			r.Error = err.Error()
			r.End = time.Now().UTC()
			return r, fmt.Errorf("configuration %s: %w", c.Name, err)
		}
	}
	var best *reports.Report
	var bestCPU float64
	probe := func(ctx context.Context, rate float64) (capacity.Probe, error) {
		ev := BenchEvent{Config: c.Name, Replicate: replicate, Phase: reports.PhaseCapacity, RatePerS: rate}
		bn.notify(ev)
		o := bn.opts.Options
		o.RunID, o.shared = NewRunID(), set
		cpu0 := processCPU()
		rep, err := Run(ctx, c.Scenario.AtRate(rate, probeFor), o)
		cpu := processCPU() - cpu0
		if rep != nil {
			for _, u := range rep.Backends {
				backendCPU += u.CPUSeconds
			}
		}
		if ctx.Err() != nil {
			return capacity.Probe{}, ErrInterrupted
		}
		if err != nil {
			return capacity.Probe{}, err
		}
		p := capacity.Probe{Passed: rep.Passed, Cause: causeOf(rep)}
		if bound := time.Duration(cs.ExportP99); bound > 0 && p.Passed {
			if p99 := exportP99(rep); p99 > reports.Millis(bound) {
				p.Passed, p.Cause = false, fmt.Sprintf("export p99 %.1f ms above the bound %s", p99, bound)
			}
		}
		if p.Passed {
			best, bestCPU, r.TargetPerS = rep, cpu, rate
		}
		ev.Report, ev.Passed, ev.Cause = rep, p.Passed, p.Cause
		bn.notify(ev)
		return p, nil
	}
	res, err := search.Run(ctx, probe)
	r.End = time.Now().UTC()
	r.CapacityPerS, r.AtMax, r.Probes, r.Cause = res.Capacity, res.AtMax, res.Probes, res.Cause
	if r.Probes == nil {
		r.Probes = []capacity.Probe{}
	}
	if err != nil && !errors.Is(err, capacity.ErrNoRate) {
		r.Error = err.Error()
	} else {
		err = nil
	}
	r.Passed = r.Error == "" && res.Capacity > 0
	if res.Capacity > 0 {
		bn.capacities[c.Name] = res.Capacity
	}
	if best != nil {
		measure(&r, best, bestCPU, time.Duration(bn.sc.Sweep.Warmup).Seconds())
	}
	r.OtherCPUCores, r.StealPct, r.Contended = contention(before, readMachineCPU(), backendCPU)
	r.OtherCPUCores, r.StealPct = round3(r.OtherCPUCores), round3(r.StealPct)
	if errors.Is(err, ErrInterrupted) {
		return r, err
	}
	if err != nil {
		return r, fmt.Errorf("configuration %s: %w", c.Name, err)
	}
	return r, nil
}

// atRate runs configuration c once at rate (0: its workloads' own rates), against backends started for it.
func (bn *bencher) atRate(ctx context.Context, c scenarios.Configuration, replicate int, rate float64) reports.Replicate {
	r := reports.Replicate{Config: c.Name, Replicate: replicate, Phase: reports.PhaseRate, Start: time.Now().UTC()}
	sc := c.Scenario
	if rate > 0 {
		sc = sc.AtRate(rate, 0)
	}
	offered := rate
	if offered == 0 {
		for _, w := range sc.Workloads {
			offered += w.Rate
		}
	}
	ev := BenchEvent{Config: c.Name, Replicate: replicate, Phase: reports.PhaseRate, RatePerS: offered}
	bn.notify(ev)
	before := readMachineCPU()
	o := bn.opts.Options
	o.RunID = NewRunID()
	cpu0 := processCPU()
	rep, err := Run(ctx, sc, o)
	cpu := processCPU() - cpu0
	r.End = time.Now().UTC()
	if err != nil {
		r.Error = err.Error()
	}
	var backendCPU float64
	if rep != nil {
		for _, u := range rep.Backends {
			backendCPU += u.CPUSeconds
		}
		r.Passed = rep.Passed && err == nil
		measure(&r, rep, cpu, time.Duration(bn.sc.Sweep.Warmup).Seconds())
		r.TargetPerS = ev.RatePerS
		ev.Report, ev.Passed, ev.Cause = rep, r.Passed, causeOf(rep)
	}
	r.OtherCPUCores, r.StealPct, r.Contended = contention(before, readMachineCPU(), backendCPU)
	r.OtherCPUCores, r.StealPct = round3(r.OtherCPUCores), round3(r.StealPct)
	bn.notify(ev)
	return r
}

// shareable reports whether sc's backends can serve several runs: nothing of them is tied to one run (a scrape
// endpoint that goes into Prometheus' configuration, an application under test).
func shareable(sc *scenarios.Scenario) bool {
	if len(sc.Apps) > 0 {
		return false
	}
	for _, e := range sc.Exporters {
		if p, ok := generators.LookupProtocol(e.Protocol); ok && p.Scraped {
			return false
		}
	}
	return true
}

// measure fills r's figures from one run's report: what the swept streams delivered after the warm-up, their
// latencies, bytes, drops, and the CPU otelbench (cpu seconds) and the backends spent per million items.
func measure(r *reports.Replicate, rep *reports.Report, cpu, warmup float64) {
	streams := map[string]bool{}
	var delivered, backendCPU, p99, vis, bpi float64
	r.Sent, r.Verified, r.DroppedInSDK, r.ExportFailed, r.Lost, r.ThroughputPerS = 0, 0, 0, 0, 0, 0
	for i := range rep.Exporters {
		e := &rep.Exporters[i]
		r.Sent += e.Sent
		r.Verified += e.Verified
		r.DroppedInSDK += e.DroppedInSDK
		r.ExportFailed += e.ExportFailedItems
		r.Lost += e.LostByCause["dropped_by_collector"] + e.LostByCause["never_readable"] + e.Duplicated + e.Altered
		p99, vis, bpi = max(p99, e.ExportLatencyMs.P99), max(vis, e.VisibilityLatencyMs.P99), max(bpi, e.BytesPerItem)
		key := e.Workload + "/" + e.Name
		if streams[key] {
			continue
		}
		streams[key] = true
		delivered += float64(e.Sent - e.Lost)
		r.ThroughputPerS += afterWarmup(e, warmup)
	}
	r.Streams = len(streams)
	r.ExportP99Ms, r.VisibilityP99Ms, r.BytesPerItem = p99, vis, bpi
	for _, u := range rep.Backends {
		backendCPU += u.CPUSeconds
	}
	if delivered > 0 {
		r.OtelbenchCPUPerM = round3(cpu / delivered * 1e6)
		r.BackendCPUPerM = round3(backendCPU / delivered * 1e6)
	}
	r.ThroughputPerS = round3(r.ThroughputPerS)
}

// causeOf says why a run did not pass, from its rows' shortfalls.
func causeOf(rep *reports.Report) string {
	var parts []string
	for i := range rep.Exporters {
		if why := rep.Exporters[i].Shortfall(); why != "" {
			parts = append(parts, why)
		}
	}
	if len(parts) == 0 && !rep.Passed {
		return "the run did not pass"
	}
	return strings.Join(parts, "; ")
}

func exportP99(rep *reports.Report) float64 {
	var p float64
	for _, e := range rep.Exporters {
		p = max(p, e.ExportLatencyMs.P99)
	}
	return p
}

// capacityDefinition says what "sustained" means for sc's sweep.
func capacityDefinition(sc *scenarios.Scenario) string {
	cs := sc.Sweep.Capacity
	d := fmt.Sprintf("the highest offered rate (items/s, the swept workloads together) at which a %s probe delivered and verified every item, dropped nothing in the SDK and held the rate within %.1f%%",
		time.Duration(cs.Probe), 100*sc.Verify.RateTolerance)
	if cs.ExportP99 > 0 {
		d += fmt.Sprintf(", with the export p99 under %s", time.Duration(cs.ExportP99))
	}
	return d + fmt.Sprintf("; searched between %.0f and %.0f/s to within %.0f%% (grow x2 from the first start, x1.5 from the median of the configurations searched before, x1.25 from the configuration's last capacity; then bisect; the capacity found must pass a second probe)",
		cs.Min, cs.Max, 100*cs.Precision)
}

// environment records what was measured where: otelbench's commit (from its build), Go, the machine, and each
// backend type's image.
func environment(sc *scenarios.Scenario) *reports.Environment {
	env := &reports.Environment{GoVersion: runtime.Version(), Machine: fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU()),
		Backends: map[string]string{}}
	env.Commit, env.Dirty = buildinfo.Revision()
	for _, b := range sc.Backends {
		if b.Image != "" {
			env.Backends[b.Type] = b.Image
			continue
		}
		if img, ok := all.ImageFor(b.Type); ok {
			env.Backends[b.Type] = img.Backend + " " + img.Version
		}
	}
	return env
}

// afterWarmup is the items delivered per second after the first warmup seconds of sending: the rate at which
// the stream emitted after the warm-up (its emitted counter, interpolated at warmup between the once-a-second
// samples; emission is paced, so this is exact) times the fraction of what it emitted that was delivered and
// verified. A configuration that keeps up delivers its offered rate; one that drops or fails delivers that much
// less. (Counting exports instead would follow their bursts, a batch at a time, and bias short runs.)
func afterWarmup(e *reports.Exporter, warmup float64) float64 {
	ts := e.Timeseries
	if ts == nil || len(ts.T) == 0 || e.AchievedRatePerS <= 0 || e.Sent <= 0 {
		return 0
	}
	emitted := float64(ts.Emitted[len(ts.Emitted)-1])
	d := emitted / e.AchievedRatePerS // the sending time (the schedule's duration when it kept pace)
	delivered := float64(e.Verified) / float64(e.Sent)
	if d <= warmup {
		return e.AchievedRatePerS * delivered
	}
	at, prevT, prevV := 0.0, 0.0, 0.0
	for i, t := range ts.T {
		v := float64(ts.Emitted[i])
		if t >= warmup {
			if t > prevT {
				at = prevV + (v-prevV)*(warmup-prevT)/(t-prevT)
			} else {
				at = v
			}
			break
		}
		prevT, prevV, at = t, v, v
	}
	return (emitted - at) / (d - warmup) * delivered
}

// processCPU is this process's CPU time so far, in seconds.
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
