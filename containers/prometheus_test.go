package containers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/testcontainers/testcontainers-go"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/all"
	"github.com/otelbench/otelbench/containers/prometheus"
)

// promStatus returns the data member of a Prometheus /api/v1/status/... answer.
func promStatus[T any](url string) (T, error) {
	var r struct {
		Status string `json:"status"`
		Data   T      `json:"data"`
	}
	code, body, err := get(url)
	if err != nil {
		return r.Data, err
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil || r.Status != "success" {
		return r.Data, fmt.Errorf("%d %s: %.200s", code, url, body)
	}
	return r.Data, nil
}

// deltaSum is one OTLP/JSON request holding a monotonic sum with delta temporality.
func deltaSum(now time.Time) string {
	return fmt.Sprintf(`{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"spec-delta"}}]},`+
		`"scopeMetrics":[{"metrics":[{"name":"spec.delta","unit":"1","sum":{"aggregationTemporality":1,"isMonotonic":true,`+
		`"dataPoints":[{"startTimeUnixNano":"%d","timeUnixNano":"%d","asDouble":3}]}}]}]}]}`,
		now.Add(-time.Second).UnixNano(), now.UnixNano())
}

func postJSON(url, body string) (int, error) {
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

var _ = Describe("Prometheus backend", func() {
	It("pins Prometheus 3.16 and is safe to terminate when it never started", func(ctx SpecContext) {
		img, ok := all.ImageFor("prometheus")
		Expect(ok).To(BeTrue())
		Expect(img.Official).To(Equal("prom/prometheus:v3.16.0"))
		Expect(img.Local).To(Equal("otelbench-local/prometheus:3.16.0"))
		var p *prometheus.Prometheus
		Expect(p.Terminate(ctx)).To(Succeed())
		Expect(p.Kind()).To(Equal("prometheus"))
		Expect((&prometheus.Prometheus{}).Terminate(ctx)).To(Succeed())
	})

	Context("in Docker", Label("docker"), func() {
		It("runs with the receivers on, the generated config, and loopback endpoints; nothing remains after Terminate", func(ctx SpecContext) {
			id := specRunID("prometheus-config")
			p, err := prometheus.Run(ctx, images["prometheus"], prometheus.Config{
				RunID: id, ScrapeTargets: []string{"127.0.0.1:1"}, ScrapeInterval: 1500 * time.Millisecond,
			})
			DeferCleanup(func(ctx context.Context) { _ = p.Terminate(ctx) })
			Expect(err).NotTo(HaveOccurred())
			Expect(containers.List(ctx, id)).To(HaveLen(1))

			Expect(p.URL()).To(MatchRegexp(`^http://127\.0\.0\.1:\d+$`))
			Expect(p.OTLPMetricsEndpoint()).To(Equal(strings.TrimPrefix(p.URL(), "http://")))
			Expect(p.RemoteWriteURL()).To(Equal(p.URL() + "/api/v1/write"))

			flags, err := promStatus[map[string]string](p.URL() + "/api/v1/status/flags")
			Expect(err).NotTo(HaveOccurred())
			Expect(flags).To(HaveKeyWithValue("web.enable-otlp-receiver", "true"))
			Expect(flags).To(HaveKeyWithValue("web.enable-remote-write-receiver", "true"))
			Expect(flags).To(HaveKeyWithValue("web.listen-address", p.OTLPMetricsEndpoint()))
			Expect(flags).To(HaveKeyWithValue("storage.tsdb.path", "/prometheus"))

			cfg, err := promStatus[struct{ YAML string }](p.URL() + "/api/v1/status/config")
			Expect(err).NotTo(HaveOccurred())
			for _, want := range []string{
				"scrape_interval: 1s500ms", "job_name: otelbench", "honor_labels: true", "honor_timestamps: true",
				"metrics_path: /metrics", "- 127.0.0.1:1", "out_of_order_time_window: 10m", "keep_identifying_resource_attributes: true",
			} {
				Expect(cfg.YAML).To(ContainSubstring(want))
			}

			// Both receivers answer: an empty OTLP request is accepted, an empty remote-write request is not
			// protobuf (but the endpoint exists).
			code, err := postJSON("http://"+p.OTLPMetricsEndpoint()+prometheus.OTLPPath, `{"resourceMetrics":[]}`)
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(Equal(http.StatusOK))
			code, err = postJSON(p.RemoteWriteURL(), "")
			Expect(err).NotTo(HaveOccurred())
			Expect(code).NotTo(Equal(http.StatusNotFound))

			// The default rejects delta temporality.
			code, err = postJSON("http://"+p.OTLPMetricsEndpoint()+prometheus.OTLPPath, deltaSum(time.Now()))
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(Equal(http.StatusInternalServerError))

			Expect(p.Terminate(ctx)).To(Succeed())
			Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
			Expect(p.Terminate(ctx)).To(Succeed(), "terminating twice is not an error")
		}, SpecTimeout(2*time.Minute))

		It("takes the caller's options last, e.g. a feature flag that turns delta sums into cumulative ones", func(ctx SpecContext) {
			id := specRunID("prometheus-delta")
			p, err := prometheus.Run(ctx, images["prometheus"], prometheus.Config{RunID: id},
				testcontainers.WithCmdArgs("--enable-feature=otlp-deltatocumulative"))
			DeferCleanup(func(ctx context.Context) { _ = p.Terminate(ctx) })
			Expect(err).NotTo(HaveOccurred())
			code, err := postJSON("http://"+p.OTLPMetricsEndpoint()+prometheus.OTLPPath, deltaSum(time.Now()))
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(Equal(http.StatusOK))
			Eventually(func() (string, error) {
				_, body, err := get(p.URL() + "/api/v1/query?query=spec_delta_total")
				return body, err
			}).WithContext(ctx).Should(ContainSubstring(`"3"`))
			Expect(p.Terminate(ctx)).To(Succeed())
			Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
		}, SpecTimeout(2*time.Minute))

		It("returns the partly started container with an error carrying its log when Prometheus cannot start", func(ctx SpecContext) {
			id := specRunID("prometheus-fail")
			p, err := prometheus.Run(ctx, images["prometheus"], prometheus.Config{RunID: id},
				testcontainers.WithCmdArgs("--no-such-flag"))
			DeferCleanup(func(ctx context.Context) { _ = p.Terminate(ctx) })
			Expect(err).To(MatchError(ContainSubstring("start prometheus")))
			Expect(err).To(MatchError(ContainSubstring("no-such-flag")))
			Expect(p).NotTo(BeNil())
			Expect(p.Terminate(ctx)).To(Succeed())
			Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
		}, SpecTimeout(2*time.Minute))
	})
})
