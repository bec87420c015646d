package otelbench

import "github.com/otelbench/otelbench/scenarios"

// CheckMemory exposes checkMemory to the tests: whether sc's backends fit in available bytes.
func CheckMemory(sc *scenarios.Scenario, available int64) error {
	p, err := newPlan(sc, "spec")
	if err != nil {
		return err
	}
	defer p.close()
	return checkMemory(sc, p, available)
}

// Behind exposes the rate rule of a row's verdict.
func Behind(target, achieved, tolerance float64) bool { return behind(target, achieved, tolerance) }
