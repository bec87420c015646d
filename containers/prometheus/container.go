package prometheus

import (
	"embed"

	"github.com/otelbench/otelbench/containers"

	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/testcontainers/testcontainers-go"
)

// Image pins Prometheus 3. The build tag remove_all_sd leaves the cloud service discoveries out (static
// targets are all otelbench uses), which roughly thirds the binary.
var Image = containers.Image{
	Backend:  "prometheus",
	Version:  "3.16.0",
	Official: "prom/prometheus:v3.16.0",
	Local:    "otelbench-local/prometheus:3.16.0",
	Source:   "Go module github.com/prometheus/prometheus v0.316.0, cmd/prometheus (tag remove_all_sd), static binary in a FROM scratch image",
	Recipe:   containers.EmbeddedRecipe(recipe),
	Build:    containers.GoBinary("github.com/prometheus/prometheus/cmd/prometheus", "prometheus", []string{"remove_all_sd"}),
}

// OTLPPath is the URL path of Prometheus' OTLP/HTTP metrics receiver. The OTel Go SDK's otlpmetrichttp
// exporter takes OTLPMetricsEndpoint as its endpoint and this as its URL path.
const OTLPPath = "/api/v1/otlp/v1/metrics"

// ScrapeJob is the job name of the scrape targets (Config.ScrapeTargets).
const ScrapeJob = "otelbench"

// prometheusDataDir is the TSDB directory. The image is FROM scratch and has no writable directory, so either a
// folder of the run's is bound there (Config.WorkDir: the TSDB outlives a restart, as a volume would) or a tmpfs
// is mounted: samples in memory, gone with the container or a restart of it.
const prometheusDataDir = "/prometheus"

// prometheusRetention bounds what the TSDB keeps. Samples stay in the in-memory head block for about two hours
// anyway; the limit only keeps a long run from holding more than that.
const prometheusRetention = "3h"

// Config configures a Prometheus server for a run.
type Config struct {
	// RunID labels the container.
	RunID string
	// ScrapeTargets are host:port addresses on loopback serving /metrics over plain HTTP (or host:port/path,
	// serving path), scraped as job ScrapeJob. Empty means no scraping: samples arrive only through OTLP or
	// remote write.
	ScrapeTargets []string
	// ScrapeInterval is how often targets are scraped (also the scrape timeout). Default 1s.
	ScrapeInterval time.Duration
	// WorkDir, when set, is a folder of the run's in which the TSDB gets a folder of its own (see
	// containers.WithDataDir); otherwise the TSDB is in a tmpfs.
	WorkDir string
}

// Prometheus is a running Prometheus 3 server with its OTLP and remote-write receivers enabled. Its methods are
// safe for concurrent use.
type Prometheus struct {
	*testcontainers.DockerContainer
	port int
}

// Run starts image (see Images) as a Prometheus server listening on a free 127.0.0.1 port, with the OTLP
// and remote-write receivers on, and waits until /-/ready answers. Options in opts come last and so win (e.g.
// testcontainers.WithCmdArgs("--enable-feature=otlp-deltatocumulative")). On error the partly started container,
// if any, is returned too so that the caller can terminate it.
func Run(ctx context.Context, image string, cfg Config, opts ...testcontainers.ContainerCustomizer) (*Prometheus, error) {
	if cfg.ScrapeInterval <= 0 {
		cfg.ScrapeInterval = time.Second
	}
	p, err := containers.FreePorts(1)
	if err != nil {
		return nil, fmt.Errorf("start prometheus: %w", err)
	}
	pr := &Prometheus{port: p[0]}
	const configPath = "/etc/otelbench/prometheus.yml"
	all := []testcontainers.ContainerCustomizer{
		testcontainers.WithFiles(testcontainers.ContainerFile{
			Reader:            strings.NewReader(prometheusConfig(cfg)),
			ContainerFilePath: configPath,
			FileMode:          0o644,
		}),
		testcontainers.WithCmd(
			"--config.file="+configPath,
			"--web.listen-address="+containers.HostPort(pr.port),
			"--storage.tsdb.path="+prometheusDataDir,
			"--storage.tsdb.retention.time="+prometheusRetention,
			"--web.enable-otlp-receiver",
			"--web.enable-remote-write-receiver",
		),
		testcontainers.WithWaitStrategyAndDeadline(time.Minute, containers.WaitHTTP(pr.port, "/-/ready")),
	}
	if cfg.WorkDir == "" {
		all = append(all, testcontainers.WithTmpfs(map[string]string{prometheusDataDir: "rw,mode=1777"}))
	} else {
		data, err := containers.WithDataDir(cfg.WorkDir, "prometheus", prometheusDataDir)
		if err != nil {
			return nil, err
		}
		all = append(all, data...)
	}
	srv, err := containers.Run(ctx, "prometheus", image, cfg.RunID, append(all, opts...)...)
	if srv != nil {
		pr.DockerContainer = srv.DockerContainer
	}
	if err != nil {
		return pr, err
	}
	return pr, nil
}

// prometheusConfig is the server's configuration file:
//   - one scrape job of the targets, honouring the labels and timestamps they expose: the generator is the source of
//     truth, so an attribute it sends as "job" or "instance" keeps its value instead of becoming exported_job;
//     native histograms are scraped when a target offers them;
//   - an out-of-order window of 10 minutes, so that OTLP and remote-write batches arriving out of order, or with
//     samples older than the head, are stored rather than rejected;
//   - OTLP: the default translation (UnderscoreEscapingWithSuffixes); service.name, service.namespace and
//     service.instance.id become job and instance and are also kept on target_info (keep_identifying), no other
//     resource attribute is promoted to series labels (they stay on target_info, joinable on job and instance).
func prometheusConfig(cfg Config) string {
	var b strings.Builder
	interval := promDuration(cfg.ScrapeInterval)
	fmt.Fprintf(&b, "global:\n  scrape_interval: %s\n  scrape_timeout: %s\n  evaluation_interval: 1m\n", interval, interval)
	b.WriteString("storage:\n  tsdb:\n    out_of_order_time_window: 10m\n")
	b.WriteString("otlp:\n  keep_identifying_resource_attributes: true\n")
	if len(cfg.ScrapeTargets) > 0 {
		fmt.Fprintf(&b, "scrape_configs:\n  - job_name: %s\n    metrics_path: /metrics\n    scheme: http\n", ScrapeJob)
		b.WriteString("    honor_labels: true\n    honor_timestamps: true\n    scrape_native_histograms: true\n")
		b.WriteString("    static_configs:\n")
		for _, t := range cfg.ScrapeTargets {
			// host:port, or host:port/path for an endpoint elsewhere than /metrics (an app's own).
			addr, path, _ := strings.Cut(t, "/")
			fmt.Fprintf(&b, "      - targets: [%q]\n", addr)
			if path != "" {
				fmt.Fprintf(&b, "        labels: {__metrics_path__: %q}\n", "/"+path)
			}
		}
	}
	return b.String()
}

// promDuration writes d in Prometheus' duration syntax (whole milliseconds, at least 1ms): Go's "1m0s" is not one.
func promDuration(d time.Duration) string {
	return strconv.FormatInt(max(d.Milliseconds(), 1), 10) + "ms"
}

// Kind is "prometheus".
func (*Prometheus) Kind() string { return "prometheus" }

// Terminate stops and removes the container; it is safe on a partly started or nil Prometheus.
func (p *Prometheus) Terminate(ctx context.Context) error {
	if p == nil {
		return nil
	}
	if err := containers.TerminateContainer(ctx, p.DockerContainer); err != nil {
		return fmt.Errorf("terminate prometheus: %w", err)
	}
	return nil
}

// URL is the server's base URL, http://127.0.0.1:PORT (PromQL at /api/v1/query).
func (p *Prometheus) URL() string { return "http://" + containers.HostPort(p.port) }

// OTLPMetricsEndpoint is host:port of the OTLP/HTTP metrics receiver (protobuf or JSON); its path is
// OTLPPath.
func (p *Prometheus) OTLPMetricsEndpoint() string { return containers.HostPort(p.port) }

// RemoteWriteURL is where remote-write clients post: http://127.0.0.1:PORT/api/v1/write.
func (p *Prometheus) RemoteWriteURL() string { return p.URL() + "/api/v1/write" }

//go:embed image
var recipe embed.FS
