package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// target is one of the goals make bench checks, as a ratio measured side by side in one invocation (or a rate
// achieved at a fixed target).
type target struct {
	Name string `json:"name"`
	// Want is the goal in words; Min the ratio it needs (or the largest error allowed, for accuracy).
	Want     string  `json:"want"`
	Value    float64 `json:"value"`
	Measured string  `json:"measured"`
	Met      bool    `json:"met"`
	Missing  bool    `json:"missing,omitempty"`
	// sink, sender and rate say which run to profile when the target is missed.
	Sink      string  `json:"sink,omitempty"`
	Sender    string  `json:"sender,omitempty"`
	Rate      float64 `json:"rate,omitempty"`
	Instances int     `json:"instances,omitempty"`
}

func (t target) Verdict() string {
	switch {
	case t.Missing:
		return "not measured"
	case t.Met:
		return "met"
	}
	return "missed"
}

// targetWhy says, for a ratio target, what differs between its two senders, so that a reader can find the cause in
// the parts table of the profile below it. It states no figure: the figures are the tables'.
var targetWhy = map[string]string{
	"otelbench direct vs the raw OTLP sender, into the counting sink": `
The raw OTLP sender encodes one request once and sends the same bytes again; otelbench's direct pipeline builds
every span with its own IDs, then transforms and encodes every batch, as any exporter must. That work is the "OTLP
encoding" row and most of the "Go runtime" row (the allocation encoding does); the "otelbench" row is what otelbench
adds on top of it.`,
	"otelbench sdk vs the plain SDK loop, into the counting sink": `
Both senders run the same SDK and exporter: the "OpenTelemetry SDK", "OTLP encoding" and "network" rows, and most of
the "Go runtime" row, are work the plain loop does too; only the "otelbench" row (generation, pacing, accounting) is
otelbench's own. The two measure different things: the plain loop blocks when its queue is full and counts whatever
it delivered, while otelbench's rate counts only when a probe dropped nothing from a non-blocking queue, so the rate
searched is the highest without a drop (the rate searches table says what the lowest failing probe above it lost),
not the most the CPU can push.`,
	"otelbench sdk, every span read back, vs the plain SDK loop, into Jaeger": `
Here otelbench also reads every span back from Jaeger's query API (JSON over HTTP), which the plain loop never does:
the "reading back" row. The profile covers the whole run, so that row is mostly the read-back after sending ended
(the profile's duration is the sending and the read-back together); while sending, only a sample of traces is
watched.`,
}

// targets evaluates the goals on the measured medians.
func (r *results) targets() []target {
	ratioTarget := func(name, sink, num, den string, min float64) target {
		n, d := r.of(sink, num, delivered).median, r.of(sink, den, delivered).median
		t := target{Name: name, Want: fmt.Sprintf(">= %.2f", min), Sink: sink, Sender: num, Rate: r.Rates[sink+"/"+num],
			Instances: r.RefLoop[sink].Providers}
		if n == 0 || d == 0 {
			t.Missing = true
			return t
		}
		t.Value = n / d
		t.Met = t.Value >= min
		t.Measured = fmt.Sprintf("%s %.0f/s / %s %.0f/s = %.2f", num, n, den, d, t.Value)
		return t
	}
	out := []target{
		ratioTarget("otelbench direct vs the raw OTLP sender, into the counting sink", "sink", senderDirect, senderRaw, 0.70),
		ratioTarget("otelbench sdk vs the plain SDK loop, into the counting sink", "sink", senderSDK, senderPlain, 0.95),
		ratioTarget("otelbench sdk, every span read back, vs the plain SDK loop, into Jaeger", "jaeger", senderSDK, senderPlain, 0.90),
	}
	for _, a := range r.Accuracy {
		e := a.Achieved/a.Target - 1
		out = append(out, target{Name: fmt.Sprintf("rate accuracy at %.0f spans/s", a.Target), Want: "within 1%", Value: e,
			Measured: fmt.Sprintf("achieved %.1f/s, %+.2f%%", a.Achieved, 100*e), Met: e > -0.01 && e < 0.01,
			Sink: "sink", Sender: senderDirect, Rate: a.Target})
	}
	return out
}

// profile is otelbench's CPU profile of a run that missed a target: the top of it, and where all of its CPU went.
type profile struct {
	Top   string        `json:"top"`
	Parts []profilePart `json:"parts"`
}

// profilePart is a share of a profile's CPU time (the flat time of the functions that belong to it).
type profilePart struct {
	Part  string  `json:"part"`
	Share float64 `json:"share"`
}

// profileParts are the parts a profile's functions are put in: the first part with a prefix of the function's name.
var profileParts = []struct {
	name     string
	prefixes []string
}{
	{"OTLP encoding (the exporter's transform, protobuf)", []string{"go.opentelemetry.io/otel/exporters/otlp", "google.golang.org/protobuf"}},
	{"reading back (JSON decoding, HTTP client, verify, the backends' read clients)", []string{"encoding/json", "net/http", "github.com/otelbench/otelbench/verify", "github.com/otelbench/otelbench/containers"}},
	{"network (gRPC, HTTP/2, syscalls)", []string{"google.golang.org/grpc", "golang.org/x/net", "internal/runtime/syscall", "syscall", "internal/poll", "net."}},
	{"OpenTelemetry SDK and API (spans, attributes, batching)", []string{"go.opentelemetry.io/otel"}},
	{"otelbench (generation, pacing, accounting)", []string{"github.com/otelbench/otelbench"}},
	{"Go runtime (allocation, garbage collection, scheduling)", []string{"runtime.", "internal/runtime", "gcWriteBarrier", "aeshash", "memeqbody", "indexbyte", "sync.", "internal/sync", "sync/atomic"}},
}

// partsOf sums the flat shares of a full `go tool pprof -top` listing by part, largest first; functions of no
// part are "other".
func partsOf(top string) []profilePart {
	sums := map[string]float64{}
	header := false
	for line := range strings.Lines(top) {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "flat" && f[1] == "flat%" {
			header = true
			continue
		}
		if !header || len(f) < 6 || !strings.HasSuffix(f[1], "%") {
			continue
		}
		share, err := strconv.ParseFloat(strings.TrimSuffix(f[1], "%"), 64)
		if err != nil {
			continue
		}
		fn, part := strings.Join(f[5:], " "), "other"
	find:
		for _, p := range profileParts {
			for _, pre := range p.prefixes {
				if strings.HasPrefix(fn, pre) {
					part = p.name
					break find
				}
			}
		}
		sums[part] += share / 100
	}
	out := make([]profilePart, 0, len(sums))
	for part, share := range sums {
		out = append(out, profilePart{Part: part, Share: share})
	}
	slices.SortFunc(out, func(a, b profilePart) int {
		return cmp.Or(cmp.Compare(b.Share, a.Share), strings.Compare(a.Part, b.Part))
	})
	return out
}

// profiles runs otelbench once more, with a CPU profile, for each missed target, and keeps the top of it and the
// share of each part.
func profiles(ctx context.Context, cfg config, r *results) map[string]profile {
	out := map[string]profile{}
	for _, t := range r.Targets {
		if t.Met || t.Missing || t.Rate == 0 {
			continue
		}
		dir, err := os.MkdirTemp("", "otelbench-profile-")
		if err != nil {
			continue
		}
		path := filepath.Join(dir, "cpu.pprof")
		mode := strings.TrimPrefix(t.Sender, "otelbench ")
		if _, err := runOtelbench(ctx, cfg, t.Sink, mode, t.Rate, t.Instances, cfg.duration, path); err != nil {
			out[t.Name] = profile{Top: "profiling failed: " + err.Error()}
			_ = os.RemoveAll(dir)
			continue
		}
		top, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount=25", cfg.otelbench, path).Output()
		all, aerr := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount=100000", cfg.otelbench, path).Output()
		switch {
		case err != nil:
			out[t.Name] = profile{Top: "go tool pprof failed: " + err.Error()}
		case aerr != nil:
			out[t.Name] = profile{Top: strings.TrimSpace(string(top))}
		default:
			out[t.Name] = profile{Top: strings.TrimSpace(string(top)), Parts: partsOf(string(all))}
		}
		_ = os.RemoveAll(dir)
	}
	return out
}

// microDescriptions say what each micro-benchmark measures.
var microDescriptions = map[string]string{
	"BenchmarkSchedulePace":      "one pacing decision",
	"BenchmarkTraceID":           "deriving a trace ID",
	"BenchmarkEmitTrace":         "a 5-span trace through the SDK",
	"BenchmarkDirectTrace":       "the same trace built for the direct pipeline",
	"BenchmarkExportWrapper":     "otelbench's measurement around an export call",
	"BenchmarkLatencyRecord":     "one latency into the HDR histogram",
	"BenchmarkHTTPLoadRequest":   "one request of an app workload, loopback server included",
	"BenchmarkCompareTrace":      "verifying one trace read back",
	"BenchmarkCompareSpansBatch": "verifying a batch of spans read back",
}

// renderTo writes PERFORMANCE.md from r.
func (r *results) renderTo(path string) error {
	var buf bytes.Buffer
	funcs := template.FuncMap{
		"f0":    func(v float64) string { return fmt.Sprintf("%.0f", v) },
		"f2":    func(v float64) string { return fmt.Sprintf("%.2f", v) },
		"pct":   func(v float64) string { return fmt.Sprintf("%+.2f%%", 100*v) },
		"share": func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) },
		"why":   func(name string) string { return strings.TrimSpace(targetWhy[name]) },
		"failedAbove": func(key string, rate float64) string {
			var low *sample
			for i := range r.Probes {
				p := &r.Probes[i]
				if p.Sink+"/"+p.Sender == key && p.Cause != "" && p.Target > rate && (low == nil || p.Target < low.Target) {
					low = p
				}
			}
			if low == nil {
				return "-"
			}
			return fmt.Sprintf("%.0f/s: %s", low.Target, strings.ReplaceAll(low.Cause, "|", "\\|"))
		},
		"backends": func(m map[string]string) string {
			var out []string
			for _, k := range slices.Sorted(maps.Keys(m)) {
				out = append(out, k+" "+m[k])
			}
			return strings.Join(out, ", ")
		},
		"desc": func(name string) string { return microDescriptions[name] },
		"searchProbes": func(key string) int {
			n := 0
			for _, p := range r.Probes {
				if p.Sink+"/"+p.Sender == key {
					n++
				}
			}
			return n
		},
		"rel":   func(a accuracy) float64 { return a.Achieved/a.Target - 1 },
		"deliv": delivered,
	}
	t, err := template.New("page").Funcs(funcs).Parse(pageTemplate)
	if err != nil {
		return err
	}
	data := struct {
		R       *results
		Rows    []row
		Batch   int
		Queue   int
		Spans   int
		BatchTO time.Duration
		ExpTO   time.Duration
		Senders []string
	}{r, r.rows(), benchBatch, benchQueue, benchSpans, benchBatchTimeout, benchExportTimeout, senders}
	if err := t.Execute(&buf, data); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// pageTemplate is PERFORMANCE.md. Its prose states no figure of its own: every number comes from bench.json, and
// sentences point at the tables' rows.
const pageTemplate = `# Performance

<!-- Rendered by make bench (cmd/otelbench-bench) from reports/out/bench/bench.json. Do not edit by hand:
     change cmd/otelbench-bench/performance.go and run make bench (or bin/otelbench-bench render). -->

otelbench exists to benchmark exporters and backends, so its own cost must not be what a run measures. This page
is one ` + "`make bench`" + ` invocation: every ratio below is of senders measured side by side in it, each
against a fresh sink, and delivered spans are counted by the sink (` + "`otelcol_receiver_accepted_spans`" + `),
never taken from the sender.

## What was measured

- Commit: ` + "`{{.R.Environment.Commit}}`" + `{{if .R.Environment.Dirty}} with uncommitted changes{{end}}; started {{.R.Started}}{{if .R.Quick}}; **a --quick run: not for quoting**{{end}}{{if .R.Interrupted}}; **interrupted: incomplete**{{end}}
- Machine: {{.R.Environment.Machine}}; {{.R.Environment.GoVersion}}
- Backends (built locally by ` + "`make images`" + `): {{backends .R.Environment.Backends}}
- {{.R.Rounds}} rounds of {{.R.Duration}} per sender and sink, each sender once per round in random order, each run
  against a fresh sink; rate searches and the plain loop's calibration probe for {{.R.Probe}}.
- Trace settings, the same for every sender that has them: {{.Spans}}-span traces, OTLP gRPC, no compression,
  batches of {{.Batch}}, a queue of {{.Queue}}, a {{.BatchTO}} batch timeout, a {{.ExpTO}} export timeout with the
  SDK's retry bounded by it.

## How to reproduce

` + "```sh" + `
make run      # once: Docker engine and the backend images
make bench    # Go micro-benchmarks, then cmd/otelbench-bench; writes reports/out/bench/bench.json and this page
` + "```" + `

` + "`make bench BENCHFLAGS=--quick`" + ` runs one short round to try the harness; the page then says it is not for quoting.

## The senders

- **{{index .Senders 0}}** (` + "`cmd/otelbench-bench/raw.go`" + `): one request of {{.Batch}} spans with otelbench's span
  content, encoded once and sent again and again over several gRPC connections: the sink's physical limit.
- **{{index .Senders 1}}** (` + "`refloop.go`" + `): the same SDK, exporter settings and span content as otelbench, a
  *blocking* batch processor, goroutines building traces as fast as they go, no pacing, no verification. Its
  goroutines and SDK pipelines are calibrated per sink (the calibration table) and the best configuration runs.
- **{{index .Senders 2}}**: ` + "`otelbench run`" + ` at the highest rate it sustains (searched with the capacity package, as
  ` + "`otelbench bench`" + ` does): the full SDK pipeline, open loop, every item verified (read back from Jaeger; counted by the sink),
  with as many SDK instances (` + "`instances:`" + `, independent pipelines) as the plain loop's best configuration has providers.
- **{{index .Senders 3}}**: the same with ` + "`pipeline: direct`" + ` (pre-built batches handed to the exporter).
- **{{index .Senders 4}}** v0.161.0 at the highest rate at which the sink accepted every span it generated (searched the
  same way), with otelbench's batch size; its queue (2048) and batch timeout (1 s) are not settable.

## Throughput, side by side

"target/s" is the searched rate a paced sender ran at; "vs" columns are ratios of medians in this invocation.

| sink | sender | configuration | target/s | delivered/s median | min-max | claims/s | dropped (median) | CPU s per M delivered | peak RSS MB | vs raw | vs plain | vs telemetrygen |
|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|
{{range .Rows}}| {{.Sink}} | {{.Sender}} | ` + "`{{.Config}}`" + ` | {{.Target}} | {{f0 .Median}} | {{f0 .Min}}-{{f0 .Max}} | {{f0 .Claims}} | {{f0 .Dropped}} | {{f2 .CPU}} | {{f0 .RSS}} | {{.VsRaw}} | {{.VsPlain}} | {{.VsTelemetrygen}} |
{{end}}
## Targets

| target | goal | measured | verdict |
|---|---|---|---|
{{range .R.Targets}}| {{.Name}} | {{.Want}} | {{.Measured}} | **{{.Verdict}}** |
{{end}}
{{range $name, $prof := .R.Profiles}}
### Why "{{$name}}" was missed: otelbench's CPU profile of that run
{{with why $name}}
{{.}}
{{end}}{{if $prof.Parts}}
Where otelbench's CPU went in that run (each function's own time, by the part it belongs to):

| part | share of CPU |
|---|--:|
{{range $prof.Parts}}| {{.Part}} | {{share .Share}} |
{{end}}{{end}}
The top of the profile:

` + "```" + `
{{$prof.Top}}
` + "```" + `
{{end}}
## Rate accuracy

otelbench's direct pipeline into the counting sink at fixed targets, so that the pacer is what is measured.

| target/s | achieved/s | error | delivered/s | passed |
|--:|--:|--:|--:|---|
{{range .R.Accuracy}}| {{f0 .Target}} | {{printf "%.1f" .Achieved}} | {{pct (rel .)}} | {{f0 .Delivered}} | {{.Passed}} |
{{end}}
## Rate searches and calibration

Highest rate sustained (spans/s), from the searches' probes (every probe is in bench.json):

| sink/sender | rate/s | probes | the lowest failing probe above it |
|---|--:|--:|---|
{{range $k, $v := .R.Rates}}| {{$k}} | {{f0 $v}} | {{searchProbes $k}} | {{failedAbove $k $v}} |
{{end}}
The plain loop's calibration (each configuration once, {{.R.Probe}}):

| sink | configuration | delivered/s |
|---|---|--:|
{{range .R.Calibration}}| {{.Sink}} | ` + "`{{.Config}}`" + ` | {{f0 (deliv .)}} |
{{end}}
## Micro-benchmarks

The same invocation's ` + "`go test -bench . -benchmem`" + `, per operation:

| benchmark | ns/op | B/op | allocs/op | what |
|---|--:|--:|--:|---|
{{range .R.Micro}}| {{.Name}} | {{printf "%.2f" .NsPerOp}} | {{f0 .BytesPerOp}} | {{f0 .AllocsPerOp}} | {{desc .Name}} |
{{end}}
## What earlier profiles changed

Each of these came from a profile of ` + "`otelbench run --cpuprofile`" + `; the measurements that motivated them are in this
page's git history, and this page measures the result:

- read-back no longer competes with sending: while a stream sends, only a sample of traces is watched; every trace
  is checked once sending has ended, in batches;
- the pending set of traces is a queue taken in turns instead of being rebuilt every round;
- one emitter per core builds traces (` + "`DriveParallel`" + `), the pacer dispatching slots in order;
- the direct pipeline has one export worker per emitter;
- not changed yet: Jaeger's query API answers with ` + "`Connection: close`" + ` and JSON, so read-back dials anew for each
  query; its gRPC query API would remove both.

## Reading this page

Only ratios within this one invocation mean anything: on a shared 2-core machine the same sender's delivered rate
moves between invocations, which the min-max column of each row shows within this one. A target marked missed
comes with the CPU profile of the run that missed it.
`
