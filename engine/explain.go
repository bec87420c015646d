package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/reports"
	"github.com/otelbench/otelbench/scenarios"
	"github.com/otelbench/otelbench/verify"
)

// maxCause bounds one cause's text: a cause quotes errors and log lines, which can be long.
const maxCause = 300

// explainer is what the explain phase can see to give a cause for every loss: the SDK's drops, failed exports,
// the collector's own counters and the error lines of the backends' logs. The backends are still running.
type explainer struct {
	ctx  context.Context
	live map[string]*liveBackend
	logs map[string][]string
	// sharing counts the streams that share each collector and signal: its counters are per collector, not per
	// stream.
	sharing map[string]int
	// interrupted says the run was cancelled: what failed then is not an error of otelbench's.
	interrupted bool
	// faults are the run's fault windows, from begin (the start of sending) until end (sending stopped).
	faults     []reports.FaultWindow
	begin, end time.Time
	// usage has what the started collectors' sending queues held.
	usage *usageSampler
}

// errorLines are the error lines of backend name's log (read once).
func (e *explainer) errorLines(name string) []string {
	if lines, ok := e.logs[name]; ok {
		return lines
	}
	var lines []string
	if lb := e.live[name]; lb != nil {
		lctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
		lines, _ = lb.ErrorLines(lctx, 2000) // enough for every request a collector dropped at a stop
		cancel()
	}
	e.logs[name] = lines
	return lines
}

// explain gives the report its rows, source by source (streams first, then applications), each failing one with
// its causes; it returns what went wrong in otelbench itself.
func (r *run) explain(ctx context.Context, interrupted bool) []error {
	e := &explainer{ctx: ctx, live: r.live, logs: map[string][]string{}, sharing: map[string]int{}, interrupted: interrupted,
		faults: reports.FaultWindows(r.rep.Faults), begin: r.faults.begin, end: r.sent, usage: r.usage}
	for _, s := range r.streams {
		e.sharing[s.backend+"|"+s.workload.Signal]++
	}
	r.rep.Passed = len(r.streams)+len(r.apps) > 0 && !interrupted
	var errs []error
	for _, s := range r.sources() {
		rows, serrs := s.rows(e)
		errs = append(errs, serrs...)
		for _, row := range rows {
			r.rep.Passed = r.rep.Passed && row.Passed
			r.rep.Exporters = append(r.rep.Exporters, row)
		}
	}
	return errs
}

// rows are the stream's lines in the report, one per check; a final flush that failed to export is the row's
// finding (its export errors and causes), not an error.
func (s *stream) rows(e *explainer) ([]reports.Exporter, []error) {
	var errs []error
	var exportErr *generators.ExportError
	if s.sendErr != nil && !e.interrupted && !errors.As(s.sendErr, &exportErr) {
		errs = append(errs, s.sendErr)
	}
	var rows []reports.Exporter
	for _, c := range s.checks {
		if c.err != nil {
			errs = append(errs, fmt.Errorf("verify %s at %s: %w", s.key, c.path, c.err))
		}
		row := s.row(c)
		if origin := e.live[s.backend]; origin != nil && origin.forwarder() {
			if n, ok := e.usage.queueHighWater(origin.name, collectorExporter(origin, e.live[pathEnd(c.path)], s.workload.Signal)); ok {
				row.CollectorQueueMax = &n
			}
		}
		if len(e.faults) > 0 && s.rec != nil {
			row.Faults = e.faultImpact(s.rec, c)
		}
		if !row.Passed {
			shared := e.sharing[s.backend+"|"+s.workload.Signal] > 1
			row.Causes = s.causes(c, &row, e.live, e.errorLines, shared)
			if origin := e.live[s.backend]; origin != nil && origin.forwarder() && !shared && row.LostByCause != nil {
				row.AttributeLoss("dropped_by_collector", collectorDrops(origin, e.live[pathEnd(c.path)], s.workload.Signal, e.errorLines(origin.name)))
			}
		}
		rows = append(rows, row)
	}
	return rows, errs
}

// faultImpact is what the run's faults did to the exporter measured by rec, read back at check c: its calls'
// failures and recovery, its retries, where its losses fall and why, and when what it sent into a fault was read.
func (e *explainer) faultImpact(rec *generators.Recorder, c *check) *reports.FaultImpact {
	f := impact(rec.Segments(), e.faults, e.begin, e.end)
	if rec.Attempts() > 0 {
		var total int64
		for i, w := range f.Windows {
			to := e.end
			if w.ToS >= 0 && w.RecoveryS >= 0 {
				to = e.begin.Add(seconds(w.ToS + w.RecoveryS))
			}
			n := rec.RetriesBetween(e.begin.Add(seconds(w.FromS)), to)
			f.Windows[i].Retries = &n
			total += n
		}
		f.Retries = &total
	}
	if c.lostDue != nil {
		f.SplitLoss(c.lostDue)
	}
	if c.foundDue != nil {
		f.Readable(func(from float64) (float64, bool) {
			t := c.firstFound(seconds(from))
			return t.Sub(e.begin).Seconds(), !t.IsZero()
		})
	}
	return f
}

// causes explains why row (stream s read back at c) failed.
func (s *stream) causes(c *check, row *reports.Exporter, live map[string]*liveBackend, errorLines func(string) []string, shared bool) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, clip(fmt.Sprintf(format, args...))) }
	what := unit(s.workload.Signal)
	if behind(row.TargetRatePerS, row.AchievedRatePerS, s.rateTolerance) {
		add("the sender fell behind its schedule: it emitted %.0f %s/s of the %.0f/s target, %.1f%% below (tolerance %.1f%%, verify.rate_tolerance); %d scheduled slots were not emitted",
			row.AchievedRatePerS, emitUnit(s.workload.Signal), row.TargetRatePerS, 100*(1-row.AchievedRatePerS/row.TargetRatePerS), 100*s.rateTolerance, row.MissedSlots)
	}
	if row.DroppedInSDK > 0 {
		add("%d %s were dropped in the SDK: the batch processor's queue (queue_size %d) was full, or still held them at shutdown",
			row.DroppedInSDK, what, s.exporter.QueueSize)
	}
	if row.OverflowedSeriesCount > 0 || row.Overflowed > 0 {
		limit := s.workload.Metrics.CardinalityLimit
		if limit == 0 {
			limit = verify.DefaultCardinalityLimit
		}
		add("the SDK's cardinality limit (%d attribute sets per instrument, metrics.cardinality_limit) folded %d series into its overflow series (otel.metric.overflow=true), %d data points: %s",
			limit, row.OverflowedSeriesCount, row.Overflowed, strings.Join(row.OverflowedSeries, ", "))
	}
	if row.ExportFailedCalls > 0 {
		msg, n := mostFrequent(row.ExportErrors)
		add("the exporter failed %d of %d export calls, carrying %d %s; the error (%d×): %s",
			row.ExportFailedCalls, row.ExportCalls, row.ExportFailedItems, what, n, msg)
	}
	origin := live[s.backend]
	end := pathEnd(c.path)
	if origin != nil && origin.forwarder() {
		out = append(out, collectorCauses(origin, live[end], s.workload.Signal, c.witness, errorLines(origin.name), shared)...)
	}
	if lb := live[end]; lb != nil && !lb.forwarder() {
		for _, line := range lastN(errorLines(end), 3) {
			add("%s log: %s", end, line)
		}
	}
	return out
}

// witnessWords are the signal names in the collector's counters (otelcol_exporter_sent_spans, ...).
var witnessWords = map[string]string{"traces": "spans", "metrics": "metric_points", "logs": "log_records"}

// collectorCauses reads the collector's counters for signal: what its receiver refused, what each exporter on the
// path failed to send or to enqueue, or silently sent less of than was accepted, each with the exporter's last
// error from the collector's log. downstream is the backend the path ends in (the collector itself for its file
// exporters); nil when unknown.
func collectorCauses(col, downstream *liveBackend, signal string, witness map[string]float64, logLines []string, shared bool) []string {
	word := witnessWords[signal]
	scope := ""
	if shared {
		scope = " (collector-wide: every stream through it counts)"
	}
	var out []string
	add := func(format string, args ...any) { out = append(out, clip(fmt.Sprintf(format, args...)+scope)) }
	var accepted, refused float64
	for k, v := range witness {
		switch {
		case strings.HasPrefix(k, "otelcol_receiver_accepted_"+word+"{"):
			accepted += v
		case strings.HasPrefix(k, "otelcol_receiver_refused_"+word+"{"):
			refused += v
		}
	}
	if refused > 0 {
		add("collector %q refused %s %s%s", col.name, count(refused), word, errorOf(logLines, "otlp"))
	}
	exporter := collectorExporter(col, downstream, signal)
	if items, times := shutdownDrops(col, logLines, exporter); items > 0 {
		add("collector %q dropped %s %s bound for %s from its sending queue when it shut down (%d× \"interrupted due to shutdown\" in its log): a queue in memory does not outlive a stop or restart; sending_queue: {persistent: true} keeps it on disk",
			col.name, count(float64(items)), word, cmp.Or(nameOf(downstream), exporter), times)
	}
	for _, k := range slices.Sorted(maps.Keys(witness)) {
		name, ok := componentOf(k, "otelcol_exporter_send_failed_"+word)
		if !ok || witness[k] == 0 || (exporter != "" && name != exporter) {
			continue
		}
		add("collector %q failed to forward %s %s to %s%s", col.name, count(witness[k]), word, cmp.Or(nameOf(downstream), name), errorOf(logLines, name))
	}
	for _, k := range slices.Sorted(maps.Keys(witness)) {
		name, ok := componentOf(k, "otelcol_exporter_enqueue_failed_"+word)
		if !ok || witness[k] == 0 || (exporter != "" && name != exporter) {
			continue
		}
		add("collector %q could not queue %s %s for %s: its sending queue was full", col.name, count(witness[k]), word, name)
	}
	if exporter != "" && len(out) == 0 && accepted > 0 {
		sent := witness["otelcol_exporter_sent_"+word+"{exporter="+exporter+"}"]
		if sent < accepted {
			add("collector %q accepted %s %s but its exporter %s sent %s and reported no failure%s",
				col.name, count(accepted), word, exporter, count(sent), errorOf(logLines, exporter))
		}
	}
	if len(out) == 0 {
		for _, line := range lastN(logLines, 3) {
			out = append(out, clip(fmt.Sprintf("%s log: %s", col.name, line)))
		}
	}
	return out
}

// collectorExporter is the ID of the exporter a collector otelbench started uses for signal toward downstream
// (its file exporter when downstream is the collector itself); "" for an external collector, whose exporters
// otelbench does not know.
func collectorExporter(col, downstream *liveBackend, signal string) string {
	if !col.started || downstream == nil {
		return ""
	}
	if downstream == col {
		if f, ok := col.Live.(interface {
			FileExporter(generators.Signal) string
		}); ok {
			return f.FileExporter(generators.Signal(signal))
		}
		return ""
	}
	if fw, ok := downstream.Live.(containers.Forwarded); ok {
		if id, _, _, ok := fw.ForwardExporter(generators.Signal(signal)); ok {
			return id
		}
	}
	return ""
}

func nameOf(b *liveBackend) string {
	if b == nil {
		return ""
	}
	return b.name
}

// droppedItems is the dropped_items field of a collector's "Dropping data." log line.
var droppedItems = regexp.MustCompile(`"dropped_items":\s*(\d+)`)

// shutdownDrops adds up what a collector's exporter (any, for "") dropped from its sending queue because the
// collector was shutting down: the exporter helper logs "Exporting failed. Dropping data." with the error
// "interrupted due to shutdown" for each request a queue in memory gave up at a stop. The counters that would say
// so die with the process; the container's log outlives its restarts.
func shutdownDrops(col *liveBackend, lines []string, exporter string) (items int64, times int) {
	if q := col.spec.Queue; q != nil && q.Persistent {
		return 0, 0 // its exporter logs "Dropping data." at a stop for what the persistent queue keeps for after the start
	}
	for _, line := range lines {
		if !strings.Contains(line, "Dropping data.") || !strings.Contains(line, "interrupted due to shutdown") ||
			exporter != "" && !strings.Contains(line, exporter) {
			continue
		}
		if m := droppedItems.FindStringSubmatch(line); m != nil {
			n, _ := strconv.ParseInt(m[1], 10, 64)
			items += n
			times++
		}
	}
	return items, times
}

// collectorDrops is what collector col said it dropped of signal on its way to downstream (see shutdownDrops).
func collectorDrops(col, downstream *liveBackend, signal string, logLines []string) int64 {
	items, _ := shutdownDrops(col, logLines, collectorExporter(col, downstream, signal))
	return items
}

// pathEnd is the backend a check's path ("collector->jaeger") ends in.
func pathEnd(path string) string {
	if i := strings.LastIndex(path, "->"); i >= 0 {
		return path[i+2:]
	}
	return path
}

// componentOf splits a witness key "family{exporter=name}" of family into name.
func componentOf(key, family string) (string, bool) {
	rest, ok := strings.CutPrefix(key, family+"{")
	if !ok {
		return "", false
	}
	_, name, _ := strings.Cut(strings.TrimSuffix(rest, "}"), "=")
	return name, true
}

// zapError is the error field of a zap log line (the collector's and Jaeger's log format).
var zapError = regexp.MustCompile(`"error":\s*"((?:[^"\\]|\\.)*)"`)

// errorOf is ": <error>" from the last log line that names component, or "".
func errorOf(lines []string, component string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		if !strings.Contains(lines[i], component) {
			continue
		}
		if m := zapError.FindStringSubmatch(lines[i]); m != nil {
			if s, err := strconv.Unquote(`"` + m[1] + `"`); err == nil {
				return ": " + s
			}
			return ": " + m[1]
		}
		return ": " + lines[i]
	}
	return ""
}

// mostFrequent is the message with the highest count (the first in order on ties).
func mostFrequent(errs map[string]int64) (string, int64) {
	var msg string
	var n int64
	for _, m := range slices.Sorted(maps.Keys(errs)) {
		if errs[m] > n {
			msg, n = m, errs[m]
		}
	}
	return msg, n
}

func lastN(lines []string, n int) []string {
	return lines[max(len(lines)-n, 0):]
}

// count formats a counter value with thousands separators ("149,243").
func count(v float64) string {
	s := strconv.FormatInt(int64(v), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func clip(s string) string {
	if len(s) <= maxCause {
		return s
	}
	return s[:maxCause-3] + "..."
}

// endpointsOf lists where each backend of the run can be reached: its receivers, by protocol and signal, and its
// own metrics.
func endpointsOf(sc *scenarios.Scenario, live map[string]*liveBackend) []BackendEndpoints {
	var out []BackendEndpoints
	for _, b := range sc.Backends {
		lb := live[b.Name]
		if lb == nil || lb.Live == nil {
			continue
		}
		urls := map[string]string{}
		for _, sig := range generators.Signals {
			for _, proto := range lb.kind.Describe().Receives[sig] {
				if proto == generators.Console {
					continue // one file per stream: "files" below names their folder
				}
				if ep, ok := lb.Endpoint(proto, sig, "stream"); ok && ep.Address != "" {
					key := strings.ReplaceAll(proto, "-", "_")
					if prev, dup := urls[key]; dup && prev != ep.Address+ep.URLPath {
						key += "_" + string(sig)
					}
					urls[key] = ep.Address + ep.URLPath
				}
			}
		}
		if m := lb.metricsURL(); m != "" {
			urls["metrics"] = m
		}
		if d, ok := lb.Live.(containers.Described); ok {
			for k, v := range d.Describe() {
				if v != "" {
					urls[k] = v
				}
			}
		}
		out = append(out, BackendEndpoints{Name: b.Name, Type: b.Type, External: b.IsExternal(), URLs: urls})
	}
	return out
}
