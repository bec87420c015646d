package shards_test

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/otelbench/otelbench/shards"
)

// tricky is a scenario holding what a shell would expand or end a here-doc on.
const tricky = "version: 1\nname: \"it's `date` $HOME ${USER:-x} $(id)\"\n# a backslash \\ and \\n, 'single' and \"double\" quotes\nOTELBENCH_SCENARIO_EOF\nEOF\n  - tab\there\n"

func job() shards.Job {
	return shards.Job{
		Name:      "otelbench-abc123",
		Scenario:  []byte(tricky),
		File:      "smoke.yaml",
		Shards:    3,
		Image:     "otelbench-local/otelbench:dev",
		RunID:     "abc123",
		StartAt:   time.Date(2030, 1, 2, 3, 4, 5, 6, time.FixedZone("CET", 3600)),
		Tolerance: 30 * time.Second,
		Args:      []string{"--deadline", "10m", "it's $HOME `x` $(id)\nline two"},
	}
}

// decodeStrict decodes YAML into v as the API server would, refusing any field the type does not have.
func decodeStrict(doc string, v any) {
	GinkgoHelper()
	data, err := yaml.YAMLToJSON([]byte(doc))
	Expect(err).NotTo(HaveOccurred())
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	Expect(dec.Decode(v)).To(Succeed(), string(data))
}

// documents splits multi-document YAML, dropping documents that hold only comments.
func documents(y []byte) []string {
	var docs []string
	for _, d := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(y), -1) {
		if strings.TrimSpace(regexp.MustCompile(`(?m)^#.*$`).ReplaceAllString(d, "")) != "" {
			docs = append(docs, d)
		}
	}
	return docs
}

func envOf(c corev1.Container) map[string]corev1.EnvVar {
	m := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		Expect(m).NotTo(HaveKey(e.Name), "one variable per name")
		m[e.Name] = e
	}
	return m
}

var _ = Describe("Kubernetes", func() {
	var (
		cm  corev1.ConfigMap
		kj  batchv1.Job
		out []byte
	)
	BeforeEach(func() {
		var err error
		out, err = shards.Kubernetes(job())
		Expect(err).NotTo(HaveOccurred())
		docs := documents(out)
		Expect(docs).To(HaveLen(2))
		cm, kj = corev1.ConfigMap{}, batchv1.Job{}
		decodeStrict(docs[0], &cm)
		decodeStrict(docs[1], &kj)
	})

	It("prints a ConfigMap holding the scenario byte for byte under its file name", func() {
		Expect(cm.APIVersion).To(Equal("v1"))
		Expect(cm.Kind).To(Equal("ConfigMap"))
		Expect(cm.Data).To(HaveLen(1))
		Expect(cm.Data).To(HaveKeyWithValue("smoke.yaml", tricky))
		Expect(cm.Labels).To(Equal(map[string]string{"app.kubernetes.io/name": "otelbench", "otelbench.run-id": "abc123"}))
	})

	It("prints an Indexed Job of N pods, never retried, that keeps its pods for their logs", func() {
		Expect(kj.APIVersion).To(Equal("batch/v1"))
		Expect(kj.Kind).To(Equal("Job"))
		Expect(kj.Name).To(Equal("otelbench-abc123"))
		Expect(kj.Namespace).To(BeEmpty())
		Expect(string(out)).NotTo(MatchRegexp(`(?m)^\s*namespace:`))
		Expect(kj.Labels).To(HaveKeyWithValue("otelbench.run-id", "abc123"))
		Expect(kj.Labels).To(HaveKeyWithValue("app.kubernetes.io/name", "otelbench"))
		s := kj.Spec
		Expect(s.CompletionMode).To(HaveValue(Equal(batchv1.IndexedCompletion)))
		Expect(s.Completions).To(HaveValue(BeEquivalentTo(3)))
		Expect(s.Parallelism).To(HaveValue(BeEquivalentTo(3)))
		Expect(s.BackoffLimit).To(HaveValue(BeEquivalentTo(0)))
		Expect(s.TTLSecondsAfterFinished).To(BeNil())
		Expect(s.Template.Spec.RestartPolicy).To(Equal(corev1.RestartPolicyNever))
		Expect(s.Template.Labels).To(HaveKeyWithValue("otelbench.run-id", "abc123"))
	})

	It("mounts the ConfigMap read-only at /etc/otelbench and runs the scenario from there", func() {
		pod := kj.Spec.Template.Spec
		Expect(pod.Containers).To(HaveLen(1))
		c := pod.Containers[0]
		Expect(c.Name).To(Equal("otelbench"))
		Expect(c.Image).To(Equal("otelbench-local/otelbench:dev"))
		Expect(c.ImagePullPolicy).To(Equal(corev1.PullIfNotPresent))
		Expect(c.Command).To(BeEmpty(), "the image's entrypoint is otelbench")
		Expect(c.Args).To(Equal([]string{"run", "/etc/otelbench/smoke.yaml", "--out", "/tmp/otelbench", "--print-artifact",
			"--deadline", "10m", "it's $$HOME `x` $$(id)\nline two"}), "every $ doubled: Kubernetes expands $(VAR) in args")
		Expect(c.VolumeMounts).To(HaveLen(1))
		Expect(c.VolumeMounts[0].MountPath).To(Equal("/etc/otelbench"))
		Expect(c.VolumeMounts[0].ReadOnly).To(BeTrue())
		Expect(pod.Volumes).To(HaveLen(1))
		Expect(pod.Volumes[0].Name).To(Equal(c.VolumeMounts[0].Name))
		Expect(pod.Volumes[0].ConfigMap).NotTo(BeNil())
		Expect(pod.Volumes[0].ConfigMap.Name).To(Equal(cm.Name))
	})

	It("gives every pod the run ID, the start time, the tolerance, the count and its index", func() {
		env := envOf(kj.Spec.Template.Spec.Containers[0])
		Expect(env["OTELBENCH_RUN_ID"].Value).To(Equal("abc123"))
		Expect(env["OTELBENCH_START_AT"].Value).To(Equal("2030-01-02T02:04:05.000000006Z"))
		at, err := time.Parse(time.RFC3339Nano, env["OTELBENCH_START_AT"].Value)
		Expect(err).NotTo(HaveOccurred())
		Expect(at).To(BeTemporally("==", job().StartAt))
		Expect(env["OTELBENCH_START_TOLERANCE"].Value).To(Equal("30s"))
		Expect(env["OTELBENCH_SHARD_COUNT"].Value).To(Equal("3"))
		idx := env["OTELBENCH_SHARD_INDEX"]
		Expect(idx.Value).To(BeEmpty())
		Expect(idx.ValueFrom).NotTo(BeNil())
		Expect(idx.ValueFrom.FieldRef).NotTo(BeNil())
		Expect(idx.ValueFrom.FieldRef.FieldPath).To(Equal("metadata.annotations['batch.kubernetes.io/job-completion-index']"))
		Expect(env).NotTo(HaveKey("JOB_COMPLETION_INDEX"), "Kubernetes sets it")
	})

	It("puts both objects in the namespace when one is given", func() {
		j := job()
		j.Namespace = "load"
		out, err := shards.Kubernetes(j)
		Expect(err).NotTo(HaveOccurred())
		docs := documents(out)
		var cm corev1.ConfigMap
		var kj batchv1.Job
		decodeStrict(docs[0], &cm)
		decodeStrict(docs[1], &kj)
		Expect(cm.Namespace).To(Equal("load"))
		Expect(kj.Namespace).To(Equal("load"))
	})

	It("keeps a scenario that is not UTF-8 as binary data", func() {
		j := job()
		j.Scenario = []byte("name: \xff\xfe\n")
		out, err := shards.Kubernetes(j)
		Expect(err).NotTo(HaveOccurred())
		var cm corev1.ConfigMap
		decodeStrict(documents(out)[0], &cm)
		Expect(cm.Data).To(BeEmpty())
		Expect(cm.BinaryData).To(HaveKeyWithValue("smoke.yaml", j.Scenario))
	})

	It("refuses an invalid job", func() {
		j := job()
		j.Image = ""
		_, err := shards.Kubernetes(j)
		Expect(err).To(MatchError(ContainSubstring("--image is required")))
	})
})

// shellWords splits POSIX shell words: single quotes, double quotes (\ escaping " \ $ `), backslash escapes and
// backslash-newline continuations outside quotes. It expands nothing: the scripts under test quote everything.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			Expect(end).To(BeNumerically(">=", 0), "unterminated single quote in %q", s)
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			Expect(i).To(BeNumerically("<", len(s)), "unterminated double quote in %q", s)
			inWord = true
		case c == '\\' && i+1 < len(s) && s[i+1] == '\n':
			i++
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// serviceCreate returns the docker service create command of a script, as written (continuation lines included).
func serviceCreate(script string) string {
	GinkgoHelper()
	_, rest, ok := strings.Cut(script, "\ndocker service create")
	Expect(ok).To(BeTrue(), "the script creates a service")
	// The command ends at the blank line after it (the args of the specs hold no blank line).
	line, _, ok := strings.Cut(rest, "\n\n")
	Expect(ok).To(BeTrue(), "a blank line follows the command")
	return "docker service create" + line
}

// flagValues returns every value given to flag in words (before the image).
func flagValues(words []string, flag string) []string {
	var vs []string
	for i := 0; i+1 < len(words); i++ {
		if words[i] == flag {
			vs = append(vs, words[i+1])
		}
	}
	return vs
}

// runWithFakeDocker runs script with sh, docker replaced by a function that writes what `docker config create`
// reads to $OUT/config and the args of `docker service create` to $OUT/args, one NUL after each.
func runWithFakeDocker(script string) (config []byte, args []string) {
	GinkgoHelper()
	dir := GinkgoT().TempDir()
	fake := `docker() {
  case "$1" in
  config) cat > "$OUT/config"; printf '%s\000' "$@" > "$OUT/config-args" ;;
  service) printf '%s\000' "$@" > "$OUT/args" ;;
  *) echo "unexpected docker $1" >&2; exit 9 ;;
  esac
}
`
	path := filepath.Join(dir, "run.sh")
	Expect(os.WriteFile(path, []byte(fake+script), 0o644)).To(Succeed())
	cmd := exec.Command("sh", path)
	cmd.Env = append(os.Environ(), "OUT="+dir, "HOME=/expanded-home", "USER=expanded-user")
	outErr, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(outErr))
	config, err = os.ReadFile(filepath.Join(dir, "config"))
	Expect(err).NotTo(HaveOccurred())
	configArgs, err := os.ReadFile(filepath.Join(dir, "config-args"))
	Expect(err).NotTo(HaveOccurred())
	Expect(strings.Split(strings.TrimSuffix(string(configArgs), "\x00"), "\x00")).To(Equal([]string{"config", "create", "otelbench-abc123-scenario", "-"}))
	raw, err := os.ReadFile(filepath.Join(dir, "args"))
	Expect(err).NotTo(HaveOccurred())
	return config, strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00")
}

var _ = Describe("Swarm", func() {
	var script string
	BeforeEach(func() {
		var err error
		script, err = shards.Swarm(job())
		Expect(err).NotTo(HaveOccurred())
	})

	It("prints a POSIX sh script that parses", func() {
		Expect(script).To(HavePrefix("#!/bin/sh\n"))
		Expect(script).To(MatchRegexp(`(?m)^set -eu$`))
		cmd := exec.Command("sh", "-n")
		cmd.Stdin = strings.NewReader(script)
		out, err := cmd.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
	})

	It("creates a replicated job of N tasks, never restarted, on the host network, mounting the scenario", func() {
		words := shellWords(serviceCreate(script))
		Expect(words[:3]).To(Equal([]string{"docker", "service", "create"}))
		Expect(flagValues(words, "--name")).To(Equal([]string{"otelbench-abc123"}))
		Expect(flagValues(words, "--mode")).To(Equal([]string{"replicated-job"}))
		Expect(flagValues(words, "--replicas")).To(Equal([]string{"3"}))
		Expect(flagValues(words, "--max-concurrent")).To(Equal([]string{"3"}))
		Expect(flagValues(words, "--restart-condition")).To(Equal([]string{"none"}))
		Expect(flagValues(words, "--network")).To(Equal([]string{"host"}))
		Expect(words).To(ContainElements("--no-resolve-image", "--detach"))
		Expect(flagValues(words, "--config")).To(Equal([]string{"source=otelbench-abc123-scenario,target=/etc/otelbench/smoke.yaml"}))
		Expect(flagValues(words, "--label")).To(Equal([]string{"otelbench.run-id=abc123"}))
		Expect(flagValues(words, "--env")).To(ConsistOf(
			"OTELBENCH_RUN_ID=abc123",
			"OTELBENCH_START_AT=2030-01-02T02:04:05.000000006Z",
			"OTELBENCH_START_TOLERANCE=30s",
			"OTELBENCH_SHARD_COUNT=3",
			"OTELBENCH_SHARD_INDEX={{.Task.Slot}}",
			"OTELBENCH_SWARM_NODE_ID={{.Node.ID}}",
		))
		img := -1
		for i, w := range words {
			if w == "otelbench-local/otelbench:dev" {
				img = i
			}
		}
		Expect(img).To(BeNumerically(">", 0))
		Expect(words[img+1:]).To(Equal([]string{"run", "/etc/otelbench/smoke.yaml", "--out", "/tmp/otelbench", "--print-artifact",
			"--deadline", "10m", "it's $HOME `x` $(id)\nline two"}))
	})

	It("hands docker the scenario and every arg exactly, expanding nothing", func() {
		config, args := runWithFakeDocker(script)
		Expect(string(config)).To(Equal(tricky))
		Expect(args).To(ContainElements("OTELBENCH_SHARD_INDEX={{.Task.Slot}}", "OTELBENCH_SWARM_NODE_ID={{.Node.ID}}"))
		Expect(args[len(args)-1]).To(Equal("it's $HOME `x` $(id)\nline two"))
		Expect(shellWords(serviceCreate(script))[1:]).To(Equal(args), "the test's splitter reads the line as sh does")
	})

	It("uses a here-doc delimiter that is not in the scenario", func() {
		Expect(script).To(ContainSubstring("<<'OTELBENCH_SCENARIO_EOF_1'\n"))
	})

	It("hands docker a scenario without a final newline byte for byte", func() {
		j := job()
		j.Scenario = []byte("name: 'x' $HOME `y`")
		script, err := shards.Swarm(j)
		Expect(err).NotTo(HaveOccurred())
		config, _ := runWithFakeDocker(script)
		Expect(string(config)).To(Equal("name: 'x' $HOME `y`"))
	})

	It("tells how to wait, collect, merge and clean up", func() {
		Expect(script).To(ContainSubstring("docker service ps otelbench-abc123"))
		Expect(script).To(ContainSubstring("docker service logs --raw otelbench-abc123 > otelbench-abc123.log"))
		Expect(script).To(ContainSubstring("otelbench merge otelbench-abc123.log --out "))
		Expect(script).To(ContainSubstring("docker service rm otelbench-abc123"))
		Expect(script).To(ContainSubstring("docker config rm otelbench-abc123-scenario"))
	})

	It("refuses an invalid job", func() {
		j := job()
		j.Shards = 0
		_, err := shards.Swarm(j)
		Expect(err).To(MatchError(ContainSubstring("--shards must be at least 1")))
	})
})

var _ = DescribeTable("SlotIndex",
	func(index, nodeID string, want int, wantErr string) {
		got, err := shards.SlotIndex(index, nodeID)
		if wantErr != "" {
			Expect(err).To(MatchError(ContainSubstring(wantErr)))
			return
		}
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(Equal(want))
	},
	Entry("a slot number", "2", "n0d31d", 2, ""),
	Entry("slot 0 rendered as the node ID", "n0d31d", "n0d31d", 0, ""),
	Entry("an empty index", "", "n0d31d", 0, "expected a shard index"),
	Entry("an empty index and node ID", "", "", 0, "OTELBENCH_SWARM_NODE_ID is unset"),
	Entry("neither a number nor the node ID", "abc", "n0d31d", 0, `or the node ID "n0d31d"`),
	Entry("a negative number", "-1", "n0d31d", 0, "expected a shard index of 0 or more"),
)

var _ = DescribeTable("Job.Validate",
	func(change func(*shards.Job), want string) {
		j := job()
		change(&j)
		err := j.Validate()
		if want == "" {
			Expect(err).NotTo(HaveOccurred())
			return
		}
		Expect(err).To(MatchError(ContainSubstring(want)))
	},
	Entry("a valid job", func(*shards.Job) {}, ""),
	Entry("zero shards", func(j *shards.Job) { j.Shards = 0 }, "--shards 0: --shards must be at least 1"),
	Entry("negative shards", func(j *shards.Job) { j.Shards = -2 }, "--shards -2: --shards must be at least 1"),
	Entry("too many shards", func(j *shards.Job) { j.Shards = 100001 }, "expected at most 100000"),
	Entry("no image", func(j *shards.Job) { j.Image = "" }, "--image is required"),
	Entry("an image with a space", func(j *shards.Job) { j.Image = "a b" }, `--image "a b": expected an image reference`),
	Entry("an upper-case name", func(j *shards.Job) { j.Name = "Otelbench-X" }, `job name "Otelbench-X" (otelbench- and the --run-id): expected a DNS-1123 label`),
	Entry("a name too long", func(j *shards.Job) { j.Name = "otelbench-" + strings.Repeat("a", 60) }, "expected a DNS-1123 label"),
	Entry("no run ID", func(j *shards.Job) { j.RunID = "" }, "--run-id is empty"),
	Entry("a run ID that is no label value", func(j *shards.Job) { j.RunID = "a/b" }, `--run-id "a/b": expected a label value`),
	Entry("no start time", func(j *shards.Job) { j.StartAt = time.Time{} }, "expected --start-at or --start-in"),
	Entry("no tolerance", func(j *shards.Job) { j.Tolerance = 0 }, "--start-tolerance 0s: expected a positive duration"),
	Entry("a bad namespace", func(j *shards.Job) { j.Namespace = "Load_Tests" }, `--namespace "Load_Tests"`),
	Entry("an empty scenario", func(j *shards.Job) { j.Scenario = nil }, "the scenario file is empty"),
	Entry("a file name with a folder", func(j *shards.Job) { j.File = "a/b.yaml" }, `scenario file name "a/b.yaml": expected a base name`),
	Entry("no file name", func(j *shards.Job) { j.File = "" }, "the scenario file name is empty"),
)

var _ = Describe("Image", func() {
	It("is tagged otelbench-local/otelbench:VERSION, dev without one", func() {
		Expect(shards.Image("").Local).To(Equal("otelbench-local/otelbench:dev"))
		Expect(shards.Image("1a2b3c4d5e6f").Local).To(Equal("otelbench-local/otelbench:1a2b3c4d5e6f"))
	})

	It("runs the static binary /otelbench from scratch", func() {
		df, err := fs.ReadFile(shards.Image("dev").Recipe, "Dockerfile")
		Expect(err).NotTo(HaveOccurred())
		Expect(string(df)).To(MatchRegexp(`(?m)^FROM scratch$`))
		Expect(string(df)).To(MatchRegexp(`(?m)^COPY otelbench /otelbench$`))
		Expect(string(df)).To(MatchRegexp(`(?m)^WORKDIR /tmp$`))
		Expect(string(df)).To(MatchRegexp(`(?m)^ENTRYPOINT \["/otelbench"\]$`))
	})

	It("builds a static otelbench binary from the source tree it is in", func(ctx SpecContext) {
		img := shards.Image("dev")
		work := GinkgoT().TempDir()
		Expect(os.Mkdir(filepath.Join(work, "context"), 0o755)).To(Succeed())
		Expect(img.Build(ctx, img, work, GinkgoWriter)).To(Succeed())
		Expect(filepath.Join(work, "context", "Dockerfile")).To(BeARegularFile())
		expectStatic(filepath.Join(work, "context", "otelbench"))
	}, SpecTimeout(10*time.Minute))

	It("outside the source tree, copies the running binary only when it is static", func(ctx context.Context) {
		GinkgoT().Chdir(GinkgoT().TempDir())
		img := shards.Image("dev")
		work := GinkgoT().TempDir()
		Expect(os.Mkdir(filepath.Join(work, "context"), 0o755)).To(Succeed())
		err := img.Build(ctx, img, work, GinkgoWriter)
		// The test binary is static when cgo is off, dynamic when it is on: either way the outcome must fit.
		exe, _ := os.Executable()
		f, ferr := elf.Open(exe)
		Expect(ferr).NotTo(HaveOccurred())
		dynamic := false
		for _, p := range f.Progs {
			dynamic = dynamic || p.Type == elf.PT_INTERP
		}
		f.Close()
		if dynamic {
			Expect(err).To(MatchError(And(ContainSubstring("is dynamically linked"), ContainSubstring("not in otelbench's source tree"))))
			return
		}
		Expect(err).NotTo(HaveOccurred())
		expectStatic(filepath.Join(work, "context", "otelbench"))
	})
})

func expectStatic(path string) {
	GinkgoHelper()
	f, err := elf.Open(path)
	Expect(err).NotTo(HaveOccurred())
	defer f.Close()
	for _, p := range f.Progs {
		Expect(p.Type).NotTo(Equal(elf.PT_INTERP), "a static binary has no program interpreter")
	}
	info, err := os.Stat(path)
	Expect(err).NotTo(HaveOccurred())
	Expect(info.Mode().Perm() & 0o111).NotTo(BeZero())
}
