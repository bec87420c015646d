package verify_test

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelbench/otelbench/generators"
	"github.com/otelbench/otelbench/verify"
)

// fakeReader is a backend holding whatever the spec puts in it, asked for at most batch IDs at a time.
type fakeReader struct {
	mu     sync.Mutex
	traces map[trace.TraceID][]verify.Span
	calls  atomic.Int64
	onCall func(n int64) // called before answering call n (1-based)
}

func (f *fakeReader) Name() string   { return "fake" }
func (f *fakeReader) BatchSize() int { return 3 }
func (f *fakeReader) Traces(_ context.Context, ids []trace.TraceID) (map[trace.TraceID][]verify.Span, error) {
	n := f.calls.Add(1)
	if f.onCall != nil {
		f.onCall(n)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[trace.TraceID][]verify.Span{}
	for _, id := range ids {
		if spans, ok := f.traces[id]; ok {
			out[id] = spans
		}
	}
	return out, nil
}

func (f *fakeReader) put(id trace.TraceID, spans []verify.Span) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.traces[id] = spans
}

const (
	stream   = "checkout/otlp-grpc"
	workload = "checkout"
	traces   = 10
)

var (
	shape  = generators.Shape{Spans: 4, Depth: 3, Attributes: 2, AttributeSize: 8}
	ids    = generators.NewIDs(42, "run-1")
	values = generators.NewValues(42, 8)
)

// sent is trace seq exactly as the generator emits it.
func sent(seq uint64) []verify.Span {
	tid := ids.TraceID(stream, seq)
	parents := shape.Parents()
	spans := make([]verify.Span, shape.Spans)
	end := time.Now().Add(-time.Second)
	for i := range spans {
		attrs := map[string]any{generators.AttrSeq: int64(seq), generators.AttrSpan: int64(i)}
		for a := range shape.Attributes {
			attrs[generators.AttributeKey(a)] = values.Value(seq, i, a)
		}
		var parent trace.SpanID
		if parents[i] >= 0 {
			parent = generators.SpanID(tid, parents[i])
		}
		spans[i] = verify.Span{TraceID: tid, SpanID: generators.SpanID(tid, i), ParentID: parent,
			Name: generators.SpanName(workload, i), Start: end.Add(-time.Millisecond), End: end, Attributes: attrs}
	}
	return spans
}

func expectation(done chan struct{}, emitted *atomic.Uint64) verify.TraceExpectation {
	return verify.TraceExpectation{
		Stream: stream, Workload: workload, Shape: shape, IDs: ids, Values: values,
		Emitted: emitted.Load, Sent: done,
	}
}

func closed() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

func emittedN(n uint64) *atomic.Uint64 {
	var e atomic.Uint64
	e.Store(n)
	return &e
}

var _ = Describe("Traces", func() {
	opts := verify.Options{Window: 200 * time.Millisecond, Interval: time.Millisecond}

	DescribeTable("classifies what the backend holds",
		func(ctx SpecContext, mutate func(seq uint64, spans []verify.Span) []verify.Span, want verify.Result) {
			f := &fakeReader{traces: map[trace.TraceID][]verify.Span{}}
			for seq := range uint64(traces) {
				if spans := mutate(seq, sent(seq)); spans != nil {
					f.put(ids.TraceID(stream, seq), spans)
				}
			}
			res, err := verify.Traces(ctx, f, expectation(closed(), emittedN(traces)), opts)
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Expected).To(Equal(int64(traces * shape.Spans)))
			Expect(res.Verified).To(Equal(want.Verified), "verified")
			Expect(res.Lost).To(Equal(want.Lost), "lost")
			Expect(res.Duplicated).To(Equal(want.Duplicated), "duplicated")
			Expect(res.Altered).To(Equal(want.Altered), "altered")
			Expect(res.Passed()).To(Equal(want.Lost+want.Duplicated+want.Altered == 0))
			if !res.Passed() {
				Expect(res.Problems).NotTo(BeEmpty())
			}
		},
		Entry("everything delivered intact", func(_ uint64, s []verify.Span) []verify.Span { return s },
			verify.Result{Verified: 40}),
		Entry("a whole trace lost", func(seq uint64, s []verify.Span) []verify.Span {
			if seq == 3 {
				return nil
			}
			return s
		}, verify.Result{Verified: 36, Lost: 4}),
		Entry("one span of a trace lost", func(seq uint64, s []verify.Span) []verify.Span {
			if seq == 5 {
				return s[:3]
			}
			return s
		}, verify.Result{Verified: 39, Lost: 1}),
		Entry("a span delivered twice", func(seq uint64, s []verify.Span) []verify.Span {
			if seq == 0 {
				return append(s, s[2])
			}
			return s
		}, verify.Result{Verified: 40, Duplicated: 1}),
		Entry("an attribute value changed", func(seq uint64, s []verify.Span) []verify.Span {
			if seq == 7 {
				s[1].Attributes[generators.AttributeKey(1)] = "changed"
			}
			return s
		}, verify.Result{Verified: 39, Altered: 1}),
		Entry("an integer attribute turned into a string", func(seq uint64, s []verify.Span) []verify.Span {
			if seq == 7 {
				s[0].Attributes[generators.AttrSeq] = "7"
			}
			return s
		}, verify.Result{Verified: 39, Altered: 1}),
		Entry("a span renamed (e.g. lower-cased)", func(seq uint64, s []verify.Span) []verify.Span {
			if seq == 2 {
				s[0].Name = "Checkout"
			}
			return s
		}, verify.Result{Verified: 39, Altered: 1}),
		Entry("a span re-parented", func(seq uint64, s []verify.Span) []verify.Span {
			if seq == 2 {
				s[3].ParentID = s[0].SpanID
				s[3].ParentID[0] ^= 1
			}
			return s
		}, verify.Result{Verified: 39, Altered: 1}),
	)

	It("waits for items that become queryable late, and measures when they did", func(ctx SpecContext) {
		f := &fakeReader{traces: map[trace.TraceID][]verify.Span{}}
		f.onCall = func(n int64) {
			if n == 20 { // the backend makes the trace queryable only after some rounds
				f.put(ids.TraceID(stream, 0), sent(0))
			}
		}
		res, err := verify.Traces(ctx, f, expectation(closed(), emittedN(1)), verify.Options{Window: time.Minute, Interval: time.Millisecond})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Verified).To(Equal(int64(4)))
		Expect(res.Complete).To(Equal(int64(1)))
		Expect(res.Rounds).To(BeNumerically(">=", 20))
		Expect(res.Visibility.Count).To(Equal(int64(1)))
		Expect(res.Visibility.Max).To(BeNumerically(">=", time.Second), "from the root span's end to the query that found it")
	})

	It("verifies while the stream is still sending, and takes the final count once it has sent", func(ctx SpecContext) {
		f := &fakeReader{traces: map[trace.TraceID][]verify.Span{}}
		var emitted atomic.Uint64
		done := make(chan struct{})
		var progress atomic.Int64
		go func() {
			defer GinkgoRecover()
			for seq := range uint64(traces) {
				f.put(ids.TraceID(stream, seq), sent(seq))
				emitted.Store(seq + 1)
				Eventually(progress.Load).Should(BeNumerically(">=", int64(seq+1)*int64(shape.Spans)))
			}
			close(done)
		}()
		o := opts
		o.Progress = func(verified, _ int64) { progress.Store(verified) }
		res, err := verify.Traces(ctx, f, verify.TraceExpectation{
			Stream: stream, Workload: workload, Shape: shape, IDs: ids, Values: values, Emitted: emitted.Load, Sent: done,
		}, o)
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Passed()).To(BeTrue())
		Expect(res.Verified).To(Equal(int64(traces * shape.Spans)))
	})

	It("declares nothing passed when nothing was sent", func(ctx SpecContext) {
		f := &fakeReader{traces: map[trace.TraceID][]verify.Span{}}
		res, err := verify.Traces(ctx, f, expectation(closed(), emittedN(0)), opts)
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Expected).To(BeZero())
		Expect(res.Passed()).To(BeFalse())
	})

	It("returns what it knows when cancelled", func() {
		f := &fakeReader{traces: map[trace.TraceID][]verify.Span{}}
		ctx, cancel := context.WithCancel(context.Background())
		f.onCall = func(n int64) {
			if n == 2 {
				cancel()
			}
		}
		res, err := verify.Traces(ctx, f, expectation(closed(), emittedN(2)), verify.Options{Window: time.Hour, Interval: time.Millisecond})
		Expect(err).To(MatchError(context.Canceled))
		Expect(res.Lost).To(Equal(int64(8)))
	})
})
