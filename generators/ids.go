package generators

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// IDs derives every trace and span ID of a run from (seed, run ID, stream, sequence number), so that the verifier
// can re-derive the IDs it must find without anyone storing them. Different runs, streams and sequence numbers give
// different IDs; the same inputs always give the same IDs. IDs is immutable and safe for concurrent use.
type IDs struct {
	prefix [sha256.Size]byte
}

// NewIDs returns the ID derivation for one run.
func NewIDs(seed int64, runID string) IDs {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seed))
	h.Write([]byte("otelbench/ids/v1\x00"))
	h.Write(b[:])
	h.Write([]byte(runID))
	var ids IDs
	h.Sum(ids.prefix[:0])
	return ids
}

// TraceID is the ID of trace seq (counting from 0) of stream.
func (ids IDs) TraceID(stream string, seq uint64) trace.TraceID {
	h := sha256.New()
	h.Write(ids.prefix[:])
	h.Write([]byte(stream))
	var b [9]byte
	binary.BigEndian.PutUint64(b[1:], seq)
	h.Write(b[:])
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	var id trace.TraceID
	copy(id[:], sum[:16])
	if !id.IsValid() { // all zeros is invalid in OpenTelemetry; astronomically unlikely, but never emit it
		id[15] = 1
	}
	return id
}

// SpanID is the ID of span index (0 is the root) of the trace with ID tid. It is a splitmix64 step over the trace
// ID and the index: cheap, well mixed, and never zero.
func SpanID(tid trace.TraceID, index int) trace.SpanID {
	x := binary.BigEndian.Uint64(tid[:8]) ^ binary.BigEndian.Uint64(tid[8:])
	x += 0x9e3779b97f4a7c15 * uint64(index+1)
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	x ^= x >> 31
	if x == 0 {
		x = 1
	}
	var id trace.SpanID
	binary.BigEndian.PutUint64(id[:], x)
	return id
}

// idSlot carries the IDs of the trace being emitted from the generator to the SDK's IDGenerator through the
// context. Only the goroutine emitting the trace touches it.
type idSlot struct {
	trace trace.TraceID
	next  int
}

type idSlotKey struct{}

func withIDSlot(ctx context.Context, s *idSlot) context.Context {
	return context.WithValue(ctx, idSlotKey{}, s)
}

// idGenerator is the SDK IDGenerator of a stream: it hands out the IDs the generator put in the context, so that
// the spans the SDK creates carry derivable IDs. Outside a generator context it falls back to derived IDs of an
// unused stream, which verification never expects.
type idGenerator struct{}

func (idGenerator) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	s, _ := ctx.Value(idSlotKey{}).(*idSlot)
	if s == nil {
		tid := NewIDs(0, "otelbench/unexpected").TraceID("", 0)
		return tid, SpanID(tid, 0)
	}
	s.next = 1
	return s.trace, SpanID(s.trace, 0)
}

func (idGenerator) NewSpanID(ctx context.Context, tid trace.TraceID) trace.SpanID {
	s, _ := ctx.Value(idSlotKey{}).(*idSlot)
	if s == nil || s.trace != tid {
		return SpanID(tid, 1<<30)
	}
	id := SpanID(tid, s.next)
	s.next++
	return id
}

// ServiceInstanceID is the service.instance.id of a metrics stream's resource: unique per run and stream, so that
// a backend which keeps series across runs (Prometheus turns it into the instance label) tells them apart.
func ServiceInstanceID(runID, stream string) string { return runID + "/" + stream }

// Instance is the service.instance.id of stripe st's metrics of a stream whose whole-run instance is id: shards
// write series of their own ("<id>/shard-1"), so that N writers never share one cumulative series.
func (st Stripe) Instance(id string) string {
	if st.whole() {
		return id
	}
	return id + "/shard-" + strconv.FormatUint(st.Index, 10)
}

// mark adds the resource attribute ResourceShard of a stripe to attrs.
func (st Stripe) mark(attrs []attribute.KeyValue) []attribute.KeyValue {
	if st.whole() {
		return attrs
	}
	return append(attrs, attribute.String(ResourceShard, st.String()))
}
