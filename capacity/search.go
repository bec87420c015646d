// Package capacity finds the highest offered rate a sender sustains: the largest rate at which a probe (one run
// at that rate) passes, to within a stated precision. It knows nothing of what a probe does; otelbench bench and
// cmd/otelbench-bench both give it a probe that runs otelbench at a rate and says whether every item was
// delivered and verified.
//
// The search is a pure function of the probes so far (Next), so that it can be table-tested completely: it grows
// the rate geometrically while probes pass, shrinks it while they fail, then bisects (geometrically) between the
// highest pass and the lowest failure until they are within Precision of each other; then it probes the capacity
// found again (Confirmations), and a rate that fails once no longer counts as sustained.
package capacity

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// Search bounds and paces a search. The zero value is not usable: Start is required.
type Search struct {
	// Start is the first rate probed (items/s).
	Start float64
	// Min and Max bound the rates probed: a sender that fails at Min sustains nothing worth measuring; one that
	// passes at Max sustains at least Max (the result says so).
	Min, Max float64
	// Growth is the factor the rate grows by while probes pass and shrinks by while they fail (default 2).
	Growth float64
	// Precision: the search stops when the lowest failure is within this fraction above the highest pass
	// (default 0.05).
	Precision float64
	// Step rounds every rate probed down to a multiple of it (default 100 items/s).
	Step float64
	// MaxProbes bounds the search (default 16).
	MaxProbes int
	// Confirmations is how many more times the capacity found must pass before the search ends: near the
	// capacity a probe's outcome is a matter of chance, and one lucky pass would otherwise stand. A rate
	// counts as sustained only while every probe at it passed.
	Confirmations int
}

// Probe is one run at a rate, as the search sees it.
type Probe struct {
	Rate   float64 `json:"rate_per_s"`
	Passed bool    `json:"passed"`
	// Cause says why a probe failed ("dropped_in_sdk 1200", "export p99 812 ms > 500 ms", ...).
	Cause string `json:"cause,omitempty"`
}

// Result is a finished search.
type Result struct {
	// Capacity is the highest rate that passed, 0 when none did.
	Capacity float64 `json:"capacity_per_s"`
	// FailedAt is the lowest rate that failed above Capacity, 0 when none did (AtMax).
	FailedAt float64 `json:"failed_at_per_s,omitempty"`
	// AtMax: the sender passed at Search.Max, so its capacity is at least Max (censored).
	AtMax bool `json:"at_max,omitempty"`
	// Cause is the cause of the first failure at Min when nothing passed, else that of the failure bounding
	// the capacity.
	Cause  string  `json:"cause,omitempty"`
	Probes []Probe `json:"probes"`
}

// ErrNoRate is returned (with the Result) when the sender failed even at Search.Min.
var ErrNoRate = errors.New("sustains no rate")

func (s Search) withDefaults() Search {
	if s.Growth <= 1 {
		s.Growth = 2
	}
	if s.Precision <= 0 {
		s.Precision = 0.05
	}
	if s.Step <= 0 {
		s.Step = 100
	}
	if s.MaxProbes <= 0 {
		s.MaxProbes = 16
	}
	if s.Min <= 0 {
		s.Min = s.Step
	}
	if s.Max <= 0 {
		s.Max = math.Inf(1)
	}
	return s
}

// Validate says what is wrong with s, or nil.
func (s Search) Validate() error {
	switch {
	case s.Start <= 0:
		return fmt.Errorf("start %g: expected a rate above 0", s.Start)
	case s.Max > 0 && s.Min > s.Max:
		return fmt.Errorf("min %g is above max %g", s.Min, s.Max)
	case s.Precision < 0 || s.Precision >= 1:
		return fmt.Errorf("precision %g: expected a fraction between 0 and 1, e.g. 0.05", s.Precision)
	case s.Growth != 0 && s.Growth <= 1:
		return fmt.Errorf("growth %g: expected a factor above 1, e.g. 2", s.Growth)
	}
	return nil
}

// Next is the rate to probe after probes (in the order they ran), and done with the result when the search is
// over. It is a pure function.
func (s Search) Next(probes []Probe) (rate float64, done bool, res Result) {
	s = s.withDefaults()
	res.Probes = probes
	passes, fails := map[float64]int{}, map[float64]int{}
	for _, p := range probes {
		if p.Passed {
			passes[p.Rate]++
		} else {
			fails[p.Rate]++
		}
	}
	lo, hi := 0.0, 0.0 // highest rate at which every probe passed, lowest failure above it
	for r, n := range passes {
		if n > 0 && fails[r] == 0 {
			lo = math.Max(lo, r)
		}
	}
	var hiCause, minCause string
	failedAtMin := false
	for _, p := range probes {
		if !p.Passed && p.Rate > lo && (hi == 0 || p.Rate < hi) {
			hi, hiCause = p.Rate, p.Cause
		}
		if !p.Passed && p.Rate <= s.Min {
			failedAtMin, minCause = true, p.Cause
		}
	}
	res.Capacity, res.FailedAt, res.Cause = lo, hi, hiCause
	switch {
	case len(probes) == 0:
		return s.clamp(s.Start), false, res
	case lo == 0 && failedAtMin:
		res.Cause = minCause
		return 0, true, res // failed at the floor: nothing is sustained
	case len(probes) >= s.MaxProbes:
		res.AtMax = lo >= s.Max
		return 0, true, res
	case lo >= s.Max || (hi != 0 && hi <= lo*(1+s.Precision)):
		if passes[lo] < 1+s.Confirmations {
			return lo, false, res // confirm it
		}
		res.AtMax = lo >= s.Max
		return 0, true, res
	case hi == 0:
		return s.clamp(lo * s.Growth), false, res // still passing: grow
	case lo == 0:
		return s.clamp(math.Max(hi/s.Growth, s.Min)), false, res // still failing: shrink, down to Min
	}
	next := s.clamp(math.Sqrt(lo * hi)) // geometric midpoint: the same relative precision at any scale
	if next <= lo || next >= hi {
		if passes[lo] < 1+s.Confirmations {
			return lo, false, res
		}
		return 0, true, res // the step is coarser than what is left
	}
	return next, false, res
}

// clamp rounds r down to the step, within [Min, Max].
func (s Search) clamp(r float64) float64 {
	r = math.Min(math.Max(r, s.Min), s.Max)
	if stepped := math.Floor(r/s.Step) * s.Step; stepped >= s.Min {
		r = stepped
	}
	return r
}

// Run searches with probe until Next says it is done. A probe's error ends the search with the probes so far; a
// sender that fails at Min ends it with ErrNoRate (the result carries the cause).
func (s Search) Run(ctx context.Context, probe func(ctx context.Context, rate float64) (Probe, error)) (Result, error) {
	if err := s.Validate(); err != nil {
		return Result{}, err
	}
	var probes []Probe
	for {
		rate, done, res := s.Next(probes)
		if done {
			if res.Capacity == 0 {
				return res, fmt.Errorf("%w: failed at %.0f/s (%s)", ErrNoRate, s.withDefaults().Min, res.Cause)
			}
			return res, nil
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		p, err := probe(ctx, rate)
		p.Rate = rate
		if err != nil {
			return res, fmt.Errorf("probe at %.0f/s: %w", rate, err)
		}
		probes = append(probes, p)
	}
}
