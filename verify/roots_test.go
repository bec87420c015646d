package verify_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelbench/otelbench/verify"
)

var _ = Describe("Counting the traces an app started itself (requests without a traceparent)", func() {
	root := func(id string) trace.TraceID { t, _ := trace.TraceIDFromHex(id); return t }
	ours, theirs1, theirs2 := root("0000000000000000000000000000000a"), root("0000000000000000000000000000000b"), root("0000000000000000000000000000000c")

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
