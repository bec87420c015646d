// Package sampling predicts a head sampler's decision from the trace ID, for the samplers whose rule is known, so
// that verification can tell a trace the sampler was expected to drop ("not sampled") from one that was lost.
//
// otelbench chooses every trace ID it sends, so where the application's sampler decides from the trace ID alone
// (the OpenTelemetry SDKs' TraceIdRatioBased, and the specification's consistent probability sampling), the
// decision for each request is known before the request is sent.
package sampling

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// Rule is how a sampler turns a trace ID and a ratio into a decision.
type Rule string

const (
	// RuleGo is go.opentelemetry.io/otel/sdk/trace's TraceIDRatioBased: the trace ID's low 8 bytes, big-endian,
	// shifted right by one, below ratio × 2^63 (truncated).
	RuleGo Rule = "go"
	// RulePython is opentelemetry-sdk's (Python) TraceIdRatioBased: the trace ID's low 64 bits below
	// round(ratio × 2^64).
	RulePython Rule = "python"
	// RuleJava is opentelemetry-sdk-trace's (Java) TraceIdRatioBased (TraceIdRatioBasedSampler, checked against
	// 1.68.0): Math.abs of the trace ID's low 64 bits, big-endian, read as a signed long, below idUpperBound, which is
	// (long) (ratio × Long.MAX_VALUE) (that is, ratio × 2^63, truncated), Long.MIN_VALUE for a ratio of 0 and
	// Long.MAX_VALUE for 1. Its edges: Math.abs(Long.MIN_VALUE) is Long.MIN_VALUE, negative, so low bits
	// 0x8000000000000000 are kept at every ratio above 0; ratio 0 keeps nothing (nothing is below Long.MIN_VALUE);
	// ratio 1 drops the two low parts whose absolute value is Long.MAX_VALUE, 0x7fffffffffffffff and
	// 0x8000000000000001.
	RuleJava Rule = "java"
	// RuleConsistent is the specification's consistent probability sampling (tracestate "ot=th:"): the trace ID's
	// low 56 bits, its randomness, at or above the rejection threshold 2^56 - round(ratio × 2^56), checked against
	// the collector's implementation (pkg/sampling).
	RuleConsistent Rule = "consistent"
)

// Rules are the rules Predict knows, in the order the documentation lists them.
var Rules = []Rule{RuleGo, RulePython, RuleJava, RuleConsistent}

// maxThreshold is 2^56: the rejection threshold of a sampler that keeps nothing.
const maxThreshold = uint64(1) << 56

// Sampler is a known rule at a ratio in [0, 1].
type Sampler struct {
	Rule  Rule
	Ratio float64
}

// New checks rule and ratio.
func New(rule Rule, ratio float64) (Sampler, error) {
	if math.IsNaN(ratio) || ratio < 0 || ratio > 1 {
		return Sampler{}, fmt.Errorf("ratio %v: expected a number from 0 to 1", ratio)
	}
	if !slices.Contains(Rules, rule) {
		return Sampler{}, fmt.Errorf("rule %q: expected one of %v", rule, Rules)
	}
	return Sampler{Rule: rule, Ratio: ratio}, nil
}

// Sampled says whether the sampler keeps the trace with this ID.
func (s Sampler) Sampled(id [16]byte) bool {
	switch s.Rule {
	case RuleGo:
		if s.Ratio >= 1 {
			return true // the Go SDK returns AlwaysSample for a fraction of 1 or more
		}
		return binary.BigEndian.Uint64(id[8:16])>>1 < uint64(s.Ratio*(1<<63))
	case RulePython:
		if s.Ratio >= 1 {
			return true // the bound is 2^64: every 64-bit value is below it
		}
		return binary.BigEndian.Uint64(id[8:16]) < uint64(math.Round(s.Ratio*0x1p64))
	case RuleJava:
		x := int64(binary.BigEndian.Uint64(id[8:16]))
		if x < 0 {
			x = -x // wraps as Java's Math.abs does: math.MinInt64 stays negative
		}
		return x < javaBound(s.Ratio)
	case RuleConsistent:
		return randomness(id) >= Threshold(s.Ratio)
	}
	return true
}

// Threshold is the consistent sampler's rejection threshold for ratio: 2^56 - round(ratio × 2^56), so that a ratio
// of 1 rejects nothing and 0 rejects everything.
func Threshold(ratio float64) uint64 {
	switch {
	case ratio >= 1:
		return 0
	case ratio <= 0:
		return maxThreshold
	}
	// 2^56 less the kept share rounded, as the collector's pkg/sampling computes it at full precision: 1 - ratio
	// in floating point would round differently (0.1 gives th:e6666666666666, not ...67).
	return maxThreshold - uint64(math.Round(ratio*float64(maxThreshold)))
}

// javaBound is the Java SDK's idUpperBound for ratio: Long.MIN_VALUE for 0, Long.MAX_VALUE for 1, else
// (long) (ratio × Long.MAX_VALUE), where Long.MAX_VALUE as a double is 2^63 and the product is truncated toward zero.
func javaBound(ratio float64) int64 {
	switch {
	case ratio <= 0:
		return math.MinInt64
	case ratio >= 1:
		return math.MaxInt64
	}
	return int64(ratio * float64(math.MaxInt64)) // below 2^63 for any ratio below 1
}

// randomness is the trace ID's low 56 bits: W3C Trace Context level 2's random part.
func randomness(id [16]byte) uint64 {
	return binary.BigEndian.Uint64(id[8:16]) & (maxThreshold - 1)
}
