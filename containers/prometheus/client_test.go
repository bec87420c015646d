package prometheus_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/proto"

	"github.com/otelbench/otelbench/containers"
	"github.com/otelbench/otelbench/containers/all"
	"github.com/otelbench/otelbench/containers/prometheus"
)

// promAPI serves body with status on every request, recording the last request's form.
func promAPI(status int, body string, form *map[string][]string) *prometheus.Client {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if form != nil {
			*form = r.Form
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	DeferCleanup(srv.Close)
	return prometheus.NewClient(srv.URL + "/")
}

var _ = Describe("Prometheus client", func() {
	DescribeTable("reads sample values written as strings",
		func(value string, check func(float64) bool) {
			p := promAPI(200, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"x","a":"b"},"value":[1700000000.123,"`+value+`"]}]}}`, nil)
			got, err := p.Query(context.Background(), "x", time.Time{})
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(HaveLen(1))
			Expect(got[0].Labels).To(Equal(map[string]string{"__name__": "x", "a": "b"}))
			Expect(got[0].Time).To(Equal(time.UnixMilli(1700000000123)))
			Expect(check(got[0].Value)).To(BeTrue(), "value %v", got[0].Value)
		},
		Entry("a float", "42.5", func(f float64) bool { return f == 42.5 }),
		Entry("an exponent", "1e+21", func(f float64) bool { return f == 1e21 }),
		Entry("NaN", "NaN", math.IsNaN),
		Entry("+Inf", "+Inf", func(f float64) bool { return math.IsInf(f, 1) }),
		Entry("-Inf", "-Inf", func(f float64) bool { return math.IsInf(f, -1) }),
	)

	It("sends the expression and the evaluation time in milliseconds", func() {
		var form map[string][]string
		p := promAPI(200, `{"status":"success","data":{"resultType":"scalar","result":[1700000000,"3"]}}`, &form)
		got, err := p.Query(context.Background(), "1+2", time.UnixMilli(1700000000007))
		Expect(err).NotTo(HaveOccurred())
		Expect(form).To(HaveKeyWithValue("query", []string{"1+2"}))
		Expect(form).To(HaveKeyWithValue("time", []string{"1700000000.007"}))
		Expect(got).To(HaveLen(1))
		Expect(got[0].Value).To(Equal(3.0))
		Expect(got[0].Labels).To(BeEmpty())
	})

	DescribeTable("says what went wrong, in Prometheus' own words",
		func(status int, body, want string) {
			_, err := promAPI(status, body, nil).Query(context.Background(), "rate(x[1m]", time.Time{})
			Expect(err).To(MatchError(ContainSubstring(want)))
			Expect(err).To(MatchError(ContainSubstring(`promql "rate(x[1m]"`)))
		},
		Entry("a parse error", 400, `{"status":"error","errorType":"bad_data","error":"1:11: parse error: unclosed left parenthesis"}`,
			"400 from /api/v1/query: bad_data: 1:11: parse error: unclosed left parenthesis"),
		Entry("a server not ready", 503, "Service Unavailable", "503 from /api/v1/query: Service Unavailable"),
		Entry("a range vector", 200, `{"status":"success","data":{"resultType":"matrix","result":[]}}`, `result type "matrix"`),
		Entry("a native histogram", 200, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"h"},"histogram":[1,{"count":"1","sum":"2"}]}]}}`,
			"native histogram; query histogram_count()"),
		Entry("an unparsable value", 200, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"many"]}]}}`, `sample value "many"`),
	)

	It("lists series matching a selector over a time range", func() {
		var form map[string][]string
		p := promAPI(200, `{"status":"success","data":[{"__name__":"up","job":"otelbench","instance":"127.0.0.1:1"}]}`, &form)
		got, err := p.Series(context.Background(), `{job="otelbench"}`, time.Unix(100, 0), time.Unix(200, 500e6))
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(Equal([]map[string]string{{"__name__": "up", "job": "otelbench", "instance": "127.0.0.1:1"}}))
		Expect(form).To(HaveKeyWithValue("match[]", []string{`{job="otelbench"}`}))
		Expect(form).To(HaveKeyWithValue("start", []string{"100.000"}))
		Expect(form).To(HaveKeyWithValue("end", []string{"200.500"}))
	})

	It("is ready only when /-/ready answers 200", func() {
		Expect(promAPI(200, "Prometheus Server is Ready.", nil).Ready(context.Background())).To(Succeed())
		Expect(promAPI(503, "Service Unavailable", nil).Ready(context.Background())).To(MatchError(ContainSubstring("prometheus ready: 503 Service Unavailable")))
	})
})

// otlpInstrument is one metric posted to Prometheus' OTLP receiver and the series names it must become.
type otlpInstrument struct {
	name, unit string
	metric     func(now time.Time) *metricspb.Metric
	want       []string
}

func numberPoint(now time.Time, v float64, attrs ...*commonpb.KeyValue) *metricspb.NumberDataPoint {
	return &metricspb.NumberDataPoint{
		StartTimeUnixNano: uint64(now.Add(-time.Minute).UnixNano()),
		TimeUnixNano:      uint64(now.UnixNano()),
		Value:             &metricspb.NumberDataPoint_AsDouble{AsDouble: v},
		Attributes:        attrs,
	}
}

func str(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

func sum(name, unit string, monotonic bool, temporality metricspb.AggregationTemporality, v float64) func(time.Time) *metricspb.Metric {
	return func(now time.Time) *metricspb.Metric {
		return &metricspb.Metric{Name: name, Unit: unit, Data: &metricspb.Metric_Sum{Sum: &metricspb.Sum{
			IsMonotonic: monotonic, AggregationTemporality: temporality,
			DataPoints: []*metricspb.NumberDataPoint{numberPoint(now, v, str("otelbench.series", "s1"))},
		}}}
	}
}

func gauge(name, unit string, v float64) func(time.Time) *metricspb.Metric {
	return func(now time.Time) *metricspb.Metric {
		return &metricspb.Metric{Name: name, Unit: unit, Data: &metricspb.Metric_Gauge{Gauge: &metricspb.Gauge{
			DataPoints: []*metricspb.NumberDataPoint{numberPoint(now, v, str("otelbench.series", "s1"))},
		}}}
	}
}

func histogram(name, unit string) func(time.Time) *metricspb.Metric {
	return func(now time.Time) *metricspb.Metric {
		s := 3.5
		return &metricspb.Metric{Name: name, Unit: unit, Data: &metricspb.Metric_Histogram{Histogram: &metricspb.Histogram{
			AggregationTemporality: metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE,
			DataPoints: []*metricspb.HistogramDataPoint{{
				StartTimeUnixNano: uint64(now.Add(-time.Minute).UnixNano()), TimeUnixNano: uint64(now.UnixNano()),
				Attributes: []*commonpb.KeyValue{str("otelbench.series", "s1")},
				Count:      3, Sum: &s, ExplicitBounds: []float64{1, 2}, BucketCounts: []uint64{1, 1, 1},
			}},
		}}}
	}
}

func expHistogram(name, unit string) func(time.Time) *metricspb.Metric {
	return func(now time.Time) *metricspb.Metric {
		s := 10.0
		return &metricspb.Metric{Name: name, Unit: unit, Data: &metricspb.Metric_ExponentialHistogram{ExponentialHistogram: &metricspb.ExponentialHistogram{
			AggregationTemporality: metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE,
			DataPoints: []*metricspb.ExponentialHistogramDataPoint{{
				StartTimeUnixNano: uint64(now.Add(-time.Minute).UnixNano()), TimeUnixNano: uint64(now.UnixNano()),
				Attributes: []*commonpb.KeyValue{str("otelbench.series", "s1")},
				Count:      4, Sum: &s, Scale: 0, ZeroCount: 1,
				Positive: &metricspb.ExponentialHistogramDataPoint_Buckets{Offset: 0, BucketCounts: []uint64{1, 2}},
			}},
		}}}
	}
}

// postOTLP sends metrics from one resource to Prometheus' OTLP receiver as OTLP/HTTP protobuf and returns the
// status and body of the answer.
func postOTLP(ctx context.Context, endpoint string, resource []*commonpb.KeyValue, metrics ...*metricspb.Metric) (int, string, error) {
	body, err := proto.Marshal(&colmetricspb.ExportMetricsServiceRequest{ResourceMetrics: []*metricspb.ResourceMetrics{{
		Resource:     &resourcepb.Resource{Attributes: resource},
		ScopeMetrics: []*metricspb.ScopeMetrics{{Scope: &commonpb.InstrumentationScope{Name: "otelbench.spec"}, Metrics: metrics}},
	}}})
	if err != nil {
		return 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+endpoint+prometheus.OTLPPath, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data), err
}

var _ = Describe("Prometheus read-back", Ordered, Label("docker"), func() {
	var (
		prom   *prometheus.Prometheus
		client *prometheus.Client
		runID  string
		target string
		start  time.Time
	)

	BeforeAll(func(ctx SpecContext) {
		img, ok := all.ImageFor("prometheus")
		Expect(ok).To(BeTrue())
		_, err := containers.BuildImage(ctx, img, false, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		ref, err := containers.ResolveImage(ctx, img, containers.ImagesAuto)
		Expect(err).NotTo(HaveOccurred())

		// A tiny scrape target: hand-written text exposition, including the values JSON cannot carry as numbers.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		target = l.Addr().String()
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4")
			_, _ = io.WriteString(w, "# TYPE spec_answer gauge\nspec_answer{kind=\"plain\"} 42\nspec_answer{kind=\"nan\"} NaN\nspec_answer{kind=\"inf\"} +Inf\n"+
				"# TYPE spec_hits counter\nspec_hits_total 7\n")
		})}
		go func() { _ = srv.Serve(l) }()
		DeferCleanup(srv.Close)

		runID = fmt.Sprintf("spec-promread-%d", time.Now().UnixNano())
		start = time.Now()
		prom, err = prometheus.Run(ctx, ref, prometheus.Config{
			RunID: runID, ScrapeTargets: []string{target}, ScrapeInterval: 200 * time.Millisecond,
		})
		DeferCleanup(func(ctx context.Context) { _ = prom.Terminate(ctx) })
		Expect(err).NotTo(HaveOccurred())
		client = prometheus.NewClient(prom.URL())
	}, NodeTimeout(30*time.Minute))

	It("is ready", func(ctx SpecContext) {
		Expect(client.Ready(ctx)).To(Succeed())
	})

	It("scrapes a loopback target as job otelbench and answers PromQL with its values", func(ctx SpecContext) {
		value := func(kind string) func(context.Context) (float64, error) {
			return func(ctx context.Context) (float64, error) {
				got, err := client.Query(ctx, fmt.Sprintf(`spec_answer{job="otelbench",kind=%q}`, kind), time.Now())
				if err != nil || len(got) != 1 {
					return 0, fmt.Errorf("%d samples: %v", len(got), err)
				}
				Expect(got[0].Labels).To(HaveKeyWithValue("instance", target))
				Expect(got[0].Time).To(BeTemporally("~", time.Now(), 5*time.Second))
				return got[0].Value, nil
			}
		}
		Eventually(value("plain")).WithContext(ctx).Should(Equal(42.0))
		Eventually(value("nan")).WithContext(ctx).Should(Satisfy(math.IsNaN))
		Eventually(value("inf")).WithContext(ctx).Should(Equal(math.Inf(1)))
		got, err := client.Query(ctx, "spec_hits_total", time.Time{})
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(HaveLen(1))
		Expect(got[0].Value).To(Equal(7.0))

		series, err := client.Series(ctx, `{job="otelbench"}`, start, time.Now())
		Expect(err).NotTo(HaveOccurred())
		var names []string
		for _, s := range series {
			names = append(names, s["__name__"])
		}
		Expect(names).To(ContainElements("spec_answer", "spec_hits_total", "up", "scrape_duration_seconds"))
	}, SpecTimeout(time.Minute))

	It("returns Prometheus' error for a bad expression", func(ctx SpecContext) {
		_, err := client.Query(ctx, "rate(spec_hits_total[1m]", time.Now())
		Expect(err).To(MatchError(ContainSubstring("bad_data")))
		Expect(err).To(MatchError(ContainSubstring("unclosed left parenthesis")))
	})

	It("stores OTLP metrics under their translated names, job and instance from the resource", func(ctx SpecContext) {
		cumulative := metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE
		instruments := []otlpInstrument{
			{"bench.requests", "1", sum("bench.requests", "1", true, cumulative, 5), []string{"bench_requests_total"}},
			{"bench.items", "{item}", sum("bench.items", "{item}", true, cumulative, 6), []string{"bench_items_total"}},
			{"bench.sent", "By", sum("bench.sent", "By", true, cumulative, 7), []string{"bench_sent_bytes_total"}},
			{"bench.busy", "s", sum("bench.busy", "s", true, cumulative, 8), []string{"bench_busy_seconds_total"}},
			{"bench.inflight", "{item}", sum("bench.inflight", "{item}", false, cumulative, 9), []string{"bench_inflight"}},
			{"bench.utilization", "1", gauge("bench.utilization", "1", 0.5), []string{"bench_utilization_ratio"}},
			{"bench.queue.size", "By", gauge("bench.queue.size", "By", 10), []string{"bench_queue_size_bytes"}},
			{"bench.latency", "s", gauge("bench.latency", "s", 0.25), []string{"bench_latency_seconds"}},
			{"bench.pending", "{item}", gauge("bench.pending", "{item}", 11), []string{"bench_pending"}},
			{"bench.throughput", "By/s", gauge("bench.throughput", "By/s", 12), []string{"bench_throughput_bytes_per_second"}},
			{"bench.duration", "s", histogram("bench.duration", "s"), []string{"bench_duration_seconds_bucket", "bench_duration_seconds_count", "bench_duration_seconds_sum"}},
			{"bench.payload.size", "By", expHistogram("bench.payload.size", "By"), []string{"bench_payload_size_bytes"}},
		}
		now := time.Now()
		var metrics []*metricspb.Metric
		for _, in := range instruments {
			metrics = append(metrics, in.metric(now))
		}
		resource := []*commonpb.KeyValue{
			str("service.name", "spec-service"), str("service.namespace", "spec-ns"), str("service.instance.id", "spec-instance-1"),
			str("host.name", "spec-host"), str("deployment.environment.name", "spec"),
		}
		code, body, err := postOTLP(ctx, prom.OTLPMetricsEndpoint(), resource, metrics...)
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(http.StatusOK), body)

		// The OTLP receiver appends synchronously: the series are there once the request returns.
		series, err := client.Series(ctx, `{job="spec-ns/spec-service"}`, now.Add(-time.Minute), time.Now().Add(time.Minute))
		Expect(err).NotTo(HaveOccurred())
		byName := map[string]map[string]string{}
		for _, s := range series {
			byName[s["__name__"]] = s
		}
		var names []string
		for n := range byName {
			names = append(names, n)
		}
		sort.Strings(names)
		AddReportEntry("OTLP series names", strings.Join(names, "\n"))
		for _, in := range instruments {
			for _, want := range in.want {
				Expect(byName).To(HaveKey(want), "%s (unit %s)", in.name, in.unit)
				Expect(byName[want]).To(HaveKeyWithValue("instance", "spec-instance-1"))
				Expect(byName[want]).To(HaveKeyWithValue("otelbench_series", "s1"))
				Expect(byName[want]).NotTo(HaveKey("host_name"), "resource attributes are not promoted")
			}
		}
		Expect(byName).To(HaveKey("target_info"))
		Expect(byName["target_info"]).To(Equal(map[string]string{
			"__name__": "target_info", "job": "spec-ns/spec-service", "instance": "spec-instance-1",
			"host_name": "spec-host", "deployment_environment_name": "spec",
			"service_name": "spec-service", "service_namespace": "spec-ns", "service_instance_id": "spec-instance-1",
		}))

		got, err := client.Query(ctx, `bench_requests_total{job="spec-ns/spec-service"}`, now)
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(HaveLen(1))
		Expect(got[0].Value).To(Equal(5.0))
		Expect(got[0].Time).To(Equal(time.UnixMilli(now.UnixMilli())))
		got, err = client.Query(ctx, `histogram_count(bench_payload_size_bytes)`, now)
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(HaveLen(1))
		Expect(got[0].Value).To(Equal(4.0))
		_, err = client.Query(ctx, `bench_payload_size_bytes`, now)
		Expect(err).To(MatchError(ContainSubstring("native histogram")))
	}, SpecTimeout(time.Minute))

	It("accepts OTLP samples older than the newest, within the out-of-order window", func(ctx SpecContext) {
		res := []*commonpb.KeyValue{str("service.name", "spec-ooo")}
		now := time.Now()
		cumulative := metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE
		code, body, err := postOTLP(ctx, prom.OTLPMetricsEndpoint(), res, sum("ooo.count", "", true, cumulative, 2)(now))
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(http.StatusOK), body)
		code, body, err = postOTLP(ctx, prom.OTLPMetricsEndpoint(), res, sum("ooo.count", "", true, cumulative, 1)(now.Add(-2*time.Minute)))
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(http.StatusOK), body)
		got, err := client.Query(ctx, `count_over_time(ooo_count_total[5m])`, now)
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(HaveLen(1))
		Expect(got[0].Value).To(Equal(2.0))
	})

	It("rejects a whole request holding a delta metric (500, no feature flag): its cumulative metrics are dropped too", func(ctx SpecContext) {
		delta := metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA
		cumulative := metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE
		now := time.Now()
		code, body, err := postOTLP(ctx, prom.OTLPMetricsEndpoint(), []*commonpb.KeyValue{str("service.name", "spec-delta")},
			sum("delta.count", "", true, delta, 3)(now), sum("cumulative.count", "", true, cumulative, 4)(now))
		Expect(err).NotTo(HaveOccurred())
		AddReportEntry("delta answer", fmt.Sprintf("%d %s", code, body))
		Expect(code).To(Equal(http.StatusInternalServerError))
		Expect(body).To(ContainSubstring(`invalid temporality and type combination for metric "delta.count"`))
		got, err := client.Query(ctx, `{job="spec-delta"}`, now)
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(BeEmpty(), "Prometheus rolls back the whole request's appends on a conversion error")
	})

	It("leaves no container behind after Terminate", func(ctx SpecContext) {
		Expect(prom.Terminate(ctx)).To(Succeed())
		Eventually(func(ctx context.Context) ([]string, error) { return containers.List(ctx, runID) }).WithContext(ctx).Should(BeEmpty())
	}, SpecTimeout(time.Minute))
})
