package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
)

func otelbench(args ...string) *gexec.Session {
	s, err := gexec.Start(exec.Command(binary, args...), GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	return s
}

var _ = Describe("otelbench validate", func() {
	It("accepts every shipped scenario", func() {
		files, err := filepath.Glob("../../scenarios/*.yaml")
		Expect(err).NotTo(HaveOccurred())
		Expect(files).NotTo(BeEmpty())
		s := otelbench(append([]string{"validate"}, files...)...)
		Eventually(s).Should(gexec.Exit(0))
		Expect(s.Out).To(gbytes.Say("smoke.yaml: ok"))
	})

	DescribeTable("rejects a bad scenario with exit code 2, naming file, line and column",
		func(content, want string) {
			path := filepath.Join(GinkgoT().TempDir(), "bad.yaml")
			Expect(os.WriteFile(path, []byte(content), 0o644)).To(Succeed())
			s := otelbench("validate", path)
			Eventually(s).Should(gexec.Exit(2))
			Expect(string(s.Err.Contents())).To(ContainSubstring(path + ":" + want))
		},
		Entry("an unknown key", "version: 1\nname: x\nduration: 1s\nbackends: [{name: j, type: jaeger}]\nexporters:\n  - name: e\n    protocol: otlp-grpc\n    backend: j\n    batch_sise: 2\nworkloads: [{name: w, signal: traces, exporters: [e], rate: 10}]\n",
			`9:5: unknown key "batch_sise"`),
		Entry("a wrong type", "version: 1\nname: x\nduration: soon\nbackends: [{name: j, type: jaeger}]\nexporters: [{name: e, protocol: otlp-grpc, backend: j}]\nworkloads: [{name: w, signal: traces, exporters: [e], rate: 10}]\n",
			"3:11:"),
		Entry("an impossible value", "version: 1\nname: x\nduration: 1s\nbackends: [{name: j, type: jaeger}]\nexporters: [{name: e, protocol: otlp-grpc, backend: j}]\nworkloads: [{name: w, signal: traces, exporters: [e], rate: -5}]\n",
			"6:"),
		Entry("a reference to nothing", "version: 1\nname: x\nduration: 1s\nbackends: [{name: j, type: jaeger}]\nexporters: [{name: e, protocol: otlp-grpc, backend: nope}]\nworkloads: [{name: w, signal: traces, exporters: [e], rate: 10}]\n",
			"5:"),
		Entry("YAML that does not parse", "version: 1\nduration: 1s\nname: [x\n", "3: invalid YAML"),
		Entry("an external collector that must give logs back without files_dir",
			"version: 1\nname: x\nduration: 1s\nbackends:\n  - name: c\n    type: collector\n    external: {otlp_grpc: \"127.0.0.1:4317\"}\nexporters: [{name: e, protocol: otlp-grpc, backend: c}]\nworkloads: [{name: w, signal: logs, exporters: [e], rate: 10}]\n",
			`7:15: external collector "c" has no files_dir, so it cannot give logs back`),
		Entry("an external collector whose files_dir does not exist",
			"version: 1\nname: x\nduration: 1s\nbackends:\n  - name: c\n    type: collector\n    external: {otlp_grpc: \"127.0.0.1:4317\", files_dir: ./otel-filez}\nexporters: [{name: e, protocol: otlp-grpc, backend: c}]\nworkloads: [{name: w, signal: logs, exporters: [e], rate: 10}]\n",
			`7:56: folder "./otel-filez" does not exist`),
		Entry("an app's sampling ratio out of range",
			"version: 1\nname: x\nduration: 1s\nbackends: [{name: j, type: jaeger}]\napps:\n  - name: a\n    url: http://127.0.0.1:8000\n    traces: {backend: j}\n    sampling: {sampler: parentbased_traceidratio, ratio: 2}\nworkloads: [{name: w, app: a, rate: 10, requests: [{path: /}]}]\n",
			`9:58: ratio 2 is out of range; expected a number from 0 to 1`),
	)

	It("agrees with run: a scenario validate rejects, run rejects at the same place with exit 2 and starts nothing", func() {
		path := filepath.Join(GinkgoT().TempDir(), "bad.yaml")
		Expect(os.WriteFile(path, []byte("version: 1\nname: x\nduration: 1s\nbackends:\n  - name: c\n    type: collector\n    external: {otlp_grpc: \"127.0.0.1:4317\"}\nexporters: [{name: e, protocol: otlp-grpc, backend: c}]\nworkloads: [{name: w, signal: metrics, exporters: [e], rate: 10}]\n"), 0o644)).To(Succeed())
		s := otelbench("run", path)
		Eventually(s).Should(gexec.Exit(2))
		Expect(s.Err).To(gbytes.Say(path + `:7:15: external collector "c" has no files_dir`))
	})

	It("reports every problem of a file, not just the first", func() {
		path := filepath.Join(GinkgoT().TempDir(), "bad.yaml")
		Expect(os.WriteFile(path, []byte("version: 2\nname: x\nduration: 1s\nbogus: true\nbackends: []\nexporters: []\nworkloads: []\n"), 0o644)).To(Succeed())
		s := otelbench("validate", path)
		Eventually(s).Should(gexec.Exit(2))
		Expect(s.Err).To(gbytes.Say(path + ":1:"))
		Expect(s.Err).To(gbytes.Say(path + ":4:1:"))
	})

	It("starts nothing for an invalid scenario given to run", func() {
		s := otelbench("run", "../../scenarios/testdata/unknown-key.yaml", "--run-id", "spec-invalid")
		Eventually(s).Should(gexec.Exit(2))
		Expect(s.Err).To(gbytes.Say(`unknown-key.yaml:11:5: `))
	})
})

var _ = Describe("otelbench run reading an external collector's files", func() {
	It("stops with an error, exit 1, when a file holds what the collector does not write, rather than reporting loss", func(ctx SpecContext) {
		dir := GinkgoT().TempDir()
		files := filepath.Join(dir, "files")
		Expect(os.Mkdir(files, 0o755)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(files, "logs.jsonl"), []byte("{\"resourceLogs\":[]}\nthis is not JSON\n"), 0o644)).To(Succeed())
		path := filepath.Join(dir, "scenario.yaml")
		// Nothing listens at the OTLP endpoint: the exports fail, which the row reports; the file is the error.
		Expect(os.WriteFile(path, []byte(`version: 1
name: unreadable
duration: 1s
verify: {timeout: 5s}
backends:
  - {name: theirs, type: collector, external: {otlp_grpc: "127.0.0.1:1", files_dir: files}}
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: theirs, export_timeout: 1s, batch_timeout: 100ms}
workloads:
  - {name: audit, signal: logs, exporters: [grpc], rate: 20}
`), 0o644)).To(Succeed())
		out := GinkgoT().TempDir()
		s := otelbench("run", path, "--out", out)
		Eventually(s).WithContext(ctx).Should(gexec.Exit(1))
		Expect(s.Err).To(gbytes.Say(`read logs: unreadable: .*logs.jsonl line 2: not OTLP JSON logs`))
		Expect(filepath.Join(out, "report.json")).To(BeARegularFile(), "what was measured is still reported")
	}, SpecTimeout(time.Minute))
})

var _ = Describe("otelbench run --keep-backends", func() {
	It("prints where each backend can be reached after the report, and stops them when the time is up", func(ctx SpecContext) {
		out := GinkgoT().TempDir()
		s := otelbench("run", "testdata/console.yaml", "--out", out, "--keep-backends", "1s")
		Eventually(s).WithContext(ctx).Should(gexec.Exit(0))
		Expect(s.Out).To(gbytes.Say("PASSED"))
		Expect(s.Err).To(gbytes.Say(`backends and apps \(kept running; Ctrl-C stops them\):`))
		Expect(s.Err).To(gbytes.Say(`stdout \(console\)\n\s+files\s+` + regexp.QuoteMeta(filepath.Join(out, "console"))))
		Expect(s.Err).To(gbytes.Say(`stopping them in 1s`))
		Expect(filepath.Join(out, "report.json")).To(BeARegularFile())
	}, SpecTimeout(time.Minute))
})

var _ = Describe("otelbench usage", func() {
	DescribeTable("exits 2 on bad usage",
		func(args ...string) {
			Eventually(otelbench(args...)).Should(gexec.Exit(2))
		},
		Entry("no command"),
		Entry("an unknown command", "frobnicate"),
		Entry("run without a file", "run"),
		Entry("an unknown flag", "run", "--bogus", "../../scenarios/smoke.yaml"),
		Entry("a bad image policy", "run", "../../scenarios/smoke.yaml", "--images", "nearest"),
	)
})

var _ = DescribeTable("the documentation's example scenarios validate",
	func(file, section string) {
		data, err := os.ReadFile(file)
		Expect(err).NotTo(HaveOccurred())
		_, rest, found := strings.Cut(string(data), section)
		Expect(found).To(BeTrue())
		_, rest, found = strings.Cut(rest, "```yaml\n")
		Expect(found).To(BeTrue())
		example, _, found := strings.Cut(rest, "```")
		Expect(found).To(BeTrue())
		path := filepath.Join(GinkgoT().TempDir(), "readme.yaml")
		Expect(os.WriteFile(path, []byte(example), 0o644)).To(Succeed())
		s := otelbench("validate", path)
		Eventually(s).Should(gexec.Exit(0))
	},
	Entry("the README's first scenario", "../../README.md", "## A first scenario"),
	Entry("the scenario reference's full example", "../../docs/scenarios.md", "## Scenario format"),
)

var _ = Describe("otelbench run on a scenario too big for this machine", func() {
	It("refuses it before anything starts, saying where and why, and exits 2", func() {
		path := filepath.Join(GinkgoT().TempDir(), "huge.yaml")
		Expect(os.WriteFile(path, []byte(`version: 1
name: huge
duration: 24h
backends:
  - name: store
    type: zipkin
exporters:
  - {name: zip, protocol: zipkin, backend: store}
workloads:
  - {name: w, signal: traces, exporters: [zip], rate: 100000, trace: {spans: 5, attributes: 128, attribute_size: 65536}}
`), 0o644)).To(Succeed())
		out := GinkgoT().TempDir()
		s := otelbench("run", path, "--out", out, "--run-id", runID("huge"))
		Eventually(s).Should(gexec.Exit(2))
		Expect(s.Err).To(gbytes.Say(`huge.yaml:5:5: backend "store" would hold room for \d+ spans`))
		Expect(s.Err).To(gbytes.Say(`expected a lower rate, a shorter duration, or fewer or smaller attributes`))
		Expect(filepath.Join(out, "report.json")).NotTo(BeAnExistingFile())
	})
})

var _ = Describe("otelbench run in GitHub Actions", func() {
	It("appends the Markdown report to $GITHUB_STEP_SUMMARY, with --out or without", func(ctx SpecContext) {
		summary := filepath.Join(GinkgoT().TempDir(), "summary.md")
		cmd := exec.Command(binary, "run", "testdata/console.yaml")
		cmd.Env = append(os.Environ(), "GITHUB_STEP_SUMMARY="+summary)
		s, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		Eventually(s).WithContext(ctx).Should(gexec.Exit(0))
		data, err := os.ReadFile(summary)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(HavePrefix("## otelbench: "))
		Expect(string(data)).To(ContainSubstring("passed"))
	}, SpecTimeout(time.Minute))
})
