package generators

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Prometheus is the SDK's Prometheus exporter: metrics only, scraped by the backend from an endpoint the stream
// serves (NewPullReader), not pushed.
const Prometheus = "prometheus"

var prometheusProtocol = Protocol{Name: Prometheus, Signals: []Signal{Metrics}, Scraped: true}

// NewPullReader builds the SDK's Prometheus exporter (a pull reader) and the HTTP handler serving it as a scrape
// endpoint. rec sees every scrape: its items are the data points of otelbench's instruments served, its duration
// the time to gather them, its bytes the size of the response.
func NewPullReader(rec *Recorder) (sdkmetric.Reader, http.Handler, error) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, nil, fmt.Errorf("create prometheus exporter: %w", err)
	}
	h := promhttp.HandlerFor(countingGatherer{reg: reg, rec: rec}, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError})
	return exp, countingHandler{h: h, rec: rec}, nil
}

// countingGatherer counts, per scrape, the data points of otelbench's own metric families.
type countingGatherer struct {
	reg *prometheus.Registry
	rec *Recorder
}

func (g countingGatherer) Gather() ([]*dto.MetricFamily, error) {
	start := time.Now()
	mfs, err := g.reg.Gather()
	n := 0
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "otelbench_") {
			n += len(mf.GetMetric())
		}
	}
	g.rec.Record(n, time.Since(start), err)
	return mfs, err
}

type countingHandler struct {
	h   http.Handler
	rec *Recorder
}

func (c countingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cw := &countingWriter{ResponseWriter: w}
	c.h.ServeHTTP(cw, r)
	c.rec.AddBytes(cw.n)
}

type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}
