package otelbench

import (
	"context"
	"errors"
	"math/rand/v2"
	"syscall"
	"time"

	"github.com/otelbench/otelbench/reports"
	"github.com/otelbench/otelbench/scenarios"
)

// BenchOptions configure a sweep. Options go to every run (its RunID is made per run).
type BenchOptions struct {
	Options
	// Replicates overrides the sweep's replicates when above 0.
	Replicates int
	// OnRun, when set, is told of each run before it starts and of its outcome after.
	OnRun func(config string, replicate, done, total int, rep *reports.Report)
}

// Bench runs a scenario's sweep: every configuration alone, with backends started fresh for each run (Run starts
// and terminates them), replicated, in an order shuffled from the scenario's seed, then ranks the configurations.
// Cancelling ctx stops after the run in progress, whose partial numbers are left out: the result holds what was
// finished, marked interrupted, with ErrInterrupted.
func Bench(ctx context.Context, sc *scenarios.Scenario, opts BenchOptions) (*reports.Bench, error) {
	if sc == nil || sc.Sweep == nil {
		return nil, errors.New("the scenario has no sweep: add sweep: {exporter: NAME, axes: {...}}")
	}
	configs, err := sc.Configurations()
	if err != nil {
		return nil, err
	}
	replicates := sc.Sweep.Replicates
	if opts.Replicates > 0 {
		replicates = opts.Replicates
	}
	b := &reports.Bench{SchemaVersion: reports.SchemaVersion, Scenario: sc.Name, Exporter: sc.Sweep.Exporter, Started: time.Now().UTC(),
		WarmupS: time.Duration(sc.Sweep.Warmup).Seconds(), Alpha: sc.Sweep.Alpha}
	var names []string
	for _, c := range configs {
		names = append(names, c.Name)
	}
	// Round by round, each configuration once, in an order of its own: a drift of the machine over the sweep
	// weighs on every configuration alike.
	rng := rand.New(rand.NewPCG(uint64(sc.Seed), 0x73776565702d6f72)) //nolint:gosec // reproducible order, not secret
	total, done := replicates*len(configs), 0
	for r := 1; r <= replicates; r++ {
		order := rng.Perm(len(configs))
		for _, i := range order {
			if ctx.Err() != nil {
				b.Interrupted = true
				b.DurationS = time.Since(b.Started).Seconds()
				b.Judge(names)
				return b, ErrInterrupted
			}
			c := configs[i]
			if opts.OnRun != nil {
				opts.OnRun(c.Name, r, done, total, nil)
			}
			rep, rr := benchRun(ctx, c, r, sc, opts.Options)
			done++
			if ctx.Err() != nil {
				continue // interrupted: its numbers are partial
			}
			b.Replicates = append(b.Replicates, rr)
			if opts.OnRun != nil {
				opts.OnRun(c.Name, r, done, total, rep)
			}
		}
	}
	b.DurationS = time.Since(b.Started).Seconds()
	b.Judge(names)
	return b, nil
}

// benchRun runs configuration c once and measures it.
func benchRun(ctx context.Context, c scenarios.Configuration, replicate int, sc *scenarios.Scenario, opts Options) (*reports.Report, reports.Replicate) {
	r := reports.Replicate{Config: c.Name, Replicate: replicate, Start: time.Now().UTC()}
	cpuBefore := processCPU()
	opts.RunID = NewRunID()
	rep, err := Run(ctx, c.Scenario, opts)
	r.End = time.Now().UTC()
	cpu := processCPU() - cpuBefore
	if err != nil {
		r.Error = err.Error()
	}
	if rep == nil {
		return rep, r
	}
	// A replicate counts when everything the exporter delivered was verified: SDK drops and failed exports are
	// what a configuration does at this load (they lower its throughput), loss after delivery is not.
	r.Passed = err == nil
	for _, e := range rep.Exporters {
		if e.LostByCause["never_readable"] > 0 || e.Duplicated > 0 || e.Altered > 0 {
			r.Passed = false
		}
	}
	warmup := time.Duration(sc.Sweep.Warmup).Seconds()
	streams := map[string]bool{}
	var delivered, backendCPU float64
	var p99, vis, bpi float64
	for i := range rep.Exporters {
		e := &rep.Exporters[i]
		r.Sent += e.Sent
		r.Verified += e.Verified
		r.DroppedInSDK += e.DroppedInSDK
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
	return rep, r
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
