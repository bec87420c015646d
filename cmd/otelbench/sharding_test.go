package main

// In-process specs of how a shard reads its flags and environment (package main: resolveShard is unexported).

import (
	"errors"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/shards"
)

var _ = Describe("A shard's flags and environment", func() {
	soon := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}

	DescribeTable("say which shard a process is",
		func(f shardRunFlags, runID string, getenv func(string) string, want generators.Stripe, wantRun string) {
			p, err := resolveShard(f, runID, getenv)
			Expect(err).NotTo(HaveOccurred())
			Expect(p.stripe).To(Equal(want))
			Expect(p.runID).To(Equal(wantRun))
		},
		Entry("no shard: a whole run", shardRunFlags{}, "", env(), generators.Stripe{}, ""),
		Entry("--shard 2/3", shardRunFlags{shard: "2/3"}, "r1", env(), generators.Stripe{Index: 2, Count: 3}, "r1"),
		Entry("--shard 0/1: one shard of one", shardRunFlags{shard: "0/1"}, "r1", env(), generators.Stripe{Index: 0, Count: 1}, "r1"),
		Entry("the environment otelbench shard sets", shardRunFlags{}, "",
			env(shards.EnvShardIndex, "1", shards.EnvShardCount, "4", shards.EnvRunID, "r2", shards.EnvStartAt, soon), generators.Stripe{Index: 1, Count: 4}, "r2"),
		Entry("Kubernetes' completion index", shardRunFlags{}, "",
			env(shards.EnvJobCompletionIndex, "3", shards.EnvShardCount, "4", shards.EnvRunID, "r3"), generators.Stripe{Index: 3, Count: 4}, "r3"),
		Entry("Swarm's slot 0, which it renders as the node ID", shardRunFlags{}, "",
			env(shards.EnvShardIndex, "q7x2k1m9abcd", shards.EnvSwarmNodeID, "q7x2k1m9abcd", shards.EnvShardCount, "3", shards.EnvRunID, "r4"), generators.Stripe{Index: 0, Count: 3}, "r4"),
		Entry("Swarm's slot 2", shardRunFlags{}, "",
			env(shards.EnvShardIndex, "2", shards.EnvSwarmNodeID, "q7x2k1m9abcd", shards.EnvShardCount, "3", shards.EnvRunID, "r4"), generators.Stripe{Index: 2, Count: 3}, "r4"),
		Entry("the flag wins over the environment", shardRunFlags{shard: "0/2"}, "flag",
			env(shards.EnvShardIndex, "1", shards.EnvShardCount, "2", shards.EnvRunID, "env"), generators.Stripe{Index: 0, Count: 2}, "flag"),
	)

	DescribeTable("refuse what cannot be a shard with a usage error naming the flag or variable",
		func(f shardRunFlags, runID string, getenv func(string) string, want string) {
			_, err := resolveShard(f, runID, getenv)
			var ee *exitError
			Expect(errors.As(err, &ee)).To(BeTrue())
			Expect(ee.code).To(Equal(exitUsage))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("an index out of range", shardRunFlags{shard: "3/3"}, "r", env(), "--shard 3/3: index 3 is out of range for 3 shards: expected 0 to 2"),
		Entry("no shards", shardRunFlags{shard: "0/0"}, "r", env(), "--shard 0/0: 0 shards: expected 1 or more"),
		Entry("not I/N", shardRunFlags{shard: "two"}, "r", env(), "expected I/N"),
		Entry("a negative index", shardRunFlags{shard: "-1/3"}, "r", env(), "expected I/N"),
		Entry("no run ID", shardRunFlags{shard: "0/2"}, "", env(), "expected --run-id (or OTELBENCH_RUN_ID)"),
		Entry("a count without an index", shardRunFlags{}, "r", env(shards.EnvShardCount, "3"), "neither OTELBENCH_SHARD_INDEX nor JOB_COMPLETION_INDEX"),
		Entry("an environment index out of range", shardRunFlags{}, "r", env(shards.EnvJobCompletionIndex, "5", shards.EnvShardCount, "3"), "JOB_COMPLETION_INDEX=5 is out of range"),
		Entry("a Swarm slot that is neither a number nor the node ID", shardRunFlags{}, "r",
			env(shards.EnvShardIndex, "abc", shards.EnvSwarmNodeID, "xyz", shards.EnvShardCount, "3"), "OTELBENCH_SHARD_INDEX"),
		Entry("a start long past", shardRunFlags{shard: "0/2", startAt: "2020-01-01T00:00:00Z"}, "r", env(), "beyond the tolerance of 5s"),
		Entry("a start that is not a time", shardRunFlags{shard: "0/2", startAt: "noon"}, "r", env(), `--start-at "noon": expected a time in RFC 3339`),
		Entry("--start-at without --shard", shardRunFlags{startAt: soon}, "r", env(), "expected --shard I/N too"),
		Entry("a bad tolerance in the environment", shardRunFlags{shard: "0/2"}, "r", env(shards.EnvStartTolerance, "soon"), "OTELBENCH_START_TOLERANCE"),
	)
})
