// Package otelbench runs a scenario end to end: it starts the scenario's backends, generates telemetry through
// the OpenTelemetry Go SDK's exporters at the scheduled rate, reads every item back from the backends, and
// returns a report. The CLI (cmd/otelbench) is a thin layer over Run; Go tests can call Run directly.
//
// This package is the public API only; the run itself, phase by phase, is package engine.
package otelbench

import (
	"context"

	"github.com/otelbench/otelbench/engine"
	"github.com/otelbench/otelbench/reports"
	"github.com/otelbench/otelbench/scenarios"
)

type (
	// Options tune a run. The zero value is usable.
	Options = engine.Options
	// BackendEndpoints says where a backend of a run can be reached, while Options.Hold runs.
	BackendEndpoints = engine.BackendEndpoints
	// Observer follows a run. Its methods are called from Run's goroutine and must not block.
	Observer = engine.Observer
	// Progress is a counter the observer may poll from any goroutine.
	Progress = engine.Progress
	// BenchOptions configure a sweep. Options go to every run (its RunID is made per run).
	BenchOptions = engine.BenchOptions
	// BenchEvent is one run of a sweep, as BenchOptions.OnRun sees it.
	BenchEvent = engine.BenchEvent
)

var (
	// ErrInterrupted is returned when the run's context is cancelled (Ctrl-C); backends are terminated anyway,
	// and the report returned with it holds what was measured until then (Report.Interrupted).
	ErrInterrupted = engine.ErrInterrupted
	// ErrNoScenario is returned by Run when it is given no scenario.
	ErrNoScenario = engine.ErrNoScenario
	// ErrLateStart is returned by Run when a shard with Options.StartAt was ready to send only after StartAt plus
	// Options.StartTolerance; it sent nothing.
	ErrLateStart = engine.ErrLateStart
)

// NewRunID returns a random run ID: 12 hex digits, short enough for container labels and terminals.
func NewRunID() string { return engine.NewRunID() }

// Run executes sc and returns its report. A scenario built in Go is validated first (sc.Validate, which also
// fills in its defaults); an invalid one is refused with scenarios.Errors and nothing starts. The report is
// complete when err is nil; report.Passed says whether every item was verified. When ctx is cancelled Run stops
// sending, and returns the report of what was measured so far, marked Interrupted, with ErrInterrupted. Every
// backend Run starts is terminated before it returns, whatever happens. A run whose backends would not fit in this
// machine's available memory is refused before anything starts, with scenarios.Errors placing the problem in the
// file.
func Run(ctx context.Context, sc *scenarios.Scenario, opts Options) (*reports.Report, error) {
	return engine.Run(ctx, sc, opts)
}

// Bench runs a scenario's sweep and ranks its configurations on the sweep's objective. Every configuration runs
// alone, in rounds of a random order (from the scenario's seed), so that a drift of the machine weighs on every
// configuration alike; see engine.Bench for how replicates and searches are made. Cancelling ctx stops after the
// run in progress: the result holds what was finished, marked interrupted, with ErrInterrupted.
func Bench(ctx context.Context, sc *scenarios.Scenario, opts BenchOptions) (*reports.Bench, error) {
	return engine.Bench(ctx, sc, opts)
}
