package generators

import (
	"math/rand/v2"
	"strconv"
)

// Shape is the shape of every trace of a stream: how many spans, how deep, how many attributes of what size.
// The verifier re-derives from it what each span must look like.
type Shape struct {
	// Spans per trace, root included (at least 1).
	Spans int
	// Depth is the number of levels, root included (1 to Spans; 1 only when Spans is 1).
	Depth int
	// Attributes is the number of generated string attributes on each span.
	Attributes int
	// AttributeSize is the length of each attribute value in bytes.
	AttributeSize int
}

// SpanBytes is about how many bytes one span of this shape carries: IDs, name, timestamps and otelbench's own
// attributes (about 200 bytes, a little more on the root), plus each generated attribute's key and value. Backends
// are sized from it.
func (s Shape) SpanBytes() int {
	return 200 + s.Attributes*(len(AttrPrefix)+4+s.AttributeSize)
}

// Parents returns, for each span index, the index of its parent (-1 for the root). Spans fill the levels
// round-robin: span i > 0 is at level 1 + (i-1) mod (Depth-1), and its parent is the latest span before it one
// level up, so every level is reached and the tree is as balanced as the counts allow.
func (s Shape) Parents() []int {
	parents := make([]int, max(s.Spans, 1))
	parents[0] = -1
	if s.Spans <= 1 {
		return parents
	}
	depth := max(s.Depth, 2)
	latest := make([]int, depth) // latest span index seen at each level
	for i := 1; i < len(parents); i++ {
		level := 1 + (i-1)%(depth-1)
		parents[i] = latest[level-1]
		latest[level] = i
	}
	return parents
}

// SpanName is the name of span index of a trace of workload: the workload's name for the root, then
// "<workload>/<index>".
func SpanName(workload string, index int) string {
	if index == 0 {
		return workload
	}
	return workload + "/" + strconv.Itoa(index)
}

// Attribute keys otelbench puts on every span besides the generated ones.
const (
	// AttrSeq is the trace's sequence number in its stream (int64).
	AttrSeq = "otelbench.seq"
	// AttrSpan is the span's index in its trace (int64).
	AttrSpan = "otelbench.span"
	// AttrPrefix prefixes the generated string attributes: otelbench.attr.0, otelbench.attr.1, ...
	AttrPrefix = "otelbench.attr."
)

// AttributeKey is the key of generated attribute a.
func AttributeKey(a int) string { return AttrPrefix + strconv.Itoa(a) }

// Values is a fixed pool of attribute values derived from the seed. Attribute a of span i of trace seq takes
// Value(seq, i, a): varied enough that compression is not trivial, cheap enough for millions of spans per second,
// and re-derivable by the verifier. Values is immutable and safe for concurrent use.
type Values struct {
	pool []string
}

const valuePoolSize = 257 // prime, so (seq, span, attr) combinations spread over the whole pool

// NewValues builds the pool of values of size bytes for seed.
func NewValues(seed int64, size int) *Values {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6f74656c62656e63)) //nolint:gosec // reproducible, not secret
	v := &Values{pool: make([]string, valuePoolSize)}
	buf := make([]byte, size)
	for i := range v.pool {
		for j := range buf {
			buf[j] = alphabet[rng.IntN(len(alphabet))]
		}
		v.pool[i] = string(buf)
	}
	return v
}

// Value is the value of attribute a of span index of trace seq.
func (v *Values) Value(seq uint64, index, a int) string {
	return v.pool[(seq*31+uint64(index)*7+uint64(a))%valuePoolSize]
}

// RecordBytes is about how many bytes one log record of this shape carries: timestamps, severity, IDs and
// otelbench's own attributes (about 150 bytes), its body, and each generated attribute's key and value.
func (s LogShape) RecordBytes() int {
	return 150 + s.BodySize + s.Attributes*(len(AttrPrefix)+4+s.AttributeSize)
}
