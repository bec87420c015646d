// goapp is an application under test in another language than the Flask example: a Go HTTP service instrumented
// by hand with the OpenTelemetry Go SDK, configured only by the standard OTEL_* environment (endpoint, protocol,
// service name, resource attributes, sampler), listening on $PORT. The end-to-end specs run it as a container
// image (FROM scratch) to prove that an app otelbench runs from an image is verified like a process.
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	exp, err := otlptracehttp.New(ctx) // OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and friends
	if err != nil {
		log.Fatal(err)
	}
	res, err := resource.New(ctx, resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		log.Fatal(err)
	}
	// The sampler comes from OTEL_TRACES_SAMPLER; the batch processor's delay from OTEL_BSP_SCHEDULE_DELAY.
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	tracer := tp.Tracer("goapp")

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, span := tracer.Start(r.Context(), "load-item")
		span.SetAttributes(attribute.String("item.id", r.PathValue("id")))
		span.End()
		fmt.Fprintf(w, `{"id": %q}`+"\n", r.PathValue("id"))
	})
	server := &http.Server{Addr: "127.0.0.1:" + os.Getenv("PORT"), ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The server span, by the stable HTTP semantic conventions, in the trace of the incoming traceparent.
			_, route := mux.Handler(r)
			ctx := otel.GetTextMapPropagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header))
			ctx, span := tracer.Start(ctx, r.Method+" "+route, trace.WithSpanKind(trace.SpanKindServer))
			defer span.End()
			rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
			mux.ServeHTTP(rec, r.WithContext(ctx))
			span.SetAttributes(attribute.String("http.request.method", r.Method), attribute.Int("http.response.status_code", rec.status),
				attribute.String("url.path", r.URL.Path))
			if route != "" { // a path no route matched has none
				span.SetAttributes(attribute.String("http.route", trimMethod(route)))
			}
		})}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(sctx)
	}()
	if err := server.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tp.Shutdown(sctx); err != nil {
		log.Print(err)
	}
}

// trimMethod is a mux pattern without its method: "GET /items/{id}" is route /items/{id}.
func trimMethod(pattern string) string {
	for i := 0; i < len(pattern); i++ {
		if pattern[i] == ' ' {
			return pattern[i+1:]
		}
	}
	return pattern
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
