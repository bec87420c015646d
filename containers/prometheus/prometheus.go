// Package prometheus is the prometheus backend: a Prometheus 3 server taking metrics through its OTLP receiver,
// remote write (from a collector) or by scraping otelbench's Prometheus exporters, read back with PromQL.
package prometheus

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/backend"
	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/verify"
)

// Kind is the prometheus backend type.
type Kind struct{}

var (
	_ containers.Kind      = Kind{}
	_ containers.Forwarded = (*live)(nil)
)

// Describe: Prometheus takes metrics over OTLP HTTP and by scraping, and answers PromQL; a collector forwards
// metrics to it by remote write; an external Prometheus is reached at its base URL (query API and receivers).
func (Kind) Describe() backend.Description {
	return backend.Description{
		Type:         "prometheus",
		Receives:     map[generators.Signal][]string{generators.Metrics: {generators.OTLPHTTP, generators.Prometheus}},
		GivesBack:    func(_ backend.Spec, s generators.Signal) bool { return s == generators.Metrics },
		ForwardedVia: map[generators.Signal]string{generators.Metrics: backend.ViaRemoteWrite},
		ExternalKeys: []string{"url"},
		Validate: func(spec backend.Spec, report func(field, format string, args ...any)) {
			backend.NeedURL(spec, report, "its base URL", "http://127.0.0.1:9090")
		},
		RefusesDelta: refusesDelta,
		DeltaArgs:    []string{"--enable-feature=" + DeltaFeature},
	}
}

func (Kind) Image() (containers.Image, bool) { return Image, true }

// DeltaFeature is the feature flag that makes Prometheus' OTLP receiver take delta temporality, converting it to
// cumulative.
const DeltaFeature = "otlp-deltatocumulative"

// RefusesDelta: a Prometheus otelbench starts refuses delta temporality (HTTP 500 "invalid temporality and type
// combination") unless the scenario's args enable DeltaFeature; an external one may be configured to take it.
func refusesDelta(spec backend.Spec) string {
	if spec.External != nil || HasFeature(spec.Args, DeltaFeature) {
		return ""
	}
	return fmt.Sprintf("Prometheus (backend %q) refuses it (HTTP 500 \"invalid temporality and type combination\") unless started with "+
		"--enable-feature=%s; expected temporality: cumulative, or args: [--enable-feature=%s] on backend %q",
		spec.Name, DeltaFeature, DeltaFeature, spec.Name)
}

// HasFeature reports whether args enable Prometheus feature flag feature (--enable-feature=a,b takes a list; the
// flag may repeat).
func HasFeature(args []string, feature string) bool {
	for i, a := range args {
		var list string
		switch {
		case strings.HasPrefix(a, "--enable-feature="):
			list = strings.TrimPrefix(a, "--enable-feature=")
		case a == "--enable-feature" && i+1 < len(args):
			list = args[i+1]
		default:
			continue
		}
		if slices.Contains(strings.Split(list, ","), feature) {
			return true
		}
	}
	return false
}

func (Kind) Start(ctx context.Context, env containers.StartEnv) (containers.Live, error) {
	p, err := Run(ctx, env.Image, Config{
		RunID: env.RunID, ScrapeTargets: env.Load.ScrapeTargets, ScrapeInterval: time.Second, WorkDir: env.WorkDir,
	}, env.Customizers...)
	l := &live{ContainerLive: containers.ContainerLive{Ctr: p}, name: env.Spec.Name}
	if err != nil {
		return l, err
	}
	l.otlp, l.remoteWrite, l.q = p.OTLPMetricsEndpoint(), p.RemoteWriteURL(), NewClient(p.URL())
	return l, nil
}

func (Kind) Connect(_ context.Context, spec backend.Spec) (containers.Live, error) {
	e := spec.External
	u, err := url.Parse(e.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("url %q: expected the server's base URL, e.g. http://127.0.0.1:9090", e.URL)
	}
	return &live{name: spec.Name, otlp: u.Host, remoteWrite: strings.TrimRight(e.URL, "/") + "/api/v1/write", ext: e,
		q: NewClient(e.URL).WithClient(verify.HTTPClient(e.TLS, e.Headers))}, nil
}

type live struct {
	containers.ContainerLive
	containers.NoReaders
	name, otlp, remoteWrite string
	ext                     *backend.External
	q                       *Client
}

func (l *live) Endpoint(protocol string, s generators.Signal, _ string) (backend.Endpoint, bool) {
	if s != generators.Metrics {
		return backend.Endpoint{}, false
	}
	switch protocol {
	case generators.OTLPHTTP:
		ep := backend.Endpoint{Address: l.otlp}
		if l.ext != nil {
			ep = l.ext.Endpoint(l.otlp)
		}
		ep.URLPath = OTLPPath
		return ep, true
	case generators.Prometheus:
		return backend.Endpoint{}, l.ext == nil // scraped: otelbench serves, a Prometheus it started scrapes
	}
	return backend.Endpoint{}, false
}

// MetricReader reads with PromQL, Prometheus' naming: exponential histograms are native histograms whether they
// came through OTLP, a scrape or a collector's remote write.
func (l *live) MetricReader(string, string) verify.MetricReader {
	return verify.PromReader{Q: l.q, Naming: Naming(true)}
}

func (l *live) ForwardExporter(s generators.Signal) (string, map[string]any, string, bool) {
	if s != generators.Metrics {
		return "", nil, "", false
	}
	// resource_to_telemetry_conversion stays off: job and instance come from service.name and
	// service.instance.id, the rest of the resource goes to target_info, as with Prometheus' own OTLP receiver.
	return "prometheusremotewrite/" + l.name, containers.WithRetry(map[string]any{"endpoint": l.remoteWrite}), backend.ViaRemoteWrite, true
}

// External is this backend as a scenario's external: block would describe it, to be used as it runs.
func (l *live) External() (backend.External, bool) {
	if l.ext != nil {
		return *l.ext, true
	}
	return backend.External{URL: strings.TrimSuffix(l.remoteWrite, "/api/v1/write")}, true
}

func (l *live) Describe() map[string]string {
	return map[string]string{"query": strings.TrimSuffix(l.remoteWrite, "/api/v1/write"), "remote_write": l.remoteWrite}
}

// PromQL answers the queries an application's request count is read with.
func (l *live) PromQL() verify.PromQL { return l.q }
