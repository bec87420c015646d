package main_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/all"
	"github.com/otelbench/otelbench/containers/jaeger"
)

var _ = Describe("otelbench run with the console exporter", Label("e2e"), func() {
	It("verifies what the console exporters printed, and keeps it under --out", func(ctx SpecContext) {
		out := GinkgoT().TempDir()
		s := otelbench("run", "testdata/console.yaml", "--out", out)
		rep := passed(ctx, s, out)
		Expect(rep.Exporters).To(HaveLen(2))
		for _, e := range rep.Exporters {
			Expect(e.Backend).To(Equal("stdout"))
			Expect(e.Sent).To(BeNumerically(">", 0))
			Expect(e.Verified).To(Equal(e.Sent))
		}
		Expect(filepath.Join(out, "console", "checkout.console.jsonl")).To(BeARegularFile())
		Expect(filepath.Join(out, "console", "audit.console.jsonl")).To(BeARegularFile())
	}, SpecTimeout(time.Minute))
})

var _ = Describe("otelbench run against an external backend", Label("docker", "e2e"), func() {
	It("sends to and verifies a Jaeger that is already running, and starts nothing", func(ctx SpecContext) {
		img, _ := all.ImageFor("jaeger")
		ref, err := containers.ResolveImage(ctx, img, containers.ImagesAuto)
		Expect(err).NotTo(HaveOccurred())
		ownerID := runID("external-owner")
		j, err := jaeger.Run(ctx, ref, jaeger.Config{RunID: ownerID, MaxTraces: 50_000})
		DeferCleanup(func(ctx context.Context) { _ = j.Terminate(ctx) })
		Expect(err).NotTo(HaveOccurred())

		scenario := fmt.Sprintf(`version: 1
name: external
duration: 3s
verify:
  timeout: 20s
backends:
  - name: mine
    type: jaeger
    external:
      otlp_grpc: %q
      otlp_http: %q
      url: %q
exporters:
  - {name: grpc, protocol: otlp-grpc, backend: mine, batch_timeout: 100ms}
  - {name: http, protocol: otlp-http, backend: mine, batch_timeout: 100ms}
workloads:
  - {name: w, signal: traces, exporters: [grpc, http], rate: 300, trace: {spans: 3}}
`, j.OTLPGRPCEndpoint(), j.OTLPHTTPEndpoint(), j.QueryURL())
		path := filepath.Join(GinkgoT().TempDir(), "external.yaml")
		Expect(os.WriteFile(path, []byte(scenario), 0o644)).To(Succeed())

		out, id := GinkgoT().TempDir(), runID("external")
		s := otelbench("run", path, "--out", out, "--run-id", id)
		rep := passed(ctx, s, out)
		Expect(rep.Exporters).To(HaveLen(2))
		for _, e := range rep.Exporters {
			Expect(e.Verified).To(Equal(e.Sent))
			Expect(e.Sent).To(BeNumerically(">", 0))
		}
		Expect(leftovers(id)(ctx)).To(BeEmpty(), "nothing was started for the run")
		Expect(leftovers(ownerID)(ctx)).To(HaveLen(1), "the external backend is left running")
	}, SpecTimeout(2*time.Minute))
})
