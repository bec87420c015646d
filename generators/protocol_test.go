package generators_test

import (
	"context"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/generators"
)

var _ = Describe("the protocol registry", func() {
	It("builds, for every protocol, an exporter of each signal it says it carries, and refuses the others", func(ctx SpecContext) {
		Expect(generators.ProtocolNames()).To(ContainElements("otlp-grpc", "otlp-http", "zipkin", "prometheus", "console"))
		for _, name := range generators.ProtocolNames() {
			p, ok := generators.LookupProtocol(name)
			Expect(ok).To(BeTrue())
			Expect(p.Signals).NotTo(BeEmpty(), name)
			for _, s := range generators.Signals {
				cfg := generators.ExporterConfig{Protocol: name, Endpoint: "127.0.0.1:1", Timeout: 1}
				if name == generators.Console {
					cfg.Endpoint = filepath.Join(GinkgoT().TempDir(), "out.jsonl")
				}
				if name == generators.Zipkin {
					cfg.Endpoint = "http://127.0.0.1:1/api/v2/spans"
				}
				var err error
				var shutdown func(context.Context) error
				switch s {
				case generators.Traces:
					exp, e := generators.NewTraceExporter(ctx, cfg, generators.NewRecorder())
					err = e
					if exp != nil {
						shutdown = exp.Shutdown
					}
				case generators.Metrics:
					exp, e := generators.NewMetricExporter(ctx, generators.MetricExporterConfig{ExporterConfig: cfg}, generators.NewRecorder())
					err = e
					if exp != nil {
						shutdown = exp.Shutdown
					}
				case generators.Logs:
					exp, e := generators.NewLogExporter(ctx, cfg, generators.NewRecorder())
					err = e
					if exp != nil {
						shutdown = exp.Shutdown
					}
				}
				switch {
				case p.Carries(s) && !p.Scraped:
					Expect(err).NotTo(HaveOccurred(), "%s pushes %s", name, s)
					Expect(shutdown(ctx)).To(Succeed())
				case p.Carries(s) && p.Scraped:
					Expect(err).To(MatchError(ContainSubstring("cannot push")), "%s is scraped, not pushed", name)
				default:
					Expect(err).To(MatchError(ContainSubstring("protocol %q cannot push %s; expected", name, s)))
				}
			}
		}
	})

	It("knows no protocol it was not given", func() {
		_, ok := generators.LookupProtocol("otlp-json")
		Expect(ok).To(BeFalse())
		_, err := generators.NewTraceExporter(context.Background(), generators.ExporterConfig{Protocol: "otlp-json"}, generators.NewRecorder())
		Expect(err).To(MatchError(`protocol "otlp-json" cannot push traces; expected otlp-grpc, otlp-http, zipkin, console`))
	})
})
