package main_test

import (
	"context"
	"fmt"
	"net"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/otelbench/otelbench/containers/prometheus"
	"github.com/otelbench/otelbench/reports"
)

// freeAddr is a loopback address nothing listens on (a race with other processes is possible, not likely).
func freeAddr() string {
	GinkgoHelper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	addr := l.Addr().String()
	Expect(l.Close()).To(Succeed())
	return addr
}

var _ = Describe("otelbench run --metrics-addr and --metrics-otlp", Label("docker", "e2e"), func() {
	It("is scraped by a real Prometheus mid-run, and the last figures it scraped and was pushed are the report's", func(ctx SpecContext) {
		addr, id := freeAddr(), runID("live")
		prom, err := prometheus.Run(ctx, startImage(ctx, "prometheus"), prometheus.Config{
			RunID: runID("live-prometheus"), ScrapeTargets: []string{addr}, ScrapeInterval: 250 * time.Millisecond,
		})
		DeferCleanup(func(ctx context.Context) { _ = prom.Terminate(ctx) })
		Expect(err).NotTo(HaveOccurred())
		client := prometheus.NewClient(prom.URL())

		path := writeScenario(`version: 1
name: live
duration: 8s
backends:
  - {name: jaeger, type: jaeger}
  - {name: out, type: console}
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: jaeger, batch_timeout: 200ms}
  - {name: stdout, protocol: console, backend: out}
workloads:
  - {name: checkout, signal: traces, exporters: [grpc], rate: 300, trace: {spans: 3}}
  - {name: audit, signal: logs, exporters: [stdout], rate: 100}
`)
		out := GinkgoT().TempDir()
		s := otelbench("run", path, "--out", out, "--run-id", id, "--metrics-addr", addr,
			"--metrics-otlp", prom.URL()+prometheus.OTLPPath, "--metrics-linger", "2s")

		// value is the one sample expr selects at its newest.
		value := func(expr string) func(context.Context) (float64, error) {
			return func(ctx context.Context) (float64, error) {
				got, err := client.Query(ctx, expr, time.Now())
				if err != nil || len(got) != 1 {
					return 0, fmt.Errorf("%s: %d samples, %v", expr, len(got), err)
				}
				return got[0].Value, nil
			}
		}
		scraped := fmt.Sprintf(`job="otelbench",instance=%q,run_id=%q`, addr, id)
		By("scraping the figures while the run sends")
		Eventually(value(`otelbench_items_emitted_total{` + scraped + `,workload="checkout"}`)).WithContext(ctx).
			WithTimeout(3 * time.Minute).Should(BeNumerically(">", 0))
		Expect(s.ExitCode()).To(Equal(-1), "the run is still in progress")
		Expect(value(`otelbench_run_in_progress{` + scraped + `}`)(ctx)).To(Equal(1.0))

		rep := passed(ctx, s, out)
		Expect(rep.Exporters).To(HaveLen(2))

		By("ending with the report's figures, scraped and pushed alike")
		// The scrape target is gone after --metrics-linger: its series end there (stale), so the last value is asked for.
		last := func(metric, labels string, row reports.Exporter) func(context.Context) (float64, error) {
			return value(fmt.Sprintf(`last_over_time(%s{%s,workload=%q,exporter=%q,backend=%q}[10m])`, metric, labels, row.Workload, row.Name, row.Backend))
		}
		pushed := fmt.Sprintf(`job="otelbench",instance=%q,run_id=%q`, id, id) // OTLP: service.name and service.instance.id
		for _, labels := range []string{scraped, pushed} {
			for _, row := range rep.Exporters {
				Expect(row.Verified).To(BeNumerically(">", 0))
				Eventually(last("otelbench_items_verified_total", labels, row)).WithContext(ctx).Should(BeEquivalentTo(row.Verified), labels)
				Expect(last("otelbench_items_emitted_total", labels, row)(ctx)).To(BeEquivalentTo(row.Emitted), labels)
				Expect(last("otelbench_items_sent_total", labels, row)(ctx)).To(BeEquivalentTo(row.Sent), labels)
				Expect(last("otelbench_items_dropped_in_sdk_total", labels, row)(ctx)).To(BeEquivalentTo(row.DroppedInSDK), labels)
				Expect(last("otelbench_export_calls_total", labels, row)(ctx)).To(BeEquivalentTo(row.ExportCalls), labels)
				Expect(last("otelbench_export_duration_seconds_count", labels, row)(ctx)).To(BeEquivalentTo(row.ExportLatencyMs.Count), labels)
				Expect(last("otelbench_items_lost_total", labels+`,cause="none"`, row)(ctx)).To(BeEquivalentTo(row.Lost), labels)
				Expect(last("otelbench_row_passed", labels, row)(ctx)).To(Equal(1.0), labels)
			}
			Expect(value(`last_over_time(otelbench_run_passed{`+labels+`}[10m])`)(ctx)).To(Equal(1.0), labels)
			Expect(value(`last_over_time(otelbench_run_in_progress{`+labels+`}[10m])`)(ctx)).To(Equal(0.0), labels)
		}
		Expect(s).To(gexec.Exit(0))
	}, SpecTimeout(5*time.Minute))
})
