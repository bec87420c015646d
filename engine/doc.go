// Package engine is a run of a scenario, as a sequence of named phases, each in a file of its own:
//
//	plan     (plan.go)     the scenario's topology as streams and application workloads, with their schedules
//	size     (memory.go)   refuse a run whose backends would not fit in this machine's memory
//	start    (backends.go, apps.go) the backends, then the applications under test
//	drive    (drive.go)    every source sends on its schedule while its checks read back
//	verify   (witness)     the collector's own counters, a second opinion on what passed through it
//	explain  (explain.go)  a cause for every loss
//	report   (run.go)      rows, thresholds, compatibility, resource use
//
// Bench (bench.go) repeats runs for a sweep. The root package otelbench is the public API over this one.
package engine
