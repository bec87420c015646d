// Package collector is the collector backend: an OpenTelemetry Collector otelbench starts (or one already
// running) that receives OTLP, forwards each signal to the backends in forward_to, and writes logs and metrics to
// files otelbench reads back. A user configuration file is merged over otelbench's.
package collector

import (
	"context"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/verify"
)

// Kind is the collector backend type.
type Kind struct{}

var (
	_ containers.Kind      = Kind{}
	_ containers.Witnessed = (*live)(nil)
)

// Describe: a collector takes every signal over OTLP and forwards it to the backends in forward_to (it starts
// after them); logs and metrics come back from its file exporters (an external collector's files_dir), traces
// only from the backends it forwards them to. A started one takes the scenario's config file after otelbench's
// and can sample the traces it forwards (its probabilistic_sampler). An external collector is reached at its
// OTLP receivers; its file exporters' folder and its own metrics are optional.
func (Kind) Describe() backend.Description {
	return backend.Description{
		Type:     "collector",
		Receives: backend.Every(generators.OTLPGRPC, generators.OTLPHTTP),
		GivesBack: func(spec backend.Spec, s generators.Signal) bool {
			if s == generators.Traces {
				return false
			}
			return spec.External == nil || spec.External.FilesDir != ""
		},
		Forwarder:     true,
		ReadsFiles:    true,
		TakesConfig:   true,
		SamplesTraces: true,
		// sending_queue: the exporters forward_to adds, sized and made persistent (file_storage) by the scenario.
		QueuesForwards: true,
		ExternalKeys:   []string{"otlp_grpc", "otlp_http", "files_dir", "metrics_url"},
		Validate:       validate,
		// An external collector gives logs and metrics back only from the folder its file exporters write into.
		NotBack: func(spec backend.Spec, s generators.Signal) (string, string, bool) {
			if spec.External == nil || spec.External.FilesDir != "" || s == generators.Traces {
				return "", "", false
			}
			return "has no files_dir", "files_dir: the folder its file exporters write into (see docs/backends.md, \"Bring your own backend\")", true
		},
		RefusesDelta: refusesDelta,
	}
}

func (Kind) Image() (containers.Image, bool) { return Image, true }

func validate(spec backend.Spec, report func(field, format string, args ...any)) {
	if spec.ConfigPath != "" {
		if spec.External != nil {
			report("config", "an external collector is not started, so it takes no config")
		} else if _, err := ReadConfig(spec.ConfigPath); err != nil {
			report("config", "%v; expected a collector configuration file (YAML, relative to the scenario file)", err)
		}
	}
	if spec.External == nil {
		return
	}
	backend.NeedOTLP(spec, report) // files_dir must exist: the scenario checks it where it is written
}

// RefusesDelta: a collector forwards delta metrics to a backend it reaches by remote write only with a
// deltatocumulative processor in its metrics pipeline (the remote-write exporter drops delta sums and histograms).
func refusesDelta(spec backend.Spec) string {
	if spec.External != nil {
		return ""
	}
	for _, d := range spec.ForwardTo {
		if d.Description == nil || d.Description.ForwardedVia[generators.Metrics] != backend.ViaRemoteWrite || ConvertsDelta(spec.ConfigPath) {
			continue
		}
		return fmt.Sprintf("collector %q forwards metrics to %s %q with its remote-write exporter, which drops delta sums and "+
			"histograms; expected temporality: cumulative, or a config: file for %q whose metrics pipeline has the deltatocumulative "+
			"processor (see scenarios/collector/deltatocumulative.yaml)", spec.Name, prettyType(d.Type), d.Name, spec.Name)
	}
	return ""
}

// prettyType is a backend type as prose names it.
func prettyType(t string) string {
	switch t {
	case "prometheus":
		return "Prometheus"
	}
	return t
}

// ReadConfig reads the collector configuration file at path: it must be a YAML mapping, as the collector's own
// --config files are.
func ReadConfig(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read collector config: %w", err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("collector config %s is not valid YAML: %w", path, err)
	}
	if cfg == nil {
		return nil, fmt.Errorf("collector config %s is empty", path)
	}
	return cfg, nil
}

// ConvertsDelta reports whether the collector configuration file at path puts a deltatocumulative processor in a
// metrics pipeline ("" or an unreadable file: no). The file is merged over otelbench's own configuration, where no
// pipeline has one.
func ConvertsDelta(path string) bool {
	if path == "" {
		return false
	}
	cfg, err := ReadConfig(path)
	if err != nil {
		return false
	}
	service, _ := cfg["service"].(map[string]any)
	pipelines, _ := service["pipelines"].(map[string]any)
	for name, pl := range pipelines {
		if name != "metrics" && !strings.HasPrefix(name, "metrics/") {
			continue
		}
		m, _ := pl.(map[string]any)
		procs, _ := m["processors"].([]any)
		for _, p := range procs {
			if s, _ := p.(string); s == "deltatocumulative" || strings.HasPrefix(s, "deltatocumulative/") {
				return true
			}
		}
	}
	return false
}

func (Kind) Start(ctx context.Context, env containers.StartEnv) (containers.Live, error) {
	cfg := Config{RunID: env.RunID, ItemBytes: env.Load.ItemBytes, Sampling: env.Spec.Sampling, Queue: env.Spec.Queue}
	if env.Spec.ConfigPath != "" {
		data, err := os.ReadFile(env.Spec.ConfigPath)
		if err != nil {
			return nil, fmt.Errorf("collector config: %w", err)
		}
		cfg.UserConfig = data
	}
	l := &live{}
	for _, d := range env.Spec.ForwardTo {
		target, ok := env.Forward[d.Name].(containers.Forwarded)
		if !ok {
			return nil, fmt.Errorf("forward_to %s: a %s backend cannot be forwarded to", d.Name, d.Type)
		}
		for _, s := range generators.Signals {
			if id, c, _, ok := target.ForwardExporter(s); ok {
				cfg.Forward = append(cfg.Forward, containers.Forward{Signal: string(s), ID: id, Config: c})
			}
		}
	}
	dir, err := os.MkdirTemp(env.WorkDir, "collector-"+env.Spec.Name+"-")
	if err != nil {
		return nil, err
	}
	// The collector runs as another user; let it write its files here.
	if err := os.Chmod(dir, 0o777); err != nil {
		return nil, err
	}
	cfg.FilesDir = dir
	if q := cfg.Queue; q != nil && q.Persistent {
		if cfg.QueueDir, err = os.MkdirTemp(env.WorkDir, "collector-"+env.Spec.Name+"-queue-"); err != nil {
			return nil, err
		}
		if err := os.Chmod(cfg.QueueDir, 0o777); err != nil {
			return nil, err
		}
	}
	c, err := Run(ctx, env.Image, cfg, env.Customizers...)
	l.ContainerLive = containers.ContainerLive{Ctr: c}
	if err != nil {
		return l, err
	}
	l.grpc, l.http, l.metrics, l.files = c.OTLPGRPCEndpoint(), c.OTLPHTTPEndpoint(), c.MetricsURL(), dir
	return l, nil
}

func (Kind) Connect(_ context.Context, spec backend.Spec) (containers.Live, error) {
	e := spec.External
	return &live{grpc: e.OTLPGRPC, http: e.OTLPHTTP, metrics: e.MetricsURL, files: e.FilesDir, ext: e}, nil
}

type live struct {
	containers.ContainerLive
	containers.NoReaders
	grpc, http, metrics, files string
	ext                        *backend.External
}

func (l *live) Endpoint(protocol string, _ generators.Signal, _ string) (backend.Endpoint, bool) {
	return containers.OTLPEndpoint(protocol, l.grpc, l.http, l.ext)
}

func (l *live) MetricReader(string, string) verify.MetricReader {
	if l.files == "" {
		return nil
	}
	return verify.SourceReader{Src: MetricFiles(l.files)}
}

func (l *live) LogSource(string, string) verify.LogSource {
	if l.files == "" {
		return nil
	}
	return LogFiles(l.files)
}

func (l *live) MetricsURL() string { return l.metrics }

// Witness is the collector's own pipeline counters (Stats), "" metrics URL: none.
func (l *live) Witness(ctx context.Context) (map[string]float64, error) {
	if l.metrics == "" {
		return nil, fmt.Errorf("the collector serves no metrics")
	}
	return Stats(ctx, l.metrics)
}

// FileExporter is the ID of the file exporter writing signal, for a collector otelbench started.
func (l *live) FileExporter(s generators.Signal) string {
	if l.ext != nil {
		return ""
	}
	return "file/" + string(s)
}

// External is this backend as a scenario's external: block would describe it, to be used as it runs.
func (l *live) External() (backend.External, bool) {
	if l.ext != nil {
		return *l.ext, true
	}
	return backend.External{OTLPGRPC: l.grpc, OTLPHTTP: l.http, FilesDir: l.files, MetricsURL: l.metrics}, true
}

func (l *live) Describe() map[string]string {
	if l.files == "" {
		return nil
	}
	return map[string]string{"files": l.files}
}
