package generators_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/otelbench/otelbench/generators"
)

var _ = Describe("HTTPLoad", func() {
	// app records what it was sent and answers each path with the status the test gives it.
	type seen struct {
		method, path, traceparent, body string
	}
	var (
		mu   sync.Mutex
		got  []seen
		hold chan struct{}
	)
	app := func(status map[string]int) *httptest.Server {
		got, hold = nil, nil
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			got = append(got, seen{r.Method, r.URL.Path, r.Header.Get("traceparent"), string(b)})
			h := hold
			mu.Unlock()
			if h != nil {
				<-h
			}
			w.WriteHeader(status[r.URL.Path])
		}))
		DeferCleanup(srv.Close)
		return srv
	}
	ids := generators.NewIDs(1, "run")

	It("sends each request with a traceparent whose IDs can be derived again, in the proportions of the weights", func(ctx SpecContext) {
		srv := app(map[string]int{"/a": 200, "/b": 201})
		load, err := generators.NewHTTPLoad(generators.HTTPLoadConfig{
			Stream: "w", BaseURL: srv.URL, Schedule: generators.Constant(400, 500*time.Millisecond), IDs: ids,
			Requests: []generators.HTTPRequest{{Method: "GET", Path: "/a", Weight: 3}, {Method: "POST", Path: "/b", Body: `{"x":1}`, Weight: 1, Status: 201}},
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(load.Run(ctx)).To(Succeed())

		Expect(got).To(HaveLen(200))
		byTP := map[string]seen{}
		counts := map[string]int{}
		for _, s := range got {
			byTP[s.traceparent] = s
			counts[s.path]++
		}
		Expect(counts["/a"]).To(BeNumerically("~", 150, 15))
		Expect(counts["/b"]).To(BeNumerically("~", 50, 15))
		for seq, res := range load.Results() {
			tid, sid := load.TraceParent(uint64(seq))
			s, ok := byTP["00-"+tid.String()+"-"+sid.String()+"-01"]
			Expect(ok).To(BeTrue(), "request %d's traceparent reached the app", seq)
			Expect(tid).To(Equal(ids.TraceID("w", uint64(seq))))
			want := []string{"/a", "/b"}[res.Kind]
			Expect(s.path).To(Equal(want))
			if want == "/b" {
				Expect(s.method).To(Equal("POST"))
				Expect(s.body).To(Equal(`{"x":1}`))
			}
		}
		st := load.HTTPStats()
		Expect(st.Requests).To(BeEquivalentTo(200))
		Expect(st.Answered).To(BeEquivalentTo(200))
		Expect(st.UnexpectedStatus).To(BeZero())
		Expect(st.Statuses).To(HaveKeyWithValue("201", BeNumerically("~", 50, 15)))
		Expect(st.Latency.Count).To(BeEquivalentTo(200))
	})

	It("sends shares of requests with an unsampled traceparent and with none, each as ParentOf says", func(ctx SpecContext) {
		srv := app(map[string]int{"/a": 200})
		load, err := generators.NewHTTPLoad(generators.HTTPLoadConfig{
			Stream: "w", BaseURL: srv.URL, Schedule: generators.Constant(2000, time.Second), IDs: ids,
			Requests: []generators.HTTPRequest{{Method: "GET", Path: "/a"}}, Unsampled: 0.25, NoParent: 0.1,
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(load.Run(ctx)).To(Succeed())
		// Open loop: on a busy machine a slot can be missed; every request sent reached the app.
		Expect(load.HTTPStats().Requests).To(BeNumerically(">=", 1900))
		Expect(got).To(HaveLen(int(load.HTTPStats().Requests)))
		sent := map[string]bool{}
		for _, s := range got {
			sent[s.traceparent] = true
		}
		shares := map[generators.Traceparent]int{}
		for seq := range load.Results() {
			tid, sid := load.TraceParent(uint64(seq))
			mode := load.ParentOf(uint64(seq))
			shares[mode]++
			switch mode {
			case generators.TraceparentSampled:
				Expect(sent).To(HaveKey("00-" + tid.String() + "-" + sid.String() + "-01"))
			case generators.TraceparentUnsampled:
				Expect(sent).To(HaveKey("00-" + tid.String() + "-" + sid.String() + "-00"))
			}
		}
		Expect(sent).To(HaveKey(""), "the requests without a traceparent")
		// Binomial shares of 2000 draws: 4 standard deviations are about 78 (0.25) and 54 (0.1) requests.
		Expect(shares[generators.TraceparentUnsampled]).To(BeNumerically("~", 500, 78))
		Expect(shares[generators.TraceparentNone]).To(BeNumerically("~", 200, 54))
		Expect(shares[generators.TraceparentSampled]).To(Equal(len(load.Results()) - shares[generators.TraceparentUnsampled] - shares[generators.TraceparentNone]))
	})

	It("counts statuses the scenario does not expect, and requests with no answer apart from them", func(ctx SpecContext) {
		srv := app(map[string]int{"/ok": 200, "/broken": 500})
		load, err := generators.NewHTTPLoad(generators.HTTPLoadConfig{
			Stream: "w", BaseURL: srv.URL, Schedule: generators.Constant(100, 200*time.Millisecond), IDs: ids,
			Requests: []generators.HTTPRequest{{Method: "GET", Path: "/ok"}, {Method: "GET", Path: "/broken"}},
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(load.Run(ctx)).To(Succeed())
		st := load.HTTPStats()
		Expect(st.Answered).To(BeEquivalentTo(20))
		Expect(st.UnexpectedStatus).To(Equal(st.Statuses["500"]))
		Expect(st.UnexpectedStatus).To(BeNumerically(">", 0))

		srv.Close()
		gone, err := generators.NewHTTPLoad(generators.HTTPLoadConfig{
			Stream: "w", BaseURL: srv.URL, Schedule: generators.Constant(100, 100*time.Millisecond), IDs: ids,
			Requests: []generators.HTTPRequest{{Method: "GET", Path: "/ok"}},
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(gone.Run(ctx)).To(Succeed())
		st = gone.HTTPStats()
		Expect(st.Answered).To(BeZero())
		Expect(st.Failed).To(BeEquivalentTo(10))
		Expect(st.Errors).To(HaveLen(1))
		for msg := range st.Errors {
			Expect(msg).To(ContainSubstring("refused"))
		}
	})

	It("keeps the schedule while the app does not answer (open loop), and does not send beyond max in flight", func(ctx SpecContext) {
		srv := app(map[string]int{"/slow": 200})
		mu.Lock()
		hold = make(chan struct{})
		mu.Unlock()
		load, err := generators.NewHTTPLoad(generators.HTTPLoadConfig{
			Stream: "w", BaseURL: srv.URL, Schedule: generators.Constant(100, 300*time.Millisecond), IDs: ids, MaxInFlight: 10,
			Requests: []generators.HTTPRequest{{Method: "GET", Path: "/slow"}},
		})
		Expect(err).NotTo(HaveOccurred())
		done := make(chan error)
		go func() { done <- load.Run(context.Background()) }()
		// Every request falls due on time, though none is answered.
		Eventually(load.Emitted).WithContext(ctx).Should(BeEquivalentTo(30))
		close(hold)
		Eventually(done).WithContext(ctx).Should(Receive(BeNil()))
		st := load.HTTPStats()
		Expect(st.Answered).To(BeEquivalentTo(10))
		Expect(st.NotSent).To(BeEquivalentTo(20))
		Expect(st.Latency.Max).To(BeNumerically(">", st.Service.P50), "latency counts from when each request was due")
	})
})
