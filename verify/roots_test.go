package verify_test

import (
	"context"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelbench/otelbench/verify"
)

var _ = Describe("Counting the traces an app started itself (requests without a traceparent)", func() {
	root := func(id string) trace.TraceID { t, _ := trace.TraceIDFromHex(id); return t }
	ours, theirs1, theirs2 := root("0000000000000000000000000000000a"), root("0000000000000000000000000000000b"), root("0000000000000000000000000000000c")

	It("searches Zipkin by service (lower case) and time", func() {
		span := func(tid, id, parent string) string {
			return `{"traceId":"` + tid + `","id":"` + id + `","parentId":"` + parent + `","kind":"SERVER","name":"GET /hello","timestamp":1,"duration":2}`
		}
		var asked string
		srv := serve(200, `[[`+span(theirs1.String(), "00000000000000a1", "")+`],[`+span(theirs2.String(), "00000000000000a2", "00000000000000ff")+`]]`, &asked)
		since := time.Unix(1_700_000_000, 0)
		got, err := verify.NewZipkin(srv.URL).Search(context.Background(), "Shop", since, since.Add(20*time.Second), 50)
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(HaveLen(2))
		u, err := url.Parse(asked)
		Expect(err).NotTo(HaveOccurred())
		Expect(u.Path).To(Equal("/api/v2/traces"))
		Expect(u.Query()).To(Equal(url.Values{"serviceName": {"shop"}, "endTs": {"1700000020000"}, "lookback": {"20000"}, "limit": {"50"}}))

	})

	It("counts the traces with a server span without a parent, other than the requests' own, once they stop changing", func(ctx SpecContext) {
		s := &fakeSearcher{traces: map[trace.TraceID][]verify.Span{
			ours:    {{TraceID: ours, Kind: "server"}},
			theirs1: {{TraceID: theirs1, Kind: "server"}, {TraceID: theirs1, Kind: "internal", ParentID: trace.SpanID{1}}},
			theirs2: {{TraceID: theirs2, Kind: "client"}}, // not a server span: not a request the app answered
		}}
		n, res, err := verify.Roots(ctx, s, "shop", time.Now(), map[trace.TraceID]bool{ours: true}, 100,
			verify.Options{Window: 10 * time.Second, Settle: 50 * time.Millisecond, Interval: 10 * time.Millisecond})
		Expect(err).NotTo(HaveOccurred())
		Expect(n).To(BeEquivalentTo(1))
		Expect(res.Problems).To(BeEmpty())
	})
})

type fakeSearcher struct {
	traces map[trace.TraceID][]verify.Span
}

func (f *fakeSearcher) Search(context.Context, string, time.Time, time.Time, int) (map[trace.TraceID][]verify.Span, error) {
	return f.traces, nil
}
