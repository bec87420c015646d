package jaeger

import (
	"embed"

	"github.com/otelbench/otelbench/containers"

	"context"
	"fmt"
	"strings"
	"time"

	"github.com/testcontainers/testcontainers-go"
)

// Image pins Jaeger v2.
var Image = containers.Image{
	Backend:  "jaeger",
	Version:  "2.13.0",
	Official: "jaegertracing/jaeger:2.13.0",
	Local:    "otelbench-local/jaeger:2.13.0",
	Source:   "Go module github.com/jaegertracing/jaeger v1.76.0, cmd/jaeger, static binary in a FROM scratch image",
	Recipe:   containers.EmbeddedRecipe(recipe),
	Build:    containers.GoBinary("github.com/jaegertracing/jaeger/cmd/jaeger", "jaeger", nil),
}

// Config sizes a Jaeger v2 all-in-one backend.
type Config struct {
	// RunID labels the container.
	RunID string
	// MaxTraces is the memory store's capacity; the oldest traces are evicted beyond it. Size it above what the
	// run sends, or eviction reads as loss. Default 100000 (Jaeger's).
	MaxTraces int
	// MaxRecvMiB raises the OTLP gRPC receiver's request limit (Jaeger's default: 4 MiB); zero keeps the default.
	MaxRecvMiB int
}

// Memory is about what a Jaeger all-in-one holding spans spans of about spanBytes bytes each (see
// generators.Shape.SpanBytes) in its memory store takes from the machine, in bytes: 64 MB of its own, 600 bytes
// per span of bookkeeping, and each span's data twice (Go's collector lets the heap grow to twice what is live).
// Measured: 200 000 spans of ~200 bytes peaked at 187 MiB; this says 255 MiB.
func Memory(spans, spanBytes int) int64 {
	return 64<<20 + int64(spans)*int64(600+2*spanBytes)
}

// Jaeger is a running Jaeger v2 all-in-one with memory storage, receiving OTLP over gRPC and HTTP.
type Jaeger struct {
	*testcontainers.DockerContainer
	ports ports
}

type ports struct {
	otlpGRPC, otlpHTTP, queryHTTP, queryGRPC, health, metrics int
}

// Run starts image (see Images) as a Jaeger v2 all-in-one backend and waits until its query API answers.
// On error the partly started container, if any, is returned too so that the caller can terminate it.
func Run(ctx context.Context, image string, cfg Config, opts ...testcontainers.ContainerCustomizer) (*Jaeger, error) {
	if cfg.MaxTraces <= 0 {
		cfg.MaxTraces = 100_000
	}
	p, err := containers.FreePorts(6)
	if err != nil {
		return nil, err
	}
	j := &Jaeger{ports: ports{otlpGRPC: p[0], otlpHTTP: p[1], queryHTTP: p[2], queryGRPC: p[3], health: p[4], metrics: p[5]}}
	const configPath = "/etc/otelbench/jaeger.yaml"
	all := []testcontainers.ContainerCustomizer{
		testcontainers.WithFiles(testcontainers.ContainerFile{
			Reader:            strings.NewReader(j.ports.config(cfg.MaxTraces, cfg.MaxRecvMiB)),
			ContainerFilePath: configPath,
			FileMode:          0o644,
		}),
		testcontainers.WithCmd("--config=" + configPath),
		testcontainers.WithWaitStrategyAndDeadline(time.Minute,
			containers.WaitHTTP(j.ports.health, "/status"),
			containers.WaitHTTP(j.ports.queryHTTP, "/api/services"),
		),
	}
	srv, err := containers.Run(ctx, "jaeger", image, cfg.RunID, append(all, opts...)...)
	if srv != nil {
		j.DockerContainer = srv.DockerContainer
	}
	if err != nil {
		return j, err
	}
	return j, nil
}

// Kind is "jaeger".
func (*Jaeger) Kind() string { return "jaeger" }

// Terminate stops and removes the container; it is safe on a partly started or nil Jaeger.
func (j *Jaeger) Terminate(ctx context.Context) error {
	if j == nil {
		return nil
	}
	return containers.TerminateContainer(ctx, j.DockerContainer)
}

// OTLPGRPCEndpoint is host:port of the OTLP gRPC receiver.
func (j *Jaeger) OTLPGRPCEndpoint() string { return containers.HostPort(j.ports.otlpGRPC) }

// OTLPHTTPEndpoint is host:port of the OTLP HTTP receiver (plain HTTP; the SDK adds the /v1/traces path).
func (j *Jaeger) OTLPHTTPEndpoint() string { return containers.HostPort(j.ports.otlpHTTP) }

// QueryURL is the base URL of the query service's HTTP API (/api/traces/...).
func (j *Jaeger) QueryURL() string { return "http://" + containers.HostPort(j.ports.queryHTTP) }

// MetricsURL is where Jaeger's own Prometheus metrics are served.
func (j *Jaeger) MetricsURL() string {
	return "http://" + containers.HostPort(j.ports.metrics) + "/metrics"
}

// config is Jaeger's all-in-one configuration with every listener on 127.0.0.1 at the chosen ports, memory storage
// of maxTraces, and the query service's self-tracing off (it would add Jaeger's own traces to the store).
// maxRecvMiB > 0 raises the OTLP gRPC receiver's request limit.
func (p ports) config(maxTraces, maxRecvMiB int) string {
	recv := ""
	if maxRecvMiB > 0 {
		recv = fmt.Sprintf("\n        max_recv_msg_size_mib: %d", maxRecvMiB)
	}
	return fmt.Sprintf(`service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: detailed
      readers:
        - pull:
            exporter:
              prometheus:
                host: %[1]s
                port: %[7]d
    logs:
      level: info
extensions:
  jaeger_query:
    storage:
      traces: memstore
    enable_tracing: false
    http:
      endpoint: %[1]s:%[4]d
    grpc:
      endpoint: %[1]s:%[5]d
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: %[8]d
  healthcheckv2:
    use_v2: true
    http:
      endpoint: %[1]s:%[6]d
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %[1]s:%[2]d%[9]s
      http:
        endpoint: %[1]s:%[3]d
processors:
  batch:
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`, containers.Host, p.otlpGRPC, p.otlpHTTP, p.queryHTTP, p.queryGRPC, p.health, p.metrics, maxTraces, recv)
}

//go:embed image
var recipe embed.FS
