package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"time"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/all"
	"github.com/otelbench/otelbench/containers/collector"
	"github.com/otelbench/otelbench/containers/jaeger"
	"github.com/otelbench/otelbench/reports"
)

// sample is one sender's run against one fresh sink.
type sample struct {
	Sender string `json:"sender"`
	Sink   string `json:"sink"`
	Round  int    `json:"round,omitempty"`
	// Target is otelbench's scheduled rate (spans/s); Achieved the rate it emitted at.
	Target   float64 `json:"target_per_s,omitempty"`
	Achieved float64 `json:"achieved_per_s,omitempty"`
	// Delivered is what the sink accepted; Seconds how long the sender was given to send.
	Delivered int64   `json:"delivered"`
	Seconds   float64 `json:"seconds"`
	// Claimed is what the sender says it sent; Dropped what it knows it did not deliver (otelbench: SDK drops).
	Claimed int64 `json:"claimed"`
	Dropped int64 `json:"dropped"`
	// CPUSeconds and PeakRSSMB are the sender process's, from the kernel (rusage).
	CPUSeconds float64 `json:"cpu_seconds"`
	PeakRSSMB  float64 `json:"peak_rss_mb"`
	// Passed: otelbench verified everything (probes and measured runs); telemetrygen delivered every span it
	// generated, at the rate asked. Cause says why not.
	Passed bool   `json:"passed,omitempty"`
	Cause  string `json:"cause,omitempty"`
	// Ref is the plain loop's configuration; Config describes any other sender's settings.
	Ref    refConfig `json:"ref,omitzero"`
	Config string    `json:"config,omitempty"`
}

// refConfig is a configuration of the plain SDK loop.
type refConfig struct {
	Goroutines int `json:"goroutines"`
	Providers  int `json:"providers"`
}

func (r refConfig) String() string {
	return fmt.Sprintf("goroutines=%d,providers=%d", r.Goroutines, r.Providers)
}

// sinkHandle is a fresh sink: where to send, how to count what it accepted, how to query it.
type sinkHandle struct {
	otlp, metrics, query string
	stop                 func()
}

func startSink(ctx context.Context, kind string) (*sinkHandle, error) {
	backend := map[string]string{"jaeger": "jaeger", "sink": "collector"}[kind]
	img, ok := all.ImageFor(backend)
	if !ok {
		return nil, fmt.Errorf("unknown sink %q; expected jaeger or sink", kind)
	}
	ref, err := containers.ResolveImage(ctx, img, containers.ImagesAuto)
	if err != nil {
		return nil, err
	}
	runID := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	stop := func(b containers.Backend) func() {
		return func() {
			tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			_ = b.Terminate(tctx)
		}
	}
	if kind == "jaeger" {
		j, err := jaeger.Run(ctx, ref, jaeger.Config{RunID: runID, MaxTraces: 2_000_000})
		if err != nil {
			stop(j)()
			return nil, err
		}
		return &sinkHandle{otlp: j.OTLPGRPCEndpoint(), metrics: j.MetricsURL(), query: j.QueryURL(), stop: stop(j)}, nil
	}
	c, err := collector.Run(ctx, ref, collector.Config{RunID: runID, Sink: true})
	if err != nil {
		stop(c)()
		return nil, err
	}
	return &sinkHandle{otlp: c.OTLPGRPCEndpoint(), metrics: c.MetricsURL(), stop: stop(c)}, nil
}

// accepted is what the sink's receivers accepted, read until it stops growing (the sink may still be taking the
// last batches in). A count that cannot be read, or that is still growing after 30 reads, is an error: the
// sample would be wrong.
func (h *sinkHandle) accepted(ctx context.Context) (int64, error) {
	return settledCount(ctx, collector.Accepted(h.metrics, "traces"), 30, 500*time.Millisecond)
}

// settledCount reads count every interval until two reads agree, at most reads times.
func settledCount(ctx context.Context, count func(context.Context) (int64, error), reads int, interval time.Duration) (int64, error) {
	last := int64(-1)
	for range reads {
		n, err := count(ctx)
		if err != nil {
			return 0, err
		}
		if n == last {
			return n, nil
		}
		last = n
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(interval):
		}
	}
	return last, fmt.Errorf("the sink's count was still growing after %d reads (last %d)", reads, last)
}

// runPlain runs the plain SDK loop in configuration rc for d against a fresh sink of kind.
func runPlain(ctx context.Context, cfg config, sink string, rc refConfig, d time.Duration) (sample, error) {
	s := sample{Sender: senderPlain, Sink: sink, Seconds: d.Seconds(), Ref: rc, Config: rc.String()}
	return s, runProcess(ctx, sink, &s, func(h *sinkHandle) *exec.Cmd {
		return exec.CommandContext(ctx, cfg.self, "refloop", "--endpoint", h.otlp, "--duration", d.String(),
			"--goroutines", strconv.Itoa(rc.Goroutines), "--providers", strconv.Itoa(rc.Providers))
	})
}

// runRaw runs the raw OTLP sender for d against a fresh sink of kind.
func runRaw(ctx context.Context, cfg config, sink string, d time.Duration) (sample, error) {
	s := sample{Sender: senderRaw, Sink: sink, Seconds: d.Seconds(), Config: "conns=4,streams=2"}
	return s, runProcess(ctx, sink, &s, func(h *sinkHandle) *exec.Cmd {
		return exec.CommandContext(ctx, cfg.self, "raw", "--endpoint", h.otlp, "--duration", d.String(), "--conns", "4", "--streams", "2")
	})
}

// tgWorkers is how many workers telemetrygen runs at rate spans/s: its --rate is per worker and its limiter
// (burst 1) waits before every span, children included, which a timer cannot do much more than a thousand times a
// second; so each worker is given at most 500 spans/s, and there are at least 4 workers.
func tgWorkers(rate float64) int { return int(min(max(math.Ceil(rate/500), 4), 1024)) }

// runTelemetrygen runs telemetrygen at rate spans/s (0: unthrottled) for d against a fresh sink of kind, with
// otelbench's batch size: it passes when the sink accepted every span it generated and it generated at the rate.
func runTelemetrygen(ctx context.Context, cfg config, sink string, rate float64, d time.Duration) (sample, error) {
	workers := tgWorkers(rate)
	perWorker := rate / float64(workers)
	s := sample{Sender: senderTelemetrygen, Sink: sink, Target: rate, Seconds: d.Seconds(),
		Config: fmt.Sprintf("workers=%d,rate=%.0f spans/s each,batch-size=%d", workers, perWorker, benchBatch)}
	err := runProcess(ctx, sink, &s, func(h *sinkHandle) *exec.Cmd {
		return exec.CommandContext(ctx, cfg.telemetrygen, "traces", "--otlp-endpoint", h.otlp, "--otlp-insecure",
			"--rate", strconv.FormatFloat(perWorker, 'f', 3, 64), "--workers", strconv.Itoa(workers), "--duration", d.String(),
			"--child-spans", strconv.Itoa(benchSpans-1), "--batch-size", strconv.Itoa(benchBatch))
	})
	if err != nil {
		return s, err
	}
	s.Achieved = float64(s.Claimed) / s.Seconds
	switch {
	case s.Delivered < s.Claimed:
		s.Cause = fmt.Sprintf("%d of %d spans not accepted by the sink (dropped in its non-blocking queue)", s.Claimed-s.Delivered, s.Claimed)
	case rate > 0 && s.Achieved < rate*0.99:
		s.Cause = fmt.Sprintf("generated %.0f/s of %.0f/s", s.Achieved, rate)
	default:
		s.Passed = true
	}
	return s, nil
}

// runProcess starts a fresh sink of kind, runs the sender command against it, and fills s with what the sender
// claims ({"spans": N} on stdout, or telemetrygen's log) and what the sink accepted.
func runProcess(ctx context.Context, sink string, s *sample, command func(*sinkHandle) *exec.Cmd) error {
	h, err := startSink(ctx, sink)
	if err != nil {
		return err
	}
	defer h.stop()
	out, err := measured(command(h), s)
	if err != nil {
		return fmt.Errorf("%s: %w", s.Sender, err)
	}
	if s.Sender == senderTelemetrygen {
		s.Claimed = telemetrygenClaim(out) * benchSpans
	} else {
		var r struct{ Spans int64 }
		if err := json.Unmarshal(firstLine(out), &r); err != nil {
			return fmt.Errorf("%s output: %w", s.Sender, err)
		}
		s.Claimed = r.Spans
	}
	if s.Delivered, err = h.accepted(ctx); err != nil {
		return fmt.Errorf("read the sink's count: %w", err)
	}
	s.Dropped = max(s.Claimed-s.Delivered, 0)
	return nil
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}

// runOtelbench runs otelbench at target spans/s in mode (sdk or direct) against a fresh sink of kind, as an
// external backend: item-by-item read-back from Jaeger, a count from the counting sink. instances is the exporter's
// SDK instances (independent pipelines, as the plain loop's providers; 0 is one). With profile set, it writes
// otelbench's CPU profile there.
func runOtelbench(ctx context.Context, cfg config, sink, mode string, target float64, instances int, d time.Duration, profile string) (sample, error) {
	instances = max(instances, 1)
	h, err := startSink(ctx, sink)
	if err != nil {
		return sample{}, err
	}
	defer h.stop()
	dir, err := os.MkdirTemp("", "otelbench-bench-")
	if err != nil {
		return sample{}, err
	}
	defer os.RemoveAll(dir)
	external := fmt.Sprintf("{otlp_grpc: %q, url: %q}", h.otlp, h.query)
	typ := "jaeger"
	if sink == "sink" {
		typ, external = "sink", fmt.Sprintf("{otlp_grpc: %q, metrics_url: %q}", h.otlp, h.metrics)
	}
	scenario := fmt.Sprintf(`version: 1
name: bench
duration: %s
verify: {timeout: 60s}
backends:
  - {name: sink, type: %s, external: %s}
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: sink, batch_size: %d, queue_size: %d, pipeline: %s, instances: %d}
workloads:
  - {name: bench, signal: traces, exporters: [grpc], rate: %.0f, trace: {spans: %d}}
`, d, typ, external, benchBatch, benchQueue, mode, instances, target, benchSpans)
	path := filepath.Join(dir, "bench.yaml")
	if err := os.WriteFile(path, []byte(scenario), 0o644); err != nil {
		return sample{}, err
	}
	s := sample{Sender: "otelbench " + mode, Sink: sink, Target: target, Seconds: d.Seconds(),
		Config: fmt.Sprintf("pipeline=%s,instances=%d,batch=%d,queue=%d", mode, instances, benchBatch, benchQueue)}
	args := []string{"run", path, "--out", dir}
	if profile != "" {
		args = append(args, "--cpuprofile", profile)
	}
	cmd := exec.CommandContext(ctx, cfg.otelbench, args...)
	if _, err := measured(cmd, &s); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 3 { // 3: verification failed, a finding
			return s, fmt.Errorf("otelbench %s at %.0f/s: %w", mode, target, err)
		}
	}
	s.Passed = cmd.ProcessState.ExitCode() == 0
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		return s, err
	}
	var rep reports.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return s, err
	}
	if len(rep.Exporters) > 0 {
		row := rep.Exporters[0]
		s.Claimed, s.Dropped, s.Achieved = row.Emitted, row.DroppedInSDK, row.AchievedRatePerS
		if !s.Passed {
			s.Cause = cmp.Or(row.Shortfall(), "did not pass")
		}
	}
	if s.Delivered, err = h.accepted(ctx); err != nil {
		return s, err
	}
	return s, nil
}

// measured runs cmd, returns its standard output, and records its CPU time and peak memory in s.
func measured(cmd *exec.Cmd, s *sample) ([]byte, error) {
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			s.CPUSeconds = time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime)).Seconds()
			s.PeakRSSMB = float64(ru.Maxrss) / 1024 // kilobytes on Linux
		}
	}
	if err != nil {
		return out.Bytes(), fmt.Errorf("%w: %s", err, lastLines(errOut.Bytes(), 5))
	}
	// telemetrygen logs to stderr: keep both for claims parsing (stdout first).
	return append(out.Bytes(), errOut.Bytes()...), nil
}

// tgGenerated matches telemetrygen's per-worker summary: traces generated {"worker": 0, "traces": 403308}.
var tgGenerated = regexp.MustCompile(`traces generated\s+\{[^}]*"traces":\s*(\d+)`)

func telemetrygenClaim(out []byte) int64 {
	var n int64
	for _, m := range tgGenerated.FindAllSubmatch(out, -1) {
		v, _ := strconv.ParseInt(string(m[1]), 10, 64)
		n += v
	}
	return n
}

func lastLines(b []byte, n int) string {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return fmt.Sprint(lines)
}
