package main_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/conformance"
	"github.com/otelbench/otelbench/containers/jaeger"
	"github.com/otelbench/otelbench/containers/victorialogs"
)

// docker runs the docker CLI and returns its combined output.
func docker(ctx context.Context, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// localSwarm makes this engine a single-node swarm advertised on 127.0.0.1, and leaves it again after the specs. An
// engine that is in a swarm already is someone else's: the specs are skipped, saying so, and it is left alone; so
// they are where the engine cannot run Swarm at all.
func localSwarm(ctx context.Context) {
	GinkgoHelper()
	state, err := docker(ctx, "info", "--format", "{{.Swarm.LocalNodeState}}")
	Expect(err).NotTo(HaveOccurred(), state)
	if state != "inactive" {
		Skip(fmt.Sprintf("Swarm specs skipped: this Docker engine's swarm state is %q (not otelbench's to change); they need an engine in no swarm", state))
	}
	if out, err := docker(ctx, "swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", "127.0.0.1:2377"); err != nil {
		Skip("Swarm specs skipped: this Docker engine cannot start a swarm: " + out)
	}
	DeferCleanup(func(ctx context.Context) {
		out, err := docker(ctx, "swarm", "leave", "--force")
		Expect(err).NotTo(HaveOccurred(), out)
	})
}

// otelbenchImage builds the otelbench image from this source tree, as a user does, and returns its tag.
func otelbenchImage(ctx SpecContext) string {
	GinkgoHelper()
	s := otelbench("images", "build", "--force", "otelbench")
	Eventually(s).WithContext(ctx).Should(gexec.Exit(0))
	line := strings.TrimSpace(string(s.Out.Contents()))
	tag, _, ok := strings.Cut(line, ": ")
	Expect(ok).To(BeTrue(), line)
	return tag
}

var _ = Describe("otelbench shard swarm", Label("docker", "e2e", "swarm"), Ordered, func() {
	var j *jaeger.Jaeger
	var vlogs containers.Live
	var image string

	BeforeAll(func(ctx SpecContext) {
		localSwarm(ctx)
		image = otelbenchImage(ctx)
		var err error
		j, err = jaeger.Run(ctx, startImage(ctx, "jaeger"), jaeger.Config{RunID: runID("swarm-jaeger"), MaxTraces: 50_000})
		DeferCleanup(func(ctx context.Context) { _ = j.Terminate(ctx) })
		Expect(err).NotTo(HaveOccurred())
		vlogs, err = conformance.Started(victorialogs.Kind{})(ctx)
		DeferCleanup(func(ctx context.Context) { _ = vlogs.Terminate(ctx) })
		Expect(err).NotTo(HaveOccurred())
	}, NodeTimeout(6*time.Minute))

	It("runs three shards as a replicated job, collects their logs and merges them into one passing run", func(ctx SpecContext) {
		query := vlogs.(interface{ Describe() map[string]string }).Describe()["query"]
		scenario := writeScenario(fmt.Sprintf(`version: 1
name: swarm
duration: 3s
verify: {timeout: 20s}
backends:
  - {name: jaeger, type: jaeger, external: {otlp_grpc: %q, url: %q}}
  - {name: vlogs, type: victorialogs, external: {url: %q}}
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: jaeger, batch_timeout: 200ms}
  - {name: logs, protocol: otlp-http, backend: vlogs, batch_timeout: 200ms}
workloads:
  - {name: checkout, signal: traces, exporters: [grpc], rate: 200, trace: {spans: 4}}
  - {name: audit, signal: logs, exporters: [logs], rate: 90}
thresholds:
  - expr: lost == 0
`, j.OTLPGRPCEndpoint(), j.QueryURL(), query))
		id := strings.ToLower(strings.ReplaceAll(runID("swarm"), "e2e-", ""))
		name := "otelbench-" + id
		print := otelbench("shard", "swarm", scenario, "--shards", "3", "--image", image, "--run-id", id, "--start-in", "15s")
		Eventually(print).WithContext(ctx).Should(gexec.Exit(0))
		script := filepath.Join(GinkgoT().TempDir(), "shards.sh")
		Expect(os.WriteFile(script, print.Out.Contents(), 0o755)).To(Succeed())
		DeferCleanup(func(ctx context.Context) {
			_, _ = docker(ctx, "service", "rm", name)
			_, _ = docker(ctx, "config", "rm", name+"-scenario")
		})
		out, err := exec.CommandContext(ctx, "sh", script).CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))

		By("waiting until every task of the job is complete")
		Eventually(func(ctx context.Context) ([]string, error) {
			states, err := docker(ctx, "service", "ps", name, "--format", "{{.CurrentState}}")
			return strings.Split(states, "\n"), err
		}).WithContext(ctx).WithTimeout(3 * time.Minute).WithPolling(2 * time.Second).Should(
			SatisfyAll(HaveLen(3), HaveEach(HavePrefix("Complete"))))

		By("merging what their logs hold")
		logs, err := docker(ctx, "service", "logs", "--raw", name)
		Expect(err).NotTo(HaveOccurred(), logs)
		path := filepath.Join(GinkgoT().TempDir(), name+".log")
		Expect(os.WriteFile(path, []byte(logs), 0o644)).To(Succeed())
		dir := GinkgoT().TempDir()
		m := otelbench("merge", path, "--out", dir)
		Eventually(m).WithContext(ctx).Should(gexec.Exit(0))
		rep := readReport(dir)
		Expect(rep.RunID).To(Equal(id))
		Expect(rep.Merged.Shards).To(HaveLen(3))
		indexes := []int{}
		for _, s := range rep.Merged.Shards {
			indexes = append(indexes, s.Index)
		}
		Expect(indexes).To(Equal([]int{0, 1, 2}), "the task in slot 0 (given the node ID) is shard 0")
		want := map[string]int64{"checkout": 600, "audit": 270} // rate x duration: what one run sends
		for _, row := range rep.Exporters {
			Expect(row.Sent).To(Equal(want[row.Workload]), row.Workload)
			Expect(row.Verified).To(Equal(row.Sent), row.Workload)
		}
		Expect(rep.Passed).To(BeTrue())
		Expect(rep.ThresholdsPassed).To(BeTrue())
	}, SpecTimeout(6*time.Minute))
})
