package reports

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/otelbench/otelbench/verify/sampling"
)

// mergedProblems is how many examples of what went wrong a merged row keeps, from all shards.
const mergedProblems = 20

// rowKey identifies a row across the shards of a run.
type rowKey struct{ name, workload, backend, signal string }

func keyOf(e *Exporter) rowKey { return rowKey{e.Name, e.Workload, e.Backend, e.Signal} }

// mergeRows merges every shard's rows, row by row, in the first shard's order.
func mergeRows(shards []*Artifact) ([]Exporter, error) {
	var order []rowKey
	parts := map[rowKey][]shardRow{}
	for _, a := range shards {
		for i := range a.Report.Exporters {
			row := &a.Report.Exporters[i]
			k := keyOf(row)
			if _, ok := parts[k]; !ok {
				order = append(order, k)
			}
			parts[k] = append(parts[k], shardRow{shard: a, row: row})
		}
	}
	out := make([]Exporter, 0, len(order))
	for _, k := range order {
		if len(parts[k]) != len(shards) {
			return nil, fmt.Errorf("row %s/%s @ %s is in %d of %d shards: the shards did not run the same scenario", k.workload, k.name, k.backend, len(parts[k]), len(shards))
		}
		row, err := mergeRow(parts[k])
		if err != nil {
			return nil, fmt.Errorf("row %s/%s @ %s: %w", k.workload, k.name, k.backend, err)
		}
		out = append(out, row)
	}
	return out, nil
}

type shardRow struct {
	shard *Artifact
	row   *Exporter
}

// mergeRow is one row of a merged report: what one process sending every shard's items would have reported.
func mergeRow(parts []shardRow) (Exporter, error) {
	first := parts[0].row
	m := Exporter{Name: first.Name, Workload: first.Workload, Signal: first.Signal, Protocol: first.Protocol, Backend: first.Backend,
		Unit: first.Unit, RateUnit: first.RateUnit, VerifiedBy: first.VerifiedBy, WitnessScope: first.WitnessScope, Passed: true}
	var export, visibility, fromSchedule *hdrhistogram.Histogram
	anyFromSchedule := false
	var sampled []*Sampling
	for _, p := range parts {
		r, tag := p.row, "shard "+p.shard.Shard.String()+": "
		m.Emitted += r.Emitted
		m.Sent += r.Sent
		m.Verified += r.Verified
		m.Lost += r.Lost
		m.Duplicated += r.Duplicated
		m.Altered += r.Altered
		m.Erased += r.Erased
		m.Overflowed += r.Overflowed
		m.OverflowedSeriesCount += r.OverflowedSeriesCount
		m.DroppedInSDK += r.DroppedInSDK
		m.MissedSlots += r.MissedSlots
		m.ExportCalls += r.ExportCalls
		m.ExportFailedCalls += r.ExportFailedCalls
		m.ExportFailedItems += r.ExportFailedItems
		m.BytesSent += r.BytesSent
		m.NotSampled += r.NotSampled
		m.VerifyRounds = max(m.VerifyRounds, r.VerifyRounds)
		// The shards send at once: their rates add up.
		m.ThroughputPerS += r.ThroughputPerS
		m.TargetRatePerS += r.TargetRatePerS
		m.AchievedRatePerS += r.AchievedRatePerS
		m.Passed = m.Passed && r.Passed
		for _, s := range r.OverflowedSeries {
			if !slices.Contains(m.OverflowedSeries, s) && len(m.OverflowedSeries) < 10 {
				m.OverflowedSeries = append(m.OverflowedSeries, s)
			}
		}
		for _, c := range r.Causes {
			m.Causes = append(m.Causes, tag+c)
		}
		for _, pr := range r.Problems {
			if len(m.Problems) < mergedProblems {
				m.Problems = append(m.Problems, tag+pr)
			}
		}
		m.ExportErrors = addCounts(m.ExportErrors, r.ExportErrors)
		m.Changes = addCounts(m.Changes, r.Changes)
		m.LostByCause = addCounts(m.LostByCause, r.LostByCause)
		// A shared collector's counters cover every shard's items: each shard read the same ones.
		for k, v := range r.Witness {
			if m.Witness == nil {
				m.Witness = map[string]float64{}
			}
			m.Witness[k] = max(m.Witness[k], v)
		}
		if r.ExportRetries != nil {
			m.ExportRetries = addPtr(m.ExportRetries, *r.ExportRetries)
		}
		if r.HeldInSDKMax != nil {
			m.HeldInSDKMax = maxPtr(m.HeldInSDKMax, *r.HeldInSDKMax)
		}
		if r.CollectorQueueMax != nil {
			m.CollectorQueueMax = maxPtr(m.CollectorQueueMax, *r.CollectorQueueMax)
		}
		if err := mergeHDR(&export, r.ExportLatencyMs); err != nil {
			return m, fmt.Errorf("%sexport latency: %w", tag, err)
		}
		if err := mergeHDR(&visibility, r.VisibilityLatencyMs); err != nil {
			return m, fmt.Errorf("%svisibility latency: %w", tag, err)
		}
		if l := r.VisibilityFromScheduleMs; l != nil {
			anyFromSchedule = true
			if err := mergeHDR(&fromSchedule, *l); err != nil {
				return m, fmt.Errorf("%svisibility latency from schedule: %w", tag, err)
			}
		}
		if r.Sampling != nil {
			sampled = append(sampled, r.Sampling)
		}
		m.Instances = mergeInstances(m.Instances, r.Instances)
	}
	if m.Sent > 0 && m.BytesSent > 0 {
		m.BytesPerItem = round3(float64(m.BytesSent) / float64(m.Sent))
	}
	m.ExportLatencyMs = LatencyOfHDR(export, true)
	m.VisibilityLatencyMs = LatencyOfHDR(visibility, false)
	if anyFromSchedule {
		l := LatencyOfHDR(fromSchedule, true)
		m.VisibilityFromScheduleMs = &l
	}
	if len(sampled) == len(parts) {
		m.Sampling = mergeSampling(sampled)
	}
	m.Timeseries = mergeSeries(parts)
	return m, nil
}

// mergeHDR adds l's histogram into *h (the first one becomes *h). A latency with values and no histogram cannot
// be merged: its quantiles say nothing of the pooled distribution.
func mergeHDR(h **hdrhistogram.Histogram, l Latency) error {
	if l.HDR == "" {
		if l.Count > 0 {
			return fmt.Errorf("%d values without their histogram (an artifact of otelbench run --shard has it)", l.Count)
		}
		return nil
	}
	got, err := hdrhistogram.Decode([]byte(l.HDR))
	if err != nil {
		return fmt.Errorf("histogram: %w", err)
	}
	if *h == nil {
		*h = got
		return nil
	}
	if dropped := (*h).Merge(got); dropped > 0 {
		return fmt.Errorf("histogram: %d values out of range", dropped)
	}
	return nil
}

// LatencyOfHDR is the distribution of a histogram of microseconds, in milliseconds, with its histogram; tails adds
// p90 and p99.9 (visibility latency leaves them out).
func LatencyOfHDR(h *hdrhistogram.Histogram, tails bool) Latency {
	if h == nil || h.TotalCount() == 0 {
		return Latency{}
	}
	ms := func(v int64) float64 { return math.Round(float64(v)) / 1000 }
	l := Latency{P50: ms(h.ValueAtQuantile(50)), P99: ms(h.ValueAtQuantile(99)), Max: ms(h.Max()), Count: h.TotalCount()}
	if tails {
		p90, p999 := ms(h.ValueAtQuantile(90)), ms(h.ValueAtQuantile(99.9))
		l.P90, l.P999 = &p90, &p999
	}
	if b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase); err == nil {
		l.HDR = string(b)
	}
	return l
}

func addCounts[V int64 | float64](into, from map[string]V) map[string]V {
	if len(from) == 0 {
		return into
	}
	if into == nil {
		into = map[string]V{}
	}
	for k, v := range from {
		into[k] += v
	}
	return into
}

func addPtr(p *int64, v int64) *int64 {
	if p == nil {
		return &v
	}
	s := *p + v
	return &s
}

func maxPtr(p *int64, v int64) *int64 {
	if p == nil || v > *p {
		return &v
	}
	return p
}

// mergeInstances adds a shard's SDK pipelines to the merged ones, instance by instance. Their export latencies
// carry no histogram and are left out.
func mergeInstances(into, from []Instance) []Instance {
	for _, in := range from {
		i := slices.IndexFunc(into, func(x Instance) bool { return x.Instance == in.Instance })
		if i < 0 {
			into = append(into, Instance{Instance: in.Instance})
			i = len(into) - 1
		}
		m := &into[i]
		m.Sent += in.Sent
		m.DroppedInSDK += in.DroppedInSDK
		m.ThroughputPerS += in.ThroughputPerS
		m.ExportCalls += in.ExportCalls
		m.ExportFailedCalls += in.ExportFailedCalls
		m.ExportFailedItems += in.ExportFailedItems
		m.BytesSent += in.BytesSent
	}
	return into
}

// mergeSampling adds up what the shards' samplers did; the ratio check is redone on the pooled counts.
func mergeSampling(parts []*Sampling) *Sampling {
	m := *parts[0]
	m.Check = nil
	m.SampledParent, m.UnsampledParent, m.NoParent, m.PredictedKept, m.PredictedDropped, m.Either = 0, 0, 0, 0, 0, 0
	m.Kept, m.NotSampled, m.Unexpected, m.Violations = 0, 0, 0, 0
	var checked, kept, total int64
	var expected, confidence float64
	for _, s := range parts {
		m.SampledParent += s.SampledParent
		m.UnsampledParent += s.UnsampledParent
		m.NoParent += s.NoParent
		m.PredictedKept += s.PredictedKept
		m.PredictedDropped += s.PredictedDropped
		m.Either += s.Either
		m.Kept += s.Kept
		m.NotSampled += s.NotSampled
		m.Unexpected += s.Unexpected
		m.Violations += s.Violations
		if c := s.Check; c != nil {
			checked++
			kept += c.Kept
			total += c.Total
			expected += c.Expected * float64(c.Total)
			confidence = c.Confidence
		}
	}
	if requests := m.SampledParent + m.UnsampledParent + m.NoParent; requests > 0 {
		m.ObservedRatio = round3(float64(m.Kept) / float64(requests))
		m.ExpectedRatio = round3((float64(m.PredictedKept) + float64(m.Either)*m.Ratio) / float64(requests))
	}
	if checked == int64(len(parts)) && total > 0 {
		if c, err := sampling.CheckRatio(int(kept), int(total), expected/float64(total), confidence); err == nil {
			m.Check = &RatioCheck{Kept: kept, Total: total, Observed: c.Observed, Expected: c.Expected, Confidence: c.Confidence,
				Lo: c.Lo, Hi: c.Hi, Consistent: c.Consistent}
		}
	}
	return &m
}

// mergeSeries aligns the shards' per-second series by wall-clock second (each shard's t counts from its own start)
// and adds up their cumulative counters: at each second, every shard's latest sample at or before it.
func mergeSeries(parts []shardRow) *Timeseries {
	type sample struct {
		t                         float64
		emitted, exported, failed int64
	}
	var origin float64
	for i, p := range parts {
		s := float64(p.shard.Shard.Start.UnixNano()) / 1e9
		if i == 0 || s < origin {
			origin = s
		}
	}
	per := make([][]sample, len(parts))
	grid := map[float64]bool{}
	for i, p := range parts {
		ts := p.row.Timeseries
		if ts == nil {
			continue
		}
		off := float64(p.shard.Shard.Start.UnixNano())/1e9 - origin
		for j, t := range ts.T {
			at := math.Round(t + off)
			per[i] = append(per[i], sample{at, at2(ts.Emitted, j), at2(ts.Exported, j), at2(ts.Failed, j)})
			grid[at] = true
		}
	}
	if len(grid) == 0 {
		return nil
	}
	times := slices.Sorted(maps.Keys(grid))
	out := &Timeseries{T: times, Emitted: make([]int64, len(times)), Exported: make([]int64, len(times)), Failed: make([]int64, len(times))}
	for _, samples := range per {
		for g, t := range times {
			// The latest sample at or before t (counters are cumulative; before the first, zero).
			k := sort.Search(len(samples), func(i int) bool { return samples[i].t > t }) - 1
			if k < 0 {
				continue
			}
			out.Emitted[g] += samples[k].emitted
			out.Exported[g] += samples[k].exported
			out.Failed[g] += samples[k].failed
		}
	}
	return out
}

func at2(s []int64, i int) int64 {
	if i < len(s) {
		return s[i]
	}
	return 0
}
