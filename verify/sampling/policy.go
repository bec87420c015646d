package sampling

import (
	"fmt"
	"math"
	"slices"
)

// The samplers an application's SDK can be told to use, as OTEL_TRACES_SAMPLER names them.
const (
	AlwaysOn              = "always_on"
	AlwaysOff             = "always_off"
	TraceIDRatio          = "traceidratio"
	ParentBasedAlwaysOn   = "parentbased_always_on"
	ParentBasedAlwaysOff  = "parentbased_always_off"
	ParentBasedTraceRatio = "parentbased_traceidratio"
)

// Samplers are the sampler names a Policy knows, in the order the documentation lists them.
var Samplers = []string{AlwaysOn, AlwaysOff, TraceIDRatio, ParentBasedAlwaysOn, ParentBasedAlwaysOff, ParentBasedTraceRatio}

// Parent is what a request tells the application about its parent span.
type Parent int

const (
	// ParentSampled: a traceparent with the sampled flag (01).
	ParentSampled Parent = iota
	// ParentUnsampled: a traceparent without it (00).
	ParentUnsampled
	// ParentNone: no traceparent; the application starts a trace of its own, with a trace ID it chooses.
	ParentNone
)

func (p Parent) String() string {
	switch p {
	case ParentUnsampled:
		return "unsampled parent"
	case ParentNone:
		return "no parent"
	}
	return "sampled parent"
}

// Decision is what a sampler is expected to do with one request's trace.
type Decision int

const (
	// Keep: the trace must arrive; missing, it is lost.
	Keep Decision = iota
	// Drop: the trace must not arrive; missing, it is not sampled; arriving, it is unexpected.
	Drop
	// Either: a ratio sampler decides by a rule not known here (or on a trace ID the application chose), so only
	// the share kept over many requests can be checked against the ratio.
	Either
)

func (d Decision) String() string {
	switch d {
	case Drop:
		return "drop"
	case Either:
		return "either"
	}
	return "keep"
}

// Policy is an application's trace sampler as the scenario expects it: its name, its ratio (for the ratio
// samplers) and, when known, the rule its ratio sampler decides by; Rule "" means not known.
type Policy struct {
	Sampler string
	Ratio   float64
	Rule    Rule
}

// NewPolicy checks sampler, ratio and rule ("" for a rule not known).
func NewPolicy(sampler string, ratio float64, rule Rule) (Policy, error) {
	if !slices.Contains(Samplers, sampler) {
		return Policy{}, fmt.Errorf("sampler %q: expected one of %v", sampler, Samplers)
	}
	if math.IsNaN(ratio) || ratio < 0 || ratio > 1 {
		return Policy{}, fmt.Errorf("ratio %v: expected a number from 0 to 1", ratio)
	}
	if rule != "" && !slices.Contains(Rules, rule) {
		return Policy{}, fmt.Errorf("rule %q: expected one of %v", rule, Rules)
	}
	return Policy{Sampler: sampler, Ratio: ratio, Rule: rule}, nil
}

// ByRatio reports whether a request with this parent is decided by the policy's ratio (rather than by its parent
// or a constant): every request under traceidratio, those without a parent under parentbased_traceidratio.
func (p Policy) ByRatio(parent Parent) bool {
	switch p.Sampler {
	case TraceIDRatio:
		return true
	case ParentBasedTraceRatio:
		return parent == ParentNone
	}
	return false
}

// Expect is what the sampler does with a request whose traceparent carries trace id (ignored with ParentNone,
// where the application chooses the trace ID) and says parent.
func (p Policy) Expect(id [16]byte, parent Parent) Decision {
	if p.ByRatio(parent) {
		switch {
		case p.Ratio >= 1:
			return Keep
		case p.Ratio <= 0:
			return Drop
		case parent == ParentNone || p.Rule == "":
			return Either
		}
		if (Sampler{Rule: p.Rule, Ratio: p.Ratio}).Sampled(id) {
			return Keep
		}
		return Drop
	}
	switch p.Sampler {
	case AlwaysOn:
		return Keep
	case AlwaysOff:
		return Drop
	}
	// Parent-based, deciding by the parent, or by a constant root sampler when there is none.
	switch parent {
	case ParentSampled:
		return Keep
	case ParentUnsampled:
		return Drop
	}
	if p.Sampler == ParentBasedAlwaysOff {
		return Drop
	}
	return Keep
}

// String is "parentbased_traceidratio 0.5 (python rule)", "always_on".
func (p Policy) String() string {
	switch p.Sampler {
	case TraceIDRatio, ParentBasedTraceRatio:
		rule := "rule not known"
		if p.Rule != "" {
			rule = string(p.Rule) + " rule"
		}
		return fmt.Sprintf("%s %g (%s)", p.Sampler, p.Ratio, rule)
	}
	return p.Sampler
}

// Downstream is a sampler the application's traces pass after it: an OpenTelemetry Collector's probabilistic
// sampler. Rule is RuleConsistent in its proportional mode (the trace ID's randomness against the threshold), ""
// in its hash_seed mode (a seeded hash of the trace ID, not predicted here: only the share kept is checked).
type Downstream struct {
	Ratio float64
	Rule  Rule
}

// Expect is what the downstream sampler does with a trace the application kept: decided by the rule on id, or
// Either where only the ratio is known (or the trace ID is the app's own, with ParentNone).
func (d Downstream) Expect(id [16]byte, parent Parent) Decision {
	switch {
	case d.Ratio >= 1:
		return Keep
	case d.Ratio <= 0:
		return Drop
	case parent == ParentNone || d.Rule == "":
		return Either
	}
	if (Sampler{Rule: d.Rule, Ratio: d.Ratio}).Sampled(id) {
		return Keep
	}
	return Drop
}

// Then is the decision of an application's sampler followed by downstream (nil: none): dropped by either is
// dropped; kept by both is kept; otherwise only a ratio says.
func (d Decision) Then(down Decision) Decision {
	switch {
	case d == Drop || down == Drop:
		return Drop
	case d == Keep && down == Keep:
		return Keep
	}
	return Either
}

// Chance is the probability that a trace of decision d is kept, given the ratio that decides an Either.
func (d Decision) Chance(ratio float64) float64 {
	switch d {
	case Keep:
		return 1
	case Drop:
		return 0
	}
	return ratio
}
