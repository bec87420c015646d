// Command otelbench-bench is `make bench`: it measures what otelbench delivers next to the senders it must be
// judged against, in one invocation, against the same kinds of sink, each sender against a fresh sink,
// interleaved and replicated: a raw OTLP sender (pre-encoded requests: the sink's physical limit), a plain
// OpenTelemetry SDK loop, and telemetrygen, each in its best configuration and with otelbench's settings where
// settings apply. Delivered items are counted by the sink (otelcol_receiver_accepted_spans), never taken from the
// sender. It writes bench.json and renders PERFORMANCE.md from it (see performance.go).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/otelbench/otelbench/capacity"
	"github.com/otelbench/otelbench/containers"
)

// The benchmark's trace settings, the same for every sender where the sender has the setting: 10 spans per
// trace, OTLP gRPC, no compression, batches of 2048, a queue of 32768, a 5 s batch timeout, a 10 s export timeout
// with the SDK's retry bounded by it.
const (
	benchSpans         = 10
	benchBatch         = 2048
	benchQueue         = 32768
	benchBatchTimeout  = 5 * time.Second
	benchExportTimeout = 10 * time.Second
)

func main() {
	containers.ProcessSettings()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "otelbench-bench: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "refloop":
			fs := flag.NewFlagSet("refloop", flag.ContinueOnError)
			endpoint := fs.String("endpoint", "", "OTLP gRPC host:port")
			d := fs.Duration("duration", 8*time.Second, "how long to send")
			goroutines := fs.Int("goroutines", 2, "goroutines building traces")
			providers := fs.Int("providers", 1, "independent SDK pipelines")
			if err := fs.Parse(args[1:]); err != nil {
				return err
			}
			return refLoop(ctx, *endpoint, *d, *goroutines, *providers, stdout)
		case "raw":
			fs := flag.NewFlagSet("raw", flag.ContinueOnError)
			endpoint := fs.String("endpoint", "", "OTLP gRPC host:port")
			d := fs.Duration("duration", 8*time.Second, "how long to send")
			conns := fs.Int("conns", 4, "gRPC connections")
			streams := fs.Int("streams", 2, "calls in flight per connection")
			if err := fs.Parse(args[1:]); err != nil {
				return err
			}
			return rawSend(ctx, *endpoint, *d, *conns, *streams, stdout)
		case "render":
			fs := flag.NewFlagSet("render", flag.ContinueOnError)
			in := fs.String("in", "reports/out/bench/bench.json", "the bench.json to render")
			out := fs.String("page", "PERFORMANCE.md", "the page to write")
			if err := fs.Parse(args[1:]); err != nil {
				return err
			}
			res, err := load(*in)
			if err != nil {
				return err
			}
			return res.renderTo(*out)
		}
	}
	fs := flag.NewFlagSet("otelbench-bench", flag.ContinueOnError)
	var cfg config
	fs.IntVar(&cfg.rounds, "rounds", 3, "replicates of every sender on every sink, interleaved")
	fs.DurationVar(&cfg.duration, "duration", 8*time.Second, "how long each sender sends in a measured run")
	fs.DurationVar(&cfg.probe, "probe", 0, "how long each probe of a rate search or calibration sends (default: --duration)")
	sinks := fs.String("sinks", "jaeger,sink", "sinks: jaeger (every item read back) and sink (a counting collector)")
	fs.StringVar(&cfg.out, "out", "reports/out/bench", "where bench.json goes")
	fs.StringVar(&cfg.page, "page", "PERFORMANCE.md", "the page rendered from bench.json (empty: none)")
	fs.StringVar(&cfg.micro, "micro", "", "the output of go test -bench to record with the run (make bench passes it)")
	fs.StringVar(&cfg.otelbench, "otelbench", "bin/otelbench", "the otelbench binary")
	fs.StringVar(&cfg.telemetrygen, "telemetrygen", "bin/telemetrygen", "the telemetrygen binary (v0.161.0, cmd/otelbench-bench/telemetrygen)")
	quick := fs.Bool("quick", false, "one short round: to try the harness, not to quote")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.sinks = strings.Split(*sinks, ",")
	cfg.quick = *quick
	if *quick {
		cfg.rounds, cfg.duration, cfg.probe = 1, 3*time.Second, 3*time.Second
	}
	if cfg.probe <= 0 {
		cfg.probe = cfg.duration
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cfg.self = self
	for _, bin := range []string{cfg.otelbench, cfg.telemetrygen} {
		if _, err := os.Stat(bin); err != nil {
			return fmt.Errorf("%s: %w (make bench builds it)", bin, err)
		}
	}
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return err
	}
	cfg.log = stderr
	res, err := benchmark(ctx, cfg)
	if res == nil {
		return err
	}
	if cfg.micro != "" {
		micro, merr := readMicro(cfg.micro)
		err = errors.Join(err, merr)
		res.Micro = micro
	}
	res.Targets = res.targets()
	if err == nil {
		res.Profiles = profiles(ctx, cfg, res)
	}
	res.Interrupted = err != nil
	res.write(stdout)
	path := filepath.Join(cfg.out, "bench.json")
	if werr := res.save(path); werr != nil {
		return errors.Join(err, werr)
	}
	fmt.Fprintf(stderr, "bench: %s\n", path)
	if err == nil && cfg.page != "" {
		if werr := res.renderTo(cfg.page); werr != nil {
			return werr
		}
		fmt.Fprintf(stderr, "bench: %s rendered from %s\n", cfg.page, path)
	}
	return err
}

// config is one make bench invocation.
type config struct {
	rounds                  int
	duration, probe         time.Duration
	sinks                   []string
	out, page, micro, self  string
	otelbench, telemetrygen string
	quick                   bool
	log                     io.Writer
}

// senders are what is compared, in the order the table lists them.
var senders = []string{senderRaw, senderPlain, senderSDK, senderDirect, senderTelemetrygen}

const (
	senderRaw          = "raw OTLP sender"
	senderPlain        = "plain SDK loop"
	senderSDK          = "otelbench sdk"
	senderDirect       = "otelbench direct"
	senderTelemetrygen = "telemetrygen"
)

// refGrid are the plain loop's configurations tried per sink; the best delivers the loop's measured runs.
var refGrid = []refConfig{{Goroutines: 2, Providers: 1}, {Goroutines: 4, Providers: 2}, {Goroutines: 2, Providers: 2}, {Goroutines: 4, Providers: 4}}

// benchmark runs the whole comparison: per sink, the plain loop's best configuration (calibrated), then the
// highest rate otelbench sustains in each pipeline and the highest telemetrygen delivers without a drop
// (searched); then rounds in which every sender runs once, in random order, against a fresh sink; then
// otelbench's rate accuracy at fixed targets.
func benchmark(ctx context.Context, cfg config) (*results, error) {
	res := newResults(cfg)
	for _, sink := range cfg.sinks {
		fmt.Fprintf(cfg.log, "== sink %s: the plain loop's best configuration\n", sink)
		var best sample
		for _, rc := range refGrid {
			s, err := runPlain(ctx, cfg, sink, rc, cfg.probe)
			if err != nil {
				return res, err
			}
			res.Calibration = append(res.Calibration, s)
			fmt.Fprintf(cfg.log, "   plain loop %s on %s: %.0f spans/s\n", rc, sink, delivered(s))
			if delivered(s) > delivered(best) {
				best = s
			}
		}
		res.RefLoop[sink] = best.Ref
		fmt.Fprintf(cfg.log, "== sink %s: the highest rate each paced sender sustains\n", sink)
		start := math.Max(delivered(best)*0.4, 10_000)
		for _, sender := range []string{senderSDK, senderDirect, senderTelemetrygen} {
			rate, probes, err := search(ctx, cfg, sink, sender, start, best.Ref.Providers)
			res.Probes = append(res.Probes, probes...)
			if errors.Is(err, capacity.ErrNoRate) {
				fmt.Fprintf(cfg.log, "   %s on %s: %v; it is left out of the rounds\n", sender, sink, err)
				res.Rates[sink+"/"+sender] = 0
				continue
			}
			if err != nil {
				return res, err
			}
			res.Rates[sink+"/"+sender] = rate
			fmt.Fprintf(cfg.log, "   %s on %s: %.0f spans/s sustained\n", sender, sink, rate)
		}
	}
	for round := 1; round <= cfg.rounds; round++ {
		for _, sink := range cfg.sinks {
			order := slices.Clone(senders)
			rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			for _, sender := range order {
				if rate, searched := res.Rates[sink+"/"+sender]; searched && rate == 0 {
					continue // sustained no rate: nothing to measure
				}
				s, err := res.runMeasured(ctx, cfg, sink, sender)
				if err != nil {
					return res, err
				}
				s.Round = round
				res.Samples = append(res.Samples, s)
				fmt.Fprintf(cfg.log, "   round %d %-6s %-17s delivered %8.0f/s\n", round, sink, sender, delivered(s))
			}
		}
	}
	if slices.Contains(cfg.sinks, "sink") {
		for _, target := range accuracyTargets {
			s, err := runOtelbench(ctx, cfg, "sink", "direct", target, 1, cfg.duration, "")
			if err != nil {
				return res, err
			}
			res.Accuracy = append(res.Accuracy, accuracy{Target: target, Achieved: s.Achieved, Delivered: delivered(s), Passed: s.Passed})
			fmt.Fprintf(cfg.log, "   accuracy at %.0f/s: achieved %.1f/s\n", target, s.Achieved)
		}
	}
	return res, ctx.Err()
}

// accuracyTargets are the fixed rates otelbench's pacing is checked at (the direct pipeline into the counting
// sink, so that the pacer is what is measured and not the SDK's capacity).
var accuracyTargets = []float64{100_000, 200_000, 300_000}

// runMeasured runs sender once on a fresh sink of kind in its best configuration.
func (res *results) runMeasured(ctx context.Context, cfg config, sink, sender string) (sample, error) {
	switch sender {
	case senderSDK:
		return runOtelbench(ctx, cfg, sink, "sdk", res.Rates[sink+"/"+sender], res.RefLoop[sink].Providers, cfg.duration, "")
	case senderDirect:
		return runOtelbench(ctx, cfg, sink, "direct", res.Rates[sink+"/"+sender], res.RefLoop[sink].Providers, cfg.duration, "")
	case senderTelemetrygen:
		return runTelemetrygen(ctx, cfg, sink, res.Rates[sink+"/"+sender], cfg.duration)
	case senderPlain:
		return runPlain(ctx, cfg, sink, res.RefLoop[sink], cfg.duration)
	}
	return runRaw(ctx, cfg, sink, cfg.duration)
}

// search finds the highest rate sender sustains on sink with the capacity package, as otelbench bench does: for
// otelbench, every item delivered and verified, nothing dropped in the SDK, the rate achieved within 1% (the run
// passes); for telemetrygen, every span it generated accepted by the sink at the rate asked.
func search(ctx context.Context, cfg config, sink, sender string, start float64, instances int) (float64, []sample, error) {
	var probes []sample
	s := capacity.Search{Start: start, Min: 1000, Max: 2_000_000, Precision: 0.05, Step: 1000, Confirmations: 1}
	res, err := s.Run(ctx, func(ctx context.Context, rate float64) (capacity.Probe, error) {
		var smp sample
		var err error
		switch sender {
		case senderTelemetrygen:
			smp, err = runTelemetrygen(ctx, cfg, sink, rate, cfg.probe)
		case senderDirect:
			smp, err = runOtelbench(ctx, cfg, sink, "direct", rate, instances, cfg.probe, "")
		default:
			smp, err = runOtelbench(ctx, cfg, sink, "sdk", rate, instances, cfg.probe, "")
		}
		if err != nil {
			return capacity.Probe{}, err
		}
		probes = append(probes, smp)
		fmt.Fprintf(cfg.log, "   probe %-6s %-17s %8.0f spans/s: %s\n", sink, sender, rate, passFail(smp.Passed))
		return capacity.Probe{Passed: smp.Passed, Cause: smp.Cause}, nil
	})
	return res.Capacity, probes, err
}

func passFail(ok bool) string {
	if ok {
		return "pass"
	}
	return "fail"
}
