package main

// In-process specs of otelbench shard (package main, so that they reach newShardCmd before the root wires it).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// shardCLI runs otelbench with args in-process as run does, and returns its exit code, stdout and stderr.
func shardCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	root := newRoot(&stdout, &stderr)
	if c, _, err := root.Find([]string{"shard"}); err != nil || c == root {
		root.AddCommand(newShardCmd(&stdout))
	}
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitPassed, stdout.String(), stderr.String()
	}
	code := exitRuntime
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	fmt.Fprintf(&stderr, "otelbench: %s\n", err)
	return code, stdout.String(), stderr.String()
}

var _ = Describe("otelbench shard", func() {
	const smoke = "../../scenarios/smoke.yaml"
	// external is a scenario shards can run: its backend is already running.
	var external string
	BeforeEach(func() {
		external = filepath.Join(GinkgoT().TempDir(), "ext.yaml")
		Expect(os.WriteFile(external, []byte(`version: 1
name: ext
duration: 10s
backends:
  - {name: vl, type: victorialogs, external: {url: "http://127.0.0.1:9428"}}
exporters:
  - {name: http, protocol: otlp-http, backend: vl}
workloads:
  - {name: w, signal: logs, exporters: [http], rate: 10}
`), 0o644)).To(Succeed())
	})

	DescribeTable("exits 2 on bad usage, naming what is wrong",
		func(want string, args ...string) {
			code, stdout, stderr := shardCLI(args...)
			Expect(code).To(Equal(exitUsage), stderr)
			Expect(stdout).To(BeEmpty())
			Expect(stderr).To(ContainSubstring(want))
		},
		Entry("no --image", "--image is required", "shard", "k8s", smoke, "--shards", "3"),
		Entry("--shards 0", "--shards must be at least 1", "shard", "k8s", smoke, "--shards", "0", "--image", "i"),
		Entry("no --shards", "--shards is required", "shard", "swarm", smoke, "--image", "i"),
		Entry("--start-at and --start-in", "expected one of them", "shard", "k8s", smoke, "--shards", "1", "--image", "i", "--start-at", "2099-01-01T00:00:00Z", "--start-in", "1m"),
		Entry("--start-at in the past", "is not in the future", "shard", "k8s", smoke, "--shards", "1", "--image", "i", "--start-at", "2001-01-01T00:00:00Z"),
		Entry("a bad --start-at", "expected an RFC 3339 time", "shard", "swarm", smoke, "--shards", "1", "--image", "i", "--start-at", "tomorrow"),
		Entry("an upper-case --run-id", `job name "otelbench-ABC"`, "shard", "k8s", smoke, "--shards", "1", "--image", "i", "--run-id", "ABC"),
		Entry("no scenario file", "takes one scenario file", "shard", "k8s", "--shards", "1", "--image", "i"),
		Entry("a missing scenario file", "read scenario", "shard", "k8s", "nope.yaml", "--shards", "1", "--image", "i"),
		Entry("--namespace on swarm", "unknown flag: --namespace", "shard", "swarm", smoke, "--shards", "1", "--image", "i", "--namespace", "x"),
		Entry("no subcommand", "shard needs a subcommand", "shard"),
	)

	It("refuses an invalid scenario with exit 2, naming file, line and column", func() {
		path := filepath.Join(GinkgoT().TempDir(), "bad.yaml")
		Expect(os.WriteFile(path, []byte("version: 1\nname: x\nduration: soon\n"), 0o644)).To(Succeed())
		code, _, stderr := shardCLI("shard", "k8s", path, "--shards", "2", "--image", "i")
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring(path + ":3:"))
	})

	It("refuses a scenario shards cannot run, at its line and column, and prints nothing to apply", func() {
		code, stdout, stderr := shardCLI("shard", "k8s", smoke, "--shards", "3", "--image", "otelbench-local/otelbench:dev")
		Expect(code).To(Equal(exitUsage))
		Expect(stdout).To(BeEmpty())
		Expect(stderr).To(ContainSubstring(`smoke.yaml:12:5: backend "jaeger" would be started`))
	})

	It("prints a ConfigMap and an Indexed Job that decode strictly", func() {
		before := time.Now()
		code, stdout, stderr := shardCLI("shard", "k8s", external, "--shards", "3", "--image", "otelbench-local/otelbench:dev",
			"--run-id", "abc123", "--namespace", "load", "--", "--deadline", "5m")
		Expect(code).To(Equal(exitPassed), stderr)
		var docs []string
		for _, d := range regexp.MustCompile(`(?m)^---$`).Split(stdout, -1) {
			if strings.TrimSpace(regexp.MustCompile(`(?m)^#.*$`).ReplaceAllString(d, "")) != "" {
				docs = append(docs, d)
			}
		}
		Expect(docs).To(HaveLen(2))
		strict := func(doc string, v any) {
			data, err := yaml.YAMLToJSON([]byte(doc))
			Expect(err).NotTo(HaveOccurred())
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			Expect(dec.Decode(v)).To(Succeed())
		}
		var cm corev1.ConfigMap
		var job batchv1.Job
		strict(docs[0], &cm)
		strict(docs[1], &job)
		scenario, err := os.ReadFile(external)
		Expect(err).NotTo(HaveOccurred())
		Expect(cm.Data).To(HaveKeyWithValue("ext.yaml", string(scenario)))
		Expect(cm.Namespace).To(Equal("load"))
		Expect(job.Name).To(Equal("otelbench-abc123"))
		Expect(job.Namespace).To(Equal("load"))
		Expect(job.Spec.CompletionMode).To(HaveValue(Equal(batchv1.IndexedCompletion)))
		Expect(job.Spec.Completions).To(HaveValue(BeEquivalentTo(3)))
		Expect(job.Spec.BackoffLimit).To(HaveValue(BeEquivalentTo(0)))
		c := job.Spec.Template.Spec.Containers[0]
		Expect(c.Args).To(Equal([]string{"run", "/etc/otelbench/ext.yaml", "--out", "/tmp/otelbench", "--print-artifact", "--deadline", "5m"}))
		env := map[string]string{}
		for _, e := range c.Env {
			env[e.Name] = e.Value
		}
		Expect(env).To(HaveKeyWithValue("OTELBENCH_RUN_ID", "abc123"))
		Expect(env).To(HaveKeyWithValue("OTELBENCH_SHARD_COUNT", "3"))
		Expect(env).To(HaveKeyWithValue("OTELBENCH_START_TOLERANCE", "5s"))
		at, err := time.Parse(time.RFC3339Nano, env["OTELBENCH_START_AT"])
		Expect(err).NotTo(HaveOccurred())
		Expect(at).To(BeTemporally("~", before.Add(2*time.Minute), 5*time.Second), "--start-in defaults to 2m")
	})

	It("prints a Swarm script, with a random run ID when none is given", func() {
		code, stdout, stderr := shardCLI("shard", "swarm", external, "--shards", "2", "--image", "img:1", "--start-in", "10m", "--start-tolerance", "1m")
		Expect(code).To(Equal(exitPassed), stderr)
		Expect(stderr).To(BeEmpty(), "a scenario of external backends shards")
		Expect(stdout).To(HavePrefix("#!/bin/sh\n"))
		Expect(stdout).To(MatchRegexp(`--name 'otelbench-[0-9a-f]{12}'`))
		Expect(stdout).To(ContainSubstring("--env 'OTELBENCH_START_TOLERANCE=1m0s'"))
		Expect(stdout).To(ContainSubstring("'img:1' 'run' '/etc/otelbench/ext.yaml'"))
	})
})
