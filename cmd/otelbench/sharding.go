package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/reports"
	"github.com/otelbench/otelbench/scenarios"
	"github.com/otelbench/otelbench/shards"
)

// defaultStartTolerance is how late after --start-at a shard may be ready and still send: its schedule then lags
// the others' by that much (recorded as its skew).
const defaultStartTolerance = 5 * time.Second

// shardRunFlags are run's flags for one shard of a sharded run.
type shardRunFlags struct {
	shard, startAt string
	tolerance      time.Duration
	printArtifact  bool
}

// shardPlan is what a shard's flags and environment say.
type shardPlan struct {
	stripe    generators.Stripe
	startAt   time.Time
	tolerance time.Duration
	runID     string
	print     bool
}

// sharded reports whether the run is a shard.
func (p shardPlan) sharded() bool { return p.stripe.Count > 0 }

// resolveShard reads the shard's flags, then the environment for what they leave out. Every error names the flag
// or variable and says what is expected.
func resolveShard(f shardRunFlags, runID string, getenv func(string) string) (shardPlan, error) {
	p := shardPlan{tolerance: f.tolerance, runID: runID, print: f.printArtifact}
	switch {
	case f.shard != "":
		st, err := parseShard(f.shard)
		if err != nil {
			return p, usageError("--shard %s: %v", f.shard, err)
		}
		p.stripe = st
	case getenv(shards.EnvShardCount) != "":
		count, err := strconv.ParseUint(getenv(shards.EnvShardCount), 10, 32)
		if err != nil || count < 1 {
			return p, usageError("%s=%q: expected the number of shards, 1 or more", shards.EnvShardCount, getenv(shards.EnvShardCount))
		}
		index, source := getenv(shards.EnvShardIndex), shards.EnvShardIndex
		if index == "" {
			index, source = getenv(shards.EnvJobCompletionIndex), shards.EnvJobCompletionIndex
		}
		if index == "" {
			return p, usageError("%s is set but neither %s nor %s is: expected the shard's index from 0 to %d", shards.EnvShardCount, shards.EnvShardIndex, shards.EnvJobCompletionIndex, count-1)
		}
		i := 0
		if source == shards.EnvShardIndex {
			// Swarm sets this one, and renders slot 0 as the node ID.
			if i, err = shards.SlotIndex(index, getenv(shards.EnvSwarmNodeID)); err != nil {
				return p, usageError("%v", err)
			}
		} else if i, err = strconv.Atoi(index); err != nil || i < 0 {
			return p, usageError("%s=%q: expected the shard's index from 0 to %d", source, index, count-1)
		}
		if uint64(i) >= count {
			return p, usageError("%s=%d is out of range for %s=%d: expected 0 to %d", source, i, shards.EnvShardCount, count, count-1)
		}
		p.stripe = generators.Stripe{Index: uint64(i), Count: count}
	}
	if !p.sharded() {
		if f.startAt != "" || f.printArtifact {
			return p, usageError("--start-at and --print-artifact are for a shard of a run: expected --shard I/N too")
		}
		return p, nil
	}
	if p.runID == "" {
		p.runID = getenv(shards.EnvRunID)
	}
	if p.runID == "" {
		return p, usageError("the shards of one run share its run ID, from which every item's ID derives: expected --run-id (or %s), the same in every shard", shards.EnvRunID)
	}
	at, source := f.startAt, "--start-at"
	if at == "" {
		at, source = getenv(shards.EnvStartAt), shards.EnvStartAt
	}
	if at != "" {
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			return p, usageError("%s %q: expected a time in RFC 3339 such as 2026-12-06T10:00:00Z", source, at)
		}
		p.startAt = t
	}
	if p.tolerance == 0 {
		p.tolerance = defaultStartTolerance
		if v := getenv(shards.EnvStartTolerance); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return p, usageError("%s=%q: expected a duration such as 5s", shards.EnvStartTolerance, v)
			}
			p.tolerance = d
		}
	}
	if !p.startAt.IsZero() {
		if late := time.Since(p.startAt); late > p.tolerance {
			return p, usageError("%s %s is %s in the past, beyond the tolerance of %s: the shards would not send together; expected a start time still ahead (or a larger --start-tolerance)",
				source, p.startAt.UTC().Format(time.RFC3339), late.Round(time.Second), p.tolerance)
		}
	}
	return p, nil
}

// parseShard reads "I/N".
func parseShard(s string) (generators.Stripe, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.ParseUint(a, 10, 32)
	n, err2 := strconv.ParseUint(b, 10, 32)
	switch {
	case !ok || err1 != nil || err2 != nil:
		return generators.Stripe{}, errors.New("expected I/N, the shard's index (from 0) and the number of shards, such as 0/3")
	case n < 1:
		return generators.Stripe{}, fmt.Errorf("%d shards: expected 1 or more", n)
	case i >= n:
		return generators.Stripe{}, fmt.Errorf("index %d is out of range for %d shards: expected 0 to %d", i, n, n-1)
	}
	return generators.Stripe{Index: i, Count: n}, nil
}

// artifactOf is a shard's artifact: its report, with the scenario's thresholds for the merge.
func artifactOf(sc *scenarios.Scenario, rep *reports.Report) *reports.Artifact {
	a := &reports.Artifact{Kind: reports.ArtifactKind, SchemaVersion: reports.ArtifactSchemaVersion, RunID: rep.RunID,
		Scenario: sc.Name, Shard: *rep.Shard, Report: rep}
	for _, t := range sc.Thresholds {
		a.Thresholds = append(a.Thresholds, reports.ArtifactThreshold{Expr: t.Expr, Exporters: t.Exporters})
	}
	return a
}

// writeArtifact writes a shard's artifact into dir (whole or not at all: a temporary file renamed) and, with
// print, as a framed block on stdout for a log collector.
func writeArtifact(a *reports.Artifact, dir string, print bool, stdout, stderr io.Writer) error {
	if dir != "" {
		f, err := os.CreateTemp(dir, ".shard-*.json")
		if err != nil {
			return err
		}
		if err := a.WriteJSON(f); err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
			return err
		}
		if err := f.Close(); err != nil {
			_ = os.Remove(f.Name())
			return err
		}
		path := filepath.Join(dir, a.FileName())
		if err := os.Rename(f.Name(), path); err != nil {
			_ = os.Remove(f.Name())
			return err
		}
		fmt.Fprintf(stderr, "shard artifact: %s (otelbench merge reads it)\n", path)
	}
	if print {
		return a.WriteFramed(stdout)
	}
	return nil
}

// mergeCmd merges the artifacts of a sharded run into one report, written like run's, with run's exit codes.
func mergeCmd(paths []string, out string, allowPartial bool, stdin io.Reader, stdout, stderr io.Writer) error {
	arts, err := reports.LoadArtifacts(paths, stdin)
	if err != nil {
		return usageError("%v", err)
	}
	rep, err := reports.Merge(arts, reports.MergeOptions{AllowPartial: allowPartial})
	if err != nil {
		return usageError("%v", err)
	}
	if out != "" {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return usageError("--out: %v", err)
		}
	}
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if err := appendStepSummary(rep); err != nil {
		fmt.Fprintf(stderr, "otelbench: GITHUB_STEP_SUMMARY: %v\n", err)
	}
	if out != "" {
		if _, err := rep.WriteFiles(out); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "report: %s (and report.txt, report.md, junit.xml, report.html, timeseries.csv)\n", filepath.Join(out, "report.json"))
	}
	return verdict(rep)
}
