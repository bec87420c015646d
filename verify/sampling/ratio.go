package sampling

import (
	"fmt"
	"math"

	"github.com/aclements/go-moremath/stats"
)

// RatioCheck is the test of an observed sampling ratio against the expected one, for a sampler whose rule is not
// known (a custom sampler, a collector's probabilistic or tail sampler): the Wilson score interval of the observed
// ratio at Confidence, and whether the expected ratio lies in it.
type RatioCheck struct {
	Kept, Total int
	Observed    float64
	Expected    float64
	Confidence  float64
	Lo, Hi      float64
	// Consistent: the expected ratio is inside the interval, so the observations do not contradict it. It is not a
	// proof that the sampler keeps exactly that ratio: with few traces the interval is wide (Lo and Hi say how wide).
	Consistent bool
}

// CheckRatio tests kept of total traces against the expected ratio at confidence (0.99, say).
func CheckRatio(kept, total int, expected, confidence float64) (RatioCheck, error) {
	switch {
	case total <= 0 || kept < 0 || kept > total:
		return RatioCheck{}, fmt.Errorf("kept %d of %d: expected 0 <= kept <= total and total > 0", kept, total)
	case math.IsNaN(expected) || expected < 0 || expected > 1:
		return RatioCheck{}, fmt.Errorf("expected ratio %v: expected a number from 0 to 1", expected)
	case !(confidence > 0 && confidence < 1):
		return RatioCheck{}, fmt.Errorf("confidence %v: expected a number between 0 and 1, e.g. 0.99", confidence)
	}
	n, p := float64(total), float64(kept)/float64(total)
	z := stats.StdNormal.InvCDF(1 - (1-confidence)/2)
	centre := (p + z*z/(2*n)) / (1 + z*z/n)
	half := z / (1 + z*z/n) * math.Sqrt(p*(1-p)/n+z*z/(4*n*n))
	lo, hi := math.Max(0, centre-half), math.Min(1, centre+half)
	if kept == 0 {
		lo = 0
	}
	if kept == total {
		hi = 1
	}
	return RatioCheck{Kept: kept, Total: total, Observed: p, Expected: expected, Confidence: confidence, Lo: lo, Hi: hi,
		Consistent: expected >= lo && expected <= hi}, nil
}
