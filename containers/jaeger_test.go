package containers_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/all"
	"github.com/otelbench/otelbench/containers/jaeger"
)

var _ = Describe("Jaeger", Label("docker"), func() {
	It("listens on free loopback ports, answers its query API, and is gone after Terminate", func(ctx SpecContext) {
		runID := "spec-jaeger-" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
		j, err := jaeger.Run(ctx, jaegerImage, jaeger.Config{RunID: runID, MaxTraces: 1000})
		DeferCleanup(func(ctx context.Context) { _ = j.Terminate(ctx) })
		Expect(err).NotTo(HaveOccurred())

		Expect(j.OTLPGRPCEndpoint()).To(HavePrefix("127.0.0.1:"))
		Expect(j.OTLPHTTPEndpoint()).To(HavePrefix("127.0.0.1:"))
		resp, err := http.Get(j.QueryURL() + "/api/services")
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
		Expect(containers.List(ctx, runID)).To(HaveLen(1))

		Expect(j.Terminate(ctx)).To(Succeed())
		Eventually(leftovers(runID)).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(2*time.Minute))

	It("is removed by Prune when a run could not terminate it", func(ctx SpecContext) {
		runID := "spec-prune-" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
		j, err := jaeger.Run(ctx, jaegerImage, jaeger.Config{RunID: runID})
		DeferCleanup(func(ctx context.Context) { _ = j.Terminate(ctx) })
		Expect(err).NotTo(HaveOccurred())

		// The run's owner, this process, is alive; naming the run removes its containers all the same.
		res, err := containers.Prune(ctx, containers.PruneOptions{RunID: runID})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Removed).To(ConsistOf(And(HaveField("RunID", runID), HaveField("Owner", HavePrefix(fmt.Sprintf("%d:", os.Getpid()))))))
		Expect(res.Kept).To(BeEmpty())
		Eventually(leftovers(runID)).WithContext(ctx).Should(BeEmpty())
		Expect(j.Terminate(ctx)).To(Succeed(), "terminating an already removed backend is not an error")
	}, SpecTimeout(2*time.Minute))
})

var _ = Describe("FreePorts", func() {
	It("returns distinct ports below the ephemeral range that can be bound on loopback, never the same twice", func() {
		lo := 32768
		if data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
			_, _ = fmt.Sscan(string(data), &lo)
		}
		seen := map[int]bool{}
		for range 5 {
			ports, err := containers.FreePorts(20)
			Expect(err).NotTo(HaveOccurred())
			Expect(ports).To(HaveLen(20))
			for _, p := range ports {
				Expect(seen).NotTo(HaveKey(p))
				seen[p] = true
				Expect(p).To(BeNumerically(">=", 20000))
				Expect(p).To(BeNumerically("<", max(lo, 30000)))
				l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
				Expect(err).NotTo(HaveOccurred())
				Expect(l.Close()).To(Succeed())
			}
		}
	})
})

var _ = Describe("Images", func() {
	It("pins one official and one local image per backend type", func() {
		img, ok := all.ImageFor("jaeger")
		Expect(ok).To(BeTrue())
		Expect(img.Official).To(Equal("jaegertracing/jaeger:" + img.Version))
		Expect(img.Local).To(HaveSuffix(":" + img.Version))
		_, ok = all.ImageFor("tempo")
		Expect(ok).To(BeFalse())
	})
})
