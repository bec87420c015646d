package otelbench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/scenarios"
	"github.com/otelbench/otelbench/verify"
)

// liveBackend is a backend as a run uses it, started or external: where exporters send, and how to read back.
type liveBackend struct {
	name, typ string
	// ctr is the started container; nil for external backends.
	ctr containers.Backend

	otlpGRPC, otlpHTTP string // host:port
	otlpHTTPPath       string // URL path of OTLP/HTTP metrics when not the SDK's default (Prometheus)
	zipkinURL          string // where Zipkin spans are posted
	remoteWriteURL     string // Prometheus remote write (collector downstream)
	queryURL           string // the read API's base URL (Jaeger query, Zipkin, Prometheus)

	traces     verify.TraceReader
	prom       verify.PromQL
	metricsURL string // the collector's own metrics
	consoleDir string // where console exporters write, one file per stream
	filesDir   string // where a collector's file exporters write logs and metrics
}

func (b *liveBackend) terminate(ctx context.Context) error {
	if b == nil || b.ctr == nil {
		return nil
	}
	return b.ctr.Terminate(ctx)
}

// pullEndpoint is a scrape endpoint otelbench serves for a Prometheus exporter, opened before Prometheus starts so
// that its address can go into Prometheus' scrape configuration.
type pullEndpoint struct {
	listener net.Listener
	server   *http.Server
}

func (p *pullEndpoint) addr() string { return p.listener.Addr().String() }

func (p *pullEndpoint) serve(h http.Handler) {
	p.server = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.server.Serve(p.listener) }()
}

func (p *pullEndpoint) close(ctx context.Context) error {
	if p.server == nil {
		return p.listener.Close()
	}
	return p.server.Shutdown(ctx)
}

// startBackends starts (or connects to) every backend of sc. Collectors start last, since they export to the
// others. Started backends are recorded in live as soon as they exist, so that the caller can terminate them
// whatever happens.
func startBackends(ctx context.Context, sc *scenarios.Scenario, p *plan, opts Options, live map[string]*liveBackend, workDir string) error {
	order := slices.Clone(sc.Backends)
	slices.SortStableFunc(order, func(a, b scenarios.Backend) int {
		return boolInt(a.Type == "collector") - boolInt(b.Type == "collector")
	})
	for _, b := range order {
		if ctx.Err() != nil {
			return ErrInterrupted
		}
		if b.IsExternal() {
			lb, err := externalBackend(sc, b)
			if err != nil {
				return fmt.Errorf("backend %s: %w", b.Name, err)
			}
			live[b.Name] = lb
			continue
		}
		if b.Type == "console" {
			dir := workDir
			if opts.OutDir != "" {
				dir = filepath.Join(opts.OutDir, "console")
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return fmt.Errorf("backend %s: %w", b.Name, err)
				}
			}
			live[b.Name] = &liveBackend{name: b.Name, typ: b.Type, consoleDir: dir}
			continue
		}
		opts.Observer.Phase(fmt.Sprintf("start %s (%s)", b.Name, b.Type))
		ref, err := imageRef(ctx, b, opts.Images)
		if err != nil {
			return fmt.Errorf("backend %s: %w", b.Name, err)
		}
		lb := &liveBackend{name: b.Name, typ: b.Type}
		live[b.Name] = lb
		if err := startBackend(ctx, sc, b, ref, p, opts, lb, live, workDir); err != nil {
			if ctx.Err() != nil {
				return ErrInterrupted
			}
			return fmt.Errorf("backend %s: %w", b.Name, err)
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func startBackend(ctx context.Context, sc *scenarios.Scenario, b scenarios.Backend, ref string, p *plan,
	opts Options, lb *liveBackend, live map[string]*liveBackend, workDir string) error {
	runID := opts.RunID
	// Module options first, the user's last: the scenario's args come after otelbench's own.
	custom := []testcontainers.ContainerCustomizer{testcontainers.WithLogger(containers.Logger(opts.Logger))}
	if len(b.Args) > 0 {
		custom = append(custom, testcontainers.WithCmdArgs(b.Args...))
	}
	switch b.Type {
	case "jaeger":
		j, err := containers.RunJaeger(ctx, ref, containers.JaegerConfig{RunID: runID, MaxTraces: p.jaegerTraces(&b), MaxRecvMiB: p.jaegerRecvMiB(&b)}, custom...)
		if j != nil {
			lb.ctr = j
		}
		if err != nil {
			return err
		}
		lb.otlpGRPC, lb.otlpHTTP = j.OTLPGRPCEndpoint(), j.OTLPHTTPEndpoint()
		lb.queryURL, lb.metricsURL = j.QueryURL(), j.MetricsURL()
		lb.traces = verify.NewJaeger(j.QueryURL())
	case "zipkin":
		spans, heap := p.zipkinSpans(&b)
		z, err := containers.RunZipkin(ctx, ref, containers.ZipkinConfig{RunID: runID, MaxSpans: spans, HeapMB: heap}, custom...)
		if z != nil {
			lb.ctr = z
		}
		if err != nil {
			return err
		}
		lb.zipkinURL, lb.queryURL = z.SpansURL(), z.BaseURL()
		lb.traces = verify.NewZipkin(z.BaseURL())
	case "prometheus":
		var targets []string
		for _, pe := range p.pull[b.Name] {
			targets = append(targets, pe.addr())
		}
		pr, err := containers.RunPrometheus(ctx, ref, containers.PrometheusConfig{RunID: runID, ScrapeTargets: targets, ScrapeInterval: time.Second}, custom...)
		if pr != nil {
			lb.ctr = pr
		}
		if err != nil {
			return err
		}
		lb.otlpHTTP, lb.otlpHTTPPath = pr.OTLPMetricsEndpoint(), containers.PrometheusOTLPPath
		lb.remoteWriteURL, lb.queryURL = pr.RemoteWriteURL(), pr.URL()
		lb.prom = verify.NewPrometheus(pr.URL())
	case "collector", "sink":
		cfg, err := collectorConfig(sc, b, p, runID, live, workDir)
		if err != nil {
			return err
		}
		c, err := containers.RunCollector(ctx, ref, cfg, custom...)
		if c != nil {
			lb.ctr = c
		}
		if err != nil {
			return err
		}
		lb.otlpGRPC, lb.otlpHTTP = c.OTLPGRPCEndpoint(), c.OTLPHTTPEndpoint()
		lb.metricsURL = c.MetricsURL()
		lb.filesDir = cfg.FilesDir
	default:
		return fmt.Errorf("backend type %q is not supported", b.Type)
	}
	return nil
}

// collectorConfig is what a started collector b is configured with: a counting sink, or otelbench's pipelines to
// the backends it forwards to (started before it) and to files in a folder of workDir, with the user's
// configuration file merged over them.
func collectorConfig(sc *scenarios.Scenario, b scenarios.Backend, p *plan, runID string, live map[string]*liveBackend, workDir string) (containers.CollectorConfig, error) {
	cfg := containers.CollectorConfig{RunID: runID, ItemBytes: p.itemBytes[b.Name], Sink: b.Type == "sink"}
	if cfg.Sink {
		return cfg, nil
	}
	if path := sc.ConfigPath(&b); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("collector config: %w", err)
		}
		cfg.UserConfig = data
	}
	for _, name := range b.ForwardTo {
		d := live[name]
		if d == nil {
			return cfg, fmt.Errorf("forward_to %s: backend not started", name)
		}
		switch d.typ {
		case "jaeger":
			cfg.JaegerOTLPEndpoint = d.otlpGRPC
		case "zipkin":
			cfg.ZipkinURL = d.zipkinURL
		case "prometheus":
			cfg.RemoteWriteURL = d.remoteWriteURL
		}
	}
	dir, err := os.MkdirTemp(workDir, "collector-"+b.Name+"-")
	if err != nil {
		return cfg, err
	}
	// The collector runs as another user; let it write its files here.
	if err := os.Chmod(dir, 0o777); err != nil {
		return cfg, err
	}
	cfg.FilesDir = dir
	return cfg, nil
}

// externalBackend connects to a backend that is already running.
func externalBackend(sc *scenarios.Scenario, b scenarios.Backend) (*liveBackend, error) {
	e := b.External
	lb := &liveBackend{name: b.Name, typ: b.Type, otlpGRPC: e.OTLPGRPC, otlpHTTP: e.OTLPHTTP, queryURL: e.URL}
	switch b.Type {
	case "jaeger":
		lb.traces = verify.NewJaeger(e.URL)
	case "zipkin":
		lb.zipkinURL = e.URL + "/api/v2/spans"
		lb.traces = verify.NewZipkin(e.URL)
	case "prometheus":
		lb.otlpHTTP = hostPortOf(e.URL)
		lb.otlpHTTPPath = containers.PrometheusOTLPPath
		lb.remoteWriteURL = e.URL + "/api/v1/write"
		lb.prom = verify.NewPrometheus(e.URL)
	case "collector":
		lb.filesDir = sc.FilesDir(&b)
		lb.metricsURL = e.MetricsURL
	case "sink":
		lb.metricsURL = e.MetricsURL
	default:
		return nil, fmt.Errorf("a %s backend cannot be external", b.Type)
	}
	return lb, nil
}

func hostPortOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	return u.Host
}

// imageRef is the scenario's image for b, or the pinned one resolved under policy.
func imageRef(ctx context.Context, b scenarios.Backend, policy containers.ImagePolicy) (string, error) {
	if b.Image != "" {
		return b.Image, nil
	}
	typ := b.Type
	if typ == "sink" {
		typ = "collector" // a sink is a collector with another configuration
	}
	img, ok := containers.ImageFor(typ)
	if !ok {
		return "", fmt.Errorf("no image is pinned for backend type %q", b.Type)
	}
	return containers.ResolveImage(ctx, img, policy)
}
