package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
)

// rawSend is the physical limit of a sink for this span content: one ExportTraceServiceRequest of benchBatch
// spans (10-span traces with the attributes otelbench's spans carry), encoded once, sent again and again over
// conns gRPC connections, streams calls in flight on each, for d. Nothing is built, batched or measured per span:
// what the sink accepts in that time is as much as any sender can deliver to it. It writes {"spans": N}
// (spans in requests the sink answered OK) to w.
func rawSend(ctx context.Context, endpoint string, d time.Duration, conns, streams int, w io.Writer) error {
	req, spans, err := rawRequest()
	if err != nil {
		return err
	}
	var sent atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for range conns {
		cc, err := grpc.NewClient(endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithNoProxy())
		if err != nil {
			return err
		}
		defer cc.Close()
		for range streams {
			wg.Go(func() {
				var resp []byte
				for time.Now().Before(deadline) && ctx.Err() == nil {
					err := cc.Invoke(ctx, "/opentelemetry.proto.collector.trace.v1.TraceService/Export", req, &resp, grpc.ForceCodec(rawCodec{}))
					if err != nil {
						firstErr.CompareAndSwap(nil, err)
						continue
					}
					sent.Add(int64(spans))
				}
			})
		}
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok && sent.Load() == 0 {
		return fmt.Errorf("every request failed: %w", err)
	}
	return json.NewEncoder(w).Encode(map[string]int64{"spans": sent.Load()})
}

// rawRequest is the encoded request: benchBatch spans in traces of benchSpans, each span with the two int
// attributes otelbench's carry, the root a server span with an event, a link and an OK status.
func rawRequest() ([]byte, int, error) {
	ss := &tracepb.ScopeSpans{Scope: &commonpb.InstrumentationScope{Name: "otelbench-raw"}}
	now := uint64(time.Now().UnixNano())
	intAttr := func(k string, v int64) *commonpb.KeyValue {
		return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: v}}}
	}
	for i := range benchBatch {
		seq, n := int64(i/benchSpans), i%benchSpans
		traceID := make([]byte, 16)
		binary.BigEndian.PutUint64(traceID[8:], uint64(seq)+1)
		spanID := make([]byte, 8)
		binary.BigEndian.PutUint64(spanID, uint64(i)+1)
		s := &tracepb.Span{TraceId: traceID, SpanId: spanID, Name: "child", StartTimeUnixNano: now, EndTimeUnixNano: now + 1000,
			Kind:       tracepb.Span_SPAN_KIND_INTERNAL,
			Attributes: []*commonpb.KeyValue{intAttr("otelbench.seq", seq), intAttr("otelbench.span", int64(n))}}
		if n == 0 {
			s.Name, s.Kind = "root", tracepb.Span_SPAN_KIND_SERVER
			s.Events = []*tracepb.Span_Event{{Name: "otelbench.root", TimeUnixNano: now, Attributes: []*commonpb.KeyValue{intAttr("otelbench.seq", seq)}}}
			s.Links = []*tracepb.Span_Link{{TraceId: traceID, SpanId: spanID}}
			s.Status = &tracepb.Status{Code: tracepb.Status_STATUS_CODE_OK}
		} else {
			root := make([]byte, 8)
			binary.BigEndian.PutUint64(root, uint64(i-n)+1)
			s.ParentSpanId = root
		}
		ss.Spans = append(ss.Spans, s)
	}
	req := &collectortrace.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{{Key: "service.name",
			Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "otelbench-raw"}}}}},
		ScopeSpans: []*tracepb.ScopeSpans{ss},
	}}}
	b, err := proto.Marshal(req)
	return b, benchBatch, err
}

// rawCodec passes pre-encoded bytes through gRPC unchanged, and discards the answer's.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) {
	b, ok := v.([]byte)
	if !ok {
		return nil, fmt.Errorf("raw codec: %T is not []byte", v)
	}
	return b, nil
}

func (rawCodec) Unmarshal([]byte, any) error { return nil }

func (rawCodec) Name() string { return "proto" }
