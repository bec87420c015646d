package zipkin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelbench/otelbench/containers/zipkin"
	"github.com/otelbench/otelbench/verify"
)

// serve answers every request with body and records the last URL asked.
func serve(status int, body string, asked *string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if asked != nil {
			*asked = r.URL.String()
		}
		w.WriteHeader(status)
		_, _ = fmt.Fprint(w, body)
	}))
	DeferCleanup(srv.Close)
	return srv
}

var _ = Describe("Zipkin reader", func() {
	tid := "2cb039c6e2afec1b01ee5c613359d5ca"

	DescribeTable("reads what the Go SDK's and the collector's Zipkin exporters write",
		func(span string, want verify.Span) {
			var asked string
			srv := serve(200, "["+span+"]", &asked)
			id, _ := trace.TraceIDFromHex(tid)
			got, err := zipkin.NewReader(srv.URL).Traces(context.Background(), []trace.TraceID{id})
			Expect(err).NotTo(HaveOccurred())
			Expect(asked).To(Equal("/api/v2/trace/"+tid), "traceMany answers 400 for a single ID")
			Expect(got[id]).To(HaveLen(1))
			s := got[id][0]
			Expect(s.Name).To(Equal(want.Name))
			Expect(s.Kind).To(Equal(want.Kind))
			Expect(s.Status).To(Equal(want.Status))
			Expect(s.StatusMessage).To(Equal(want.StatusMessage))
			Expect(s.Events).To(Equal(want.Events))
			Expect(s.Links).To(Equal(want.Links))
			Expect(s.Attributes["otelbench.seq"]).To(Equal("165"), "Zipkin tags are strings")
		},
		Entry("Go SDK exporter",
			`{"traceId":"`+tid+`","id":"33be2e9f1ccb987c","kind":"SERVER","name":"w","timestamp":1,"duration":2,
			  "annotations":[{"timestamp":1,"value":"otelbench.root: {\"otelbench.seq\":165}"}],
			  "tags":{"otel.status_code":"ERROR","error":"synthetic failure","otelbench.seq":"165"}}`,
			verify.Span{Name: "w", Kind: "server", Status: "error", StatusMessage: "synthetic failure", Events: []string{"otelbench.root"}}),
		Entry("collector exporter",
			`{"traceId":"`+tid+`","id":"33be2e9f1ccb987c","kind":"SERVER","name":"w","timestamp":1,"duration":2,
			  "annotations":[{"timestamp":1,"value":"otelbench.root|{\"otelbench.seq\":165}|0"}],
			  "tags":{"otel.status_code":"STATUS_CODE_ERROR","error":"true","otel.status_description":"synthetic failure",
			          "otelbench.seq":"165","otlp.link.0":"7a3ef3e2588dd42fddaeedc2784d5262|21b65d4f51c1d258||{}|0"}}`,
			verify.Span{Name: "w", Kind: "server", Status: "error", StatusMessage: "synthetic failure", Events: []string{"otelbench.root"},
				Links: []trace.SpanID{{0x21, 0xb6, 0x5d, 0x4f, 0x51, 0xc1, 0xd2, 0x58}}}),
	)

	It("reads several traces in one traceMany request, and none when asked for none", func() {
		other := "0af7651916cd43dd8448eb211c80319c"
		var asked string
		srv := serve(200, `[[{"traceId":"`+tid+`","id":"33be2e9f1ccb987c","name":"a","timestamp":1,"duration":2}],`+
			`[{"traceId":"`+other+`","id":"43be2e9f1ccb987c","name":"b","timestamp":1,"duration":2},`+
			`{"traceId":"`+other+`","id":"53be2e9f1ccb987c","parentId":"43be2e9f1ccb987c","name":"c","timestamp":1,"duration":2}]]`, &asked)
		a, _ := trace.TraceIDFromHex(tid)
		b, _ := trace.TraceIDFromHex(other)
		got, err := zipkin.NewReader(srv.URL).Traces(context.Background(), []trace.TraceID{a, b})
		Expect(err).NotTo(HaveOccurred())
		Expect(asked).To(Equal("/api/v2/traceMany?traceIds=" + tid + "%2C" + other))
		Expect(got[a]).To(HaveLen(1))
		Expect(got[b]).To(HaveLen(2))

		asked = ""
		got, err = zipkin.NewReader(srv.URL).Traces(context.Background(), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(BeEmpty())
		Expect(asked).To(BeEmpty())
	})

	It("says when Zipkin fails", func() {
		srv := serve(500, "boom", nil)
		_, err := zipkin.NewReader(srv.URL).Traces(context.Background(), []trace.TraceID{{1}})
		Expect(err).To(MatchError(ContainSubstring("500")))
	})

	It("searches Zipkin by service (lower case) and time", func() {
		span := func(tid, id, parent string) string {
			return `{"traceId":"` + tid + `","id":"` + id + `","parentId":"` + parent + `","kind":"SERVER","name":"GET /hello","timestamp":1,"duration":2}`
		}
		var asked string
		srv := serve(200, `[[`+span("0000000000000000000000000000000b", "00000000000000a1", "")+`],[`+span("0000000000000000000000000000000c", "00000000000000a2", "00000000000000ff")+`]]`, &asked)
		since := time.Unix(1_700_000_000, 0)
		got, err := zipkin.NewReader(srv.URL).Search(context.Background(), "Shop", since, since.Add(20*time.Second), 50)
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(HaveLen(2))
		u, err := url.Parse(asked)
		Expect(err).NotTo(HaveOccurred())
		Expect(u.Path).To(Equal("/api/v2/traces"))
		Expect(u.Query()).To(Equal(url.Values{"serviceName": {"shop"}, "endTs": {"1700000020000"}, "lookback": {"20000"}, "limit": {"50"}}))

	})

})
