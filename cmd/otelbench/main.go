// Command otelbench sends synthetic telemetry through the OpenTelemetry Go SDK's exporters to real backends,
// reads every item back, and reports what arrived. See README.md for the commands, the scenario format and the
// exit codes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/otelbench/otelbench/containers"
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

const usage = `otelbench: load-generating telemetry test harness

Usage:
  otelbench run FILE [--out DIR] [--images auto|official|local] [--run-id ID] [-v]
  otelbench validate FILE...
  otelbench images build [--force] [BACKEND...]
  otelbench images list
  otelbench prune [--run-id ID | --all]
  otelbench report DIR                  re-render every format in DIR from its report.json
  otelbench compare BASE NEW [--tolerance 0.05]   BASE and NEW: report.json files or folders of repeated runs

Exit codes: 0 passed, 1 runtime error, 2 invalid usage or scenario, 3 verification failed (compare: a
regression), 4 thresholds breached (every item verified).
`

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
	err := dispatch(ctx, args, stdout, stderr)
	if err == nil {
		return exitPassed
	}
	if errors.Is(err, flag.ErrHelp) {
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

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError("no command given")
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "run":
		return runCmd(ctx, rest, stdout, stderr)
	case "validate":
		return validateCmd(rest, stdout, stderr)
	case "images":
		return imagesCmd(ctx, rest, stdout, stderr)
	case "prune":
		return pruneCmd(ctx, rest, stdout, stderr)
	case "report":
		return reportCmd(rest, stdout, stderr)
	case "compare":
		return compareCmd(rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return usageError("unknown command %q", cmd)
	}
}

// parse parses flags that may come before, between or after positional arguments, and returns the positionals.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &exitError{code: exitUsage, err: errors.New("")} // flag already printed the problem
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
