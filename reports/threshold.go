package reports

import (
	"math"

	"github.com/otelbench/otelbench/reports/threshold"
)

// Threshold is a condition on a row's numbers (package threshold has the language).
type Threshold = threshold.Threshold

// ParseThreshold parses src; its error says where in src and what was expected.
func ParseThreshold(src string) (Threshold, error) { return threshold.Parse(src) }

// ThresholdMetrics are the row numbers a threshold can name, each with what it means.
var ThresholdMetrics = threshold.Metrics

// appliesTo reports whether t says anything of row e: a threshold on sampling applies only to the rows of traces
// whose sampling was judged.
func appliesTo(t Threshold, e *Exporter) bool {
	return !t.Sampling() || e.Sampling != nil
}

var _ threshold.Row = (*Exporter)(nil)

// Metric is the row's number a threshold names (threshold.Metrics), 0 for one the row does not have.
func (e *Exporter) Metric(m string) float64 {
	switch m {
	case "sent":
		return float64(e.Sent)
	case "verified":
		return float64(e.Verified)
	case "lost":
		return float64(e.Lost)
	case "duplicated":
		return float64(e.Duplicated)
	case "altered":
		return float64(e.Altered)
	case "overflowed":
		return float64(e.Overflowed)
	case "dropped_in_sdk":
		return float64(e.DroppedInSDK)
	case "throughput":
		return e.ThroughputPerS
	case "target_rate":
		return e.TargetRatePerS
	case "achieved_rate":
		return e.AchievedRatePerS
	case "missed_slots":
		return float64(e.MissedSlots)
	case "export_calls":
		return float64(e.ExportCalls)
	case "export_failed_calls":
		return float64(e.ExportFailedCalls)
	case "export_failed_items":
		return float64(e.ExportFailedItems)
	case "bytes_sent":
		return float64(e.BytesSent)
	case "bytes_per_item":
		return e.BytesPerItem
	case "export_retries":
		if e.ExportRetries == nil {
			return 0
		}
		return float64(*e.ExportRetries)
	case "dropped_by_collector", "never_readable":
		return float64(e.LostByCause[m])
	}
	if f := e.Faults; f != nil {
		switch m {
		case "recovery_s":
			if f.RecoveryS < 0 {
				return math.Inf(1) // never recovered: no bound holds it
			}
			return f.RecoveryS
		case "readable_s":
			if f.ReadableS == nil || *f.ReadableS < 0 {
				return math.Inf(1) // never read back, or no item times (metrics): no bound holds it
			}
			return *f.ReadableS
		case "failed_calls_during_faults":
			return float64(f.FailedCalls)
		case "failed_items_during_faults":
			return float64(f.FailedItems)
		case "retries_during_faults":
			if f.Retries == nil {
				return 0
			}
			return float64(*f.Retries)
		case "lost_during_faults":
			if f.LostDuring == nil {
				return float64(e.Lost) // no item times (metrics): all of it, so that a gate never passes on a guess
			}
			return float64(*f.LostDuring)
		case "lost_outside_faults":
			if f.LostOutside == nil {
				return float64(e.Lost)
			}
			return float64(*f.LostOutside)
		}
	}
	if sm := e.Sampling; sm != nil {
		switch m {
		case "sampled_ratio":
			return sm.ObservedRatio
		case "expected_sampled_ratio":
			return sm.ExpectedRatio
		case "not_sampled":
			return float64(sm.NotSampled)
		case "unexpected_sampled":
			return float64(sm.Unexpected)
		}
	}
	if a := e.App; a != nil {
		switch m {
		case "requests":
			return float64(a.Requests)
		case "answered":
			return float64(a.Answered)
		case "http_failed":
			return float64(a.Failed)
		case "http_unexpected_status":
			return float64(a.UnexpectedStatus)
		case "not_sent":
			return float64(a.NotSent)
		}
	}
	return 0
}

// Percentile is a percentile (p50, p90, p99, max) of one of the row's latencies, in milliseconds: export_latency,
// visibility_latency, or http_latency (application rows; 0 on the others).
func (e *Exporter) Percentile(fn, of string) float64 {
	l := e.ExportLatencyMs
	switch {
	case of == "visibility_latency":
		l = e.VisibilityLatencyMs
	case of == "http_latency" && e.App != nil:
		l = e.App.LatencyMs
	case of == "http_latency":
		l = Latency{}
	}
	switch fn {
	case "p50":
		return l.P50
	case "p90":
		if l.P90 != nil {
			return *l.P90
		}
		return l.P99
	case "p99":
		return l.P99
	}
	return l.Max
}
