package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/otelbench/otelbench"
	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/reports"
	"github.com/otelbench/otelbench/reports/live"
	"github.com/otelbench/otelbench/scenarios"
)

// runOptions are run's flags.
type runOptions struct {
	out, images, runID, cpuProfile string
	verbose                        bool
	keep                           keepFlag
	deadline                       time.Duration
	shard                          shardRunFlags
	live                           liveFlags
}

// keepFlag is --keep-backends: a positive duration, or forever (-1).
type keepFlag time.Duration

func (k *keepFlag) String() string {
	if *k < 0 {
		return "forever"
	}
	if *k == 0 {
		return ""
	}
	return time.Duration(*k).String()
}

func (k *keepFlag) Set(v string) error {
	if v == "forever" {
		*k = -1
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return fmt.Errorf("expected a positive duration such as 10m, or forever")
	}
	*k = keepFlag(d)
	return nil
}

func (k *keepFlag) Type() string { return "duration|forever" }

func runCmd(ctx context.Context, o runOptions, file string, stdout, stderr io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	sc, err := scenarios.Load(file)
	if err != nil {
		return scenarioError(err)
	}
	return runScenario(ctx, o, sc, stdout, stderr)
}

// check refuses flag values before anything is read or started.
func (o runOptions) check() error {
	switch containers.ImagePolicy(o.images) {
	case containers.ImagesAuto, containers.ImagesOfficial, containers.ImagesLocal:
		return nil
	}
	return usageError("--images %q: expected auto, official or local", o.images)
}

// runScenario runs a valid scenario, from a file or built from flags (otelbench traces|metrics|logs), and writes
// its reports: the same whichever way the scenario came.
func runScenario(ctx context.Context, o runOptions, sc *scenarios.Scenario, stdout, stderr io.Writer) error {
	out, runID, verbose, cpuProfile := &o.out, &o.runID, &o.verbose, &o.cpuProfile
	keep := time.Duration(o.keep)
	policy := containers.ImagePolicy(o.images)
	shard, err := resolveShard(o.shard, *runID, os.Getenv)
	if err != nil {
		return err
	}
	if shard.sharded() {
		if err := sc.CheckShardable(); err != nil {
			return scenarioError(err)
		}
		if keep != 0 {
			return usageError("--keep-backends keeps backends otelbench started; a shard starts none")
		}
	}
	if *out != "" {
		// Fail before anything starts if the report cannot be written.
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return usageError("--out: %v", err)
		}
	}

	// The SDK reports export errors through the global handler; otelbench records them per exporter already.
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		if *verbose {
			fmt.Fprintf(stderr, "sdk: %v\n", err)
		}
	}))
	opts := otelbench.Options{RunID: cmp.Or(shard.runID, *runID), Images: policy, OutDir: *out,
		Shard: shard.stripe, StartAt: shard.startAt, StartTolerance: shard.tolerance}
	if *verbose {
		opts.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	var liveShard string
	if shard.sharded() {
		liveShard = fmt.Sprintf("%d/%d", shard.stripe.Index, shard.stripe.Count)
	}
	if o.live.on() {
		opts.RunID = cmp.Or(opts.RunID, otelbench.NewRunID()) // the figures are labelled with it
	}
	lv, err := startLive(ctx, o.live, live.Labels{Scenario: sc.Name, RunID: opts.RunID, Shard: liveShard})
	if err != nil {
		return err
	}
	if lv != nil {
		opts.Live = lv.metrics.Follow
		defer lv.stop(ctx, stderr)
	}
	ui := newProgress(ctx, stderr)
	opts.Observer = ui
	written := false
	writeReport := func(rep *reports.Report) error {
		written = true
		if lv != nil {
			lv.metrics.Final(rep)
		}
		if err := rep.WriteText(stdout); err != nil {
			return err
		}
		if err := appendStepSummary(rep); err != nil {
			fmt.Fprintf(stderr, "otelbench: GITHUB_STEP_SUMMARY: %v\n", err)
		}
		if *out == "" {
			return nil
		}
		if _, err := rep.WriteFiles(*out); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "report: %s (and report.txt, report.md, junit.xml, report.html, timeseries.csv)\n", filepath.Join(*out, "report.json"))
		return nil
	}
	var holdErr error
	if keep != 0 {
		opts.Hold = func(ctx context.Context, rep *reports.Report, backends []otelbench.BackendEndpoints) {
			ui.Wait()
			if holdErr = writeReport(rep); holdErr != nil {
				return
			}
			holdBackends(ctx, stderr, backends, keep)
		}
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return usageError("--cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() {
			pprof.StopCPUProfile()
			_ = f.Close()
		}()
	}
	if o.deadline > 0 {
		// A deadline stops the run as Ctrl-C does: the report of what was measured, marked interrupted.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.deadline)
		defer cancel()
	}
	rep, runErr := otelbench.Run(ctx, sc, opts)
	ui.Wait()
	if holdErr != nil {
		return holdErr
	}
	if rep == nil {
		if runErr == nil {
			runErr = errors.New("no report")
		}
		var refused scenarios.Errors
		if errors.As(runErr, &refused) {
			// Refused before anything started, e.g. more than this machine can hold.
			return &exitError{code: exitUsage, err: fmt.Errorf("scenario refused:\n%w", refused)}
		}
		if errors.Is(runErr, otelbench.ErrLateStart) {
			return &exitError{code: exitUsage, err: runErr}
		}
		return runErr
	}
	if !written {
		if err := writeReport(rep); err != nil {
			return err
		}
	}
	if rep.Shard != nil {
		if err := writeArtifact(artifactOf(sc, rep), *out, shard.print, stdout, stderr); err != nil {
			return fmt.Errorf("shard artifact: %w", err)
		}
	}
	if runErr != nil {
		return runErr
	}
	return verdict(rep)
}

// verdict is the exit of a complete report: verification failed (3), thresholds breached (4), or passed. Its
// message, the last line a CI log shows, names every row that failed and every threshold breached.
func verdict(rep *reports.Report) error {
	switch {
	case rep.Interrupted:
		return &exitError{code: exitRuntime, err: errors.New("the run was interrupted: the report holds what was measured")}
	case !rep.Passed:
		msg := "verification failed: " + failedRows(rep)
		if rep.ThresholdsBreached() {
			msg += "; thresholds breached too: " + breached(rep)
		}
		return &exitError{code: exitFailed, err: errors.New(msg)}
	case rep.ThresholdsBreached():
		return &exitError{code: exitThreshold, err: fmt.Errorf("thresholds breached: %s", breached(rep))}
	}
	return nil
}

// failedRows lists the rows that did not pass, with what they sent, verified and lost (and what else went wrong),
// and the shards a merged report lacks.
func failedRows(rep *reports.Report) string {
	var out []string
	for _, e := range rep.Exporters {
		if e.Passed {
			continue
		}
		s := fmt.Sprintf("%s/%s @ %s (sent %d, verified %d, lost %d", e.Workload, e.Name, e.Backend, e.Sent, e.Verified, e.Lost)
		for _, n := range []struct {
			what string
			n    int64
		}{{"duplicated", e.Duplicated}, {"altered", e.Altered}, {"dropped in the SDK", e.DroppedInSDK}, {"missed slots", int64(e.MissedSlots)}} {
			if n.n > 0 {
				s += fmt.Sprintf(", %s %d", n.what, n.n)
			}
		}
		out = append(out, s+")")
	}
	if m := rep.Merged; m != nil && len(m.Missing) > 0 {
		out = append(out, fmt.Sprintf("shards missing: %v", m.Missing))
	}
	return strings.Join(out, "; ")
}

// breached lists the thresholds that did not hold, each once with the rows it failed on.
func breached(rep *reports.Report) string {
	var out []string
	for _, t := range rep.Thresholds {
		if !t.Passed {
			out = append(out, fmt.Sprintf("%s on %s/%s @ %s (value %s)", t.Expr, t.Workload, t.Exporter, t.Backend, t.Reading()))
		}
	}
	return strings.Join(out, "; ")
}

// appendStepSummary appends report.md to the file GitHub Actions names in GITHUB_STEP_SUMMARY, when it is set.
func appendStepSummary(rep *reports.Report) error {
	path := os.Getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if err := rep.WriteMarkdown(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// holdBackends prints where each backend can be reached and waits for d (forever when d < 0) or Ctrl-C.
func holdBackends(ctx context.Context, w io.Writer, backends []otelbench.BackendEndpoints, d time.Duration) {
	fmt.Fprintln(w, "backends and apps (kept running; Ctrl-C stops them):")
	for _, b := range backends {
		kind := b.Type
		if b.External {
			kind += ", external"
		}
		fmt.Fprintf(w, "  %s (%s)\n", b.Name, kind)
		for _, k := range slices.Sorted(maps.Keys(b.URLs)) {
			fmt.Fprintf(w, "    %-13s %s\n", k, b.URLs[k])
		}
	}
	if d < 0 {
		<-ctx.Done()
		return
	}
	fmt.Fprintf(w, "stopping them in %s\n", d)
	waitFor(ctx, d)
}

// waitFor returns after d, or sooner when ctx is done (Ctrl-C).
func waitFor(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// scenarioError maps an invalid scenario to exit code 2 and prints every problem.
func scenarioError(err error) error {
	var errs scenarios.Errors
	if errors.As(err, &errs) {
		return &exitError{code: exitUsage, err: fmt.Errorf("invalid scenario:\n%w", errs)}
	}
	return &exitError{code: exitUsage, err: err}
}

func validateCmd(pos []string, stdout, stderr io.Writer) error {
	bad := 0
	for _, path := range pos {
		if _, err := scenarios.Load(path); err != nil {
			bad++
			var errs scenarios.Errors
			if errors.As(err, &errs) {
				for _, e := range errs {
					fmt.Fprintln(stderr, e.Error())
				}
				continue
			}
			fmt.Fprintf(stderr, "%s: %v\n", path, err)
			continue
		}
		fmt.Fprintf(stdout, "%s: ok\n", path)
	}
	if bad > 0 {
		return &exitError{code: exitUsage, err: fmt.Errorf("%d of %d scenario files are invalid", bad, len(pos))}
	}
	return nil
}

func imagesListCmd(stdout io.Writer) error {
	for _, img := range imagesWithOtelbench() {
		fmt.Fprintf(stdout, "%-8s %-8s official %-32s local %-36s from %s\n", img.Backend, img.Version, cmp.Or(img.Official, "(none)"), img.Local, img.Source)
	}
	return nil
}

func imagesBuildCmd(ctx context.Context, force bool, pos []string, stdout, stderr io.Writer) error {
	selected := imagesWithOtelbench()
	if len(pos) > 0 {
		selected = nil
		for _, name := range pos {
			img, ok := imageNamed(name)
			if !ok {
				return usageError("no image is pinned for backend %q; expected a backend type or otelbench", name)
			}
			selected = append(selected, img)
		}
	}
	for _, img := range selected {
		res, err := containers.BuildImage(ctx, img, force, stderr)
		if err != nil {
			return fmt.Errorf("build %s: %w", img.Local, err)
		}
		fmt.Fprintf(stdout, "%s: %s\n", img.Local, res)
	}
	return nil
}

// reportCmd re-renders every format in a folder from its report.json.
func reportCmd(dir string, stdout io.Writer) error {
	if b, err := reports.ReadBench(filepath.Join(dir, "bench.json")); err == nil {
		// A sweep's folder: its ranking, judged again, and its files.
		paths, err := b.WriteFiles(dir)
		if err != nil {
			return err
		}
		if err := b.WriteText(stdout); err != nil {
			return err
		}
		for _, p := range paths {
			fmt.Fprintln(stdout, p)
		}
		return nil
	}
	pos := []string{dir}
	rep, err := reports.Read(filepath.Join(pos[0], "report.json"))
	if err != nil {
		return usageError("%v", err)
	}
	paths, err := rep.WriteFiles(pos[0])
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	return nil
}

// compareCmd compares two runs (or two sets of repeated runs) metric by metric and fails on a regression.
func compareCmd(tol float64, pos []string, stdout io.Writer) error {
	tolerance := &tol
	if *tolerance < 0 {
		return usageError("--tolerance %g: expected a fraction of 0 or more", *tolerance)
	}
	base, err := reports.ReadReports(pos[0])
	if err != nil {
		return usageError("BASE: %v", err)
	}
	next, err := reports.ReadReports(pos[1])
	if err != nil {
		return usageError("NEW: %v", err)
	}
	changes := reports.Compare(base, next, *tolerance)
	if err := reports.WriteChanges(stdout, changes); err != nil {
		return err
	}
	if r := reports.Regressions(changes); len(r) > 0 {
		return &exitError{code: exitFailed, err: fmt.Errorf("regression: %s", strings.Join(r, "; "))}
	}
	return nil
}

// benchOptions are bench's flags.
type benchOptions struct {
	out, images, objective string
	replicates             int
	verbose                bool
}

// benchCmd runs a sweep, prints the ranking, and writes its files. It exits 3 when a configuration sustained no
// rate or a replicate did not pass (each is in every format, with its cause).
func benchCmd(ctx context.Context, o benchOptions, file string, stdout, stderr io.Writer) error {
	policy := containers.ImagePolicy(o.images)
	switch policy {
	case containers.ImagesAuto, containers.ImagesOfficial, containers.ImagesLocal:
	default:
		return usageError("--images %q: expected auto, official or local", o.images)
	}
	if o.replicates < 0 || o.replicates > 100 {
		return usageError("--replicates %d: expected 1 to 100", o.replicates)
	}
	if o.objective != "" && !slices.Contains(reports.Objectives, reports.Objective(o.objective)) {
		return usageError("--objective %q: expected one of capacity, throughput, cost, bytes, export_p99, visibility_p99", o.objective)
	}
	sc, err := scenarios.Load(file)
	if err != nil {
		return scenarioError(err)
	}
	if sc.Sweep == nil {
		return usageError("%s has no sweep; expected sweep: {exporter: NAME, axes: {...}} (see docs/benchmarking.md)", file)
	}
	if o.objective != "" {
		sc.Sweep.Objective = o.objective
		if obj := reports.Objective(o.objective); obj.Searched() || obj == reports.ObjectiveThroughput {
			sc.Sweep.Rate = 0 // only the common-rate objectives use the file's sweep.rate
		}
	}
	if o.replicates > 0 {
		if need, why := reports.MinReplicates(sc.Sweep.Test, sc.Sweep.Alpha); o.replicates < need {
			fmt.Fprintf(stderr, "otelbench: warning: --replicates %d cannot tell configurations apart at alpha %g with %s (%s): every configuration will tie; use at least %d\n",
				o.replicates, sc.Sweep.Alpha, sc.Sweep.Test, why, need)
		}
	}
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) {}))
	opts := otelbench.BenchOptions{Options: otelbench.Options{Images: policy, Observer: nil}, Replicates: o.replicates}
	if o.verbose {
		opts.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	runs := 0
	opts.OnRun = func(ev otelbench.BenchEvent) {
		what := "run"
		if ev.Phase == reports.PhaseCapacity {
			what = "probe"
		}
		if ev.Report == nil {
			fmt.Fprintf(stderr, "%s [%d/%d] %s, replicate %d: %s at %.0f/s", time.Now().Format("15:04:05"), ev.Measurement+1, ev.Measurements,
				ev.Config, ev.Replicate, what, ev.RatePerS)
			return
		}
		if ev.Passed {
			fmt.Fprintln(stderr, ": pass")
		} else {
			fmt.Fprintf(stderr, ": fail (%s)\n", ev.Cause)
		}
		if o.out != "" && ev.Phase == reports.PhaseRate {
			runs++
			dir := filepath.Join(o.out, "runs", fmt.Sprintf("%03d", runs))
			if _, err := ev.Report.WriteFiles(dir); err != nil {
				fmt.Fprintf(stderr, "otelbench: %v\n", err)
			}
		}
	}
	b, runErr := otelbench.Bench(ctx, sc, opts)
	if b == nil {
		return runErr
	}
	if err := b.WriteText(stdout); err != nil {
		return err
	}
	if o.out != "" {
		paths, err := b.WriteFiles(o.out)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "bench: %s\n", strings.Join(paths, ", "))
	}
	if runErr != nil {
		return runErr
	}
	var failed []string
	for _, c := range b.Configurations {
		switch {
		case c.NoRate:
			failed = append(failed, fmt.Sprintf("%s sustained no rate (%s)", c.Config, c.Cause))
		case c.Failed > 0:
			failed = append(failed, fmt.Sprintf("%s: %d replicate(s) did not pass", c.Config, c.Failed))
		}
	}
	for _, r := range b.Replicates {
		if r.Phase == reports.PhaseRate && !r.Passed && r.Error == "" && r.Lost == 0 && b.Objective == reports.ObjectiveThroughput {
			failed = append(failed, fmt.Sprintf("%s replicate %d dropped %d in the SDK or fell behind its rate", r.Config, r.Replicate, r.DroppedInSDK))
		}
	}
	if len(failed) > 0 {
		return &exitError{code: exitFailed, err: errors.New(strings.Join(failed, "; "))}
	}
	return nil
}
