package collector

import (
	"embed"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/backend"

	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	"go.yaml.in/yaml/v3"
)

// Image pins the OpenTelemetry Collector: a distribution built with the official builder from the
// manifest in images/collector (every component at v0.148.0).
var Image = containers.Image{
	Backend:  "collector",
	Version:  "0.148.0",
	Official: "otel/opentelemetry-collector-contrib:0.148.0",
	Local:    "otelbench-local/collector:0.148.0-4",
	Source:   "go.opentelemetry.io/collector/cmd/builder v0.148.0 with images/collector/manifest.yaml (otlp receiver; batch, memory_limiter, deltatocumulative, probabilistic_sampler processors; otlp, otlphttp, debug, nop, zipkin, prometheusremotewrite, file exporters; health_check, bearertokenauth, file_storage extensions), static binary in a FROM scratch image",
	Recipe:   containers.EmbeddedRecipe(recipe),
	Build:    buildCollector,
}

// buildCollector generates the distribution's sources with the builder, puts the pinned go.mod and go.sum of
// images/collector in place, and compiles them apart from the builder: the builder's own `go mod tidy` fails on a
// test-only dependency of the file exporter that the module proxy lacks. (collector.mod and collector.sum were made
// once with `go mod tidy -e` in the generated folder; regenerate them the same way when upgrading.)
func buildCollector(ctx context.Context, img containers.Image, work string, log io.Writer) error {
	manifest, err := fs.ReadFile(img.Recipe, "manifest.yaml")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(work, "manifest.yaml"), manifest, 0o644); err != nil {
		return err
	}
	bin := filepath.Join(work, "bin")
	env := append(os.Environ(), "GOBIN="+bin, "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-mod=readonly")
	step := func(dir, name string, args ...string) error {
		fmt.Fprintf(log, "%s %s\n", name, strings.Join(args, " "))
		cmd := containers.ExecCommand(ctx, dir, env, log, name, args...)
		return cmd.Run()
	}
	if err := step(work, "go", "install", "go.opentelemetry.io/collector/cmd/builder@v"+img.Version); err != nil {
		return fmt.Errorf("install the collector builder: %w", err)
	}
	if err := step(work, filepath.Join(bin, "builder"), "--config", "manifest.yaml", "--skip-compilation", "--skip-get-modules"); err != nil {
		return fmt.Errorf("generate the distribution: %w", err)
	}
	dist := filepath.Join(work, "dist")
	for from, to := range map[string]string{"collector.mod": "go.mod", "collector.sum": "go.sum"} {
		data, err := fs.ReadFile(img.Recipe, from)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dist, to), data, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintln(log, "go build (a few minutes the first time; the Go build cache makes later builds fast)")
	if err := step(dist, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(work, "context", "otelcol"), "."); err != nil {
		return fmt.Errorf("go build the distribution: %w", err)
	}
	dockerfile, err := fs.ReadFile(img.Recipe, "Dockerfile")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(work, "context", "Dockerfile"), dockerfile, 0o644)
}

// Config says where a collector sends what it receives. Every downstream is optional; a pipeline without
// an exporter is left out. With FilesDir, logs and metrics also go to files otelbench reads back.
type Config struct {
	// RunID labels the container.
	RunID string
	// Forward lists the downstreams: each signal goes to every exporter listed for it.
	Forward []containers.Forward
	// FilesDir is a host folder mounted into the container where file exporters write logs (logs.jsonl) and
	// metrics (metrics.jsonl), one OTLP JSON export per line. It must be writable by any user.
	FilesDir string
	// ItemBytes is about the size in bytes of the largest item (span, data point, log record) the collector will
	// carry. It bounds the batches the collector forwards (see ForwardBatch); zero means small items.
	ItemBytes int
	// Sink makes the collector a counting sink: every signal goes straight from the receivers to the nop
	// exporter, which drops it; what is read back is the receivers' accepted counters. Downstreams and FilesDir
	// are ignored.
	Sink bool
	// UserConfig, when set, is a configuration file (YAML) the collector loads after the generated one. The
	// collector merges the two, maps key by key and lists replaced: the file can replace the batch processor or a
	// pipeline's processor list, tune exporters, or add components of the distribution.
	UserConfig []byte
	// Sampling, when set, puts the probabilistic_sampler processor in the traces pipeline, before the batch.
	Sampling *backend.Sampling
	// Queue, when set, is the sending queue of every forwarding exporter (Forward): its size and consumers, and
	// when Persistent, the file_storage extension on QueueDir, a host folder writable by any user that outlives
	// the container's restarts.
	Queue    *backend.Queue
	QueueDir string
}

// Collector is a running OpenTelemetry Collector.
type Collector struct {
	*testcontainers.DockerContainer
	ports    collectorPorts
	filesDir string
}

type collectorPorts struct{ otlpGRPC, otlpHTTP, health, metrics int }

// collectorFilesPath is where the file exporters write inside the container, collectorQueuePath where a
// persistent sending queue keeps its files.
const (
	collectorFilesPath = "/otelbench/files"
	collectorQueuePath = "/otelbench/queue"
)

// Run starts image as a collector on free loopback ports and waits until its health check answers. On
// error the partly started container, if any, is returned too so that the caller can terminate it.
func Run(ctx context.Context, image string, cfg Config, opts ...testcontainers.ContainerCustomizer) (*Collector, error) {
	p, err := containers.FreePorts(4)
	if err != nil {
		return nil, err
	}
	c := &Collector{ports: collectorPorts{otlpGRPC: p[0], otlpHTTP: p[1], health: p[2], metrics: p[3]}, filesDir: cfg.FilesDir}
	const configPath, userConfigPath = "/etc/otelbench/collector.yaml", "/etc/otelbench/user.yaml"
	files := []testcontainers.ContainerFile{{Reader: strings.NewReader(c.ports.config(cfg)), ContainerFilePath: configPath, FileMode: 0o644}}
	args := []string{"--config=" + configPath}
	if len(cfg.UserConfig) > 0 {
		files = append(files, testcontainers.ContainerFile{Reader: bytes.NewReader(cfg.UserConfig), ContainerFilePath: userConfigPath, FileMode: 0o644})
		args = append(args, "--config="+userConfigPath)
	}
	all := []testcontainers.ContainerCustomizer{
		testcontainers.WithFiles(files...),
		testcontainers.WithCmd(args...),
		testcontainers.WithWaitStrategyAndDeadline(time.Minute, containers.WaitHTTP(c.ports.health, "/")),
	}
	if cfg.FilesDir != "" {
		all = append(all, testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.Binds = append(hc.Binds, cfg.FilesDir+":"+collectorFilesPath)
		}))
	}
	if cfg.persistent() {
		all = append(all, testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.Binds = append(hc.Binds, cfg.QueueDir+":"+collectorQueuePath)
		}))
	}
	srv, err := containers.Run(ctx, "collector", image, cfg.RunID, append(all, opts...)...)
	if srv != nil {
		c.DockerContainer = srv.DockerContainer
	}
	if err != nil {
		return c, err
	}
	return c, nil
}

// config is the collector's configuration: OTLP in on loopback, a batch processor bounded by size
// (ForwardBatch), and one exporter per downstream; its own metrics (otelcol_*) served on loopback for the report's
// witness column. Its log is not sampled: the log's default keeps 10 lines a message and then one in 100, and
// a cause is read from the lines (every request an exporter drops is one).
func (p collectorPorts) config(cfg Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, `extensions:
  health_check:
    endpoint: %[1]s:%[4]d
`, containers.Host, p.otlpGRPC, p.otlpHTTP, p.health)
	extensions := "[health_check]"
	if cfg.persistent() && !cfg.Sink {
		fmt.Fprintf(&b, "  file_storage:\n    directory: %s\n", collectorQueuePath)
		extensions = "[health_check, file_storage]"
	}
	fmt.Fprintf(&b, `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %[1]s:%[2]d
      http:
        endpoint: %[1]s:%[3]d
processors:
  batch:
    send_batch_size: %[5]d
    send_batch_max_size: %[5]d
exporters:
`, containers.Host, p.otlpGRPC, p.otlpHTTP, p.health, containers.ForwardBatch(cfg.ItemBytes))
	if s := cfg.Sampling; s != nil && !cfg.Sink {
		// Among the processors, which the header above ends just before "exporters:".
		head := strings.TrimSuffix(b.String(), "exporters:\n")
		b.Reset()
		fmt.Fprintf(&b, "%s  probabilistic_sampler:\n    sampling_percentage: %s\n    mode: %s\nexporters:\n", head, strconv.FormatFloat(s.Percentage, 'g', -1, 64), s.Mode)
	}
	var traces, metrics, logs []string
	if cfg.Sink {
		b.WriteString("  nop:\n")
		cfg = Config{ItemBytes: cfg.ItemBytes}
		traces, metrics, logs = []string{"nop"}, []string{"nop"}, []string{"nop"}
	}
	for _, f := range cfg.Forward {
		if q := cfg.Queue; q != nil {
			sq := map[string]any{"enabled": true, "queue_size": q.Size, "num_consumers": q.Consumers}
			if q.Persistent {
				sq["storage"] = "file_storage"
			}
			f.Config = maps.Clone(f.Config)
			f.Config["sending_queue"] = sq
		}
		body, err := yaml.Marshal(map[string]any{f.ID: f.Config})
		if err != nil {
			body = []byte(fmt.Sprintf("%s: {}\n", f.ID)) // a map of strings and numbers always marshals
		}
		for _, line := range strings.SplitAfter(strings.TrimRight(string(body), "\n"), "\n") {
			b.WriteString("  " + strings.TrimRight(line, "\n") + "\n")
		}
		switch f.Signal {
		case "traces":
			traces = append(traces, f.ID)
		case "metrics":
			metrics = append(metrics, f.ID)
		case "logs":
			logs = append(logs, f.ID)
		}
	}
	if cfg.FilesDir != "" {
		// append: a collector restarted mid-run (faults) keeps what it wrote before; the file exporter's default
		// truncates its file when it starts.
		for _, sig := range []string{"logs", "metrics"} {
			fmt.Fprintf(&b, "  file/%[1]s:\n    path: %[2]s/%[1]s.jsonl\n    format: json\n    append: true\n    flush_interval: 100ms\n", sig, collectorFilesPath)
		}
		logs = append(logs, "file/logs")
		metrics = append(metrics, "file/metrics")
	}
	fmt.Fprintf(&b, `service:
  extensions: %s
  telemetry:
    logs:
      level: warn
      sampling:
        enabled: false
    metrics:
      level: detailed
      readers:
        - pull:
            exporter:
              prometheus:
                host: %s
                port: %d
  pipelines:
`, extensions, containers.Host, p.metrics)
	for _, pl := range []struct {
		name      string
		exporters []string
	}{{"traces", traces}, {"metrics", metrics}, {"logs", logs}} {
		if len(pl.exporters) == 0 {
			continue
		}
		processors := "[batch]"
		if pl.name == "traces" && cfg.Sampling != nil {
			processors = "[probabilistic_sampler, batch]"
		}
		if pl.exporters[0] == "nop" {
			processors = "[]" // a sink does nothing but count what its receivers accept
		}
		fmt.Fprintf(&b, "    %s:\n      receivers: [otlp]\n      processors: %s\n      exporters: [%s]\n", pl.name, processors, strings.Join(pl.exporters, ", "))
	}
	return b.String()
}

// persistent reports whether the forwarding exporters' sending queue is kept in file_storage.
func (cfg Config) persistent() bool {
	return cfg.Queue != nil && cfg.Queue.Persistent && cfg.QueueDir != ""
}

// Kind is "collector".
func (*Collector) Kind() string { return "collector" }

// Terminate stops and removes the container; it is safe on a partly started or nil Collector.
func (c *Collector) Terminate(ctx context.Context) error {
	if c == nil {
		return nil
	}
	return containers.TerminateContainer(ctx, c.DockerContainer)
}

// OTLPGRPCEndpoint is host:port of the OTLP gRPC receiver.
func (c *Collector) OTLPGRPCEndpoint() string { return containers.HostPort(c.ports.otlpGRPC) }

// OTLPHTTPEndpoint is host:port of the OTLP HTTP receiver.
func (c *Collector) OTLPHTTPEndpoint() string { return containers.HostPort(c.ports.otlpHTTP) }

// MetricsURL is where the collector serves its own metrics (otelcol_*).
func (c *Collector) MetricsURL() string {
	return "http://" + containers.HostPort(c.ports.metrics) + "/metrics"
}

// FilesDir is the host folder the file exporters write into.
func (c *Collector) FilesDir() string { return c.filesDir }

//go:embed image
var recipe embed.FS
