// Package reports holds the result of a run (Report) and renders it: a table for humans, report.json for
// machines. Renderers take an io.Writer and never decide the exit code.
package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"
)

// SchemaVersion is the version of report.json's layout. Fields may be added within a version; none is removed or
// changes meaning.
const SchemaVersion = 1

// Report is the outcome of one run.
type Report struct {
	SchemaVersion int `json:"schema_version"`
	// Scenario is the scenario's name; File the path it was read from.
	Scenario string `json:"scenario"`
	File     string `json:"file,omitempty"`
	// RunID labels the run's containers and is mixed into every generated ID.
	RunID string `json:"run_id"`
	// Started is when sending began; DurationS is the whole run's wall time in seconds, backends included.
	Started   time.Time `json:"started"`
	DurationS float64   `json:"duration_s"`
	// Passed is true when every row passed (never for an interrupted run).
	Passed bool `json:"passed"`
	// Interrupted is true when the run was stopped before it finished (Ctrl-C, SIGTERM, a cancelled context): the
	// rows hold what was measured until then.
	Interrupted bool `json:"interrupted,omitempty"`
	// Exporters has one row per workload, exporter and backend path.
	Exporters []Exporter `json:"exporters"`
	// Thresholds are the scenario's thresholds, evaluated on each row they apply to; ThresholdsPassed is true
	// when every one held (and when there are none).
	Thresholds       []ThresholdResult `json:"thresholds,omitempty"`
	ThresholdsPassed bool              `json:"thresholds_passed"`
	// Backends is what each backend otelbench started used over the run (Docker's stats, sampled once a second),
	// and Otelbench what otelbench's own process used: what a configuration cost besides what it delivered.
	Backends  []BackendUsage `json:"backends,omitempty"`
	Otelbench *Usage         `json:"otelbench,omitempty"`
	// Compatibility lists, per signal, protocol and backend path, what the path changed or dropped in items
	// that still verified (see Exporter.Changes).
	Compatibility []Compatibility `json:"compatibility,omitempty"`
	// Faults is the timeline of the scenario's faults: what was done to which backend, when, and how long it took.
	Faults []FaultEvent `json:"faults,omitempty"`
	// Shard, in the report of one shard of a sharded run (otelbench run --shard), says which; Merged, in the report
	// otelbench merge wrote from every shard's artifact, says it is one.
	Shard  *Shard  `json:"shard,omitempty"`
	Merged *Merged `json:"merged,omitempty"`
}

// FaultEvent is one fault action carried out during a run.
type FaultEvent struct {
	// Fault is the index of the scenario's fault it belongs to (a fault with for is two actions).
	Fault   int    `json:"fault"`
	Backend string `json:"backend"`
	// Action is stop, start, restart, kill, pause or unpause.
	Action string `json:"action"`
	// AtS is when it was scheduled and StartedS when it began, in seconds from the start of sending; TookS how
	// long it took (a start includes waiting until the backend was ready again).
	AtS      float64 `json:"at_s"`
	StartedS float64 `json:"started_s"`
	TookS    float64 `json:"took_s"`
	// Error says why it could not be carried out; the run stopped there.
	Error string `json:"error,omitempty"`
}

// Usage is CPU time and peak memory.
type Usage struct {
	CPUSeconds   float64 `json:"cpu_seconds"`
	PeakMemoryMB float64 `json:"peak_memory_mb"`
}

// BackendUsage is one started backend's usage over the run.
type BackendUsage struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Usage
}

// ThresholdsBreached reports whether a threshold did not hold.
func (r *Report) ThresholdsBreached() bool {
	return slices.ContainsFunc(r.Thresholds, func(t ThresholdResult) bool { return !t.Passed })
}

// ThresholdResult is one threshold on one row.
type ThresholdResult struct {
	Expr     string `json:"expr"`
	Exporter string `json:"exporter"`
	Workload string `json:"workload"`
	Backend  string `json:"backend"`
	// Value is the threshold's left side on the row, in Unit, rounded to 3 decimals; -1 for a quantity that never
	// came (recovery_s, readable_s: +Inf in the comparison), and then Never is true.
	Value float64 `json:"value"`
	// Unit is Value's unit (threshold.Units): "ms" for a latency, "items", "items/s", "s", ...; empty for a ratio,
	// for a left side no unit can be said of, and in reports written before units were.
	Unit   string `json:"unit,omitempty"`
	Never  bool   `json:"never,omitempty"`
	Passed bool   `json:"passed"`
}

// Reading is the value as a user reads it: three significant digits below 100, whole numbers exactly, and the
// unit after it ("13.2 ms", "1200 items/s", "0.98"), or "never" for a quantity that never came.
func (t ThresholdResult) Reading() string {
	if t.Never {
		return "never"
	}
	v := t.Value
	if v == 0 {
		v = 0 // -0 reads as 0
	}
	s := strconv.FormatFloat(v, 'f', 0, 64)
	if v != math.Trunc(v) && math.Abs(v) < 100 {
		s = strconv.FormatFloat(v, 'g', 3, 64)
	}
	if t.Unit == "" {
		return s
	}
	return s + " " + t.Unit
}

// EvaluateThresholds evaluates every threshold on the rows it applies to (all rows when exporters is empty) and
// records the results in r.
func (r *Report) EvaluateThresholds(thresholds []Threshold, exporters [][]string) {
	r.Thresholds = nil
	r.ThresholdsPassed = true
	for i, t := range thresholds {
		applied := false
		for j := range r.Exporters {
			row := &r.Exporters[j]
			if len(exporters[i]) > 0 && !slices.Contains(exporters[i], row.Name) || !appliesTo(t, row) {
				continue
			}
			applied = true
			v, ok := t.Holds(row)
			never := math.IsInf(v, 0) || math.IsNaN(v)
			if never {
				v = -1 // a recovery that did not come: JSON has no infinity
			}
			r.Thresholds = append(r.Thresholds, ThresholdResult{Expr: t.Source, Exporter: row.Name, Workload: row.Workload,
				Backend: row.Backend, Value: math.Round(v*1000) / 1000, Unit: t.Unit(), Never: never, Passed: ok})
			r.ThresholdsPassed = r.ThresholdsPassed && ok
		}
		if !applied && t.Sampling() {
			// A gate on sampling with nothing to judge must not pass silently.
			r.Thresholds = append(r.Thresholds, ThresholdResult{Expr: t.Source, Exporter: "(no row with sampling)"})
			r.ThresholdsPassed = false
		}
	}
}

// Compatibility is one backend path's known changes to what was sent.
type Compatibility struct {
	// App names the application under test whose telemetry took the path; empty for otelbench's own exporters.
	App      string   `json:"app,omitempty"`
	Signal   string   `json:"signal"`
	Protocol string   `json:"protocol"`
	Backend  string   `json:"backend"`
	Changes  []string `json:"changes"`
	// Compared lists what was compared in every item and, where Changes says nothing of it, found unchanged.
	Compared []string `json:"compared"`
	// Verified is the number of items the changes were judged on: with none verified, an empty Changes says
	// nothing about the path.
	Verified int64 `json:"verified"`
	// Attributes (an app's traces) are the HTTP attribute names seen on its server spans, sorted, and Semconv
	// which HTTP semantic conventions they follow: "old", "stable", or "both" (spans carry both, or the rows of
	// the path disagree).
	Attributes []string `json:"attributes,omitempty"`
	Semconv    string   `json:"semconv,omitempty"`
}

// ComparedFields is what verification compares in each item of a signal (a count-verified path compares none
// of it, only the number of items).
var ComparedFields = map[string][]string{
	"traces":  {"trace and span IDs", "parent", "name", "attributes (every span)", "kind", "status", "event", "link (root spans)"},
	"metrics": {"series (stream, series attributes)", "final value (sum, last value, histogram count and sum)", "data points stored"},
	"logs":    {"body", "severity", "attributes", "trace_id", "span_id", "one copy per record"},
}

// AppComparedFields is what verification compares for each request answered by an application under test.
var AppComparedFields = map[string][]string{
	"traces":  {"server span in the request's trace", "parent: the request's span", "http method, route and status code"},
	"metrics": {"request count: increase of the app's counter equals requests answered"},
}

// CompatibilityOf gathers the changes of every row into one entry per signal, protocol and backend path (and per
// application under test, for its rows); paths that change nothing are listed with no changes, and with the
// items verified, so that a path where nothing was verified is not mistaken for one that changes nothing.
func CompatibilityOf(rows []Exporter) []Compatibility {
	var out []Compatibility
	index := map[string]int{}
	for _, r := range rows {
		key := r.Signal + "|" + r.Protocol + "|" + r.Backend
		if r.App != nil {
			key = "app|" + r.Name + "|" + key
		}
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, newCompatibility(&r))
		}
		out[i].Verified += r.Verified
		for c := range r.Changes {
			if !slices.Contains(out[i].Changes, c) {
				out[i].Changes = append(out[i].Changes, c)
			}
		}
		slices.Sort(out[i].Changes)
		if r.App != nil {
			out[i].addApp(r.App)
		}
	}
	return out
}

// newCompatibility is the entry of r's path, with nothing verified yet.
func newCompatibility(r *Exporter) Compatibility {
	c := Compatibility{Signal: r.Signal, Protocol: r.Protocol, Backend: r.Backend, Changes: []string{}, Compared: ComparedFields[r.Signal]}
	switch {
	case r.App != nil:
		c.App, c.Compared = r.Name, AppComparedFields[r.Signal]
	case r.VerifiedBy == "count":
		c.Compared = []string{"number of items accepted"}
	}
	return c
}

// addApp adds what an application row saw of its HTTP attributes to c.
func (c *Compatibility) addApp(a *App) {
	for name := range a.Attributes {
		if !slices.Contains(c.Attributes, name) {
			c.Attributes = append(c.Attributes, name)
		}
	}
	slices.Sort(c.Attributes)
	switch {
	case a.Semconv == "" || a.Semconv == c.Semconv:
	case c.Semconv == "":
		c.Semconv = a.Semconv
	default:
		c.Semconv = "both"
	}
}

// Exporter is one row: one workload sent through one exporter to one backend, and what was verified.
type Exporter struct {
	// Name is the exporter's name in the scenario; Workload the workload's.
	Name     string `json:"name"`
	Workload string `json:"workload"`
	// Signal is traces; Protocol is otlp-grpc or otlp-http; Backend names the path items took ("jaeger").
	Signal   string `json:"signal"`
	Protocol string `json:"protocol"`
	Backend  string `json:"backend"`
	// Items are spans (traces), data points (metrics) or log records (logs): Unit names them ("spans", "points",
	// "records"), and every count and throughput_per_s is in it. Rates of the schedule (target and achieved) are
	// in RateUnit: what the generator emits ("measurements/s" for metrics, else Unit per second).
	Unit     string `json:"unit,omitempty"`
	RateUnit string `json:"rate_unit,omitempty"`
	// Emitted is what the generator put into the SDK: spans, measurements or log records.
	Emitted int64 `json:"emitted"`
	// Sent is the number of items to verify: spans or records emitted, or for metrics the data points the
	// exporter carried (push) or served to scrapes (pull).
	Sent int64 `json:"sent"`
	// Verified items were read back from the backend exactly as sent.
	Verified int64 `json:"verified"`
	// Lost items were not found within the verification window (dropped_in_sdk ones included).
	Lost int64 `json:"lost"`
	// Duplicated counts extra copies found; Altered items were found but differ from what was sent.
	Duplicated int64 `json:"duplicated"`
	Altered    int64 `json:"altered"`
	// Overflowed (metrics) counts data points the SDK folded into its overflow series because an instrument had
	// more attribute sets than its cardinality limit, with those of the series that made incomplete;
	// OverflowedSeries names the first of those series ("counter g0-s1999") and OverflowedSeriesCount counts them.
	Overflowed            int64    `json:"overflowed"`
	OverflowedSeries      []string `json:"overflowed_series,omitempty"`
	OverflowedSeriesCount int64    `json:"overflowed_series_count,omitempty"`
	// DroppedInSDK items never reached the exporter (the batch processor's queue was full, or still held items
	// when shutdown gave up).
	DroppedInSDK int64 `json:"dropped_in_sdk"`
	// ThroughputPerS is items exported successfully per second, from the first emit to the end of the final
	// flush.
	ThroughputPerS float64 `json:"throughput_per_s"`
	// TargetRatePerS is the scheduled rate and AchievedRatePerS the rate items were emitted at, both over the
	// schedule's duration; MissedSlots counts scheduled traces that were not emitted.
	TargetRatePerS   float64 `json:"target_rate_per_s"`
	AchievedRatePerS float64 `json:"achieved_rate_per_s"`
	MissedSlots      uint64  `json:"missed_slots"`
	// ExportCalls is the number of export calls the SDK made, ExportFailedCalls of them failed (after retries),
	// carrying ExportFailedItems items. BytesSent is request bytes on the wire, compressed; BytesPerItem is
	// BytesSent per item the exporter carried.
	ExportCalls       int64   `json:"export_calls"`
	ExportFailedCalls int64   `json:"export_failed_calls"`
	ExportFailedItems int64   `json:"export_failed_items"`
	BytesSent         int64   `json:"bytes_sent"`
	BytesPerItem      float64 `json:"bytes_per_item"`
	// ExportLatencyMs is the duration of export calls.
	ExportLatencyMs Latency `json:"export_latency_ms"`
	// VisibilityLatencyMs is emit-to-queryable: from the end of a trace's root span to the first query that found
	// the whole trace. Its resolution is one query round (VerifyRounds over the run).
	VisibilityLatencyMs Latency `json:"visibility_latency_ms"`
	// VisibilityFromScheduleMs (traces) is emit-to-queryable measured from when each trace was due by the
	// schedule rather than when it was sent: a sender that fell behind shows here (coordinated omission).
	VisibilityFromScheduleMs *Latency `json:"visibility_from_schedule_ms,omitempty"`
	VerifyRounds             int64    `json:"verify_rounds"`
	// VerifiedBy is "item" when every item was read back and compared, "request" on an application's rows (each
	// request's telemetry, or its request count, was read back), "count" when the backend is a counting
	// sink and only the number of items it accepted was compared.
	VerifiedBy string `json:"verified_by,omitempty"`
	// Passed is true when verified == sent > 0 and nothing was lost, duplicated or altered.
	Passed bool `json:"passed"`
	// Causes explain a failing row with what the run saw: SDK drops, failed exports and their error, what a
	// collector on the path refused or failed to forward (with its error), and the last error lines of the
	// backends' logs. Empty for a row that passed.
	Causes []string `json:"causes,omitempty"`
	// ExportErrors maps export error messages to their counts; Problems are examples of what failed
	// verification.
	ExportErrors map[string]int64 `json:"export_errors,omitempty"`
	Problems     []string         `json:"problems,omitempty"`
	// Changes counts what the backend path changed or dropped in items that still verified (root spans are
	// compared field by field): "links dropped", "int attributes became strings", ...
	Changes map[string]int64 `json:"changes,omitempty"`
	// Witness is the collector's own view of the run (its otelcol_* counters) for rows through a collector.
	Witness map[string]float64 `json:"witness,omitempty"`
	// WitnessScope is "stream" when the row's stream was the only one through that collector, so the counters are
	// its own, and "collector-wide" when other streams went through it too.
	WitnessScope string `json:"witness_scope,omitempty"`
	// ScrapeCoverage (the prometheus exporter) says how Prometheus' scrapes covered the sending.
	ScrapeCoverage *ScrapeCoverage `json:"scrape_coverage,omitempty"`
	// NotSampled (an application's traces) counts the requests whose trace did not arrive because the app's
	// sampler was expected to drop it (or might, by a ratio): not lost, and not in Lost; for a workload's traces,
	// the spans of the traces otelbench's SDK sampled out. Sampling says more.
	NotSampled int64 `json:"not_sampled,omitempty"`
	// Sampling (traces) is what the sampler was expected to keep and what was kept: an application's, or the
	// sampler of a workload with sampling.
	Sampling *Sampling `json:"sampling,omitempty"`
	// LostByCause splits Lost by why each item is missing, adding up to it: dropped_in_sdk (the SDK's queue was
	// full or still held it at shutdown), export_failed (in an export call that failed, after retries),
	// dropped_by_collector (a collector on the path said it dropped them: its sending queue in memory at a stop;
	// only when no other stream shares that collector and signal), and never_readable (the backend acknowledged
	// it, or it went through a collector, and it was never found).
	LostByCause map[string]int64 `json:"lost_by_cause,omitempty"`
	// ExportRetries is how many requests the export calls made beyond their first (the SDK's retries), counted by
	// otelbench's transport (gRPC's stats handler, the HTTP round tripper); nil where it cannot count them.
	ExportRetries *int64 `json:"export_retries,omitempty"`
	// CollectorQueueMax (rows through a collector otelbench started) is the most requests the sending queue of the
	// collector's exporter on the row's path held, its otelcol_exporter_queue_size sampled once a second (not
	// while the collector was down); collector-wide when streams share it.
	CollectorQueueMax *int64 `json:"collector_queue_max,omitempty"`
	// HeldInSDKMax (traces and logs) is the most items the SDK held at once: emitted and not yet carried by an
	// export call (queued, in a call in progress, or dropped), polled every 50 ms, so a shorter peak can be missed.
	// The batch processor's queue high-water mark is at most this; with dropped_in_sdk above 0 it reached
	// queue_size.
	HeldInSDKMax *int64 `json:"held_in_sdk_max,omitempty"`
	// Erased counts the items the backend acknowledged and then lost with its memory store when a fault stopped,
	// restarted or killed it (Jaeger, Zipkin): they are not expected and not lost; Sent includes them.
	Erased int64 `json:"erased,omitempty"`
	// Faults is what the run's faults did to this row's exporter (rows of otelbench's own exporters, in a run with
	// faults).
	Faults *FaultImpact `json:"faults,omitempty"`
	// Timeseries is the stream's counters second by second while it sent and flushed (cumulative).
	Timeseries *Timeseries `json:"timeseries,omitempty"`
	// Instances, for an exporter with instances > 1, is the export side of each of its SDK pipelines; the row's
	// sent, dropped_in_sdk, export and byte counts are their sums.
	Instances []Instance `json:"instances,omitempty"`
	// App, on the row of an application under test (Name is the app's name, Workload the load driven at it), is
	// the HTTP side of the run as a load tester reports it. The row's items are then the requests the app
	// answered ("requests"): for traces, verified means the app's server span was found in the request's trace,
	// under the request's span, with the request's method, route and status; for metrics, the app's request
	// count rose by the requests it answered. Requests that got no answer count in App, not as telemetry loss.
	App *App `json:"app,omitempty"`
}

// App is the HTTP side of an application-under-test row: the requests otelbench sent and how the app answered.
type App struct {
	// Requests is the requests sent; Answered got an HTTP response (any status), Failed got none (connection
	// refused, timeout: Errors says which), and NotSent were due while MaxInFlight requests were still waiting
	// for their answers (the app fell too far behind: open loop, they are not sent late).
	Requests int64 `json:"requests"`
	Answered int64 `json:"answered"`
	Failed   int64 `json:"failed"`
	NotSent  int64 `json:"not_sent"`
	// Statuses counts answers by HTTP status code ("200"); UnexpectedStatus counts answers whose status is not
	// the one the scenario's request expects.
	Statuses         map[string]int64 `json:"statuses"`
	UnexpectedStatus int64            `json:"unexpected_status"`
	Errors           map[string]int64 `json:"errors,omitempty"`
	// LatencyMs is each request's latency from when it was due by the schedule to its answer (what a user
	// waited, coordinated omission included); ServiceTimeMs from when it was sent.
	LatencyMs     Latency `json:"latency_ms"`
	ServiceTimeMs Latency `json:"service_time_ms"`
	// SpansBelow (traces) counts the spans the app made below its server spans, in the traces verified.
	SpansBelow int64 `json:"spans_below,omitempty"`
	// Attributes (traces) counts the HTTP attribute names seen on the app's server spans: http.method and
	// http.status_code (the old semantic conventions) or http.request.method and http.response.status_code (the
	// stable ones), http.route, ... What the app's instrumentation sends.
	Attributes map[string]int64 `json:"attributes,omitempty"`
	// Semconv (traces) is "old", "stable" or "both": which HTTP semantic conventions the server spans follow.
	Semconv string `json:"semconv,omitempty"`
	// Metric (metrics) is the series whose increase was compared with the requests answered, and Counted that
	// increase.
	Metric  string  `json:"metric,omitempty"`
	Counted float64 `json:"counted,omitempty"`
}

// Sampling is an application's trace sampling as a run judged it. Every request answered is one of: verified
// (its trace arrived, as expected or as a sampler of unknown rule may keep it), not_sampled (its trace did not
// arrive, and the sampler was expected to drop it or might), lost (expected kept, missing), unexpected
// (expected dropped, arrived) or altered.
type Sampling struct {
	// Sampler, Ratio and Rule are the sampler expected: its OTEL_TRACES_SAMPLER name, its ratio (1 for the
	// samplers without one) and the rule its ratio decides by ("unknown": only the share kept is checked).
	Sampler string  `json:"sampler"`
	Ratio   float64 `json:"ratio"`
	Rule    string  `json:"rule"`
	// Downstream is a sampler after the app's on this path: "collector probabilistic_sampler 0.25 (proportional)".
	Downstream string `json:"downstream,omitempty"`
	// SampledParent, UnsampledParent and NoParent count the requests answered by the traceparent they carried
	// (flags 01, flags 00, none).
	SampledParent   int64 `json:"sampled_parent"`
	UnsampledParent int64 `json:"unsampled_parent"`
	NoParent        int64 `json:"no_parent"`
	// PredictedKept and PredictedDropped count the requests whose outcome was predicted one by one; Either those
	// only a ratio decides (a rule not known, or a trace ID the app chose), checked by their share (RatioCheck).
	PredictedKept    int64 `json:"predicted_kept"`
	PredictedDropped int64 `json:"predicted_dropped"`
	Either           int64 `json:"either"`
	// Kept counts the requests whose trace arrived, NotSampled those whose trace did not and was not expected to
	// (predicted dropped, or Either); Unexpected those predicted dropped that arrived, of which Violations were
	// sent under an unsampled parent.
	Kept       int64 `json:"kept"`
	NotSampled int64 `json:"not_sampled"`
	Unexpected int64 `json:"unexpected"`
	Violations int64 `json:"unsampled_parent_violations"`
	// ObservedRatio is Kept over the requests answered; ExpectedRatio what the sampler should keep of them (the
	// predicted kept, plus Either times the ratio).
	ObservedRatio float64 `json:"sampled_ratio"`
	ExpectedRatio float64 `json:"expected_sampled_ratio"`
	// Check tests the share of the Either requests kept against the ratio; nil when there were none.
	Check *RatioCheck `json:"ratio_check,omitempty"`
}

// RatioCheck is the share of traces a sampler kept tested against its ratio: the Wilson score interval of the
// observed share at Confidence, and whether the ratio lies inside it. Inside says the observations do not
// contradict the ratio; with few traces the interval is wide (Lo, Hi), so only a large departure is detected.
type RatioCheck struct {
	Kept       int64   `json:"kept"`
	Total      int64   `json:"total"`
	Observed   float64 `json:"observed"`
	Expected   float64 `json:"expected"`
	Confidence float64 `json:"confidence"`
	Lo         float64 `json:"lo"`
	Hi         float64 `json:"hi"`
	Consistent bool    `json:"consistent"`
}

// String is "0.48 kept of 120 (99% interval 0.37-0.60), expected 0.5: consistent".
func (c *RatioCheck) String() string {
	verdict := "consistent"
	if !c.Consistent {
		verdict = "outside the interval"
	}
	return fmt.Sprintf("%.3f kept of %d (%g%% interval %.3f-%.3f), expected %g: %s", c.Observed, c.Total, c.Confidence*100, c.Lo, c.Hi, c.Expected, verdict)
}

// String says in one line what the sampler was expected to do and did.
func (s *Sampling) String() string {
	out := s.Sampler
	if s.Sampler == "traceidratio" || s.Sampler == "parentbased_traceidratio" {
		out += fmt.Sprintf(" %g (%s rule)", s.Ratio, s.Rule)
	}
	if s.Downstream != "" {
		out += ", then " + s.Downstream
	}
	out += fmt.Sprintf(": kept %.3f (expected %.3f), %d not sampled", s.ObservedRatio, s.ExpectedRatio, s.NotSampled)
	if s.Unexpected > 0 {
		out += fmt.Sprintf(", %d unexpected", s.Unexpected)
		if s.Violations > 0 {
			out += fmt.Sprintf(" (%d under unsampled parents)", s.Violations)
		}
	}
	if s.Check != nil {
		out += "; " + s.Check.String()
	}
	return out
}

// ScrapeCoverage is how the scrapes of a pull stream covered its sending: how many came, the first one's time
// after sending began and the last one's after it ended (seconds; negative: before), and the measurements
// recorded after the last scrape, which no scrape saw.
type ScrapeCoverage struct {
	Scrapes          int     `json:"scrapes"`
	FirstAfterStartS float64 `json:"first_after_start_s"`
	LastAfterEndS    float64 `json:"last_after_end_s"`
	Measurements     uint64  `json:"measurements"`
	Unseen           uint64  `json:"unseen_measurements"`
}

// Timeseries holds a stream's cumulative counters, one sample a second: T seconds since sending began, items
// emitted into the SDK, and items in export calls that succeeded or failed.
type Timeseries struct {
	T        []float64 `json:"t"`
	Emitted  []int64   `json:"emitted"`
	Exported []int64   `json:"exported"`
	Failed   []int64   `json:"failed"`
}

// Causes is the order of LostByCause's keys, from the sender to the store; ItemCauses those a lost item is given
// one by one (FaultImpact.LostDuringByCause), where the last two are one: after_export.
var (
	Causes     = []string{"dropped_in_sdk", "export_failed", "dropped_by_collector", "never_readable"}
	ItemCauses = []string{"dropped_in_sdk", "export_failed", "after_export"}
)

// AttributeLoss moves up to n of the row's never_readable items to cause (a collector's own account of what it
// dropped), and returns how many it moved.
func (e *Exporter) AttributeLoss(cause string, n int64) int64 {
	n = min(n, e.LostByCause["never_readable"])
	if n <= 0 {
		return 0
	}
	e.LostByCause[cause] += n
	e.LostByCause["never_readable"] -= n
	return n
}

// LostByCause splits lost items by cause: at most dropped of them were dropped in the SDK, then at most failed
// were in failed exports, and the rest were never readable. The parts add up to lost.
func LostByCause(lost, dropped, failed int64) map[string]int64 {
	if lost <= 0 {
		return nil
	}
	d := min(max(dropped, 0), lost)
	f := min(max(failed, 0), lost-d)
	return map[string]int64{"dropped_in_sdk": d, "export_failed": f, "never_readable": lost - d - f}
}

// Instance is one SDK pipeline of an exporter with several instances: what it was handed and how its exports
// went. Items are not read back per instance.
type Instance struct {
	Instance int `json:"instance"`
	// Sent is the items handed to this pipeline; DroppedInSDK of them never reached its exporter.
	Sent              int64   `json:"sent"`
	DroppedInSDK      int64   `json:"dropped_in_sdk"`
	ThroughputPerS    float64 `json:"throughput_per_s"`
	ExportCalls       int64   `json:"export_calls"`
	ExportFailedCalls int64   `json:"export_failed_calls"`
	ExportFailedItems int64   `json:"export_failed_items"`
	BytesSent         int64   `json:"bytes_sent"`
	ExportLatencyMs   Latency `json:"export_latency_ms"`
}

// Latency is a distribution in milliseconds. P90 is left out of visibility latency.
type Latency struct {
	P50  float64  `json:"p50"`
	P90  *float64 `json:"p90,omitempty"`
	P99  float64  `json:"p99"`
	P999 *float64 `json:"p99_9,omitempty"`
	Max  float64  `json:"max"`
	// Count is how many values the distribution holds (export calls; traces timed).
	Count int64 `json:"count,omitempty"`
	// HDR, in the reports of a sharded run's shards and in merged reports, is the distribution itself: an
	// HdrHistogram of microseconds (1 µs to 10 min, 3 significant digits) in its V2 compressed encoding, base64,
	// which any HdrHistogram library decodes. Shards' histograms are merged, never their quantiles.
	HDR string `json:"hdr,omitempty"`
}

// LatencyOf is a distribution in milliseconds, from HDR histogram quantiles.
func LatencyOf(p50, p90, p99, p999, maxV time.Duration, count int64) Latency {
	p90ms, p999ms := Millis(p90), Millis(p999)
	return Latency{P50: Millis(p50), P90: &p90ms, P99: Millis(p99), P999: &p999ms, Max: Millis(maxV), Count: count}
}

// Millis converts d to milliseconds rounded to the microsecond.
func Millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

// WriteJSON writes r as indented JSON (the report.json format).
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
