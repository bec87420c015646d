// Command otelbench-bench is `make bench`: it measures what otelbench delivers next to a plain OpenTelemetry SDK
// loop and telemetrygen, in one invocation, against the same kinds of sink, each sender against a fresh sink,
// interleaved and replicated. Delivered items are counted by the sink (its otelcol_receiver_accepted_spans),
// never taken from the sender. See PERFORMANCE.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/otelbench/otelbench/containers"
)

// The benchmark's trace settings, the same for every sender: 10 spans per trace, OTLP gRPC, batches of 2048,
// a queue of 32768.
const (
	benchSpans = 10
	benchBatch = 2048
	benchQueue = 32768
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
	if len(args) > 0 && args[0] == "refloop" {
		fs := flag.NewFlagSet("refloop", flag.ContinueOnError)
		endpoint := fs.String("endpoint", "", "OTLP gRPC host:port")
		d := fs.Duration("duration", 8*time.Second, "how long to send")
		goroutines := fs.Int("goroutines", 2, "goroutines building traces")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return refLoop(ctx, *endpoint, *d, *goroutines, stdout)
	}
	fs := flag.NewFlagSet("otelbench-bench", flag.ContinueOnError)
	var cfg config
	fs.IntVar(&cfg.rounds, "rounds", 3, "replicates of every sender on every sink, interleaved")
	fs.DurationVar(&cfg.duration, "duration", 8*time.Second, "how long each sender sends in a measured run")
	fs.DurationVar(&cfg.probe, "probe", 0, "how long each probe of the maximum-rate search sends (default: --duration; a shorter probe overestimates what a longer run sustains)")
	sinks := fs.String("sinks", "jaeger,sink", "sinks: jaeger (every item read back) and sink (a counting collector)")
	fs.StringVar(&cfg.out, "out", "reports/out/bench", "where bench.json goes")
	fs.StringVar(&cfg.otelbench, "otelbench", "bin/otelbench", "the otelbench binary")
	fs.StringVar(&cfg.telemetrygen, "telemetrygen", "bin/telemetrygen", "the telemetrygen binary (v0.161.0, cmd/otelbench-bench/telemetrygen)")
	quick := fs.Bool("quick", false, "one short round: to try the harness, not to quote")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.sinks = strings.Split(*sinks, ",")
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
	if res != nil {
		res.write(stdout)
		path := filepath.Join(cfg.out, "bench.json")
		if werr := res.save(path); werr != nil {
			err = errors.Join(err, werr)
		} else {
			fmt.Fprintf(stderr, "bench: %s\n", path)
		}
	}
	return err
}

// config is one make bench invocation.
type config struct {
	rounds                  int
	duration, probe         time.Duration
	sinks                   []string
	out, self               string
	otelbench, telemetrygen string
	log                     io.Writer
}

// senders are what is compared, in the order the table lists them.
var senders = []string{"plain SDK loop", "otelbench sdk", "otelbench direct", "telemetrygen"}

// benchmark runs the whole comparison: per sink, a warm-up plain run, then otelbench's maximum sustainable rate
// in each pipeline (searched), then rounds in which every sender runs once, in random order, against a fresh
// sink; then otelbench's rate accuracy at fixed targets.
func benchmark(ctx context.Context, cfg config) (*results, error) {
	res := &results{Machine: machine(), Duration: cfg.duration.String(), Rounds: cfg.rounds, Rates: map[string]float64{}}
	for _, sink := range cfg.sinks {
		fmt.Fprintf(cfg.log, "== sink %s: warm-up and maximum sustainable rates\n", sink)
		warm, err := runSender(ctx, cfg, sink, "plain SDK loop", 0, cfg.duration)
		if err != nil {
			return res, err
		}
		start := max(float64(warm.Delivered)/warm.Seconds*0.4, 10_000)
		for _, mode := range []string{"sdk", "direct"} {
			rate, probes, err := search(ctx, cfg, sink, mode, start)
			res.Probes = append(res.Probes, probes...)
			if err != nil {
				return res, err
			}
			res.Rates[sink+"/"+mode] = rate
			fmt.Fprintf(cfg.log, "   otelbench %s on %s: %.0f spans/s sustained\n", mode, sink, rate)
		}
	}
	for round := 1; round <= cfg.rounds; round++ {
		for _, sink := range cfg.sinks {
			order := append([]string(nil), senders...)
			rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			for _, sender := range order {
				target := 0.0
				if mode, ok := strings.CutPrefix(sender, "otelbench "); ok {
					target = res.Rates[sink+"/"+mode]
				}
				s, err := runSender(ctx, cfg, sink, sender, target, cfg.duration)
				if err != nil {
					return res, err
				}
				s.Round = round
				res.Samples = append(res.Samples, s)
				fmt.Fprintf(cfg.log, "   round %d %-6s %-17s delivered %8.0f/s\n", round, sink, sender, float64(s.Delivered)/s.Seconds)
			}
		}
	}
	if slices.Contains(cfg.sinks, "sink") {
		for _, target := range []float64{1_000, 10_000, 100_000} {
			s, err := runOtelbench(ctx, cfg, "sink", "sdk", target, cfg.duration)
			if err != nil {
				return res, err
			}
			res.Accuracy = append(res.Accuracy, accuracy{Target: target, Achieved: s.Achieved, Delivered: float64(s.Delivered) / s.Seconds, Passed: s.Passed})
		}
	}
	return res, ctx.Err()
}

// search finds the highest rate otelbench sustains in mode on sink: every item delivered and verified, nothing
// dropped in the SDK, the rate achieved within 1% (the run passes). It grows the rate by 40% while runs pass, then
// halves the interval between the last pass and the first failure until they are within 5%.
func search(ctx context.Context, cfg config, sink, mode string, start float64) (float64, []sample, error) {
	var probes []sample
	lo, hi, rate := 0.0, 0.0, roundRate(start)
	for range 10 {
		s, err := runOtelbench(ctx, cfg, sink, mode, rate, cfg.probe)
		if err != nil {
			return lo, probes, err
		}
		probes = append(probes, s)
		fmt.Fprintf(cfg.log, "   probe %-6s %-6s %8.0f spans/s: %s\n", sink, mode, rate, passFail(s.Passed))
		if s.Passed {
			lo = rate
		} else {
			hi = rate
		}
		switch {
		case hi == 0:
			rate = roundRate(rate * 1.4)
		case lo == 0:
			rate = roundRate(hi / 2)
		default:
			if hi/lo < 1.05 {
				return lo, probes, nil
			}
			rate = roundRate((lo + hi) / 2)
		}
	}
	return lo, probes, nil
}

func roundRate(r float64) float64 { return max(float64(int64(r/1000))*1000, 1000) }

func passFail(ok bool) string {
	if ok {
		return "pass"
	}
	return "fail"
}
