package reports

import (
	"fmt"
	"math"
	"math/big"
	"slices"

	"github.com/aclements/go-moremath/stats"
	"golang.org/x/perf/benchmath"
)

// Objective is what a sweep ranks its configurations by.
type Objective string

// The objectives. Capacity is searched per configuration; the others are measured at one common rate that
// every configuration sustains.
const (
	// ObjectiveCapacity: the highest offered rate sustained (items/s), higher is better.
	ObjectiveCapacity Objective = "capacity"
	// ObjectiveThroughput: items delivered per second at the scenario's own rate, higher is better.
	ObjectiveThroughput Objective = "throughput"
	// ObjectiveCost: otelbench's and the backends' CPU seconds per million items delivered, lower is better.
	ObjectiveCost Objective = "cost"
	// ObjectiveBytes: bytes on the wire per item, lower is better.
	ObjectiveBytes Objective = "bytes"
	// ObjectiveExportP99: the 99th percentile of export calls' latency (ms), lower is better.
	ObjectiveExportP99 Objective = "export_p99"
	// ObjectiveVisibilityP99: the 99th percentile from emission to queryable in the backend (ms), lower is better.
	ObjectiveVisibilityP99 Objective = "visibility_p99"
)

// Objectives lists every objective, the default first.
var Objectives = []Objective{ObjectiveCapacity, ObjectiveThroughput, ObjectiveCost, ObjectiveBytes, ObjectiveExportP99, ObjectiveVisibilityP99}

// HigherIsBetter says which way o is ranked.
func (o Objective) HigherIsBetter() bool { return o == ObjectiveCapacity || o == ObjectiveThroughput }

// Unit is what o is measured in.
func (o Objective) Unit() string {
	switch o {
	case ObjectiveCapacity, ObjectiveThroughput:
		return "items/s"
	case ObjectiveCost:
		return "CPU s/M items"
	case ObjectiveBytes:
		return "B/item"
	}
	return "ms"
}

// Searched says whether o needs each configuration's capacity searched.
func (o Objective) Searched() bool { return o == ObjectiveCapacity }

// value is o's figure of replicate r.
func (o Objective) value(r Replicate) float64 {
	switch o {
	case ObjectiveCapacity:
		return r.CapacityPerS
	case ObjectiveThroughput:
		return r.ThroughputPerS
	case ObjectiveCost:
		return r.OtelbenchCPUPerM + r.BackendCPUPerM
	case ObjectiveBytes:
		return r.BytesPerItem
	case ObjectiveExportP99:
		return r.ExportP99Ms
	case ObjectiveVisibilityP99:
		return r.VisibilityP99Ms
	}
	return 0
}

// The tests a sweep may compare configurations with.
const (
	// TestWelch is Welch's t-test on the logarithms of the values: a test of the ratio of (geometric) means that
	// needs no equal variances and reaches significance with few replicates when the effect is large against
	// the spread. It assumes the logarithms are roughly normal.
	TestWelch = "welch"
	// TestMannWhitney is the Mann-Whitney U test (benchstat's): no assumption on the distribution, but with n
	// replicates a side its smallest two-sided p-value is 2/C(2n, n): 0.1 at n=3, 0.029 at n=4, 0.0079 at n=5.
	TestMannWhitney = "mann-whitney"
)

// Tests lists the tests, the default first.
var Tests = []string{TestWelch, TestMannWhitney}

// MinReplicates is the fewest replicates per configuration with which test can ever call a difference
// significant at alpha (two-sided, equal replicates a side), and why.
func MinReplicates(test string, alpha float64) (int, string) {
	if test == TestMannWhitney {
		for n := 2; n <= 100; n++ {
			p := minMannWhitneyP(n)
			if p < alpha {
				return n, fmt.Sprintf("the smallest p-value of a Mann-Whitney U test of %d runs against %d is %.3g, below alpha %g", n, n, p, alpha)
			}
		}
		return 101, "no number of replicates up to 100 reaches that alpha"
	}
	// Welch's test needs a variance on each side; with 2 replicates its degrees of freedom can fall to 1, where a
	// difference must be enormous against the spread to be called. 3 gives it a chance.
	return 3, "Welch's t-test needs a spread on each side, and with 2 replicates it calls only enormous differences"
}

// minMannWhitneyP is the smallest two-sided p-value of an exact Mann-Whitney U test of n against n: 2/C(2n, n).
func minMannWhitneyP(n int) float64 {
	c, _ := new(big.Float).SetInt(new(big.Int).Binomial(int64(2*n), int64(n))).Float64()
	return math.Min(1, 2/c)
}

// comparison is one configuration against another: the ratio of their centres, its interval, and a p-value.
type comparison struct {
	ratio, lo, hi, p float64
}

// compare tests b against a (b/a) with test at alpha; the interval is at 1-alpha. Both samples have values > 0.
// resolution is how finely a value is known (a fraction: a capacity found to within 5% could be anywhere in that
// step): the variance of each side's logarithms is at least that of a uniform error over the step, so that
// replicates that landed on the same step of a search are not read as a measurement without noise.
func compare(test string, alpha, resolution float64, a, b []float64) comparison {
	if test == TestMannWhitney {
		th := benchmath.Thresholds{CompareAlpha: alpha}
		cmp := benchmath.AssumeNothing.Compare(benchmath.NewSample(slices.Sorted(slices.Values(a)), &th),
			benchmath.NewSample(slices.Sorted(slices.Values(b)), &th))
		r := medianOfSorted(b) / medianOfSorted(a)
		return comparison{ratio: r, lo: math.NaN(), hi: math.NaN(), p: cmp.P}
	}
	la, lb := logs(a), logs(b)
	ma, mb := stats.Mean(la), stats.Mean(lb)
	d := mb - ma
	va, vb := stats.Variance(la), stats.Variance(lb)
	if resolution > 0 {
		step := math.Log1p(resolution)
		va, vb = math.Max(va, step*step/12), math.Max(vb, step*step/12)
	}
	se2 := va/float64(len(la)) + vb/float64(len(lb))
	if se2 == 0 || math.IsNaN(se2) {
		// No spread on either side (a deterministic figure such as bytes per item): any difference is real.
		p := 1.0
		if d != 0 {
			p = 0
		}
		return comparison{ratio: math.Exp(d), lo: math.Exp(d), hi: math.Exp(d), p: p}
	}
	// Welch's test from the two sides' means and (floored) variances.
	na, nb := float64(len(la)), float64(len(lb))
	dof := se2 * se2 / ((va/na)*(va/na)/(na-1) + (vb/nb)*(vb/nb)/(nb-1))
	dist := stats.TDist{V: dof}
	t := d / math.Sqrt(se2)
	p := 2 * (1 - dist.CDF(math.Abs(t)))
	half := stats.InvCDF(dist)(1-alpha/2) * math.Sqrt(se2)
	return comparison{ratio: math.Exp(d), lo: math.Exp(d - half), hi: math.Exp(d + half), p: p}
}

func logs(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Log(x)
	}
	return out
}

func medianOfSorted(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	return median(s)
}

// medianInterval is an interval for the median of v from its order statistics (distribution-free): the widest
// one, [min, max], holds the median with probability 1 - 2/2^n; narrower ones are taken while they keep at least
// 95%. It returns the bounds and the confidence they have.
func medianInterval(v []float64) (lo, hi, confidence float64) {
	s := slices.Sorted(slices.Values(v))
	n := len(s)
	if n == 0 {
		return 0, 0, 0
	}
	if n == 1 {
		return s[0], s[0], 0
	}
	k := 0 // drop k values at each end while the confidence stays at or above 0.95
	conf := coverage(n, 0)
	for k+1 < n/2 && coverage(n, k+1) >= 0.95 {
		k++
		conf = coverage(n, k)
	}
	return s[k], s[n-1-k], conf
}

// coverage is P(X_(k+1) <= median <= X_(n-k)) for n values of a continuous distribution: 1 - 2 P(Bin(n,1/2) <= k).
func coverage(n, k int) float64 {
	var tail float64
	for i := 0; i <= k; i++ {
		c, _ := new(big.Float).SetInt(new(big.Int).Binomial(int64(n), int64(i))).Float64()
		tail += c
	}
	return 1 - 2*tail/math.Pow(2, float64(n))
}
