package jaeger_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/containers/jaeger"
)

var _ = Describe("the jaeger reader", func() {
	It("searches a service's traces by time, in microseconds", func() {
		var asked string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			asked = r.URL.String()
			_, _ = fmt.Fprint(w, `{"data":[{"traceID":"a","spans":[{"traceID":"a","spanID":"1","operationName":"GET /hello","tags":[{"key":"span.kind","type":"string","value":"server"}]}]}]}`)
		}))
		DeferCleanup(srv.Close)
		since := time.Unix(1_700_000_000, 0)
		got, err := jaeger.NewReader(srv.URL).Search(context.Background(), "shop", since, since.Add(time.Second), 10)
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(HaveLen(1))
		for id, spans := range got {
			Expect(id.String()).To(Equal("0000000000000000000000000000000a"), "Jaeger leaves out leading zeros")
			Expect(spans[0].Kind).To(Equal("server"))
		}
		u, err := url.Parse(asked)
		Expect(err).NotTo(HaveOccurred())
		Expect(u.Path).To(Equal("/api/traces"))
		Expect(u.Query().Get("service")).To(Equal("shop"))
		Expect(u.Query().Get("start")).To(Equal("1700000000000000"))
		Expect(u.Query().Get("end")).To(Equal("1700000001000000"))
		Expect(u.Query().Get("limit")).To(Equal("10"))
	})
})
