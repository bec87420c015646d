package engine

import "github.com/otelbench/otelbench/reports/live"

// liveRows reads every stream's counters as they are now, one row per check (Options.Live). Safe from any
// goroutine while the run sends and verifies, and after it: the counters are atomics and the recorder's lock.
// Applications' workloads have no exporter of otelbench's: their rows come with the report.
func (r *run) liveRows() []live.Row {
	out := make([]live.Row, 0, len(r.streams))
	for _, s := range r.streams {
		row := live.Row{Workload: s.workload.Name, Exporter: s.exporter.Name, Signal: s.workload.Signal}
		if s.emitted != nil {
			row.Emitted = int64(s.emitted()) * s.perSlot
		}
		if s.rec != nil {
			st := s.rec.Stats()
			row.Exported, row.ExportFailed, row.ExportCalls, row.ExportFailedCalls, row.BytesSent =
				st.Exported, st.Failed, st.Calls, st.FailedCalls, st.Bytes
			row.Latency.Counts, row.Latency.Count, row.Latency.Sum = s.rec.LatencyCounts(live.Bounds)
		}
		for _, c := range s.checks {
			row.Backend, row.Verified = c.path, c.verified.Load()
			out = append(out, row)
		}
	}
	return out
}
