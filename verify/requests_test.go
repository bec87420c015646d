package verify_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/verify"
	"github.com/otelbench/otelbench/verify/sampling"
)

var _ = Describe("An application's requests read back from its traces", func() {
	ids := generators.NewIDs(7, "run")
	req := func(seq uint64, method, route string, status int) verify.Request {
		tid := ids.TraceID("shop", seq)
		return verify.Request{Seq: seq, Trace: tid, Parent: generators.SpanID(tid, 0), Method: method, Route: route, Status: status}
	}
	// server is the span an instrumented app makes of r, with attrs.
	server := func(r verify.Request, attrs map[string]any) verify.Span {
		return verify.Span{TraceID: r.Trace, SpanID: generators.SpanID(r.Trace, 1), ParentID: r.Parent, Name: r.Method + " " + r.Route, Kind: "server", Attributes: attrs}
	}
	below := func(sp verify.Span, n int) verify.Span {
		return verify.Span{TraceID: sp.TraceID, SpanID: generators.SpanID(sp.TraceID, 2+n), ParentID: sp.SpanID, Name: "charge-card", Kind: "internal"}
	}
	opts := verify.Options{Window: 300 * time.Millisecond, Interval: 10 * time.Millisecond}

	It("verifies server spans under each request's span, in the old or the stable conventions, and counts the spans below", func(ctx SpecContext) {
		a, b, c := req(0, "GET", "/hello", 200), req(1, "POST", "/checkout", 201), req(2, "GET", "/orders/<int:order_id>", 404)
		sa := server(a, map[string]any{"http.method": "GET", "http.route": "/hello", "http.status_code": int64(200)})
		sb := server(b, map[string]any{"http.request.method": "POST", "http.route": "/checkout", "http.response.status_code": int64(201)})
		// Zipkin keeps every tag as a string.
		sc := server(c, map[string]any{"http.method": "GET", "http.route": "/orders/<int:order_id>", "http.status_code": "404"})
		r := &fakeReader{traces: map[trace.TraceID][]verify.Span{
			a.Trace: {sa}, b.Trace: {sb, below(sb, 0)}, c.Trace: {sc},
		}}
		res, err := verify.Requests(ctx, r, []verify.Request{a, b, c}, opts)
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Passed()).To(BeTrue(), "%v", res.Problems)
		Expect(res.Verified).To(BeEquivalentTo(3))
		Expect(res.SpansBelow).To(BeEquivalentTo(1))
		Expect(res.Attributes).To(HaveKeyWithValue("http.route", BeEquivalentTo(3)))
		Expect(verify.Semconv(res.Attributes)).To(Equal("both"))
	})

	It("counts a request whose trace is absent as lost, and one whose span says otherwise as altered, saying what differs", func(ctx SpecContext) {
		lost, wrong, orphan, twice := req(0, "GET", "/hello", 200), req(1, "GET", "/hello", 500), req(2, "GET", "/hello", 200), req(3, "GET", "/hello", 200)
		unrouted := req(4, "GET", "", 404) // a path no route matches: no http.route expected
		su := server(unrouted, map[string]any{"http.method": "GET", "http.route": "/hello", "http.status_code": int64(404)})
		sw := server(wrong, map[string]any{"http.method": "GET", "http.route": "/hello", "http.status_code": int64(200)})
		// A span in the trace, but not under the request's span: the app did not take the traceparent's parent.
		so := server(orphan, map[string]any{"http.method": "GET", "http.route": "/hello", "http.status_code": int64(200)})
		so.ParentID = trace.SpanID{1}
		st := server(twice, map[string]any{"http.method": "GET", "http.route": "/hello", "http.status_code": int64(200)})
		st2 := st
		st2.SpanID = trace.SpanID{9}
		r := &fakeReader{traces: map[trace.TraceID][]verify.Span{wrong.Trace: {sw}, orphan.Trace: {so}, twice.Trace: {st, st2}, unrouted.Trace: {su}}}
		res, err := verify.Requests(ctx, r, []verify.Request{lost, wrong, orphan, twice, unrouted}, opts)
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Passed()).To(BeFalse())
		Expect(res.Lost).To(BeEquivalentTo(1))
		Expect(res.Altered).To(BeEquivalentTo(3))
		Expect(res.Verified).To(BeEquivalentTo(1))
		Expect(res.Duplicated).To(BeEquivalentTo(1))
		Expect(res.Problems).To(ContainElement(ContainSubstring("status 200, the app answered 500")))
		Expect(res.Problems).To(ContainElement(ContainSubstring("did the app take the traceparent header?")))
		Expect(res.Problems).To(ContainElement(ContainSubstring("no span of it found")))
		Expect(res.Problems).To(ContainElement(ContainSubstring("route /hello, expected none")))
	})

	It("counts the requests a sampler should drop as not sampled when missing, unexpected when present, and those it may drop by what arrived", func(ctx SpecContext) {
		attrs := map[string]any{"http.method": "GET", "http.route": "/hello", "http.status_code": int64(200)}
		keep, drop, dropped, under := req(0, "GET", "/hello", 200), req(1, "GET", "/hello", 200), req(2, "GET", "/hello", 200), req(3, "GET", "/hello", 200)
		drop.Expect, dropped.Expect, under.Expect, under.UnsampledParent = sampling.Drop, sampling.Drop, sampling.Drop, true
		eitherIn, eitherOut := req(4, "GET", "/hello", 200), req(5, "GET", "/hello", 200)
		eitherIn.Expect, eitherOut.Expect = sampling.Either, sampling.Either
		r := &fakeReader{traces: map[trace.TraceID][]verify.Span{
			keep.Trace: {server(keep, attrs)}, dropped.Trace: {server(dropped, attrs)}, under.Trace: {server(under, attrs)},
			eitherIn.Trace: {server(eitherIn, attrs)},
		}}
		o := opts
		o.Window, o.Settle = 5*time.Second, 50*time.Millisecond
		res, err := verify.Requests(ctx, r, []verify.Request{keep, drop, dropped, under, eitherIn, eitherOut}, o)
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Verified).To(BeEquivalentTo(2), "the one kept and the one of unknown outcome that arrived")
		Expect(res.Expected).To(BeEquivalentTo(2))
		Expect(res.NotSampled).To(BeEquivalentTo(2), "the one dropped as predicted and the one of unknown outcome that did not arrive")
		Expect(res.Unexpected).To(BeEquivalentTo(2))
		Expect(res.Violations).To(BeEquivalentTo(1), "the span under an unsampled parent")
		Expect(res.Lost).To(BeZero())
		Expect([]int64{res.EitherKept, res.EitherTotal}).To(Equal([]int64{1, 2}))
		Expect(res.Problems).To(ContainElement(ContainSubstring("under an unsampled parent")))
		Expect(res.Problems).To(ContainElement(ContainSubstring("predicted to drop")))
	})

	It("does not wait out the window for traces a sampler should drop, once the kept ones are in", func(ctx SpecContext) {
		keep, drop := req(0, "GET", "/hello", 200), req(1, "GET", "/hello", 200)
		drop.Expect = sampling.Drop
		r := &fakeReader{traces: map[trace.TraceID][]verify.Span{keep.Trace: {server(keep, map[string]any{"http.method": "GET", "http.route": "/hello", "http.status_code": int64(200)})}}}
		o := opts
		o.Window, o.Settle = time.Hour, 50*time.Millisecond
		res, err := verify.Requests(ctx, r, []verify.Request{keep, drop}, o)
		Expect(err).NotTo(HaveOccurred())
		Expect([]int64{res.Verified, res.NotSampled, res.Lost}).To(Equal([]int64{1, 1, 0}))
	}, SpecTimeout(time.Minute))

	It("waits for spans that arrive late, within the window", func(ctx SpecContext) {
		a := req(0, "GET", "/hello", 200)
		r := &fakeReader{traces: map[trace.TraceID][]verify.Span{}}
		r.onCall = func(n int64) {
			if n == 5 {
				r.traces[a.Trace] = []verify.Span{server(a, map[string]any{"http.method": "GET", "http.route": "/hello", "http.status_code": int64(200)})}
			}
		}
		res, err := verify.Requests(ctx, r, []verify.Request{a}, verify.Options{Window: 5 * time.Second, Interval: 10 * time.Millisecond})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Passed()).To(BeTrue())
	})
})

var _ = Describe("An application's request count", func() {
	It("passes when it rose by the requests answered, and says by how much it did not", func(ctx SpecContext) {
		opts := verify.Options{Window: 200 * time.Millisecond, Interval: 10 * time.Millisecond}
		value := 3.0
		query := func(context.Context) (float64, bool, error) { return value, true, nil }
		value = 103
		res, counted, err := verify.RequestCount(ctx, query, 3, 100, opts)
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Passed()).To(BeTrue())
		Expect(counted).To(BeEquivalentTo(100))

		value = 93
		res, _, _ = verify.RequestCount(ctx, query, 3, 100, opts)
		Expect(res.Lost).To(BeEquivalentTo(10))
		Expect(res.Problems).To(ContainElement("the app's request count rose by 90; it answered 100 requests"))

		none := func(context.Context) (float64, bool, error) { return 0, false, nil }
		res, _, _ = verify.RequestCount(ctx, none, 0, 100, opts)
		Expect(res.Lost).To(BeEquivalentTo(100))
		Expect(res.Problems).To(ContainElement(ContainSubstring("not found")))
	})
})

var _ = Describe("An application's logs", func() {
	It("finds each request's records by its trace ID, among this app instance's records only", func(ctx SpecContext) {
		ids := generators.NewIDs(7, "run")
		a, b := ids.TraceID("shop", 0), ids.TraceID("shop", 1)
		mine := map[string]any{"service.instance.id": "run-shop"}
		other := map[string]any{"service.instance.id": "old-shop"}
		batches := [][]verify.LogRecord{
			{{TraceID: a, Resource: mine}, {TraceID: b, Resource: other}},
			{{TraceID: b, Resource: mine}, {TraceID: b, Resource: mine}},
		}
		calls := 0
		src := func(context.Context) ([]verify.LogRecord, error) {
			if calls >= len(batches) {
				return nil, nil
			}
			calls++
			return batches[calls-1], nil
		}
		res, err := verify.AppLogs(ctx, src, []verify.RequestLogs{{Seq: 0, Trace: a, Want: 1}, {Seq: 1, Trace: b, Want: 1}}, "run-shop",
			verify.Options{Window: 200 * time.Millisecond, Interval: 10 * time.Millisecond})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Verified).To(BeEquivalentTo(2))
		Expect(res.Duplicated).To(BeEquivalentTo(1))
		Expect(res.Lost).To(BeZero())
	})
})
