package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.opentelemetry.io/otel"

	"github.com/otelbench/otelbench"
	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/scenarios"
)

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "write report.json into this `dir`ectory")
	images := fs.String("images", string(containers.ImagesAuto), "where backend images come from: auto, official or local")
	runID := fs.String("run-id", "", "run ID for container labels and generated IDs (default: random)")
	verbose := fs.Bool("v", false, "print SDK and container messages")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("run takes one scenario file, got %d arguments", len(pos))
	}
	policy := containers.ImagePolicy(*images)
	switch policy {
	case containers.ImagesAuto, containers.ImagesOfficial, containers.ImagesLocal:
	default:
		return usageError("--images %q: expected auto, official or local", *images)
	}
	sc, err := scenarios.Load(pos[0])
	if err != nil {
		return scenarioError(err)
	}
	if *out != "" {
		// Fail before anything starts if the report cannot be written.
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return usageError("--out: %v", err)
		}
	}

	// The SDK reports export errors through the global handler; otelbench records them per exporter already.
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		if *verbose {
			fmt.Fprintf(stderr, "sdk: %v\n", err)
		}
	}))
	if *verbose {
		containers.SetLog(stderr)
	}

	ui := newProgress(ctx, stderr)
	rep, runErr := otelbench.Run(ctx, sc, otelbench.Options{RunID: *runID, Images: policy, Observer: ui, OutDir: *out})
	ui.Wait()
	if rep == nil {
		if runErr == nil {
			runErr = errors.New("no report")
		}
		var refused scenarios.Errors
		if errors.As(runErr, &refused) {
			// Refused before anything started, e.g. more than this machine can hold.
			return &exitError{code: exitUsage, err: fmt.Errorf("scenario refused:\n%w", refused)}
		}
		return runErr
	}
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if *out != "" {
		path := filepath.Join(*out, "report.json")
		if err := writeFile(path, rep.WriteJSON); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "report: %s\n", path)
	}
	if runErr != nil {
		return runErr
	}
	if !rep.Passed {
		return &exitError{code: exitFailed, err: errors.New("verification failed")}
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// scenarioError maps an invalid scenario to exit code 2 and prints every problem.
func scenarioError(err error) error {
	var errs scenarios.Errors
	if errors.As(err, &errs) {
		return &exitError{code: exitUsage, err: fmt.Errorf("invalid scenario:\n%w", errs)}
	}
	return &exitError{code: exitUsage, err: err}
}

func validateCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageError("validate takes one or more scenario files")
	}
	bad := 0
	for _, path := range pos {
		if _, err := scenarios.Load(path); err != nil {
			bad++
			var errs scenarios.Errors
			if errors.As(err, &errs) {
				for _, e := range errs {
					fmt.Fprintln(stderr, e.Error())
				}
				continue
			}
			fmt.Fprintf(stderr, "%s: %v\n", path, err)
			continue
		}
		fmt.Fprintf(stdout, "%s: ok\n", path)
	}
	if bad > 0 {
		return &exitError{code: exitUsage, err: fmt.Errorf("%d of %d scenario files are invalid", bad, len(pos))}
	}
	return nil
}

func imagesCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("images needs a subcommand: build or list")
	}
	switch args[0] {
	case "list":
		for _, img := range containers.Images {
			fmt.Fprintf(stdout, "%-8s %-8s official %-32s local %-36s from %s\n", img.Backend, img.Version, img.Official, img.Local, img.Source)
		}
		return nil
	case "build":
		fs := flag.NewFlagSet("images build", flag.ContinueOnError)
		fs.SetOutput(stderr)
		force := fs.Bool("force", false, "rebuild images that already exist")
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		selected := containers.Images
		if len(pos) > 0 {
			selected = nil
			for _, name := range pos {
				img, ok := containers.ImageFor(name)
				if !ok {
					return usageError("no image is pinned for backend %q", name)
				}
				selected = append(selected, img)
			}
		}
		for _, img := range selected {
			res, err := containers.BuildImage(ctx, img, *force, stderr)
			if err != nil {
				return fmt.Errorf("build %s: %w", img.Local, err)
			}
			fmt.Fprintf(stdout, "%s: %s\n", img.Local, res)
		}
		return nil
	default:
		return usageError("unknown images subcommand %q; expected build or list", args[0])
	}
}

func pruneCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("prune", flag.ContinueOnError)
	fs.SetOutput(stderr)
	runID := fs.String("run-id", "", "remove only this run's containers")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("prune takes no arguments, got %s", strings.Join(pos, " "))
	}
	n, err := containers.Prune(ctx, *runID)
	fmt.Fprintf(stdout, "removed %d otelbench container(s)\n", n)
	return err
}
