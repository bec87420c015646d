package main_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/otelbench/otelbench/reports"
)

// matrixRows are the rows scenarios/exporters-matrix.yaml must produce, each passing: signal, protocol, exporter
// name, backend path.
var matrixRows = []struct{ signal, protocol, exporter, backend string }{
	{"traces", "otlp-grpc", "otlp-grpc", "jaeger"},
	{"traces", "otlp-http", "otlp-http", "jaeger"},
	{"traces", "zipkin", "zipkin", "zipkin"},
	{"traces", "otlp-grpc", "collector-grpc", "collector->jaeger"},
	{"traces", "otlp-grpc", "collector-grpc", "collector->zipkin"},
	{"metrics", "otlp-http", "prometheus-otlp", "prometheus"},
	{"metrics", "prometheus", "prometheus-scrape", "prometheus"},
	{"metrics", "otlp-http", "collector-http", "collector->prometheus"},
	{"metrics", "otlp-http", "collector-http", "collector"},
	{"metrics", "otlp-grpc", "delta-grpc", "collector-files"},
	{"logs", "otlp-grpc", "collector-grpc", "collector"},
	{"logs", "otlp-http", "collector-http", "collector"},
	{"metrics", "otlp-http", "victoriametrics-otlp", "victoriametrics"},
	{"metrics", "otlp-http", "collector-http", "collector->victoriametrics"},
	{"logs", "otlp-http", "victorialogs-otlp", "victorialogs"},
	{"logs", "otlp-grpc", "collector-grpc", "collector->victorialogs"},
	{"logs", "otlp-http", "collector-http", "collector->victorialogs"},
	{"metrics", "console", "console", "console"},
}

var _ = Describe("otelbench run scenarios/exporters-matrix.yaml", Label("docker", "e2e"), Ordered, ContinueOnFailure, func() {
	var rep reports.Report
	var id string
	var exitCode int

	BeforeAll(func(ctx SpecContext) {
		out := GinkgoT().TempDir()
		id = runID("matrix")
		s := otelbench("run", "../../scenarios/exporters-matrix.yaml", "--out", out, "--run-id", id)
		Eventually(s).WithContext(ctx).Should(gexec.Exit())
		// Each row is judged by its own spec below, so that a failure names the path that failed.
		exitCode = s.ExitCode()
		Expect(exitCode).To(Or(Equal(0), Equal(3)), "the run itself failed")
		rep = readReport(out)
	}, NodeTimeout(8*60e9))

	It("exits 0: every row passed", func() {
		Expect(exitCode).To(Equal(0), "failing rows:%s", failures(rep))
		Expect(rep.Passed).To(BeTrue())
	})

	find := func(signal, protocol, exporter, backend string) *reports.Exporter {
		for i := range rep.Exporters {
			e := &rep.Exporters[i]
			if e.Signal == signal && e.Protocol == protocol && e.Name == exporter && e.Backend == backend {
				return e
			}
		}
		return nil
	}

	for _, r := range matrixRows {
		It(fmt.Sprintf("delivers %s through %s (%s) to %s, every item verified", r.signal, r.exporter, r.protocol, r.backend), func() {
			e := find(r.signal, r.protocol, r.exporter, r.backend)
			Expect(e).NotTo(BeNil(), "no such row in the report")
			Expect(e.Sent).To(BeNumerically(">", 0))
			Expect(e.Verified).To(Equal(e.Sent), "problems: %v", e.Problems)
			Expect(e.Lost).To(BeZero())
			Expect(e.Duplicated).To(BeZero())
			Expect(e.Altered).To(BeZero())
			Expect(e.DroppedInSDK).To(BeZero())
			Expect(e.Passed).To(BeTrue())
		})
	}

	It("reports what each path changes, and the collector's own counters as a witness", func() {
		Expect(rep.Compatibility).NotTo(BeEmpty())
		zipkin := find("traces", "zipkin", "zipkin", "zipkin")
		Expect(zipkin).NotTo(BeNil())
		Expect(zipkin.Changes).To(HaveKey("links dropped"))
		prom := find("metrics", "otlp-http", "prometheus-otlp", "prometheus")
		Expect(prom).NotTo(BeNil())
		Expect(prom.Changes).To(HaveKey(ContainSubstring("renamed otelbench_requests_total")))
		viaCollector := find("logs", "otlp-grpc", "collector-grpc", "collector")
		Expect(viaCollector).NotTo(BeNil())
		Expect(viaCollector.Witness).NotTo(BeEmpty())
	})

	It("says how Prometheus' scrapes covered the pull stream's sending", func() {
		scraped := find("metrics", "prometheus", "prometheus-scrape", "prometheus")
		Expect(scraped).NotTo(BeNil())
		Expect(scraped.ScrapeCoverage).NotTo(BeNil())
		Expect(scraped.ScrapeCoverage.Scrapes).To(BeNumerically(">", 1))
		Expect(scraped.ScrapeCoverage.LastAfterEndS).To(BeNumerically(">=", 0), "a scrape after sending ended saw the final values")
		Expect(scraped.ScrapeCoverage.Unseen).To(BeZero())
	})

	It("leaves no container behind", func(ctx SpecContext) {
		Eventually(leftovers(id)).WithContext(ctx).Should(BeEmpty())
	})
})
