package generators_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/otelbench/otelbench/generators"
)

// bodyReceiver stands for a backend: it reads every request body fully and raw (Go's server does not
// decompress, so a gzip body is counted as sent) and accepts the export, after answering the first failFirst
// requests 503 (which the SDK retries).
type bodyReceiver struct {
	srv *httptest.Server

	mu        sync.Mutex
	bodies    []int64
	encodings []string
	failFirst int
}

func newBodyReceiver(failFirst int) *bodyReceiver {
	r := &bodyReceiver{failFirst: failFirst}
	r.srv = httptest.NewServer(r) // listens on 127.0.0.1
	DeferCleanup(r.srv.Close)
	return r
}

func (r *bodyReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	n, err := io.Copy(io.Discard, req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.bodies = append(r.bodies, n)
	r.encodings = append(r.encodings, req.Header.Get("Content-Encoding"))
	fail := r.failFirst > 0
	if fail {
		r.failFirst--
	}
	r.mu.Unlock()
	switch {
	case fail:
		w.WriteHeader(http.StatusServiceUnavailable)
	case req.URL.Path == "/api/v2/spans": // Zipkin wants 202
		w.WriteHeader(http.StatusAccepted)
	default: // an empty ExportServiceResponse: full success
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}
}

// received is the request body bytes of every request so far, and their Content-Encodings.
func (r *bodyReceiver) received() (total int64, bodies []int64, encodings []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.bodies {
		total += n
	}
	return total, append([]int64(nil), r.bodies...), append([]string(nil), r.encodings...)
}

// endpoint is the receiver's host:port, as the OTLP exporters take it.
func (r *bodyReceiver) endpoint() string { return strings.TrimPrefix(r.srv.URL, "http://") }

// filler is a compressible attribute value or body.
var filler = strings.Repeat("otelbench compressible payload ", 8)

type exportFunc func(ctx context.Context, cfg generators.ExporterConfig, rec *generators.Recorder) error

func exportSpans(ctx context.Context, cfg generators.ExporterConfig, rec *generators.Recorder) error {
	exp, err := generators.NewTraceExporter(ctx, cfg, rec)
	if err != nil {
		return err
	}
	start := time.Now()
	stubs := make(tracetest.SpanStubs, 200)
	for i := range stubs {
		stubs[i] = tracetest.SpanStub{
			Name: "checkout", StartTime: start, EndTime: start.Add(time.Millisecond),
			Attributes: []attribute.KeyValue{attribute.String("payload", filler), attribute.Int("seq", i)},
		}
	}
	err = exp.ExportSpans(ctx, stubs.Snapshots())
	Expect(exp.Shutdown(ctx)).To(Succeed())
	return err
}

func exportMetrics(ctx context.Context, cfg generators.ExporterConfig, rec *generators.Recorder) error {
	exp, err := generators.NewMetricExporter(ctx, generators.MetricExporterConfig{ExporterConfig: cfg}, rec)
	if err != nil {
		return err
	}
	now := time.Now()
	points := make([]metricdata.DataPoint[int64], 200)
	for i := range points {
		points[i] = metricdata.DataPoint[int64]{
			Attributes: attribute.NewSet(attribute.String("payload", filler), attribute.Int("seq", i)),
			StartTime:  now.Add(-time.Second), Time: now, Value: int64(i),
		}
	}
	err = exp.Export(ctx, &metricdata.ResourceMetrics{
		Resource: resource.Empty(),
		ScopeMetrics: []metricdata.ScopeMetrics{{
			Scope:   instrumentation.Scope{Name: "otelbench"},
			Metrics: []metricdata.Metrics{{Name: "otelbench_value", Data: metricdata.Gauge[int64]{DataPoints: points}}},
		}},
	})
	Expect(exp.Shutdown(ctx)).To(Succeed())
	return err
}

func exportLogs(ctx context.Context, cfg generators.ExporterConfig, rec *generators.Recorder) error {
	exp, err := generators.NewLogExporter(ctx, cfg, rec)
	if err != nil {
		return err
	}
	// Records come from a logger provider (an sdklog.Record cannot be built otherwise), kept by memLogs.
	mem := &memLogs{}
	logger := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(mem))).Logger("otelbench")
	for i := range 200 {
		var r log.Record
		r.SetTimestamp(time.Now())
		r.SetSeverity(log.SeverityInfo)
		r.SetBody(attribute.StringValue(filler))
		r.AddAttributes(attribute.Int("seq", i))
		logger.Emit(ctx, r)
	}
	Expect(mem.records).To(HaveLen(200))
	err = exp.Export(ctx, mem.records)
	Expect(exp.Shutdown(ctx)).To(Succeed())
	return err
}

// sent exports once through a fresh receiver, checks that the recorder counts the body bytes the receiver got,
// and returns the count and the receiver.
func sent(ctx context.Context, export exportFunc, cfg generators.ExporterConfig, failFirst int) (recorded int64, r *bodyReceiver) {
	r = newBodyReceiver(failFirst)
	if cfg.Protocol == generators.Zipkin {
		cfg.Endpoint = r.srv.URL + "/api/v2/spans"
	} else {
		cfg.Endpoint = r.endpoint()
	}
	cfg.Timeout = 10 * time.Second
	rec := generators.NewRecorder()
	Expect(export(ctx, cfg, rec)).To(Succeed())
	// The receiver has read every body before answering; the recorder may be told a moment later.
	total, _, _ := r.received()
	Eventually(func() int64 { return rec.Stats().Bytes }).Should(Equal(total), "bytes counted = body bytes received")
	return rec.Stats().Bytes, r
}

var _ = Describe("HTTP exporters' bytes on the wire", func() {
	DescribeTable("count the request body bytes the receiver gets, compressed when gzip",
		func(ctx SpecContext, export exportFunc) {
			none := generators.ExporterConfig{Protocol: generators.OTLPHTTP, Compression: "none"}
			recordedNone, rNone := sent(ctx, export, none, 0)
			totalNone, bodiesNone, encNone := rNone.received()
			Expect(bodiesNone).To(HaveLen(1))
			Expect(encNone).To(Equal([]string{""}))
			Expect(recordedNone).To(Equal(totalNone))

			gzip := generators.ExporterConfig{Protocol: generators.OTLPHTTP, Compression: "gzip"}
			recordedGzip, rGzip := sent(ctx, export, gzip, 0)
			totalGzip, bodiesGzip, encGzip := rGzip.received()
			Expect(bodiesGzip).To(HaveLen(1))
			Expect(encGzip).To(Equal([]string{"gzip"}))
			Expect(recordedGzip).To(Equal(totalGzip), "gzip bytes counted")
			GinkgoWriter.Printf("none: recorded %d, received %d; gzip: recorded %d, received %d\n", recordedNone, totalNone, recordedGzip, totalGzip)
			Expect(recordedGzip).To(BeNumerically(">", 0))
			Expect(recordedGzip).To(BeNumerically("<", recordedNone/2), "a compressible payload shrinks")
		},
		Entry("traces", exportSpans),
		Entry("metrics", exportMetrics),
		Entry("logs", exportLogs),
	)

	It("counts every attempt of an export the receiver asks to retry, as the gRPC stats handler does", func(ctx SpecContext) {
		cfg := generators.ExporterConfig{Protocol: generators.OTLPHTTP, Compression: "gzip"}
		recorded, r := sent(ctx, exportSpans, cfg, 1)
		total, bodies, _ := r.received()
		Expect(bodies).To(HaveLen(2))
		Expect(bodies[0]).To(Equal(bodies[1]))
		Expect(recorded).To(Equal(total))
	})

	It("counts the SDK's retries: the requests an export call made beyond its first, and when", func(ctx SpecContext) {
		r := newBodyReceiver(2)
		cfg := generators.ExporterConfig{Protocol: generators.OTLPHTTP, Compression: "none", Endpoint: r.endpoint(), Timeout: 10 * time.Second,
			Retry: &generators.Retry{Enabled: true, InitialInterval: 10 * time.Millisecond, MaxInterval: 20 * time.Millisecond, MaxElapsedTime: 5 * time.Second}}
		rec := generators.NewRecorder()
		rec.TrackFaults()
		before := time.Now()
		Expect(exportSpans(ctx, cfg, rec)).To(Succeed())
		_, bodies, _ := r.received()
		Expect(bodies).To(HaveLen(3), "two refused, the third taken")
		Expect(rec.Attempts()).To(Equal(int64(3)))
		Expect(rec.RetriesBetween(before, time.Now())).To(Equal(int64(2)))
		Expect(rec.RetriesBetween(before.Add(-time.Hour), before.Add(-time.Minute))).To(BeZero(), "none before the call")
	})

	It("counts Zipkin's JSON bodies", func(ctx SpecContext) {
		recorded, r := sent(ctx, exportSpans, generators.ExporterConfig{Protocol: generators.Zipkin}, 0)
		total, bodies, _ := r.received()
		Expect(bodies).To(HaveLen(1))
		Expect(recorded).To(BeNumerically(">", 0))
		Expect(recorded).To(Equal(total))
	})

	It("counts nothing when no attempt reaches the receiver", func(ctx SpecContext) {
		r := newBodyReceiver(0)
		endpoint := r.endpoint()
		r.srv.Close() // connections to it are refused from now on
		rec := generators.NewRecorder()
		cfg := generators.ExporterConfig{Protocol: generators.OTLPHTTP, Compression: "none", Endpoint: endpoint, Timeout: 300 * time.Millisecond}
		Expect(exportSpans(ctx, cfg, rec)).NotTo(Succeed())
		Expect(rec.Stats().Bytes).To(BeZero())
	})
})
