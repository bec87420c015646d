package containers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// prometheusImage pins Prometheus 3.
var prometheusImage = Image{
	Backend:  "prometheus",
	Version:  "3.16.0",
	Official: "prom/prometheus:v3.16.0",
	Local:    "otelbench-local/prometheus:3.16.0",
	Source:   "Go module github.com/prometheus/prometheus v0.316.0, cmd/prometheus (tag remove_all_sd), static binary in a FROM scratch image",
	recipe:   "prometheus",
	build:    goBinary("github.com/prometheus/prometheus/cmd/prometheus", "prometheus", "remove_all_sd"),
}

// PrometheusOTLPPath is the URL path of Prometheus' OTLP/HTTP metrics receiver.
const PrometheusOTLPPath = "/api/v1/otlp/v1/metrics"

// PrometheusConfig configures a Prometheus server for a run.
type PrometheusConfig struct {
	// RunID labels the container.
	RunID string
	// ScrapeTargets are host:port addresses on loopback serving /metrics, scraped as job "otelbench".
	ScrapeTargets []string
	// ScrapeInterval is how often targets are scraped. Default 1s.
	ScrapeInterval time.Duration
}

// Prometheus is a running Prometheus 3 server with its OTLP and remote-write receivers enabled.
type Prometheus struct {
	*testcontainers.DockerContainer
	port int
}

// RunPrometheus starts image as a Prometheus server on a free loopback port and waits until it is ready. On error
// the partly started container, if any, is returned too so that the caller can terminate it.
func RunPrometheus(ctx context.Context, image string, cfg PrometheusConfig, opts ...testcontainers.ContainerCustomizer) (*Prometheus, error) {
	configure()
	if cfg.ScrapeInterval <= 0 {
		cfg.ScrapeInterval = time.Second
	}
	p, err := FreePorts(1)
	if err != nil {
		return nil, err
	}
	pr := &Prometheus{port: p[0]}
	const configPath = "/etc/otelbench/prometheus.yml"
	all := []testcontainers.ContainerCustomizer{
		hostNetwork(cfg.RunID),
		testcontainers.WithFiles(testcontainers.ContainerFile{
			Reader: strings.NewReader(prometheusConfig(cfg)), ContainerFilePath: configPath, FileMode: 0o644,
		}),
		// The image is FROM scratch: the TSDB lives in a tmpfs, which is all a run needs.
		testcontainers.WithTmpfs(map[string]string{"/prometheus": "rw,mode=1777"}),
		testcontainers.WithCmd(
			"--config.file="+configPath,
			"--web.listen-address="+hostPort(pr.port),
			"--storage.tsdb.path=/prometheus",
			"--storage.tsdb.retention.time=1d",
			"--web.enable-otlp-receiver",
			"--web.enable-remote-write-receiver",
		),
		testcontainers.WithWaitStrategyAndDeadline(time.Minute, wait.ForHTTP("/-/ready").WithPort(port(pr.port))),
	}
	ctr, err := testcontainers.Run(ctx, image, append(all, opts...)...)
	pr.DockerContainer = ctr
	if err != nil {
		return pr, startError(ctx, "prometheus", ctr, err)
	}
	return pr, nil
}

// prometheusConfig scrapes the targets every interval and accepts samples up to 10 minutes older than the newest
// (OTLP and remote-write batches may arrive out of order).
func prometheusConfig(cfg PrometheusConfig) string {
	var b strings.Builder
	fmt.Fprintf(&b, "global:\n  scrape_interval: %s\n  scrape_timeout: %s\n  evaluation_interval: 1m\n", cfg.ScrapeInterval, cfg.ScrapeInterval)
	b.WriteString("storage:\n  tsdb:\n    out_of_order_time_window: 10m\n")
	if len(cfg.ScrapeTargets) > 0 {
		b.WriteString("scrape_configs:\n  - job_name: otelbench\n    scrape_native_histograms: true\n    static_configs:\n      - targets:\n")
		for _, t := range cfg.ScrapeTargets {
			fmt.Fprintf(&b, "          - %q\n", t)
		}
	}
	return b.String()
}

// Kind is "prometheus".
func (*Prometheus) Kind() string { return "prometheus" }

// Terminate stops and removes the container; it is safe on a partly started or nil Prometheus.
func (p *Prometheus) Terminate(ctx context.Context) error {
	if p == nil {
		return nil
	}
	return terminate(ctx, p.DockerContainer)
}

// URL is the server's base URL (PromQL at /api/v1/query).
func (p *Prometheus) URL() string { return "http://" + hostPort(p.port) }

// OTLPMetricsEndpoint is host:port of the OTLP/HTTP receiver; its path is PrometheusOTLPPath.
func (p *Prometheus) OTLPMetricsEndpoint() string { return hostPort(p.port) }

// RemoteWriteURL is where remote-write clients post.
func (p *Prometheus) RemoteWriteURL() string { return p.URL() + "/api/v1/write" }
