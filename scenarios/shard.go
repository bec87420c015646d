package scenarios

import "fmt"

// CheckShardable says why the scenario cannot run as shards of one run (otelbench run --shard), each problem
// placed where it stands, or nil. Shards share the system under test and start nothing: every backend must be
// external, applications under test are not split (each shard would start its own), a sink counts what every
// shard sent to it (no shard could tell its own items apart), and a sweep is a series of runs, not one.
func (sc *Scenario) CheckShardable() error {
	var errs Errors
	for i, b := range sc.Backends {
		switch {
		case b.Type == "sink":
			errs = append(errs, sc.ErrorAt(fmt.Sprintf("backends[%d]", i),
				"backend %q is a sink: it counts what every shard sends, so no shard can verify its own items; expected backends that are read back item by item (jaeger, zipkin, prometheus, victoriametrics, victorialogs, a collector with files_dir) for a sharded run", b.Name))
		case !b.IsExternal():
			errs = append(errs, sc.ErrorAt(fmt.Sprintf("backends[%d]", i),
				"backend %q would be started, but shards of one run share the system under test and start nothing; expected external: endpoints of a running %s (see docs/backends.md, \"Bring your own backend\")", b.Name, b.Type))
		}
	}
	for i, a := range sc.Apps {
		errs = append(errs, sc.ErrorAt(fmt.Sprintf("apps[%d]", i),
			"app %q: applications under test are not split into shards; expected a scenario without apps for a sharded run", a.Name))
	}
	if sc.Sweep != nil {
		errs = append(errs, sc.ErrorAt("sweep", "a sweep is a series of runs (otelbench bench), not one run to split; expected no sweep for a sharded run"))
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}
