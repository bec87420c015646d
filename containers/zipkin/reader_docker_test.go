package zipkin_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/all"
	"github.com/otelbench/otelbench/containers/zipkin"
)

var _ = Describe("Zipkin read-back", Ordered, Label("docker"), func() {
	var (
		client *zipkin.Reader
		one    = trace.TraceID{0x2c, 0xb0, 0x39, 0xc6, 0xe2, 0xaf, 0xec, 0x1b, 0x01, 0xee, 0x5c, 0x61, 0x33, 0x59, 0xd5, 0xca}
		two    = trace.TraceID{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c}
		absent = trace.TraceID{0x01}
	)

	BeforeAll(func(ctx SpecContext) {
		img, ok := all.ImageFor("zipkin")
		Expect(ok).To(BeTrue())
		_, err := containers.BuildImage(ctx, img, false, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		ref, err := containers.ResolveImage(ctx, img, containers.ImagesAuto)
		Expect(err).NotTo(HaveOccurred())

		runID := fmt.Sprintf("spec-zipkinread-%d", time.Now().UnixNano())
		z, err := zipkin.Run(ctx, ref, zipkin.Config{RunID: runID, MaxSpans: 1000, HeapMB: 512})
		DeferCleanup(func(ctx context.Context) { _ = z.Terminate(ctx) })
		Expect(err).NotTo(HaveOccurred())
		client = zipkin.NewReader(z.BaseURL())

		now := time.Now().UnixMicro()
		spans := fmt.Sprintf(`[
			{"traceId":%q,"id":"33be2e9f1ccb987c","kind":"SERVER","name":"Root","timestamp":%d,"duration":20,
			 "localEndpoint":{"serviceName":"spec"},"tags":{"otelbench.seq":"1"}},
			{"traceId":%q,"id":"43be2e9f1ccb987c","name":"a","timestamp":%d,"duration":10,"localEndpoint":{"serviceName":"spec"}},
			{"traceId":%q,"id":"53be2e9f1ccb987c","parentId":"43be2e9f1ccb987c","name":"b","timestamp":%d,"duration":5,
			 "localEndpoint":{"serviceName":"spec"}}]`, one.String(), now, two.String(), now, two.String(), now)
		resp, err := http.Post(z.SpansURL(), "application/json", strings.NewReader(spans))
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusAccepted))
	}, NodeTimeout(30*time.Minute))

	count := func(ids ...trace.TraceID) func(context.Context) (map[trace.TraceID]int, error) {
		return func(ctx context.Context) (map[trace.TraceID]int, error) {
			got, err := client.Traces(ctx, ids)
			n := map[trace.TraceID]int{}
			for id, spans := range got {
				n[id] = len(spans)
			}
			return n, err
		}
	}

	It("reads a single trace (which traceMany refuses) and several at once", func(ctx SpecContext) {
		Eventually(count(one)).WithContext(ctx).Should(Equal(map[trace.TraceID]int{one: 1}))
		Eventually(count(two)).WithContext(ctx).Should(Equal(map[trace.TraceID]int{two: 2}))
		Expect(count(one, two)(ctx)).To(Equal(map[trace.TraceID]int{one: 1, two: 2}))
		Expect(count(one, two, absent)(ctx)).To(Equal(map[trace.TraceID]int{one: 1, two: 2}))
	}, SpecTimeout(time.Minute))

	It("finds nothing, without an error, for a trace it does not have", func(ctx SpecContext) {
		Expect(count(absent)(ctx)).To(BeEmpty())
	}, SpecTimeout(time.Minute))

	It("lower-cases span names, keeps tags as strings", func(ctx SpecContext) {
		got, err := client.Traces(ctx, []trace.TraceID{one})
		Expect(err).NotTo(HaveOccurred())
		Expect(got[one]).To(HaveLen(1))
		Expect(got[one][0].Name).To(Equal("root"))
		Expect(got[one][0].Kind).To(Equal("server"))
		Expect(got[one][0].Attributes).To(HaveKeyWithValue("otelbench.seq", "1"))
	}, SpecTimeout(time.Minute))
})
