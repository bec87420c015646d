package containers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/containers/collector"
	"github.com/otelbench/otelbench/containers/zipkin"
)

func specRunID(what string) string {
	return fmt.Sprintf("spec-%s-%d", what, time.Now().UnixNano())
}

// get returns the status code and body of a GET on url.
func get(url string) (int, string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

var _ = Describe("Zipkin", Label("docker"), func() {
	It("serves its API on a free loopback port, sized by the caller, and is gone after Terminate", func(ctx SpecContext) {
		id := specRunID("zipkin")
		z, err := zipkin.Run(ctx, images["zipkin"], zipkin.Config{RunID: id, MaxSpans: 10_000})
		DeferCleanup(func(ctx context.Context) { _ = z.Terminate(ctx) })
		Expect(err).NotTo(HaveOccurred())
		Expect(z.SpansURL()).To(HavePrefix("http://127.0.0.1:"))
		Expect(z.SpansURL()).To(HaveSuffix("/api/v2/spans"))
		code, body, err := get(z.BaseURL() + "/health")
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(http.StatusOK))
		Expect(body).To(ContainSubstring("UP"))

		Expect(z.Terminate(ctx)).To(Succeed())
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(3*time.Minute))

	It("sizes its heap from the spans it must hold", func() {
		Expect(zipkin.HeapFor(1000, 200)).To(Equal(512))
		Expect(zipkin.HeapFor(1_000_000, 200)).To(BeNumerically(">", 2000))
		Expect(zipkin.HeapFor(100_000, 10_000)).To(BeNumerically(">", 100_000*3*10_000>>20), "big spans need a big heap")
	})
})

var _ = Describe("Collector", Label("docker"), func() {
	It("receives OTLP on loopback, writes logs into the mounted folder, and serves its own metrics", func(ctx SpecContext) {
		dir := GinkgoT().TempDir()
		Expect(os.Chmod(dir, 0o777)).To(Succeed())
		id := specRunID("collector")
		c, err := collector.Run(ctx, images["collector"], collector.Config{RunID: id, FilesDir: dir})
		DeferCleanup(func(ctx context.Context) { _ = c.Terminate(ctx) })
		Expect(err).NotTo(HaveOccurred())
		Expect(c.OTLPGRPCEndpoint()).To(HavePrefix("127.0.0.1:"))

		payload := `{"resourceLogs":[{"resource":{},"scopeLogs":[{"logRecords":[{"timeUnixNano":"1700000000000000000","severityNumber":9,"body":{"stringValue":"hello from a spec"}}]}]}]}`
		resp, err := http.Post("http://"+c.OTLPHTTPEndpoint()+"/v1/logs", "application/json", strings.NewReader(payload))
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
		Eventually(func() (string, error) {
			data, err := os.ReadFile(dir + "/logs.jsonl")
			return string(data), err
		}).WithContext(ctx).Should(ContainSubstring("hello from a spec"))
		Eventually(func() (string, error) {
			_, body, err := get(c.MetricsURL())
			return body, err
		}).WithContext(ctx).Should(ContainSubstring("otelcol_receiver_accepted_log_records"))

		Expect(c.Terminate(ctx)).To(Succeed())
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(2*time.Minute))
})
