package collector

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/otelbench/otelbench/verify"
)

// Stats scrapes a collector's own metrics and returns its pipeline counters summed per metric and
// component: keys look like "otelcol_receiver_accepted_spans{receiver=otlp}" or
// "otelcol_exporter_sent_log_records{exporter=file/logs}". Only the receiver_accepted, receiver_refused,
// exporter_sent, exporter_send_failed and exporter_enqueue_failed families are kept, and the gauge
// otelcol_exporter_queue_size (requests in each exporter's sending queue now).
func Stats(ctx context.Context, metricsURL string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := verify.LoopbackClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("collector metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("collector metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("collector metrics: %w", err)
	}
	out := map[string]float64{}
	for name, mf := range families {
		base := strings.TrimSuffix(name, "_total")
		if !strings.HasPrefix(base, "otelcol_receiver_accepted_") && !strings.HasPrefix(base, "otelcol_receiver_refused_") &&
			!strings.HasPrefix(base, "otelcol_exporter_sent_") && !strings.HasPrefix(base, "otelcol_exporter_send_failed_") &&
			!strings.HasPrefix(base, "otelcol_exporter_enqueue_failed_") && base != "otelcol_exporter_queue_size" {
			continue
		}
		for _, m := range mf.GetMetric() {
			component := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "receiver" || l.GetName() == "exporter" {
					component = l.GetName() + "=" + l.GetValue()
				}
			}
			v := m.GetCounter().GetValue()
			switch {
			case m.GetGauge() != nil:
				v = m.GetGauge().GetValue()
			case m.GetCounter() == nil:
				v = m.GetUntyped().GetValue()
			}
			out[base+"{"+component+"}"] += v
		}
	}
	return out, nil
}

// Accepted reads a collector's own counter of the items of signal its receivers accepted
// (otelcol_receiver_accepted_spans, _metric_points or _log_records), summed over receivers.
func Accepted(metricsURL, signal string) func(ctx context.Context) (int64, error) {
	word := map[string]string{"traces": "spans", "metrics": "metric_points", "logs": "log_records"}[signal]
	return func(ctx context.Context) (int64, error) {
		stats, err := Stats(ctx, metricsURL)
		if err != nil {
			return 0, err
		}
		var n float64
		for k, v := range stats {
			if strings.HasPrefix(k, "otelcol_receiver_accepted_"+word+"{") {
				n += v
			}
		}
		return int64(n), nil
	}
}
