package verify_test

import (
	"context"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelbench/otelbench/verify"
)

// askingReader answers from all traces and remembers which were asked for while the stream was still sending.
type askingReader struct {
	fakeReader
	sending        func() bool
	mu             sync.Mutex
	askedWhileSend map[trace.TraceID]bool
}

func (r *askingReader) Traces(ctx context.Context, ids []trace.TraceID) (map[trace.TraceID][]verify.Span, error) {
	if r.sending() {
		r.mu.Lock()
		for _, id := range ids {
			r.askedWhileSend[id] = true
		}
		r.mu.Unlock()
	}
	return r.fakeReader.Traces(ctx, ids)
}

var _ = Describe("Trace read-back while the stream sends", func() {
	It("watches every WatchEvery-th trace while sending, and checks every trace once sending has ended", func(ctx SpecContext) {
		const n = 40
		sentCh := make(chan struct{})
		var emitted, closed atomicBool
		r := &askingReader{fakeReader: fakeReader{traces: map[trace.TraceID][]verify.Span{}}, askedWhileSend: map[trace.TraceID]bool{},
			sending: func() bool { return !closed.get() }}
		for seq := range uint64(n) {
			r.put(ids.TraceID(stream, seq), sent(seq))
		}
		go func() {
			defer GinkgoRecover()
			emitted.set(true)
			// Let a few rounds run while "sending".
			Eventually(func() int64 { return r.calls.Load() }).Should(BeNumerically(">=", 3))
			closed.set(true)
			close(sentCh)
		}()
		res, err := verify.Traces(ctx, r, verify.TraceExpectation{
			Stream: stream, Workload: workload, Shape: shape, IDs: ids, Values: values,
			Emitted: func() uint64 {
				if emitted.get() {
					return n
				}
				return 0
			},
			Sent: sentCh, WatchEvery: 4,
		}, verify.Options{Window: time.Second, Interval: time.Millisecond})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Verified).To(Equal(int64(n * shape.Spans)))
		Expect(res.Lost).To(BeZero())
		r.mu.Lock()
		defer r.mu.Unlock()
		for seq := range uint64(n) {
			Expect(r.askedWhileSend[ids.TraceID(stream, seq)]).To(Equal(seq%4 == 0), "trace %d asked for while sending", seq)
		}
		Expect(res.Visibility.Count).To(BeNumerically("<=", n/4), "only watched traces measure visibility")
	}, SpecTimeout(10*time.Second))
})

type atomicBool struct {
	mu sync.Mutex
	v  bool
}

func (b *atomicBool) get() bool  { b.mu.Lock(); defer b.mu.Unlock(); return b.v }
func (b *atomicBool) set(v bool) { b.mu.Lock(); defer b.mu.Unlock(); b.v = v }

// verifyWithout verifies every trace against a backend that lacks traces 3 and 7, the sender knowing of
// undelivered spans, within window.
func verifyWithout(ctx context.Context, undelivered int64, window time.Duration) (verify.Result, error) {
	r := &fakeReader{traces: map[trace.TraceID][]verify.Span{}}
	for seq := range uint64(traces) {
		if seq != 3 && seq != 7 {
			r.put(ids.TraceID(stream, seq), sent(seq))
		}
	}
	sentCh := make(chan struct{})
	close(sentCh)
	return verify.Traces(ctx, r, verify.TraceExpectation{
		Stream: stream, Workload: workload, Shape: shape, IDs: ids, Values: values,
		Emitted: func() uint64 { return traces }, Sent: sentCh,
		Undelivered: func() int64 { return undelivered },
	}, verify.Options{Window: window, Interval: time.Millisecond})
}

var _ = Describe("Verification once the outcome is certain", func() {
	It("ends without waiting out the window when every span still missing was dropped in the SDK", func(ctx SpecContext) {
		start := time.Now()
		res, err := verifyWithout(ctx, int64(2*shape.Spans), time.Hour) // traces 3 and 7 were dropped in the SDK
		Expect(err).NotTo(HaveOccurred())
		Expect(time.Since(start)).To(BeNumerically("<", 5*time.Second))
		Expect(res.Verified).To(Equal(int64((traces - 2) * shape.Spans)))
		Expect(res.Lost).To(Equal(int64(2 * shape.Spans)))
	}, SpecTimeout(10*time.Second))

	It("waits for a span that is missing beyond what the sender knows of", func(ctx SpecContext) {
		start := time.Now()
		// One trace's worth was dropped in the SDK: the other one is lost in the backend.
		res, err := verifyWithout(ctx, int64(shape.Spans), 300*time.Millisecond)
		Expect(err).NotTo(HaveOccurred())
		Expect(time.Since(start)).To(BeNumerically(">=", 300*time.Millisecond), "it waited out the window")
		Expect(res.Lost).To(Equal(int64(2 * shape.Spans)))
	}, SpecTimeout(10*time.Second))
})
