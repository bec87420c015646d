package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/otelbench/otelbench/reports/live"
)

// liveFlags are --metrics-addr, --metrics-otlp and --metrics-linger.
type liveFlags struct {
	addr, otlp string
	linger     time.Duration
}

func (l liveFlags) on() bool { return l.addr != "" || l.otlp != "" }

// liveExport carries a run's live figures (live.Metrics) through the OpenTelemetry Go SDK's exporters: the
// Prometheus exporter, served on --metrics-addr, and an OTLP/HTTP periodic reader pushing to --metrics-otlp.
type liveExport struct {
	metrics  *live.Metrics
	provider *sdkmetric.MeterProvider
	server   *http.Server
	served   chan struct{}
	url      string
	linger   time.Duration
}

// otlpMetricsInterval is how often --metrics-otlp pushes, unless OTEL_METRIC_EXPORT_INTERVAL says otherwise.
const otlpMetricsInterval = 5 * time.Second

// startLive checks the flags and starts serving (a usage error, naming the flag, when the address cannot be
// listened on or the URL is not one); nil, nil when neither flag is set.
func startLive(ctx context.Context, f liveFlags, labels live.Labels) (*liveExport, error) {
	if !f.on() {
		if f.linger != 0 {
			return nil, usageError("--metrics-linger: keeps --metrics-addr serving after the report; set --metrics-addr too")
		}
		return nil, nil
	}
	if f.linger < 0 {
		return nil, usageError("--metrics-linger %s: expected a duration of 0 or more", f.linger)
	}
	var otlpURL string
	if f.otlp != "" {
		u, err := url.Parse(f.otlp)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, usageError("--metrics-otlp %q: expected an OTLP/HTTP URL such as http://127.0.0.1:4318 (/v1/metrics is added when the URL has no path)", f.otlp)
		}
		if u.Path == "" || u.Path == "/" {
			u.Path = "/v1/metrics"
		}
		otlpURL = u.String()
	}
	var ln net.Listener
	if f.addr != "" {
		var err error
		if ln, err = net.Listen("tcp", f.addr); err != nil {
			return nil, usageError("--metrics-addr %q: %v", f.addr, err)
		}
	}
	e := &liveExport{metrics: live.New(labels), linger: f.linger}
	res := resource.NewSchemaless(attribute.String("service.name", "otelbench"),
		attribute.String("service.instance.id", labels.RunID+shardSuffix(labels.Shard)))
	opts := []sdkmetric.Option{sdkmetric.WithResource(res)}
	if ln != nil {
		reg := prometheus.NewRegistry()
		exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithProducer(e.metrics), otelprom.WithoutScopeInfo())
		if err != nil {
			_ = ln.Close()
			return nil, fmt.Errorf("--metrics-addr: %w", err)
		}
		opts = append(opts, sdkmetric.WithReader(exp))
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		e.server = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		e.served = make(chan struct{})
		e.url = "http://" + ln.Addr().String() + "/metrics"
		go func() {
			defer close(e.served)
			_ = e.server.Serve(ln)
		}()
	}
	if otlpURL != "" {
		exp, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(otlpURL))
		if err != nil {
			e.close()
			return nil, usageError("--metrics-otlp: %v", err)
		}
		ropts := []sdkmetric.PeriodicReaderOption{sdkmetric.WithProducer(e.metrics)}
		if os.Getenv("OTEL_METRIC_EXPORT_INTERVAL") == "" {
			ropts = append(ropts, sdkmetric.WithInterval(otlpMetricsInterval))
		}
		opts = append(opts, sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, ropts...)))
	}
	e.provider = sdkmetric.NewMeterProvider(opts...)
	return e, nil
}

func shardSuffix(shard string) string {
	if shard == "" {
		return ""
	}
	return "/" + shard
}

// stop pushes the final figures (--metrics-otlp), keeps serving them for --metrics-linger (or until ctx is
// done), and stops.
func (e *liveExport) stop(ctx context.Context, stderr io.Writer) {
	if e == nil {
		return
	}
	if e.server != nil && e.linger > 0 {
		fmt.Fprintf(stderr, "live metrics: serving the final figures on %s for %s\n", e.url, e.linger)
		waitFor(ctx, e.linger)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := e.provider.Shutdown(sctx); err != nil && !errors.Is(err, sdkmetric.ErrReaderShutdown) {
		fmt.Fprintf(stderr, "otelbench: live metrics: %v\n", err)
	}
	e.close()
}

func (e *liveExport) close() {
	if e.server != nil {
		_ = e.server.Close()
		<-e.served
	}
}
