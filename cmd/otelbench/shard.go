package main

import (
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/otelbench/otelbench"
	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/all"
	"github.com/otelbench/otelbench/internal/buildinfo"
	"github.com/otelbench/otelbench/scenarios"
	"github.com/otelbench/otelbench/shards"
)

// shardOptions are the flags of shard k8s and shard swarm.
type shardOptions struct {
	shards             int
	image, namespace   string
	startAt, runID     string
	startIn, tolerance time.Duration
	withNamespace      bool // the k8s subcommand has --namespace
}

// newShardCmd is `otelbench shard k8s|swarm FILE`: it prints what runs FILE as N shards on a container engine, a
// Kubernetes Indexed Job (YAML for kubectl apply) or a Docker Swarm replicated job (a sh script), each shard an
// otelbench container sending its stripe of the schedule from the same start time.
func newShardCmd(stdout io.Writer) *cobra.Command {
	shardC := &cobra.Command{
		Use:   "shard",
		Short: "print a Kubernetes Job or a Docker Swarm script that runs a scenario as N shards from one start time",
		Long: `shard prints what runs a scenario as N shards on a container engine: every shard is an otelbench container
(otelbench images build otelbench) sending its stripe of the schedule to the scenario's external backends from the
same start time, then printing its artifact on its log; otelbench merge merges the collected logs.

  otelbench shard k8s FILE --shards N --image IMG [--namespace NS] [-- extra run args] | kubectl apply -f -
  otelbench shard swarm FILE --shards N --image IMG [-- extra run args] > run.sh && sh run.sh`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError("unknown shard subcommand %q; expected k8s or swarm", args[0])
			}
			return usageError("shard needs a subcommand: k8s or swarm")
		},
		RunE: func(*cobra.Command, []string) error { return nil },
	}
	shardC.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%v", err) })

	var k8sOpts, swarmOpts shardOptions
	k8sC := &cobra.Command{
		Use:     "k8s FILE [-- RUN-ARGS...]",
		Aliases: []string{"kubernetes"},
		Short:   "print a ConfigMap and an Indexed Job (YAML for kubectl apply -f -) running FILE as N shards",
		Args:    shardArgs,
		RunE:    printJob(stdout, &k8sOpts, shards.Kubernetes),
	}
	k8sOpts.withNamespace = true
	addShardFlags(k8sC, &k8sOpts)

	swarmC := &cobra.Command{
		Use:   "swarm FILE [-- RUN-ARGS...]",
		Short: "print a sh script of docker commands running FILE as N shards in a Swarm replicated job",
		Args:  shardArgs,
		RunE: printJob(stdout, &swarmOpts, func(j shards.Job) ([]byte, error) {
			script, err := shards.Swarm(j)
			return []byte(script), err
		}),
	}
	addShardFlags(swarmC, &swarmOpts)

	shardC.AddCommand(k8sC, swarmC)
	return shardC
}

// printJob is the RunE of an engine's subcommand: the job of its flags, rendered for the engine on stdout.
func printJob(stdout io.Writer, o *shardOptions, render func(shards.Job) ([]byte, error)) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		j, err := shardJob(cmd, o, args)
		if err != nil {
			return err
		}
		out, err := render(j)
		if err != nil {
			return usageError("%v", err)
		}
		_, err = stdout.Write(out)
		return err
	}
}

// shardArgs accepts one scenario file, then, after --, any extra args of otelbench run.
func shardArgs(cmd *cobra.Command, args []string) error {
	n := len(args)
	if dash := cmd.ArgsLenAtDash(); dash >= 0 {
		n = dash
	}
	if n != 1 {
		return usageError("%s takes one scenario file (then, after --, extra args of otelbench run), got %d arguments", cmd.Name(), n)
	}
	return nil
}

func addShardFlags(c *cobra.Command, o *shardOptions) {
	f := c.Flags()
	f.IntVar(&o.shards, "shards", 0, "run this `many` shards (required, at least 1)")
	f.StringVar(&o.image, "image", "", "the otelbench `image` every node runs (required; otelbench images build otelbench makes "+shards.LocalRepository+":VERSION)")
	if o.withNamespace {
		f.StringVar(&o.namespace, "namespace", "", "the Kubernetes `namespace` of the ConfigMap and the Job (default: kubectl's)")
	}
	f.StringVar(&o.startAt, "start-at", "", "start every shard at this `time` (RFC 3339, e.g. 2026-01-02T15:04:05Z)")
	f.DurationVar(&o.startIn, "start-in", 2*time.Minute, "start every shard this `long` from now (instead of --start-at)")
	f.DurationVar(&o.tolerance, "start-tolerance", defaultStartTolerance, "a shard ready this `long` after the start still sends (its skew is recorded); later, it refuses")
	f.StringVar(&o.runID, "run-id", "", "the run ID the shards share (default: random)")
}

// shardJob reads and validates the scenario file and turns the flags into a shards.Job; a scenario shards cannot
// run (otelbench run --shard would refuse it) is refused here, at its line and column.
func shardJob(cmd *cobra.Command, o *shardOptions, args []string) (shards.Job, error) {
	f := cmd.Flags()
	file, extra := args[0], []string(nil)
	if dash := cmd.ArgsLenAtDash(); dash >= 0 {
		extra = args[dash:]
	}
	if !f.Changed("shards") {
		return shards.Job{}, usageError("--shards is required: expected the number of shards, at least 1")
	}
	if f.Changed("start-at") && f.Changed("start-in") {
		return shards.Job{}, usageError("--start-at and --start-in both given; expected one of them")
	}
	now := time.Now()
	var startAt time.Time
	if f.Changed("start-at") {
		t, err := time.Parse(time.RFC3339, o.startAt)
		if err != nil {
			return shards.Job{}, usageError("--start-at %q: expected an RFC 3339 time such as %s", o.startAt, now.Add(2*time.Minute).UTC().Format(time.RFC3339))
		}
		if !t.After(now) {
			return shards.Job{}, usageError("--start-at %s is not in the future; expected a time after %s (or --start-in)", o.startAt, now.UTC().Format(time.RFC3339))
		}
		startAt = t
	} else {
		if o.startIn <= 0 {
			return shards.Job{}, usageError("--start-in %s: expected a positive duration such as 2m", o.startIn)
		}
		startAt = now.Add(o.startIn).Round(time.Second)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return shards.Job{}, usageError("read scenario: %v", err)
	}
	sc, err := scenarios.Parse(file, data)
	if err != nil {
		return shards.Job{}, scenarioError(err)
	}
	runID := o.runID
	if !f.Changed("run-id") {
		runID = otelbench.NewRunID()
	}
	j := shards.Job{
		Name:      "otelbench-" + runID,
		Scenario:  data,
		File:      filepath.Base(file),
		Shards:    o.shards,
		Image:     o.image,
		RunID:     runID,
		StartAt:   startAt.UTC(),
		Tolerance: o.tolerance,
		Namespace: o.namespace,
		Args:      extra,
	}
	if err := j.Validate(); err != nil {
		return shards.Job{}, usageError("%v", err)
	}
	if err := sc.CheckShardable(); err != nil {
		// Said now rather than by every shard's log, and nothing is printed to apply.
		return shards.Job{}, scenarioError(err)
	}
	return j, nil
}

// imagesWithOtelbench is what otelbench images build and list cover: every backend's pinned image, then the
// otelbench image the sharded jobs run (tagged with this binary's version).
func imagesWithOtelbench() []containers.Image {
	return append(all.Images(), shards.Image(buildinfo.Version()))
}

// imageNamed is the image `otelbench images build NAME` builds: a backend type's, or otelbench's own.
func imageNamed(name string) (containers.Image, bool) {
	if name == "otelbench" {
		return shards.Image(buildinfo.Version()), true
	}
	return all.ImageFor(name)
}
