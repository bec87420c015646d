// Package shards prints what users apply to their container engines to run one scenario as N shards: a
// Kubernetes Indexed Job (with a ConfigMap holding the scenario) or a Docker Swarm replicated job (a shell script
// of docker commands), and builds the otelbench container image both of them run.
//
// The contract with the otelbench container (the reading side is `otelbench run` in the image):
//   - the image's entrypoint is the otelbench binary at /otelbench; the command args are
//     `run /etc/otelbench/<scenario file> --out /tmp/otelbench --print-artifact` and then the user's extra args;
//   - the environment holds OTELBENCH_RUN_ID (the run ID all shards share), OTELBENCH_START_AT (the absolute start
//     time, RFC 3339 with nanoseconds, UTC), OTELBENCH_START_TOLERANCE (a Go duration) and OTELBENCH_SHARD_COUNT;
//   - the shard index: on Kubernetes JOB_COMPLETION_INDEX (set by Kubernetes in Indexed Jobs) and
//     OTELBENCH_SHARD_INDEX from the pod's job-completion-index annotation; on Swarm OTELBENCH_SHARD_INDEX is
//     {{.Task.Slot}} and OTELBENCH_SWARM_NODE_ID is {{.Node.ID}}, read back with SlotIndex.
package shards

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// Where the scenario and the artifacts live in the container, and the fixed start of its command.
const (
	// ScenarioDir is the folder the scenario file is mounted in (a ConfigMap volume, or a Swarm config).
	ScenarioDir = "/etc/otelbench"
	// OutDir is the container's --out folder.
	OutDir = "/tmp/otelbench"
	// ContainerName is the name of the Kubernetes Job's container.
	ContainerName = "otelbench"
	// MaxShards is the most shards a job may have: Kubernetes caps an Indexed Job's completions and parallelism at
	// 100000.
	MaxShards = 100000
)

// The environment variables of the container contract.
const (
	EnvRunID          = "OTELBENCH_RUN_ID"
	EnvStartAt        = "OTELBENCH_START_AT"
	EnvStartTolerance = "OTELBENCH_START_TOLERANCE"
	EnvShardCount     = "OTELBENCH_SHARD_COUNT"
	EnvShardIndex     = "OTELBENCH_SHARD_INDEX"
	EnvSwarmNodeID    = "OTELBENCH_SWARM_NODE_ID"
	// EnvJobCompletionIndex is set by Kubernetes in the pods of an Indexed Job.
	EnvJobCompletionIndex = "JOB_COMPLETION_INDEX"
)

// The labels every object of a sharded run carries.
const (
	LabelName  = "app.kubernetes.io/name"
	LabelRunID = "otelbench.run-id"
)

// StartAtLayout formats OTELBENCH_START_AT: RFC 3339 with all nine digits of nanoseconds, in UTC.
const StartAtLayout = "2006-01-02T15:04:05.000000000Z07:00"

// completionIndexAnnotation is the pod annotation Kubernetes sets to the index of an Indexed Job's pod.
const completionIndexAnnotation = "batch.kubernetes.io/job-completion-index"

// Job is one sharded run to print for an engine.
type Job struct {
	// Name names the Kubernetes Job or the Swarm service, e.g. "otelbench-<runid>": a DNS-1123 label.
	Name string
	// Scenario is the scenario file's contents.
	Scenario []byte
	// File is the scenario file's base name, e.g. "smoke.yaml": the ConfigMap key and the file under ScenarioDir.
	File string
	// Shards is N, the number of shards (1 or more).
	Shards int
	// Image is the otelbench container image every node runs.
	Image string
	// RunID is the run ID all shards share.
	RunID string
	// StartAt is the absolute time all shards start sending.
	StartAt time.Time
	// Tolerance is how late a shard may start before it gives up.
	Tolerance time.Duration
	// Namespace is the Kubernetes namespace of the objects; empty leaves it to kubectl's context.
	Namespace string
	// Args are extra args of `otelbench run`, after the fixed ones.
	Args []string
}

// Validate checks j and returns every problem at once, each naming the flag that sets it.
func (j Job) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if msgs := validation.IsDNS1123Label(j.Name); len(msgs) > 0 {
		add("job name %q (otelbench- and the --run-id): expected a DNS-1123 label: %s", j.Name, strings.Join(msgs, "; "))
	}
	if len(j.Scenario) == 0 {
		add("the scenario file is empty; expected a scenario")
	} else if bytes.IndexByte(j.Scenario, 0) >= 0 {
		add("the scenario file holds a NUL byte; expected a YAML text file")
	}
	if j.File == "" {
		add("the scenario file name is empty; expected a base name such as smoke.yaml")
	} else if msgs := validation.IsConfigMapKey(j.File); len(msgs) > 0 || strings.Contains(j.File, "/") {
		add("scenario file name %q: expected a base name of letters, digits, '-', '_' and '.' (it becomes the file %s/%s)",
			j.File, ScenarioDir, j.File)
	}
	switch {
	case j.Shards < 1:
		add("--shards %d: --shards must be at least 1", j.Shards)
	case j.Shards > MaxShards:
		add("--shards %d: expected at most %d (Kubernetes' limit on an Indexed Job)", j.Shards, MaxShards)
	}
	switch {
	case j.Image == "":
		add("--image is required: expected the otelbench image every node can run, e.g. otelbench-local/otelbench:dev (otelbench images build otelbench)")
	case strings.ContainsFunc(j.Image, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		add("--image %q: expected an image reference without spaces or control characters", j.Image)
	}
	if j.RunID == "" {
		add("--run-id is empty; expected a run ID such as 3f9a2c71d0be")
	} else if msgs := validation.IsValidLabelValue(j.RunID); len(msgs) > 0 {
		add("--run-id %q: expected a label value: %s", j.RunID, strings.Join(msgs, "; "))
	}
	if j.StartAt.IsZero() {
		add("the start time is unset; expected --start-at or --start-in")
	}
	if j.Tolerance <= 0 {
		add("--start-tolerance %s: expected a positive duration such as 5s", j.Tolerance)
	}
	if j.Namespace != "" {
		if msgs := validation.IsDNS1123Label(j.Namespace); len(msgs) > 0 {
			add("--namespace %q: expected a DNS-1123 label: %s", j.Namespace, strings.Join(msgs, "; "))
		}
	}
	for _, a := range j.Args {
		if strings.IndexByte(a, 0) >= 0 {
			add("extra run argument %q holds a NUL byte; expected text", a)
		}
	}
	return errors.Join(errs...)
}

// scenarioName is the name of the ConfigMap (Kubernetes) or config (Swarm) holding the scenario.
func (j Job) scenarioName() string { return j.Name + "-scenario" }

// command is the container's command args: the fixed ones, then the user's.
func (j Job) command() []string {
	return append([]string{"run", ScenarioDir + "/" + j.File, "--out", OutDir, "--print-artifact"}, j.Args...)
}

// env is the environment both engines set, but the shard index (each engine has its own).
func (j Job) env() [][2]string {
	return [][2]string{
		{EnvRunID, j.RunID},
		{EnvStartAt, j.StartAt.UTC().Format(StartAtLayout)},
		{EnvStartTolerance, j.Tolerance.String()},
		{EnvShardCount, strconv.Itoa(j.Shards)},
	}
}

func (j Job) labels() map[string]string {
	return map[string]string{LabelName: "otelbench", LabelRunID: j.RunID}
}

// Kubernetes returns j as multi-document YAML for `kubectl apply -f -`: a core/v1 ConfigMap holding the scenario
// under the key j.File, then a batch/v1 Indexed Job of j.Shards pods mounting it at ScenarioDir. Comments at the
// top say how to wait for it, collect the shards' artifacts, merge them and clean up.
func Kubernetes(j Job) ([]byte, error) {
	if err := j.Validate(); err != nil {
		return nil, err
	}
	cm := corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: j.scenarioName(), Namespace: j.Namespace, Labels: j.labels()},
	}
	if utf8.Valid(j.Scenario) {
		cm.Data = map[string]string{j.File: string(j.Scenario)}
	} else {
		cm.BinaryData = map[string][]byte{j.File: j.Scenario}
	}

	n := int32(j.Shards) // Validate bounds it by MaxShards
	// backoffLimit 0: a shard is never retried. A retried shard would send its stripe of the schedule again, with
	// the same item IDs, and the merge would read them as duplicates; a failed shard fails the Job instead.
	backoff := int32(0)
	mode := batchv1.IndexedCompletion
	env := []corev1.EnvVar{}
	for _, kv := range j.env() {
		env = append(env, corev1.EnvVar{Name: kv[0], Value: kv[1]})
	}
	// JOB_COMPLETION_INDEX is set by Kubernetes itself; OTELBENCH_SHARD_INDEX comes from the same index through the
	// downward API, so the container reads one variable on every engine.
	env = append(env, corev1.EnvVar{Name: EnvShardIndex, ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.annotations['" + completionIndexAnnotation + "']"},
	}})
	args := j.command()
	for i, a := range args {
		// Kubernetes expands $(VAR) in args and reads $$ as $: double every $ so that args arrive as written.
		args[i] = strings.ReplaceAll(a, "$", "$$")
	}
	job := batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: j.Name, Namespace: j.Namespace, Labels: j.labels()},
		Spec: batchv1.JobSpec{
			CompletionMode: &mode,
			Completions:    &n,
			Parallelism:    &n,
			BackoffLimit:   &backoff,
			// No ttlSecondsAfterFinished: the finished pods stay, so that their logs can be collected.
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: j.labels()},
				Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					Containers: []corev1.Container{{
						Name:            ContainerName,
						Image:           j.Image,
						ImagePullPolicy: corev1.PullIfNotPresent,
						Args:            args,
						Env:             env,
						VolumeMounts:    []corev1.VolumeMount{{Name: "scenario", MountPath: ScenarioDir, ReadOnly: true}},
					}},
					Volumes: []corev1.Volume{{Name: "scenario", VolumeSource: corev1.VolumeSource{
						ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: j.scenarioName()}},
					}}},
				},
			},
		},
	}

	var out bytes.Buffer
	ns := ""
	if j.Namespace != "" {
		ns = " -n " + j.Namespace
	}
	sel := LabelRunID + "=" + j.RunID
	fmt.Fprintf(&out, "# otelbench run %s: %d shards of %s, starting at %s (tolerance %s).\n",
		j.RunID, j.Shards, j.File, j.StartAt.UTC().Format(time.RFC3339), j.Tolerance)
	fmt.Fprintf(&out, "# Apply before the start time; every node must be able to run %s.\n", j.Image)
	fmt.Fprintf(&out, "#   kubectl apply%s -f FILE\n", ns)
	fmt.Fprintf(&out, "# Wait until every shard is done:\n#   kubectl wait%s --for=condition=complete --timeout=1h job/%s\n", ns, j.Name)
	fmt.Fprintf(&out, "# Collect the shards' logs (their artifacts):\n#   kubectl logs%s -l %s --tail=-1 --max-log-requests=%d > %s.log\n",
		ns, sel, max(j.Shards, 5), j.Name)
	fmt.Fprintf(&out, "# Merge them:\n#   otelbench merge %s.log --out %s\n", j.Name, j.Name)
	fmt.Fprintf(&out, "# Clean up:\n#   kubectl delete%s job,configmap -l %s\n", ns, sel)
	for i, obj := range []any{cm, job} {
		data, err := yaml.Marshal(obj)
		if err != nil {
			return nil, fmt.Errorf("marshal %s: %w", []string{"ConfigMap", "Job"}[i], err)
		}
		out.WriteString("---\n")
		out.Write(data)
	}
	return out.Bytes(), nil
}

// Swarm returns j as a POSIX sh script for a Docker Swarm manager: it creates a config holding the scenario and a
// replicated-job service of j.Shards tasks mounting it at ScenarioDir, then its comments say how to wait for it,
// collect the shards' artifacts, merge them and clean up. Every argument is single-quoted; {{.Task.Slot}} and
// {{.Node.ID}} reach Docker as written, for it to render per task.
func Swarm(j Job) (string, error) {
	if err := j.Validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\n# otelbench run %s: %d shards of %s as a Docker Swarm replicated job, starting at %s (tolerance %s).\n",
		j.RunID, j.Shards, j.File, j.StartAt.UTC().Format(time.RFC3339), j.Tolerance)
	fmt.Fprintf(&b, "# Run it on a Swarm manager before the start time; every node must have the image %s.\n", j.Image)
	b.WriteString("set -eu\n\n")

	cfg := j.scenarioName()
	if bytes.HasSuffix(j.Scenario, []byte("\n")) {
		// A quoted delimiter: the shell expands nothing in the here-doc.
		delim := heredocDelimiter(j.Scenario)
		fmt.Fprintf(&b, "docker config create %s - <<'%s'\n", Quote(cfg), delim)
		b.Write(j.Scenario)
		b.WriteString(delim + "\n")
	} else {
		// A here-doc always ends in a newline; a file without one goes through printf to arrive byte for byte.
		fmt.Fprintf(&b, "printf '%%s' %s | docker config create %s -\n", Quote(string(j.Scenario)), Quote(cfg))
	}

	n := strconv.Itoa(j.Shards)
	line := [][]string{
		{"docker", "service", "create"},
		{"--name", Quote(j.Name)},
		{"--mode", "replicated-job", "--replicas", Quote(n), "--max-concurrent", Quote(n)},
		// No restarts: a retried shard would resend its item IDs, which the merge would read as duplicates.
		{"--restart-condition", "none"},
		{"--network", "host", "--no-resolve-image", "--detach"},
		{"--config", Quote("source=" + cfg + ",target=" + ScenarioDir + "/" + j.File)},
	}
	for _, kv := range j.env() {
		line = append(line, []string{"--env", Quote(kv[0] + "=" + kv[1])})
	}
	line = append(line,
		[]string{"--env", Quote(EnvShardIndex + "={{.Task.Slot}}")},
		[]string{"--env", Quote(EnvSwarmNodeID + "={{.Node.ID}}")},
		[]string{"--label", Quote(LabelRunID + "=" + j.RunID)},
	)
	cmd := []string{Quote(j.Image)}
	for _, a := range j.command() {
		cmd = append(cmd, Quote(a))
	}
	line = append(line, cmd)
	b.WriteString("\n# A replicated job: Swarm renders {{.Task.Slot}} per task (and slot 0 as the node ID, which otelbench maps to 0).\n")
	for i, l := range line {
		b.WriteString(strings.Join(l, " "))
		if i < len(line)-1 {
			b.WriteString(" \\\n  ")
		}
	}
	b.WriteString("\n\n")
	fmt.Fprintf(&b, "# The shards run in the background. Wait until every task is Complete:\n#   docker service ps %s\n", j.Name)
	fmt.Fprintf(&b, "# Collect the shards' logs (their artifacts):\n#   docker service logs --raw %s > %s.log\n", j.Name, j.Name)
	fmt.Fprintf(&b, "# Merge them:\n#   otelbench merge %s.log --out %s\n", j.Name, j.Name)
	fmt.Fprintf(&b, "# Clean up:\n#   docker service rm %s && docker config rm %s\n", j.Name, cfg)
	return b.String(), nil
}

// heredocDelimiter returns a here-doc delimiter that occurs nowhere in data.
func heredocDelimiter(data []byte) string {
	delim := "OTELBENCH_SCENARIO_EOF"
	for i := 1; bytes.Contains(data, []byte(delim)); i++ {
		delim = "OTELBENCH_SCENARIO_EOF_" + strconv.Itoa(i)
	}
	return delim
}

// Quote returns s single-quoted for a POSIX shell: the shell reads it back as exactly s, expanding nothing.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// SlotIndex returns the shard index of a Swarm task from OTELBENCH_SHARD_INDEX (index, rendered from
// {{.Task.Slot}}) and OTELBENCH_SWARM_NODE_ID (nodeID, rendered from {{.Node.ID}}): a number is that index; Swarm
// renders slot 0 of a replicated job as the node ID, so an index equal to the (non-empty) node ID is 0.
func SlotIndex(index, nodeID string) (int, error) {
	if i, err := strconv.Atoi(index); err == nil {
		if i < 0 {
			return 0, fmt.Errorf("%s=%q: expected a shard index of 0 or more", EnvShardIndex, index)
		}
		return i, nil
	}
	if index != "" && index == nodeID {
		return 0, nil
	}
	if nodeID == "" {
		return 0, fmt.Errorf("%s=%q: expected a shard index (a number from {{.Task.Slot}}), or the node ID for slot 0, but %s is unset",
			EnvShardIndex, index, EnvSwarmNodeID)
	}
	return 0, fmt.Errorf("%s=%q: expected a shard index (a number from {{.Task.Slot}}) or the node ID %q (Swarm's rendering of slot 0)",
		EnvShardIndex, index, nodeID)
}
