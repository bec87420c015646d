// Package victoriametrics is the victoriametrics backend: a VictoriaMetrics single-node server taking metrics
// through its OTLP/HTTP receiver or, from a collector, Prometheus remote write, read back with its
// Prometheus-compatible query API (MetricsQL).
//
// How it stores what OTLP sent (checked against v1.151.0): names and attribute keys as sent (dots kept), every
// resource attribute a label, scope.name and scope.version labels added, histograms as _bucket{le}, _sum and
// _count series, exponential histograms as _bucket{vmrange}, _sum and _count; delta sums are stored as they come,
// one interval's increase per sample. Through a collector's remote write, names are Prometheus' (the exporter
// translates them).
package victoriametrics

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/containers/prometheus"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/verify"
)

// Version is the VictoriaMetrics release the image runs.
const Version = "1.151.0"

//go:embed image
var recipe embed.FS

// Image is built from the Go module (the last release the machines' Go builds; newer ones need a newer Go).
var Image = containers.Image{
	Backend:  "victoriametrics",
	Version:  Version,
	Official: "victoriametrics/victoria-metrics:v" + Version,
	Local:    "otelbench-local/victoriametrics:" + Version,
	Source:   "Go module github.com/VictoriaMetrics/VictoriaMetrics v" + Version + ", app/victoria-metrics, static binary in a FROM scratch image",
	Recipe:   containers.EmbeddedRecipe(recipe),
	Build: containers.GoBinary("github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics", "victoria-metrics", nil,
		"-X github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=victoria-metrics-v"+Version),
}

// OTLPPath is the URL path of the OTLP/HTTP metrics receiver (protobuf).
const OTLPPath = "/opentelemetry/v1/metrics"

// Kind is the victoriametrics backend type.
type Kind struct{}

var (
	_ containers.Kind      = Kind{}
	_ containers.Forwarded = (*live)(nil)
)

// Describe: VictoriaMetrics takes metrics over OTLP HTTP and answers PromQL; a collector forwards metrics to it
// with its remote-write exporter; an external VictoriaMetrics is reached at its base URL (query API and receivers).
func (Kind) Describe() backend.Description {
	return backend.Description{
		Type:         "victoriametrics",
		Receives:     map[generators.Signal][]string{generators.Metrics: {generators.OTLPHTTP}},
		GivesBack:    func(_ backend.Spec, s generators.Signal) bool { return s == generators.Metrics },
		ForwardedVia: map[generators.Signal]string{generators.Metrics: backend.ViaRemoteWrite},
		ExternalKeys: []string{"url"},
		Validate: func(spec backend.Spec, report func(field, format string, args ...any)) {
			backend.NeedURL(spec, report, "its base URL (query API and receivers)", "http://127.0.0.1:8428")
		},
		// VictoriaMetrics takes delta sums but stores each as it comes, an interval's increase, so no series holds
		// the total the generator's measurements add up to.
		RefusesDelta: func(spec backend.Spec) string {
			return fmt.Sprintf("VictoriaMetrics (backend %q) stores delta sums as they come, one interval's increase per sample, so no series "+
				"would hold its total; expected temporality: cumulative", spec.Name)
		},
	}
}

func (Kind) Image() (containers.Image, bool) { return Image, true }

func (Kind) Start(ctx context.Context, env containers.StartEnv) (containers.Live, error) {
	p, err := containers.FreePorts(1)
	if err != nil {
		return nil, err
	}
	addr := containers.HostPort(p[0])
	data, err := containers.WithDataDir(env.WorkDir, "victoriametrics-"+env.Spec.Name, "/data")
	if err != nil {
		return nil, err
	}
	opts := append(append(data,
		testcontainers.WithCmd(
			"-httpListenAddr="+addr,
			"-storageDataPath=/data",
			"-retentionPeriod=1d",
			// Samples become queryable as soon as they are flushed (see force_flush), not 30 s later.
			"-search.latencyOffset=0s",
			"-search.disableCache",
		),
		testcontainers.WithWaitStrategyAndDeadline(time.Minute, containers.WaitHTTP(p[0], "/health")),
	), env.Customizers...)
	s, err := containers.Run(ctx, "victoriametrics", env.Image, env.RunID, opts...)
	l := &live{ContainerLive: containers.ContainerLive{Ctr: s}, name: env.Spec.Name}
	if err != nil {
		return l, err
	}
	l.base, l.addr = "http://"+addr, addr
	l.q = newQuerier(l.base, nil)
	return l, nil
}

func (Kind) Connect(_ context.Context, spec backend.Spec) (containers.Live, error) {
	e := spec.External
	u, err := url.Parse(e.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("url %q: expected the server's base URL, e.g. http://127.0.0.1:8428", e.URL)
	}
	base := strings.TrimRight(e.URL, "/")
	return &live{name: spec.Name, base: base, addr: u.Host, ext: e, q: newQuerier(base, e)}, nil
}

type live struct {
	containers.ContainerLive
	containers.NoReaders
	name, base, addr string
	ext              *backend.External
	q                *querier
}

func (l *live) Endpoint(protocol string, s generators.Signal, _ string) (backend.Endpoint, bool) {
	if s != generators.Metrics || protocol != generators.OTLPHTTP {
		return backend.Endpoint{}, false
	}
	ep := backend.Endpoint{Address: l.addr, URLPath: OTLPPath}
	if l.ext != nil {
		ep = l.ext.Endpoint(l.addr)
		u, _ := url.Parse(l.base) // parsed by Connect
		ep.URLPath = strings.TrimRight(u.Path, "/") + OTLPPath
	}
	return ep, true
}

// MetricReader reads with MetricsQL. Through OTLP, names and keys are as sent and the stream's instance is the
// service.instance.id label; through a collector's remote write, names are Prometheus'.
func (l *live) MetricReader(_, via string) verify.MetricReader {
	if via == backend.ViaRemoteWrite {
		return verify.PromReader{Q: l.q, Naming: remoteWriteNaming()}
	}
	return verify.PromReader{Q: l.q, Naming: otlpNaming()}
}

func (l *live) ForwardExporter(s generators.Signal) (string, map[string]any, string, bool) {
	if s != generators.Metrics {
		return "", nil, "", false
	}
	return "prometheusremotewrite/" + l.name, containers.WithRetry(map[string]any{"endpoint": l.base + "/api/v1/write"}), backend.ViaRemoteWrite, true
}

// otlpNaming is how VictoriaMetrics stores what its OTLP receiver took.
func otlpNaming() *verify.Naming {
	return &verify.Naming{
		Name:          func(in generators.Instrument) string { return in.Name },
		Label:         func(key string) string { return key },
		InstanceLabel: "service.instance.id",
		Changes: func(kinds []string) []string {
			out := []string{"names and attribute keys kept as sent (dots included)",
				"every resource attribute became a label; scope.name and scope.version labels added"}
			for _, k := range kinds {
				switch k {
				case generators.Histogram:
					out = append(out, "histogram split into _bucket{le}, _sum and _count series")
				case generators.ExponentialHistogram:
					out = append(out, "exponential histogram stored as _bucket{vmrange}, _sum and _count series")
				}
			}
			return out
		},
	}
}

// remoteWriteNaming is how VictoriaMetrics stores what a collector's remote-write exporter sent: the exporter has
// already given Prometheus' names.
func remoteWriteNaming() *verify.Naming {
	n := prometheus.Naming(false)
	changes := n.Changes
	n.Changes = func(kinds []string) []string {
		return append(changes(kinds), "names translated by the collector's remote-write exporter")
	}
	return n
}

// querier is the query API: Prometheus' HTTP API with VictoriaMetrics' own options. Before a round of queries it
// asks the server to make what it received queryable (force_flush; an external server may refuse, and then
// samples show after a few seconds).
type querier struct {
	*prometheus.Client
	flushURL string
	client   *http.Client

	mu        sync.Mutex
	lastFlush time.Time
}

func newQuerier(base string, ext *backend.External) *querier {
	client := verify.HTTPClient(nil, nil)
	if ext != nil {
		client = verify.HTTPClient(ext.TLS, ext.Headers)
	}
	params := url.Values{
		"nocache": {"1"}, // an empty answer polled before ingestion would be cached for seconds
		// With -search.latencyOffset at its default (30 s) on an external server, recent samples stay hidden.
		"latency_offset": {"1ms"},
	}
	return &querier{
		Client:   prometheus.NewClient(base).WithClient(client).WithParams(params),
		flushURL: base + "/internal/force_flush", client: client,
	}
}

// Query flushes (at most every 200 ms) and evaluates expr at.
func (q *querier) Query(ctx context.Context, expr string, at time.Time) ([]verify.Sample, error) {
	q.mu.Lock()
	if time.Since(q.lastFlush) > 200*time.Millisecond {
		q.lastFlush = time.Now()
		if req, err := http.NewRequestWithContext(ctx, http.MethodGet, q.flushURL, nil); err == nil {
			if resp, err := q.client.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	}
	q.mu.Unlock()
	if at.IsZero() {
		at = time.Now()
	}
	return q.Client.Query(ctx, expr, at)
}

// External is this backend as a scenario's external: block would describe it, to be used as it runs.
func (l *live) External() (backend.External, bool) {
	if l.ext != nil {
		return *l.ext, true
	}
	return backend.External{URL: l.base}, true
}

func (l *live) Describe() map[string]string {
	return map[string]string{"query": l.base, "remote_write": l.base + "/api/v1/write"}
}

// PromQL answers the queries an application's request count is read with.
func (l *live) PromQL() verify.PromQL { return l.q }
