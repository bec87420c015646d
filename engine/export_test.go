package engine

import (
	"time"

	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/reports"
	"github.com/otelbench/otelbench/scenarios"
)

// CheckMemory exposes checkMemory to the tests: whether sc's backends fit in available bytes.
func CheckMemory(sc *scenarios.Scenario, available int64) error {
	return checkMemory(sc, newPlan(sc, "spec", generators.Stripe{}), available) // a plan is data: nothing to release
}

// Behind exposes the rate rule of a row's verdict.
func Behind(target, achieved, tolerance float64) bool { return behind(target, achieved, tolerance) }

// AfterWarmup exposes a sweep's warm-up cut: the items per second a row delivered after warmup seconds.
func AfterWarmup(e *reports.Exporter, warmup float64) float64 { return afterWarmup(e, warmup) }

// Impact exposes what faults did to an exporter whose calls' outcomes are segs.
func Impact(segs []generators.Outcomes, windows []reports.FaultWindow, begin, end time.Time) *reports.FaultImpact {
	return impact(segs, windows, begin, end)
}
