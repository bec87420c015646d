package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// refLoop is the plain SDK reference: what the OpenTelemetry Go SDK itself delivers into a backend with nothing
// else in the process. The same exporter and batch settings as otelbench's benchmark scenarios (batch, queue,
// batch and export timeouts, the exporter's timeout and retry, no compression), a blocking batch processor (so
// the loop waits rather than drops), providers independent pipelines (as otelbench's instances), goroutines
// building 10-span traces as fast as they can for d, no pacing, no verification. The spans carry what otelbench's carry (two int attributes each; on the root a
// server kind, an event, a link and a status), so that the comparison is of the senders, not of span sizes. It
// writes {"spans": N} (spans started) to w.
func refLoop(ctx context.Context, endpoint string, d time.Duration, goroutines, providers int, w io.Writer) error {
	var tps []*sdktrace.TracerProvider
	for range max(providers, 1) {
		exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(endpoint), otlptracegrpc.WithInsecure(),
			otlptracegrpc.WithTimeout(benchExportTimeout), otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{
				Enabled: true, InitialInterval: 100 * time.Millisecond, MaxInterval: time.Second, MaxElapsedTime: benchExportTimeout}))
		if err != nil {
			return err
		}
		tps = append(tps, sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp,
			sdktrace.WithMaxExportBatchSize(benchBatch), sdktrace.WithMaxQueueSize(benchQueue), sdktrace.WithBlocking(),
			sdktrace.WithBatchTimeout(benchBatchTimeout), sdktrace.WithExportTimeout(benchExportTimeout))))
	}
	var spans atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for g := range goroutines {
		tracer := tps[g%len(tps)].Tracer("reference")
		wg.Go(func() {
			var prev trace.SpanContext
			for seq := int64(0); time.Now().Before(deadline); seq++ {
				rctx, root := tracer.Start(ctx, "root", trace.WithSpanKind(trace.SpanKindServer), trace.WithLinks(trace.Link{SpanContext: prev}),
					trace.WithAttributes(attribute.Int64("otelbench.seq", seq), attribute.Int("otelbench.span", 0)))
				root.AddEvent("otelbench.root", trace.WithAttributes(attribute.Int64("otelbench.seq", seq)))
				for i := 1; i < benchSpans; i++ {
					_, child := tracer.Start(rctx, "child", trace.WithAttributes(attribute.Int64("otelbench.seq", seq), attribute.Int("otelbench.span", i)))
					child.End()
				}
				root.SetStatus(codes.Ok, "")
				root.End()
				prev = root.SpanContext()
				spans.Add(benchSpans)
			}
		})
	}
	wg.Wait()
	for _, tp := range tps {
		if err := tp.Shutdown(context.WithoutCancel(ctx)); err != nil {
			return fmt.Errorf("flush: %w", err)
		}
	}
	return json.NewEncoder(w).Encode(map[string]int64{"spans": spans.Load()})
}
