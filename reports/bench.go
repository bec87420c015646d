package reports

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/otelbench/otelbench/capacity"
)

// Bench is the outcome of a sweep (otelbench bench): every replicate of every configuration, each run alone,
// and the verdict on the objective the sweep ranks by.
type Bench struct {
	SchemaVersion int       `json:"schema_version"`
	Scenario      string    `json:"scenario"`
	Exporter      string    `json:"exporter"` // the swept exporter
	Started       time.Time `json:"started"`
	DurationS     float64   `json:"duration_s"`
	WarmupS       float64   `json:"warmup_s"`
	// Objective is what the configurations are ranked by (an older bench.json without one ranked throughput).
	Objective Objective `json:"objective"`
	// Test is how two configurations are compared (welch or mann-whitney), at significance level Alpha.
	Test  string  `json:"test"`
	Alpha float64 `json:"alpha"`
	// MinEffect is the smallest change against the best called significant (a fraction): a difference the test
	// is sure of but smaller than this matters to no one (Datadog's SMP uses an effect-size tolerance likewise).
	MinEffect float64 `json:"min_effect"`
	// CapacityDefinition says what "sustained" meant when capacities were searched; Resolution is the search's
	// precision (a fraction), the finest a capacity is known to.
	CapacityDefinition string  `json:"capacity_definition,omitempty"`
	Resolution         float64 `json:"resolution,omitempty"`
	// RatePerS is the common offered rate at which the objectives other than capacity were measured (0: each
	// workload's own rate).
	RatePerS float64 `json:"rate_per_s,omitempty"`
	// Control is the configuration run twice as an A/A control: its twin's replicates are named ControlName.
	Control string `json:"control,omitempty"`
	// NoiseFloor is the smallest relative difference this sweep calls: MinEffect, or the difference the A/A
	// control measured between two runs of one configuration, whichever is larger.
	NoiseFloor float64 `json:"noise_floor"`
	// ControlResult is the A/A comparison behind the noise floor.
	ControlResult *ControlResult `json:"control_result,omitempty"`
	// Environment records what was measured where.
	Environment *Environment `json:"environment,omitempty"`
	// Warnings are what a reader must know before trusting the ranking (a design that cannot reach
	// significance, replicates under contention, censored capacities, failed replicates).
	Warnings    []string `json:"warnings,omitempty"`
	Interrupted bool     `json:"interrupted,omitempty"`
	// Replicates are the runs (a capacity search each, when searched) in the order they ran.
	Replicates []Replicate `json:"replicates"`
	// Configurations are ranked, best first; configurations that share a Rank are a tie group.
	Configurations []ConfigResult `json:"configurations"`
	// Groups are the tie groups, best first.
	Groups []TieGroup `json:"groups"`
}

// Environment is where and what a sweep measured.
type Environment struct {
	Commit    string            `json:"commit,omitempty"`
	Dirty     bool              `json:"dirty,omitempty"`
	GoVersion string            `json:"go_version,omitempty"`
	Machine   string            `json:"machine,omitempty"`
	Backends  map[string]string `json:"backends,omitempty"` // type -> image
}

// ControlResult is the A/A control: one configuration run as two, compared like any pair.
type ControlResult struct {
	Config      string  `json:"config"`
	VsTwin      float64 `json:"vs_twin"` // the relative difference of the twin's centre to the original's
	P           float64 `json:"p"`
	Significant bool    `json:"significant"` // a false positive: the noise is larger than the test assumes
}

// ControlName is the name of the A/A control's twin of configuration c.
func ControlName(c string) string { return c + " (A/A twin)" }

// Replicate is one measurement of one configuration: a run at a rate, or a capacity search of several probes.
type Replicate struct {
	Config    string `json:"config"`
	Replicate int    `json:"replicate"` // 1-based, per configuration
	// Phase is PhaseCapacity for a capacity search, PhaseRate for a run at a rate.
	Phase string    `json:"phase"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Streams is how many streams the run sent: 1 per workload of the swept exporter, and nothing else, so the
	// configuration ran alone.
	Streams int `json:"streams"`
	// CapacityPerS is the highest offered rate the search found sustained (0 when it found none: Cause says
	// why); AtMax says the search stopped at its maximum, so the capacity is at least that. Probes are the
	// search's runs.
	CapacityPerS float64          `json:"capacity_per_s,omitempty"`
	AtMax        bool             `json:"at_max,omitempty"`
	Probes       []capacity.Probe `json:"probes,omitempty"`
	Cause        string           `json:"cause,omitempty"`
	// TargetPerS is the offered rate of a run at a rate (of the last passing probe of a search).
	TargetPerS float64 `json:"target_per_s,omitempty"`
	// ThroughputPerS is items delivered per second after the warm-up (exported successfully, and verified).
	ThroughputPerS   float64 `json:"throughput_per_s"`
	ExportP99Ms      float64 `json:"export_p99_ms"`
	VisibilityP99Ms  float64 `json:"visibility_p99_ms"`
	BytesPerItem     float64 `json:"bytes_per_item"`
	Sent             int64   `json:"sent"`
	Verified         int64   `json:"verified"`
	DroppedInSDK     int64   `json:"dropped_in_sdk"`
	ExportFailed     int64   `json:"export_failed_items"`
	Lost             int64   `json:"lost"`
	OtelbenchCPUPerM float64 `json:"otelbench_cpu_s_per_million"`
	BackendCPUPerM   float64 `json:"backend_cpu_s_per_million"`
	// OtherCPUCores is the CPU that neither otelbench nor its backends used while the replicate ran (cores, on
	// average), and StealPct the share the hypervisor stole; Contended when either was high enough to skew it.
	OtherCPUCores float64 `json:"other_cpu_cores"`
	StealPct      float64 `json:"steal_pct"`
	Contended     bool    `json:"contended,omitempty"`
	// Passed: a run at a rate verified every item, dropped nothing and held its rate; a search finished and found
	// a rate sustained (its Cause is then what failed above it).
	Passed bool   `json:"passed"`
	Error  string `json:"error,omitempty"`
}

// ConfigResult is a configuration's verdict on the objective: the median with an interval, how it compares with
// the best configuration, and its tie group.
type ConfigResult struct {
	Config string `json:"config"`
	// Rank is the tie group, 1 for the best: configurations of one group were not told apart from its leader.
	Rank   int    `json:"rank"`
	Leader string `json:"leader"`
	N      int    `json:"n"`
	// Median is the objective's median over the counted replicates, with an interval [Lo, Hi] that holds the
	// true median with probability Confidence (order statistics: no assumption on the distribution).
	Median     float64 `json:"median"`
	Lo         float64 `json:"ci_lo"`
	Hi         float64 `json:"ci_hi"`
	Confidence float64 `json:"confidence"`
	// VsBest is the change against the best configuration (a fraction; Welch: of geometric means, else of
	// medians), [RatioLo, RatioHi] the interval of the ratio at 1-alpha (Welch only), P the test's p-value.
	// Significant when P < alpha and the change is at least the noise floor.
	VsBest      float64 `json:"vs_best"`
	RatioLo     float64 `json:"ratio_lo,omitempty"`
	RatioHi     float64 `json:"ratio_hi,omitempty"`
	P           float64 `json:"p"`
	Significant bool    `json:"significant"`
	// Erratic: the replicates spread more than 10% of the median, so the figure means little.
	Erratic bool `json:"erratic"`
	// NoRate: no replicate sustained any rate (Cause says why); NotMeasured: no replicate counted at all (the
	// sweep was interrupted, or every replicate failed: Failed and Cause say so).
	NoRate      bool   `json:"no_rate,omitempty"`
	NotMeasured bool   `json:"not_measured,omitempty"`
	Cause       string `json:"cause,omitempty"`
	// The other figures' medians over the counted replicates, for reading beside the objective.
	MedianCapacity         float64 `json:"median_capacity_per_s,omitempty"`
	MedianThroughput       float64 `json:"median_throughput_per_s"`
	MedianExportP99Ms      float64 `json:"median_export_p99_ms"`
	MedianVisibilityP99Ms  float64 `json:"median_visibility_p99_ms"`
	MedianBytesPerItem     float64 `json:"median_bytes_per_item"`
	MedianOtelbenchCPUPerM float64 `json:"median_otelbench_cpu_s_per_million"`
	MedianBackendCPUPerM   float64 `json:"median_backend_cpu_s_per_million"`
	// Failed counts replicates that did not count (items not all verified, drops, the rate not held, an
	// error); Dropped is what all replicates dropped in the SDK; Contended the replicates run under contention.
	Failed    int   `json:"failed_replicates"`
	Dropped   int64 `json:"dropped_in_sdk"`
	Contended int   `json:"contended_replicates"`
	AtMax     int   `json:"at_max_replicates,omitempty"`
}

// TieGroup is configurations that were not told apart: each was compared with the group's leader (the best of
// those not yet grouped), and the difference was not significant or below the noise floor.
type TieGroup struct {
	Rank    int      `json:"rank"`
	Leader  string   `json:"leader"`
	Members []string `json:"members"`
}

// DefaultMinEffect is Bench.MinEffect unless set: 1% of the best configuration's figure.
const DefaultMinEffect = 0.01

// BenchSchemaVersion is bench.json's schema version: 2 added objectives, capacities, tie groups and the control.
const BenchSchemaVersion = 2

// The phases of a sweep: capacity searches, then (for the objectives measured at a common rate) runs at a rate.
const (
	PhaseCapacity = "capacity"
	PhaseRate     = "rate"
)

// ranked says whether replicate r belongs to the phase the objective is ranked on.
func (b *Bench) ranked(r Replicate) bool {
	return (r.Phase == PhaseCapacity) == b.Objective.Searched()
}

// counts says whether replicate r counts for the objective: a search that finished; a run at the workloads' own
// rate whose delivered items were all verified (drops in the SDK lower its throughput, which is what is ranked);
// a run at the common rate that passed outright (else its figures are not at that rate).
func (b *Bench) counts(r Replicate) bool {
	switch {
	case !b.ranked(r) || r.Error != "":
		return false
	case b.Objective.Searched():
		return r.Probes != nil
	case b.Objective == ObjectiveThroughput:
		return r.Lost == 0
	}
	return r.Passed
}

// sampleOf is configuration c's objective over its counted replicates, values above 0, sorted.
func (b *Bench) sampleOf(c string) []float64 {
	var out []float64
	for _, r := range b.Replicates {
		if r.Config == c && b.counts(r) {
			if v := b.Objective.value(r); v > 0 {
				out = append(out, v)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Judge ranks the configurations (names in the order they were defined) into tie groups, measures the noise
// floor from the A/A control, and lists what a reader must be warned of.
func (b *Bench) Judge(configs []string) {
	if b.MinEffect == 0 {
		b.MinEffect = DefaultMinEffect
	}
	if b.Objective == "" {
		b.Objective = ObjectiveThroughput
	}
	if b.Test == "" {
		b.Test = TestMannWhitney
		if b.Objective.Searched() {
			b.Test = TestWelch
		}
	}
	if b.Alpha == 0 {
		b.Alpha = 0.01
	}
	b.Configurations, b.Groups, b.Warnings, b.ControlResult = nil, nil, nil, nil
	o := b.Objective
	for _, c := range configs {
		r := ConfigResult{Config: c, P: 1}
		var tput, capa, p99, vis, bpi, ocpu, bcpu []float64
		for _, rep := range b.Replicates {
			if rep.Config != c || !b.ranked(rep) {
				continue
			}
			r.Dropped += rep.DroppedInSDK
			if rep.Contended {
				r.Contended++
			}
			if rep.AtMax {
				r.AtMax++
			}
			if !b.counts(rep) {
				r.Failed++
				if r.Cause == "" {
					r.Cause = cmp.Or(rep.Error, rep.Cause)
				}
				continue
			}
			if o.Searched() && rep.CapacityPerS == 0 {
				r.Cause = cmp.Or(r.Cause, rep.Cause)
			}
			capa = append(capa, rep.CapacityPerS)
			tput = append(tput, rep.ThroughputPerS)
			p99 = append(p99, rep.ExportP99Ms)
			vis = append(vis, rep.VisibilityP99Ms)
			bpi = append(bpi, rep.BytesPerItem)
			ocpu = append(ocpu, rep.OtelbenchCPUPerM)
			bcpu = append(bcpu, rep.BackendCPUPerM)
		}
		s := b.sampleOf(c)
		r.N = len(s)
		r.NoRate = r.N == 0 && len(capa) > 0 // searched, and found nothing sustained
		r.NotMeasured = r.N == 0 && len(capa) == 0
		if r.N > 0 {
			r.Median = roundSig(median(s))
			lo, hi, conf := medianInterval(s)
			r.Lo, r.Hi, r.Confidence = roundSig(lo), roundSig(hi), math.Round(conf*1000)/1000
			r.Erratic = r.Median > 0 && (s[len(s)-1]-s[0])/r.Median > 0.10
			r.Cause = ""
		}
		if o.Searched() {
			r.MedianCapacity = medianOf(capa)
		}
		r.MedianThroughput, r.MedianExportP99Ms, r.MedianVisibilityP99Ms = medianOf(tput), medianOf(p99), medianOf(vis)
		r.MedianBytesPerItem, r.MedianOtelbenchCPUPerM, r.MedianBackendCPUPerM = medianOf(bpi), medianOf(ocpu), medianOf(bcpu)
		if c == ControlName(b.Control) {
			continue // the twin is the noise floor's, not a configuration of its own
		}
		b.Configurations = append(b.Configurations, r)
	}
	b.judgeControl()
	better := func(x, y ConfigResult) int {
		switch {
		case x.NoRate || x.NotMeasured || y.NoRate || y.NotMeasured:
			return cmp.Compare(unranked(x), unranked(y))
		case x.Median == y.Median:
			return 0
		case (x.Median > y.Median) == o.HigherIsBetter():
			return -1
		}
		return 1
	}
	slices.SortStableFunc(b.Configurations, better)
	if len(b.Configurations) == 0 {
		return
	}
	// Every configuration against the best, for the "vs best" column.
	best := b.Configurations[0]
	for i := range b.Configurations {
		c := &b.Configurations[i]
		if unranked(*c) > 0 || unranked(best) > 0 || i == 0 {
			continue
		}
		cmpr, ok := b.compare(best.Config, c.Config)
		if !ok {
			continue
		}
		c.VsBest, c.P = math.Round((cmpr.ratio-1)*10000)/10000, cmpr.p
		if !math.IsNaN(cmpr.lo) {
			c.RatioLo, c.RatioHi = math.Round(cmpr.lo*10000)/10000, math.Round(cmpr.hi*10000)/10000
		}
		c.Significant = b.significant(cmpr)
	}
	// Tie groups, contiguous in the order of the figures: the best configuration not yet grouped leads a group,
	// which takes the configurations after it, in order, up to the first one told apart from the leader (that one
	// leads the next group). A group never holds a configuration ranked below one of a later group.
	rank := 0
	for i := 0; i < len(b.Configurations); {
		rank++
		leader := &b.Configurations[i]
		leader.Rank, leader.Leader = rank, leader.Config
		g := TieGroup{Rank: rank, Leader: leader.Config, Members: []string{leader.Config}}
		j := i + 1
		for ; j < len(b.Configurations); j++ {
			c := &b.Configurations[j]
			tied := unranked(*c) > 0 && unranked(*c) == unranked(*leader)
			if unranked(*c) == 0 && unranked(*leader) == 0 {
				cmpr, ok := b.compare(leader.Config, c.Config)
				tied = !ok || !b.significant(cmpr)
			}
			if !tied {
				break
			}
			c.Rank, c.Leader = rank, leader.Config
			g.Members = append(g.Members, c.Config)
		}
		b.Groups = append(b.Groups, g)
		i = j
	}
	slices.SortStableFunc(b.Configurations, func(x, y ConfigResult) int { return x.Rank - y.Rank })
	b.warn()
}

// compare tests configuration c against ref on the objective, oriented so that ratio > 1 means c's figure is
// the larger; ok is false when either side has too few values to compare.
func (b *Bench) compare(ref, c string) (comparison, bool) {
	x, y := b.sampleOf(ref), b.sampleOf(c)
	if len(x) < 2 || len(y) < 2 {
		return comparison{}, false
	}
	res := 0.0
	if b.Objective.Searched() {
		res = b.Resolution
	}
	return compare(b.Test, b.Alpha, res, x, y), true
}

func (b *Bench) significant(c comparison) bool {
	return c.p < b.Alpha && math.Abs(c.ratio-1) >= b.NoiseFloor
}

// judgeControl compares the A/A control with its twin and sets the noise floor.
func (b *Bench) judgeControl() {
	b.NoiseFloor = b.MinEffect
	if b.Control == "" {
		return
	}
	cmpr, ok := b.compare(b.Control, ControlName(b.Control))
	if !ok {
		return
	}
	diff := math.Abs(cmpr.ratio - 1)
	b.ControlResult = &ControlResult{Config: b.Control, VsTwin: math.Round((cmpr.ratio-1)*10000) / 10000, P: cmpr.p,
		Significant: cmpr.p < b.Alpha}
	b.NoiseFloor = math.Max(b.MinEffect, math.Ceil(diff*1000)/1000)
}

// warn lists what a reader must know before trusting the ranking.
func (b *Bench) warn() {
	minN := math.MaxInt
	for _, c := range b.Configurations {
		if unranked(c) == 0 {
			minN = min(minN, c.N)
		}
	}
	if need, why := MinReplicates(b.Test, b.Alpha); minN != math.MaxInt && minN < need {
		b.Warnings = append(b.Warnings, fmt.Sprintf("%d replicates cannot tell configurations apart at alpha %g with %s (%s): every configuration ties; run at least %d",
			minN, b.Alpha, b.Test, why, need))
	}
	if b.ControlResult != nil && b.ControlResult.Significant {
		b.Warnings = append(b.Warnings, fmt.Sprintf("the A/A control (%s run twice) differed significantly (p=%.3g): the noise is larger than the test assumes, so the noise floor was raised to %.1f%%",
			b.Control, b.ControlResult.P, 100*b.NoiseFloor))
	}
	var contended, failed, atMax int
	for _, r := range b.Replicates {
		if !b.ranked(r) {
			continue
		}
		if r.Contended {
			contended++
		}
		if !b.counts(r) {
			failed++
		}
		if r.AtMax {
			atMax++
		}
	}
	if contended > 0 {
		b.Warnings = append(b.Warnings, fmt.Sprintf("%d of %d replicates ran while other processes took CPU (or the hypervisor stole it): their figures may be low; see other_cpu_cores and steal_pct",
			contended, len(b.Replicates)))
	}
	if failed > 0 {
		what := "did not verify every item, dropped items in the SDK, fell behind their rate or failed"
		switch {
		case b.Objective.Searched():
			what = "ended with an error"
		case b.Objective == ObjectiveThroughput:
			what = "lost items after delivery or failed"
		}
		b.Warnings = append(b.Warnings, fmt.Sprintf("%d replicates %s: they are left out of the figures and counted in failed_replicates", failed, what))
	}
	if atMax > 0 {
		b.Warnings = append(b.Warnings, fmt.Sprintf("%d capacity searches passed at the search's maximum rate: those capacities are at least that, and configurations at it are tied by design; raise sweep.capacity.max", atMax))
	}
	for _, c := range b.Configurations {
		switch {
		case c.NoRate:
			b.Warnings = append(b.Warnings, fmt.Sprintf("configuration %s sustained no rate: %s", c.Config, c.Cause))
		case c.NotMeasured && c.Failed > 0:
			b.Warnings = append(b.Warnings, fmt.Sprintf("configuration %s was not measured: every replicate failed (%s)", c.Config, c.Cause))
		case c.NotMeasured:
			b.Warnings = append(b.Warnings, fmt.Sprintf("configuration %s was not measured (the sweep ended before it ran)", c.Config))
		}
	}
}

// unranked orders what has no figure after what has: 0 measured, 1 sustained no rate, 2 not measured.
func unranked(c ConfigResult) int {
	switch {
	case c.NotMeasured:
		return 2
	case c.NoRate:
		return 1
	}
	return 0
}

// Shortfall says in one line why row e did not pass: drops in the SDK, failed exports (with the most frequent
// error), loss after delivery, a rate not held, or its first problem; "" when it passed.
func (e *Exporter) Shortfall() string {
	if e.Passed {
		return ""
	}
	var parts []string
	if e.DroppedInSDK > 0 {
		parts = append(parts, fmt.Sprintf("%d dropped in the SDK queue", e.DroppedInSDK))
	}
	if e.ExportFailedItems > 0 {
		msg := fmt.Sprintf("%d failed to export", e.ExportFailedItems)
		if top := mostFrequent(e.ExportErrors); top != "" {
			if len(top) > 160 {
				top = top[:160] + "..."
			}
			msg += ": " + top
		}
		parts = append(parts, msg)
	}
	if n := e.LostByCause["dropped_by_collector"]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d dropped by a collector", n))
	}
	if n := e.LostByCause["never_readable"]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d exported but never readable", n))
	}
	if e.Duplicated+e.Altered > 0 {
		parts = append(parts, fmt.Sprintf("%d duplicated, %d altered", e.Duplicated, e.Altered))
	}
	if e.TargetRatePerS > 0 && e.AchievedRatePerS < e.TargetRatePerS*0.99 {
		parts = append(parts, fmt.Sprintf("offered %.0f/s of %.0f/s", e.AchievedRatePerS, e.TargetRatePerS))
	}
	if len(parts) == 0 && len(e.Problems) > 0 {
		parts = append(parts, e.Problems[0])
	}
	return strings.Join(parts, "; ")
}

// mostFrequent is the error counted most often (the first in order among equals).
func mostFrequent(errs map[string]int64) string {
	best, n := "", int64(-1)
	for e, c := range errs {
		if c > n || (c == n && e < best) {
			best, n = e, c
		}
	}
	return best
}

func medianOf(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	return math.Round(median(s)*1000) / 1000
}

// roundSig rounds v to 4 significant digits, enough for every objective's unit.
func roundSig(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow(10, 3-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// WriteFiles writes bench.json, bench.md, bench.txt (benchstat's format) and bench.html into dir.
func (b *Bench) WriteFiles(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for name, write := range map[string]func(io.Writer) error{
		"bench.json": b.WriteJSON, "bench.md": b.WriteMarkdown, "bench.txt": b.WriteBenchstat, "bench.html": b.WriteHTML,
	} {
		path := filepath.Join(dir, name)
		if err := writeFile(path, write); err != nil {
			return paths, fmt.Errorf("write %s: %w", path, err)
		}
		paths = append(paths, path)
	}
	slices.Sort(paths)
	return paths, nil
}

// WriteJSON writes b as indented JSON.
func (b *Bench) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}

// ReadBench reads a bench.json and judges it again (names in the order they first ran).
func ReadBench(path string) (*Bench, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var b Bench
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("not a bench.json: %w", err)
	}
	var names []string
	for _, r := range b.Replicates {
		if !slices.Contains(names, r.Config) {
			names = append(names, r.Config)
		}
	}
	b.Judge(names)
	return &b, nil
}
