// Command otelbench sends synthetic telemetry through the OpenTelemetry Go SDK's exporters to real backends,
// reads every item back, and reports what arrived. See README.md for the commands and the exit codes, docs/ for the
// rest (docs/scenarios.md: the scenario format).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/shards"
)

// Exit codes, documented in README.md.
const (
	exitPassed  = 0 // the run passed, or the command succeeded
	exitRuntime = 1 // something failed while running (Docker, a backend, an interrupted run)
	exitUsage   = 2 // invalid command line or scenario
	exitFailed  = 3 // the run completed and verification failed
	// exitThreshold: every item was verified, but a threshold of the scenario was breached.
	exitThreshold = 4
)

// exitError carries the exit code a command wants; main finds it with errors.As.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

func main() {
	containers.ProcessSettings() // the process owns testcontainers-go's settings (environment, logger)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first signal, a second one kills the process the default way.
		<-ctx.Done()
		stop()
	}()
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitPassed
	}
	code := exitRuntime
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintf(stderr, "otelbench: %s\n", msg)
	}
	return code
}

// addRunFlags defines the flags of every command that runs a scenario: run, and traces, metrics and logs.
func addRunFlags(f *pflag.FlagSet, o *runOptions) {
	f.StringVar(&o.out, "out", "", "write report.json, report.txt, report.md, junit.xml, report.html and timeseries.csv into this `dir`ectory")
	f.StringVar(&o.images, "images", string(containers.ImagesAuto), "where backend images come from: auto, official or local")
	f.StringVar(&o.runID, "run-id", "", "run ID for container labels and generated IDs (default: random)")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "print SDK and container messages")
	f.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the run (go tool pprof) to this `file`")
	f.DurationVar(&o.deadline, "deadline", 0, "stop the run after this `long` as Ctrl-C does (the report of what was measured, marked interrupted; exit 1)")
	f.Var(&o.keep, "keep-backends", "after the report, keep the backends running this `long` (a Go duration, or forever: until Ctrl-C) and print their URLs")
	f.StringVar(&o.live.addr, "metrics-addr", "", "serve the run's live figures (per row: emitted, exported, failed, verified, lost by cause, export durations) for Prometheus on http://`host:port`/metrics")
	f.StringVar(&o.live.otlp, "metrics-otlp", "", "push the run's live figures every 5s (OTEL_METRIC_EXPORT_INTERVAL) to this OTLP/HTTP `url` (/v1/metrics added when it has no path)")
	f.DurationVar(&o.live.linger, "metrics-linger", 0, "after the report, keep serving the final figures on --metrics-addr this `long`, for a last scrape")
}

// exactArgs accepts n arguments, else a usage error saying what the command takes.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError("%s takes %s, got %d arguments", cmd.Name(), what, len(args))
		}
		return nil
	}
}

// newRoot is the command tree (spf13/cobra, as k6 and telemetrygen use): help for every command (--help),
// shell completion (otelbench completion bash|zsh|fish|powershell), and the exit codes of README.md.
func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "otelbench",
		Short: "load-generating telemetry test harness: send through real OpenTelemetry SDK exporters, read every item back",
		Long: `otelbench sends synthetic telemetry through the OpenTelemetry Go SDK's exporters to real backends, reads
every item back, and reports what arrived.

Exit codes: 0 passed, 1 runtime error, 2 invalid usage or scenario, 3 verification failed (compare: a
regression), 4 thresholds breached (every item verified).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError("unknown command %q; see otelbench --help", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			_ = cmd.Usage()
			return usageError("no command given")
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%v", err) })

	var ro runOptions
	runC := &cobra.Command{
		Use:   "run FILE",
		Short: "run a scenario: start its backends, send, read every item back, report",
		Args:  exactArgs(1, "one scenario file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCmd(cmd.Context(), ro, args[0], stdout, stderr)
		},
	}
	f := runC.Flags()
	addRunFlags(f, &ro)
	f.StringVar(&ro.shard.shard, "shard", "", "run shard `I/N` of a sharded run (0-based): this process sends every N-th slot of each schedule, from slot I, to external backends, verifies its own items and writes shard-I-of-N.json into --out (default: "+shards.EnvShardIndex+" and "+shards.EnvShardCount+", or "+shards.EnvJobCompletionIndex+")")
	f.StringVar(&ro.shard.startAt, "start-at", "", "a shard starts sending at this `time` (RFC 3339), the same for every shard (default: "+shards.EnvStartAt+")")
	f.DurationVar(&ro.shard.tolerance, "start-tolerance", 0, "a shard ready this `long` after --start-at still sends (its skew is recorded); later, it refuses (default: "+shards.EnvStartTolerance+", else 5s)")
	f.BoolVar(&ro.shard.printArtifact, "print-artifact", false, "also print the shard's artifact on stdout as a framed block, for otelbench merge to read from kubectl logs or docker service logs")

	validateC := &cobra.Command{
		Use:   "validate FILE...",
		Short: "check scenario files; start nothing",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError("validate takes one or more scenario files")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error { return validateCmd(args, stdout, stderr) },
	}

	imagesC := &cobra.Command{Use: "images", Short: "the backends' pinned images and their offline builds",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError("unknown images subcommand %q; expected build or list", args[0])
			}
			return usageError("images needs a subcommand: build or list")
		},
		RunE: func(*cobra.Command, []string) error { return nil }}
	var force bool
	buildC := &cobra.Command{Use: "build [BACKEND...]", Short: "build the local images that are missing (offline sources only)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return imagesBuildCmd(cmd.Context(), force, args, stdout, stderr)
		}}
	buildC.Flags().BoolVar(&force, "force", false, "rebuild images that already exist")
	listC := &cobra.Command{Use: "list", Short: "list the pinned images", Args: exactArgs(0, "no arguments"),
		RunE: func(*cobra.Command, []string) error { return imagesListCmd(stdout) }}
	imagesC.AddCommand(buildC, listC)

	var pruneRun string
	var pruneAll bool
	pruneC := &cobra.Command{Use: "prune", Short: "remove containers that finished or crashed runs left behind",
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return pruneCmd(cmd.Context(), pruneRun, pruneAll, stdout)
		}}
	pruneC.Flags().StringVar(&pruneRun, "run-id", "", "remove this run's containers, even if the run is still in progress")
	pruneC.Flags().BoolVar(&pruneAll, "all", false, "remove the containers of every run, including runs still in progress")

	reportC := &cobra.Command{Use: "report DIR", Short: "re-render every format in DIR from its report.json",
		Args: exactArgs(1, "one folder holding a report.json"),
		RunE: func(_ *cobra.Command, args []string) error { return reportCmd(args[0], stdout) }}

	var tolerance float64
	compareC := &cobra.Command{Use: "compare BASE NEW", Short: "compare two runs (report.json files, or folders of repeated runs) and fail on a regression",
		Args: exactArgs(2, "BASE and NEW: report.json files or folders of them"),
		RunE: func(_ *cobra.Command, args []string) error { return compareCmd(tolerance, args, stdout) }}
	compareC.Flags().Float64Var(&tolerance, "tolerance", 0.05, "a change the bad way larger than this `fraction` of the base is a regression")

	var bo benchOptions
	benchC := &cobra.Command{
		Use:   "bench FILE",
		Short: "run a scenario's sweep: each exporter configuration's capacity (or cost, bytes, p99), replicated, ranked in tie groups",
		Args:  exactArgs(1, "one scenario file with a sweep"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return benchCmd(cmd.Context(), bo, args[0], stdout, stderr)
		},
	}
	bf := benchC.Flags()
	bf.StringVar(&bo.out, "out", "", "write bench.json, bench.md, bench.txt (benchstat) and bench.html, and the reports of runs at a rate, into this `dir`ectory")
	bf.StringVar(&bo.images, "images", string(containers.ImagesAuto), "where backend images come from: auto, official or local")
	bf.IntVar(&bo.replicates, "replicates", 0, "replicates of each configuration (default: the sweep's, 5)")
	bf.StringVar(&bo.objective, "objective", "", "rank by this instead of the sweep's objective: capacity, throughput, cost, bytes, export_p99 or visibility_p99")
	bf.BoolVarP(&bo.verbose, "verbose", "v", false, "print SDK and container messages")

	var mergeOut string
	var allowPartial bool
	mergeC := &cobra.Command{Use: "merge ARTIFACT...", Short: "merge the shards of a sharded run (artifact files, folders, or logs with framed artifacts; - for stdin) into one report",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError("merge takes the shards' artifacts: shard-I-of-N.json files, their folders, or logs of shards run with --print-artifact")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return mergeCmd(args, mergeOut, allowPartial, cmd.InOrStdin(), stdout, stderr)
		}}
	mergeC.Flags().StringVar(&mergeOut, "out", "", "write the merged report.json, report.txt, report.md, junit.xml, report.html and timeseries.csv into this `dir`ectory")
	mergeC.Flags().BoolVar(&allowPartial, "allow-partial", false, "merge the shards present when some are missing (the report names them and fails)")

	root.AddCommand(runC, validateC, imagesC, pruneC, reportC, compareC, benchC, mergeC, newShardCmd(stdout), newSchemaCmd(stdout))
	root.AddCommand(newSignalCmds(stdout, stderr)...) // traces, metrics, logs: a scenario built from flags
	return root
}
