package main

import (
	"context"
	"fmt"
	"io"

	"github.com/otelbench/otelbench/containers"
)

// pruneCmd removes the containers otelbench runs left behind (see containers.Prune for which), printing one line
// per container removed or kept and a summary:
//
//	removed 3f2a1b9c8d7e  elated_curie  otelbench-local/jaeger:2.13.0  run=smoke-1  exited  (owner pid 4242 gone)
//	kept    9a8b7c6d5e4f  eager_hopper  jaegertracing/jaeger:2.13.0  run=smoke-2  running  (run in progress: owner pid 5151 alive)
//	removed 1 otelbench container(s), kept 1
//
// Without flags it keeps the containers of runs still in progress; --run-id ID removes that run's containers
// whatever their owner (the user named the run); --all removes every run's.
func pruneCmd(ctx context.Context, runIDFlag string, allFlag bool, stdout io.Writer) error {
	runID, all := &runIDFlag, &allFlag
	if *all && *runID != "" {
		return usageError("prune: give --run-id or --all, not both")
	}
	res, err := containers.Prune(ctx, containers.PruneOptions{RunID: *runID, All: *all})
	if err != nil && len(res.Removed)+len(res.Kept) == 0 {
		return err
	}
	for _, c := range res.Removed {
		printPruned(stdout, "removed", c)
	}
	for _, c := range res.Kept {
		printPruned(stdout, "kept   ", c)
	}
	fmt.Fprintf(stdout, "removed %d otelbench container(s), kept %d\n", len(res.Removed), len(res.Kept))
	return err
}

func printPruned(w io.Writer, what string, c containers.Pruned) {
	fmt.Fprintf(w, "%s %.12s  %s  %s  run=%s  %s  (%s)\n", what, c.ID, c.Name, c.Image, c.RunID, c.State, c.Why)
}
